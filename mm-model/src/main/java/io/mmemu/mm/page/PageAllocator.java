package io.mmemu.mm.page;

import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.trace.Tracer;

/**
 * The buddy page allocator of one zone ("Node 0, zone Normal") over frames {@code [0, nrPages)}.
 *
 * <h2>What it models</h2>
 * mm/page_alloc.c's zone free areas: one free list per order 0..{@link #MAX_ORDER} (Linux &ge;
 * 6.4 spells it MAX_PAGE_ORDER, and NR_PAGE_ORDERS = 11), {@code nr_free} per order, the three
 * watermarks, and the allocation and free paths by their Linux names: {@code __alloc_pages()}
 * &rarr; {@code get_page_from_freelist()} (fast path, low watermark) &rarr;
 * {@code __alloc_pages_slowpath()} (min watermark and reserves, {@link ZoneWatermarks}) &rarr; {@code __rmqueue_smallest()}
 * &rarr; {@code expand()} &rarr; {@code prep_new_page()}; and {@code __free_pages()} &rarr;
 * {@code free_pages_prepare()} &rarr; {@code __free_one_page()}. Not modelled: per-CPU page
 * lists, migrate types and pageblocks, compaction, reclaim and kswapd (the slow path counts
 * where Linux would wake kswapd, then succeeds or fails at once), free-page shuffling.
 * The lists themselves, with their O(1) link and unlink, are {@link FreeArea}.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>Every frame is in exactly one of: a reserved frame (PG_reserved, frames
 *       {@code [0, reservedPages)}), a free block, or a block handed out.</li>
 *   <li>A block of order k starts at a pfn that is a multiple of 2^k and lies inside
 *       {@code [reservedPages, nrPages)}.</li>
 *   <li>Exactly the heads of free blocks carry PG_buddy, with the block's order in the flag word,
 *       and each is on the free list of that order; {@code nrFree(k)} is that list's length.</li>
 *   <li>Exactly the heads of handed-out blocks carry PG_head with the order they were allocated
 *       with; the head holds the allocation's reference (refcount 1 when handed out).</li>
 *   <li>Fully merged: no free block of order k &lt; MAX_ORDER has its buddy
 *       ({@code pfn ^ (1 << k)}) free at order k as well.</li>
 *   <li>{@code nrFreePages() + pages handed out == nrManagedPages()}.</li>
 * </ol>
 *
 * <h2>Algorithm</h2>
 * <ol>
 *   <li>Construction (memblock_free_all()): frames below {@code reservedPages} get PG_reserved
 *       and refcount 1; {@code [reservedPages, nrPages)} is cut greedily into the largest
 *       aligned blocks (order &le; MAX_ORDER) and each is put at the tail of its list, so lists
 *       start in ascending pfn order. Only block heads are touched, never every frame.</li>
 *   <li>Allocation of order k: check the watermark, take the first block of the smallest order
 *       j &ge; k that has one, and while j &gt; k halve it, putting the upper half on list j-1
 *       (expand()). The head gets PG_head, order k, refcount 1.</li>
 *   <li>Free of order k at pfn: check the block (bad_page() cases below), then while k &lt;
 *       MAX_ORDER and the buddy {@code pfn ^ (1 << k)} is a free order-k head, unlink the buddy
 *       in O(1) (doubly linked lists), {@code pfn &= buddy}, k++. The merged block goes to the
 *       head of its list, or to the tail when its own buddy one order up is free
 *       (buddy_merge_likely(): it will probably merge soon, so do not hand it out first).</li>
 * </ol>
 *
 * <h2>bad_page() cases</h2>
 * {@link #freePages} throws {@link IllegalArgumentException} for an order outside 0..10, a pfn
 * outside the frame range or not aligned to the order; and {@link IllegalStateException} naming
 * the pfn and its state for: a reserved frame, a frame already free (double free, including a
 * frame inside a larger free block), a tail frame of a handed-out block, an order different from
 * the one allocated, a refcount above 1, a frame still mapped, the shared zero page. A failed
 * free changes nothing.
 *
 * <h2>Concurrency</h2>
 * Not thread-safe; see the package comment. The caller's serialization stands in for zone-&gt;lock.
 */
