package io.mmemu.emulator.selftests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mmemu.emulator.cli.Main;
import io.mmemu.kernel.HugetlbSysfsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Linux's mm selftests as a differential suite (docs/selftests.md): every selftest listed in
 * selftests/matching.txt runs natively and under mmemu through selftests/run.sh, which compares
 * their filtered output and exit status, and must still match. The others are not skipped in
 * silence: each must have its row in docs/selftests.md's table, marked as not matching. The
 * selftests are provisioned first when missing (bin/setup selftests fetches Debian's
 * linux-source-6.12 and builds them).
 */
class MmSelftestsTest {
    /** How long provisioning may take: a download of 150 MB and two builds of 20 programs. */
    static final long SETUP_MINUTES = 30;
    /** selftests/run.sh's own limit per side is 120 s; this only catches a stuck script. */
    static final long RUN_SECONDS = 400;
    static final List<String> LIBCS = List.of("musl", "glibc");

    static Path root;

    @BeforeAll
    static void provision() throws IOException, InterruptedException {
        root = checkoutRoot();
        Process setup = new ProcessBuilder(root.resolve("bin/setup").toString(), "selftests")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        setup.getOutputStream().close();
        if (!setup.waitFor(SETUP_MINUTES, TimeUnit.MINUTES)) {
            setup.destroyForcibly().waitFor();
            fail("bin/setup selftests took more than " + SETUP_MINUTES + " minutes");
        }
        assertEquals(0, setup.exitValue(), "bin/setup selftests failed: run it by hand to see why");
    }

