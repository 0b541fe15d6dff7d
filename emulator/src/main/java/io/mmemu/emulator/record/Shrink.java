package io.mmemu.emulator.record;

import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.fault.FaultSchedule;
import io.mmemu.fault.Injection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimises the injected faults of a recorded failing run ({@code mmemu shrink}) with Zeller and
 * Hildebrandt's ddmin: runs of the recorded configuration that inject only a subset of the
 * recorded faults (by point and call number, as a replay does) are judged by the condition alone
 * (they are expected to differ from the log after a removed fault), until no smaller subset that
 * a split can find still fails. Every run is recorded, and the log of the smallest failing one is
 * the result: it replays as it is.
 *
 * <p>Forced preemptions are faults of the {@code preempt} point, so they shrink the same way.
 */
public final class Shrink {
    private Shrink() {}

    /**
     * What a shrink found.
     *
     * @param original  the faults the recorded run injected
     * @param remaining the faults the minimal run injected (the written log's)
     * @param runs      the runs it took
     * @param result    how the minimal run ended
     */
    public record Result(List<LogRecord.Inject> original, List<LogRecord.Inject> remaining, int runs, RunResult result) {}

    /**
     * Shrinks the log at {@code log} to {@code out}.
     *
     * @param log       the recorded failing run
     * @param condition what the minimal run must still do
     * @param out       where the minimal run's log goes
     * @param progress  one line per run tried, or null for none
     * @return the faults before and after
     * @throws IOException        when a log cannot be read or written
     * @throws LogFormatException when {@code log} is not a readable run log
     * @throws IllegalStateException when the recorded run does not meet {@code condition} when re-run
     */
    public static Result shrink(Path log, ShrinkCondition condition, Path out, PrintStream progress)
            throws IOException, LogFormatException {
        LogReader.RunLog recorded = LogReader.read(log);
        RunConfig config = Replay.config(recorded);
        List<Injection> all = Replay.injections(recorded.injections());
        Path dir = Files.createTempDirectory("mmemu-shrink");
        Tester t = new Tester(config, RecordedProgram.locate(recorded, config.program()), condition, dir, progress,
                recorded);
        try {
            Path best = t.test(all);
            if (best == null) {
                throw new IllegalStateException("the recorded run, re-run with its " + all.size()
                        + " faults, does not meet " + condition.text() + " (" + t.lastDetail + ")");
            }
            List<Injection> c = all;
            Path empty = c.isEmpty() ? null : t.test(List.of());
            if (empty != null) {
                c = List.of();
                best = empty;
            }
            int n = 2;
            while (c.size() >= 2) {
                List<List<Injection>> parts = split(c, n);
                boolean reduced = false;
                for (List<Injection> part : parts) {
                    Path p = t.test(part);
                    if (p != null) {
                        c = part;
                        best = p;
                        n = 2;
                        reduced = true;
                        break;
                    }
                }
                if (!reduced && n > 2) {
                    for (List<Injection> part : parts) {
                        List<Injection> complement = new ArrayList<>(c);
                        complement.removeAll(part);
                        Path p = t.test(complement);
                        if (p != null) {
                            c = complement;
                            best = p;
                            n = Math.max(n - 1, 2);
                            reduced = true;
                            break;
                        }
                    }
                }
                if (!reduced) {
                    if (n >= c.size()) break;
                    n = Math.min(2 * n, c.size());
                }
            }
            Files.copy(best, out, StandardCopyOption.REPLACE_EXISTING);
            LogReader.RunLog minimal = LogReader.read(out);
            return new Result(recorded.injections(), minimal.injections(), t.runs, t.results.get(best));
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    /** {@code c} in {@code n} nearly equal consecutive parts. */
    private static List<List<Injection>> split(List<Injection> c, int n) {
        List<List<Injection>> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            int end = start + (c.size() - start) / (n - i);
            if (end > start) parts.add(List.copyOf(c.subList(start, end)));
            start = end;
        }
        return parts;
    }

    /** Runs a subset of the faults, recorded, and judges it by the condition. */
    private static final class Tester {
        private final RunConfig config;
        /** The directory the run starts in (where the program was found). */
        private final Path cwd;
        private final ShrinkCondition condition;
        private final Path dir;
        private final PrintStream progress;
        private final Map<Path, RunResult> results = new HashMap<>();
        int runs;
        String lastDetail = "";

        private final LogReader.RunLog recorded;

        Tester(RunConfig config, Path cwd, ShrinkCondition condition, Path dir, PrintStream progress,
                LogReader.RunLog recorded) {
            this.recorded = recorded;
            this.config = config;
            this.cwd = cwd;
            this.condition = condition;
            this.dir = dir;
            this.progress = progress;
        }

        /** The log of a run injecting exactly {@code faults}, when it meets the condition; else null. */
        Path test(List<Injection> faults) throws IOException {
            runs++;
            Path log = dir.resolve("run-" + runs + ".mmlog");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream mmemuLog = new PrintStream(OutputStream.nullOutputStream());
            GuestIo io = new GuestIo(Replay.recordedInput(recorded), out, err, mmemuLog); // the recorded stdin
            FaultSchedule schedule = new FaultSchedule(faults);
            RunResult r = RecordedRun.run(config, io, log, 0, GuestRun.NONE, Recorder.DEFAULT_INTERVAL, schedule,
                    Replay.timeSlices(recorded), cwd);
            boolean holds = condition.holds(r, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            lastDetail = "status " + r.status() + (r.detail().isEmpty() ? "" : ", " + r.detail());
            if (progress != null) {
                progress.println("mmemu: shrink: run " + runs + " with " + faults.size() + " fault(s): " + lastDetail
                        + (holds ? " -> meets " + condition.text() : ""));
            }
            if (!holds) {
                Files.deleteIfExists(log);
                return null;
            }
            results.put(log, r);
            return log;
        }
    }
}
