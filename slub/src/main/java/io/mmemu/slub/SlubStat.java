package io.mmemu.slub;

/**
 * SLUB_STATS counters, one per enum constant, kept per CPU per cache (enum stat_item,
 * mm/slub.c). Names and meanings as in the kernel; {@link #sysfsName()} is the file name
 * under /sys/kernel/slab/&lt;cache&gt;/.
 */
public enum SlubStat {
    /** Allocation from the per-CPU freelist. */
    ALLOC_FASTPATH,
    /** Allocation that went to ___slab_alloc(). */
    ALLOC_SLOWPATH,
    /** Free to the per-CPU freelist. */
    FREE_FASTPATH,
    /** Free that went to __slab_free(). */
    FREE_SLOWPATH,
    /** Free to a frozen slab. */
    FREE_FROZEN,
    /** Free that put a slab on the node partial list. */
    FREE_ADD_PARTIAL,
    /** Free that took a slab off the node partial list. */
    FREE_REMOVE_PARTIAL,
    /** Cpu slab taken from the node partial list. */
    ALLOC_FROM_PARTIAL,
    /** Cpu slab freshly allocated from the page allocator. */
    ALLOC_SLAB,
    /** Cpu freelist refilled from the cpu slab's own freelist. */
    ALLOC_REFILL,
    /** Cpu slab dropped because it is on the wrong node. */
    ALLOC_NODE_MISMATCH,
    /** Slab returned to the page allocator. */
    FREE_SLAB,
    /** Cpu slab flushed (by flush_slab() or a new cpu slab). */
    CPUSLAB_FLUSH,
    /** Cpu slab was full when deactivated. */
    DEACTIVATE_FULL,
    /** Cpu slab was empty when deactivated. */
    DEACTIVATE_EMPTY,
    /** Cpu slab went to the head of the partial list. */
    DEACTIVATE_TO_HEAD,
    /** Cpu slab went to the tail of the partial list. */
    DEACTIVATE_TO_TAIL,
    /** Slab had remote frees on its own freelist when deactivated. */
    DEACTIVATE_REMOTE_FREES,
    /** Cpu slab dropped without unfreezing: it was full (get_freelist() found nothing). */
    DEACTIVATE_BYPASS,
    /** Fell back to the minimum order. */
    ORDER_FALLBACK,
    /** Pair exchange failed because the task was on another CPU. */
    CMPXCHG_DOUBLE_CPU_FAIL,
    /** Pair exchange failed (a concurrent operation on the same CPU, or a slab freelist race). */
    CMPXCHG_DOUBLE_FAIL,
    /** Cpu slab taken from the per-CPU partial list. */
    CPU_PARTIAL_ALLOC,
    /** Slab put on the per-CPU partial list by a free. */
    CPU_PARTIAL_FREE,
    /** Slab moved from the node partial list to the per-CPU partial list. */
    CPU_PARTIAL_NODE,
    /** Per-CPU partial list drained to the node. */
    CPU_PARTIAL_DRAIN;

    private static final SlubStat[] VALUES = values();

    /** Number of counters (NR_SLUB_STAT_ITEMS). */
    public static final int COUNT = VALUES.length;

    static SlubStat of(int ordinal) {
        return VALUES[ordinal];
    }

    /** {@return the sysfs file name: the constant in lower case} */
    public String sysfsName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
