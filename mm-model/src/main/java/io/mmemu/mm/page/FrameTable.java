package io.mmemu.mm.page;

import java.util.StringJoiner;

/**
 * Per-frame metadata: Linux's {@code struct page} array (the vmemmap) in three primitive arrays.
 *
 * <h2>What it models</h2>
 * One entry per page frame number (pfn) in {@code [0, nrPages)}: the reference count
 * ({@code page->_refcount}), the map count ({@code page->_mapcount}) and the flags
 * ({@code page->flags} plus the page types Linux keeps in {@code page->page_type}). There is no
 * object per frame; a frame is its index.
 *
 * <h2>Memory: 10 bytes per frame</h2>
 * {@code int refcount[]} (4) + {@code int mapcount[]} (4) + {@code short flags[]} (2) = 10 bytes
 * per frame, 2.5 MiB of heap per GiB of guest RAM (262,144 frames), inside the project's
 * 16 bytes per frame. The buddy allocator's free-list links cost nothing extra: like Linux,
 * whose {@code page->buddy_list} overlays {@code page->lru}, a free block's head keeps its
 * list links in its own refcount and mapcount slots (see "Overlay" below). The allocator's
 * other state is per order, not per frame.
 *
 * <h2>Flag word layout (16 bits)</h2>
 * <pre>
 *   bit  0  PG_reserved   memblock-reserved, never in the buddy allocator     (allocator owned)
 *   bit  1  PG_buddy      head of a free block                                (allocator owned)
 *   bit  2  PG_head       head of a block handed out by the allocator         (allocator owned)
 *   bit  3  PG_anon       anonymous memory
 *   bit  4  PG_zero_page  the shared zero page
 *   bit  5  PG_dirty
 *   bit  6  PG_pgtable    page-table page
 *   bit  7  PG_slab       slab page
 *   bit  8                unused
 *   bit  9  PG_used       NOT PG_fresh: the frame has been handed out and freed, or its
 *                         freshness was consumed by testAndClearFresh()
 *   bit 10  PG_swapbacked page of a shared anonymous mapping's page cache (shmem)
 *   bit 11                unused
 *   bits 12-15 order      block order 0..10, meaningful only with PG_buddy or PG_head
 * </pre>
 * PG_fresh is stored inverted (as PG_used) so that a newly allocated, zero-filled array means
 * "every frame fresh" without a loop over the frames; construction of a 16 GiB table costs the
 * array allocation only.
 *
 * <h2>Value encodings</h2>
 * <ul>
 *   <li>{@code refcount[pfn]} is {@code _refcount} as is (0 for free frames and tail frames).</li>
 *   <li>{@code mapcount[pfn]} is {@code _mapcount + 1}: Linux starts {@code _mapcount} at -1
 *       ("not mapped"), mmemu stores it +1-biased so that the zero-filled array means "no frame
 *       mapped". {@link #pageMapcount} returns the stored value, which is what Linux's
 *       {@code page_mapcount()} returns ({@code _mapcount + 1}).</li>
 * </ul>
 *
 * <h2>Overlay</h2>
 * While a frame carries PG_buddy its refcount slot holds the previous and its mapcount slot the
 * next pfn of its circular free list (package-private {@link #buddyPrev}/{@link #buddyNext}).
 * The public accessors report such a frame as refcount 0 and unmapped, and refuse to change
 * its counts. When the allocator takes the frame off its list it resets both slots to 0.
 *
 * <h2>Concurrency</h2>
 * Not thread-safe. The page allocator and its callers run on the model's single host thread
 * (docs/architecture.md, "Determinism"); the caller's serialization stands in for zone-&gt;lock.
 */
public final class FrameTable {

    /** Bytes of host heap per frame used by this table (see the class comment). */
    public static final int BYTES_PER_FRAME = Integer.BYTES + Integer.BYTES + Short.BYTES;

    /** PG_used: the complement of PG_fresh (bit 9). */
    static final int PG_USED = 1 << 9;
    /** Position of the 4-bit order field. */
    static final int ORDER_SHIFT = 12;
    /** Mask of the order field, bits 12..15. */
    static final int ORDER_MASK = 0xF << ORDER_SHIFT;

    private static final int RESERVED = PageFlag.RESERVED.mask();
    private static final int BUDDY = PageFlag.BUDDY.mask();
    private static final int HEAD = PageFlag.HEAD.mask();

    /**
     * Each array is split into chunks of 2^16 frames (256 KiB of ints), under half of G1's
     * smallest region: one array per table would be a humongous object that G1 rounds up to whole
     * regions (at 4 GiB of guest RAM, 5.0 MiB of heap per GiB instead of 2.5).
     */
    private static final int CHUNK_SHIFT = 16;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
    /** Frames per chunk of each array. */
    public static final int FRAMES_PER_CHUNK = 1 << CHUNK_SHIFT;

