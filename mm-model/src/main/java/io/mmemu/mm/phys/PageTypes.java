package io.mmemu.mm.phys;

/**
 * The page sizes of x86-64 with 4-level paging, in one place: arch/x86/include/asm/page_types.h
 * (PAGE_SHIFT, PAGE_SIZE, PAGE_MASK) and pgtable_64_types.h (PMD_*, PUD_*: what one entry of a
 * page directory, or of a page-directory-pointer table, maps). Masks are Linux's: they keep the
 * bits above the offset, so {@code addr & PAGE_MASK} rounds down.
 */
public final class PageTypes {
    private PageTypes() {}

    /** log2 of the base page size. */
    public static final int PAGE_SHIFT = 12;
    /** The base page, 4 KiB: what a PT entry maps. */
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    /** Clears the offset within a page. */
    public static final long PAGE_MASK = ~(PAGE_SIZE - 1);

    /** log2 of what a PD entry maps (a 2 MiB page with PS). */
    public static final int PMD_SHIFT = 21;
    /** What a PD entry maps: 2 MiB. */
    public static final long PMD_SIZE = 1L << PMD_SHIFT;
    /** Clears the offset within a 2 MiB page. */
    public static final long PMD_MASK = ~(PMD_SIZE - 1);

    /** log2 of what a PDPT entry maps (a 1 GiB page with PS). */
    public static final int PUD_SHIFT = 30;
    /** What a PDPT entry maps: 1 GiB. */
    public static final long PUD_SIZE = 1L << PUD_SHIFT;
    /** Clears the offset within a 1 GiB page. */
    public static final long PUD_MASK = ~(PUD_SIZE - 1);

    /**
     * Models PAGE_ALIGN(): {@code addr} rounded up to a page boundary.
     *
     * @param addr an address or a length
     * @return it rounded up to a page boundary
     */
    public static long pageAlign(long addr) {
        return (addr + PAGE_SIZE - 1) & PAGE_MASK;
    }

    /**
     * Models offset_in_page(): the offset of {@code addr} within its page.
     *
     * @param addr an address
     * @return its offset within its page
     */
    public static long offsetInPage(long addr) {
        return addr & (PAGE_SIZE - 1);
    }
}
