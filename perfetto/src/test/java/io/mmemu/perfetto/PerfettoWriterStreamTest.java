package io.mmemu.perfetto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million events streamed: the writer holds at most its output buffer of the trace, its only
 * growing state is the interning tables (fixed here by a fixed set of names), and the file reads
 * back event for event.
 */
class PerfettoWriterStreamTest {
    private static final int EVENTS = 1_000_000;
    private static final int CPUS = 4;
    private static final String[] FAULT_OUTCOMES = {"zero_page", "anon", "cow_copy", "cow_reuse", "file"};

    @Test
    void aMillionEventsStreamWithBoundedMemoryAndReadBack(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("big.perfetto-trace");
        CountingOutputStream sink = new CountingOutputStream(new BufferedOutputStream(Files.newOutputStream(file)));
        Map<String, Integer> written = new HashMap<>();
        int internedAfterWarmUp = -1;
        long bytes;
        try (PerfettoWriter w = new PerfettoWriter(sink, "synthetic")) {
            long[] cpus = new long[CPUS];
            for (int c = 0; c < CPUS; c++) {
                cpus[c] = w.cpuTrack(c);
            }
            long rss = w.counterTrack("rss", "pages", w.processTrack(100, "stress"));
            Args args = new Args();
            long[] flow = new long[1];
            long nextFlow = 1;
            int events = 0;
            int nextCheck = 100_000;
            for (long ts = 0; events < EVENTS; ts += 10) {
                int cpu = (int) (ts / 10 % CPUS);
                switch ((int) (ts / 10 % 5)) {
                    case 0, 1 -> {
                        String outcome = FAULT_OUTCOMES[(int) (ts / 50 % FAULT_OUTCOMES.length)];
                        w.instant(cpus[cpu], ts, "fault", "page_fault",
                                args.clear().pointer("address", 0x7f00_0000_0000L + ts * 4096).label("outcome", outcome));
                        count(written, "page_fault");
                        events++;
                    }
                    case 2 -> {
                        flow[0] = nextFlow++;
                        w.sliceBegin(cpus[cpu], ts, "tlb", "flush_ipi", args.clear().integer("pages", ts % 512), flow, null);
                        w.sliceEnd(cpus[cpu], ts + 1);
                        count(written, "flush_ipi");
                        events += 2;
                    }
                    case 3 -> {
                        w.instant(cpus[(cpu + 1) % CPUS], ts, "tlb", "flush_received", null, null, flow);
                        count(written, "flush_received");
                        events++;
                    }
                    default -> {
                        w.counter(rss, ts, ts / 10);
                        events++;
                    }
                }
                if (events >= nextCheck) {
                    nextCheck += 100_000;
                    // All but the last buffer's worth has reached the stream: nothing accumulates.
                    assertTrue(w.bytesWritten() - sink.count <= PerfettoWriter.BUFFER_SIZE,
                            "held " + (w.bytesWritten() - sink.count) + " bytes after " + events + " events");
                    if (internedAfterWarmUp < 0) {
                        internedAfterWarmUp = w.internedStrings();
                    }
                    assertEquals(internedAfterWarmUp, w.internedStrings(), "interned strings after " + events + " events");
                }
            }
            bytes = w.bytesWritten();
            assertTrue(nextCheck > EVENTS, "checked every 100000 events");
        }
        assertEquals(bytes, sink.count);
        assertEquals(bytes, Files.size(file));
        assertEquals(3 + 2 + 3 + FAULT_OUTCOMES.length, internedAfterWarmUp,
                "3 names, 2 categories, 3 argument names, the outcomes");

        Map<String, Integer> read = new HashMap<>();
        long[] counters = {0};
        try (InputStream in = Files.newInputStream(file)) {
            PerfettoTraceReader.scan(in, new PerfettoTraceReader.Listener() {
                @Override
                public void track(PerfettoTrace.Track track) {}

                @Override
                public void event(PerfettoTrace.Event event) {
                    if (event.name() != null) {
                        count(read, event.name());
                    } else if (event.type() == PerfettoTrace.EventType.COUNTER) {
                        counters[0]++;
                    }
                }
            });
        }
        assertEquals(written, read);
        assertTrue(counters[0] > 0);
    }

    private static void count(Map<String, Integer> counts, String name) {
        counts.merge(name, 1, Integer::sum);
    }
}
