package io.mmemu.slub;

/**
 * Compile-time-like switches, read once from system properties at class initialisation so
 * that the JIT folds them: with a switch off its code vanishes from the fast path
 * (the role of CONFIG_SLUB_STATS in mm/slub.c's stat()).
 */
public final class SlubSwitches {
    private SlubSwitches() {
    }

    /** SLUB_STATS counters; property {@code mmemu.slub.stats}, default on. */
    public static final boolean STATS = Boolean.parseBoolean(System.getProperty("mmemu.slub.stats", "true"));

    /** Fast-path {@link SchedPoint} hooks; property {@code mmemu.slub.schedpoints}, default on. */
    public static final boolean SCHED_POINTS = Boolean.parseBoolean(System.getProperty("mmemu.slub.schedpoints", "true"));

    /**
     * log2 of the distance, in longs, between two CPUs' (freelist, tid) pairs in a cache's
     * pair array; property {@code mmemu.slub.pairShift}, default 4 (128 bytes, two cache
     * lines, beyond the adjacent-line prefetcher). 0 packs the pairs densely.
     */
    public static final int PAIR_SHIFT = Integer.getInteger("mmemu.slub.pairShift", 4);
}
