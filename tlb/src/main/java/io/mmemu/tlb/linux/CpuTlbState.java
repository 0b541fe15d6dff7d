package io.mmemu.tlb.linux;

import io.mmemu.tlb.CpuTlb;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One CPU's TLB bookkeeping: Linux's per-CPU cpu_tlbstate (arch/x86/include/asm/tlbflush.h,
 * with is_lazy from cpu_tlbstate_shared), together with the CPU's hardware TLB model and its
 * queue of flush IPIs not yet handled.
 *
 * <p>Invariant, kept by {@link TlbManagement}: the hardware holds non-global entries under PCID
 * {@code kern_pcid(asid)} only for the mm whose ctx_id {@code ctxs[asid]} names, and they are up
 * to date with that mm's page tables as of {@code ctxs[asid].tlbGen}. For the loaded ASID this is
 * what flush_tlb_func() compares with the mm's tlb_gen.
 */
public final class CpuTlbState {
    final int cpu;
    final CpuTlb hw;
    /** cpu_tlbstate.loaded_mm: the mm whose page tables CR3 points at (init_mm when none). */
    TlbMm loadedMm;
    /** cpu_tlbstate.loaded_mm_asid: the ASID slot CR3's PCID comes from. */
    int loadedMmAsid;
    /** cpu_tlbstate_shared.is_lazy: a kernel thread runs on loadedMm's tables without using them. */
    boolean isLazy;
    /** cpu_tlbstate.next_asid: the slot choose_new_asid() hands out next (round robin over 1..5, then 0). */
    int nextAsid;
    /** cpu_tlbstate.ctxs[TLB_NR_DYN_ASIDS]. */
    final TlbContext[] ctxs;
    /** The CR3 value last written, without NOFLUSH. */
    long cr3;
    /** Flush IPIs sent to this CPU and not yet handled, oldest first. */
    final ArrayDeque<FlushTlbInfo> ipiQueue = new ArrayDeque<>();
    final long[] events = new long[TlbEvent.values().length];
    /** Flush IPIs fault injection holds back (fail_ipi action=delay), oldest first, each with the kernel entry it is due at. */
    final ArrayDeque<DelayedIpi> delayedIpis = new ArrayDeque<>();
    /** This CPU's kernel entries so far ({@link TlbManagement#enterKernel}): what a delayed IPI waits for. */
    long kernelEntries;

    /** A flush IPI held back until this CPU's {@code due}-th kernel entry. */
    record DelayedIpi(FlushTlbInfo info, long due) {}

    CpuTlbState(int cpu, CpuTlb hw, int nrAsids) {
        this.cpu = cpu;
        this.hw = hw;
        this.ctxs = new TlbContext[nrAsids];
        for (int i = 0; i < nrAsids; i++) ctxs[i] = new TlbContext();
    }

    void count(TlbEvent e) {
        events[e.ordinal()]++;
    }

    void count(TlbEvent e, long n) {
        events[e.ordinal()] += n;
    }

    /** {@return the CPU number this state belongs to} */
    public int cpu() {
        return cpu;
    }

    /** {@return the CPU's hardware TLB model} */
    public CpuTlb hardware() {
        return hw;
    }

    /** {@return cpu_tlbstate.loaded_mm: the mm whose page tables CR3 points at} */
    public TlbMm loadedMm() {
        return loadedMm;
    }

    /** {@return cpu_tlbstate.loaded_mm_asid: the ASID slot the loaded mm runs under} */
    public int loadedMmAsid() {
        return loadedMmAsid;
    }

    /** {@return cpu_tlbstate_shared.is_lazy: a kernel thread borrows the loaded mm} */
    public boolean isLazy() {
        return isLazy;
    }

    /** {@return cpu_tlbstate.next_asid: the slot choose_new_asid() takes next when no slot holds the mm} */
    public int nextAsid() {
        return nextAsid;
    }

    /**
     * Models cpu_tlbstate.ctxs[asid].
     *
     * @param asid an ASID slot, 0 to {@code nrAsids() - 1}
     * @return the slot
     */
    public TlbContext ctx(int asid) {
        return ctxs[asid];
    }

    /** {@return the number of ASID slots (TLB_NR_DYN_ASIDS)} */
    public int nrAsids() {
        return ctxs.length;
    }

    /**
     * {@return the CR3 value last written, without NOFLUSH: the PGD address and, with PCID, kern_pcid(loadedMmAsid)}
     */
    public long cr3() {
        return cr3;
    }

    /** {@return the number of flush IPIs waiting for this CPU} */
    public int pendingIpis() {
        return ipiQueue.size();
    }

    /**
     * This CPU's count of {@code e}.
     *
     * @param e an event
     * @return how often it happened on this CPU
     */
    public long event(TlbEvent e) {
        return events[e.ordinal()];
    }

    /**
     * The bookkeeping as lines: loaded mm, ASID, lazy, next ASID, each slot, pending IPIs.
     *
     * @return the dump as text
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("cpu ").append(cpu).append(": loaded_mm ").append(loadedMm.label()).append(", loaded_mm_asid ")
                .append(loadedMmAsid).append(isLazy ? ", lazy" : "").append(", next_asid ").append(nextAsid)
                .append(", cr3 0x").append(Long.toHexString(cr3)).append(", pending IPIs ").append(ipiQueue.size()).append('\n');
        for (int a = 0; a < ctxs.length; a++) {
            sb.append(String.format(Locale.ROOT, "  ctxs[%d] ctx_id %d tlb_gen %d%s%n", a, ctxs[a].ctxId, ctxs[a].tlbGen,
                    a == loadedMmAsid ? "  <- loaded" : ""));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return dump();
    }
}
