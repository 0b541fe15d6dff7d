package io.mmemu.mm.pgtable;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.LongMap;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;

/**
 * One address space's x86-64 page tables, as the kernel manipulates them (mm/memory.c,
 * include/linux/pgtable.h): the PML4 (Linux's pgd) and every table below it live in frames of
 * guest physical memory taken from the page allocator, flagged PG_pgtable and counted
 * (mm->pgtables_bytes). Intermediate entries carry _PAGE_TABLE (P RW US A D), so that rights
 * are decided by the leaf, as Linux does for user mappings.
 *
 * <p>Only user space is modelled: the kernel half of the PML4 stays empty.
 */
public final class PageTable {
    /** What {@link #pteSlot} returns when a table is missing (or could not be allocated). */
    public static final long NO_SLOT = -1;

    private final PhysicalMemory mem;
    private final PageAllocator allocator;
    private final FrameTable frames;
    private final long pgdPfn;
    private long nrTables;
    /**
     * pgtable_trans_huge_deposit(): the page table set aside for each huge PMD, by the PMD's
     * physical address, so that splitting it never needs memory.
     */
    private final LongMap deposited = new LongMap();

    private PageTable(PhysicalMemory mem, PageAllocator allocator, long pgdPfn) {
        this.mem = mem;
        this.allocator = allocator;
        this.frames = allocator.frames();
        this.pgdPfn = pgdPfn;
        this.nrTables = 1;
    }

    /**
     * Models pgd_alloc(), arch/x86/mm/pgtable.c: a zeroed PML4, or null when memory is exhausted.
     *
     * @param mem       the physical memory the tables live in
     * @param allocator the allocator of the table pages
     * @return the page table, or null
     */
    public static PageTable pgdAlloc(PhysicalMemory mem, PageAllocator allocator) {
        long pfn = allocTable(mem, allocator);
        return pfn == PageAllocator.NO_PAGE ? null : new PageTable(mem, allocator, pfn);
    }

    private static long allocTable(PhysicalMemory mem, PageAllocator allocator) {
        long pfn = allocator.allocPages(0);
        if (pfn == PageAllocator.NO_PAGE) return pfn;
        FrameTable frames = allocator.frames();
        if (!frames.testAndClearFresh(pfn)) mem.clearPage(pfn);
        frames.setPageFlag(pfn, PageFlag.PGTABLE);
        return pfn;
    }

    /** {@return the PML4's physical address: what CR3 holds (without PCID bits)} */
    public long cr3() {
        return pgdPfn << PageTypes.PAGE_SHIFT;
    }

    /** {@return the PML4's frame number} */
    public long pgdPfn() {
        return pgdPfn;
    }

    /** {@return the page-table pages in use, the PML4 included (mm->pgtables_bytes / PAGE_SIZE)} */
    public long nrTables() {
        return nrTables;
    }

    /**
     * Models the walk of __pte_alloc()/pte_offset_map(): the physical address of the 4 KiB leaf
     * slot for {@code vaddr}, allocating missing tables when {@code alloc}. Returns {@link
     * #NO_SLOT} when a table is missing and not allocated, when allocation fails, or when a large
     * page already maps the address (use {@link #leafSlot} for those).
     *
     * @param vaddr a user address
     * @param alloc whether to allocate missing tables
     * @return the slot's physical address, or {@code NO_SLOT}
     */
    public long pteSlot(long vaddr, boolean alloc) {
        return slotAt(vaddr, Level.PT, alloc);
    }

    /**
     * The walk of pteSlot and pmdSlot: the physical address of the entry for {@code vaddr} in the
     * table at {@code leafLevel}, allocating the tables above it when {@code alloc}; NO_SLOT when
     * one is missing and not allocated, allocation fails, or a large page ends the walk above it.
     */
    private long slotAt(long vaddr, Level leafLevel, boolean alloc) {
        long tablePa = cr3();
        for (Level level = Level.PML4; level != leafLevel; level = level.next()) {
            long entryPa = tablePa + 8L * level.index(vaddr);
            long entry = mem.getLong(entryPa);
            if (!Pte.mapsPage(entry)) { // a PROT_NONE huge leaf (PROTNONE without P) is no hole to fill
                if (!alloc) return NO_SLOT;
                long pfn = allocTable(mem, allocator);
                if (pfn == PageAllocator.NO_PAGE) return NO_SLOT;
                nrTables++;
                entry = Pte.make(pfn, Pte.PAGE_TABLE);
                mem.putLong(entryPa, entry);
            } else if ((entry & Pte.PS) != 0) {
                return NO_SLOT;
            }
            tablePa = entry & Pte.ADDR_MASK;
        }
        return tablePa + 8L * leafLevel.index(vaddr);
    }

