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
    /** Transparent huge pages allocated by a fault (not counted by this model). */
    THP_FAULT_ALLOC("thp_fault_alloc"),
    /** Faults that wanted a huge page and fell back to small pages (not counted by this model). */
    THP_FAULT_FALLBACK("thp_fault_fallback"),
    /** Huge pages split into small ones (not counted by this model). */
    THP_SPLIT_PAGE("thp_split_page");

    /** The counter's name in /proc/vmstat. */
    public final String procName;

    VmEvent(String procName) {
        this.procName = procName;
    }
}
