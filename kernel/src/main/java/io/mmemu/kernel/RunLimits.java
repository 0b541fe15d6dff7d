package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import java.util.List;

/**
 * Limits on a whole run, set from outside the guest: a budget of instructions over all CPUs
 * (deterministic: instructions are counted exactly), and a stop another thread may request at any
 * time (the command line's --timeout, the one place wall time may act; it cuts a run short but
 * never changes what the run did before the cut).
 *
 * <p>Both are checked at every return to user mode and between time slices; while either is set,
 * a task alone in the machine runs in time slices too (they cost nothing measurable: Unicorn
 * counts a slice with its own counter), so a guest that never enters the kernel ({@code jmp .})
 * still comes back to be stopped.
 */
final class RunLimits {
    private final List<ArchCpu> cpus;
    /** The most instructions the run may execute, 0 for no limit. */
    private long maxInstructions;
    /** Another thread may request a stop: time slices are needed. */
    private boolean stoppable;
    /** Written by the requesting thread, read by the one running the machine. */
    private volatile boolean stopRequested;
    private StopCause cause;

    RunLimits(List<ArchCpu> cpus) {
        this.cpus = cpus;
    }

    void setMaxInstructions(long n) {
        if (n < 1) throw new IllegalArgumentException("the instruction limit must be positive (got " + n + ")");
        maxInstructions = n;
        for (ArchCpu c : cpus) c.countInstructions();
    }

    long maxInstructions() {
        return maxInstructions;
    }

    void allowStopRequests() {
        stoppable = true;
    }

    /** Thread-safe: the run stops at its next return to user mode or time slice. */
    void requestStop() {
        stopRequested = true;
    }

    /** Whether tasks must run in time slices even alone, so that the limits are looked at. */
    boolean needsTimeSlices() {
        return maxInstructions > 0 || stoppable;
    }

    /** Instructions counted on every CPU so far, or -1 when they are not counted. */
    long instructions() {
        long total = 0;
        for (ArchCpu c : cpus) {
            long n = c.instructions();
            if (n < 0) return -1;
            total += n;
        }
        return total;
    }

    /** Instructions left before the budget (at least 1), or Long.MAX_VALUE without one. */
    long instructionsLeft() {
        if (maxInstructions == 0) return Long.MAX_VALUE;
        return Math.max(1, maxInstructions - instructions());
    }

    /** Whether the run must end now; the first reason found is kept ({@link #cause}). */
    boolean mustStop() {
        if (cause != null) return true;
        if (stopRequested) cause = StopCause.REQUEST;
        else if (maxInstructions > 0 && instructions() >= maxInstructions) cause = StopCause.INSTRUCTION_LIMIT;
        return cause != null;
    }

    /** Why the run was stopped, or null when it ran to its end. */
    StopCause cause() {
        return cause;
    }
}
