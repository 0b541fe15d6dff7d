package io.mmemu.tlb.check;

import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PhysicalMemory;

/**
 * A page walk that only reads: what the paging structures allow for an address right now,
 * without setting A or D (the hardware walker, {@link io.mmemu.mm.pgtable.PageWalker}, sets
 * them, which a checker must not). It answers what a TLB entry may cache, not whether a given
 * access succeeds: protection keys are left out (PKRU is checked at each access, not cached), and
 * reserved bits other than PS in a PML4 entry are not checked.
 *
 * <p>Result layout: {@link WalkResult}'s success layout (bits 12..51 the 4 KiB sub-page's
 * address, 0..2 rights, 3..4 size code, 5 global) plus bit 6, U/S at every level; or
 * {@link #NOT_MAPPED}. W is granted only when RW is set at every level and D in the leaf, as the
 * TLB caches W only with D.
 */
public final class PageTablePeek {
    private PageTablePeek() {}

    /** No translation: some level is not present, or the entry is malformed. */
    public static final long NOT_MAPPED = -1L;
    /** Bit 6 of a result: user-mode accesses allowed (U/S at every level). */
    public static final long USER = 1L << 6;

    /**
     * What the tables under the PML4 at {@code pgdPa} allow for {@code vaddr}.
     *
     * @param mem   the physical memory holding the tables
     * @param pgdPa the PML4's physical address
     * @param vaddr the virtual address
     * @return the result (see the class comment), or {@link #NOT_MAPPED}
     */
    public static long walk(PhysicalMemory mem, long pgdPa, long vaddr) {
        long table = pgdPa & Pte.ADDR_MASK;
        boolean rw = true, us = true, nx = false;
        for (Level level = Level.PML4; ; level = level.next()) {
            long pa = table + 8L * level.index(vaddr);
            if (pa + 8 > mem.size()) return NOT_MAPPED;
            long e = mem.getLong(pa);
            if (!Pte.present(e)) return NOT_MAPPED;
            if (level == Level.PML4 && (e & Pte.PS) != 0) return NOT_MAPPED;
            rw &= (e & Pte.RW) != 0;
            us &= (e & Pte.US) != 0;
            nx |= (e & Pte.NX) != 0;
            boolean leaf = level == Level.PT || (level.canMapPage && (e & Pte.PS) != 0);
            if (!leaf) {
                table = e & Pte.ADDR_MASK;
                continue;
            }
            long span = level.entrySpan();
            long pagePa = (e & Pte.ADDR_MASK & ~(span - 1)) + (vaddr & (span - 1) & ~0xFFFL);
            int prot = WalkResult.PROT_READ | (rw && (e & Pte.D) != 0 ? WalkResult.PROT_WRITE : 0)
                    | (nx ? 0 : WalkResult.PROT_EXEC);
            int sizeCode = level == Level.PT ? 0 : level == Level.PD ? 1 : 2;
            return pagePa | prot | (long) sizeCode << 3 | ((e & Pte.G) != 0 ? 1L << 5 : 0) | (us ? USER : 0);
        }
    }

    /**
     * The table address the entry of paging level {@code level} (0 PML4E, 1 PDPTE, 2 PDE) for
     * {@code vaddr} references, or -1 when that entry, or one above it, is not present or maps a page.
     *
     * @param mem   the physical memory holding the tables
     * @param pgdPa the PML4's physical address
     * @param vaddr the virtual address
     * @param level the paging level: 0 PML4E, 1 PDPTE, 2 PDE
     * @return the table's physical address, or -1
     */
    public static long tableAt(PhysicalMemory mem, long pgdPa, long vaddr, int level) {
        long table = pgdPa & Pte.ADDR_MASK;
        Level l = Level.PML4;
        for (int i = 0; i <= level; i++, l = l.next()) {
            long pa = table + 8L * l.index(vaddr);
            if (pa + 8 > mem.size()) return -1;
            long e = mem.getLong(pa);
            if (!Pte.present(e) || (e & Pte.PS) != 0) return -1;
            table = e & Pte.ADDR_MASK;
        }
        return table;
    }

    /**
     * The rights of a result as {@code R W X U}, {@code -} where absent.
     *
     * @param prot the rights ({@link io.mmemu.mm.pgtable.WalkResult#PROT_READ} etc.)
     * @param user whether user-mode accesses are allowed
     * @return four characters, e.g. {@code RW-U}
     */
    public static String rights(int prot, boolean user) {
        return ((prot & WalkResult.PROT_READ) != 0 ? "R" : "-") + ((prot & WalkResult.PROT_WRITE) != 0 ? " W" : " -")
                + ((prot & WalkResult.PROT_EXEC) != 0 ? " X" : " -") + (user ? " U" : " -");
    }
}
