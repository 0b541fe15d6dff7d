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
 */
public record FlushTlbInfo(TlbMm mm, long start, long end, int strideShift, boolean freedTables, long newTlbGen,
        int initiatingCpu) {

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
