package io.mmemu.kernel.arch;

import io.mmemu.mm.task.Task;

/**
 * One CPU as the kernel sees it: everything the kernel model asks of a CPU, and nothing of how
 * the CPU executes (the emulator's is a Unicorn engine; the kernel's tests use one that holds its
 * registers in memory). The other half of the boundary is {@link SyscallHandler}, the kernel as the
 * CPU sees it.
 *
 * <p>Registers cross the boundary only through {@link #regs}, as values: {@link PtRegs} (the
 * user registers) and {@link FpuState} (the FPU/SSE state), read and written whole, and the
 * opaque {@link ArchRegs.Context} that parks a task's registers while it is off the CPU. The
 * kernel writes registers only between runs ({@link SyscallHandler#exitToUserMode}): a syscall's
 * result goes back through the {@code PtRegs} the CPU passed to {@link SyscallHandler#syscall},
 * which the CPU loads itself.
 *
 * <p>Every call comes from the one thread that drives the machine.
 */
public interface ArchCpu extends AutoCloseable {
    /**
     * The CPU's number (smp_processor_id()).
     *
     * @return 0 to the machine's CPU count - 1
     */
    int id();

    /**
     * The task running here (the CPU's {@code current}).
     *
     * @return the task, or null when the CPU is idle
     */
    Task current();

    /**
     * Makes {@code task} current and loads its mm (switch_mm_irqs_off()); its registers are
     * loaded separately ({@link ArchRegs#set} or {@link ArchRegs.Context#restore}).
     *
     * @param task the task to run next on this CPU
     */
    void switchTo(Task task);

    /** Models enter_lazy_tlb(): nothing to run; the mm last run stays loaded, lazily. */
    void enterLazyTlb();

    /**
     * Runs the current task until it exits, is killed or gives up the CPU, or, when
     * {@code quantum} is positive, until about that many instructions have run (0: no limit).
     * The CPU calls the kernel ({@link SyscallHandler}) for syscalls, faults and every return to
     * user mode on the way.
     *
     * @param quantum about how many instructions to run before a timer tick preempts the task; 0 for no limit
     * @param exact   whether the run must end right after {@code quantum} instructions (a limit:
     *     the instruction budget, a CPU-time check) rather than about there (the timer tick, which
     *     may end at the next basic block)
     * @return how the run ended
     */
    RunOutcome run(long quantum, boolean exact);

    /** The current task gives up the CPU at its next return to user mode (it sleeps or yields). */
    void requestReschedule();

    /**
     * Whether {@link #requestReschedule} was called since the current run began (TIF_NEED_RESCHED).
     *
     * @return true when the current task is to give up the CPU
     */
    boolean rescheduleRequested();

    /**
     * Instructions executed so far, over all runs of this CPU.
     *
     * @return the count, or -1 when this CPU does not count them
     */
    long instructions();

    /** Counts instructions from now on (a no-op when it already does); only between runs. */
    void countInstructions();

    /**
     * Ends runs exactly when this CPU's {@link #instructions} reach {@code count}: a run that gets
     * there stops right after that instruction and returns as a timer tick does, whatever its
     * quantum (fault injection's instruction points: a forced preemption, a flipped bit). Needs
     * counting ({@link #countInstructions}); only between runs.
     *
     * @param count the instruction count to stop at, or {@link Long#MAX_VALUE} for none
     * @throws UnsupportedOperationException when this CPU cannot stop at a count
     */
    default void stopAt(long count) {
        if (count != Long.MAX_VALUE) throw new UnsupportedOperationException("cpu " + id() + " cannot stop at a count");
    }

    /**
     * The registers of the task running here (or last run here).
     *
     * @return this CPU's register access, the same object every time
     */
    ArchRegs regs();

    /** Frees the CPU. */
    @Override
    void close();
}