    private final int nrPages;
    /** page-&gt;_refcount; prev free-list link while PG_buddy. */
    private final int[][] refcount;
    /** page-&gt;_mapcount + 1; next free-list link while PG_buddy. */
    private final int[][] mapcount;
    /** Flag word, layout in the class comment. */
    private final short[][] flags;

    FrameTable(int nrPages) {
        this.nrPages = nrPages;
        int chunks = (int) (((long) nrPages + CHUNK_MASK) >>> CHUNK_SHIFT);
        this.refcount = new int[chunks][];
        this.mapcount = new int[chunks][];
        this.flags = new short[chunks][];
        for (int c = 0; c < chunks; c++) {
            int n = Math.min(CHUNK_MASK + 1, nrPages - (c << CHUNK_SHIFT));
            refcount[c] = new int[n];
            mapcount[c] = new int[n];
            flags[c] = new short[n];
        }
    }

    private int ref(int i) {
        return refcount[i >>> CHUNK_SHIFT][i & CHUNK_MASK];
    }

    private void setRef(int i, int v) {
        refcount[i >>> CHUNK_SHIFT][i & CHUNK_MASK] = v;
    }

    private int map(int i) {
        return mapcount[i >>> CHUNK_SHIFT][i & CHUNK_MASK];
    }

    private void setMap(int i, int v) {
        mapcount[i >>> CHUNK_SHIFT][i & CHUNK_MASK] = v;
    }

    /** {@return the number of frames described, i.e. the pfn limit} */
    public long nrPages() {
        return nrPages;
    }

    // ---------------------------------------------------------------- refcount

    /**
     * Models page_ref_count(), include/linux/page_ref.h.
     *
     * @param pfn a frame number
     * @return the frame's reference count (0: free)
     */
    public int pageRefCount(long pfn) {
        int i = index(pfn);
        return isBuddyFrame(i) ? 0 : ref(i);
    }

    /**
     * A digest of the reference and map counts of frames {@code from} to {@code to - 1}: the sum,
     * over the frames that are not free and have a count, of a hash of (pfn, page_ref_count(),
     * mapcount). What a recorded run's checkpoints compare; it covers all of RAM at every
     * checkpoint, so it is one pass over the arrays in which a frame with nothing to count costs a
     * test (most of a large RAM is free).
     *
     * @param from the first frame
     * @param to   the frame after the last
     * @return the digest, 0 when every frame is free or unused
     */
    public long countsDigest(long from, long to) {
        if (from < 0 || to > nrPages || from > to) {
            throw new IllegalArgumentException("frames " + from + ".." + to + " outside 0.." + nrPages);
        }
        long h = 0;
        for (int i = (int) from; i < to; ) {
            int c = i >>> CHUNK_SHIFT;
            int[] refs = refcount[c];
            int[] maps = mapcount[c];
            short[] fl = flags[c];
            int end = (int) Math.min(to, (long) (c + 1) << CHUNK_SHIFT);
            for (int k = i & CHUNK_MASK; i < end; i++, k++) {
                int r = refs[k];
                int m = maps[k];
                if ((r | m) == 0 || (fl[k] & BUDDY) != 0) continue;
                long x = ((long) i * 0x9e37_79b9_7f4a_7c15L) ^ (((long) r << 32) | (m & 0xffff_ffffL));
                x *= 0xbf58_476d_1ce4_e5b9L;
                h += x ^ (x >>> 31);
            }
        }
        return h;
    }

    /**
     * Models get_page(), include/linux/mm.h: takes a reference on a frame that already holds one.
     *
     * @param pfn a frame number
     */
    public void getPage(long pfn) {
        int i = index(pfn);
        requireNotFree(i, "get_page");
        if (ref(i) <= 0) {
            throw new IllegalStateException(String.format(
                    "get_page on pfn 0x%x with refcount %d (expected: at least 1, the caller's own reference)",
                    pfn, ref(i)));
        }
        setRef(i, ref(i) + 1);
    }

    /**
     * Models put_page_testzero(), include/linux/mm.h: drops a reference and says whether it was
     * the last. It does not free the frame; a caller that gets {@code true} passes the frame to
     * {@link PageAllocator#freePages}.
     *
     * @param pfn a frame number
     * @return whether the reference dropped was the last
     */
    public boolean putPage(long pfn) {
        int i = index(pfn);
        requireNotFree(i, "put_page");
        if (ref(i) <= 0) {
            throw new IllegalStateException(String.format(
                    "put_page on pfn 0x%x with refcount %d (refcount underflow: no reference left to drop)",
                    pfn, ref(i)));
        }
        int count = ref(i) - 1;
        setRef(i, count);
        return count == 0;
    }

