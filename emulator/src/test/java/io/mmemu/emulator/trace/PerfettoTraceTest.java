package io.mmemu.emulator.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.cli.InProcessRun;
import io.mmemu.perfetto.PerfettoTrace;
import io.mmemu.perfetto.PerfettoTrace.Event;
import io.mmemu.perfetto.PerfettoTrace.EventType;
import io.mmemu.perfetto.PerfettoTrace.Track;
import io.mmemu.perfetto.PerfettoTrace.TrackKind;
import io.mmemu.perfetto.PerfettoTraceReader;
import io.mmemu.trace.TraceSummary.Column;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --trace} on the 4-CPU shootdown program, parsed back with the same protobuf classes: the
 * tracks a user finds in Perfetto's UI, the flow arrows from each IPI to its receiver, and as many
 * events of each kind as {@code --trace-summary} counted in the same run.
 */
class PerfettoTraceTest {
    @Test
    void theShootdownProgramsTraceHasItsTracksFlowsAndCounts(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.perfetto-trace");
        InProcessRun r = InProcessRun.run(List.of("--cpus", "4", "--trace", file.toString(), "--trace-summary"),
                "mt-munmap-shootdown");
        assertEquals(0, r.status(), r.log());
        Map<String, Long> totals = TraceSummaryTest.summaryTotals(r.log());
        PerfettoTrace trace = PerfettoTraceReader.read(file);

        assertEquals("mt-munmap-shootdown", trace.traceName());
        for (int c = 0; c < 4; c++) assertTrue(trace.track("CPU " + c).isPresent(), "track CPU " + c);
        List<Track> processes = trace.tracks(TrackKind.PROCESS);
        assertTrue(processes.stream().anyMatch(t -> "mt-munmap-shootdown".equals(t.name())), processes.toString());
        // The main thread and its three workers, and the forked child's.
        assertTrue(trace.tracks(TrackKind.THREAD).size() >= 5, trace.tracks(TrackKind.THREAD).toString());
        List<String> counters = trace.tracks(TrackKind.COUNTER).stream().map(Track::name).distinct().toList();
        assertTrue(counters.containsAll(List.of("free pages", "RSS", "TLB entries, CPU 0", "TLB entries, CPU 3")),
                counters.toString());
        long rss = trace.tracks(TrackKind.COUNTER).stream().filter(t -> t.name().equals("RSS")).findFirst()
                .orElseThrow().uuid();
        assertTrue(trace.counterValues(rss).values().stream().anyMatch(v -> v > 0), "RSS samples");

        Map<String, Long> byName = trace.events().stream().filter(e -> e.type() != EventType.SLICE_END
                && e.type() != EventType.COUNTER).collect(Collectors.groupingBy(Event::name, Collectors.counting()));
        long faults = trace.events().stream().filter(e -> "fault".equals(e.category())
                && !e.name().equals("page fault: SIGSEGV")).count();
        assertEquals(totals.get(Column.FAULTS.heading()), faults, byName.toString());
        assertEquals(totals.get(Column.SEGV.heading()), byName.getOrDefault("page fault: SIGSEGV", 0L));
        assertEquals(totals.get(Column.TLB_MISS.heading()), byName.get("TLB miss")
                + byName.getOrDefault("TLB miss (permission)", 0L));
        assertEquals(totals.get(Column.TLB_FILL.heading()), byName.get("TLB fill"));
        assertEquals(totals.get(Column.SHOOTDOWN.heading()), byName.get("shootdown"));
        assertEquals(totals.get(Column.SWITCHES.heading()), byName.get("switch_mm"));
        assertEquals(totals.get(Column.SIGNALS.heading()), byName.get("signal"));

        // Every shootdown slice ends; every IPI sent is an arrow from the sender's CPU track to the
        // receiver's, and every IPI received that was sent in the trace is an arrow's head.
        long cpu0 = trace.track("CPU 0").orElseThrow().uuid();
        assertFalse(trace.slices(cpu0).isEmpty());
        List<PerfettoTrace.Flow> flows = trace.flows();
        assertEquals(totals.get(Column.IPI_SENT.heading()), (long) flows.size(), "one arrow per IPI");
        assertEquals(totals.get(Column.RECEIVED.heading()), byName.entrySet().stream()
                .filter(e -> e.getKey().startsWith("flush IPI from")).mapToLong(Map.Entry::getValue).sum());
        for (PerfettoTrace.Flow f : flows) {
            String sender = trackName(trace, f.from().track());
            String receiver = trackName(trace, f.to().track());
            assertTrue(f.from().name().equals("IPI to " + receiver), f.toString());
            assertTrue(f.to().name().equals("flush IPI from " + sender), f.toString());
            assertTrue(f.to().ts() >= f.from().ts(), f.toString());
        }
        // Syscalls are slices on the thread tracks, and each one that began ended.
        long syscallSlices = trace.events().stream().filter(e -> "syscall".equals(e.category())
                && e.type() == EventType.SLICE_BEGIN).count();
        assertTrue(syscallSlices > 100 && syscallSlices <= totals.get(Column.SYSCALLS.heading()), "" + syscallSlices);
        long ends = 0;
        long begins = 0;
        for (Track t : trace.tracks(TrackKind.THREAD)) {
            begins += trace.events(t.uuid(), EventType.SLICE_BEGIN).size();
            ends += trace.events(t.uuid(), EventType.SLICE_END).size();
        }
        assertEquals(begins, ends, "every slice ends");
        long withResult = trace.events().stream().filter(e -> e.type() == EventType.SLICE_END
                && e.args().containsKey("result")).count();
        assertTrue(withResult > 100 && withResult <= ends, "syscall ends carry their result: " + withResult);
    }

    private static String trackName(PerfettoTrace trace, long uuid) {
        return trace.tracks().stream().filter(t -> t.uuid() == uuid).findFirst().orElseThrow().name();
    }
}
