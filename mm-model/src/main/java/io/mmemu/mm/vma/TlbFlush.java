package io.mmemu.mm.vma;

/**
 * How the memory model asks the CPUs to drop translations and translated code: implemented by
 * the layer that owns the CPUs (the TLB model and the Unicorn engines), so that mm-model does not
 * depend on them.
 */
public interface TlbFlush {
    /**
     * Models flush_tlb_mm_range(), arch/x86/mm/tlb.c: translations of {@code mm} for
     * [start, end) changed or went away; {@code freedTables} when page-table pages were freed.
     */
    void flushTlbMmRange(MmStruct mm, long start, long end, boolean freedTables);

    /** A frame that once held executable code is about to get new contents: drop translated code. */
    void flushTranslatedCode();

    /** Models destroy_context(), after exit_mmap(): the mm is gone; CPUs lazily on it leave it. */
    default void destroyContext(MmStruct mm) {}

    /** For models with no CPUs (unit tests): does nothing. */
    TlbFlush NONE = new TlbFlush() {
        @Override
        public void flushTlbMmRange(MmStruct mm, long start, long end, boolean freedTables) {}

        @Override
        public void flushTranslatedCode() {}
    };
}
