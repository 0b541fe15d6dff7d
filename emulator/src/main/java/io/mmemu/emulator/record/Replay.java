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
        FaultSchedule schedule = new FaultSchedule(injections(log.injections()));
        Replayer[] replayer = {null};
        EventTap.Streams streams = new EventTap.Streams();
        GuestIo tapped = io.withOutput(streams.tap(1, io.stdout()), streams.tap(2, io.stderr()));
        RunResult run = GuestRun.run(config, tapped, 0, new GuestRun.Observer() {
            @Override
            public void created(Machine machine) {
                replayer[0] = new Replayer(machine, log.records());
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
