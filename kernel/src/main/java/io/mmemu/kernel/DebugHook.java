package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.RunOutcome;

/**
 * Where a debugger takes hold of a running machine: the scheduler calls it each time a CPU's run
 * returns, between two runs, so that the machine is at rest there (every engine stopped, RIP
 * precise, the kernel's work for the last syscall or fault done), and asked before each run where that
 * run must end ({@link #stopAt}). A debugger that wants the
 * machine to stop asks the running CPU to end its run early (the emulator's CPUs stop their
 * engine at the next safe point and return as a yield does), and takes its commands inside
 * {@link #afterRun}: the machine stays paused for as long as that call lasts, since the one
 * thread that drives every CPU is in it.
 */
public interface DebugHook {
    /**
     * A run of {@code cpu} ended (a time slice, a yield, a stop asked for, the task's exit or death);
     * the next run has not begun. The CPU's registers and counts may be read and {@link
     * ArchCpu#stopAt} set here.
     *
     * @param cpu     the CPU whose run ended
     * @param outcome how it ended
     */
    void afterRun(ArchCpu cpu, RunOutcome outcome);

    /**
     * Where the next run of {@code cpu} must end at the latest: a debugger's step of N
     * instructions (the run ends right after the instruction that brings the CPU's count there).
     *
     * @param cpu the CPU about to run
     * @return an instruction count of {@code cpu} ({@link ArchCpu#instructions}), or {@link Long#MAX_VALUE} for none
     */
    default long stopAt(ArchCpu cpu) {
        return Long.MAX_VALUE;
    }
}
