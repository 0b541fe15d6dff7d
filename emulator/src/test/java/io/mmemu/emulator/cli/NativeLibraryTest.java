package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mmemu run} with mmemu's native library missing, or built from older sources than the
 * Java code expects (a checkout updated without bin/setup): one line that says to run bin/setup
 * and status 1, never a stack trace.
 */
class NativeLibraryTest {
    /** The library as bin/setup built it before the clock shim: the instruction counter alone. */
    private static final String OLD_SOURCE = """
            #include <stdint.h>
            void mmemu_count_insn(void *uc, uint64_t address, uint32_t size, void *counter) {
                ++*(uint64_t *) counter;
            }
            """;

    @Test
    void anOutOfDateLibraryIsOneLineSayingToRunSetup(@TempDir Path dir) throws Exception {
        Path source = Files.writeString(dir.resolve("old.c"), OLD_SOURCE);
        Path lib = dir.resolve("libmmemu_native.so");
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", lib.toString(), source.toString())
                .redirectErrorStream(true).start();
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, gcc.exitValue(), new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        CliTest.Result r = mmemuWithNativeLib(lib, "run", "--stats", CliTest.bin("hello"));
        assertEquals(1, r.status(), r.stderr());
        assertEquals("mmemu: " + lib + " is out of date (it has no mmemu_clock_install; native/*.c changed): run bin/setup\n",
                r.stderr());
        assertEquals("", r.stdout(), "the program did not run");
    }

    @Test
    void aMissingLibraryIsOneLineSayingToRunSetup(@TempDir Path dir) throws Exception {
        Path lib = dir.resolve("libmmemu_native.so");
        CliTest.Result r = mmemuWithNativeLib(lib, "run", CliTest.bin("hello"));
        assertEquals(1, r.status(), r.stderr());
        assertEquals("mmemu: " + lib + " not found (it is built by bin/setup): run bin/setup\n", r.stderr());
    }

    private static CliTest.Result mmemuWithNativeLib(Path lib, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "-Dmmemu.native.lib=" + lib));
        String unicorn = System.getProperty("mmemu.unicorn.lib");
        if (unicorn != null && !unicorn.isBlank()) cmd.add("-Dmmemu.unicorn.lib=" + unicorn);
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(CliTest.HANG_SECONDS, TimeUnit.SECONDS), "mmemu hung");
        return new CliTest.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }
}
