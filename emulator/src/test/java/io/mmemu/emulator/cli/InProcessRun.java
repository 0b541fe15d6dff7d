package io.mmemu.emulator.cli;

import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mmemu run OPTIONS PROGRAM ARGS} of a test program in this JVM, as the command line would run
 * it: its exit status and what mmemu printed (its guest's output goes to this JVM's stdout).
 *
 * @param status the exit status
 * @param log    mmemu's own messages (--pmap, --tlb-dump, --stats ...)
 */
public record InProcessRun(int status, String log) {
    /**
     * Runs test program {@code program} with {@code options}.
     *
     * @param options the run options
     * @param program the test program's name
     * @return its status and mmemu's messages
     */
    public static InProcessRun run(List<String> options, String program) {
        GuestProgram guest = GuestProgram.named(program);
        List<String> args = new ArrayList<>(options);
        args.add(guest.binary().toString());
        args.addAll(guest.args());
        RunCommand opts = RunCommand.parse(args);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int status = RunCommand.runProgram(opts.config(), opts,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        return new InProcessRun(status, log.toString(StandardCharsets.UTF_8));
    }
}
