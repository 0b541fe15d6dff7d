package io.mmemu.mm.huge;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;
import static io.mmemu.mm.phys.PageTypes.PMD_MASK;
import static io.mmemu.mm.phys.PageTypes.PMD_SIZE;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.Gfp;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.util.Arrays;

/**
 * Anonymous transparent huge pages at fault time, as mm/huge_memory.c does them in Linux 6.x: a
 * 2 MiB PMD leaf (PS) mapping an order-9 folio, made by a fault in an eligible range, shared
 * write-protected by fork, reused or split by a write fault, zapped whole or split when only
 * part of it goes.
 *
 * <p>Frames: the folio is allocated as one order-9 buddy block and at once {@link
 * PageAllocator#splitPage split} into 512 order-0 pages, each with its own reference and map
 * count (what split_huge_page() leaves), because the frame table knows no compound pages. A PMD
 * mapping counts as one mapping (and, for anonymous memory, one reference) of each of the 512
 * frames, so every frame's counts stay what the rest of the model expects, and a split of the
 * PMD into 512 PTEs changes no count. Only the folio's entire mapcount, which decides
 * AnonHugePages, is kept per folio ({@link TransparentHugepage}).
 *
 * <p>Page tables: each huge PMD has a page table deposited beside it
 * (pgtable_trans_huge_deposit()), so a split never needs memory.
 *
 * <p>The huge zero page: a read fault maps it read-only (a special PMD, counted nowhere); a
 * write to it replaces it with a fresh huge page (do_huge_zero_wp_pmd(), Linux 6.16 and later,
 * measured on the host's 6.18: thp_fault_alloc counts it, no PMD is split), or, when no order-9
 * block is free, splits it into 512 PTEs of the 4 KiB zero page and copies one page.
 *
 * <p>Smaller anonymous folios (mTHP, mapped by PTEs) are {@link AnonFolio}'s; MADV_COLLAPSE is
 * {@link Collapse}'s.
 *
 * <p>Not modelled: khugepaged's background collapse, deferred splitting of partly
 * unmapped folios (their frames are already order-0 pages here), mremap's move_huge_pmd (a
 * moved range is split first).
 */
public final class HugeMemory {
    private HugeMemory() {}

    /** HPAGE_PMD_ORDER: a PMD maps 2^9 pages. */
    public static final int HPAGE_PMD_ORDER = PageTypes.PMD_SHIFT - PAGE_SHIFT;
    /** HPAGE_PMD_NR: 512 pages per huge page. */
    public static final int HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;
    /** VM_FAULT_FALLBACK: the huge-page path declined; the fault goes on with 4 KiB pages. */
    public static final int VM_FAULT_FALLBACK = 0x0800;
    /** VM_FAULT_OOM, include/linux/mm_types.h. */
    public static final int VM_FAULT_OOM = 0x0001;
    /** Bits of a PMD leaf that its PTEs inherit on a split (all but PS and the large-page PAT bit). */
    private static final long PTE_FROM_PMD = ~(Pte.ADDR_MASK | Pte.PS | Pte.PAT_LARGE | Pte.SPECIAL);

    /**
     * Models thp_vma_allowable_order() for PMD_ORDER at fault time, with thp_vma_suitable_order():
     * a private anonymous VMA, not VM_NOHUGEPAGE, in an mm without MMF_DISABLE_THP, allowed by
     * hugepages-2048kB/enabled (always; madvise with VM_HUGEPAGE; or inherit, the boot setting,
     * and the global policy allows it), whose huge page around {@code addr} lies
     * wholly inside it with the page offset aligned to it.
     *
     * @param mm   the address space
     * @param vma  the VMA holding {@code addr}
     * @param addr the faulting address
     * @return whether the fault may map a huge page there
     */
    public static boolean thpVmaAllowable(MmStruct mm, Vma vma, long addr) {
        int flags = vma.flags();
        // vma_thp_disabled(); shared anonymous memory is shmem (a file here), never anonymous.
        if (!vma.isAnonymous() || (flags & (VmFlags.VM_NOHUGEPAGE | VmFlags.VM_SHARED)) != 0 || mm.mmfDisableThp()) {
            return false;
        }
        // thp_vma_allowable_orders() with TVA_ENFORCE_SYSFS: hugepages-2048kB/enabled, or the global policy it inherits.
        if ((mm.env().thp().anonOrdersEnabled((flags & VmFlags.VM_HUGEPAGE) != 0) & (1L << HPAGE_PMD_ORDER)) == 0) return false;
        // vma_is_temporary_stack() is only exec's stack under construction; the model builds it without faults.
        long haddr = addr & PMD_MASK;
        if ((((vma.start() >>> PAGE_SHIFT) - vma.pgoff()) & (HPAGE_PMD_NR - 1)) != 0) return false;
        return haddr >= vma.start() && haddr + PMD_SIZE <= vma.end();
    }

