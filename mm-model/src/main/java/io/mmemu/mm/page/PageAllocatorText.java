package io.mmemu.mm.page;

/**
 * What the kernel prints about the buddy allocator: /proc/buddyinfo, the first lines of
 * /proc/meminfo, show_free_areas()'s free-area line, and a dump of the free lists for failure
 * messages. Read-only views of {@link PageAllocator}.
 */
final class PageAllocatorText {
    private PageAllocatorText() {}

    /**
     * Models frag_show_print(), mm/vmstat.c: this zone's line of /proc/buddyinfo,
     * {@code "Node %d, zone %8s "} then {@code "%6lu "} per order, then a newline.
     */
    static String buddyinfo(PageAllocator a) {
        StringBuilder sb = new StringBuilder(16 + 7 * PageAllocator.NR_PAGE_ORDERS);
        sb.append(String.format("Node %d, zone %8s ", 0, "Normal"));
        for (int order = 0; order <= PageAllocator.MAX_ORDER; order++) {
            sb.append(String.format("%6d ", a.nrFree(order)));
        }
        return sb.append('\n').toString();
    }

    /**
     * Models the first lines of meminfo_proc_show(), fs/proc/meminfo.c: show_val_kb() writes the
     * 16-character label, the value in kB right-aligned in 8 columns, then " kB". MemTotal is
     * totalram_pages (managed, reserved frames excluded), MemFree is NR_FREE_PAGES.
     */
    static String meminfo(PageAllocator a) {
        return showValKb("MemTotal:", a.nrManagedPages()) + showValKb("MemFree:", a.nrFreePages());
    }

    /** Models show_val_kb(), fs/proc/meminfo.c. */
    static String showValKb(String label, long pages) {
        return String.format("%-16s%8d kB\n", label, pages << ZoneWatermarks.PAGE_TO_KB_SHIFT);
    }

    /**
     * Models the free-area line of show_free_areas(), mm/show_mem.c:
     * {@code "Normal: 1*4kB 0*8kB ... = 4kB"} (counts per order, kB per block, total).
     */
    static String showFreeAreas(PageAllocator a) {
        StringBuilder sb = new StringBuilder("Normal: ");
        long total = 0;
        for (int order = 0; order <= PageAllocator.MAX_ORDER; order++) {
            sb.append(a.nrFree(order)).append('*').append(4L << order).append("kB ");
            total += a.nrFree(order) << order;
        }
        return sb.append("= ").append(total << ZoneWatermarks.PAGE_TO_KB_SHIFT).append("kB\n").toString();
    }

    /** The free lists with their pfns, for failure messages: one line per non-empty order. */
    static String dumpFreeLists(PageAllocator a) {
        StringBuilder sb = new StringBuilder(showFreeAreas(a));
        for (int order = 0; order <= PageAllocator.MAX_ORDER; order++) {
            if (a.nrFree(order) == 0) {
                continue;
            }
            sb.append("  order ").append(order).append(':');
            long[] pfns = a.freeListPfns(order);
            int shown = Math.min(pfns.length, 64);
            for (int i = 0; i < shown; i++) {
                sb.append(String.format(" 0x%x", pfns[i]));
            }
            if (shown < pfns.length) {
                sb.append(" ... (").append(pfns.length - shown).append(" more)");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
