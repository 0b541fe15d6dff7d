package io.mmemu.emulator.debug;

import io.mmemu.emulator.cli.RunOptions;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code debug --batch} session of a test program in this JVM: its exit status, the transcript
 * (each command after the prompt, then its output) and the guest's stdout.
 *
 * @param status     the exit status
 * @param transcript what the session printed
 * @param stdout     what the guest wrote to its stdout
 */
record DebugSession(int status, String transcript, String stdout) {
    static DebugSession run(String program, String... commands) {
        GuestProgram guest = GuestProgram.named(program);
        try {
            Path script = Files.createTempFile("mmemu-debug", ".txt");
            try {
                Files.write(script, List.of(commands), StandardCharsets.UTF_8);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream guestOut = new ByteArrayOutputStream();
                ByteArrayOutputStream log = new ByteArrayOutputStream();
                PrintStream logStream = new PrintStream(log, true, StandardCharsets.UTF_8);
                GuestIo io = new GuestIo(new ByteArrayInputStream(new byte[0]), guestOut, log, logStream);
                List<String> options = new ArrayList<>(List.of("--no-aslr"));
                var config = new RunOptionsParser(options).options().config(guest.binary(), guest.args());
                int status = Debugger.batch(config, script, new PrintStream(out, true, StandardCharsets.UTF_8), io);
                return new DebugSession(status, out.toString(StandardCharsets.UTF_8), guestOut.toString(StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(script);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text the session printed after {@code command}'s prompt line, up to the next prompt. */
    String after(String command) {
        int i = transcript.indexOf(Console.PROMPT + command + "\n");
        if (i < 0) throw new AssertionError("no command " + command + " in:\n" + transcript);
        int start = i + Console.PROMPT.length() + command.length() + 1;
        int end = transcript.indexOf(Console.PROMPT, start);
        return transcript.substring(start, end < 0 ? transcript.length() : end);
    }

    /** The output of the {@code n}th (from 0) occurrence of {@code command}. */
    String after(String command, int n) {
        int from = 0;
        for (int k = 0; k <= n; k++) {
            from = transcript.indexOf(Console.PROMPT + command + "\n", from);
            if (from < 0) throw new AssertionError("no occurrence " + n + " of " + command + " in:\n" + transcript);
            if (k < n) from++;
        }
        int start = from + Console.PROMPT.length() + command.length() + 1;
        int end = transcript.indexOf(Console.PROMPT, start);
        return transcript.substring(start, end < 0 ? transcript.length() : end);
    }

    /** Parses run's options with picocli, as the command line would. */
    private record RunOptionsParser(List<String> args) {
        RunOptions options() {
            RunOptions o = new RunOptions();
            new picocli.CommandLine(o.mixin()).parseArgs(args.toArray(String[]::new));
            return o;
        }
    }
}