    /**
     * Models mm_get_huge_zero_folio() → get_huge_zero_folio(), mm/huge_memory.c: the huge zero
     * folio, allocated and zeroed at its first use (thp_zero_page_alloc), or NO_PAGE when no
     * order-9 block is free (thp_zero_page_alloc_failed).
     *
     * @param env the memory model
     * @return the folio's first frame, or NO_PAGE
     */
    public static long getHugeZeroFolio(MmEnv env) {
        TransparentHugepage thp = env.thp();
        if (thp.hugeZeroPfn() >= 0) return thp.hugeZeroPfn();
        long head = env.allocator().allocPages(HPAGE_PMD_ORDER, Gfp.HIGHUSER_MOVABLE);
        if (head == PageAllocator.NO_PAGE) {
            env.count(VmEvent.THP_ZERO_PAGE_ALLOC_FAILED);
            return head;
        }
        clearHugePage(env, head);
        env.frames().setPageFlag(head, PageFlag.ZERO_PAGE);
        thp.setHugeZeroPfn(head);
        env.count(VmEvent.THP_ZERO_PAGE_ALLOC);
        return head;
    }

    /**
     * Models is_huge_zero_pmd(): whether a huge PMD maps the huge zero page (the model marks it special).
     *
     * @param pmd a huge PMD leaf
     * @return whether it maps the huge zero page
     */
    public static boolean isHugeZeroPmd(long pmd) {
        return (pmd & Pte.SPECIAL) != 0;
    }

    /**
     * Models do_huge_pmd_anonymous_page() → __do_huge_pmd_anonymous_page(), mm/huge_memory.c: a
     * read fault with use_zero_page maps the huge zero page read-only (set_huge_zero_folio());
     * otherwise a zeroed order-9 folio ({@link #vmaAllocAnonFolioPmd}; none free falls back) is
     * mapped by a dirty PMD leaf ({@link #mapAnonFolioPmd}).
     *
     * @param mm      the address space
     * @param vma     the VMA, {@link #thpVmaAllowable eligible} at {@code addr}
     * @param addr    the faulting address
     * @param pmdSlot the empty PD entry for {@code addr}
     * @param write   whether the fault is a write
     * @return 0, VM_FAULT_OOM (no page table to deposit) or {@link #VM_FAULT_FALLBACK}
     */
    public static int doHugePmdAnonymousPage(MmStruct mm, Vma vma, long addr, long pmdSlot, boolean write) {
        MmEnv env = mm.env();
        if (!write && env.thp().useZeroPage()) return setHugeZeroFolio(mm, vma, pmdSlot);
        long head = vmaAllocAnonFolioPmd(env);
        if (head == PageAllocator.NO_PAGE) return VM_FAULT_FALLBACK;
        if (!mm.pgd().depositTable(pmdSlot)) {
            env.allocator().freePages(head, HPAGE_PMD_ORDER);
            return VM_FAULT_OOM;
        }
        mapAnonFolioPmd(mm, vma, pmdSlot, head);
        return 0;
    }

