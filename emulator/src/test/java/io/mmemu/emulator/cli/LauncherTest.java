package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/mmemu's build as several users of one checkout meet it: launchers started together, a
 * launcher beside bin/test, a failed build, old runtimes cleaned up. It runs the real scripts of
 * bin/ in a scratch checkout whose Maven and java are stand-ins (resources {@code launcher/mvn}
 * and {@code launcher/java}): the Maven one empties and rewrites target/ as a real build does,
 * logs every build and any build that overlaps another; the java one checks that its class path
 * holds one complete build from its start to its end, and says which build it ran.
 */
class LauncherTest {
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    Path root;

    private int runs;

    /** One started script, its output in files (no pipe can fill up and block it). */
    private record Run(Process process, Path out, Path err) {
        int status() throws InterruptedException {
            assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "still running after " + TIMEOUT_SECONDS + " s");
            return process.exitValue();
        }

        String stdout() throws IOException {
            return Files.readString(out);
        }

        String stderr() throws IOException {
            return Files.readString(err);
        }
    }

    @BeforeEach
    void scratchCheckout() throws IOException {
        Path repo = repositoryRoot();
        for (String script : List.of("mmemu", "test", "setup-lib.sh")) {
            executable(Files.copy(repo.resolve("bin").resolve(script), mkdirs(root.resolve("bin")).resolve(script)));
        }
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        for (String module : List.of("slub", "mm-model", "tlb", "kernel", "test-programs", "emulator")) {
            Files.writeString(mkdirs(root.resolve(module)).resolve("pom.xml"), "<project/>\n");
            Files.writeString(mkdirs(root.resolve(module).resolve("src")).resolve("Source.java"), "class Source {}\n");
        }
        Files.writeString(root.resolve("test-programs/build-guests.sh"), "#!/bin/sh\n");
        Path tools = mkdirs(root.resolve("tools"));
        fake("mvn", tools.resolve("mvn"));
        executable(Files.writeString(tools.resolve("musl-gcc"), "#!/bin/sh\nexit 0\n"));
        fake("java", mkdirs(root.resolve("jdk/bin")).resolve("java"));
        Path lib = mkdirs(root.resolve("lib"));
        Files.writeString(lib.resolve("libunicorn.so.2"), "");
        Files.writeString(lib.resolve("libmmemu_native.so"), "");
        Files.writeString(mkdirs(root.resolve(".mmemu")).resolve("settings"), "JAVA_HOME='" + root.resolve("jdk")
                + "'\nMMEMU_UNICORN_LIB='" + lib.resolve("libunicorn.so.2") + "'\nMMEMU_NATIVE_LIB='"
                + lib.resolve("libmmemu_native.so") + "'\nMMEMU_CAPSTONE_LIB=''\n");
    }

    @Test
    void twoLaunchersStartedTogetherBuildOnceAndBothRunThatBuild() throws Exception {
        Run a = start(Map.of(), "bin/mmemu", "run", "prog");
        Run b = start(Map.of(), "bin/mmemu", "run", "prog");
        assertEquals(0, a.status(), a.stdout() + a.stderr());
        assertEquals(0, b.status(), b.stdout() + b.stderr());
        assertEquals("ran build 1, AOT cache: yes\n", a.stdout());
        assertEquals("ran build 1, AOT cache: yes\n", b.stdout());
        assertEquals(List.of("build 1"), builds());
    }

    @Test
    void aLauncherBesideBinTestRunsItsOwnCopyWithoutWaiting() throws Exception {
        assertEquals(0, start(Map.of(), "bin/mmemu", "run", "prog").status());
        Run test = start(Map.of(), "bin/test");
        await(() -> Files.exists(root.resolve("tests-running")), "bin/test's tests to start");
        Run launcher = start(Map.of(), "bin/mmemu", "run", "prog");
        assertEquals(0, launcher.status(), launcher.stdout() + launcher.stderr());
        assertEquals("ran build 1, AOT cache: yes\n", launcher.stdout(), "the runtime is a copy bin/test's build never touches");
        assertTrue(test.process().isAlive(), "the launcher ran while bin/test's tests were still running");
        Files.writeString(root.resolve("tests-may-end"), "");
        assertEquals(0, test.status(), test.stdout() + test.stderr());
        assertEquals(List.of("build 1", "build 2"), builds());
    }

    @Test
    void aLauncherThatMustBuildWaitsForBinTestThenBuilds() throws Exception {
        assertEquals(0, start(Map.of(), "bin/mmemu", "run", "prog").status());
        editSource();
        Run test = start(Map.of(), "bin/test");
        await(() -> Files.exists(root.resolve("tests-running")), "bin/test's tests to start");
        Run launcher = start(Map.of(), "bin/mmemu", "run", "prog");
        await(() -> launcher.stderr().contains("waiting for the build"), "the launcher to say it waits");
        assertTrue(launcher.process().isAlive(), "no build while bin/test holds target/");
        Files.writeString(root.resolve("tests-may-end"), "");
        assertEquals(0, test.status(), test.stdout() + test.stderr());
        assertEquals(0, launcher.status(), launcher.stdout() + launcher.stderr());
        assertEquals("ran build 3, AOT cache: yes\n", launcher.stdout());
        assertEquals(List.of("build 1", "build 2", "build 3"), builds());
    }

    @Test
    void aRuntimeInUseIsKeptUntilItsRunEndsThenRemoved() throws Exception {
        Path gate = root.resolve("java-may-end");
        Run held = start(Map.of("FAKE_JAVA_GATE", gate.toString()), "bin/mmemu", "run", "prog");
        await(() -> Files.exists(Path.of(gate + ".started")), "the first run's java to start");
        editSource();
        Run second = start(Map.of(), "bin/mmemu", "run", "prog");
        assertEquals(0, second.status(), second.stdout() + second.stderr());
        assertEquals("ran build 2, AOT cache: yes\n", second.stdout());
        assertEquals(2, runtimeDirectories().size(), "the first runtime is still in use");
        Files.writeString(gate, "");
        assertEquals(0, held.status(), held.stdout() + held.stderr());
        assertEquals("ran build 1, AOT cache: yes\n", held.stdout(), "its files stayed as they were while it ran");
        editSource();
        assertEquals(0, start(Map.of(), "bin/mmemu", "run", "prog").status());
        List<Path> left = runtimeDirectories();
        assertEquals(1, left.size(), "unused runtimes are removed by the next build: " + left);
        assertEquals(left.get(0).getFileName().toString(), currentRuntime());
    }

    @Test
    void aFailedBuildSaysSoAndTheNextRunBuildsAgain() throws Exception {
        assertEquals(0, start(Map.of(), "bin/mmemu", "run", "prog").status());
        String before = currentRuntime();
        editSource();
        Run failed = start(Map.of("FAKE_MVN_FAIL", "1"), "bin/mmemu", "run", "prog");
        assertEquals(1, failed.status());
        assertEquals("", failed.stdout());
        assertTrue(failed.stderr().contains("[ERROR] the fake build failed"), failed.stderr());
        assertTrue(failed.stderr().contains("the build failed (full log: .mmemu/build.log)"), failed.stderr());
        assertEquals(before, currentRuntime(), "the runtime in use stays");
        Run next = start(Map.of(), "bin/mmemu", "run", "prog");
        assertEquals(0, next.status(), next.stderr());
        assertEquals("ran build 3, AOT cache: yes\n", next.stdout());
    }

    @Test
    void withoutAnAotCacheTheLauncherRunsAllTheSame() throws Exception {
        Run r = start(Map.of("FAKE_NO_AOT_CACHE", "1"), "bin/mmemu", "run", "prog");
        assertEquals(0, r.status(), r.stderr());
        assertEquals("ran build 1, AOT cache: no\n", r.stdout());
        assertEquals("mmemu: building (first run or sources changed)...\n", r.stderr());
        Run again = start(Map.of(), "bin/mmemu", "run", "prog");
        assertEquals(0, again.status(), again.stderr());
        assertEquals("ran build 1, AOT cache: no\n", again.stdout(), "up to date: no second build");
    }

    // ------------------------------------------------------------------------------------------

    private Run start(Map<String, String> env, String... command) throws IOException {
        int n = ++runs;
        Path out = root.resolve("run-" + n + ".out");
        Path err = root.resolve("run-" + n + ".err");
        List<String> cmd = new ArrayList<>(List.of("bash"));
        cmd.add(root.resolve(command[0]).toString());
        cmd.addAll(List.of(command).subList(1, command.length));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> environment = pb.environment();
        environment.keySet().removeIf(k -> k.startsWith("FAKE_") || k.startsWith("MMEMU_") || k.equals("JAVA_HOME"));
        environment.put("PATH", root.resolve("tools") + ":" + System.getenv("PATH"));
        environment.putAll(new HashMap<>(env));
        return new Run(pb.start(), out, err);
    }

    /** Builds as the stand-in Maven logged them; an overlap of two builds fails here. */
    private List<String> builds() throws IOException {
        List<String> log = Files.readAllLines(root.resolve("mvn.log"));
        assertFalse(log.stream().anyMatch(l -> l.startsWith("overlap")), "two builds at once:\n" + String.join("\n", log));
        return log.stream().map(l -> l.substring(0, l.indexOf(':'))).toList();
    }

    private List<Path> runtimeDirectories() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve(".mmemu"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("runtime.") && Files.isDirectory(p)).sorted().toList();
        }
    }

    private String currentRuntime() throws IOException {
        return Files.readString(root.resolve(".mmemu/current-runtime")).strip();
    }

    /** A source change after the last build (its stamp is the time that build started). */
    private void editSource() throws IOException {
        Files.writeString(root.resolve("emulator/src/Source.java"), "class Source { int edit" + runs + "; }\n");
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!check.holds()) {
            assertTrue(System.nanoTime() < deadline, "waited " + TIMEOUT_SECONDS + " s for " + what);
            Thread.sleep(20);
        }
    }

    private void fake(String name, Path to) throws IOException {
        try (InputStream in = LauncherTest.class.getResourceAsStream("launcher/" + name)) {
            Files.write(to, in.readAllBytes());
        }
        executable(to);
    }

    private static Path executable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static Path mkdirs(Path dir) throws IOException {
        return Files.createDirectories(dir);
    }

    /** The checkout this test runs in: the directory above the working directory that holds bin/mmemu. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("bin/mmemu"))) return dir;
        }
        throw new IllegalStateException("no bin/mmemu above " + Path.of("").toAbsolutePath());
    }
}
