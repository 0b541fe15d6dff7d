package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache's training (bin/setup-lib.sh) fails silently by design: the launcher then only
 * starts slower. So this checks that each training command still runs its guest to the end and
 * reaches the paths the training is there for.
 */
class AotTrainingTest {
    @Test
    void eachTrainingRunReachesWhatItTrains(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("input");
        Files.write(file, new byte[8 * 4096 + 17]);
        List<List<String>> commands = AotTraining.commands(GuestProgram.directory(), file);
        assertEquals(5, commands.size());

        String hello = run(commands.get(0));
        assertTrue(count(hello, "instructions") > 1000, hello);

        String churn = run(commands.get(1));
        assertTrue(count(churn, "page faults") > 10_000, "malloc-churn should fault tens of thousands of pages:\n" + churn);

        String threads = run(commands.get(2));
        assertTrue(count(threads, "syscalls") > 500, "mt-basic's threads should wait on futexes:\n" + threads);

        String precise = run(commands.get(3), io.mmemu.emulator.run.RunResult.EXIT_STOPPED);
        assertEquals(3_000_000, count(precise, "instructions"), "--precise stops after its budget:\n" + precise);
        assertTrue(count(precise, "page faults") > 1000, "--precise should fault pages in:\n" + precise);

        String cat = run(commands.get(4));
        // a read and a write per 4 KiB block, and the read that returns 0
        assertTrue(count(cat, "syscalls") > 2 * 9, "cat-file should read the whole file:\n" + cat);
    }

    /** Runs a training command in-process with {@code --stats} and returns its messages; its guest ends as recorded natively. */
    private static String run(List<String> command) {
        return run(command, -1);
    }

    /** Runs a training command in-process with {@code --stats} and returns its messages; it ends with {@code status} (-1: the guest's own). */
    private static String run(List<String> command, int status) {
        assertEquals("run", command.get(0));
        List<String> args = new ArrayList<>(command.subList(1, command.size()));
        if (!args.contains("--stats")) args.addFirst("--stats");
        RunCommand opts = RunCommand.parse(args);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int ended = RunCommand.runProgram(opts.config(), opts, new PrintStream(log, true, StandardCharsets.UTF_8));
        String messages = log.toString(StandardCharsets.UTF_8);
        String program = opts.config().program().getFileName().toString();
        assertEquals(status >= 0 ? status : GuestProgram.named(program).expectedStatus(), ended, program + ":\n" + messages);
        return messages;
    }

    /** The number after {@code label} at the start of a line of the statistics. */
    private static long count(String messages, String label) {
        return messages.lines().map(String::trim).filter(l -> l.startsWith(label + " "))
                .map(l -> Long.parseLong(l.substring(label.length()).trim().split("\\s+")[0].replace(",", "")))
                .findFirst().orElseThrow(() -> new AssertionError("no '" + label + "' in:\n" + messages));
    }
}