    /**
     * Models vma_alloc_anon_folio_pmd(), mm/huge_memory.c: an order-9 block, zeroed
     * (folio_zero_user()) and cut into 512 order-0 pages (see the class comment), or NO_PAGE
     * counting thp_fault_fallback.
     */
    private static long vmaAllocAnonFolioPmd(MmEnv env) {
        PageAllocator allocator = env.allocator();
        long head = allocator.allocPages(HPAGE_PMD_ORDER, Gfp.HIGHUSER_MOVABLE);
        if (head == PageAllocator.NO_PAGE) {
            env.count(VmEvent.THP_FAULT_FALLBACK);
            env.thp().countMthp(HPAGE_PMD_ORDER, MthpStat.ANON_FAULT_FALLBACK);
            return head;
        }
        allocator.splitPage(head, HPAGE_PMD_ORDER);
        clearHugePage(env, head);
        return head;
    }

    /** Models clear_huge_page() / folio_zero_user(): zeroes the 512 frames, but those known fresh (still zero). */
    private static void clearHugePage(MmEnv env, long head) {
        folioZeroUser(env, head, HPAGE_PMD_NR);
    }

    /** Models folio_zero_user(): zeroes {@code nr} frames from {@code head}, but those known fresh (still zero). */
    static void folioZeroUser(MmEnv env, long head, int nr) {
        FrameTable frames = env.frames();
        PhysicalMemory mem = env.mem();
        for (long pfn = head; pfn < head + nr; pfn++) {
            if (!frames.testAndClearFresh(pfn)) mem.clearPage(pfn);
        }
    }

    /**
     * Models map_anon_folio_pmd(), mm/huge_memory.c: the new folio joins the mm (rmap, 512 pages
     * of MM_ANONPAGES, thp_fault_alloc) under a dirty PMD leaf, writable under VM_WRITE
     * (maybe_pmd_mkwrite()); the PMD's table is already deposited.
     */
    private static void mapAnonFolioPmd(MmStruct mm, Vma vma, long pmdSlot, long head) {
        MmEnv env = mm.env();
        folioAddNewAnonRmap(env.frames(), head, HPAGE_PMD_NR);
        env.thp().entireMap(head);
        mm.addRss(RssStat.MM_ANONPAGES, HPAGE_PMD_NR);
        mm.pgd().set(pmdSlot, Pte.make(head, vma.pageProt(vma.has(VmFlags.VM_WRITE)) | Pte.PS | Pte.A | Pte.D));
        env.count(VmEvent.THP_FAULT_ALLOC);
        env.thp().countMthp(HPAGE_PMD_ORDER, MthpStat.ANON_FAULT_ALLOC);
    }

    /**
     * Models folio_add_new_anon_rmap() of a new exclusive folio (__folio_set_anon(..., true)) cut
     * into {@code nr} order-0 pages from {@code head}: each page PG_anon, PG_anon_exclusive, mapped once.
     */
    static void folioAddNewAnonRmap(FrameTable frames, long head, int nr) {
        for (long pfn = head; pfn < head + nr; pfn++) {
            frames.setPageFlag(pfn, PageFlag.ANON);
            frames.setPageFlag(pfn, PageFlag.ANON_EXCLUSIVE);
            frames.incMapcount(pfn);
        }
    }

    /** The read-fault half of do_huge_pmd_anonymous_page(): the huge zero page, read-only (set_huge_zero_folio()). */
    private static int setHugeZeroFolio(MmStruct mm, Vma vma, long pmdSlot) {
        MmEnv env = mm.env();
        long zero = getHugeZeroFolio(env);
        if (zero == PageAllocator.NO_PAGE) {
            env.count(VmEvent.THP_FAULT_FALLBACK);
            return VM_FAULT_FALLBACK;
        }
        if (!mm.pgd().depositTable(pmdSlot)) return VM_FAULT_OOM;
        mm.pgd().set(pmdSlot, Pte.make(zero, vma.pageProt(false) | Pte.PS | Pte.SPECIAL));
        return 0;
    }

