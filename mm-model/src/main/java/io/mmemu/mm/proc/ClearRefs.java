package io.mmemu.mm.proc;

import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;

/**
 * /proc/PID/clear_refs (fs/proc/task_mmu.c, clear_refs_write()): what writing a type does to an
 * address space.
 *
 * <ul>
 *   <li>1 (CLEAR_REFS_ALL), 2 (CLEAR_REFS_ANON: VMAs without a file), 3 (CLEAR_REFS_MAPPED: VMAs
 *       with one): the Accessed bit of every entry mapping a normal page (the zero page is none;
 *       a huge PMD always counts) is cleared, so smaps' Referenced starts again from 0. As
 *       ptep_test_and_clear_young() on x86, nothing is flushed: a CPU whose TLB still holds the
 *       translation does not set the bit again until it walks the tables anew.</li>
 *   <li>4 (CLEAR_REFS_SOFT_DIRTY): the host kernel is built without CONFIG_MEM_SOFT_DIRTY, so
 *       VM_SOFTDIRTY is 0 and clear_soft_dirty() is empty: nothing changes, and pagemap's bit 55
 *       stays clear, as there ({@link Pagemap}).</li>
 *   <li>5 (CLEAR_REFS_MM_HIWATER_RSS): reset_mm_hiwater_rss(). The model keeps no peak RSS
 *       (/proc/PID/status shows no VmHWM), so there is nothing to reset.</li>
 * </ul>
 */
public final class ClearRefs {
    private ClearRefs() {}

    /** enum clear_refs_types: the first valid type and the first invalid one past the end. */
    public static final int CLEAR_REFS_ALL = 1, CLEAR_REFS_ANON = 2, CLEAR_REFS_MAPPED = 3,
            CLEAR_REFS_SOFT_DIRTY = 4, CLEAR_REFS_MM_HIWATER_RSS = 5, CLEAR_REFS_LAST = 6;

    /**
     * Models the part of clear_refs_write() after the type was parsed and checked: the walk
     * (clear_refs_test_walk(), clear_refs_pte_range()) for types 1 to 3.
     *
     * @param mm   the address space
     * @param type a type in [{@link #CLEAR_REFS_ALL}, {@link #CLEAR_REFS_LAST})
     */
    public static void clearRefs(MmStruct mm, int type) {
        if (type < CLEAR_REFS_ALL || type > CLEAR_REFS_MAPPED) return; // 4 and 5: see the class comment
        PageTable pgd = mm.pgd();
        long zeroPfn = mm.env().zeroPfn();
        for (Vma v : mm.vmas()) {
            if (v.has(VmFlags.VM_PFNMAP)) continue; // clear_refs_test_walk()
            boolean file = !v.isAnonymous();
            if (type == CLEAR_REFS_ANON && file || type == CLEAR_REFS_MAPPED && !file) continue;
            pgd.forEachPresentPte(v.start(), v.end(), (va, slot, pte) -> {
                boolean huge = (pte & Pte.PS) != 0;
                // vm_normal_page(): the zero page is skipped at the PTE level, not at the PMD level.
                if (!huge && (Pte.pfn(pte) == zeroPfn || (pte & Pte.SPECIAL) != 0)) return;
                if ((pte & Pte.A) != 0) pgd.set(slot, pte & ~Pte.A); // ptep_test_and_clear_young()
            });
        }
    }
}
