package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.PtRegs;

/**
 * Told of every source of non-determinism a run draws on, as the kernel draws it, and of every
 * kernel entry (where state can be checkpointed). The emulator's recorder writes these to a log;
 * its replayer regenerates them and compares each with the log.
 *
 * <p>The kernel holds at most one, set before the run ({@link Kernel#setRunEvents}); without one
 * each call site costs a null check. Calls come from the one thread that drives the machine, some
 * from inside a CPU's hook: an implementation must not throw and should not stop the engine.
 * The byte arrays passed are the kernel's own and only valid during the call.
 */
public interface RunEvents {
    /** The scheduler's decisions ({@link #schedule}'s {@code what}). */
    int SCHED_SWITCH = 0;
    /** A time slice ended (the quantum boundary, the timer tick) and the scheduler looks again. */
    int SCHED_TICK = 1;
    /** The task yielded, slept or was woken away: it gave up the CPU. */
    int SCHED_YIELD = 2;
    /** The task was preempted by force (the preempt fault point). */
    int SCHED_PREEMPT = 3;
    /** The CPU went idle. */
    int SCHED_IDLE = 4;

    /** {@link #random}'s sources. */
    int RANDOM_AT_RANDOM = 0;
    /** getrandom(2)'s bytes. */
    int RANDOM_GETRANDOM = 1;

    /**
     * An address-space randomisation draw (randomize_stack_top(), mmap_rnd(), arch_randomize_brk(), ...).
     *
     * @param value the generator's output, before masking
     */
    void aslr(long value);

    /**
     * Random bytes handed to the guest.
     *
     * @param source {@link #RANDOM_AT_RANDOM} or {@link #RANDOM_GETRANDOM}
     * @param bytes  the bytes (only the first {@code len} count)
     * @param len    how many bytes
     */
    void random(int source, byte[] bytes, int len);

    /**
     * A clock reading the guest sees (or a jump of the clock, with {@code clock} -1).
     *
     * @param clock the clock id read, or -1 when the scheduler moved the clock forward
     * @param nanos the value in nanoseconds
     */
    void clock(int clock, long nanos);

    /**
     * A scheduling decision.
     *
     * @param cpu  the CPU
     * @param pid  the task concerned (the one switched to, or the one whose slice ended), 0 for none
     * @param what one of the {@code SCHED_} constants
     */
    void schedule(int cpu, int pid, int what);

    /**
     * A sleeping task was woken (try_to_wake_up()), in the order the wakers woke them.
     *
     * @param pid the task woken
     */
    void wake(int pid);

    /**
     * The kernel was entered: a syscall (with the CPU's registers at entry), or a return to user
     * mode once the engine stopped ({@code regs} null: every engine's registers can be read).
     *
     * @param cpu  the CPU entering the kernel
     * @param regs the registers at syscall entry, or null at a return to user mode
     */
    void kernelEntry(ArchCpu cpu, PtRegs regs);
}