public final class PageAllocator {

    /** Largest order (Linux ≥ 6.4: MAX_PAGE_ORDER); blocks are at most 2^10 frames = 4 MiB. */
    public static final int MAX_ORDER = 10;
    /** Number of orders, NR_PAGE_ORDERS. */
    public static final int NR_PAGE_ORDERS = MAX_ORDER + 1;
    /** Returned by {@link #allocPages} when no block can be handed out. */
    public static final long NO_PAGE = -1;
    /** Largest supported frame count: array indices are ints and pfn -1 marks an empty list. */
    public static final long MAX_NR_PAGES = Integer.MAX_VALUE & ~((1L << MAX_ORDER) - 1);

    /** Checks of new and freed blocks in every frame (Linux: is_check_pages_enabled()). */
    static final boolean CHECK_PAGES = true;
    /** Statistics switch (mm/slub.c's stat() pattern); the JIT drops the counting when false. */
    static final boolean STATS = true;

    /** Watermark indices, enum zone_watermarks. */
    static final int WMARK_MIN = ZoneWatermarks.WMARK_MIN;
    static final int WMARK_LOW = ZoneWatermarks.WMARK_LOW;

    /*
     * alloc_flags, packed int, values as in mm/internal.h:
     *   bits 0-1  ALLOC_WMARK_MASK     index of the watermark to check (WMARK_MIN/LOW/HIGH)
     *   bit  2    ALLOC_NO_WATERMARKS  skip the watermark check
     *   bit  4    ALLOC_NON_BLOCK      caller cannot block (with MIN_RESERVE: a further quarter)
     *   bit  5    ALLOC_MIN_RESERVE    __GFP_HIGH: half of the min reserve
     */
    static final int ALLOC_WMARK_MIN = WMARK_MIN;
    static final int ALLOC_WMARK_LOW = WMARK_LOW;
    static final int ALLOC_WMARK_MASK = 0x03;
    static final int ALLOC_NO_WATERMARKS = 0x04;
    static final int ALLOC_NON_BLOCK = 0x10;
    static final int ALLOC_MIN_RESERVE = 0x20;

    private static final int PG_RESERVED = PageFlag.RESERVED.mask();
    private static final int PG_BUDDY = PageFlag.BUDDY.mask();
    private static final int PG_HEAD = PageFlag.HEAD.mask();
    /** Flags a frame keeps across free and reuse: "no longer fresh". */
    private static final int KEPT_ACROSS_FREE = FrameTable.PG_USED;

    private final int nrPages;
    private final int reservedPages;
    private final FrameTable frames;

    /** free_area[]: the per-order free lists, nr_free and NR_FREE_PAGES. */
    private final FreeArea freeArea;

    private final ZoneWatermarks watermarks;

    /** fail_page_alloc, once {@link #setFaults} gave the machine's fault injection. */
    private FaultInjector faults;
    /** The machine's event stream ({@link Tracer#OFF} until a traced run sets one). */
    private Tracer tracer = Tracer.OFF;
    private FailPageAlloc failPageAlloc;
    /** Whether the last allocation that failed was failed by fail_page_alloc (it skipped the OOM killer). */
    private boolean lastFailureInjected;

    /** Event counters indexed by {@link PageAllocStat#ordinal()}. */
    private final long[] stats = new long[PageAllocStat.values().length];

