package io.mmemu.tlb.mmu;

/** Counters of one {@link Mmu}, one slot each in an enum-indexed array. */
public enum MmuStat {
    /** Page faults do_user_addr_fault() resolved on this CPU; the access was walked again. */
    PAGE_FAULTS,
    /** Page faults that ended in a signal or the OOM path: the access was refused. */
    FAULTS_NOT_RESOLVED
}
