package io.mmemu.tlb.linux;

/**
 * What a flush asks of each CPU: Linux's struct flush_tlb_info (arch/x86/include/asm/tlbflush.h).
 * An IPI carries one of these to its target.
 *
 * @param mm the address space whose translations changed (null would mean kernel memory; not used here)
 * @param start first address, or 0 with {@code end} TLB_FLUSH_ALL
 * @param end address after the range, or {@link io.mmemu.tlb.Tlb#TLB_FLUSH_ALL}
 * @param strideShift log2 of the stride between addresses flushed one by one (12 for 4 KiB pages)
 * @param freedTables page-table pages were freed: lazy CPUs must be flushed too
 * @param newTlbGen the mm's tlb_gen after the change: a CPU at this generation is up to date
 * @param initiatingCpu the CPU that asked; flush_tlb_func() counts vmstat events only there ("local")
 * @param flowId the IPI's id in a trace (links the sender's shootdown to this receiver), 0 untraced
 */
public record FlushTlbInfo(TlbMm mm, long start, long end, int strideShift, boolean freedTables, long newTlbGen,
        int initiatingCpu, long flowId) {

    /**
     * A request not traced (flow id 0).
     *
     * @param mm            the address space
     * @param start         the range's start
     * @param end           the range's end, or TLB_FLUSH_ALL
     * @param strideShift   log2 of the stride
     * @param freedTables   whether page tables were freed
     * @param newTlbGen     the generation the request brings the CPUs to
     * @param initiatingCpu the CPU that asked
     */
    public FlushTlbInfo(TlbMm mm, long start, long end, int strideShift, boolean freedTables, long newTlbGen,
            int initiatingCpu) {
        this(mm, start, end, strideShift, freedTables, newTlbGen, initiatingCpu, 0);
    }

    /** {@return the same request as one IPI of a traced shootdown} @param id the IPI's flow id */
    FlushTlbInfo withFlowId(long id) {
        return id == 0 ? this : new FlushTlbInfo(mm, start, end, strideShift, freedTables, newTlbGen, initiatingCpu, id);
    }

    /** {@return whether this asks for a full flush (end == TLB_FLUSH_ALL)} */
    public boolean full() {
        return end == io.mmemu.tlb.Tlb.TLB_FLUSH_ALL;
    }

    @Override
    public String toString() {
        return "flush_tlb_info{mm " + (mm == null ? "-" : mm.label()) + ", "
                + (full() ? "all" : "[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")")
                + ", stride_shift " + strideShift + (freedTables ? ", freed_tables" : "") + ", new_tlb_gen " + newTlbGen
                + ", from cpu " + initiatingCpu + "}";
    }
}
