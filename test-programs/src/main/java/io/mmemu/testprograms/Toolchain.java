package io.mmemu.testprograms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds test fixtures with the host toolchain (musl-gcc, gcc, readelf) and runs them natively:
 * the host kernel is the oracle. A missing tool fails the test with the command that installs it.
 * Shared by the kernel's and the emulator's tests, hence here beside {@link HostOracle}.
 */
public final class Toolchain {
    private static final String SETUP_HINT = "run bin/setup (or: apt-get install musl-tools gcc binutils)";

    private Toolchain() {
    }

    /**
     * {@code musl-gcc -static}: an ET_EXEC.
     *
     * @param dir        the output directory
     * @param name       the binary's file name
     * @param source     the C source
     * @param extraFlags further compiler flags
     * @return the binary's path
     */
    public static Path muslStatic(Path dir, String name, String source, String... extraFlags) {
        List<String> cmd = new ArrayList<>(List.of("musl-gcc", "-static", "-O1", "-o", dir.resolve(name).toString()));
        cmd.addAll(List.of(extraFlags));
        cmd.add(writeSource(dir, name, source).toString());
        run(cmd, Map.of());
        return dir.resolve(name);
    }

    /**
     * A musl static PIE: ET_DYN without PT_INTERP, started by musl's self-relocating rcrt1.o.
     * ({@code musl-gcc -static-pie} cannot do this: its spec file always passes -dynamic-linker.)
     *
     * @param dir    the output directory
     * @param name   the binary's file name
     * @param source the C source
     * @return the binary's path
     */
    public static Path muslStaticPie(Path dir, String name, String source) {
        Path lib = muslLibDir();
        run(List.of("musl-gcc", "-O1", "-fPIE", "-static", "-nostartfiles",
                "-Wl,-pie,--no-dynamic-linker,-z,text", "-o", dir.resolve(name).toString(),
                lib.resolve("rcrt1.o").toString(), lib.resolve("crti.o").toString(),
                writeSource(dir, name, source).toString(), lib.resolve("crtn.o").toString()), Map.of());
        return dir.resolve(name);
    }

    /**
     * Plain {@code gcc}: a dynamically linked glibc PIE with PT_INTERP.
     *
     * @param dir    the output directory
     * @param name   the binary's file name
     * @param source the C source
     * @return the binary's path
     */
    public static Path gccDynamic(Path dir, String name, String source) {
        run(List.of("gcc", "-O1", "-o", dir.resolve(name).toString(), writeSource(dir, name, source).toString()),
                Map.of());
        return dir.resolve(name);
    }

    /**
     * {@code gcc -nostdlib -static -no-pie}: a libc-free ET_EXEC.
     *
     * @param dir        the output directory
     * @param name       the binary's file name
     * @param source     the C or assembly source
     * @param extraFlags further compiler flags
     * @return the binary's path
     */
    public static Path gccNostdlib(Path dir, String name, String source, String... extraFlags) {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-nostdlib", "-static", "-no-pie", "-O1",
                "-o", dir.resolve(name).toString()));
        cmd.addAll(List.of(extraFlags));
        cmd.add(writeSource(dir, name, source).toString());
        run(cmd, Map.of());
        return dir.resolve(name);
    }

    /**
     * Runs a command with exactly {@code env} as its environment; returns stdout, failing on a non-zero exit.
     *
     * @param command the command and its arguments
     * @param env     the whole environment
     * @return the bytes it wrote to stdout
     */
    public static byte[] run(List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().clear();
            pb.environment().putAll(env);
            if (!env.containsKey("PATH")) {
                pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            }
            pb.redirectError(ProcessBuilder.Redirect.PIPE);
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                return fail(command.getFirst() + " is not available (" + e.getMessage() + "): " + SETUP_HINT);
            }
            byte[] stdout = process.getInputStream().readAllBytes();
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return fail("timed out: " + command);
            }
            if (process.exitValue() != 0) {
                return fail("%s exited with %d:%n%s".formatted(command, process.exitValue(), stderr));
            }
            return stdout;
        } catch (IOException e) {
            return fail("running " + command + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted: " + command);
        }
    }

    /**
     * Runs a command with an empty environment, failing on a non-zero exit.
     *
     * @param command the command and its arguments
     * @return its stdout, decoded as UTF-8
     */
    public static String runText(List<String> command) {
        return new String(run(command, Map.of()), StandardCharsets.UTF_8);
    }

    /** The directory holding musl's crt files: next to the musl-gcc spec file, or a usual place. */
    static Path muslLibDir() {
        List<Path> candidates = new ArrayList<>();
        String wrapper = runText(List.of("sh", "-c", "cat \"$(command -v musl-gcc)\" 2>/dev/null || true"));
        Matcher m = Pattern.compile("-specs\\s+\"?([^\"\\s]+)").matcher(wrapper);
        if (m.find()) {
            candidates.add(Path.of(m.group(1)).getParent());
        }
        candidates.add(Path.of("/usr/lib/x86_64-linux-musl"));
        candidates.add(Path.of("/usr/lib/musl/lib"));
        candidates.add(Path.of("/usr/local/musl/lib"));
        for (Path dir : candidates) {
            if (Files.isRegularFile(dir.resolve("rcrt1.o"))) {
                return dir;
            }
        }
        return fail("musl's rcrt1.o not found in " + candidates + ": " + SETUP_HINT);
    }

    private static Path writeSource(Path dir, String name, String source) {
        Path file = dir.resolve(name + ".c");
        try {
            Files.writeString(file, source);
        } catch (IOException e) {
            fail("writing " + file + ": " + e);
        }
        return file;
    }

    /** Fails the calling test (as JUnit's fail() does: this module does not depend on JUnit). */
    private static <T> T fail(String message) {
        throw new AssertionError(message);
    }
}
