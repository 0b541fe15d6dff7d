package io.mmemu.emulator.record;

import static io.mmemu.emulator.record.RecordReplayTest.capture;
import static io.mmemu.emulator.record.RecordReplayTest.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.cli.Main;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shrinking a recorded failing run to the faults that matter: failslab faults of the planted
 * ENOMEM bug, and forced preemptions of the planted race on four CPUs; the minimal log replays.
 */
class ShrinkTest {
    static RunConfig on4Cpus(RunConfig c) {
        return c.withMachine(c.ramBytes(), 4, c.quantum());
    }

    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void manyFailslabFaultsShrinkToTheOneMmapWhoseFailureCrashes(@TempDir Path tmp) throws Exception {
        RunConfig c = config("planted-enomem").withSeed(2).withFail(List.of("failslab:probability=40,verbose=0"));
        Path log = tmp.resolve("enomem.mmlog");
        RunResult r = RecordedRun.run(c, capture(new ByteArrayOutputStream()), log);
        assertEquals(11, r.signal(), "the planted bug crashes this seed: " + r.detail());
        int recorded = LogReader.read(log).injections().size();
        assertTrue(recorded > 2, "several faults to shrink: " + recorded);

        Path min = tmp.resolve("min.mmlog");
        Shrink.Result s = Shrink.shrink(log, ShrinkCondition.parse("signal=SIGSEGV"), min, null);
        assertEquals(recorded, s.original().size());
        assertEquals(1, s.remaining().size(), "left: " + s.remaining());
        assertEquals("failslab", s.remaining().getFirst().point());
        assertEquals("vm_area_struct", s.remaining().getFirst().site());
        for (int i = 0; i < 3; i++) {
            ReplayResult p = Replay.replay(min, capture(new ByteArrayOutputStream()));
            assertTrue(p.identical(), p.summary());
            assertEquals(139, p.run().status(), "the minimal log replays to the same crash");
        }
    }

    @Test
    void forcedPreemptionsOnFourCpusReplayAndShrinkToTheOneInTheRaceWindow(@TempDir Path tmp) throws Exception {
        // The window's position, as planted-race.h says: the probe leaves from inside it, T instructions in.
        RunConfig probe = on4Cpus(config("planted-race-4", "probe")).withCountInstructions(true);
        long t = GuestRun.run(probe, capture(new ByteArrayOutputStream()), 0, GuestRun.NONE).instructions();
        RunConfig c = on4Cpus(config("planted-race-4")).withFail(
                List.of("preempt:at=" + (t - 5) + "+" + (t + 1000) + "+" + (t + 2000) + "+" + (t + 4000) + ",verbose=0"));
        Path log = tmp.resolve("race.mmlog");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(1, RecordedRun.run(c, capture(out), log).status(), out.toString(StandardCharsets.UTF_8));
        assertEquals(4, LogReader.read(log).injections().size());
        assertTrue(LogReader.read(log).records().stream().anyMatch(x -> x instanceof LogRecord.Sched s
                && s.what() == io.mmemu.kernel.RunEvents.SCHED_PREEMPT), "forced preemptions recorded");
        ReplayResult p = Replay.replay(log, capture(new ByteArrayOutputStream()));
        assertTrue(p.identical(), p.summary());

        Path min = tmp.resolve("min.mmlog");
        Shrink.Result s = Shrink.shrink(log, ShrinkCondition.parse("status=1"), min, null);
        assertEquals(1, s.remaining().size(), "left: " + s.remaining());
        assertEquals(t - 5, s.remaining().getFirst().pos().instructions());
        ReplayResult q = Replay.replay(min, capture(new ByteArrayOutputStream()));
        assertTrue(q.identical(), q.summary());
        assertEquals(1, q.run().status());
    }

    @Test
    void anEditedInjectionIsTheFirstDivergence(@TempDir Path tmp) throws Exception {
        RunConfig c = config("planted-enomem").withSeed(2).withFail(List.of("failslab:probability=40,verbose=0"));
        Path log = tmp.resolve("enomem.mmlog");
        RecordedRun.run(c, capture(new ByteArrayOutputStream()), log);
        int i = RecordReplayTest.indexOf(log, LogRecord.Inject.class, 1);
        Path edited = tmp.resolve("edited.mmlog");
        RecordReplayTest.edit(log, edited, i, r -> {
            LogRecord.Inject j = (LogRecord.Inject) r;
            LogRecord.Position p = j.pos();
            return new LogRecord.Inject(new LogRecord.Position(p.entry(), 4242, p.cpu()), j.point(), j.call(), j.pid(),
                    j.site());
        });
        RecordReplayTest.divergesAtTheEdit(log, edited, i, "position");
    }

    @Test
    void aRunThatDoesNotMeetTheConditionIsRefusedAndConditionsAreChecked(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("hello.mmlog");
        RecordedRun.run(config("hello"), capture(new ByteArrayOutputStream()), log);
        assertThrows(IllegalStateException.class, () -> Shrink.shrink(log, ShrinkCondition.parse("status=0"),
                tmp.resolve("o"), null));
        assertEquals(1, Main.execute("shrink", log.toString(), "--until", "status=0", "-o", tmp.resolve("o").toString()));
        assertEquals(0, Main.execute("shrink", log.toString(), "--until", "stdout~hello from", "-o",
                tmp.resolve("o").toString()));
        for (String bad : List.of("status=x", "status=300", "signal=SIGNOPE", "stdout~(", "exit=1", "")) {
            assertThrows(IllegalArgumentException.class, () -> ShrinkCondition.parse(bad), bad);
        }
        assertEquals(11, ShrinkCondition.parse("signal=SIGSEGV").number());
        assertEquals(11, ShrinkCondition.parse("signal=segv").number());
        assertEquals(11, ShrinkCondition.parse("signal=11").number());
        assertEquals(ShrinkCondition.Kind.SLUB_REPORT, ShrinkCondition.parse("slub-report").kind());
        assertEquals(ShrinkCondition.Kind.STALE_TRANSLATION, ShrinkCondition.parse("stale-translation").kind());
    }
}
