package io.mmemu.kernel.arch;

import io.mmemu.mm.fault.FaultResult;

/**
 * How a task's run on a CPU ended: it exited with a code, a fatal signal killed it at {@code ip},
 * or it gave up the CPU and lives on ({@code switched}): it sleeps, yielded or asked the
 * scheduler to look again, or its time slice ran out ({@code preempted}, the timer tick).
 *
 * @param killed    true when a fatal signal ended the task
 * @param exitCode  the exit status when the task exited (0 to 255); 0 otherwise
 * @param signal    the fatal signal's number when {@code killed}; 0 otherwise
 * @param ip        where the task was killed (the faulting instruction for a fault); 0 otherwise
 * @param info      the fatal signal's details (si_code, address, why), or null when there are none
 * @param switched  true when the task gave up the CPU and lives on
 * @param preempted true when, besides {@code switched}, the cause was its time slice running out
 */
public record RunOutcome(boolean killed, int exitCode, int signal, long ip, FaultResult.Signal info, boolean switched,
        boolean preempted) {
    /**
     * The task exited (do_exit()).
     *
     * @param code its exit status
     * @return the outcome
     */
    public static RunOutcome exited(int code) {
        return new RunOutcome(false, code, 0, 0, null, false, false);
    }

    /**
     * A fatal signal killed the task.
     *
     * @param signal the signal's number
     * @param ip     the instruction pointer at the kill
     * @param info   the signal's details (si_code, address, why), or null when there are none
     * @return the outcome
     */
    public static RunOutcome killed(int signal, long ip, FaultResult.Signal info) {
        return new RunOutcome(true, 0, signal, ip, info, false, false);
    }

    /**
     * The task gave up the CPU (it sleeps, yielded, or the scheduler must look again) and lives on.
     *
     * @return the outcome, {@code switched}
     */
    public static RunOutcome yielded() {
        return new RunOutcome(false, 0, 0, 0, null, true, false);
    }

    /**
     * The task's time slice ran out (the timer tick's preemption): it is still runnable.
     *
     * @return the outcome, {@code switched} and {@code preempted}
     */
    public static RunOutcome tick() {
        return new RunOutcome(false, 0, 0, 0, null, true, true);
    }
}
