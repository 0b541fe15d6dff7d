package io.mmemu.emulator.cli;

import io.mmemu.emulator.record.LogFormatException;
import io.mmemu.emulator.record.LogRecord;
import io.mmemu.emulator.record.Shrink;
import io.mmemu.emulator.record.ShrinkCondition;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmemu shrink FILE --until CONDITION -o OUT}: minimises the injected faults of a recorded failing run. */
@Command(addMethodSubcommands = false, name = "shrink", mixinStandardHelpOptions = true,
        description = "Minimises the injected faults (forced preemptions included) of a run recorded with mmemu run "
                + "--record, by delta debugging (ddmin): it re-runs the recorded configuration injecting subsets of "
                + "the recorded faults until no smaller subset still meets CONDITION, writes the smallest failing "
                + "run's log to OUT (it replays with mmemu replay), and prints the faults that remain. Exit status 0; "
                + "1 when the recorded run does not meet CONDITION; 2 for a bad argument or an unreadable log.")
public final class ShrinkCommand implements Callable<Integer> {
    @Option(names = "--until", paramLabel = "CONDITION", required = true, description = "What the run must still do: "
            + "status=N (exit status as a shell reports it, 128+N for signal N), signal=NAME|N (e.g. signal=SIGSEGV), "
            + "stdout~REGEX or stderr~REGEX (the guest's output contains a match), stale-translation (the checker "
            + "found one: record with --check-tlb), slub-report (a slab cache failed validation after the run).")
    String until;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", required = true, description = "Where the minimal run's log goes.")
    Path out;

    @Option(names = "--verbose", description = "Print one line per run tried.")
    boolean verbose;

    @Parameters(index = "0", paramLabel = "FILE", description = "A run log written by mmemu run --record.")
    Path file;

    /** The command with every option at its default; picocli sets the options given. */
    public ShrinkCommand() {}

    @Override
    public Integer call() {
        if (RunCommand.libraryMissing(System.err)) return 1;
        return shrink(file, until, out, verbose, System.out, System.err);
    }

    static int shrink(Path file, String until, Path out, boolean verbose, PrintStream stdout, PrintStream log) {
        ShrinkCondition condition;
        try {
            condition = ShrinkCondition.parse(until);
        } catch (IllegalArgumentException e) {
            log.println("mmemu: shrink: " + e.getMessage());
            return 2;
        }
        Shrink.Result r;
        try {
            r = Shrink.shrink(file, condition, out, verbose ? log : null);
        } catch (IOException | UncheckedIOException e) {
            log.println("mmemu: shrink: " + e.getMessage());
            return 2;
        } catch (LogFormatException e) {
            log.println("mmemu: shrink: " + e.getMessage());
            return 2;
        } catch (IllegalStateException e) {
            log.println("mmemu: shrink: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            log.println("mmemu: shrink: " + file + ": " + e.getMessage());
            return 2;
        }
        stdout.println("shrunk " + r.original().size() + " injected fault(s) to " + r.remaining().size() + " in "
                + r.runs() + " runs; the run still meets " + condition.text() + " (status " + r.result().status()
                + "); log written to " + out);
        for (LogRecord.Inject i : r.remaining()) stdout.println("  " + i.describe() + " at " + i.pos());
        return 0;
    }
}
