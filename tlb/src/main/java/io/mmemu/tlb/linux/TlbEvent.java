package io.mmemu.tlb.linux;

/**
 * Counters of TLB management, one enum-indexed array per CPU ({@link CpuTlbState#event}) summed
 * for the system ({@link TlbManagement#event}) as /proc/vmstat sums vm_event_states. The first
 * four are Linux's vm_event_item names (include/linux/vm_event_item.h) counted where tlb.c
 * counts them; the rest are the model's own and say so.
 */
public enum TlbEvent {
    /** nr_tlb_remote_flush: native_flush_tlb_multi() calls, counted on the initiating CPU. */
    NR_TLB_REMOTE_FLUSH,
    /** nr_tlb_remote_flush_received: flush_tlb_func() run for another CPU's request, counted on the receiver. */
    NR_TLB_REMOTE_FLUSH_RECEIVED,
    /** nr_tlb_local_flush_all: flush_tlb_func() chose a full flush for the local CPU's own request. */
    NR_TLB_LOCAL_FLUSH_ALL,
    /** nr_tlb_local_flush_one: pages flushed one by one for the local CPU's own request. */
    NR_TLB_LOCAL_FLUSH_ONE,
    /** Model: switch_mm_irqs_off() loaded CR3 with a flush (trace reason TLB_FLUSH_ON_TASK_SWITCH, TLB_FLUSH_ALL). */
    TLB_FLUSH_ON_TASK_SWITCH,
    /** Model: switch_mm_irqs_off() loaded CR3 with NOFLUSH, keeping the ASID's entries. */
    TLB_SWITCH_NOFLUSH,
    /** Model: an ASID slot was taken from another mm (choose_new_asid() found no slot with next's ctx_id). */
    ASID_REUSED,
    /** Model: flush IPIs queued, counted on the initiating CPU (one per target). */
    IPI_SENT,
    /** Model: flush IPIs the fault injection dropped, counted on the initiating CPU. */
    IPI_DROPPED,
    /** Model: flush IPIs the fault injection delayed to a later kernel entry of their target, counted on the initiating CPU. */
    IPI_DELAYED,
    /** Model: CPUs in mm_cpumask that native_flush_tlb_multi() skipped because they were lazy and no tables were freed. */
    LAZY_CPU_SKIPPED,
    /** Model: flush_tlb_func() found a lazy CPU and switched it to init_mm instead of flushing. */
    LAZY_SWITCH_TO_INIT_MM
}
