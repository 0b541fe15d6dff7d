package io.mmemu.tlb.linux;

/** When a queued flush IPI runs flush_tlb_func() on its target. */
public enum IpiDelivery {
    /**
     * Before flush_tlb_mm_range() returns, targets in CPU order: Linux's on_each_cpu_mask(...,
     * wait=true), where the initiator spins until every target has flushed.
     */
    IMMEDIATE,
    /**
     * When the emulator calls {@link TlbManagement#deliverIpis(int)} for the target (at its next
     * scheduling point or instruction-quantum boundary) or the target switches mm. Shows the
     * window in which a remote CPU still uses the old translation.
     */
    DEFERRED
}
