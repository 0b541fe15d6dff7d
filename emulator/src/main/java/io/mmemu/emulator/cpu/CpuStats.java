package io.mmemu.emulator.cpu;

import java.util.Locale;

/**
 * Per-CPU counters shown by --stats: one enum-indexed array ({@link CpuStat}), not a field per
 * counter. Plain longs: one host thread drives each CPU. The page faults a CPU resolved are its
 * MMU's to count ({@link io.mmemu.tlb.mmu.MmuStat}).
 */
public final class CpuStats {
    /** The fill hook's counter, as a constant index so that counting it is one increment (as CpuTlb's are). */
    private static final int TLB_FILLS = CpuStat.TLB_FILLS.ordinal();

    private final long[] counts = new long[CpuStat.values().length];

    /** Only a {@link Cpu} keeps counters: one set each. */
    CpuStats() {
    }

    /**
     * The value of one counter.
     *
     * @param s the counter
     * @return its value
     */
    public long get(CpuStat s) {
        return counts[s.ordinal()];
    }

    /** Adds one to {@code s}. */
    void count(CpuStat s) {
        counts[s.ordinal()]++;
    }

    /** Adds one to {@link CpuStat#TLB_FILLS}: the fill hook's path. */
    void countTlbFill() {
        counts[TLB_FILLS]++;
    }

    /** Adds {@code n} to {@link CpuStat#TLB_FILLS}: precise mode's data lookups counted natively, each a fill otherwise. */
    void countTlbFills(long n) {
        counts[TLB_FILLS] += n;
    }

    /** The counters as {@code name value} pairs, for a failure message. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (CpuStat s : CpuStat.values()) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(s.name().toLowerCase(Locale.ROOT)).append(' ').append(counts[s.ordinal()]);
        }
        return sb.toString();
    }
}
