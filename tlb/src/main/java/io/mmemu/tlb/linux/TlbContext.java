package io.mmemu.tlb.linux;

/**
 * One ASID slot of a CPU: Linux's struct tlb_context (arch/x86/include/asm/tlbflush.h), an
 * element of cpu_tlbstate.ctxs[]. It says which mm's translations the hardware may hold under
 * this ASID's PCID, and up to which tlb_gen they have been flushed.
 */
public final class TlbContext {
    /** The ctx_id of the mm that last used this ASID on this CPU; 0 for none. */
    long ctxId;
    /** The mm's tlb_gen this CPU's entries for it are up to date with (local_tlb_gen while loaded). */
    long tlbGen;

    /** An unused slot: no mm, generation 0. */
    public TlbContext() {}

    /** {@return the ctx_id of the mm that last used this ASID on this CPU; 0 for none} */
    public long ctxId() {
        return ctxId;
    }

    /** {@return the tlb_gen this CPU's entries for that mm are up to date with} */
    public long tlbGen() {
        return tlbGen;
    }
}