    /**
     * Creates the allocator with every frame from {@code reservedPages} up free.
     *
     * @param nrPages       frames of guest RAM, 1..{@link #MAX_NR_PAGES}
     * @param reservedPages frames {@code [0, reservedPages)} kept out of the allocator
     *                      (memblock-reserved: PG_reserved, refcount 1, never handed out)
     */
    public PageAllocator(long nrPages, long reservedPages) {
        if (nrPages < 1 || nrPages > MAX_NR_PAGES) {
            throw new IllegalArgumentException(String.format(
                    "nrPages must be 1..%d (got %d)", MAX_NR_PAGES, nrPages));
        }
        if (reservedPages < 0 || reservedPages > nrPages) {
            throw new IllegalArgumentException(String.format(
                    "reservedPages must be 0..nrPages=%d (got %d)", nrPages, reservedPages));
        }
        this.nrPages = (int) nrPages;
        this.reservedPages = (int) reservedPages;
        this.frames = new FrameTable(this.nrPages);
        this.freeArea = new FreeArea(frames);
        for (int pfn = 0; pfn < this.reservedPages; pfn++) {
            frames.setFlagWord(pfn, PG_RESERVED);
            frames.setPageCount(pfn, 1);
        }
        memblockFreeAll(this.reservedPages, this.nrPages);
        this.watermarks = new ZoneWatermarks(nrManagedPages());
    }

    /**
     * Lets fail_page_alloc fail allocations: from now on every allocation asks
     * should_fail_alloc_page() first when the point is armed.
     *
     * @param faults the machine's fault injection
     */
    public void setFaults(FaultInjector faults) {
        this.faults = faults;
        this.failPageAlloc = new FailPageAlloc(faults);
    }

    /**
     * Whether the last allocation that failed was an injected failure: it returned before the
     * slow path, so no OOM kill happened on its behalf (what pagefault_out_of_memory() then sees).
     *
     * @return true when fail_page_alloc failed the last failed allocation
     */
    public boolean lastFailureInjected() {
        return lastFailureInjected;
    }

    /** {@return the per-frame metadata this allocator keeps its free lists in} */
    public FrameTable frames() {
        return frames;
    }

    // =================================================================== allocation

