package io.mmemu.testprograms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program on the host kernel, the oracle of every differential test, from the same
 * starting state whoever starts it: through {@code .oracle-exec} (src/oracle/oracle-exec.c, built
 * next to the guest programs), which resets what a process inherits across exec and the kernel's
 * answers depend on: the personality (ASLR off, as {@code setarch -R}), signal dispositions and
 * mask, resource limits (init's defaults: a JVM or CI runner with fewer open files gave pipe()
 * EMFILE, and mm-mmap-errno's lines changed), THP and KSM prctl state, umask, open descriptors and
 * the environment (empty, as mmemu gives its guests). Stdin is /dev/null, stdout a pipe.
 */
public final class HostOracle {
    /**
     * What one run printed and how it ended (a killing signal N reads as 128 + N).
     *
     * @param command the command line that ran: the launcher, the program, its arguments
     * @param stdout  the bytes written to stdout
     * @param stderr  what was written to stderr, decoded as UTF-8
     * @param status  the exit status: the exit code, or 128 + N for signal N
     */
    public record Result(List<String> command, byte[] stdout, String stderr, int status) {
        /** {@return {@link #stdout()} decoded as UTF-8} */
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    private HostOracle() {}

    /**
     * Runs {@code program} with {@code args} on the host, killed after {@code timeoutSeconds}.
     *
     * @param program        the static ELF binary
     * @param args           the arguments after argv[0]
     * @param timeoutSeconds how long it may run
     * @return what it printed and how it ended
     * @throws IOException          when it cannot start or does not finish in time
     * @throws InterruptedException when this thread is interrupted while waiting
     */
    public static Result run(Path program, List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.add(program.toString());
        command.addAll(args);
        // Both outputs go to files, so the timeout holds even for a program that hangs with its
        // stdout open (reading a pipe first would wait for it for ever).
        Path stdoutFile = Files.createTempFile("mmemu-oracle-", ".stdout");
        Path stderrFile = Files.createTempFile("mmemu-oracle-", ".stderr");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(stdoutFile.toFile())
                    .redirectError(stderrFile.toFile());
            pb.environment().clear(); // oracle-exec clears it too; this keeps the JVM's out of its own start
            Process process = pb.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(command, Files.readAllBytes(stdoutFile), Files.readString(stderrFile, StandardCharsets.UTF_8),
                    process.exitValue());
        } finally {
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
        }
    }

    /**
     * Runs a guest program with its own {@code .args}.
     *
     * @param program        the guest program
     * @param timeoutSeconds how long it may run
     * @return what it printed and how it ended
     * @throws IOException          when it cannot start or does not finish in time
     * @throws InterruptedException when this thread is interrupted while waiting
     */
    public static Result run(GuestProgram program, long timeoutSeconds) throws IOException, InterruptedException {
        return run(program.binary(), program.args(), timeoutSeconds);
    }

    /** The launcher built next to the guest programs. */
    static Path launcher() {
        Path dir = GuestProgram.named("hello").binary().getParent();
        Path launcher = dir.resolve(".oracle-exec");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException(launcher + " is missing: the oracle runs programs through it; rebuild "
                    + "test-programs (bin/test, or mvn -pl test-programs generate-resources)");
        }
        return launcher;
    }
}
