package io.mmemu.perfetto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.perfetto.PerfettoTrace.Event;
import io.mmemu.perfetto.PerfettoTrace.EventType;
import io.mmemu.perfetto.PerfettoTrace.Flow;
import io.mmemu.perfetto.PerfettoTrace.Slice;
import io.mmemu.perfetto.PerfettoTrace.Track;
import io.mmemu.perfetto.PerfettoTrace.TrackKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import perfetto.protos.TraceOuterClass.Trace;
import perfetto.protos.TracePacketOuterClass.TracePacket;

class PerfettoWriterTest {
    private static final int CLEARED = TracePacket.SequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED_VALUE;
    private static final int NEEDS = TracePacket.SequenceFlags.SEQ_NEEDS_INCREMENTAL_STATE_VALUE;

    /** Tracks of every kind and events of every kind, written and read back field by field. */
    @Test
    void everyKindOfTrackAndEventReadsBackAsWritten() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long process, thread, cpu0, cpu1, rss, freePages, tlb;
        try (PerfettoWriter w = new PerfettoWriter(bytes, "mt-munmap-shootdown")) {
            process = w.processTrack(42, "mt-munmap");
            thread = w.threadTrack(42, 43, "worker");
            cpu1 = w.cpuTrack(1);
            cpu0 = w.cpuTrack(0);
            rss = w.counterTrack("rss", "pages", process);
            freePages = w.counterTrack("free pages", "count", 0);
            tlb = w.counterTrack("TLB occupancy", null, cpu0);
            Args args = new Args();
            args.clear().pointer("address", 0x7fff_0000_1000L).integer("error_code", -6).unsigned("pfn", -1L)
                    .string("vma", "[heap]").label("outcome", "cow_copy").bool("write", true).real("ratio", 0.25);
            w.instant(cpu0, 100, "fault", "page_fault", args);
            w.sliceBegin(thread, 200, "syscall", "munmap", args.clear().pointer("addr", 0x1000).integer("len", 8192));
            w.sliceBegin(cpu0, 210, "tlb", "flush_tlb_mm_range", null, new long[] {7, 8}, null);
            w.sliceBegin(cpu1, 220, "tlb", "flush_tlb_func", args.clear().label("reason", "munmap"), null,
                    new long[] {7});
            w.instant(cpu1, 225, "tlb", "flush_one", null);
            w.sliceEnd(cpu1, 230);
            w.instant(cpu0, 231, "tlb", "ipi_received_late", null, null, new long[] {8});
            w.sliceEnd(cpu0, 240);
            w.sliceEnd(thread, 250);
            w.counter(rss, 250, 17L);
            w.counter(freePages, 260, 1_000_000_000_000L);
            w.counter(tlb, 270, 12.5);
            w.counter(rss, 280, 16L);
        }
        PerfettoTrace trace = PerfettoTraceReader.read(new ByteArrayInputStream(bytes.toByteArray()));

        assertEquals("mt-munmap-shootdown", trace.traceName());
        Track root = trace.track("mt-munmap-shootdown").orElseThrow();
        assertEquals(new Track(process, 0, TrackKind.PROCESS, "mt-munmap", 42, 0, null),
                trace.tracks(TrackKind.PROCESS).getFirst());
        assertEquals(new Track(thread, 0, TrackKind.THREAD, "worker", 42, 43, null),
                trace.tracks(TrackKind.THREAD).getFirst());
        assertEquals(new Track(cpu0, root.uuid(), TrackKind.NAMED, "CPU 0", 0, 0, null), trace.track("CPU 0").orElseThrow());
        assertEquals(new Track(cpu1, root.uuid(), TrackKind.NAMED, "CPU 1", 0, 0, null), trace.track("CPU 1").orElseThrow());
        assertEquals(List.of(new Track(rss, process, TrackKind.COUNTER, "rss", 0, 0, "pages"),
                new Track(freePages, root.uuid(), TrackKind.COUNTER, "free pages", 0, 0, "count"),
                new Track(tlb, cpu0, TrackKind.COUNTER, "TLB occupancy", 0, 0, null)), trace.tracks(TrackKind.COUNTER));

