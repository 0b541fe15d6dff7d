package io.mmemu.mm.page;

/**
 * The words of a rejected free (bad_page(), mm/page_alloc.c): which frame is at fault and why,
 * with its dump. {@link PageAllocator#freePages} decides; this only explains.
 */
final class BadPage {
    private BadPage() {}

    /** Explains why a frame that is neither reserved, a free head nor an allocated head was freed. */
    static String describeNonHead(FrameTable frames, int pfn) {
        for (int o = 1; o <= PageAllocator.MAX_ORDER; o++) {
            int ancestor = pfn & ~((1 << o) - 1);
            int word = frames.flagWord(ancestor);
            int blockOrder = frames.orderOf(ancestor);
            if ((word & (PageFlag.BUDDY.mask() | PageFlag.HEAD.mask())) == 0 || pfn >= ancestor + (1 << blockOrder)) {
                continue;
            }
            if ((word & PageFlag.BUDDY.mask()) != 0) {
                return String.format("double free: pfn 0x%x lies inside the free order-%d block at pfn 0x%x",
                        pfn, blockOrder, ancestor);
            }
            return String.format("pfn 0x%x is a tail frame of the order-%d block allocated at pfn 0x%x",
                    pfn, blockOrder, ancestor);
        }
        return String.format("pfn 0x%x was not handed out by the page allocator", pfn);
    }

    /** Models bad_page(), mm/page_alloc.c: the report of a rejected free, with the culprit frame dumped. */
    static IllegalStateException report(FrameTable frames, int page, int order, int culprit, String reason) {
        return new IllegalStateException(String.format(
                "freePages(pfn 0x%x, order %d): %s (page dumped: %s)",
                page, order, reason, frames.dumpPage(culprit)));
    }
}
