package io.mmemu.emulator.record;

import com.google.gson.JsonObject;
import io.mmemu.emulator.Machine;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.fault.FaultSchedule;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A guest run recorded to a log ({@code mmemu run --record FILE}, a campaign's seeds): the run of
 * {@link GuestRun} with a {@link Recorder} attached before the first execve(), and the guest's
 * stdout and stderr hashed chunk by chunk on their way out.
 */
public final class RecordedRun {
    private RecordedRun() {}

    /**
     * Runs {@code config} and records it to {@code log}.
     *
     * @param config what to run
     * @param io     the streams
     * @param log    the log to write (created or truncated)
     * @return how the run ended
     * @throws IOException when the log cannot be written
     * @throws IllegalArgumentException when the configuration is invalid
     */
    public static RunResult run(RunConfig config, GuestIo io, Path log) throws IOException {
        return run(config, io, log, 0);
    }

    /**
     * Runs {@code config} and records it to {@code log}, stopped after {@code timeoutSeconds} of
     * wall time (a campaign's seeds: a seed whose program never ends costs that much, not the
     * campaign).
     *
     * @param config         what to run
     * @param io             the streams
     * @param log            the log to write (created or truncated)
     * @param timeoutSeconds wall-time limit, 0 for none (a run cut by it replays only up to the cut)
     * @return how the run ended
     * @throws IOException when the log cannot be written
     * @throws IllegalArgumentException when the configuration is invalid
     */
    public static RunResult run(RunConfig config, GuestIo io, Path log, double timeoutSeconds) throws IOException {
        return run(config, io, log, timeoutSeconds, GuestRun.NONE, Recorder.DEFAULT_INTERVAL);
    }

    /**
     * Runs {@code config} and records it to {@code log}, with a timeout and another observer.
     *
     * @param config             what to run
     * @param io                 the streams
     * @param log                the log to write (created or truncated)
     * @param timeoutSeconds     wall-time limit, 0 for none (a run cut by it replays only up to the cut)
     * @param also               another observer of the run (the command line's views), told after the recorder
     * @param checkpointInterval kernel entries between checkpoints, positive
     * @return how the run ended
     * @throws IOException when the log cannot be written
     * @throws IllegalArgumentException when the configuration or the interval is invalid
     */
    public static RunResult run(RunConfig config, GuestIo io, Path log, double timeoutSeconds, GuestRun.Observer also,
            long checkpointInterval) throws IOException {
        return run(config, io, log, timeoutSeconds, also, checkpointInterval, null, false, Path.of("").toAbsolutePath());
    }

    /**
     * {@link #run(RunConfig, GuestIo, Path, double, GuestRun.Observer, long)} injecting exactly
     * {@code schedule}'s faults, as if started in {@code cwd}.
     */
    static RunResult run(RunConfig config, GuestIo io, Path log, double timeoutSeconds, GuestRun.Observer also,
            long checkpointInterval, FaultSchedule schedule, Path cwd) throws IOException {
        return run(config, io, log, timeoutSeconds, also, checkpointInterval, schedule, false, cwd);
    }

    /**
     * {@link #run(RunConfig, GuestIo, Path, double, GuestRun.Observer, long)} injecting exactly
     * {@code schedule}'s faults, in time slices even for a lone task when {@code stoppable}, as if
     * started in {@code cwd} (shrink re-records a run recorded elsewhere, perhaps under a timeout).
     */
    static RunResult run(RunConfig config, GuestIo io, Path log, double timeoutSeconds, GuestRun.Observer also,
            long checkpointInterval, FaultSchedule schedule, boolean stoppable, Path cwd) throws IOException {
        if (checkpointInterval < 1) {
            throw new IllegalArgumentException("--checkpoint-every " + checkpointInterval + ": expected a positive count");
        }
        config.validate();
        try (LogWriter writer = new LogWriter(log, header(config, checkpointInterval, cwd, timeoutSeconds,
                stoppable || timeoutSeconds > 0))) {
            Recorder[] recorder = {null};
            EventTap.Streams streams = new EventTap.Streams();
            GuestIo tapped = new GuestIo(streams.tapInput(io.stdin()), streams.tap(1, io.stdout()),
                    streams.tap(2, io.stderr()), io.log());
            return GuestRun.run(config, tapped, timeoutSeconds, new GuestRun.Observer() {
                @Override
                public void created(Machine machine) {
                    if (stoppable) machine.allowStopRequests();
                    recorder[0] = new Recorder(machine, writer, checkpointInterval);
                    streams.to(recorder[0]);
                    recorder[0].attach();
                    also.created(machine);
                }

                @Override
                public void started(Machine machine) {
                    also.started(machine);
                }

                @Override
                public void ended(Machine machine, RunResult result) {
                    recorder[0].ended(result.status(), result.signal());
                    recorder[0].detach();
                    also.ended(machine, result);
                }
            }, schedule, cwd.resolve(config.program()));
        }
    }

    /**
     * The log's header: the configuration as RunConfig's JSON form, the checkpoint interval, where
     * the program was and what it held ({@link RecordedProgram}), the timeout if any and whether a
     * lone task ran in time slices.
     */
    static String header(RunConfig config, long checkpointInterval, Path cwd, double timeoutSeconds, boolean stoppable) {
        JsonObject o = new JsonObject();
        o.add("config", config.toJson());
        o.add("programFile", RecordedProgram.describe(config.program(), cwd));
        o.addProperty("checkpointEvery", checkpointInterval);
        if (timeoutSeconds > 0) o.addProperty("timeoutSeconds", timeoutSeconds);
        // A run that may be stopped from outside runs even a lone task in time slices (RunLimits): a replay must too.
        if (stoppable) o.addProperty("timeSlices", true);
        return o.toString();
    }
}
