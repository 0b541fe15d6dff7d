package io.mmemu.emulator;

import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The differential syscall fuzzer: test-programs' {@code sys-fuzz SEED COUNT} run on the host
 * kernel (under {@code setarch x86_64 -R} where allowed, stdin /dev/null, in a scratch working directory) and
 * under mmemu ({@code --no-aslr}, one CPU), and their outputs compared line by line. Each line is
 * one call and its result, so the first line that differs names the call, its arguments and both
 * answers; the lines before it show how the two got there.
 */
final class SyscallFuzz {
    private SyscallFuzz() {}

    private static final long TIMEOUT_SECONDS = 600;
    private static final int CONTEXT_LINES = 5;

    /** One run: its stdout, exit status and (for mmemu) the log. */
    record Run(String stdout, int status, String log) {}

    static GuestProgram program() {
        return GuestProgram.named("sys-fuzz");
    }

    /** {@code setarch x86_64 -R} where it may change the personality here (as NativeRunTest); the output does not depend on it. */
    private static final List<String> ASLR_OFF = aslrOffPrefix();

    private static List<String> aslrOffPrefix() {
        try {
            Process p = new ProcessBuilder("setarch", "x86_64", "-R", "true").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? List.of("setarch", "x86_64", "-R") : List.of();
        } catch (IOException | InterruptedException e) {
            return List.of();
        }
    }

    /** sys-fuzz natively, ASLR off, in {@code cwd} (relative names it looks up resolve there). */
    static Run host(long seed, int count, Path cwd) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(ASLR_OFF);
        command.addAll(List.of(program().binary().toString(), Long.toString(seed), Integer.toString(count)));
        Path err = cwd.resolve("stderr");
        Process p = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Run(new String(out, StandardCharsets.UTF_8), p.exitValue(), Files.readString(err));
    }

    /** sys-fuzz under mmemu: no ASLR, one CPU, 64 MiB of RAM. */
    static Run mmemu(long seed, int count) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineOptions options = new MachineOptions(64L << 20, false, 1, false, false, out, log,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        try (Machine m = new Machine(options)) {
            Path binary = program().binary();
            m.exec(binary, List.of(binary.toString(), Long.toString(seed), Integer.toString(count)), List.of());
            RunOutcome o = m.run();
            int status = o.killed() ? 128 + o.signal() : o.exitCode();
            return new Run(out.toString(StandardCharsets.UTF_8), status, log.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * The first difference between the host's and mmemu's output, with the lines before it, or
     * null when they are the same (and both ended with status 0).
     */
    static String firstDifference(long seed, int count, Run host, Run mmemu) {
        String[] h = host.stdout().lines().toArray(String[]::new);
        String[] e = mmemu.stdout().lines().toArray(String[]::new);
        int n = Math.min(h.length, e.length);
        int i = 0;
        while (i < n && h[i].equals(e[i])) i++;
        if (i == h.length && i == e.length && host.status() == 0 && mmemu.status() == 0) return null;
        StringBuilder sb = new StringBuilder("sys-fuzz " + seed + " " + count + ": ");
        if (i == h.length && i == e.length) {
            sb.append("same output, exit status host ").append(host.status()).append(", mmemu ").append(mmemu.status());
        } else {
            sb.append("first difference at line ").append(i + 1).append('\n');
            for (int k = Math.max(0, i - CONTEXT_LINES); k < i; k++) sb.append("  both:  ").append(h[k]).append('\n');
            sb.append("  host:  ").append(i < h.length ? h[i] : "(end of output, status " + host.status() + ")").append('\n');
            sb.append("  mmemu: ").append(i < e.length ? e[i] : "(end of output, status " + mmemu.status() + ")");
        }
        if (!host.log().isEmpty()) sb.append("\nhost stderr:\n").append(host.log());
        if (!mmemu.log().isEmpty()) sb.append("\nmmemu log:\n").append(mmemu.log());
        return sb.toString();
    }

    /** Runs one seed both ways; the first difference, or null. */
    static String compare(long seed, int count, Path cwd) throws Exception {
        return firstDifference(seed, count, host(seed, count, cwd), mmemu(seed, count));
    }
}
