package io.mmemu.mm.vma;

/** vm_event_item counters shown by --vmstat, named as /proc/vmstat names them. */
public enum VmEvent {
    /** Page faults handled (user faults reaching handle_mm_fault()). */
    PGFAULT("pgfault"),
    /** Major faults, which wait for I/O; never counted here, where file pages are read from memory. */
    PGMAJFAULT("pgmajfault"),
    /** Copy-on-write faults. */
    COW_FAULT("cow_fault"),
    /** Read faults on anonymous memory that mapped the zero page. */
    ZERO_PAGE_MAP("zero_page_map"),
    /** Stack VMAs grown down by a fault. */
    STACK_EXPAND("stack_expand"),
    /** Transparent huge pages allocated by a fault (do_huge_pmd_anonymous_page()). */
    THP_FAULT_ALLOC("thp_fault_alloc"),
    /** Faults that wanted a huge page, found no free order-9 block and fell back to small pages. */
    THP_FAULT_FALLBACK("thp_fault_fallback"),
    /**
     * Huge folios split into small ones (split_huge_page()): never counted, since this model keeps a
     * huge folio's pages apart from the start (io.mmemu.mm.huge.HugeMemory) and has no deferred split.
     */
    THP_SPLIT_PAGE("thp_split_page"),
    /** Huge PMDs split into page tables of 512 PTEs (__split_huge_pmd()). */
    THP_SPLIT_PMD("thp_split_pmd"),
    /** The huge zero page allocated, at the first read fault that maps it (get_huge_zero_folio()). */
    THP_ZERO_PAGE_ALLOC("thp_zero_page_alloc"),
    /** The huge zero page wanted but no order-9 block free. */
    THP_ZERO_PAGE_ALLOC_FAILED("thp_zero_page_alloc_failed"),
    /** Huge pages allocated to collapse a PTE-mapped range into (collapse_huge_page(), here for MADV_COLLAPSE). */
    THP_COLLAPSE_ALLOC("thp_collapse_alloc"),
    /** A collapse found no free order-9 block. */
    THP_COLLAPSE_ALLOC_FAILED("thp_collapse_alloc_failed");

    /** The counter's name in /proc/vmstat. */
    public final String procName;

    VmEvent(String procName) {
        this.procName = procName;
    }
}
