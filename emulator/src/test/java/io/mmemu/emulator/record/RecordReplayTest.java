package io.mmemu.emulator.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.cli.Main;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Record and replay: logs of real guests replay identically, and an edited log diverges exactly at the edit. */
class RecordReplayTest {
    /** A guest's configuration with {@code mmemu run}'s defaults. */
    static RunConfig config(String guest, String... args) {
        return RunConfig.defaults(GuestProgram.named(guest).binary(), List.of(args));
    }

    /** Streams that keep the guest's stdout. */
    static GuestIo capture(ByteArrayOutputStream out) {
        return new GuestIo(InputStream.nullInputStream(), out, OutputStream.nullOutputStream(),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    static RunResult record(RunConfig c, Path log, ByteArrayOutputStream out) throws IOException {
        return RecordedRun.run(c, capture(out), log);
    }

    static ReplayResult replay(Path log) throws Exception {
        return Replay.replay(log, capture(new ByteArrayOutputStream()));
    }

    @Test
    void singleCpuGuestsReplayIdentically(@TempDir Path tmp) throws Exception {
        for (String guest : List.of("hello", "malloc-churn", "mm-cow-fork")) {
            Path log = tmp.resolve(guest + ".mmlog");
            ByteArrayOutputStream recorded = new ByteArrayOutputStream();
            RunResult r = record(config(guest), log, recorded);
            ByteArrayOutputStream replayed = new ByteArrayOutputStream();
            ReplayResult p = Replay.replay(log, capture(replayed));
            assertTrue(p.identical(), guest + ": " + p.summary());
            assertEquals(r.status(), p.run().status(), guest);
            assertEquals(recorded.toString(StandardCharsets.UTF_8), replayed.toString(StandardCharsets.UTF_8), guest);
            LogReader.RunLog l = LogReader.read(log);
            assertFalse(l.truncated(), guest);
            assertTrue(p.checkpoints() >= 1, guest + ": the end's checkpoint at least");
            assertTrue(l.records().stream().anyMatch(x -> x instanceof LogRecord.RandomBytes b && b.source() == 0),
                    guest + ": AT_RANDOM recorded");
            assertTrue(l.records().stream().anyMatch(x -> x instanceof LogRecord.Output), guest + ": output recorded");
        }
    }

    @Test
    void whatTheGuestReadOnStdinIsRecordedAndFedBackToTheReplay(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("hold.mmlog");
        GuestIo io = new GuestIo(new java.io.ByteArrayInputStream("go\n".getBytes(StandardCharsets.UTF_8)),
                OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(0, RecordedRun.run(config("tasks-hold", "1", "1", "2"), io, log).status());
        List<LogRecord> inputs = kinds(log, LogRecord.Input.class);
        assertEquals(3, ((LogRecord.Input) inputs.getFirst()).length(), "the line the guest read: " + inputs);
        ReplayResult p = replay(log); // its own stdin is empty: the recorded line is read again
        assertTrue(p.identical(), p.summary());
    }

    /** A timeout, even one that never fires, runs a lone task in time slices: the replay does too. */
    @Test
    void aRunRecordedUnderATimeoutReplaysItsTimeSlices(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("churn.mmlog");
        RecordedRun.run(config("malloc-churn"), capture(new ByteArrayOutputStream()), log, 3600,
                io.mmemu.emulator.run.GuestRun.NONE, 1000);
        assertFalse(kinds(log, LogRecord.Sched.class).isEmpty(), "quantum ends of the lone task recorded");
        ReplayResult p = replay(log);
        assertTrue(p.identical(), p.summary());
    }

    @Test
    void aThreadedRunOnFourCpusReplaysIdenticallyTenTimes(@TempDir Path tmp) throws Exception {
        RunConfig c = config("mt-basic");
        c = c.withSeed(7).withMachine(c.ramBytes(), 4, 20_000);
        Path log = tmp.resolve("mt.mmlog");
        assertEquals(0, record(c, log, new ByteArrayOutputStream()).status());
        LogReader.RunLog l = LogReader.read(log);
        long cpusScheduled = l.records().stream().filter(x -> x instanceof LogRecord.Sched).mapToInt(x -> ((LogRecord.Sched) x).cpu())
                .distinct().count();
        assertEquals(4, cpusScheduled, "every CPU ran tasks");
        assertTrue(l.records().stream().anyMatch(x -> x instanceof LogRecord.Sched s && s.what() == 1), "quantum ends recorded");
        for (int i = 0; i < 10; i++) {
            ReplayResult p = replay(log);
            assertTrue(p.identical(), "replay " + (i + 1) + ": " + p.summary());
            assertEquals(l.records().size(), p.matched());
        }
    }

    /** Rewrites {@code log} to {@code out} with record {@code index} (0-based) replaced by {@code edit}'s result. */
    static void edit(Path log, Path out, int index, UnaryOperator<LogRecord> edit) throws Exception {
        LogReader.RunLog l = LogReader.read(log);
        try (LogWriter w = new LogWriter(out, l.configJson())) {
            for (int i = 0; i < l.records().size(); i++) w.append(i == index ? edit.apply(l.records().get(i)) : l.records().get(i));
        }
    }

    static int indexOf(Path log, Class<? extends LogRecord> kind, int nth) throws Exception {
        List<LogRecord> rs = LogReader.read(log).records();
        int seen = 0;
        for (int i = 0; i < rs.size(); i++) if (kind.isInstance(rs.get(i)) && seen++ == nth) return i;
        throw new AssertionError("the log has fewer than " + (nth + 1) + " " + kind.getSimpleName() + " records");
    }

    /** Replays the edited log and checks that it diverges at the edited record, with {@code part} in the report. */
    static Divergence divergesAtTheEdit(Path log, Path edited, int index, String part) throws Exception {
        ReplayResult p = replay(edited);
        assertFalse(p.identical());
        Divergence d = p.divergence();
        assertNotNull(d, p.summary());
        assertEquals(index + 1, d.record(), d.report());
        assertEquals(LogReader.read(edited).records().get(index), d.expected(), d.report());
        assertTrue(d.part().contains(part), d.report());
        assertEquals(ReplayResult.EXIT_DIVERGED, p.exitStatus());
        assertTrue(d.report().contains("last events before it") || index == 0, d.report());
        return d;
    }

    @Test
    void anEditedClockReadingIsTheFirstDivergence(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("mt.mmlog");
        record(config("mt-basic"), log, new ByteArrayOutputStream());
        int i = indexOf(log, LogRecord.Clock.class, 2);
        Path edited = tmp.resolve("edited.mmlog");
        edit(log, edited, i, r -> {
            LogRecord.Clock c = (LogRecord.Clock) r;
            return new LogRecord.Clock(c.pos(), c.clock(), c.nanos() + 1);
        });
        divergesAtTheEdit(log, edited, i, "clock event, nanos: recorded");
    }

    @Test
    void anEditedAtRandomByteIsTheFirstDivergence(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("hello.mmlog");
        record(config("hello"), log, new ByteArrayOutputStream());
        int i = indexOf(log, LogRecord.RandomBytes.class, 0);
        Path edited = tmp.resolve("edited.mmlog");
        edit(log, edited, i, r -> {
            LogRecord.RandomBytes b = (LogRecord.RandomBytes) r;
            byte[] bytes = b.bytes().clone();
            bytes[3] ^= 1;
            return new LogRecord.RandomBytes(b.pos(), b.source(), b.length(), bytes, b.hash());
        });
        divergesAtTheEdit(log, edited, i, "at_random event, bytes: recorded");
    }

    @Test
    void anEditedGetrandomByteIsTheFirstDivergence(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("getrandom.mmlog");
        record(config("getrandom"), log, new ByteArrayOutputStream());
        int i = indexOf(log, LogRecord.RandomBytes.class, 3); // AT_RANDOM, then the guest's draws
        LogRecord.RandomBytes b = (LogRecord.RandomBytes) LogReader.read(log).records().get(i);
        assertEquals(1, b.source(), "a getrandom draw");
        Path edited = tmp.resolve("edited.mmlog");
        edit(log, edited, i, r -> {
            byte[] bytes = b.bytes().clone();
            bytes[bytes.length - 1] ^= (byte) 0x80;
            return new LogRecord.RandomBytes(b.pos(), b.source(), b.length(), bytes, b.hash());
        });
        divergesAtTheEdit(log, edited, i, "getrandom event, bytes: recorded");
    }

    @Test
    void anEditedSchedulingDecisionIsTheFirstDivergence(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("mt.mmlog");
        record(config("mt-basic"), log, new ByteArrayOutputStream());
        int i = indexOf(log, LogRecord.Sched.class, 3);
        Path edited = tmp.resolve("edited.mmlog");
        edit(log, edited, i, r -> {
            LogRecord.Sched s = (LogRecord.Sched) r;
            return new LogRecord.Sched(new LogRecord.Position(s.pos().entry(), 1234, s.pos().cpu()), s.cpu(), s.pid(), s.what());
        });
        divergesAtTheEdit(log, edited, i, "position");
    }

    @Test
    void anEditedCheckpointNamesTheRegisterTheFrameAndTheVma(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("churn.mmlog");
        RecordedRun.run(config("malloc-churn"), capture(new ByteArrayOutputStream()), log, 0,
                io.mmemu.emulator.run.GuestRun.NONE, 200);
        int i = indexOf(log, LogRecord.Checkpoint.class, 1);
        LogRecord.Checkpoint c = (LogRecord.Checkpoint) LogReader.read(log).records().get(i);

        Path rip = tmp.resolve("rip.mmlog");
        edit(log, rip, i, r -> {
            long[][] regs = Arrays.stream(c.regs()).map(long[]::clone).toArray(long[][]::new);
            regs[0][Checkpoints.REG_NAMES.indexOf("rip")] ^= 0x10;
            return new LogRecord.Checkpoint(c.pos(), regs, c.frames(), c.mms(), c.refcounts(), c.slabs(), c.slabHashes());
        });
        divergesAtTheEdit(log, rip, i, "register rip of CPU 0");

        assertTrue(c.frames().length >= 2, "frames were written between the checkpoints");
        Path frame = tmp.resolve("frame.mmlog");
        edit(log, frame, i, r -> {
            long[] frames = c.frames().clone();
            frames[1] ^= 1;
            return new LogRecord.Checkpoint(c.pos(), c.regs(), frames, c.mms(), c.refcounts(), c.slabs(), c.slabHashes());
        });
        divergesAtTheEdit(log, frame, i, String.format("contents of frame pfn 0x%x", c.frames()[0]));

        Path vma = tmp.resolve("vma.mmlog");
        edit(log, vma, i, r -> {
            long[] mms = c.mms().clone();
            mms[3 + 1] += 4096; // the end of the first VMA of the first address space
            return new LogRecord.Checkpoint(c.pos(), c.regs(), c.frames(), mms, c.refcounts(), c.slabs(), c.slabHashes());
        });
        divergesAtTheEdit(log, vma, i, "VMA 0 of pid 2");

        Path slab = tmp.resolve("slab.mmlog");
        edit(log, slab, i, r -> {
            long[] h = c.slabHashes().clone();
            h[0] ^= 1;
            return new LogRecord.Checkpoint(c.pos(), c.regs(), c.frames(), c.mms(), c.refcounts(), c.slabs(), h);
        });
        divergesAtTheEdit(log, slab, i, "slab counters of cache " + c.slabs().get(0));
    }

    @Test
    void aCutShortLogIsReadUpToItsLastWholeRecordAndReplaysThatFar(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("churn.mmlog");
        record(config("malloc-churn"), log, new ByteArrayOutputStream());
        byte[] whole = Files.readAllBytes(log);
        List<LogRecord> all = LogReader.read(log).records();
        for (int cut : new int[] {whole.length - 1, whole.length / 2, whole.length / 3 + 7}) {
            Path part = tmp.resolve("cut-" + cut + ".mmlog");
            Files.write(part, Arrays.copyOf(whole, cut));
            LogReader.RunLog l = LogReader.read(part);
            assertTrue(l.truncated(), "cut at " + cut);
            assertNull(l.end());
            assertEquals(all.subList(0, l.records().size()), l.records(), "cut at " + cut + ": a prefix of the records");
            assertTrue(l.records().size() < all.size());
            ReplayResult p = Replay.replay(l, capture(new ByteArrayOutputStream()));
            assertTrue(p.agreedWithLog(), p.summary());
            assertEquals(ReplayResult.EXIT_TRUNCATED, p.exitStatus(), p.summary());
            assertEquals(l.records().size(), p.matched());
        }
    }

    /**
     * A recording killed outright (SIGKILL) while its guest waits on stdin: the log holds every
     * record appended before the kill (the output line the test waited for included), reads as cut
     * short, and replays up to its end.
     */
    @Test
    void aRecordingKilledOutrightLeavesEveryRecordItWrote(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("killed.mmlog");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        for (String p : List.of("mmemu.unicorn.lib", "mmemu.native.lib")) {
            if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
        }
        cmd.addAll(List.of(Main.class.getName(), "run", "--record", log.toString(),
                GuestProgram.named("tasks-hold").binary().toString(), "2", "2", "3"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("holding")) {
                // the guest's lines before it blocks on stdin
            }
            assertNotNull(line, "the guest reached its read of stdin");
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            p.waitFor();
        }
        LogReader.RunLog l = LogReader.read(log);
        assertTrue(l.truncated());
        assertNull(l.end());
        List<LogRecord> outputs = l.records().stream().filter(r -> r instanceof LogRecord.Output o && o.fd() == 1).toList();
        assertFalse(outputs.isEmpty(), "the output the test saw is in the log");
        assertTrue(l.records().stream().anyMatch(r -> r instanceof LogRecord.Sched), "the forks' scheduling is in the log");
        ReplayResult r = Replay.replay(l, capture(new ByteArrayOutputStream()));
        assertEquals(ReplayResult.EXIT_TRUNCATED, r.exitStatus(), r.summary());
        assertEquals(l.records().size(), r.matched());
    }

    @Test
    void whatIsNotALogIsAOneLineErrorWithStatus2(@TempDir Path tmp) throws IOException {
        Path junk = tmp.resolve("junk");
        Files.writeString(junk, "hello\n");
        assertEquals(2, Main.execute("replay", junk.toString()));
        assertEquals(2, Main.execute("replay", tmp.resolve("none").toString()));
        Path future = tmp.resolve("future");
        Files.write(future, new byte[] {'M', 'M', 'E', 'M', 'U', 'R', 'E', 'C', 99, 0});
        assertEquals(2, Main.execute("replay", future.toString()));
        assertEquals(2, Main.execute("shrink", "--until", "bogus", "-o", tmp.resolve("o").toString(), junk.toString()));
    }

    @Test
    void theCommandLineRecordsAndReplays(@TempDir Path tmp) {
        Path log = tmp.resolve("hello.mmlog");
        String hello = GuestProgram.named("hello").binary().toString();
        assertEquals(7, Main.execute("run", "--record", log.toString(), hello));
        assertEquals(0, Main.execute("replay", "--quiet", "--times", "3", log.toString()));
        assertEquals(0, Main.execute("replay", "--list", log.toString()));
    }

    static List<LogRecord> kinds(Path log, Class<?> kind) throws Exception {
        List<LogRecord> out = new ArrayList<>();
        for (LogRecord r : LogReader.read(log).records()) if (kind.isInstance(r)) out.add(r);
        return out;
    }
}
