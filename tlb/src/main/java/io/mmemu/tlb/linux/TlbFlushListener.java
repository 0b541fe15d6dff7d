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

    /** A listener that ignores every change. */
    TlbFlushListener NONE = cpu -> {};
}
