package io.mmemu.mm.vma;

/**
 * How the memory model asks the CPUs to drop translations: implemented by the layer that owns
 * the CPUs' TLBs (Linux's TLB management in tlb), so that mm-model does not depend on them.
 */
@FunctionalInterface
public interface TlbFlush {
    /**
     * Models flush_tlb_mm_range(), arch/x86/mm/tlb.c: translations of {@code mm} for
     * [start, end) changed or went away; {@code freedTables} when page-table pages were freed.
     *
     * @param mm          the address space
     * @param start       the start of the range
     * @param end         the end of the range, exclusive
     * @param freedTables whether page-table pages were freed
     */
    void flushTlbMmRange(MmStruct mm, long start, long end, boolean freedTables);

    /**
     * Models destroy_context(), after exit_mmap(): the mm is gone; CPUs lazily on it leave it.
     *
     * @param mm the address space
     */
    default void destroyContext(MmStruct mm) {}

    /** For models with no CPUs (unit tests): does nothing. */
    TlbFlush NONE = (mm, start, end, freedTables) -> {};
}
