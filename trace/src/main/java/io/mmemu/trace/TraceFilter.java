package io.mmemu.trace;

import java.util.List;
import java.util.Locale;

/**
 * Which events a trace keeps, from {@code --trace-filter KEY=VALUE} options (each may be given
 * once; all given must hold): as with CR3 filtering on real hardware (Intel PT's CR3 match, perf's
 * per-process filters), the event's CPU must be running the chosen address space when it happens.
 * <ul>
 *   <li>{@code cr3=0x...}: the CPU's CR3 page-table base (bits 12-51; the PCID bits are ignored);</li>
 *   <li>{@code pcid=N}: the PCID in CR3's bits 0-11;</li>
 *   <li>{@code pid=N}: the process (thread group) running on the CPU;</li>
 *   <li>{@code cpu=N}: the CPU;</li>
 *   <li>{@code events=fault,tlb,ipi,syscall,slab,page,sched,signal} (or {@code all}): the kinds kept;</li>
 *   <li>{@code addr=LO-HI}: events about user addresses (faults, TLB misses and fills, flushes and
 *       shootdowns of a range) only when they touch {@code [LO, HI)}; other kinds are kept;</li>
 *   <li>{@code insns=FROM-TO}: events at an instruction count in {@code [FROM, TO)} (either end
 *       may be left out).</li>
 * </ul>
 *
 * @param categories the kinds kept ({@link TraceCategory} bits)
 * @param cr3        the CR3 base to match, or -1
 * @param pcid       the PCID to match, or -1
 * @param pid        the process to match, or -1
 * @param cpu        the CPU to match, or -1
 * @param addrLo     the address range's start (0 for none)
 * @param addrHi     the address range's end (-1, i.e. unsigned max, for none)
 * @param fromInsn   the instruction window's start
 * @param toInsn     the instruction window's end (Long.MAX_VALUE for none)
 */
public record TraceFilter(int categories, long cr3, int pcid, int pid, int cpu, long addrLo, long addrHi,
        long fromInsn, long toInsn) {
    /** Everything kept. */
    public static final TraceFilter ALL = new TraceFilter(TraceCategory.ALL, -1, -1, -1, -1, 0, -1, 0, Long.MAX_VALUE);

    /** CR3's page-table base bits. */
    public static final long CR3_BASE_MASK = 0x000F_FFFF_FFFF_F000L;

    /** {@return whether anything but the kinds of event is filtered (each event's context must be checked)} */
    public boolean selectsContext() {
        return cr3 >= 0 || pcid >= 0 || pid >= 0 || cpu >= 0 || addrLo != 0 || addrHi != -1 || fromInsn != 0
                || toInsn != Long.MAX_VALUE;
    }

    /**
     * Parses {@code --trace-filter} options.
     *
     * @param specs the options' values, each {@code KEY=VALUE}
     * @return the filter
     * @throws IllegalArgumentException naming the option that is wrong and why
     */
    public static TraceFilter parse(List<String> specs) {
        int categories = TraceCategory.ALL;
        long cr3 = -1;
        int pcid = -1;
        int pid = -1;
        int cpu = -1;
        long addrLo = 0;
        long addrHi = -1;
        long from = 0;
        long to = Long.MAX_VALUE;
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--trace-filter " + spec + ": expected KEY=VALUE");
            String key = spec.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = spec.substring(eq + 1).trim();
            try {
                switch (key) {
                    case "events" -> categories = TraceCategory.parse(value);
                    case "cr3" -> cr3 = number(value) & CR3_BASE_MASK;
                    case "pcid" -> pcid = (int) range(number(value), 0, 4095);
                    case "pid" -> pid = (int) range(number(value), 1, Integer.MAX_VALUE);
                    case "cpu" -> cpu = (int) range(number(value), 0, 63);
                    case "addr" -> {
                        long[] r = pair(value, 0, -1);
                        addrLo = r[0];
                        addrHi = r[1];
                        if (Long.compareUnsigned(addrLo, addrHi) >= 0) throw new IllegalArgumentException("empty range");
                    }
                    case "insns" -> {
                        long[] r = pair(value, 0, Long.MAX_VALUE);
                        from = r[0];
                        to = r[1];
                        if (from < 0 || to <= from) throw new IllegalArgumentException("empty window");
                    }
                    default -> throw new IllegalArgumentException(
                            "unknown key (known: cr3, pcid, pid, cpu, events, addr, insns)");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--trace-filter " + spec + ": " + e.getMessage(), e);
            }
        }
        return new TraceFilter(categories, cr3, pcid, pid, cpu, addrLo, addrHi, from, to);
    }

    private static long range(long v, long lo, long hi) {
        if (v < lo || v > hi) throw new IllegalArgumentException("out of range " + lo + ".." + hi);
        return v;
    }

    /** {@code LO-HI}, either side optional. */
    private static long[] pair(String value, long lo, long hi) {
        int dash = value.indexOf('-');
        if (dash < 0) throw new IllegalArgumentException("expected FROM-TO");
        String a = value.substring(0, dash).trim();
        String b = value.substring(dash + 1).trim();
        return new long[] {a.isEmpty() ? lo : number(a), b.isEmpty() ? hi : number(b)};
    }

    /** A decimal or 0x-prefixed hexadecimal number, with _ or , allowed between digits. */
    static long number(String s) {
        String t = s.replace("_", "").replace(",", "");
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2), 16);
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + s);
        }
    }

    /** Whether an event at {@code ts} on a CPU running {@code (cr3, pid)} is kept. */
    boolean keeps(int cpu, long ts, long cr3Value, int pidValue) {
        if (this.cpu >= 0 && cpu != this.cpu) return false;
        if (ts < fromInsn || ts >= toInsn) return false;
        if (cr3 >= 0 && (cr3Value & CR3_BASE_MASK) != cr3) return false;
        if (pcid >= 0 && (cr3Value & 0xFFF) != pcid) return false;
        return pid < 0 || pidValue == pid;
    }

    /** Whether {@code [start, end)} touches the address range. */
    boolean touches(long start, long end) {
        return Long.compareUnsigned(start, addrHi) < 0 && Long.compareUnsigned(end, addrLo) > 0;
    }
}
