package io.mmemu.emulator.record;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.mmemu.emulator.Machine;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.fault.FaultPoint;
import io.mmemu.fault.FaultSchedule;
import io.mmemu.fault.Injection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays a recorded run ({@code mmemu replay FILE}): the configuration of the log's header on a
 * fresh machine, the log's injected faults replayed by (point, call number), and every other
 * event regenerated and compared with the log, record by record, checkpoints part by part. A run
 * is deterministic given its configuration and its faults, so a replay that differs shows a
 * change of the emulator, of the host, or of the log.
 */
public final class Replay {
    private Replay() {}

    /**
     * Replays the log at {@code log}.
     *
     * @param log the log
     * @param io  the streams of the replayed guest
     * @return what the replay found
     * @throws IOException        when the log cannot be read
     * @throws LogFormatException when it is not a readable run log
     */
    public static ReplayResult replay(Path log, GuestIo io) throws IOException, LogFormatException {
        return replay(LogReader.read(log), io);
    }

    /**
     * Replays {@code log}.
     *
     * @param log the log, as read
     * @param io  the streams of the replayed guest
     * @return what the replay found
     * @throws LogFormatException when its header holds no run configuration this mmemu reads
     */
    public static ReplayResult replay(LogReader.RunLog log, GuestIo io) throws LogFormatException {
        RunConfig config = config(log);
        Path file = RecordedProgram.locate(log, config.program()).resolve(config.program());
        boolean timedOut = timeout(log) > 0;
        LogReader.RunLog whole = log;
        if (timedOut && log.end() != null && log.end().status() == RunResult.EXIT_STOPPED && config.maxInstructions() == 0) {
            // Wall time cut the recording: where is no part of the run, so the log is checked up
            // to the kernel entry of the cut (what happened there, the stop's own reschedule, the
            // last checkpoint and the end, goes) and reads as cut short.
            long cut = log.end().pos().entry();
            List<LogRecord> rs = new ArrayList<>(log.records());
            while (!rs.isEmpty() && rs.getLast().pos().entry() >= cut) rs.removeLast();
            log = new LogReader.RunLog(log.configJson(), rs, true);
        }
        LogReader.RunLog checked = log;
        FaultSchedule schedule = new FaultSchedule(injections(whole.injections()));
        Replayer[] replayer = {null};
        EventTap.Streams streams = new EventTap.Streams();
        // The guest reads what the recorded run read, chunk by chunk, whatever io's stdin holds.
        GuestIo tapped = new GuestIo(streams.tapInput(recordedInput(whole)), streams.tap(1, io.stdout()),
                streams.tap(2, io.stderr()), io.log());
        RunResult run = GuestRun.run(config, tapped, 0, new GuestRun.Observer() {
            @Override
            public void created(Machine machine) {
                if (timeSlices(checked)) machine.allowStopRequests(); // time slices as in the recorded run
                replayer[0] = new Replayer(machine, checked.records());
                streams.to(replayer[0]);
                replayer[0].attach();
            }

            @Override
            public void ended(Machine machine, RunResult result) {
                replayer[0].ended(result.status(), result.signal());
                replayer[0].endedEarly();
                replayer[0].detach();
            }
        }, schedule, file);
        Replayer r = replayer[0];
        if (r == null) {
            Divergence d = new Divergence(1, log.records().isEmpty() ? null : log.records().getFirst(), null,
                    "the program did not start: " + run.detail(), List.of());
            return new ReplayResult(d, log.truncated(), 0, log.records().size(), 0, run);
        }
        return new ReplayResult(r.divergence(), log.truncated(), r.matched(), log.records().size(), r.checkpoints(), run);
    }

    /** Whether the recorded run ran a lone task in time slices (it could be stopped from outside), from the header. */
    static boolean timeSlices(LogReader.RunLog log) {
        try {
            JsonObject o = JsonParser.parseString(log.configJson()).getAsJsonObject();
            return o.has("timeSlices") && o.get("timeSlices").getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The wall-time limit the recording ran under (0: none), from the header. */
    static double timeout(LogReader.RunLog log) {
        try {
            JsonObject o = JsonParser.parseString(log.configJson()).getAsJsonObject();
            return o.has("timeoutSeconds") ? o.get("timeoutSeconds").getAsDouble() : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * The run configuration a log's header holds.
     *
     * @param log the log
     * @return the configuration
     * @throws LogFormatException when the header holds none this mmemu reads
     */
    public static RunConfig config(LogReader.RunLog log) throws LogFormatException {
        try {
            JsonElement e = JsonParser.parseString(log.configJson());
            if (!e.isJsonObject() || !e.getAsJsonObject().has("config")) throw new JsonParseException("no \"config\" object");
            JsonObject o = e.getAsJsonObject().getAsJsonObject("config");
            return RunConfig.fromJson(o);
        } catch (JsonParseException | IllegalStateException | ClassCastException e) {
            throw new LogFormatException("the log's header holds no run configuration: " + e.getMessage());
        }
    }

    /**
     * The guest's stdin as the log recorded it: each read returns the next recorded chunk (the same
     * read() calls come in the same order), then end of file.
     *
     * @param log the log
     * @return the input
     */
    static InputStream recordedInput(LogReader.RunLog log) {
        List<LogRecord.Input> chunks = new ArrayList<>();
        for (LogRecord r : log.records()) if (r instanceof LogRecord.Input i) chunks.add(i);
        return new InputStream() {
            private int next;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) return 0;
                if (next >= chunks.size()) return -1;
                LogRecord.Input i = chunks.get(next++);
                if (i.length() < 0) return -1;
                int n = Math.min(len, i.length());
                System.arraycopy(i.bytes(), 0, b, off, n);
                return n;
            }
        };
    }

    /** The log's injections as the fault module's values (the schedule keys on point and call number). */
    static List<Injection> injections(List<LogRecord.Inject> recorded) throws LogFormatException {
        List<Injection> out = new ArrayList<>();
        for (LogRecord.Inject i : recorded) {
            FaultPoint p;
            try {
                p = FaultPoint.byName(i.point());
            } catch (IllegalArgumentException e) {
                throw new LogFormatException("the log injects at an unknown point: " + e.getMessage());
            }
            out.add(new Injection(p, i.call(), i.pos().cpu(), i.pid(), i.pos().instructions(), i.pos().entry(), i.site()));
        }
        return out;
    }
}
