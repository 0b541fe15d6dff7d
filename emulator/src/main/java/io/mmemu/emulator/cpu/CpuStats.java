package io.mmemu.emulator.cpu;

/** Per-CPU counters shown by --stats. Plain fields: one host thread drives each CPU. */
public final class CpuStats {
    /** Translations handed to Unicorn's TLB (UC_HOOK_TLB_FILL calls answered). */
    public long tlbFills;
    /** Page faults resolved by the model on this CPU. */
    public long pageFaults;
    /** Full flushes of Unicorn's TLB. */
    public long tlbFlushes;
    public long syscalls;
}
