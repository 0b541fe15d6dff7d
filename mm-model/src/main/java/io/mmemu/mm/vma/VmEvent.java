package io.mmemu.mm.vma;

/** vm_event_item counters shown by --vmstat, named as /proc/vmstat names them. */
public enum VmEvent {
    PGFAULT("pgfault"),
    PGMAJFAULT("pgmajfault"),
    COW_FAULT("cow_fault"),
    ZERO_PAGE_MAP("zero_page_map"),
    STACK_EXPAND("stack_expand"),
    THP_FAULT_ALLOC("thp_fault_alloc"),
    THP_FAULT_FALLBACK("thp_fault_fallback"),
    THP_SPLIT_PAGE("thp_split_page");

    public final String procName;

    VmEvent(String procName) {
        this.procName = procName;
    }
}
