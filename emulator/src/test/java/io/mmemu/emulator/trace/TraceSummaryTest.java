package io.mmemu.emulator.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.cli.InProcessRun;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --trace-summary} on the 4-CPU shootdown program: unfiltered, each column's total is the
 * count {@code --stats} prints for it; filtered by CR3, only that address space is left.
 */
public class TraceSummaryTest {
    private static String run(String... options) {
        List<String> args = new ArrayList<>(List.of("--cpus", "4"));
        args.addAll(List.of(options));
        InProcessRun r = InProcessRun.run(args, "mt-munmap-shootdown");
        assertEquals(0, r.status(), r.log());
        return r.log();
    }

    /** The summary's columns by heading: the total line, or the rows' values. */
    private static List<Map<String, Long>> summaryRows(String log) {
        String[] lines = log.split("\n");
        int head = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("mmemu: trace summary")) head = i + 1;
        }
        assertTrue(head > 0, log);
        String[] headings = lines[head].trim().split("\\s+");
        List<Map<String, Long>> rows = new ArrayList<>();
        for (int i = head + 1; i < lines.length && lines[i].startsWith("  "); i++) {
            String[] cells = lines[i].trim().split("\\s+");
            Map<String, Long> row = new HashMap<>();
            // Counts are the last columns: the headings after "program".
            int counts = headings.length - 4;
            for (int c = 0; c < counts; c++) {
                row.put(headings[4 + c], Long.parseLong(cells[cells.length - counts + c].replace(",", "")));
            }
            row.put("cr3", cells[0].equals("total") ? -1 : Long.decode(cells[0]));
            rows.add(row);
        }
        return rows;
    }

    /** The summary's total line, by column heading. */
    public static Map<String, Long> summaryTotals(String log) {
        return summaryRows(log).getLast();
    }

    /** One --stats figure: the sum of a per-CPU column, or a number after a label. */
    private static long statsColumn(String log, String heading) {
        String[] lines = log.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].trim().startsWith("cpu ")) continue;
            List<String> headings = List.of(lines[i].trim().split("\\s+"));
            int col = headings.indexOf(heading);
            long sum = 0;
            for (int j = i + 1; j < lines.length && lines[j].trim().matches("\\d+\\s.*"); j++) {
                sum += Long.parseLong(lines[j].trim().split("\\s+")[col].replace(",", ""));
            }
            return sum;
        }
        throw new AssertionError("no per-CPU table in " + log);
    }

    private static long statsFigure(String log, String label, int index) {
        for (String line : log.split("\n")) {
            if (!line.trim().startsWith(label)) continue;
            String[] numbers = line.substring(line.indexOf(label) + label.length()).replaceAll("[^0-9,]+", " ").trim()
                    .split("\\s+");
            return Long.parseLong(numbers[index].replace(",", ""));
        }
        throw new AssertionError("no '" + label + "' in " + log);
    }

    @Test
    void unfilteredTotalsEqualTheStatsCounts() {
        String log = run("--stats", "--trace-summary");
        List<Map<String, Long>> rows = summaryRows(log);
        Map<String, Long> total = rows.getLast();
        assertEquals(statsFigure(log, "page faults", 0), total.get("faults"), log);
        assertEquals(statsFigure(log, "page faults", 3), total.get("cow"), log);
        assertEquals(statsFigure(log, "page faults", 4), total.get("zero-page"), log);
        assertEquals(statsFigure(log, "syscalls", 0), total.get("syscalls"), log);
        assertEquals(statsColumn(log, "misses"), total.get("tlb-miss"), log);
        assertEquals(statsColumn(log, "flush-one"), total.get("flush-one"), log);
        assertEquals(statsColumn(log, "flush-all"), total.get("flush-all"), log);
        assertEquals(statsColumn(log, "shootdown"), total.get("shootdown"), log);
        assertEquals(statsColumn(log, "received"), total.get("received"), log);
        assertEquals(statsColumn(log, "switches"), total.get("switches"), log);
        assertTrue(total.get("shootdown") > 0 && total.get("ipi-sent") > 0 && total.get("signals") > 0, log);
        // The totals are the rows' sums.
        for (String column : total.keySet()) {
            if (column.equals("cr3")) continue;
            long sum = 0;
            for (Map<String, Long> r : rows.subList(0, rows.size() - 1)) sum += r.get(column);
            assertEquals(total.get(column), sum, column);
        }
    }

    @Test
    void aCr3FilterLeavesOnlyThatAddressSpace() {
        List<Map<String, Long>> all = summaryRows(run("--trace-summary"));
        Map<String, Long> busiest = all.subList(0, all.size() - 1).stream()
                .max((a, b) -> Long.compare(a.get("syscalls"), b.get("syscalls"))).orElseThrow();
        long cr3 = busiest.get("cr3");
        List<Map<String, Long>> filtered = summaryRows(run("--trace-summary", "--trace-filter",
                "cr3=0x" + Long.toHexString(cr3), "--trace-filter", "events=fault,syscall"));
        for (Map<String, Long> r : filtered.subList(0, filtered.size() - 1)) assertEquals(cr3, r.get("cr3"));
        Map<String, Long> total = filtered.getLast();
        assertTrue(total.get("faults") > 0 && total.get("syscalls") > 0, filtered.toString());
        assertEquals(0, total.get("tlb-miss"), "events= left TLB events out");
        assertTrue(total.get("syscalls") < all.getLast().get("syscalls") + 1);
    }
}
