package io.mmemu.mm.page;

/**
 * Event counters of {@link PageAllocator}, one array slot each (enum-indexed, never parallel
 * fields). Names follow mm/vmstat.c's vm_event_item where Linux has the counter.
 */
public enum PageAllocStat {
    /** pgalloc_normal: pages handed out (counts 1 &lt;&lt; order per allocation, as Linux does). */
    PGALLOC,
    /** pgfree: pages returned (counts 1 &lt;&lt; order per free). */
    PGFREE,
    /** Allocation calls (not pages) that succeeded. */
    ALLOC_SUCCESS,
    /** Allocation calls that returned NO_PAGE. */
    ALLOC_FAIL,
    /** Free calls (not pages). */
    FREE_CALLS,
    /** One halving of a block in expand() (no Linux counter). */
    SPLIT,
    /** One buddy merge in __free_one_page() (no Linux counter). */
    MERGE,
    /**
     * Fast path refused by the low watermark, so the slow path ran; Linux wakes kswapd here
     * (wake_all_kswapds()). The model has no kswapd and only counts.
     */
    WMARK_LOW_MISS,
    /** Allocations that succeeded but left free pages below the min watermark (reserves used). */
    RESERVE_USED
}
