package io.mmemu.testkit;

import io.mmemu.slub.SchedPoint;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.arbitraries.ListArbitrary;

/**
 * jqwik arbitraries for SLUB scripts ({@link SlubAction}s over a {@link SlubSandbox}).
 *
 * <pre>{@code
 * @Provide
 * Arbitrary<List<SlubAction>> scripts() {
 *     return SlubActions.scripts(SlubSandbox.DEFAULT_CPUS);
 * }
 * }</pre>
 *
 * <p>The weights are those of slub's own stateful property: allocations slightly outnumber
 * frees, so that slabs fill, and half the calls migrate at a fast-path point.
 */
public final class SlubActions {
    private SlubActions() {}

    /**
     * Scripts of up to 80 steps over {@code cpus} CPUs.
     *
     * @param cpus the sandbox's CPUs
     * @return the arbitrary
     */
    public static ListArbitrary<SlubAction> scripts(int cpus) {
        return action(cpus).list().ofMaxSize(80);
    }

    /**
     * One step: kmem_cache_alloc 30, free 22, kmalloc 15, kfree 10, flush 5 (relative weights).
     *
     * @param cpus the sandbox's CPUs
     * @return the arbitrary
     */
    public static Arbitrary<SlubAction> action(int cpus) {
        Arbitrary<Integer> cpu = cpu(cpus), pick = Arbitraries.integers().between(0, 1 << 20);
        Arbitrary<Migration> migration = migration(cpus).injectNull(0.5);
        return Arbitraries.frequencyOf(
                Tuple.of(30, Combinators.combine(Arbitraries.integers().between(0, 1), cpu, migration).as(SlubAction.Alloc::new)),
                Tuple.of(22, Combinators.combine(pick, cpu, migration).as((p, c, m) -> new SlubAction.Free(p, c, m, false))),
                Tuple.of(15, Combinators.combine(size(), cpu, migration).as(SlubAction.Kmalloc::new)),
                Tuple.of(10, Combinators.combine(pick, cpu, migration).as((p, c, m) -> new SlubAction.Free(p, c, m, true))),
                Tuple.of(5, cpu.map(SlubAction.Flush::new)));
    }

    /**
     * Any of the CPUs.
     *
     * @param cpus the sandbox's CPUs
     * @return the arbitrary
     */
    public static Arbitrary<Integer> cpu(int cpus) {
        return Arbitraries.integers().between(0, cpus - 1);
    }

    /**
     * A migration at any fast-path point to any CPU (the same one included: a preemption).
     *
     * @param cpus the sandbox's CPUs
     * @return the arbitrary
     */
    public static Arbitrary<Migration> migration(int cpus) {
        return Combinators.combine(Arbitraries.of(SchedPoint.class), cpu(cpus)).as(Migration::new);
    }

    /**
     * kmalloc sizes: mostly up to 256 bytes, some up to 8 KiB (the largest kmalloc cache), a few
     * beyond (whole pages from the page allocator).
     *
     * @return the arbitrary
     */
    public static Arbitrary<Integer> size() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(1, 256)),
                Tuple.of(3, Arbitraries.integers().between(257, 8192)),
                Tuple.of(1, Arbitraries.integers().between(8193, 12000)));
    }
}