    /**
     * Models pmd_alloc() after pud_alloc(): the physical address of the PD entry (Linux's pmd)
     * for {@code vaddr}, allocating the PDPT and PD when {@code alloc}; {@link #NO_SLOT} when a
     * table is missing and not allocated, allocation fails, or a 1 GiB page maps the address.
     *
     * @param vaddr a user address
     * @param alloc whether to allocate missing tables
     * @return the PD entry's physical address, or {@code NO_SLOT}
     */
    public long pmdSlot(long vaddr, boolean alloc) {
        return slotAt(vaddr, Level.PD, alloc);
    }

    /**
     * The PD entry mapping {@code vaddr} when it is a 2 MiB leaf (pmd_trans_huge()), else {@link #NO_SLOT}.
     *
     * @param vaddr a user address
     * @return the PD entry's physical address, or {@code NO_SLOT}
     */
    public long hugePmdSlot(long vaddr) {
        long slot = pmdSlot(vaddr, false);
        if (slot == NO_SLOT) return NO_SLOT;
        long pmd = mem.getLong(slot);
        return Pte.mapsPage(pmd) && (pmd & Pte.PS) != 0 ? slot : NO_SLOT;
    }

    /**
     * Models pte_alloc_one() + pgtable_trans_huge_deposit(), mm/pgtable-generic.c: sets a zeroed
     * page table aside for the huge PMD at {@code pmdSlot}; false when there is no memory.
     *
     * @param pmdSlot the PD entry's physical address
     * @return whether the table was deposited
     */
    public boolean depositTable(long pmdSlot) {
        long pfn = allocTable(mem, allocator);
        if (pfn == PageAllocator.NO_PAGE) return false;
        nrTables++;
        deposited.put(pmdSlot, pfn);
        return true;
    }

    /**
     * Models pgtable_trans_huge_deposit() of a table the mm already has: collapse_huge_page()
     * keeps the page table it emptied beside the new huge PMD.
     *
     * @param pmdSlot  the PD entry's physical address
     * @param tablePfn the (now empty) page table's frame, still counted in {@link #nrTables}
     */
    public void depositTable(long pmdSlot, long tablePfn) {
        if (deposited.get(pmdSlot, PageAllocator.NO_PAGE) != PageAllocator.NO_PAGE) {
            throw new IllegalStateException(String.format("a page table is already deposited for the PMD at 0x%x", pmdSlot));
        }
        deposited.put(pmdSlot, tablePfn);
    }

    /**
     * Models pgtable_trans_huge_withdraw(), mm/pgtable-generic.c: takes back the table deposited
     * for {@code pmdSlot} (still counted in {@link #nrTables}), for a split to fill.
     *
     * @param pmdSlot the PD entry's physical address
     * @return the table's frame
     * @throws IllegalStateException when nothing was deposited there
     */
    public long withdrawTable(long pmdSlot) {
        long pfn = deposited.get(pmdSlot, PageAllocator.NO_PAGE);
        if (pfn == PageAllocator.NO_PAGE) {
            throw new IllegalStateException(String.format("no page table deposited for the huge PMD at 0x%x", pmdSlot));
        }
        deposited.remove(pmdSlot);
        return pfn;
    }

    /**
     * Models zap_deposited_table(), mm/huge_memory.c: frees the table deposited for a huge PMD that goes away.
     *
     * @param pmdSlot the PD entry's physical address
     */
    public void zapDepositedTable(long pmdSlot) {
        freeTable(withdrawTable(pmdSlot));
    }

    /** {@return the page tables deposited for huge PMDs (counted in {@link #nrTables}, reachable from no entry)} */
    public int nrDeposited() {
        return deposited.size();
    }

