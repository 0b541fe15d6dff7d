package io.mmemu.mm.proc;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;

/**
 * /proc/PID/pagemap (fs/proc/task_mmu.c, pagemap_read()): one 64-bit entry per virtual page, read
 * at offset (address / 4096) * 8. Bits 0-54 the PFN of a present page (0 unless the reader has
 * CAP_SYS_ADMIN), 56 the page mapped exactly once (PM_MMAP_EXCLUSIVE), 57 userfaultfd write-protected
 * (PM_UFFD_WP), 61 a file page or shared
 * anonymous page (PM_FILE), 63 present. Soft-dirty (bit 55) is never set: the model tracks no
 * soft-dirty state, as a kernel without CONFIG_MEM_SOFT_DIRTY; there is no swap (bit 62).
 */
public final class Pagemap {
    private Pagemap() {}

    /** Bytes per entry (PM_ENTRY_BYTES). */
    public static final int ENTRY_BYTES = 8;
    static final long PM_PFRAME_MASK = (1L << 55) - 1;
    static final long PM_MMAP_EXCLUSIVE = 1L << 56, PM_UFFD_WP = 1L << 57, PM_FILE = 1L << 61, PM_PRESENT = 1L << 63;

    /**
     * Models pagemap_pte_range()'s pte_to_pagemap_entry() for the page at {@code vaddr}.
     *
     * @param mm      the address space
     * @param vaddr   a page address below TASK_SIZE
     * @param showPfn whether the reader may see frame numbers (CAP_SYS_ADMIN)
     * @return the entry
     */
    public static long entry(MmStruct mm, long vaddr, boolean showPfn) {
        Vma v = mm.findVma(vaddr);
        if (v == null || vaddr < v.start()) return 0; // a hole
        PageTable pgd = mm.pgd();
        long slot = pgd.leafSlot(vaddr);
        if (slot == PageTable.NO_SLOT) return 0;
        long pte = pgd.get(slot);
        if (!Pte.present(pte)) return 0;
        long pfn = Pte.pfn(pte);
        if ((pte & Pte.PS) != 0) pfn += (vaddr >>> 12) & 511; // a 2 MiB leaf: this 4 KiB page of it
        long flags = PM_PRESENT | ((pte & Pte.UFFD_WP) != 0 ? PM_UFFD_WP : 0);
        FrameTable frames = mm.env().frames();
        if (pfn != mm.env().zeroPfn()) { // vm_normal_page(): the zero page is no normal page
            if (!frames.testPageFlag(pfn, PageFlag.ANON)) flags |= PM_FILE;
            if (frames.pageMapcount(pfn) == 1) flags |= PM_MMAP_EXCLUSIVE;
        }
        return flags | (showPfn ? pfn & PM_PFRAME_MASK : 0);
    }
}