    /**
     * Traces allocations and frees to {@code tracer}.
     *
     * @param tracer the machine's tracer
     */
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
    }

    /**
     * Allocates 2^order frames with {@link Gfp#KERNEL}; see {@link #allocPages(int, int)}.
     *
     * @param order 0..{@link #MAX_ORDER}
     * @return the first pfn, or {@link #NO_PAGE}
     */
    public long allocPages(int order) {
        return allocPages(order, Gfp.KERNEL);
    }

    /**
     * Models __alloc_pages(), mm/page_alloc.c: allocates 2^order contiguous frames aligned to
     * 2^order and returns the first pfn, or {@link #NO_PAGE} when the watermark for these flags
     * or the free lists do not allow it. The head frame gets refcount 1 and PG_head; the
     * frames' PG_fresh is left for the caller to consult.
     *
     * @param order 0..{@link #MAX_ORDER}
     * @param gfp   a combination of {@link Gfp} bits
     * @return the first pfn, or {@link #NO_PAGE}
     */
    public long allocPages(int order, int gfp) {
        checkOrder(order);
        Gfp.check(gfp);
        // prepare_alloc_pages(): an injected failure returns NULL before any free list is looked at.
        if (faults != null && faults.armed(FaultPoint.FAIL_PAGE_ALLOC) && failPageAlloc.shouldFailAllocPage(gfp, order)) {
            lastFailureInjected = true;
            return NO_PAGE;
        }
        int page = getPageFromFreelist(order, ALLOC_WMARK_LOW);
        if (page < 0) {
            page = allocPagesSlowpath(order, gfp);
        }
        if (page < 0) {
            stat(PageAllocStat.ALLOC_FAIL, 1);
            lastFailureInjected = false;
            return NO_PAGE;
        }
        stat(PageAllocStat.ALLOC_SUCCESS, 1);
        stat(PageAllocStat.PGALLOC, 1L << order);
        // gfp_migratetype(): the model's one user-page flag set, GFP_HIGHUSER_MOVABLE, is the movable one.
        if (tracer.on(Tracer.PAGE)) tracer.page(page, order, (gfp & Gfp.HIGHMEM) != 0 ? 1 : 0, true);
        if (freeArea.nrFreePages() < watermarks.get(WMARK_MIN)) {
            stat(PageAllocStat.RESERVE_USED, 1);
        }
        return page;
    }

    /**
     * Models __alloc_pages_slowpath(), mm/page_alloc.c, without reclaim or compaction: retries at
     * the min watermark with the reserves the flags allow, then without watermarks if
     * __GFP_MEMALLOC permits.
     */
    private int allocPagesSlowpath(int order, int gfp) {
        stat(PageAllocStat.WMARK_LOW_MISS, 1);
        int page = getPageFromFreelist(order, gfpToAllocFlags(gfp));
        if (page < 0 && gfpPfmemallocAllowed(gfp)) {
            page = getPageFromFreelist(order, ALLOC_NO_WATERMARKS);
        }
        return page;
    }

    /** Models gfp_to_alloc_flags(), mm/page_alloc.c, for the modelled bits. */
    static int gfpToAllocFlags(int gfp) {
        int allocFlags = ALLOC_WMARK_MIN;
        if ((gfp & Gfp.HIGH) != 0) {
            allocFlags |= ALLOC_MIN_RESERVE;
        }
        if ((gfp & Gfp.DIRECT_RECLAIM) == 0 && (gfp & Gfp.NOMEMALLOC) == 0) {
            allocFlags |= ALLOC_NON_BLOCK;
        }
        return allocFlags;
    }

    /** Models gfp_pfmemalloc_allowed(), mm/page_alloc.c, for __GFP_MEMALLOC only. */
    private static boolean gfpPfmemallocAllowed(int gfp) {
        return (gfp & Gfp.NOMEMALLOC) == 0 && (gfp & Gfp.MEMALLOC) != 0;
    }

    /** Models get_page_from_freelist(), mm/page_alloc.c, for one zone. */
    private int getPageFromFreelist(int order, int allocFlags) {
        if ((allocFlags & ALLOC_NO_WATERMARKS) == 0
                && !zoneWatermarkOk(order, watermarks.get(allocFlags & ALLOC_WMARK_MASK), allocFlags)) {
            return -1;
        }
        int page = rmqueueSmallest(order);
        if (page >= 0) {
            prepNewPage(page, order);
        }
        return page;
    }

    /** Models __zone_watermark_ok(), mm/page_alloc.c (no highatomic, CMA or lowmem_reserve). */
    boolean zoneWatermarkOk(int order, long mark, int allocFlags) {
        long min = mark;
        long freePages = freeArea.nrFreePages() - ((1L << order) - 1); // __zone_watermark_unusable_free()
        if ((allocFlags & ALLOC_MIN_RESERVE) != 0) {
            min -= min / 2;
            if ((allocFlags & ALLOC_NON_BLOCK) != 0) {
                min -= min / 4;
            }
        }
        if (freePages <= min) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        for (int o = order; o <= MAX_ORDER; o++) {
            if (freeArea.nrFree(o) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Models __rmqueue_smallest(), mm/page_alloc.c: first block of the smallest order that fits. */
    private int rmqueueSmallest(int order) {
        for (int current = order; current <= MAX_ORDER; current++) {
            int page = freeArea.first(current);
            if (page < 0) {
                continue;
            }
            freeArea.delFromFreeList(page, current);
            expand(page, order, current);
            return page;
        }
        return -1;
    }

    /** Models expand(), mm/page_alloc.c: halves a block of order high down to order low. */
    private void expand(int page, int low, int high) {
        int size = 1 << high;
        while (high > low) {
            high--;
            size >>= 1;
            freeArea.addToFreeList(page + size, high, false);
            stat(PageAllocStat.SPLIT, 1);
        }
    }

    /**
     * Models prep_new_page() with check_new_pages(), mm/page_alloc.c: checks that every frame of
     * the block is in the state a free frame must be in, then marks the head handed out.
     */
    private void prepNewPage(int page, int order) {
        int end = page + (1 << order);
        if (CHECK_PAGES) {
            for (int pfn = page; pfn < end; pfn++) {
                int word = frames.flagWord(pfn);
                if ((word & ~KEPT_ACROSS_FREE) != 0
                        || frames.rawRefCount(pfn) != 0 || frames.rawMapcount(pfn) != 0) {
                    throw new IllegalStateException(String.format(
                            "allocPages(order %d): pfn 0x%x of the free block at pfn 0x%x was changed"
                                    + " while free (use after free?) (page dumped: %s)",
                            order, pfn, page, frames.dumpPage(pfn)));
                }
            }
        }
        int word = frames.flagWord(page) & KEPT_ACROSS_FREE;
        frames.setFlagWord(page, FrameTable.withOrder(word | PG_HEAD, order));
        frames.setPageCount(page, 1); // set_page_refcounted()
    }

    /**
     * Models split_page(), mm/page_alloc.c: turns a handed-out block of 2^order frames into 2^order
     * order-0 blocks, each with PG_head and refcount 1, so that each can be freed on its own. The
     * transparent huge pages of this model take this form once allocated (see {@code io.mmemu.mm.huge}).
     *
     * @param pfn   the block's first frame, as {@link #allocPages} returned it
     * @param order the order it was allocated with
     * @throws IllegalStateException when {@code pfn} is not the head of a handed-out block of that order
     */
    public void splitPage(long pfn, int order) {
        checkOrder(order);
        int page = (int) pfn;
        int word = frames.flagWord(page);
        if ((word & PG_HEAD) == 0 || (word & PG_BUDDY) != 0 || frames.orderOf(page) != order) {
            throw badPage(page, order, page, "split_page of a frame that is not the head of a handed-out order-"
                    + order + " block");
        }
        int count = frames.rawRefCount(page);
        for (int p = page; p < page + (1 << order); p++) {
            frames.setFlagWord(p, FrameTable.withOrder(frames.flagWord(p) | PG_HEAD, 0));
            frames.setPageCount(p, p == page ? count : 1);
        }
    }

    // =================================================================== free

    /**
     * Models __free_pages(), mm/page_alloc.c: returns the block of 2^order frames at {@code pfn}
     * that {@link #allocPages} handed out with this order. The head may hold 1 reference (the
     * allocation's, dropped here as put_page_testzero() does) or 0 (the caller dropped it through
     * {@link FrameTable#putPage}). PG_anon, PG_dirty, PG_pgtable and PG_slab are cleared, as
     * free_pages_prepare() resets page-&gt;mapping and the page type; every
     * frame of the block stops being fresh.
     *
     * @param pfn   the block's first frame
     * @param order the order it was allocated with
     * @throws IllegalArgumentException order outside 0..10, pfn outside the frames or misaligned
     * @throws IllegalStateException    a bad_page() case (see the class comment); nothing changed
     */
    public void freePages(long pfn, int order) {
        checkOrder(order);
        if (tracer.on(Tracer.PAGE)) tracer.page(pfn, order, -1, false);
        if (pfn < 0 || pfn + (1L << order) > nrPages) {
            throw new IllegalArgumentException(String.format(
                    "freePages(pfn 0x%x, order %d): block must lie inside frames 0x0..0x%x"
                            + " (got 0x%x..0x%x)",
                    pfn, order, nrPages - 1, pfn, pfn + (1L << order) - 1));
        }
        if ((pfn & ((1L << order) - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                    "freePages(pfn 0x%x, order %d): pfn must be aligned to the order"
                            + " (expected: multiple of %d, got 0x%x)",
                    pfn, order, 1 << order, pfn));
        }
        int page = (int) pfn;
        freePagesPrepare(page, order);
        freeOnePage(page, order);
        stat(PageAllocStat.FREE_CALLS, 1);
        stat(PageAllocStat.PGFREE, 1L << order);
    }

    /**
     * Models free_pages_prepare() with free_page_is_bad(), mm/page_alloc.c: all checks first,
     * then the flag and count resets, so that a rejected free leaves every frame unchanged.
     */
    private void freePagesPrepare(int page, int order) {
        int word = frames.flagWord(page);
        if ((word & PG_RESERVED) != 0) {
            throw badPage(page, order, page, "freeing a reserved frame (PG_reserved, never handed out)");
        }
        if ((word & PG_BUDDY) != 0) {
            throw badPage(page, order, page, String.format(
                    "double free: pfn 0x%x is already free (head of a free order-%d block)",
                    page, frames.orderOf(page)));
        }
        if ((word & PG_HEAD) == 0) {
            throw badPage(page, order, page, BadPage.describeNonHead(frames, page));
        }
        int allocatedOrder = frames.orderOf(page);
        if (allocatedOrder != order) {
            throw badPage(page, order, page, String.format(
                    "wrong order: pfn 0x%x was allocated with order %d", page, allocatedOrder));
        }
        if ((word & PageFlag.ZERO_PAGE.mask()) != 0) {
            throw badPage(page, order, page, "freeing the shared zero page (PG_zero_page)");
        }
        if (frames.rawRefCount(page) > 1) {
            throw badPage(page, order, page, String.format(
                    "nonzero _refcount: still referenced (refcount %d; expected: 1, the allocation's"
                            + " reference, or 0 after putPage)", frames.rawRefCount(page)));
        }
        int end = page + (1 << order);
        if (CHECK_PAGES) {
            for (int pfn = page; pfn < end; pfn++) {
                if (frames.rawMapcount(pfn) != 0) {
                    throw badPage(page, order, pfn, String.format(
                            "nonzero mapcount: pfn 0x%x is still mapped (mapcount %d)",
                            pfn, frames.rawMapcount(pfn)));
                }
                if (pfn != page && frames.rawRefCount(pfn) != 0) {
                    throw badPage(page, order, pfn, String.format(
                            "nonzero _refcount on tail pfn 0x%x (refcount %d; tails hold no references)",
                            pfn, frames.rawRefCount(pfn)));
                }
            }
        }
        for (int pfn = page; pfn < end; pfn++) {
            frames.setFlagWord(pfn, (frames.flagWord(pfn) & KEPT_ACROSS_FREE) | FrameTable.PG_USED);
        }
        frames.setPageCount(page, 0);
    }

    private IllegalStateException badPage(int page, int order, int culprit, String reason) {
        return BadPage.report(frames, page, order, culprit, reason);
    }

    /** Models __free_one_page(), mm/page_alloc.c: merges with free buddies, then lists the block. */
    private void freeOnePage(int pfn, int order) {
        while (order < MAX_ORDER) {
            int buddy = pfn ^ (1 << order); // __find_buddy_pfn()
            if (!pageIsBuddy(buddy, order)) {
                break;
            }
            freeArea.delFromFreeList(buddy, order);
            stat(PageAllocStat.MERGE, 1);
            pfn &= buddy; // combined_pfn
            order++;
        }
        freeArea.addToFreeList(pfn, order, buddyMergeLikely(pfn, order));
    }

    /** Models page_is_buddy(), mm/internal.h: {@code buddy} heads a free block of this order. */
    private boolean pageIsBuddy(int buddy, int order) {
        return buddy < nrPages && frames.isBuddyFrame(buddy) && frames.orderOf(buddy) == order;
    }

    /**
     * Models buddy_merge_likely(), mm/page_alloc.c: whether the buddy of the block's parent is
     * free, so this block would merge into an order+2 block once its own buddy is freed.
     */
    private boolean buddyMergeLikely(int pfn, int order) {
        if (order >= MAX_ORDER - 1) {
            return false;
        }
        int higher = pfn & ~(1 << order);
        return pageIsBuddy(higher ^ (1 << (order + 1)), order + 1);
    }

    /** Models memblock_free_all() → __free_pages_memory(), mm/memblock.c: largest aligned blocks, to tail. */
    private void memblockFreeAll(int start, int end) {
        int pfn = start;
        while (pfn < end) {
            int order = pfn == 0 ? MAX_ORDER : Math.min(MAX_ORDER, Integer.numberOfTrailingZeros(pfn));
            while (pfn + (1L << order) > end) {
                order--;
            }
            freeArea.addToFreeList(pfn, order, true); // FPI_TO_TAIL
            pfn += 1 << order;
        }
    }

    // =================================================================== free lists (FreeArea)

    /** The pfns on the free list of {@code order}, in list order (head first). */
    long[] freeListPfns(int order) {
        checkOrder(order);
        return freeArea.freeListPfns(order);
    }

    // =================================================================== watermarks and views

    /**
     * The vm.min_free_kbytes sysctl: sets the reserve and recomputes the watermarks ({@link ZoneWatermarks}).
     *
     * @param kbytes the reserve in KiB
     */
    public void setMinFreeKbytes(int kbytes) {
        watermarks.setMinFreeKbytes(kbytes);
    }

    /** {@return vm.min_free_kbytes, in KiB} */
    public int minFreeKbytes() {
        return watermarks.minFreeKbytes();
    }

    /**
     * Models min_wmark_pages(), include/linux/mmzone.h.
     *
     * @return the min watermark, in pages
     */
    public long minWmarkPages() {
        return watermarks.get(WMARK_MIN);
    }

    /**
     * Models low_wmark_pages(), include/linux/mmzone.h.
     *
     * @return the low watermark, in pages
     */
    public long lowWmarkPages() {
        return watermarks.get(WMARK_LOW);
    }

    /**
     * Models high_wmark_pages(), include/linux/mmzone.h.
     *
     * @return the high watermark, in pages
     */
    public long highWmarkPages() {
        return watermarks.get(ZoneWatermarks.WMARK_HIGH);
    }

    /** {@return this zone's line of /proc/buddyinfo ({@link PageAllocatorText#buddyinfo})} */
    public String buddyinfo() {
        return PageAllocatorText.buddyinfo(this);
    }

    /** {@return MemTotal and MemFree of /proc/meminfo ({@link PageAllocatorText#meminfo})} */
    public String meminfo() {
        return PageAllocatorText.meminfo(this);
    }

    /** {@return the free-area line of show_free_areas() ({@link PageAllocatorText#showFreeAreas})} */
    public String showFreeAreas() {
        return PageAllocatorText.showFreeAreas(this);
    }

    /**
     * {@return the free lists with their pfns, for failure messages ({@link PageAllocatorText#dumpFreeLists})}
     */
    public String dumpFreeLists() {
        return PageAllocatorText.dumpFreeLists(this);
    }

    /** {@return NR_FREE_PAGES: frames on the free lists} */
    public long nrFreePages() {
        return freeArea.nrFreePages();
    }

    /**
     * Models zone_managed_pages(), include/linux/mmzone.h.
     *
     * @return the frames the allocator owns
     */
    public long nrManagedPages() {
        return (long) nrPages - reservedPages;
    }

    /** {@return all frames, reserved ones included (the zone's present_pages)} */
    public long nrPages() {
        return nrPages;
    }

    /** {@return the frames {@code [0, reservedPages)} kept out of the allocator} */
    public long nrReservedPages() {
        return reservedPages;
    }

    /**
     * free_area[order].nr_free: free blocks of this order.
     *
     * @param order a block order
     * @return free_area[order].nr_free: the free blocks of that order
     */
    public long nrFree(int order) {
        checkOrder(order);
        return freeArea.nrFree(order);
    }

    /**
     * The value of one event counter.
     *
     * @param item the counter
     * @return its value
     */
    public long stat(PageAllocStat item) {
        return stats[item.ordinal()];
    }

    private void stat(PageAllocStat item, long delta) {
        if (STATS) {
            stats[item.ordinal()] += delta;
        }
    }

    private static void checkOrder(int order) {
        if (order < 0 || order > MAX_ORDER) {
            throw new IllegalArgumentException(String.format(
                    "order must be 0..%d (got %d)", MAX_ORDER, order));
        }
    }
}