    /** Models set_page_count(), include/linux/page_ref.h; used when the allocator hands a block out. */
    void setPageCount(int pfn, int count) {
        setRef(pfn, count);
    }

    // ---------------------------------------------------------------- mapcount

    /**
     * Models page_mapcount(), include/linux/mm.h: number of page-table entries mapping the frame.
     *
     * @param pfn a frame number
     * @return the number of mappings
     */
    public int pageMapcount(long pfn) {
        int i = index(pfn);
        return isBuddyFrame(i) ? 0 : map(i);
    }

    /**
     * Models atomic_inc_and_test(&amp;page-&gt;_mapcount) in the rmap add paths, mm/rmap.c:
     * counts one more mapping and returns true if it is the first.
     *
     * @param pfn a frame number
     * @return whether it is the first mapping
     */
    public boolean incMapcount(long pfn) {
        int i = index(pfn);
        requireNotFree(i, "mapping");
        int count = map(i) + 1;
        setMap(i, count);
        return count == 1;
    }

    /**
     * Models atomic_add_negative(-1, &amp;page-&gt;_mapcount) in the rmap remove paths, mm/rmap.c:
     * drops one mapping and returns true if it was the last.
     *
     * @param pfn a frame number
     * @return whether it was the last mapping
     */
    public boolean decMapcount(long pfn) {
        int i = index(pfn);
        requireNotFree(i, "unmapping");
        if (map(i) <= 0) {
            throw new IllegalStateException(String.format(
                    "unmapping pfn 0x%x which is not mapped (mapcount 0; _mapcount would drop below -1)", pfn));
        }
        int count = map(i) - 1;
        setMap(i, count);
        return count == 0;
    }

    // ---------------------------------------------------------------- flags

    /**
     * Models the SetPage*() family, include/linux/page-flags.h, for the flags callers own.
     *
     * @param pfn  a frame number
     * @param flag the flag to set
     */
    public void setPageFlag(long pfn, PageFlag flag) {
        int i = index(pfn);
        requireCallerOwned(flag, "set");
        setFlagWord(i, flagWord(i) | flag.mask());
    }

    /**
     * Models the ClearPage*() family, include/linux/page-flags.h, for the flags callers own.
     *
     * @param pfn  a frame number
     * @param flag the flag to clear
     */
    public void clearPageFlag(long pfn, PageFlag flag) {
        int i = index(pfn);
        requireCallerOwned(flag, "cleared");
        setFlagWord(i, flagWord(i) & ~flag.mask());
    }

    /**
     * Models the Page*() tests (PageAnon() etc.), include/linux/page-flags.h.
     *
     * @param pfn  a frame number
     * @param flag the flag to test
     * @return whether it is set
     */
    public boolean testPageFlag(long pfn, PageFlag flag) {
        return (flagWord(index(pfn)) & flag.mask()) != 0;
    }

    /**
     * Models the TestSetPage*() family, include/linux/page-flags.h: sets the flag, returns its old value.
     *
     * @param pfn  a frame number
     * @param flag the flag to set
     * @return whether it was set before
     */
    public boolean testAndSetPageFlag(long pfn, PageFlag flag) {
        boolean old = testPageFlag(pfn, flag);
        setPageFlag(pfn, flag);
        return old;
    }

    /**
     * Models the TestClearPage*() family, include/linux/page-flags.h: clears the flag, returns its old value.
     *
     * @param pfn  a frame number
     * @param flag the flag to clear
     * @return whether it was set before
     */
    public boolean testAndClearPageFlag(long pfn, PageFlag flag) {
        boolean old = testPageFlag(pfn, flag);
        clearPageFlag(pfn, flag);
        return old;
    }

    /**
     * PG_fresh (mmemu): the frame has never been handed out and freed since the host mapped the
     * RAM, so its contents are known to be zero.
     *
     * @param pfn a frame number
     * @return whether it is fresh
     */
    public boolean pageFresh(long pfn) {
        return (flagWord(index(pfn)) & PG_USED) == 0;
    }

    /**
     * Consumes PG_fresh: returns whether the frame's contents are known zero (the caller may skip
     * zeroing it) and marks it no longer fresh, because the caller is about to write it.
     *
     * @param pfn a frame number
     * @return whether its contents are known zero
     */
    public boolean testAndClearFresh(long pfn) {
        int i = index(pfn);
        boolean fresh = (flagWord(i) & PG_USED) == 0;
        setFlagWord(i, flagWord(i) | PG_USED);
        return fresh;
    }

