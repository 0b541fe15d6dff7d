package io.mmemu.mm.proc;

import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;

/**
 * /proc/PID/smaps and /proc/PID/smaps_rollup, as fs/proc/task_mmu.c writes them (Linux 6.12):
 * each VMA's maps line, then the memory it has resident by kind, gathered page by page from the
 * page tables (4 KiB PTEs and huge PMDs) and each frame's counts, then its flags.
 */
public final class Smaps {
    private Smaps() {}

    /** Models struct mem_size_stats; pss values in bytes shifted left by PSS_SHIFT, as Linux keeps them. */
    private static final class MemSizeStats {
        long resident, sharedClean, sharedDirty, privateClean, privateDirty, referenced, anonymous, anonymousThp;
        long pss, pssDirty, pssAnon, pssFile, pssShmem, pssLocked;
    }

    private static final int PSS_SHIFT = 12;
    private static final long PAGE_SIZE = 4096;

    /**
     * Models show_smap(): /proc/PID/smaps.
     *
     * @param mm the address space
     * @return the text
     */
    public static String smaps(MmStruct mm) {
        StringBuilder sb = new StringBuilder();
        for (Vma v : mm.vmas()) {
            MemSizeStats mss = new MemSizeStats();
            smapGatherStats(mm, v, mss);
            sb.append(v.mapsLine(mm.label(v))).append('\n');
            kb(sb, "Size:           ", v.end() - v.start());
            kb(sb, "KernelPageSize: ", PAGE_SIZE);
            kb(sb, "MMUPageSize:    ", PAGE_SIZE);
            showSmap(sb, mss, false);
            sb.append(String.format("THPeligible:    %8d\n", thpEligible(mm, v) ? 1 : 0));
            if (mm.env().osPke()) sb.append(String.format("ProtectionKey:  %8d\n", v.pkey())); // arch_pkeys_enabled()
            showSmapVmaFlags(sb, v);
        }
        return sb.toString();
    }

    /**
     * Models show_smaps_rollup(): the sums over every VMA, under a header spanning them all.
     *
     * @param mm the address space
     * @return the text
     */
    public static String smapsRollup(MmStruct mm) {
        MemSizeStats mss = new MemSizeStats();
        long first = -1, last = 0;
        for (Vma v : mm.vmas()) {
            if (first < 0) first = v.start();
            last = v.end();
            smapGatherStats(mm, v, mss);
        }
        StringBuilder sb = new StringBuilder();
        if (first < 0) first = 0;
        // show_vma_header_prefix() with no flags, offset, device or inode, then "[rollup]".
        String head = String.format("%08x-%08x ---p %08x %02x:%02x %d ", first, last, 0, 0, 0, 0);
        sb.append(head);
        for (int i = head.length(); i < 72; i++) sb.append(' ');
        sb.append("[rollup]\n");
        showSmap(sb, mss, true);
        return sb.toString();
    }

    /** Models smap_gather_stats() over the present PTEs of {@code v} (smaps_pte_entry(), smaps_account()). */
    private static void smapGatherStats(MmStruct mm, Vma v, MemSizeStats mss) {
        FrameTable frames = mm.env().frames();
        long zeroPfn = mm.env().zeroPfn();
        boolean locked = v.has(VmFlags.VM_LOCKED);
        mm.pgd().forEachPresentPte(v.start(), v.end(), (va, slot, pte) -> {
            long pfn = Pte.pfn(pte);
            if ((pte & Pte.PS) != 0) {
                // smaps_pmd_entry(): a huge PMD; the huge zero page is no normal page.
                if (HugeMemory.isHugeZeroPmd(pte)) return;
                if (frames.testPageFlag(pfn, PageFlag.ANON)) mss.anonymousThp += PageTypes.PMD_SIZE;
                for (int i = 0; i < PageTypes.PMD_SIZE / PAGE_SIZE; i++) smapsAccount(frames, mss, pfn + i, pte, locked);
                return;
            }
            if (pfn == zeroPfn) return; // vm_normal_page(): the zero page is no normal page
            smapsAccount(frames, mss, pfn, pte, locked);
        });
    }

    /** Models smaps_account() for one 4 KiB page mapped by {@code entry} (a PTE, or a huge PMD's page). */
    private static void smapsAccount(FrameTable frames, MemSizeStats mss, long pfn, long entry, boolean locked) {
        boolean anon = frames.testPageFlag(pfn, PageFlag.ANON);
        boolean dirty = (entry & Pte.D) != 0 || frames.testPageFlag(pfn, PageFlag.DIRTY);
        if (anon) mss.anonymous += PAGE_SIZE;
        mss.resident += PAGE_SIZE;
        if ((entry & Pte.A) != 0) mss.referenced += PAGE_SIZE;
        // refcount 1: mapped exactly once; otherwise per page by its map count.
        int mapcount = frames.pageRefCount(pfn) == 1 ? 1 : frames.pageMapcount(pfn);
        long pss = PAGE_SIZE << PSS_SHIFT;
        if (mapcount >= 2) pss /= mapcount;
        smapsPageAccumulate(mss, anon, frames.testPageFlag(pfn, PageFlag.SHMEM), pss, dirty, locked, mapcount < 2);
    }

    /**
     * Models thp_vma_allowable_orders() with TVA_SMAPS for the PMD order: the policy and the VMA
     * allow huge pages, and the last huge page that ends by the VMA's end lies wholly inside it.
     */
    private static boolean thpEligible(MmStruct mm, Vma v) {
        return v.end() - v.start() >= PageTypes.PMD_SIZE && HugeMemory.thpVmaAllowable(mm, v, v.end() - PageTypes.PMD_SIZE);
    }