        Event fault = trace.instants(cpu0).getFirst();
        assertEquals(100, fault.ts());
        assertEquals("fault", fault.category());
        assertEquals("page_fault", fault.name());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("address", "0x7fff00001000");
        expected.put("error_code", -6L);
        expected.put("pfn", -1L);
        expected.put("vma", "[heap]");
        expected.put("outcome", "cow_copy");
        expected.put("write", true);
        expected.put("ratio", 0.25);
        assertEquals(expected, fault.args());
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(fault.args().keySet()), "argument order");

        List<Slice> syscalls = trace.slices(thread);
        assertEquals(1, syscalls.size());
        assertEquals("munmap", syscalls.getFirst().begin().name());
        assertEquals(Map.of("addr", "0x1000", "len", 8192L), syscalls.getFirst().begin().args());
        assertEquals(200, syscalls.getFirst().begin().ts());
        assertEquals(250, syscalls.getFirst().end());

        Slice sender = trace.slices(cpu0).getFirst();
        assertEquals("flush_tlb_mm_range", sender.begin().name());
        assertEquals(240, sender.end());
        Slice receiver = trace.slices(cpu1).getFirst();
        assertEquals(new Slice(receiver.begin(), 230, 0), receiver);
        assertEquals(Map.of("reason", "munmap"), receiver.begin().args());
        assertEquals("flush_one", trace.instants(cpu1).getFirst().name());
        List<Flow> flows = trace.flows();
        assertEquals(2, flows.size(), () -> "flows " + flows);
        assertEquals(new Flow(7, sender.begin(), receiver.begin()), flows.get(0));
        assertEquals(8, flows.get(1).id());
        assertEquals(sender.begin(), flows.get(1).from());
        assertEquals("ipi_received_late", flows.get(1).to().name());

        assertEquals(Map.of(250L, 17.0, 280L, 16.0), trace.counterValues(rss));
        assertEquals(Map.of(260L, 1e12), trace.counterValues(freePages));
        assertEquals(Map.of(270L, 12.5), trace.counterValues(tlb));
        assertEquals(13, trace.events().size());
    }

    /** The file as a whole parses as a Trace; one sequence; flags as Perfetto expects them. */
    @Test
    void theFileIsOneTraceMessageOnOneSequence() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long packets;
        try (PerfettoWriter w = new PerfettoWriter(bytes, "t")) {
            long cpu = w.cpuTrack(0);
            for (int i = 0; i < 10; i++) {
                w.instant(cpu, i, "c", "e" + (i % 3), new Args().integer("i", i));
            }
            packets = w.packetsWritten();
            assertEquals(bytes.size() + 0L, 0L, "nothing reaches the stream before the buffer fills or a flush");
            w.flush();
            assertEquals(w.bytesWritten(), bytes.size());
        }
        Trace trace = Trace.parseFrom(bytes.toByteArray());
        assertEquals(packets, trace.getPacketCount());
        assertEquals(12, packets);
        TracePacket first = trace.getPacket(0);
        assertEquals(CLEARED, first.getSequenceFlags());
        assertTrue(first.getFirstPacketOnSequence());
        for (TracePacket p : trace.getPacketList()) {
            assertEquals(PerfettoWriter.SEQUENCE_ID, p.getTrustedPacketSequenceId());
            if (p.hasTrackEvent()) {
                assertEquals(NEEDS, p.getSequenceFlags(), () -> "event packet " + p);
            }
        }
        // Names e0, e1, e2, the category and the argument name are each interned once.
        long withInterned = trace.getPacketList().stream().filter(TracePacket::hasInternedData).count();
        assertEquals(3, withInterned);
        assertEquals(5, trace.getPacketList().stream().filter(TracePacket::hasInternedData)
                .mapToInt(p -> p.getInternedData().getEventNamesCount() + p.getInternedData().getEventCategoriesCount()
                        + p.getInternedData().getDebugAnnotationNamesCount()).sum());
    }

    /** Repeated names cost their iid only: an event with a name, a category and two arguments. */
    @Test
    void internedEventsAreSmall() {
        CountingOutputStream sink = new CountingOutputStream();
        try (PerfettoWriter w = new PerfettoWriter(sink, "t")) {
            long cpu = w.cpuTrack(3);
            Args args = new Args();
            w.instant(cpu, 0, "fault", "page_fault", args.clear().pointer("address", 0).label("outcome", "anon"));
            long before = w.bytesWritten();
            for (int i = 1; i <= 1000; i++) {
                w.instant(cpu, i * 1000L, "fault", "page_fault",
                        args.clear().pointer("address", 0x7f00_0000_0000L + i * 4096L).label("outcome", "anon"));
            }
            long perEvent = (w.bytesWritten() - before) / 1000;
            assertTrue(perEvent <= 40, "bytes per interned event: " + perEvent);
        }
    }

    /** After many distinct names (several interning resets) every event still reads back its own name. */
    @Test
    void internedNamesStayCorrectAfterManyNamesAndResets() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int limit = 100;
        int events = 5000;
        try (PerfettoWriter w = new PerfettoWriter(bytes, "t", limit)) {
            long cpu = w.cpuTrack(0);
            Args args = new Args();
            for (int i = 0; i < events; i++) {
                // Names recur (i % 700) across resets, labels from a small set, argument names new.
                w.instant(cpu, i, "cat" + (i % 7), "name" + (i % 700),
                        args.clear().integer("arg" + (i % 300), i).label("label", "v" + (i % 5)));
                assertTrue(w.internedStrings() <= limit + 4, () -> "interned " + w.internedStrings());
            }
        }
        Trace raw = Trace.parseFrom(bytes.toByteArray());
        long resets = raw.getPacketList().stream().filter(p -> (p.getSequenceFlags() & CLEARED) != 0).count();
        assertTrue(resets > 10, "resets " + resets);
        List<Event> read = PerfettoTraceReader.read(new ByteArrayInputStream(bytes.toByteArray())).events();
        assertEquals(events, read.size());
        for (int i = 0; i < events; i++) {
            Event e = read.get(i);
            assertEquals("name" + (i % 700), e.name(), "event " + i);
            assertEquals("cat" + (i % 7), e.category(), "event " + i);
            assertEquals(Map.of("arg" + (i % 300), (long) i, "label", "v" + (i % 5)), e.args(), "event " + i);
        }
    }

    /** The same calls give the same bytes: uuids come from pid, tid, CPU and counter name. */
    @Test
    void tracksHaveDeterministicUuids() {
        byte[][] runs = new byte[2][];
        long[][] uuids = new long[2][];
        for (int run = 0; run < 2; run++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (PerfettoWriter w = new PerfettoWriter(bytes, "t")) {
                long p = w.processTrack(1, "init");
                uuids[run] = new long[] {p, w.threadTrack(1, 2, "t"), w.cpuTrack(0), w.counterTrack("rss", "pages", p),
                    w.counterTrack("rss", "pages", 0), w.processTrack(2, "init")};
                w.instant(uuids[run][2], 5, null, "x", null);
            }
            runs[run] = bytes.toByteArray();
        }
        assertArrayEquals(uuids[0], uuids[1]);
        assertArrayEquals(runs[0], runs[1]);
        assertEquals(uuids[0].length, java.util.Arrays.stream(uuids[0]).distinct().count(), "distinct tracks, distinct uuids");
    }

    /** Asking again for a track returns its uuid; a new name rewrites its descriptor, the same name does not. */
    @Test
    void aRenamedTrackIsDescribedAgain() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PerfettoWriter w = new PerfettoWriter(bytes, "t")) {
            long p = w.processTrack(7, "sh");
            long packets = w.packetsWritten();
            assertEquals(p, w.processTrack(7, "sh"));
            assertEquals(packets, w.packetsWritten());
            assertEquals(p, w.processTrack(7, "ls"));
            assertEquals(packets + 1, w.packetsWritten());
        }
        PerfettoTrace trace = PerfettoTraceReader.read(new ByteArrayInputStream(bytes.toByteArray()));
        assertEquals("ls", trace.tracks(TrackKind.PROCESS).getFirst().name());
    }

    @Test
    void decreasingTimestampsAreRefused() {
        try (PerfettoWriter w = new PerfettoWriter(new ByteArrayOutputStream(), "t")) {
            long cpu = w.cpuTrack(0);
            w.instant(cpu, 10, null, "a", null);
            w.instant(cpu, 10, null, "b", null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.sliceEnd(cpu, 9));
            assertEquals("timestamps must not decrease (expected: >= 10 ns, got 9 ns)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> w.counter(0, 11, 1L));
        }
    }

    @Test
    void aClosedWriterRefusesEvents() {
        PerfettoWriter w = new PerfettoWriter(new ByteArrayOutputStream(), "t");
        long cpu = w.cpuTrack(0);
        w.close();
        w.close();
        assertThrows(IllegalStateException.class, () -> w.instant(cpu, 1, null, "late", null));
    }

    @Test
    void differentIdentitiesGetDifferentUuids() {
        assertNotEquals(TrackUuids.process(1), TrackUuids.cpu(1));
        assertNotEquals(TrackUuids.thread(1, 2), TrackUuids.thread(2, 1));
        assertNotEquals(TrackUuids.counter("rss", TrackUuids.process(1)), TrackUuids.counter("rss", TrackUuids.process(2)));
        assertNotEquals(TrackUuids.process(0), TrackUuids.cpu(0));
        assertNotEquals(0, TrackUuids.process(0));
        assertThrows(IllegalArgumentException.class, () -> TrackUuids.thread(1, 1 << 22));
    }
}
