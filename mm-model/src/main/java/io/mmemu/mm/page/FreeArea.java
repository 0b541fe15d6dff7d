package io.mmemu.mm.page;

import java.util.Arrays;

/**
 * The free areas of one zone: {@code struct free_area free_area[NR_PAGE_ORDERS]},
 * include/linux/mmzone.h, with the list operations of mm/page_alloc.c that keep them.
 *
 * <p>Each order has one circular doubly linked list of free block heads, threaded through the
 * frames' buddy links in the {@link FrameTable} (so linking and unlinking are O(1) and need no
 * allocation), its length {@code nr_free}, and the zone's NR_FREE_PAGES kept in step with
 * every list change. A listed head carries PG_buddy and its order in the flag word
 * (set_buddy_order()); unlinking clears both. What goes on which list, and when, is the
 * {@link PageAllocator}'s business; this class only keeps the lists consistent.
 *
 * <p>Not thread-safe: the allocator's caller serializes, standing in for zone-&gt;lock.
 */
final class FreeArea {
    private static final int PG_BUDDY = PageFlag.BUDDY.mask();

    private final FrameTable frames;
    /** free_area[order]: first pfn of the circular free list, -1 when empty. */
    private final int[] freeHead = new int[PageAllocator.NR_PAGE_ORDERS];
    /** free_area[order].nr_free: blocks on each list. */
    private final long[] nrFree = new long[PageAllocator.NR_PAGE_ORDERS];
    /** NR_FREE_PAGES. */
    private long nrFreePages;

    FreeArea(FrameTable frames) {
        this.frames = frames;
        Arrays.fill(freeHead, -1);
    }

    /** {@return the first free block head of {@code order}, or -1 when its list is empty} */
    int first(int order) {
        return freeHead[order];
    }

    /** {@return free_area[order].nr_free: blocks on the list of {@code order}} */
    long nrFree(int order) {
        return nrFree[order];
    }

    /** {@return NR_FREE_PAGES: frames on all the lists} */
    long nrFreePages() {
        return nrFreePages;
    }

    /** Models __add_to_free_list() with set_buddy_order(), mm/page_alloc.c. */
    void addToFreeList(int pfn, int order, boolean tail) {
        frames.setFlagWord(pfn, FrameTable.withOrder(frames.flagWord(pfn) | PG_BUDDY, order));
        int head = freeHead[order];
        if (head < 0) {
            frames.setBuddyPrev(pfn, pfn);
            frames.setBuddyNext(pfn, pfn);
            freeHead[order] = pfn;
        } else {
            int last = frames.buddyPrev(head);
            frames.setBuddyNext(last, pfn);
            frames.setBuddyPrev(pfn, last);
            frames.setBuddyNext(pfn, head);
            frames.setBuddyPrev(head, pfn);
            if (!tail) {
                freeHead[order] = pfn;
            }
        }
        nrFree[order]++;
        nrFreePages += 1L << order;
    }

    /** Models del_page_from_free_list() with __ClearPageBuddy(), mm/page_alloc.c: O(1) unlink. */
    void delFromFreeList(int pfn, int order) {
        int next = frames.buddyNext(pfn);
        if (next == pfn) {
            freeHead[order] = -1;
        } else {
            int prev = frames.buddyPrev(pfn);
            frames.setBuddyNext(prev, next);
            frames.setBuddyPrev(next, prev);
            if (freeHead[order] == pfn) {
                freeHead[order] = next;
            }
        }
        frames.resetCounts(pfn);
        frames.setFlagWord(pfn, FrameTable.withOrder(frames.flagWord(pfn) & ~PG_BUDDY, 0));
        nrFree[order]--;
        nrFreePages -= 1L << order;
    }

    /** The pfns on the free list of {@code order}, in list order (head first). */
    long[] freeListPfns(int order) {
        long[] out = new long[(int) nrFree[order]];
        int pfn = freeHead[order];
        for (int i = 0; i < out.length; i++) {
            out[i] = pfn;
            pfn = frames.buddyNext(pfn);
        }
        return out;
    }
}