    /**
     * Models do_huge_pmd_wp_page(), mm/huge_memory.c (Linux 6.x): a write to a write-protected
     * huge PMD of a writable VMA. A folio nobody else holds is reused in place; a shared one
     * (after fork) has its PMD split, and the fault falls back to a 4 KiB copy-on-write. The
     * huge zero page is replaced by a new huge page (do_huge_zero_wp_pmd()), or split when none
     * can be allocated.
     *
     * @param mm      the address space
     * @param vma     the VMA, writable
     * @param addr    the faulting address
     * @param pmdSlot the PD entry, a huge leaf
     * @param pmd     its value
     * @return 0, or {@link #VM_FAULT_FALLBACK} after splitting
     */
    public static int doHugePmdWpPage(MmStruct mm, Vma vma, long addr, long pmdSlot, long pmd) {
        MmEnv env = mm.env();
        FrameTable frames = env.frames();
        long head = Pte.pfn(pmd);
        if (isHugeZeroPmd(pmd)) {
            long folio = vmaAllocAnonFolioPmd(env); // do_huge_zero_wp_pmd()
            if (folio != PageAllocator.NO_PAGE) {
                mm.pgd().set(pmdSlot, 0); // pmdp_huge_clear_flush()
                env.tlbFlush().flushTlbMmRange(mm, addr & PMD_MASK, (addr & PMD_MASK) + PMD_SIZE, false);
                mapAnonFolioPmd(mm, vma, pmdSlot, folio);
                return 0;
            }
            splitHugePmd(mm, pmdSlot, addr & PMD_MASK);
            return VM_FAULT_FALLBACK;
        }
        boolean exclusive = true; // folio_ref_count(folio) == 1, over the 512 pages this model keeps apart
        for (long pfn = head; pfn < head + HPAGE_PMD_NR && exclusive; pfn++) exclusive = frames.pageRefCount(pfn) == 1;
        if (exclusive) {
            for (long pfn = head; pfn < head + HPAGE_PMD_NR; pfn++) frames.setPageFlag(pfn, PageFlag.ANON_EXCLUSIVE);
            // maybe_pmd_mkwrite(): a FOLL_FORCE write to a read-only VMA leaves the PMD read-only.
            mm.pgd().set(pmdSlot, pmd | (vma.has(VmFlags.VM_WRITE) ? Pte.RW : 0) | Pte.A | Pte.D);
            return 0;
        }
        splitHugePmd(mm, pmdSlot, addr & PMD_MASK);
        return VM_FAULT_FALLBACK;
    }

    /**
     * Models zap_huge_pmd(), mm/huge_memory.c: clears a huge PMD, frees its deposited table, and
     * drops its mapping and reference of each page (the folio goes when the last one does).
     *
     * @param mm      the address space
     * @param pmdSlot the PD entry, a huge leaf
     * @param pmd     its value
     */
    public static void zapHugePmd(MmStruct mm, long pmdSlot, long pmd) {
        MmEnv env = mm.env();
        PageTable pgd = mm.pgd();
        pgd.set(pmdSlot, 0);
        pgd.zapDepositedTable(pmdSlot);
        if (isHugeZeroPmd(pmd)) return; // no reference, no RSS
        long head = Pte.pfn(pmd);
        env.thp().entireUnmap(head);
        mm.addRss(RssStat.MM_ANONPAGES, -HPAGE_PMD_NR);
        FrameTable frames = env.frames();
        for (long pfn = head; pfn < head + HPAGE_PMD_NR; pfn++) {
            frames.decMapcount(pfn);
            env.putPage(pfn);
        }
    }

