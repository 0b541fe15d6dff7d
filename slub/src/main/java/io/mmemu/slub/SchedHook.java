package io.mmemu.slub;

/**
 * Called by the allocator at each {@link SchedPoint} of a task whose {@link CpuBinding}
 * carries it. A hook may migrate the binding, run other allocator operations (as an
 * interrupt or a preempting task on the same CPU would), or hand control to another task
 * ({@link io.mmemu.slub.testing.DeterministicScheduler}). It runs with no allocator lock held.
 */
@FunctionalInterface
public interface SchedHook {
    /**
     * Called when a task reaches a scheduling point.
     *
     * @param point   where the task is
     * @param cache   the cache it is working on
     * @param binding the task's binding (the hook may migrate it)
     */
    void at(SchedPoint point, KmemCache cache, CpuBinding binding);
}