    /**
     * The leaf slot mapping {@code vaddr} at whatever level (4K PTE, or a 2M/1G entry with PS), or NO_SLOT.
     *
     * @param vaddr a user address
     * @return the slot's physical address, or {@code NO_SLOT}
     */
    public long leafSlot(long vaddr) {
        long tablePa = cr3();
        for (Level level = Level.PML4; ; level = level.next()) {
            long entryPa = tablePa + 8L * level.index(vaddr);
            long entry = mem.getLong(entryPa);
            if (!Pte.present(entry)) return level == Level.PT ? entryPa : NO_SLOT;
            if (level == Level.PT || (level.canMapPage && (entry & Pte.PS) != 0)) return entryPa;
            tablePa = entry & Pte.ADDR_MASK;
        }
    }

    /**
     * Reads a page-table entry.
     *
     * @param slotPa the entry's physical address
     * @return the entry
     */
    public long get(long slotPa) {
        return mem.getLong(slotPa);
    }

    /**
     * Writes a page-table entry.
     *
     * @param slotPa the entry's physical address
     * @param pte    the new entry
     */
    public void set(long slotPa, long pte) {
        mem.putLong(slotPa, pte);
    }

    /** Called for each present 4 KiB PTE in a range. */
    @FunctionalInterface
    public interface PteVisitor {
        /**
         * Receives one present PTE.
         *
         * @param vaddr  the address it maps
         * @param slotPa the entry's physical address
         * @param pte    the entry
         */
        void visit(long vaddr, long slotPa, long pte);
    }

    /**
     * Visits every leaf PTE that maps a page (pte_present(): P, or PROT_NONE) in [start, end), in address order.
     *
     * @param start   the start of the range
     * @param end     the end of the range, exclusive
     * @param visitor receives each entry
     */
    public void forEachPresentPte(long start, long end, PteVisitor visitor) {
        visitRange(cr3(), Level.PML4, 0, start, end, visitor);
    }

    private void visitRange(long tablePa, Level level, long base, long start, long end, PteVisitor visitor) {
        long span = level.entrySpan();
        int first = start <= base ? 0 : (int) ((start - base) / span);
        for (int i = first; i < 512; i++) {
            long va = base + i * span;
            if (va >= end || (va < base)) break;
            long entryPa = tablePa + 8L * i;
            long entry = mem.getLong(entryPa);
            boolean leaf = level == Level.PT || (entry & Pte.PS) != 0;
            if (leaf ? !Pte.mapsPage(entry) : !Pte.present(entry)) continue;
            if (leaf) {
                if (va + span > start) visitor.visit(va, entryPa, entry);
            } else {
                visitRange(entry & Pte.ADDR_MASK, level.next(), va, start, end, visitor);
            }
        }
    }

    /**
     * Models free_pgtables(), mm/memory.c: after [start, end) was unmapped, frees every table
     * below the PML4 that maps only addresses inside the range and holds no present entry, and
     * clears the entry that pointed at it.
     *
     * @param start the start of the unmapped range
     * @param end   the end of the unmapped range, exclusive
     */
    public void freePgtables(long start, long end) {
        freeEmpty(cr3(), Level.PML4, 0, start, end);
    }

    /** Returns true when the table at {@code tablePa} is empty after freeing what can be freed below it. */
    private boolean freeEmpty(long tablePa, Level level, long base, long start, long end) {
        long span = level.entrySpan();
        boolean empty = true;
        for (int i = 0; i < 512; i++) {
            long va = base + i * span;
            long entryPa = tablePa + 8L * i;
            long entry = mem.getLong(entryPa);
            if (level == Level.PT ? !Pte.mapsPage(entry) : !Pte.present(entry)) continue;
            boolean inside = va < end && va + span > start;
            if (inside && level != Level.PT && (entry & Pte.PS) == 0) {
                long child = entry & Pte.ADDR_MASK;
                if (freeEmpty(child, level.next(), va, start, end)) {
                    mem.putLong(entryPa, 0);
                    freeTable(child >>> PageTypes.PAGE_SHIFT);
                    continue;
                }
            }
            empty = false;
        }
        return empty;
    }

    private void freeTable(long pfn) {
        frames.clearPageFlag(pfn, PageFlag.PGTABLE);
        allocator.freePages(pfn, 0);
        nrTables--;
    }

    /** Frees every table, the PML4 included; the caller has already unmapped all pages (exit_mmap). */
    public void free() {
        if (deposited.size() != 0) {
            throw new IllegalStateException(deposited.size() + " page tables still deposited for huge PMDs at free_pgd");
        }
        freePgtables(0, 1L << 47);
        freeTable(pgdPfn);
    }
}