    /**
     * Models __split_huge_pmd() → __split_huge_pmd_locked(), mm/huge_memory.c: the huge PMD at
     * {@code pmdSlot} becomes its deposited page table filled with 512 PTEs mapping the same
     * frames with the same rights, accessed and dirty bits; counts thp_split_pmd and flushes the
     * range (pmdp_invalidate()). The huge zero page becomes 512 PTEs of the 4 KiB zero page
     * (__split_huge_zero_page_pmd()).
     *
     * @param mm      the address space
     * @param pmdSlot the PD entry, a huge leaf
     * @param haddr   the 2 MiB-aligned address it maps
     */
    public static void splitHugePmd(MmStruct mm, long pmdSlot, long haddr) {
        MmEnv env = mm.env();
        PageTable pgd = mm.pgd();
        long pmd = pgd.get(pmdSlot);
        long table = pgd.withdrawTable(pmdSlot);
        long head = Pte.pfn(pmd);
        long flags = pmd & PTE_FROM_PMD;
        long tablePa = table << PAGE_SHIFT;
        boolean zero = isHugeZeroPmd(pmd);
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            pgd.set(tablePa + 8L * i, zero ? Pte.make(env.zeroPfn(), flags | Pte.SPECIAL) : Pte.make(head + i, flags));
        }
        pgd.set(pmdSlot, Pte.make(table, Pte.PAGE_TABLE));
        if (!zero) env.thp().entireUnmap(head);
        env.count(VmEvent.THP_SPLIT_PMD);
        env.tlbFlush().flushTlbMmRange(mm, haddr, haddr + PMD_SIZE, false);
    }

    /**
     * Models split_huge_pmd_address() as vma_adjust_trans_huge() and zap_pmd_range() use it: when
     * {@code addr} falls inside (not at the start of) a huge PMD, splits that PMD, so that a
     * boundary at {@code addr} cuts page tables, not a huge page.
     *
     * @param mm   the address space
     * @param addr a page-aligned address
     */
    public static void splitHugePmdAddress(MmStruct mm, long addr) {
        if ((addr & ~PMD_MASK) == 0 || Long.compareUnsigned(addr, MmStruct.TASK_SIZE) >= 0) return;
        long slot = mm.pgd().hugePmdSlot(addr);
        if (slot != PageTable.NO_SLOT) splitHugePmd(mm, slot, addr & PMD_MASK);
    }

    /**
     * Splits every huge PMD in [start, end), as move_page_tables() does where it cannot move whole PMDs.
     *
     * @param mm    the address space
     * @param start the start of the range
     * @param end   the end of the range, exclusive
     */
    public static void splitHugePmdRange(MmStruct mm, long start, long end) {
        PageTable pgd = mm.pgd();
        long[][] found = {new long[4]};
        int[] n = {0};
        pgd.forEachPresentPte(start, end, (va, slot, pte) -> {
            if ((pte & Pte.PS) == 0) return;
            if (n[0] == found[0].length) found[0] = Arrays.copyOf(found[0], 2 * n[0]);
            found[0][n[0]++] = va;
        });
        for (int i = 0; i < n[0]; i++) {
            long va = found[0][i];
            splitHugePmd(mm, pgd.hugePmdSlot(va), va);
        }
    }

    /**
     * Models copy_huge_pmd(), mm/huge_memory.c, for fork: the child's PMD maps the same folio (a
     * table deposited for it, a reference and a mapping of each page taken), both write-protected
     * so that the first write splits or reuses, the child's entry old.
     *
     * @param dst     the child's address space
     * @param src     the parent's address space
     * @param haddr   the 2 MiB-aligned address
     * @param srcSlot the parent's PD entry, a huge leaf
     * @param pmd     its value
     * @return false when the child's tables could not be allocated (fork fails)
     */
    public static boolean copyHugePmd(MmStruct dst, MmStruct src, long haddr, long srcSlot, long pmd) {
        PageTable to = dst.pgd();
        long dstSlot = to.pmdSlot(haddr, true);
        if (dstSlot == PageTable.NO_SLOT || !to.depositTable(dstSlot)) return false;
        MmEnv env = src.env();
        FrameTable frames = env.frames();
        long head = Pte.pfn(pmd);
        if (!isHugeZeroPmd(pmd)) {
            for (long pfn = head; pfn < head + HPAGE_PMD_NR; pfn++) {
                frames.getPage(pfn);
                frames.incMapcount(pfn);
                frames.clearPageFlag(pfn, PageFlag.ANON_EXCLUSIVE); // shared with the child now
            }
            env.thp().entireMap(head);
            dst.addRss(RssStat.MM_ANONPAGES, HPAGE_PMD_NR);
        }
        src.pgd().set(srcSlot, pmd & ~Pte.RW); // pmdp_set_wrprotect()
        to.set(dstSlot, pmd & ~(Pte.RW | Pte.A)); // pmd_mkold(pmd_wrprotect(pmd))
        return true;
    }
}
