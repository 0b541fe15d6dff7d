package io.mmemu.emulator.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code mmemu run ARGS} in this JVM for tests of other packages: the status and mmemu's own messages. */
public final class RunCommandRunner {
    private RunCommandRunner() {}

    /**
     * The outcome of one run.
     *
     * @param status the exit status
     * @param log    what mmemu printed (its stderr)
     */
    public record Result(int status, String log) {}

    /**
     * Runs {@code mmemu run ARGS}; the guest's own output goes to this JVM's stdout.
     *
     * @param args the options, the program and its arguments
     * @return the status and mmemu's messages
     */
    public static Result run(List<String> args) {
        RunCommand opts = new RunCommand();
        new CommandLine(opts).setStopAtPositional(true).parseArgs(args.toArray(String[]::new));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = RunCommand.runProgram(opts.run.config(opts.program, opts.args), opts,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        return new Result(status, log.toString(StandardCharsets.UTF_8));
    }
}
