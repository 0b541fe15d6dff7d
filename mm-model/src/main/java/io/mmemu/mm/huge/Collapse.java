package io.mmemu.mm.huge;

import static io.mmemu.mm.huge.HugeMemory.HPAGE_PMD_NR;
import static io.mmemu.mm.huge.HugeMemory.HPAGE_PMD_ORDER;
import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;
import static io.mmemu.mm.phys.PageTypes.PMD_MASK;
import static io.mmemu.mm.phys.PageTypes.PMD_SIZE;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.Gfp;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;

/**
 * MADV_COLLAPSE on anonymous memory, as mm/khugepaged.c does it synchronously (madvise_collapse()
 * → hpage_collapse_scan_pmd() → collapse_huge_page()): each 2 MiB-aligned range wholly inside the
 * advised range whose PTEs map anonymous pages (or nothing, or the zero page) is copied into a
 * new order-9 folio, mapped by one writable, dirty PMD; the old pages lose this mapping (a page
 * still mapped by a fork child stays the child's), and the emptied page table is deposited
 * beside the PMD.
 *
 * <p>Unlike khugepaged, MADV_COLLAPSE ignores max_ptes_none, max_ptes_shared and the sysfs
 * enabled settings (thp_vma_allowable_order() without TVA_ENFORCE_SYSFS). As on the host (Linux
 * 6.18, where "khugepaged: drop SCAN_PAGE_RO" removed the check), a range whose PTEs are all
 * read-only, as a parent's are after fork, collapses too. A page with references beyond its
 * mappings (a GUP pin, a vmsplice'd pipe buffer) stops the collapse (SCAN_PAGE_COUNT: EAGAIN).
 *
 * <p>Not modelled: collapse of file and shmem ranges (EINVAL here), swap entries (the model has
 * no swap), khugepaged's background scan.
 */
public final class Collapse {
    private Collapse() {}

    /** The scan results that madvise_collapse() tells apart (enum scan_result, mm/khugepaged.c). */
    enum ScanResult {
        SCAN_SUCCEED, SCAN_PMD_NULL, SCAN_PMD_MAPPED, SCAN_PAGE_NULL, SCAN_PAGE_ANON, SCAN_PAGE_COUNT,
        SCAN_ADDRESS_RANGE, SCAN_ALLOC_HUGE_PAGE_FAIL
    }

    /**
     * Models madvise_collapse(), mm/khugepaged.c, for the part [start, end) of one VMA: every
     * whole PMD range in it is collapsed (or already is one); then 0, else the errno of the last
     * failure (madvise_collapse_errno(): ENOMEM without a free huge page, EAGAIN for a pinned
     * page, EINVAL otherwise).
     *
     * @param mm    the address space
     * @param vma   the VMA
     * @param start the start of the range, inside the VMA
     * @param end   the end of the range, inside the VMA
     * @return 0 or a negative errno
     */
    public static long madviseCollapse(MmStruct mm, Vma vma, long start, long end) {
        // thp_vma_allowable_order(vma, vm_flags, 0, PMD_ORDER): no sysfs check, but the VMA must allow THP.
        if (!vma.isAnonymous() || vma.has(VmFlags.VM_SHARED) || vma.has(VmFlags.VM_NOHUGEPAGE) || mm.mmfDisableThp()) {
            return -Errno.EINVAL;
        }
        long hstart = (start + PMD_SIZE - 1) & PMD_MASK;
        long hend = end & PMD_MASK;
        long thps = 0;
        ScanResult lastFail = ScanResult.SCAN_SUCCEED;
        for (long addr = hstart; addr < hend; addr += PMD_SIZE) {
            ScanResult result = hpageCollapseScanPmd(mm, vma, addr);
            switch (result) {
                case SCAN_SUCCEED, SCAN_PMD_MAPPED -> thps++;
                case SCAN_PMD_NULL, SCAN_PAGE_NULL, SCAN_PAGE_COUNT -> lastFail = result; // try the next range
                default -> {
                    return madviseCollapseErrno(result);
                }
            }
        }
        return thps == (hend - hstart) / PMD_SIZE ? 0 : madviseCollapseErrno(lastFail);
    }

    /** Models madvise_collapse_errno(). */
    private static long madviseCollapseErrno(ScanResult r) {
        return switch (r) {
            case SCAN_ALLOC_HUGE_PAGE_FAIL -> -Errno.ENOMEM;
            case SCAN_PAGE_COUNT -> -Errno.EAGAIN;
            default -> -Errno.EINVAL;
        };
    }

