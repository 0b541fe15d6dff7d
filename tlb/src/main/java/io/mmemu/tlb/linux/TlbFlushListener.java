package io.mmemu.tlb.linux;

/**
 * Told when TLB management changed a CPU's hardware TLB model (a CR3 load, a flush, INVLPG), so
 * that whoever caches translations beside the model (the emulator's engines) can drop that CPU's
 * copy, which may hold only what the model holds.
 */
@FunctionalInterface
public interface TlbFlushListener {
    /**
     * The hardware TLB model of {@code cpu} lost entries or got a new CR3.
     *
     * @param cpu the CPU whose TLB model changed
     */
    void tlbFlushed(int cpu);

    /**
     * The hardware TLB model of {@code cpu} lost the entries of the pages in [{@code start},
     * {@code end}) and no others (flush_tlb_func()'s partial flush, one INVLPG per page). By
     * default the same as {@link #tlbFlushed}.
     *
     * @param cpu   the CPU whose TLB model changed
     * @param start the first address flushed, page aligned
     * @param end   the end of the range, exclusive
     */
    default void tlbFlushedRange(int cpu, long start, long end) {
        tlbFlushed(cpu);
    }

    /** A listener that ignores every change. */
    TlbFlushListener NONE = cpu -> {};
}