    /** Models smaps_page_accumulate(). */
    private static void smapsPageAccumulate(MemSizeStats mss, boolean anon, boolean shmem, long pss, boolean dirty,
            boolean locked, boolean isPrivate) {
        mss.pss += pss;
        if (anon) mss.pssAnon += pss;
        else if (shmem) mss.pssShmem += pss;
        else mss.pssFile += pss;
        if (locked) mss.pssLocked += pss;
        if (dirty) {
            mss.pssDirty += pss;
            if (isPrivate) mss.privateDirty += PAGE_SIZE;
            else mss.sharedDirty += PAGE_SIZE;
        } else {
            if (isPrivate) mss.privateClean += PAGE_SIZE;
            else mss.sharedClean += PAGE_SIZE;
        }
    }

    /** Models __show_smap(): the lines from Rss to Locked; the rollup adds the Pss split. */
    private static void showSmap(StringBuilder sb, MemSizeStats mss, boolean rollup) {
        kb(sb, "Rss:            ", mss.resident);
        kb(sb, "Pss:            ", mss.pss >> PSS_SHIFT);
        kb(sb, "Pss_Dirty:      ", mss.pssDirty >> PSS_SHIFT);
        if (rollup) {
            // Only the rollup splits the Pss by kind (anon, file, shmem).
            kb(sb, "Pss_Anon:       ", mss.pssAnon >> PSS_SHIFT);
            kb(sb, "Pss_File:       ", mss.pssFile >> PSS_SHIFT);
            kb(sb, "Pss_Shmem:      ", mss.pssShmem >> PSS_SHIFT);
        }
        kb(sb, "Shared_Clean:   ", mss.sharedClean);
        kb(sb, "Shared_Dirty:   ", mss.sharedDirty);
        kb(sb, "Private_Clean:  ", mss.privateClean);
        kb(sb, "Private_Dirty:  ", mss.privateDirty);
        kb(sb, "Referenced:     ", mss.referenced);
        kb(sb, "Anonymous:      ", mss.anonymous);
        kb(sb, "KSM:            ", 0);
        kb(sb, "LazyFree:       ", 0);
        kb(sb, "AnonHugePages:  ", mss.anonymousThp);
        kb(sb, "ShmemPmdMapped: ", 0);
        kb(sb, "FilePmdMapped:  ", 0);
        kb(sb, "Shared_Hugetlb: ", 0);
        kb(sb, "Private_Hugetlb:", 0);
        kb(sb, "Swap:           ", 0);
        kb(sb, "SwapPss:        ", 0);
        kb(sb, "Locked:         ", mss.pssLocked >> PSS_SHIFT);
    }

    /** SEQ_PUT_DEC with " kB": the value in kB, right-aligned in 8 columns. */
    private static void kb(StringBuilder sb, String label, long bytes) {
        sb.append(label).append(String.format("%8d", bytes >> 10)).append(" kB\n");
    }

    /** The two-letter names of show_smap_vma_flags(), by bit of vm_flags; null for bits it does not name. */
    private static final String[] MNEMONICS = new String[64];

    static {
        String[][] names = {{"0", "rd"}, {"1", "wr"}, {"2", "ex"}, {"3", "sh"}, {"4", "mr"}, {"5", "mw"}, {"6", "me"},
            {"7", "ms"}, {"8", "gd"}, {"9", "um"}, {"10", "pf"}, {"12", "uw"}, {"13", "lo"}, {"14", "io"}, {"15", "sr"},
            {"16", "rr"}, {"17", "dc"}, {"18", "de"}, {"19", "lf"}, {"20", "ac"}, {"21", "nr"}, {"22", "ht"},
            {"23", "sf"}, {"24", "ar"}, {"25", "wf"}, {"26", "dd"}, {"28", "mm"}, {"29", "hg"}, {"30", "nh"},
            {"31", "mg"}};
        for (String[] n : names) MNEMONICS[Integer.parseInt(n[0])] = n[1];
    }

    /**
     * Models show_smap_vma_flags(): the VMA's flags as two-letter names in bit order (no "sd":
     * soft-dirty tracking is not modelled, as on a kernel without CONFIG_MEM_SOFT_DIRTY), "dp" for
     * MAP_DROPPABLE memory (VM_DROPPABLE) and "sl" for a sealed VMA (VM_SEALED, bit 63).
     */
    private static void showSmapVmaFlags(StringBuilder sb, Vma v) {
        sb.append("VmFlags: ").append(vmFlags(v)).append('\n');
    }

    /**
     * The mnemonics of smaps' VmFlags line for {@code v}, each followed by a space (e.g.
     * {@code "rd wr mr mw me ac "}), as show_smap_vma_flags() prints them.
     *
     * @param v a VMA
     * @return its flags' two-letter names in bit order
     */
    public static String vmFlags(Vma v) {
        StringBuilder sb = new StringBuilder();
        int flags = v.flags();
        for (int bit = 0; bit < 32; bit++) {
            if (MNEMONICS[bit] != null && (flags & (1 << bit)) != 0) sb.append(MNEMONICS[bit]).append(' ');
        }
        if (v.droppable()) sb.append("dp "); // VM_DROPPABLE, a high bit on 64-bit kernels
        if (v.sealed()) sb.append("sl ");
        return sb.toString();
    }
}
