package io.mmemu.mm.page;

/**
 * Allocation flags for {@link PageAllocator#allocPages(int, int)}, a subset of Linux's gfp_t
 * (include/linux/gfp_types.h) with the same meaning.
 *
 * <p>Only the bits that change what the page allocator hands out are modelled: access to the
 * reserves below the min watermark. There is no reclaim in the model, so the reclaim bits only
 * decide, as in gfp_to_alloc_flags(), whether the caller counts as non-blocking.
 *
 * <pre>
 *   bit 0  HIGH            __GFP_HIGH: may use half of the min reserve
 *   bit 1  DIRECT_RECLAIM  __GFP_DIRECT_RECLAIM: the caller may sleep and reclaim
 *   bit 2  KSWAPD_RECLAIM  __GFP_KSWAPD_RECLAIM: the caller may wake kswapd
 *   bit 3  MEMALLOC        __GFP_MEMALLOC: ignore watermarks entirely (PF_MEMALLOC-like)
 *   bit 4  NOMEMALLOC      __GFP_NOMEMALLOC: never use the reserves, overrides MEMALLOC
 *   bit 5  HIGHMEM         __GFP_HIGHMEM: user memory (no zone of its own on x86-64; fail_page_alloc's
 *                          ignore-gfp-highmem tells user pages apart by it)
 * </pre>
 */
public final class Gfp {
    private Gfp() {
    }

    /** __GFP_HIGH: high priority, may dip into half of the min reserve (ALLOC_MIN_RESERVE). */
    public static final int HIGH = 1;
    /** __GFP_DIRECT_RECLAIM: the caller can enter direct reclaim, i.e. it may block. */
    public static final int DIRECT_RECLAIM = 1 << 1;
    /** __GFP_KSWAPD_RECLAIM: the caller may wake kswapd (counted only; there is no kswapd). */
    public static final int KSWAPD_RECLAIM = 1 << 2;
    /** __GFP_MEMALLOC: allocate from anywhere, ignoring watermarks (ALLOC_NO_WATERMARKS). */
    public static final int MEMALLOC = 1 << 3;
    /** __GFP_NOMEMALLOC: never use emergency reserves; wins over MEMALLOC. */
    public static final int NOMEMALLOC = 1 << 4;

    /** __GFP_HIGHMEM: the page may come from high memory; on x86-64 it only marks user pages. */
    public static final int HIGHMEM = 1 << 5;

    /** All defined bits. */
    static final int VALID = HIGH | DIRECT_RECLAIM | KSWAPD_RECLAIM | MEMALLOC | NOMEMALLOC | HIGHMEM;

    /** GFP_KERNEL: ordinary blocking allocation, stops at the min watermark. */
    public static final int KERNEL = DIRECT_RECLAIM | KSWAPD_RECLAIM;
    /** GFP_HIGHUSER_MOVABLE (less __GFP_MOVABLE, which the model has no zone for): user pages of faults and the page cache. */
    public static final int HIGHUSER_MOVABLE = KERNEL | HIGHMEM;
    /** GFP_ATOMIC: cannot block, high priority: min watermark cut by half, then by a quarter. */
    public static final int ATOMIC = HIGH | KSWAPD_RECLAIM;
    /** GFP_NOWAIT: cannot block, ordinary priority: no access to the min reserve. */
    public static final int NOWAIT = KSWAPD_RECLAIM;

    /** Checks that only defined bits are set. */
    static int check(int gfp) {
        if ((gfp & ~VALID) != 0) {
            throw new IllegalArgumentException(String.format(
                    "gfp flags must be a combination of Gfp bits 0x%x (got 0x%x, unknown bits 0x%x)",
                    VALID, gfp, gfp & ~VALID));
        }
        return gfp;
    }
}
