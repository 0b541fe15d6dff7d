package io.mmemu.tlb;

import io.mmemu.mm.phys.PageTypes;

/**
 * The three page sizes of 4-level paging (SDM vol. 3A, 4.5). The TLB keeps a separate array
 * for each, as processors keep separate structures per page size (SDM vol. 3A, 4.10.2.3).
 * {@link #walkCode} is the size code of {@link io.mmemu.mm.pgtable.WalkResult}.
 */
public enum PageSize {
    /** A PT entry maps 4 KiB. */
    SIZE_4K(PageTypes.PAGE_SHIFT, 0, "4K"),
    /** A PD entry with PS maps 2 MiB. */
    SIZE_2M(PageTypes.PMD_SHIFT, 1, "2M"),
    /** A PDPT entry with PS maps 1 GiB. */
    SIZE_1G(PageTypes.PUD_SHIFT, 2, "1G");

    /** log2 of the page size: the virtual page number is {@code vaddr >>> shift}. */
    public final int shift;
    /** The size code a walk result carries in its bits 3..4. */
    public final int walkCode;
    /** The short name the dump prints. */
    public final String label;

    private static final PageSize[] BY_WALK_CODE = {SIZE_4K, SIZE_2M, SIZE_1G};

    PageSize(int shift, int walkCode, String label) {
        this.shift = shift;
        this.walkCode = walkCode;
        this.label = label;
    }

    /** {@return the bytes covered by one page of this size} */
    public long bytes() {
        return 1L << shift;
    }

    /**
     * The size a walk result's size code names.
     *
     * @param code a walk result's size code ({@link io.mmemu.mm.pgtable.WalkResult})
     * @return the page size
     */
    public static PageSize ofWalkCode(int code) {
        if (code < 0 || code >= BY_WALK_CODE.length) {
            throw new IllegalArgumentException("walk size code must be 0 (4K), 1 (2M) or 2 (1G) (got " + code + ")");
        }
        return BY_WALK_CODE[code];
    }
}
