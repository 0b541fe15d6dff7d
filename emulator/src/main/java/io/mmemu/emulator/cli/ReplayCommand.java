package io.mmemu.emulator.cli;

import io.mmemu.emulator.record.LogFormatException;
import io.mmemu.emulator.record.LogReader;
import io.mmemu.emulator.record.LogRecord;
import io.mmemu.emulator.record.Replay;
import io.mmemu.emulator.record.ReplayResult;
import io.mmemu.emulator.run.GuestIo;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmemu replay FILE [--times N]}: re-runs a recorded run and checks it against its log. */
@Command(addMethodSubcommands = false, name = "replay", mixinStandardHelpOptions = true,
        description = "Re-runs a run recorded with mmemu run --record on a fresh machine, with the log's injected "
                + "faults, and checks every recorded event (ASLR and AT_RANDOM draws, getrandom bytes, clock "
                + "readings, scheduling decisions, injections, output) and every checkpoint's state hashes. Exit "
                + "status 0 when identical; 3 when it diverged, after a report of the first divergence (kernel "
                + "entry, instruction count when counted, CPU, the events before it, the part of the state that "
                + "differs); 4 when the log was cut short (a killed recording) and the replay agreed with all of it; "
                + "2 when the log cannot be read.")
public final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--times", paramLabel = "N", defaultValue = "1",
            description = "Replay N times in a row, each on a fresh machine (default: ${DEFAULT-VALUE}); the first "
                    + "replay that is not identical ends it.")
    int times = 1;

    @Option(names = "--quiet", description = "Discard the guest's output (by default the first replay's goes to "
            + "stdout and stderr as mmemu run's would; later ones are discarded).")
    boolean quiet;

    @Option(names = "--list", description = "Print the log instead of replaying it: its header (the run's "
            + "configuration) and each record, numbered as divergence reports number them.")
    boolean list;

    @Parameters(index = "0", paramLabel = "FILE", description = "A run log written by mmemu run --record.")
    Path file;

    /** The command with every option at its default; picocli sets the options given. */
    public ReplayCommand() {}

    @Override
    public Integer call() {
        if (list) return list(file, System.out, System.err);
        if (RunCommand.libraryMissing(System.err)) return 1;
        return replay(file, times, quiet, System.err);
    }

    /** The log at {@code file}, or null after one line on {@code log} saying why it cannot be read. */
    private static LogReader.RunLog read(Path file, PrintStream log) {
        try {
            return LogReader.read(file);
        } catch (IOException | LogFormatException e) {
            log.println("mmemu: replay: " + e.getMessage());
            return null;
        }
    }

    static int list(Path file, PrintStream out, PrintStream log) {
        LogReader.RunLog runLog = read(file, log);
        if (runLog == null) return 2;
        out.println("header " + runLog.configJson());
        int n = 1;
        for (LogRecord r : runLog.records()) out.println("#" + n++ + " " + r.describe() + " at " + r.pos());
        if (runLog.truncated()) out.println("(the log stops here: the recording was cut short)");
        return 0;
    }

    static int replay(Path file, int times, boolean quiet, PrintStream log) {
        if (times < 1) {
            log.println("mmemu: --times " + times + ": expected a positive count");
            return 2;
        }
        LogReader.RunLog runLog = read(file, log);
        if (runLog == null) return 2;
        for (int i = 1; i <= times; i++) {
            GuestIo io = GuestIo.standard(log);
            if (quiet || i > 1) io = io.withOutput(OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
            ReplayResult r;
            try {
                r = Replay.replay(runLog, io);
            } catch (LogFormatException e) {
                log.println("mmemu: replay: " + file + ": " + e.getMessage());
                return 2;
            } catch (IllegalArgumentException e) {
                log.println("mmemu: replay: " + file + ": " + e.getMessage());
                return 2;
            }
            log.println("mmemu: " + (times > 1 ? "replay " + i + "/" + times + ": " : "") + r.summary());
            if (!r.identical()) return r.exitStatus();
        }
        return 0;
    }
}
