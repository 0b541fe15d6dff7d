package io.mmemu.testkit;

import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.SchedPoint;
import java.util.Objects;

/**
 * A forced migration inside one allocator call: when the call reaches {@code at} (a point of
 * the lock-free fast path between two shared-memory steps), the task moves to CPU
 * {@code toCpu} (modulo the number of CPUs), as preemption and migration can move it in the
 * kernel. Only the first time the call reaches that point.
 *
 * @param at where in the fast path
 * @param toCpu the CPU the task continues on
 */
public record Migration(SchedPoint at, int toCpu) {

    /**
     * Checks the point is given.
     *
     * @param at where in the fast path
     * @param toCpu the CPU the task continues on
     */
    public Migration {
        Objects.requireNonNull(at, "at");
    }

    /** Arms {@code binding} for one call; {@link #disarm} after it. */
    void arm(CpuBinding binding, int nrCpus) {
        boolean[] fired = {false};
        binding.setHook((point, cache, b) -> {
            if (point == at && !fired[0]) {
                fired[0] = true;
                b.migrate(Math.floorMod(toCpu, nrCpus));
            }
        });
    }

    static void disarm(CpuBinding binding) {
        binding.setHook(null);
    }

    /** As a script shows it: {@code migrating at ALLOC_AFTER_TID to cpu3}. */
    @Override
    public String toString() {
        return "migrating at " + at + " to cpu" + toCpu;
    }
}
