package io.mmemu.emulator.cpu;

/** The per-CPU counters of {@link CpuStats}, one slot each in its enum-indexed array. */
public enum CpuStat {
    /** Translations handed to Unicorn's TLB (UC_HOOK_TLB_FILL calls answered from the model TLB or a walk). */
    TLB_FILLS,
    /** Full flushes of Unicorn's TLB ({@link Cpu#flushUnicornTlb}). */
    TLB_FLUSHES,
    /** Range flushes of Unicorn's TLB done page by page ({@link Cpu#flushUnicornTlbRange}). */
    TLB_PAGE_FLUSHES,
    /** Flushes of Unicorn's translated code between runs (cross-modifying code, a frame that held code rewritten). */
    TB_FLUSHES,
    /** syscall instructions the CPU took. */
    SYSCALLS
}
