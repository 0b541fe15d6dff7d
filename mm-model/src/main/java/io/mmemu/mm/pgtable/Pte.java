package io.mmemu.mm.pgtable;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

/**
 * The x86-64 page-table entry format (Intel SDM vol. 3A, 4.5; arch/x86/include/asm/pgtable_types.h).
 * The same layout serves PML4, PDPT, PD and PT entries; {@link #PS} makes a PDPT or PD entry a
 * leaf (1 GiB or 2 MiB page), in which case the PAT bit moves from bit 7 to bit 12.
 */
public final class Pte {
    private Pte() {}

    /** P: present; when clear the hardware ignores every other bit and a walk faults. */
    public static final long P = 1L;
    /** RW: writes allowed (for supervisor writes only when CR0.WP is set). */
    public static final long RW = 1L << 1;
    /** US: user-mode (CPL 3) accesses allowed. */
    public static final long US = 1L << 2;
    /** PWT: page-level write-through. */
    public static final long PWT = 1L << 3;
    /** PCD: page-level cache disable. */
    public static final long PCD = 1L << 4;
    /** A: accessed; set by the walker on every use of the entry. */
    public static final long A = 1L << 5;
    /** D: dirty; set by the walker on a write through a leaf entry. */
    public static final long D = 1L << 6;
    /** PS in PDPT/PD entries: this entry maps a 1 GiB / 2 MiB page. In a PT entry the same bit is PAT. */
    public static final long PS = 1L << 7;
    /** PAT bit of a 4 KiB PTE. */
    public static final long PAT = 1L << 7;
    /** G: global; survives CR3 writes when CR4.PGE is set. */
    public static final long G = 1L << 8;
    /**
     * _PAGE_PROTNONE (Linux reuses the G bit): with P clear, the entry still maps a page that
     * PROT_NONE made inaccessible; pte_present() is true for it, the hardware sees not-present.
     */
    public static final long PROTNONE = 1L << 8;
    /** Linux's software bit 9, _PAGE_SPECIAL: no struct page refcounting (the zero page). */
    public static final long SPECIAL = 1L << 9;
    /**
     * Linux's software bit 10, _PAGE_UFFD_WP: userfaultfd write-protected. Set only with RW clear, in a
     * VMA registered for UFFDIO_REGISTER_MODE_WP; a write then goes to the userfaultfd.
     */
    public static final long UFFD_WP = 1L << 10;
    /** PAT bit of a 2 MiB / 1 GiB leaf. */
    public static final long PAT_LARGE = 1L << 12;
    /** Protection key, bits 59..62 of a leaf: an index into PKRU. */
    public static final int PKEY_SHIFT = 59;
    /** The protection-key field of a leaf, bits 59..62. */
    public static final long PKEY_MASK = 0xFL << PKEY_SHIFT;
    /** NX (XD): instruction fetches forbidden when EFER.NXE is set; reserved otherwise. */
    public static final long NX = 1L << 63;

    /** Physical-address bits 12..51 of an entry pointing at a table or a 4 KiB page. */
    public static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;

    /** The flags Linux gives user page-table pages (_PAGE_TABLE): P RW US A D. */
    public static final long PAGE_TABLE = P | RW | US | A | D;

    /**
     * Whether P is set: the hardware may use the entry.
     *
     * @param pte an entry
     * @return whether it is present
     */
    public static boolean present(long pte) {
        return (pte & P) != 0;
    }

    /**
     * pte_present(): the entry maps a page, accessible (P) or made PROT_NONE (PROTNONE without P).
     *
     * @param pte an entry
     * @return whether it maps a page
     */
    public static boolean mapsPage(long pte) {
        return (pte & (P | PROTNONE)) != 0;
    }

    /**
     * The frame number an entry points at (4 KiB granularity).
     *
     * @param pte an entry
     * @return its frame number
     */
    public static long pfn(long pte) {
        return (pte & ADDR_MASK) >>> PAGE_SHIFT;
    }

    /**
     * Builds an entry.
     *
     * @param pfn   the frame it points at
     * @param flags the flag bits
     * @return the entry
     */
    public static long make(long pfn, long flags) {
        return (pfn << PAGE_SHIFT) & ADDR_MASK | flags;
    }

    /**
     * The protection key of a leaf.
     *
     * @param pte a leaf entry
     * @return its key, 0..15
     */
    public static int pkey(long pte) {
        return (int) ((pte & PKEY_MASK) >>> PKEY_SHIFT);
    }

    /**
     * The flags as crash's vtop prints them: PRESENT|RW|USER|ACCESSED|DIRTY|PSE|GLOBAL|NX.
     *
     * @param pte an entry
     * @return the flag names joined by '|', or "(none)"
     */
    public static String describe(long pte) {
        StringBuilder sb = new StringBuilder();
        if ((pte & P) != 0) sb.append("PRESENT|");
        if ((pte & RW) != 0) sb.append("RW|");
        if ((pte & US) != 0) sb.append("USER|");
        if ((pte & PWT) != 0) sb.append("PWT|");
        if ((pte & PCD) != 0) sb.append("PCD|");
        if ((pte & A) != 0) sb.append("ACCESSED|");
        if ((pte & D) != 0) sb.append("DIRTY|");
        if ((pte & PS) != 0) sb.append("PSE|");
        if ((pte & G) != 0) sb.append("GLOBAL|");
        if ((pte & NX) != 0) sb.append("NX|");
        if (sb.isEmpty()) return "(none)";
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
