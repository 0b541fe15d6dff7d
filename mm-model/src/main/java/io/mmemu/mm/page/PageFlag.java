package io.mmemu.mm.page;

/**
 * Per-frame flags kept in {@link FrameTable}'s flag word, named after include/linux/page-flags.h.
 *
 * <p>Each constant's {@link #bit()} is its bit in the 16-bit flag word; the bit layout is
 * documented once, on {@link FrameTable}. Flags marked {@linkplain #allocatorOwned() allocator
 * owned} describe the frame's state in the buddy allocator and can only be changed by
 * {@link PageAllocator}; {@link FrameTable#setPageFlag} and {@link FrameTable#clearPageFlag}
 * reject them.
 *
 * <p>PG_fresh is not in this enum: it is stored inverted (see {@link FrameTable}) and read
 * through {@link FrameTable#pageFresh} and {@link FrameTable#testAndClearFresh}.
 */
public enum PageFlag {
    /** PG_reserved: memblock-reserved frame, never handed out by the buddy allocator. */
    RESERVED(0, true),
    /** PG_buddy (a page type in Linux): head of a free block, its order in the flag word. */
    BUDDY(1, true),
    /**
     * PG_head, mmemu's stricter use: head of a block handed out by the allocator, its order in
     * the flag word (Linux marks only compound heads; mmemu marks every block so that
     * {@code freePages} can check the order it is given).
     */
    HEAD(2, true),
    /** PG_anon (Linux: PAGE_MAPPING_ANON in page-&gt;mapping): anonymous memory. */
    ANON(3, false),
    /** mmemu's mark for the shared zero page (Linux: is_zero_pfn()); freeing it is a bug. */
    ZERO_PAGE(4, false),
    /** PG_dirty: contents differ from backing store. */
    DIRTY(5, false),
    /** PG_table (page type PGTY_table in Linux): the frame holds a page table. */
    PGTABLE(6, false),
    /** PG_slab (page type PGTY_slab in Linux): the frame belongs to a slab. */
    SLAB(7, false),
    /** PG_swapbacked for shmem: a page of a shared anonymous mapping's page cache (counts as MM_SHMEMPAGES). */
    SHMEM(10, false),
    /**
     * PG_anon_exclusive: an anonymous page only this process maps, so a write may map it writable
     * without a copy (new anonymous pages and reused ones have it; fork's sharing clears it).
     */
    ANON_EXCLUSIVE(11, false);

    private final int bit;
    private final boolean allocatorOwned;

    PageFlag(int bit, boolean allocatorOwned) {
        this.bit = bit;
        this.allocatorOwned = allocatorOwned;
    }

    /** {@return the bit number in the flag word} */
    public int bit() {
        return bit;
    }

    /** Mask of this flag in the flag word. */
    int mask() {
        return 1 << bit;
    }

    /** {@return whether only the page allocator may set or clear this flag} */
    public boolean allocatorOwned() {
        return allocatorOwned;
    }

    /** {@return the Linux-style lower-case name used in dumps, e.g. {@code zero_page}} */
    public String linuxName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