    /**
     * Models buddy_order(), mm/internal.h: the order of the free block whose head is {@code pfn}.
     *
     * @param pfn a frame number
     * @throws IllegalStateException if the frame is not the head of a free block
     * @return the block's order
     */
    public int buddyOrder(long pfn) {
        int i = index(pfn);
        if (!isBuddyFrame(i)) {
            throw new IllegalStateException(String.format(
                    "buddy_order of pfn 0x%x which is not the head of a free block (%s)", pfn, describe(i)));
        }
        return orderOf(i);
    }

    /**
     * Models dump_page(), mm/debug.c: one line with the frame's refcount, mapcount and flags.
     *
     * @param pfn a frame number
     * @return the line
     */
    public String dumpPage(long pfn) {
        int i = index(pfn);
        return String.format("pfn:0x%x %s", pfn, describe(i));
    }

    // ---------------------------------------------------------------- allocator side (package-private)

    /** Raw flag word of {@code pfn}. */
    int flagWord(int pfn) {
        return flags[pfn >>> CHUNK_SHIFT][pfn & CHUNK_MASK];
    }

    /** Replaces the raw flag word of {@code pfn}. */
    void setFlagWord(int pfn, int word) {
        flags[pfn >>> CHUNK_SHIFT][pfn & CHUNK_MASK] = (short) word;
    }

    /** Whether {@code pfn} is the head of a free block. */
    boolean isBuddyFrame(int pfn) {
        return (flagWord(pfn) & BUDDY) != 0;
    }

    /** The order field of the flag word. */
    int orderOf(int pfn) {
        return (flagWord(pfn) & ORDER_MASK) >>> ORDER_SHIFT;
    }

    /** Flag word with the order field replaced. */
    static int withOrder(int word, int order) {
        return (word & ~ORDER_MASK) | (order << ORDER_SHIFT);
    }

    /** Previous pfn on the free list of a PG_buddy head (overlays refcount). */
    int buddyPrev(int pfn) {
        return ref(pfn);
    }

    /** Next pfn on the free list of a PG_buddy head (overlays mapcount). */
    int buddyNext(int pfn) {
        return map(pfn);
    }

    void setBuddyPrev(int pfn, int prev) {
        setRef(pfn, prev);
    }

    void setBuddyNext(int pfn, int next) {
        setMap(pfn, next);
    }

    /** Raw refcount slot, valid only for frames without PG_buddy. */
    int rawRefCount(int pfn) {
        return ref(pfn);
    }

    /** Raw biased mapcount slot, valid only for frames without PG_buddy. */
    int rawMapcount(int pfn) {
        return map(pfn);
    }

    /** Resets both count slots to "refcount 0, unmapped" (also clears free-list links). */
    void resetCounts(int pfn) {
        setRef(pfn, 0);
        setMap(pfn, 0);
    }

    /** Human-readable state of a frame, as in dump_page(): refcount, mapcount, flags. */
    String describe(int pfn) {
        int word = flagWord(pfn);
        boolean buddy = (word & BUDDY) != 0;
        StringJoiner names = new StringJoiner("|");
        for (PageFlag f : PageFlag.values()) {
            if ((word & f.mask()) != 0) {
                names.add(f.linuxName());
            }
        }
        if ((word & PG_USED) == 0) {
            names.add("fresh");
        }
        if ((word & (BUDDY | HEAD)) != 0) {
            names.add("order=" + ((word & ORDER_MASK) >>> ORDER_SHIFT));
        }
        return String.format("refcount:%d mapcount:%d flags:%s",
                buddy ? 0 : ref(pfn), buddy ? 0 : map(pfn),
                names.length() == 0 ? "none" : names.toString());
    }

    // ---------------------------------------------------------------- checks

    private int index(long pfn) {
        if (pfn < 0 || pfn >= nrPages) {
            throw new IllegalArgumentException(String.format(
                    "pfn must be 0..0x%x (got 0x%x)", nrPages - 1L, pfn));
        }
        return (int) pfn;
    }

    private void requireNotFree(int pfn, String what) {
        if (isBuddyFrame(pfn)) {
            throw new IllegalStateException(String.format(
                    "%s on pfn 0x%x which is free in the buddy allocator (%s)", what, pfn, describe(pfn)));
        }
    }

    private static void requireCallerOwned(PageFlag flag, String verb) {
        if (flag.allocatorOwned()) {
            throw new IllegalArgumentException(String.format(
                    "PG_%s is owned by the page allocator and cannot be %s by callers", flag.linuxName(), verb));
        }
    }
}
