package io.mmemu.kernel.arch;

import io.mmemu.mm.fault.FaultResult;

/**
 * How a task's run on a CPU ended: it exited with a code, a fatal signal killed it at {@code ip},
 * or it gave up the CPU and lives on ({@code switched}): it sleeps, yielded or asked the
 * scheduler to look again, or its time slice ran out ({@code preempted}, the timer tick).
 */
public record RunOutcome(boolean killed, int exitCode, int signal, long ip, FaultResult.Signal info, boolean switched,
        boolean preempted) {
    public static RunOutcome exited(int code) {
        return new RunOutcome(false, code, 0, 0, null, false, false);
    }

    public static RunOutcome killed(int signal, long ip, FaultResult.Signal info) {
        return new RunOutcome(true, 0, signal, ip, info, false, false);
    }

    /** The task gave up the CPU (it sleeps, yielded, or the scheduler must look again) and lives on. */
    public static RunOutcome yielded() {
        return new RunOutcome(false, 0, 0, 0, null, true, false);
    }

    /** The task's time slice ran out: it is still runnable. */
    public static RunOutcome tick() {
        return new RunOutcome(false, 0, 0, 0, null, true, true);
    }
}
