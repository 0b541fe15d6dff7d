package io.mmemu.mm.slab;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.FrameWriteHook;
import io.mmemu.mm.page.Gfp;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.slub.PageSource;

/**
 * The buddy allocator seen from SLUB: allocate_slab() → alloc_slab_page() → __alloc_pages(), and
 * __free_slab() → __free_pages(), mm/slub.c. Physical addresses are pfn &lt;&lt; 12.
 *
 * <p>Every frame of a slab carries PG_slab while the slab lives (Linux keeps the slab page type
 * on the folio; mmemu marks each frame so that a frame-by-frame count finds them), and the
 * number of such frames is kept as NR_SLAB_UNRECLAIMABLE would be ({@link #nrSlabPages()}).
 *
 * <p>Slab memory is written from Java, so whoever caches frame contents is told before a frame
 * becomes a slab ({@link FrameWriteHook}); its PG_fresh goes as well, because its contents stop
 * being known zero.
 *
 * <p>One node. {@link #physLimit()} is the RAM size capped at 2^35 (the per-CPU freelist handle
 * keeps address / 8 in 32 bits); a block the buddy allocator hands out above that limit goes back
 * at once and the allocation fails.
 */
public final class PageAllocatorPageSource implements PageSource {
    /** Largest physical address range SLUB can address (PageSource's contract). */
    static final long MAX_PHYS_LIMIT = 1L << 35;

    private final PageAllocator allocator;
    private final FrameTable frames;
    private final long physLimit;
    private final FrameWriteHook frameWrites;
    private long nrSlabPages;

    /**
     * SLUB's page source over the buddy allocator.
     *
     * @param allocator           the buddy allocator slabs come from
     * @param ramBytes            bytes of guest RAM (the physical limit before the 2^35 cap)
     * @param frameWrites told before each frame of a new slab gets its contents
     */
    public PageAllocatorPageSource(PageAllocator allocator, long ramBytes, FrameWriteHook frameWrites) {
        this.allocator = allocator;
        this.frames = allocator.frames();
        this.physLimit = Math.min(ramBytes, MAX_PHYS_LIMIT);
        this.frameWrites = frameWrites;
    }

    /** Models alloc_slab_page(), mm/slub.c, with GFP_KERNEL. */
    @Override
    public long allocPages(int order, int nid) {
        long pfn = allocator.allocPages(order, Gfp.KERNEL);
        if (pfn == PageAllocator.NO_PAGE) return NO_PAGE;
        long n = 1L << order;
        if (((pfn + n) << PAGE_SHIFT) > physLimit) {
            allocator.freePages(pfn, order);
            return NO_PAGE;
        }
        for (long p = pfn; p < pfn + n; p++) {
            frameWrites.beforeFrameWrite(p);
            frames.testAndClearFresh(p);
            frames.setPageFlag(p, PageFlag.SLAB);
        }
        nrSlabPages += n;
        return pfn << PAGE_SHIFT;
    }

    /** Models __free_slab() → __free_pages(), mm/slub.c: __folio_clear_slab() first. */
    @Override
    public void freePages(long phys, int order) {
        long pfn = phys >>> PAGE_SHIFT;
        long n = 1L << order;
        for (long p = pfn; p < pfn + n; p++) {
            if (!frames.testPageFlag(p, PageFlag.SLAB)) {
                throw new IllegalStateException(String.format(
                        "freeing slab pages at 0x%x order %d: pfn 0x%x is not a slab page (%s)",
                        phys, order, p, frames.dumpPage(p)));
            }
            frames.clearPageFlag(p, PageFlag.SLAB);
        }
        allocator.freePages(pfn, order);
        nrSlabPages -= n;
    }

    @Override
    public int pageToNid(long phys) {
        return 0;
    }

    @Override
    public int nodeCount() {
        return 1;
    }

    @Override
    public long physLimit() {
        return physLimit;
    }

    /** {@return the frames currently held by slabs (/proc/meminfo's Slab, in pages)} */
    public long nrSlabPages() {
        return nrSlabPages;
    }
}
