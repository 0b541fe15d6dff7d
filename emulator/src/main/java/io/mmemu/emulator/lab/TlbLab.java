package io.mmemu.emulator.lab;

import io.mmemu.emulator.lab.TlbReplay.Outcome;
import io.mmemu.emulator.lab.TlbReplay.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lab 2, TLB: the student predicts, for each access of a trace, whether the {@code teaching}
 * preset's L1 dTLB hits, the STLB hits, or the CPU walks, and which entries each access evicts;
 * the grader replays the trace on the model ({@link TlbReplay}) and gives one point per access
 * predicted exactly. A wrong line shows the model's answer and, where it can tell, the rule
 * missed: the second level, LRU replacement within a set, the set a page maps to.
 */
final class TlbLab implements Lab {
    /** The hand-in's file. */
    static final String HAND_IN = "answers.txt";

    /** The trace (labs/2-tlb/trace.txt holds the same accesses, with comments). */
    static final List<String> TRACE = List.of(
            "R 0x1000", "R 0x2000", "R 0x1008", "W 0x5000", "R 0x9000", "R 0x1000", "R 0x11000", "R 0x9000",
            "R 0x5000", "R 0x2000", "R 0x6000", "R 0xa000", "R 0x2010", "W 0xa000", "R 0x3000", "R 0x7000",
            "R 0xb000", "R 0x3000", "R 0x13000", "R 0xb000", "R 0x7000");

    /** The L1 dTLB's sets and the STLB's, for messages (the teaching preset's geometry). */
    private static final int L1_SETS = 4, STLB_SETS = 8;

    @Override
    public int number() {
        return 2;
    }

    @Override
    public String directory() {
        return "2-tlb";
    }

    @Override
    public String title() {
        return "TLB: predict hits, misses and evictions of the teaching preset; lazy TLB and shootdowns";
    }

    /** {@return the model's answers file for the trace: what full marks look like} */
    static List<String> modelAnswers() {
        List<Step> trace = TlbReplay.parseTrace(TRACE);
        List<Outcome> outcomes = TlbReplay.replay(trace);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) lines.add(outcomes.get(i).line(trace.get(i)));
        return lines;
    }

    @Override
    public LabReport check(Path dir) {
        LabReport report = new LabReport("Lab 2: " + title());
        List<Step> trace = TlbReplay.parseTrace(TRACE);
        Map<String, Integer> checks = new LinkedHashMap<>();
        for (int i = 0; i < trace.size(); i++) checks.put(name(i, trace.get(i)), 1);
        List<String> answers;
        try {
            answers = Files.readAllLines(dir.resolve(HAND_IN)).stream().map(TlbReplay::stripComment)
                    .filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            report.unusable("cannot read " + dir.resolve(HAND_IN) + " (" + e.getMessage() + ")", checks);
            return report;
        }
        List<Outcome> want = TlbReplay.replay(trace);
        for (int i = 0; i < trace.size(); i++) {
            Step s = trace.get(i);
            String expected = want.get(i).line(s);
            String got = i < answers.size() ? normalise(answers.get(i)) : null;
            report.check(name(i, s), 1, expected.equals(got) ? null : explain(s, want.get(i), expected, got));
        }
        return report;
    }

    private static String name(int i, Step s) {
        return String.format("access %2d: %s", i + 1, s);
    }

    /** One space between fields, upper-case keywords, lower-case hex: so that spacing and case never cost a point. */
    static String normalise(String line) {
        String[] f = line.strip().split("\\s+");
        StringBuilder sb = new StringBuilder();
        for (String x : f) {
            if (!sb.isEmpty()) sb.append(' ');
            String lower = x.toLowerCase(java.util.Locale.ROOT);
            int colon = lower.indexOf(':');
            String num = colon >= 0 ? lower.substring(colon + 1) : lower;
            if (num.startsWith("0x")) {
                String prefix = colon >= 0 ? x.substring(0, colon + 1).toUpperCase(java.util.Locale.ROOT) : "";
                try {
                    sb.append(prefix).append(TlbReplay.hex(Long.decode(num)));
                } catch (NumberFormatException e) {
                    sb.append(x);
                }
            } else {
                sb.append(lower.equals("evict") ? "evict" : x.toUpperCase(java.util.Locale.ROOT));
            }
        }
        return sb.toString();
    }

    /** What was expected, and the rule the answer broke where it can be told. */
    private static String explain(Step s, Outcome want, String expected, String got) {
        StringBuilder sb = new StringBuilder("expected: ").append(expected).append("\n     got: ")
                .append(got == null ? "(no line)" : got);
        if (got == null) return sb.toString();
        String[] f = got.split(" ");
        if (f.length < 3 || !(f[0] + " " + f[1]).equals(s.toString())) {
            return sb.append("\n(each line repeats the trace's access, then L1, STLB or MISS, then evict and the "
                    + "evicted entries, if any)").toString();
        }
        String outcome = f[2];
        List<String> evicted = new ArrayList<>();
        for (int k = 4; k < f.length; k++) evicted.add(f[k]);
        long vpn = s.vaddr() >>> 12;
        if (!outcome.equals(want.outcome())) {
            if (want.outcome().equals("STLB") && outcome.equals("MISS")) {
                sb.append("\nthe L1 dTLB missed, but the STLB (8 sets × 2 ways, filled on every walk) still held the "
                        + "page: a second-level hit, no page walk");
            } else if (want.outcome().equals("MISS")) {
                sb.append("\nneither level holds the page any more: look at what the earlier accesses to its sets "
                        + String.format("(L1 dTLB set %d, STLB set %d) evicted", vpn % L1_SETS, vpn % STLB_SETS));
            } else if (want.outcome().equals("L1")) {
                sb.append(String.format("%nthe page is still in the L1 dTLB: set %d (virtual page number 0x%x mod %d) "
                        + "has 2 ways, and only fills to that set evict", vpn % L1_SETS, vpn, L1_SETS));
            }
            return sb.toString();
        }
        for (String e : evicted) {
            if (want.evictions().contains(e)) continue;
            int colon = e.indexOf(':');
            if (colon < 0) continue;
            boolean l1 = e.startsWith("L1");
            int sets = l1 ? L1_SETS : STLB_SETS;
            long otherVpn;
            try {
                otherVpn = Long.decode(e.substring(colon + 1)) >>> 12;
            } catch (NumberFormatException x) {
                continue;
            }
            if (otherVpn % sets != vpn % sets) {
                sb.append(String.format("%n%s is in set %d of the %s, but page 0x%x goes to set %d (virtual page number "
                        + "mod %d): a fill evicts only from its own set", e, otherVpn % sets, l1 ? "L1 dTLB" : "STLB",
                        vpn, vpn % sets, sets));
            } else {
                sb.append(String.format("%nthe victim is the least recently used entry of the set, not the oldest "
                        + "fill: a hit makes an entry the most recently used (LRU, not FIFO)"));
            }
            return sb.toString();
        }
        if (!want.evictions().isEmpty() && evicted.size() < want.evictions().size()) {
            sb.append("\na set that is full (2 ways) must evict one entry to take a new one; a fill goes to the L1 dTLB "
                    + "and, on a walk, to the STLB too");
        }
        return sb.toString();
    }
}
