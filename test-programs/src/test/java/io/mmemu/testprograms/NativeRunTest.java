package io.mmemu.testprograms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every guest program on the host kernel, the oracle, and checks that it still prints
 * exactly its {@code .expected} bytes and ends with its {@code .status}. When {@code setarch}
 * works here the program runs under {@code setarch x86_64 -R} (ASLR off); setarch execs the
 * program, so a killing signal still shows as 128 + signal in {@link Process#exitValue()}.
 * Stdout is a pipe, as the expectations assume (uname-and-ids prints ENOTTY for it).
 */
class NativeRunTest {

    private static final long TIMEOUT_SECONDS = 60;
    private static final List<String> ASLR_OFF = aslrOffPrefix();

    static Stream<GuestProgram> programs() {
        return GuestProgram.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void matchesTheHostKernel(GuestProgram program, @TempDir Path tmp) throws Exception {
        Run run = run(program.command(), tmp);
        String context = "guest program " + program.name() + " (" + String.join(" ", run.command) + ")\n"
                + "stderr:\n" + run.stderr;
        if (!Arrays.equals(program.expectedStdout(), run.stdout)) {
            fail("stdout differs for " + context + "\n--- expected (" + program.expectedStdout().length
                    + " bytes):\n" + program.expectedStdoutText() + "--- actual (" + run.stdout.length
                    + " bytes):\n" + new String(run.stdout, StandardCharsets.UTF_8) + "---");
        }
        assertEquals(program.expectedStatus(), run.status, () -> "exit status differs for " + context);
    }

    /** The status convention the expectations rely on: a signal death reads as 128 + signal. */
    @Test
    void signalDeathReadsAs128PlusSignal(@TempDir Path tmp) throws Exception {
        Run run = run(List.of("/bin/sh", "-c", "kill -SEGV $$"), tmp);
        assertEquals(128 + 11, run.status, "a shell killed by SIGSEGV");
    }

    /** Touch-pages at a size other than its .args: the checksum line must change, the count follow N. */
    @Test
    void touchPagesFollowsItsArgument(@TempDir Path tmp) throws Exception {
        GuestProgram touch = GuestProgram.named("touch-pages");
        Run run = run(List.of(touch.binary().toString(), "3"), tmp);
        String out = new String(run.stdout, StandardCharsets.UTF_8);
        assertEquals(0, run.status, out + run.stderr);
        assertTrue(out.endsWith("touched 3 pages\n"), out);
        assertTrue(!touch.expectedStdoutText().startsWith(out.substring(0, out.indexOf('\n'))),
                "checksum for 3 pages equals the one for " + touch.args() + ": " + out);
        Run bad = run(List.of(touch.binary().toString(), "many"), tmp);
        assertEquals(1, bad.status, "touch-pages with a non-numeric N");
    }

    private record Run(List<String> command, byte[] stdout, String stderr, int status) {}

    private static Run run(List<String> programCommand, Path tmp) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(ASLR_OFF);
        command.addAll(programCommand);
        Path stderrFile = tmp.resolve("stderr");
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectError(stderrFile.toFile())
                .start();
        byte[] stdout = process.getInputStream().readAllBytes();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Run(command, stdout, Files.readString(stderrFile, StandardCharsets.UTF_8), process.exitValue());
    }

    /** {@code setarch x86_64 -R} if it exists and is allowed to change the personality here. */
    private static List<String> aslrOffPrefix() {
        List<String> prefix = List.of("setarch", "x86_64", "-R");
        try {
            List<String> probe = new ArrayList<>(prefix);
            probe.add("true");
            Process p = new ProcessBuilder(probe).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? prefix : List.of();
        } catch (IOException | InterruptedException e) {
            return List.of();
        }
    }
}
