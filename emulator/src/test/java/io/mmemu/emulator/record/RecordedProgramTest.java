package io.mmemu.emulator.record;

import static io.mmemu.emulator.record.RecordReplayTest.capture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.cli.Main;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log names its program as it was given (argv[0] stays that) and where the run started, with
 * the file's hash: it replays from any directory, and refuses a program that is not the recorded one.
 */
class RecordedProgramTest {
    @Test
    void aLogWithARelativeProgramReplaysFromAnotherDirectory(@TempDir Path tmp) throws Exception {
        Path bin = tmp.resolve("bin");
        Files.createDirectories(bin);
        Files.copy(GuestProgram.named("hello").binary(), bin.resolve("hello"));
        bin.resolve("hello").toFile().setExecutable(true);
        Path log = tmp.resolve("hello.mmlog");
        RunConfig c = RunConfig.defaults(Path.of("bin/hello"), List.of());
        assertEquals(7, RecordedRun.run(c, capture(new ByteArrayOutputStream()), log, 0, GuestRun.NONE,
                Recorder.DEFAULT_INTERVAL, null, tmp).status());

        // From the test's own directory, where no bin/hello exists: found where the run was recorded.
        ReplayResult r = Replay.replay(log, capture(new ByteArrayOutputStream()));
        assertTrue(r.identical(), r.summary());

        // The command line, started in yet another directory.
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        for (String prop : List.of("mmemu.unicorn.lib", "mmemu.native.lib")) {
            String v = System.getProperty(prop);
            if (v != null && !v.isBlank()) cmd.add("-D" + prop + "=" + v);
        }
        cmd.addAll(List.of(Main.class.getName(), "replay", "--quiet", log.toString()));
        Process p = new ProcessBuilder(cmd).directory(elsewhere.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void aRebuiltProgramIsRefusedWithItsHash(@TempDir Path tmp) throws Exception {
        Path prog = tmp.resolve("prog");
        Files.copy(GuestProgram.named("hello").binary(), prog);
        prog.toFile().setExecutable(true);
        Path log = tmp.resolve("prog.mmlog");
        RecordedRun.run(RunConfig.defaults(Path.of("prog"), List.of()), capture(new ByteArrayOutputStream()), log, 0,
                GuestRun.NONE, Recorder.DEFAULT_INTERVAL, null, tmp);
        Files.copy(GuestProgram.named("touch-pages").binary(), prog, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LogFormatException e = assertThrows(LogFormatException.class,
                () -> Replay.replay(log, capture(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("not the recorded one") && e.getMessage().contains("sha256"), e.getMessage());
        assertEquals(2, Main.execute("replay", "--quiet", log.toString()));
    }
}