    /** The checkout: the first directory above the working directory with selftests/run.sh. */
    static Path checkoutRoot() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("selftests/run.sh")) && Files.isRegularFile(p.resolve("bin/setup"))) {
                return p;
            }
        }
        throw new IllegalStateException("no checkout with selftests/run.sh above " + System.getProperty("user.dir"));
    }

    static List<String> lines(String file) throws IOException {
        Path p = (root != null ? root : checkoutRoot()).resolve(file);
        return Files.readAllLines(p, StandardCharsets.UTF_8).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** The selftests whose output names every hugetlb page size the kernel offers. */
    static final Set<String> NEED_MODEL_HUGETLB_SIZES = Set.of("cow");
    /** The hugetlb sizes mmemu's model offers, as on an x86-64 host with GBPAGES, sorted. */
    static final List<String> MODEL_HUGETLB_SIZES = HugetlbSysfsFiles.HSTATES.stream().sorted().toList();

    /** {@return the host's /sys/kernel/mm/hugepages entries, sorted} */
    static List<String> hostHugetlbSizes() throws IOException {
        Path dir = Path.of("/sys/kernel/mm/hugepages");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static Stream<String> matching() throws IOException {
        return lines("selftests/matching.txt").stream();
    }

    /**
     * The mmemu command run.sh uses: this JVM's class path, not bin/mmemu, which would wait for the
     * build lock bin/test holds while the suite runs.
     */
    static String mmemuCommand() {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xss8m", "-cp", System.getProperty("java.class.path")));
        for (String prop : List.of("mmemu.unicorn.lib", "mmemu.native.lib")) {
            String v = System.getProperty(prop);
            if (v != null && !v.isBlank()) cmd.add("-D" + prop + "=" + v);
        }
        cmd.add(Main.class.getName());
        cmd.add("run");
        for (String word : cmd) {
            if (word.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalStateException("run.sh splits MMEMU_SELFTESTS_MMEMU at spaces, and this has one: " + word);
            }
        }
        return String.join(" ", cmd);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matching")
    void stillMatchesTheHostKernel(String libcAndName, @TempDir Path out) throws IOException, InterruptedException {
        String test = libcAndName.substring(libcAndName.indexOf('/') + 1);
        List<String> hostSizes = hostHugetlbSizes();
        Assumptions.assumeTrue(!NEED_MODEL_HUGETLB_SIZES.contains(test) || hostSizes.equals(MODEL_HUGETLB_SIZES),
                () -> libcAndName + " lists the huge page sizes it finds in /sys/kernel/mm/hugepages and tests each: mmemu's "
                        + "model has " + MODEL_HUGETLB_SIZES + ", this host " + hostSizes + " (1 GiB pages need "
                        + "the CPU's GBPAGES, pdpe1gb in /proc/cpuinfo): the host cannot be its oracle here");
        Path results = out.resolve("results.tsv");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("selftests/run.sh").toString(), "--only", libcAndName,
                "--results", results.toString(), "--out", out.resolve("runs").toString())
                .redirectErrorStream(true).redirectOutput(out.resolve("table.txt").toFile());
        pb.environment().put("MMEMU_SELFTESTS_MMEMU", mmemuCommand());
        Process run = pb.start();
        run.getOutputStream().close();
        if (!run.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
            run.destroyForcibly().waitFor();
            fail(libcAndName + ": selftests/run.sh took more than " + RUN_SECONDS + " s");
        }
        String table = Files.readString(out.resolve("table.txt"), StandardCharsets.UTF_8);
        assertTrue(run.exitValue() <= 1, "selftests/run.sh failed (status " + run.exitValue() + "):\n" + table);
        List<String> rows = Files.readAllLines(results, StandardCharsets.UTF_8);
        assertEquals(1, rows.size(), "one result for " + libcAndName + ":\n" + table);
        String[] f = rows.get(0).split("\t", -1);
        String libc = libcAndName.substring(0, libcAndName.indexOf('/'));
        String name = libcAndName.substring(libcAndName.indexOf('/') + 1);
        String detail = "\n" + table + "outputs: " + out.resolve("runs").resolve(libcAndName)
                + " (kept only while the test runs; selftests/run.sh --only " + libcAndName + " keeps them)";
        assertEquals(libc, f[0], detail);
        assertEquals(name, f[1], detail);
        assertEquals("yes", f[4], libcAndName + " no longer matches the host kernel: native " + f[2] + ", mmemu " + f[3]
                + "; " + f[5] + detail);
    }

    /**
     * protection_keys under the PKU model (docs/cpu-model.md), where the host has no oracle: the
     * selftest's own verdict must be "done (all tests OK)" with status 0, both libcs, 22 iterations
     * of its 21 cases (pkey faults, execute-only keys, the kernel's uaccess and GUP under PKRU,
     * ptrace PEEK/POKE of pkey memory, PKRU through PTRACE_GETREGSET/SETREGSET of NT_X86_XSTATE,
     * and its hugetlb setup finding an empty pool). Its root file system holds only the
     * /etc/passwd it reads.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("libcs")
    void protectionKeysPassUnderThePkuModel(String libc, @TempDir Path out) throws IOException, InterruptedException {
        Path etc = Files.createDirectories(out.resolve("root/etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n", StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(mmemuCommand().split(" ")));
        cmd.addAll(List.of("--cpu-model=skylake-server", "--root=" + out.resolve("root"),
                root.resolve(".mmemu/selftests").resolve(libc).resolve("protection_keys").toString()));
        Process run = new ProcessBuilder(cmd).directory(out.toFile()).redirectErrorStream(true)
                .redirectOutput(out.resolve("output.txt").toFile()).start();
        run.getOutputStream().close();
        if (!run.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
            run.destroyForcibly().waitFor();
            fail(libc + "/protection_keys under the PKU model took more than " + RUN_SECONDS + " s");
        }
        String output = Files.readString(out.resolve("output.txt"), StandardCharsets.UTF_8);
        String tail = output.substring(Math.max(0, output.length() - 2000));
        assertEquals(0, run.exitValue(), libc + "/protection_keys failed under the PKU model; its output ends:\n" + tail);
        assertTrue(output.contains("has pkeys: 1") && output.contains("test 20 PASSED (iteration 22)")
                && output.strip().endsWith("done (all tests OK)"), "no full pass; the output ends:\n" + tail);
    }

    static Stream<String> libcs() {
        return LIBCS.stream();
    }

    /**
     * Every target is either in selftests/matching.txt or explained in docs/selftests.md: its row
     * in the table ({@code | NAME | LIBC | native | mmemu | match | ...}) says no, and gives a cause.
     */
    @Test
    void everyOtherSelftestIsDocumentedAsNotMatchingWithItsCause() throws IOException {
        List<String> targets = lines("selftests/targets.txt");
        List<String> matching = lines("selftests/matching.txt");
        String docs = Files.readString(root.resolve("docs/selftests.md"), StandardCharsets.UTF_8);
        List<String> problems = new ArrayList<>();
        for (String m : matching) {
            String name = m.substring(m.indexOf('/') + 1);
            if (!targets.contains(name) || !LIBCS.contains(m.substring(0, m.indexOf('/')))) problems.add(m + ": not a target");
        }
        for (String name : targets) {
            for (String libc : LIBCS) {
                var row = Pattern.compile("^\\| " + Pattern.quote(name) + " \\| " + libc + " \\|([^|]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|",
                        Pattern.MULTILINE).matcher(docs);
                String expected = matching.contains(libc + "/" + name) ? "yes" : "no";
                if (!row.find()) {
                    problems.add(name + " " + libc + ": no row in docs/selftests.md");
                } else if (!row.group(3).strip().equals(expected)) {
                    problems.add(name + " " + libc + ": docs/selftests.md says match " + row.group(3).strip()
                            + ", selftests/matching.txt says " + expected);
                } else if (expected.equals("no") && row.group(4).strip().isEmpty()) {
                    problems.add(name + " " + libc + ": docs/selftests.md gives no cause");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