    /**
     * Models hpage_collapse_scan_pmd() for MADV_COLLAPSE (cc-&gt;is_khugepaged false), then
     * collapse_huge_page() when the scan succeeds.
     */
    static ScanResult hpageCollapseScanPmd(MmStruct mm, Vma vma, long haddr) {
        // hugepage_vma_revalidate() → thp_vma_suitable_order(): the VMA's offset must allow a PMD here.
        if ((((vma.start() >>> PAGE_SHIFT) - vma.pgoff()) & (HPAGE_PMD_NR - 1)) != 0
                || haddr < vma.start() || haddr + PMD_SIZE > vma.end()) {
            return ScanResult.SCAN_ADDRESS_RANGE;
        }
        PageTable pgd = mm.pgd();
        long pmdSlot = pgd.pmdSlot(haddr, false);
        // find_pmd_or_thp_or_none()
        if (pmdSlot == PageTable.NO_SLOT || !Pte.mapsPage(pgd.get(pmdSlot))) return ScanResult.SCAN_PMD_NULL;
        if ((pgd.get(pmdSlot) & Pte.PS) != 0) return ScanResult.SCAN_PMD_MAPPED;
        long tablePa = Pte.pfn(pgd.get(pmdSlot)) << PAGE_SHIFT;
        ScanResult r = scanPtes(mm.env(), pgd, tablePa);
        if (r != ScanResult.SCAN_SUCCEED) return r;
        return collapseHugePage(mm, vma, haddr, pmdSlot, tablePa);
    }

    /**
     * The PTE checks of hpage_collapse_scan_pmd() and __collapse_huge_page_isolate(): none and
     * zero-page entries are fine; a present one must map a normal (not special) anonymous page
     * whose references are its mappings (is_refcount_suitable()).
     */
    private static ScanResult scanPtes(MmEnv env, PageTable pgd, long tablePa) {
        FrameTable frames = env.frames();
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            long pte = pgd.get(tablePa + 8L * i);
            if (!Pte.mapsPage(pte) || Pte.pfn(pte) == env.zeroPfn()) continue; // pte_none() || is_zero_pfn()
            if ((pte & Pte.SPECIAL) != 0) return ScanResult.SCAN_PAGE_NULL; // vm_normal_page() is NULL
            long pfn = Pte.pfn(pte);
            if (!frames.testPageFlag(pfn, PageFlag.ANON)) return ScanResult.SCAN_PAGE_ANON;
            if (frames.pageRefCount(pfn) != frames.pageMapcount(pfn)) return ScanResult.SCAN_PAGE_COUNT;
        }
        return ScanResult.SCAN_SUCCEED;
    }

    /**
     * Models collapse_huge_page(), mm/khugepaged.c: a new order-9 folio (thp_collapse_alloc, or
     * SCAN_ALLOC_HUGE_PAGE_FAIL counting thp_collapse_alloc_failed); the PMD cleared and flushed
     * (pmdp_collapse_flush()); the pages copied (__collapse_huge_page_copy(), none and zero-page
     * entries become zeroes, each counting one more MM_ANONPAGES page), the old ones unmapped and
     * released; the emptied table deposited; the folio mapped by a PMD (writable under VM_WRITE, dirty).
     */
    private static ScanResult collapseHugePage(MmStruct mm, Vma vma, long haddr, long pmdSlot, long tablePa) {
        MmEnv env = mm.env();
        PageAllocator allocator = env.allocator();
        long head = allocator.allocPages(HPAGE_PMD_ORDER, Gfp.HIGHUSER_MOVABLE);
        if (head == PageAllocator.NO_PAGE) {
            env.count(VmEvent.THP_COLLAPSE_ALLOC_FAILED);
            return ScanResult.SCAN_ALLOC_HUGE_PAGE_FAIL;
        }
        env.count(VmEvent.THP_COLLAPSE_ALLOC);
        allocator.splitPage(head, HPAGE_PMD_ORDER);
        PageTable pgd = mm.pgd();
        long table = Pte.pfn(pgd.get(pmdSlot));
        pgd.set(pmdSlot, 0); // pmdp_collapse_flush()
        env.tlbFlush().flushTlbMmRange(mm, haddr, haddr + PMD_SIZE, false);
        FrameTable frames = env.frames();
        long noneOrZero = 0;
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            long slot = tablePa + 8L * i;
            long pte = pgd.get(slot);
            long dst = head + i;
            frames.testAndClearFresh(dst);
            if (!Pte.mapsPage(pte) || Pte.pfn(pte) == env.zeroPfn()) {
                env.mem().clearPage(dst);
                noneOrZero++;
            } else {
                long src = Pte.pfn(pte);
                env.mem().copyPage(dst, src);
                frames.decMapcount(src); // folio_remove_rmap_pte()
                env.putPage(src);
            }
            pgd.set(slot, 0); // ptep_clear()
        }
        HugeMemory.folioAddNewAnonRmap(frames, head, HPAGE_PMD_NR);
        mm.addRss(RssStat.MM_ANONPAGES, noneOrZero);
        pgd.depositTable(pmdSlot, table); // pgtable_trans_huge_deposit()
        env.thp().entireMap(head);
        pgd.set(pmdSlot, Pte.make(head, vma.pageProt(vma.has(VmFlags.VM_WRITE)) | Pte.PS | Pte.A | Pte.D));
        return ScanResult.SCAN_SUCCEED;
    }
}
