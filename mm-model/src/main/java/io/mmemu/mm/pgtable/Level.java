package io.mmemu.mm.pgtable;

/** The four paging levels of x86-64 4-level paging, from CR3 down (SDM vol. 3A, 4.5). */
public enum Level {
    /** The page map level 4: CR3 points at it; Linux's pgd (p4d folded into it). */
    PML4(39, false, "PML4"),
    /** The page-directory-pointer table: Linux's pud; an entry with PS maps 1 GiB. */
    PDPT(30, true, "PUD"),
    /** The page directory: Linux's pmd; an entry with PS maps 2 MiB. */
    PD(21, true, "PMD"),
    /** The page table: Linux's pte level; every entry maps 4 KiB. */
    PT(12, true, "PTE");

    /** The virtual-address bit where this level's 9-bit index starts. */
    public final int shift;
    /** Whether an entry at this level can map a page (PS at PDPT/PD; always at PT). */
    public final boolean canMapPage;
    /** Linux's name for the level (pgd, pud, pmd, pte), as crash prints it. */
    public final String linuxName;

    static final Level[] ALL = values();

    Level(int shift, boolean canMapPage, String linuxName) {
        this.shift = shift;
        this.canMapPage = canMapPage;
        this.linuxName = linuxName;
    }

    /**
     * Index of {@code vaddr}'s entry in a table of this level (0..511).
     *
     * @param vaddr a virtual address
     * @return its entry's index in a table of this level, 0..511
     */
    public int index(long vaddr) {
        return (int) (vaddr >>> shift) & 511;
    }

    /** {@return the bytes mapped by one entry of this level (512 GiB, 1 GiB, 2 MiB, 4 KiB)} */
    public long entrySpan() {
        return 1L << shift;
    }

    /** {@return whether this is the last level (PT)} */
    public boolean isLeafLevel() {
        return this == PT;
    }

    /** {@return the level below this one; not for PT} */
    public Level next() {
        return ALL[ordinal() + 1];
    }
}
