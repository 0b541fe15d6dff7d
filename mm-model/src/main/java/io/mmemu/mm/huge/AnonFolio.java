package io.mmemu.mm.huge;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.page.Gfp;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;

/**
 * Multi-size THP for anonymous memory (Linux 6.8+): a write fault in a private anonymous VMA may
 * take a folio of 4 to 256 pages (orders 2 to 8, as hugepages-NkB/enabled allow) and map all of
 * its pages with PTEs at once, as mm/memory.c's do_anonymous_page() does with alloc_anon_folio().
 *
 * <p>As for PMD-sized folios ({@link HugeMemory}), the frame table knows no compound pages: the
 * folio is one buddy block of its order, zeroed and cut into order-0 pages at once, each with
 * its own reference, map count and PG_anon_exclusive. Everything Linux does to a PTE-mapped
 * large folio one page at a time (zap of part of it, mprotect, mremap of part, fork's
 * copy_present_ptes(), the per-page copy of wp_page_copy(), reuse of an exclusive page by
 * do_wp_page()) then needs nothing special; what Linux does per folio (deferred split, folio
 * reuse when this mm maps all of it) coincides here with the per-page rule. smaps'
 * AnonHugePages counts PMD mappings only, as on Linux, so these folios never show there.
 */
public final class AnonFolio {
    private AnonFolio() {}

    /** The anonymous orders a PTE table can hold whole: 2 to PMD_ORDER - 1. */
    private static final long PTE_ORDERS = TransparentHugepage.THP_ORDERS_ALL_ANON & ~(1L << HugeMemory.HPAGE_PMD_ORDER);

    /**
     * Models the order choice of alloc_anon_folio(), mm/memory.c: thp_vma_allowable_orders() for
     * the orders below PMD_ORDER (the sysfs settings, {@link TransparentHugepage#anonOrdersEnabled};
     * a private anonymous VMA without VM_NOHUGEPAGE in an mm without MMF_DISABLE_THP),
     * thp_vma_suitable_orders() (the naturally aligned range around {@code addr} inside the VMA,
     * the VMA's page offset aligned to it), then the orders from the highest one whose range has
     * only none PTEs (pte_range_none()). Allocation-free; 0 when only order 0 remains.
     *
     * @param mm   the address space
     * @param vma  the anonymous VMA holding {@code addr}
     * @param addr the faulting address
     * @param slot the physical address of {@code addr}'s PTE
     * @return a bit per order to try, highest first; 0 for a single page
     */
    public static long anonFolioOrders(MmStruct mm, Vma vma, long addr, long slot) {
        int flags = vma.flags();
        long orders = mm.env().thp().anonOrdersEnabled((flags & VmFlags.VM_HUGEPAGE) != 0) & PTE_ORDERS;
        if (orders == 0) return 0; // the usual case: nothing more to look at
        // vma_thp_disabled(); shared anonymous memory is shmem, a file here.
        if ((flags & (VmFlags.VM_NOHUGEPAGE | VmFlags.VM_SHARED)) != 0 || mm.mmfDisableThp()) return 0;
        PageTable pgd = mm.pgd();
        long pageIndex = addr >>> PAGE_SHIFT;
        long vmaPageOffset = (vma.start() >>> PAGE_SHIFT) - vma.pgoff();
        for (int order = 63 - Long.numberOfLeadingZeros(orders); order >= 2; order--) {
            if (((orders >>> order) & 1) == 0) continue;
            int nr = 1 << order;
            long start = (pageIndex & -nr) << PAGE_SHIFT;
            // thp_vma_suitable_order()
            if ((vmaPageOffset & (nr - 1)) != 0 || start < vma.start() || start + ((long) nr << PAGE_SHIFT) > vma.end()) {
                orders &= ~(1L << order);
                continue;
            }
            if (pteRangeNone(pgd, slot - 8L * (pageIndex & (nr - 1)), nr)) return orders & ((2L << order) - 1);
            orders &= ~(1L << order);
        }
        return 0;
    }

    /** Models pte_range_none(): whether the {@code nr} PTEs from {@code firstSlot} are all none. */
    private static boolean pteRangeNone(PageTable pgd, long firstSlot, int nr) {
        for (int i = 0; i < nr; i++) {
            if (pgd.get(firstSlot + 8L * i) != 0) return false;
        }
        return true;
    }

    /**
     * Models the large-folio half of alloc_anon_folio() and do_anonymous_page(), mm/memory.c: for
     * each order of {@code orders} from the highest, a zeroed folio of that order (a failed
     * allocation counts anon_fault_fallback and tries the next order); the first one allocated
     * is mapped by all its PTEs at once (set_ptes()): new anonymous exclusive pages of this mm,
     * writable and dirty under VM_WRITE, nr pages of MM_ANONPAGES, anon_fault_alloc counted.
     *
     * @param mm     the address space
     * @param vma    the VMA
     * @param addr   the faulting address
     * @param slot   the physical address of {@code addr}'s PTE
     * @param orders what {@link #anonFolioOrders} chose, not 0
     * @return the order mapped, or 0 when no folio of those orders could be allocated (the caller
     *         falls back to a single page)
     */
    public static int doAnonymousLargePage(MmStruct mm, Vma vma, long addr, long slot, long orders) {
        MmEnv env = mm.env();
        PageAllocator allocator = env.allocator();
        for (int order = 63 - Long.numberOfLeadingZeros(orders); order >= 2; order--) {
            if (((orders >>> order) & 1) == 0) continue;
            long head = allocator.allocPages(order, Gfp.HIGHUSER_MOVABLE);
            if (head == PageAllocator.NO_PAGE) {
                env.thp().countMthp(order, MthpStat.ANON_FAULT_FALLBACK);
                continue;
            }
            int nr = 1 << order;
            allocator.splitPage(head, order);
            HugeMemory.folioZeroUser(env, head, nr);
            mapAnonFolioPtes(mm, vma, slot - 8L * ((addr >>> PAGE_SHIFT) & (nr - 1)), head, nr);
            env.thp().countMthp(order, MthpStat.ANON_FAULT_ALLOC);
            return order;
        }
        return 0;
    }

    /** folio_add_new_anon_rmap() and set_ptes() for a new folio of {@code nr} pages. */
    private static void mapAnonFolioPtes(MmStruct mm, Vma vma, long firstSlot, long head, int nr) {
        HugeMemory.folioAddNewAnonRmap(mm.env().frames(), head, nr);
        PageTable pgd = mm.pgd();
        // pte_mkwrite(pte_mkdirty()) only under VM_WRITE (a FOLL_FORCE write to a read-only VMA).
        boolean writable = vma.has(VmFlags.VM_WRITE);
        long prot = vma.pageProt(writable) | (writable ? Pte.D : 0);
        for (int i = 0; i < nr; i++) pgd.set(firstSlot + 8L * i, Pte.make(head + i, prot));
        mm.addRss(RssStat.MM_ANONPAGES, nr);
    }
}
