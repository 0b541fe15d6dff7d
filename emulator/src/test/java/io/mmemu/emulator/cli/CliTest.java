package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.testprograms.GuestProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user meets it, in a separate JVM: the guest's output passes through,
 * mmemu's own messages go to stderr, exit statuses are the guest's or 128+signal, bad input is
 * one line and status 126/127, never a stack trace.
 */
class CliTest {
    record Result(int status, String stdout, String stderr) {}

    /** How long a command may take before it counts as hung (it is killed and the test fails). */
    static final long HANG_SECONDS = 120;

    static Result mmemu(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        for (String prop : List.of("mmemu.unicorn.lib", "mmemu.native.lib")) {
            String v = System.getProperty(prop);
            if (v != null && !v.isBlank()) cmd.add("-D" + prop + "=" + v);
        }
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("mmemu-out", ".txt");
        Path err = Files.createTempFile("mmemu-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(HANG_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("mmemu " + String.join(" ", args) + " hung for " + HANG_SECONDS + " s; stderr:\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static String bin(String name) {
        return GuestProgram.named(name).binary().toString();
    }

    static void assertNoStackTrace(Result r) {
        assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), "stack trace on stderr:\n" + r.stderr());
    }

    @Test
    void helloPrintsExactlyItsLineAndExitsWithItsStatus() throws Exception {
        Result r = mmemu("run", bin("hello"));
        assertEquals("hello from guest with 1 args\n", r.stdout());
        assertEquals(7, r.status());
        assertEquals("", r.stderr(), "mmemu printed nothing of its own");
    }

    @Test
    void optionsAfterTheProgramBelongToTheGuest() throws Exception {
        Result r = mmemu("run", "--no-aslr", bin("hello"), "--stats", "x");
        assertEquals("hello from guest with 3 args\n", r.stdout());
        assertFalse(r.stderr().contains("statistics"), r.stderr());
    }

    @Test
    void statsGoToStderrWithInstructionsFaultsFillsAndTime() throws Exception {
        Result r = mmemu("run", "--stats", bin("touch-pages"), "300");
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stdout().contains("touched 300 pages"), r.stdout());
        for (String line : List.of("instructions", "page faults", "TLB preset", "shootdown", "wall time")) {
            assertTrue(r.stderr().contains(line), line + " missing from\n" + r.stderr());
        }
        assertFalse(r.stdout().contains("statistics"));
    }

    /** The blocks Unicorn translated: the same for a program whatever its loops' length, unlike its instructions. */
    @Test
    void blocksTranslatedCountsTranslationsNotExecutions() throws Exception {
        Result small = mmemu("run", "--stats", bin("touch-pages"), "300");
        Result big = mmemu("run", "--stats", bin("touch-pages"), "3000");
        assertEquals(0, small.status(), small.stderr());
        assertEquals(0, big.status(), big.stderr());
        long translatedSmall = statistic(small, "blocks translated"), translatedBig = statistic(big, "blocks translated");
        assertTrue(translatedSmall > 10, small.stderr());
        assertTrue(statistic(big, "instructions") > 5 * statistic(small, "instructions"), big.stderr());
        assertEquals(translatedSmall, translatedBig, small.stderr() + big.stderr());
    }

    /** The number on the --stats line that starts with {@code name}. */
    private static long statistic(Result r, String name) {
        String line = r.stderr().lines().filter(l -> l.trim().startsWith(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " missing from\n" + r.stderr()));
        return Long.parseLong(line.trim().substring(name.length()).trim().split("\\s+")[0].replace(",", ""));
    }

    @Test
    void severalCpusGetOneStatisticsRowEachAndTheTlbDump() throws Exception {
        Result r = mmemu("run", "--cpus", "2", "--tlb", "teaching", "--stats", "--tlb-dump", bin("touch-pages"), "30");
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("teaching"), r.stderr());
        assertTrue(r.stderr().lines().anyMatch(l -> l.trim().startsWith("0 ")), r.stderr());
        assertTrue(r.stderr().lines().anyMatch(l -> l.trim().startsWith("1 ")), r.stderr());
        assertTrue(r.stderr().contains("cpu 1 TLB"), r.stderr());
    }

    @Test
    void anUnknownTlbPresetOrCpuCountIsRefusedWithTheChoices() throws Exception {
        Result r = mmemu("run", "--tlb", "pentium", bin("hello"));
        assertEquals(2, r.status(), r.stderr());
        assertTrue(r.stderr().contains("intel-golden-cove") && r.stderr().contains("amd-zen4"), r.stderr());
        Result c = mmemu("run", "--cpus", "0", bin("hello"));
        assertEquals(2, c.status(), c.stderr());
        assertTrue(c.stderr().contains("--cpus 0"), c.stderr());
        assertNoStackTrace(r);
        assertNoStackTrace(c);
    }

    @Test
    void fatalSignalsGive128PlusSignalAndOneLineNoStackTrace() throws Exception {
        for (var c : List.of(new Object[] {"bad-insn", 132, "SIGILL"}, new Object[] {"wild-jump", 139, "SIGSEGV"},
                new Object[] {"write-rodata", 139, "SIGSEGV (SEGV_ACCERR"})) {
            Result r = mmemu("run", bin((String) c[0]));
            assertEquals((int) c[1], r.status(), c[0] + ": " + r.stderr());
            assertTrue(r.stderr().contains("killed by " + c[2]), r.stderr());
            assertEquals(1, r.stderr().lines().count(), r.stderr());
            assertNoStackTrace(r);
        }
    }

    @Test
    void theFaultAddressIsExactNotJustThePage() throws Exception {
        Result r = mmemu("run", bin("segv-at"));
        assertEquals(139, r.status());
        assertTrue(r.stderr().contains("killed by SIGSEGV (SEGV_MAPERR at 0x10000123, ip 0x"), r.stderr());
    }

    @Test
    void badExecutablesAreOneLineAndStatus126(@TempDir Path dir) throws Exception {
        // Executable files, so that the ELF checks are what refuses them (execve's permission check comes first).
        var rwx = java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        Path text = Files.writeString(dir.resolve("notes.txt"), "just text\n");
        Files.setPosixFilePermissions(text, rwx);
        Result r = mmemu("run", text.toString());
        assertEquals(126, r.status());
        assertTrue(r.stderr().startsWith("mmemu: " + text + ": "), r.stderr());
        assertTrue(r.stderr().contains("not an ELF"), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());

        byte[] elf = Files.readAllBytes(GuestProgram.named("hello").binary());
        Path truncated = dir.resolve("truncated");
        Files.write(truncated, java.util.Arrays.copyOf(elf, 100));
        Files.setPosixFilePermissions(truncated, rwx);
        r = mmemu("run", truncated.toString());
        assertEquals(126, r.status());
        assertTrue(r.stderr().contains("truncated"), r.stderr());
        assertNoStackTrace(r);

        Path c = Files.writeString(dir.resolve("dyn.c"), "int main(void){return 0;}\n");
        Path dyn = dir.resolve("dyn");
        Process gcc = new ProcessBuilder("gcc", "-o", dyn.toString(), c.toString()).inheritIO().start();
        assertEquals(0, gcc.waitFor(), "gcc (run bin/setup)");
        r = mmemu("run", dyn.toString());
        assertEquals(126, r.status());
        assertTrue(r.stderr().contains("dynamically linked"), r.stderr());
    }

    /**
     * do_open_execat() refuses what is not a regular file, and a file without any x bit (even to
     * root), with EACCES before reading a byte: a FIFO given as the program used to block mmemu
     * for ever, a file without x ran.
     */
    @Test
    void aFifoADirectoryOrAFileWithoutExecutePermissionIsRefusedAsExecveDoes(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        Path noExec = dir.resolve("hello-rw");
        Files.copy(GuestProgram.named("hello").binary(), noExec);
        Files.setPosixFilePermissions(noExec, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        for (var c : List.of(new String[] {fifo.toString(), "a FIFO, not a regular file"},
                new String[] {noExec.toString(), "no execute permission"},
                new String[] {dir.toString(), "a directory, not a regular file"})) {
            Result r = mmemu("run", c[0]);
            assertEquals(126, r.status(), c[0] + ": " + r.stderr());
            assertEquals("mmemu: " + c[0] + ": cannot execute: Permission denied (" + c[1] + ")\n", r.stderr());
            assertEquals("", r.stdout());
        }
    }

    /** execve() inside the guest of a FIFO (and other non-executables) under --root: EACCES, without blocking. */
    @Test
    void aGuestExecveOfAFifoUnderRootIsEaccesWithoutBlocking(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("fifo").toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        Files.writeString(root.resolve("text"), "not executable\n");
        Path exec = io.mmemu.testprograms.Toolchain.muslStatic(dir, "exec-each", """
                #include <errno.h>
                #include <stdio.h>
                #include <unistd.h>
                int main(int argc, char **argv) {
                    for (int i = 1; i < argc; i++) {
                        char *args[] = {argv[i], NULL};
                        errno = 0;
                        execve(argv[i], args, args + 1);
                        printf("execve %s: %s\\n", argv[i], errno == EACCES ? "EACCES" : errno == ENOENT ? "ENOENT" : "other");
                    }
                    return 0;
                }
                """);
        Result r = mmemu("run", "--root", root.toString(), exec.toString(), "/fifo", "/text", "/", "/missing");
        assertEquals(0, r.status(), r.stderr());
        assertEquals("execve /fifo: EACCES\nexecve /text: EACCES\nexecve /: EACCES\nexecve /missing: ENOENT\n", r.stdout());
    }

    /** {@code jmp .} for ever: --max-instructions ends it with one line and status 124, at the same count every time. */
    @Test
    void maxInstructionsStopsARunawayGuestDeterministically(@TempDir Path dir) throws Exception {
        Path loop = io.mmemu.testprograms.Toolchain.gccNostdlib(dir, "spin", "void _start(void) { for (;;) ; }");
        Result a = mmemu("run", "--max-instructions", "5000000", loop.toString());
        Result b = mmemu("run", "--max-instructions", "5000000", "--cpus", "2", loop.toString());
        assertEquals(124, a.status(), a.stderr());
        assertTrue(a.stderr().matches("mmemu: \\S+spin: stopped after 5,0\\d\\d,\\d\\d\\d instructions "
                + "\\(--max-instructions 5000000\\)\n"), a.stderr());
        assertEquals(a, b, "the same budget stops the run at the same point");
        assertNoStackTrace(a);
    }

    @Test
    void timeoutStopsARunawayGuestWithOneLine(@TempDir Path dir) throws Exception {
        Path loop = io.mmemu.testprograms.Toolchain.gccNostdlib(dir, "spin", "void _start(void) { for (;;) ; }");
        Result r = mmemu("run", "--timeout", "1.5", loop.toString());
        assertEquals(124, r.status(), r.stderr());
        assertEquals("mmemu: " + loop + ": timed out after 1.5 s (--timeout 1.5)\n", r.stderr());
        Result quick = mmemu("run", "--timeout", "60", bin("hello"));
        assertEquals(7, quick.status(), "a run that ends in time keeps its own status: " + quick.stderr());
        assertEquals("", quick.stderr());
    }

    @Test
    void badLimitsAreUsageErrorsNamingWhatWasExpected() throws Exception {
        Result t = mmemu("run", "--timeout", "-1", bin("hello"));
        assertEquals(2, t.status());
        assertEquals("mmemu: --timeout -1.0: expected a positive number of seconds\n", t.stderr());
        Result m = mmemu("run", "--max-instructions", "-5", bin("hello"));
        assertEquals(2, m.status());
        assertEquals("mmemu: --max-instructions -5: expected a positive instruction count\n", m.stderr());
        Result help = mmemu("run", "--help");
        assertTrue(help.stderr().contains("--max-instructions") && help.stderr().contains("--timeout")
                && help.stderr().contains("124"), help.stderr());
    }

    @Test
    void verboseNamesEachUnknownSyscallOnce() throws Exception {
        Result r = mmemu("run", "--verbose", bin("unknown-syscall"));
        assertEquals(38, r.status(), "the guest saw -ENOSYS");
        assertEquals(1, r.stderr().lines().filter(l -> l.equals("mmemu: syscall 9999 is not implemented: -ENOSYS")).count(),
                r.stderr());
        assertEquals(0, mmemu("run", bin("unknown-syscall")).stderr().length(), "silent without --verbose");
    }

    @Test
    void pmapVtopAndVmstatDescribeTheAddressSpaceAtExit() throws Exception {
        Result r = mmemu("run", "--no-aslr", "--pmap", "--vtop", "401000", "--vmstat", bin("hello"));
        assertEquals(7, r.status(), r.stderr());
        assertEquals("hello from guest with 1 args\n", r.stdout(), "views go to stderr only");
        String e = r.stderr();
        assertTrue(e.contains("Address           Kbytes     RSS   Dirty Mode  Mapping\n"), e);
        assertTrue(e.contains("0000000000401000      16      16       0 r-x-- hello\n"), e);
        assertTrue(e.contains("  [ stack ]\n") && e.contains("total kB "), e);
        assertTrue(e.contains("RssAnon:") && e.contains("RssFile:") && e.contains("RssShmem:"), e);
        for (String level : List.of("   PML4 DIRECTORY: ", "   PAGE DIRECTORY: ", "      PUD: ", "      PMD: ", "      PTE: ",
                "     PAGE: ", "             VMA  START", "            PAGE  PHYSICAL")) {
            assertTrue(e.contains(level), level + " missing:\n" + e);
        }
        assertTrue(e.contains("(PRESENT|USER|ACCESSED)"), "text page: present, user, accessed, executable:\n" + e);
        assertTrue(e.contains("pgfault ") && e.contains("thp_fault_alloc 0"), e);
    }

    /**
     * --thp sets the policy: never refuses the MADV_HUGEPAGE range its huge pages (mm-thp-fault then
     * prints 0 faults and 0 kB), always gives them as madvise does, and --stats shows the faults (5: the
     * program's 4, and the write that replaces a read-faulted huge zero page);
     * an unknown policy is refused with what was expected.
     */
    @Test
    void thpPolicyDecidesWhetherTheMadvisedRangeTakesHugePages() throws Exception {
        Result never = mmemu("run", "--no-aslr", "--thp", "never", "--vmstat", bin("mm-thp-fault"));
        assertEquals(0, never.status(), never.stderr());
        assertTrue(never.stdout().contains("huge-page faults: 0\nAnonHugePages: 0 kB\n"), never.stdout());
        assertTrue(never.stderr().contains("thp_fault_alloc 0\n"), never.stderr());
        Result always = mmemu("run", "--no-aslr", "--thp", "always", "--stats", bin("mm-thp-fault"));
        assertEquals(0, always.status(), always.stderr());
        assertTrue(always.stdout().contains("huge-page faults: 4\nAnonHugePages: 8192 kB\n"), always.stdout());
        assertTrue(always.stderr().matches("(?s).*huge pages +5 +\\(THP faults; fallbacks 0, PMD splits 1; THP always\\).*"),
                always.stderr());
        Result bad = mmemu("run", "--thp", "sometimes", bin("hello"));
        assertNotEquals(0, bad.status());
        assertTrue(bad.stderr().contains("--thp: THP policy must be always, madvise or never (got sometimes)"), bad.stderr());
    }

    /**
     * mm-thp-fault sysfs (mmemu only): the guest sets /sys/kernel/mm/transparent_hugepage/enabled
     * and use_zero_page and later faults follow; bad values are EINVAL as enabled_store() and
     * single_hugepage_flag_store() answer, hpage_pmd_size cannot be opened for writing.
     */
    @Test
    void theGuestSetsThePolicyThroughSysfs() throws Exception {
        Result r = mmemu("run", "--no-aslr", bin("mm-thp-fault"), "sysfs");
        assertEquals(0, r.status(), r.stderr());
        assertEquals("""
                enabled: always [madvise] never
                use_zero_page: 1
                hpage_pmd_size: 2097152
                write never: ok, enabled now always madvise [never]
                MADV_HUGEPAGE, written: 0 kB
                write always: ok, enabled now [always] madvise never
                no advice, written: 2048 kB
                MADV_NOHUGEPAGE, written: 0 kB
                write sometimes: EINVAL, enabled now [always] madvise never
                write madvise: ok, enabled now always [madvise] never
                no advice, written: 0 kB
                MADV_HUGEPAGE, read: 0 kB
                write 0: ok, use_zero_page now 0
                MADV_HUGEPAGE, read: 2048 kB
                write 2: EINVAL, use_zero_page now 0
                write 0x1: EINVAL, use_zero_page now 0
                write 1: ok, use_zero_page now 1
                hpage_pmd_size for writing: EACCES
                """, r.stdout());
    }

    /** The slabinfo line of {@code cache}: name, active_objs, num_objs, objsize, ...; fails when missing. */
    static String[] slabinfoLine(String text, String cache) {
        return text.lines().filter(l -> l.startsWith(cache + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(cache + " missing from\n" + text)).trim().split("\\s+");
    }

    @Test
    void slabinfoAtExitShowsTheKernelCachesWithNothingLeftAllocated() throws Exception {
        Result r = mmemu("run", "--slabinfo", bin("hello"));
        assertEquals(7, r.status(), r.stderr());
        assertEquals("hello from guest with 1 args\n", r.stdout(), "slabinfo goes to stderr only");
        String e = r.stderr();
        assertTrue(e.startsWith("slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize>"), e);
        for (String[] c : new String[][] {{"vm_area_struct", "192"}, {"mm_struct", "1600"}, {"task_struct", "4288"},
                {"files_cache", "704"}, {"signal_cache", "1152"}, {"sighand_cache", "2112"}, {"pid", "192"}}) {
            String[] f = slabinfoLine(e, c[0]);
            assertEquals(c[1], f[3], c[0] + " objsize\n" + e);
            assertTrue(Long.parseLong(f[2]) > 0, c[0] + " had objects during the run\n" + e);
            // At exit the process is reaped: its task_struct, mm_struct and VMAs are all back, and
            // with the CPU slabs flushed the active counts are exact.
            assertEquals("0", f[1], c[0] + " objects still in use at exit\n" + e);
        }
        assertTrue(e.contains("kmalloc-64 "), "the kmalloc caches are listed too\n" + e);
    }

    @Test
    void aGuestReadsProcSlabinfoWithItsOwnObjectsInUse() throws Exception {
        Result r = mmemu("run", bin("cat-file"), "/proc/slabinfo");
        assertEquals(0, r.status(), r.stderr());
        String out = r.stdout();
        assertTrue(out.startsWith("slabinfo - version: 2.1\n"), out);
        for (String cache : List.of("vm_area_struct", "mm_struct", "task_struct")) {
            assertTrue(Long.parseLong(slabinfoLine(out, cache)[1]) > 0, cache + " has active objects while the guest runs\n" + out);
        }
    }

    @Test
    void rootGivesTheHostsFilesAndNothingOutsideIt(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("greeting.txt"), "hello from the root\n");
        Files.writeString(dir.resolve("secret.txt"), "outside\n");
        Files.createSymbolicLink(root.resolve("escape"), dir.resolve("secret.txt"));
        Result r = mmemu("run", "--root", root.toString(), bin("cat-file"), "/greeting.txt", "greeting.txt",
                "/../secret.txt", "/escape", "/proc/self/status");
        assertEquals(0, r.status(), r.stderr());
        String out = r.stdout();
        assertTrue(out.startsWith("hello from the root\nhello from the root\n"), out);
        assertTrue(out.contains("open /../secret.txt: ENOENT\n") && out.contains("open /escape: ENOENT\n"), out);
        assertFalse(out.contains("outside"), out);
        assertTrue(out.contains("Name:\tcat-file\n"), "procfs is always there\n" + out);

        r = mmemu("run", bin("cat-file"), "/greeting.txt");
        assertEquals("open /greeting.txt: ENOENT\n", r.stdout(), "without --root nothing else exists");
    }

    /**
     * A guest that changes files of its --root (appends to one, so that it is copied up, chmods,
     * renames, removes a file and a directory, makes a directory, a file and a link, truncates)
     * sees what the host kernel shows a program doing the same to a copy of that directory, and the
     * --root directory itself is left exactly as it was: writes stay in guest memory.
     */
    @Test
    void writesUnderRootMatchTheHostAndNeverReachIt(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path data = Files.createDirectories(root.resolve("data"));
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("file"), "lower");
        Files.writeString(data.resolve("other"), "");
        Path copy = Files.createDirectories(dir.resolve("copy/data/sub"));
        Files.writeString(copy.resolveSibling("file"), "lower");
        Files.writeString(copy.resolveSibling("other"), "");
        String before = tree(root);

        Result r = mmemu("run", "--root", root.toString(), bin("sys-fs-write"), "lower", "/data");
        io.mmemu.testprograms.HostOracle.Result host = io.mmemu.testprograms.HostOracle.run(Path.of(bin("sys-fs-write")),
                List.of("lower", copy.getParent().toString()), HANG_SECONDS);

        assertEquals(0, r.status(), r.stderr());
        assertEquals(host.stdoutText(), r.stdout(), "the host kernel on a copy of the directory");
        assertTrue(r.stdout().contains("file after: 11 [lower+upper]\n"), r.stdout());
        assertEquals(before, tree(root), "the host's --root directory changed");
    }

    /** Every file and directory below {@code root}: its path, type, permissions and contents. */
    private static String tree(Path root) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted().toList()) {
                sb.append(root.relativize(p)).append(' ').append(Files.isDirectory(p) ? "dir" : "file").append(' ')
                        .append(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                if (Files.isRegularFile(p)) sb.append(" [").append(Files.readString(p)).append(']');
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void outOfMemoryKillsTheLargestProcessWithTheKernelsMessage() throws Exception {
        // 3000 pages do not fit in 12 MiB with the page tables and kernel objects: the OOM killer acts.
        Result r = mmemu("run", "--ram", "12M", bin("touch-pages"), "3000");
        assertEquals(128 + 9, r.status(), r.stderr());
        assertTrue(r.stderr().contains("mmemu: Out of memory: Killed process 2 (touch-pages) total-vm:"), r.stderr());
        assertTrue(r.stderr().contains("killed by SIGKILL (SI_KERNEL"), r.stderr());
        assertNoStackTrace(r);
    }

    /**
     * The store that finds no memory is the first instruction of its run (a sched_yield right
     * before it): the OOM killer still acts, where a refused fill at a run's first instruction
     * used to read as a CPU that made no progress (SIGSEGV).
     */
    @Test
    void outOfMemoryAtTheFirstInstructionOfARunStillKillsWithSigkill() throws Exception {
        Result r = mmemu("run", bin("mm-oom-touch"), "200000", "self-yield");
        assertEquals(128 + 9, r.status(), r.stderr());
        assertTrue(r.stderr().contains("mmemu: Out of memory: Killed process 2 (mm-oom-touch) total-vm:"), r.stderr());
        assertTrue(r.stderr().contains("killed by SIGKILL (SI_KERNEL"), r.stderr());
        assertFalse(r.stderr().contains("no progress"), r.stderr());
        assertNoStackTrace(r);
    }

    /**
     * --fail arms its points once the program is loaded: loading it makes several slab
     * allocations, yet the 9th call numbered is the program's own 9th mmap() (its unchecked one).
     */
    @Test
    void failArmsItsPointOnceTheProgramIsLoaded() throws Exception {
        Result r = mmemu("run", "--fail", "failslab:probability=100,interval=9,times=1", bin("planted-enomem"));
        assertEquals(128 + 11, r.status(), r.stderr());
        assertTrue(r.stderr().startsWith("FAULT_INJECTION: forcing a failure.\n"
                + "name failslab, interval 9, probability 100, space 0, times 1\n"
                + "mmemu: injected failslab call 9 (vm_area_struct) on CPU 0 pid 2\n"), r.stderr());
        Result bad = mmemu("run", "--fail", "failslab:probability=101", bin("hello"));
        assertEquals(2, bad.status());
        assertEquals("mmemu: --fail: probability must be 0..100 (got 101)\n", bad.stderr());
        assertNoStackTrace(bad);
    }

    @Test
    void missingProgramIs127() throws Exception {
        Result r = mmemu("run", "/nonexistent/program");
        assertEquals(127, r.status());
        assertEquals("mmemu: /nonexistent/program: No such file or directory\n", r.stderr());
    }

    /** A bare name that is one of mmemu's test programs (the demo's hello) gets told where it is. */
    @Test
    void aTestProgramsBareNameIs127WithWhereToFindIt() throws Exception {
        Result r = mmemu("run", "hello");
        assertEquals(127, r.status());
        assertEquals("mmemu: hello: No such file or directory\nmmemu: hello is one of mmemu's test programs: bin/mmemu run"
                + " test-programs/target/guest/hello runs it (from the checkout)\n", r.stderr());
        Result other = mmemu("run", "no-such-program");
        assertEquals("mmemu: no-such-program: No such file or directory\n", other.stderr());
        Result index = mmemu("run", "index"); // a file of the guest directory, not a program
        assertEquals("mmemu: index: No such file or directory\n", index.stderr());
    }

    @Test
    void hugeRamStartsAtOnce() throws Exception {
        Result r = mmemu("run", "--ram", "16G", bin("hello"));
        assertEquals(7, r.status(), r.stderr());
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Result r = mmemu("--help");
        assertEquals(0, r.status());
        assertTrue(r.stderr().contains("run") && r.stderr().contains("demo"), r.stderr());
    }

    /**
     * --version builds no subcommand and the process halts instead of exiting (start-up time): the
     * line still comes out whole, as does a mistyped command's message and usage.
     */
    @Test
    void versionAndAMistypedCommandPrintInFullBeforeTheProcessEnds() throws Exception {
        Result version = mmemu("--version");
        assertEquals(0, version.status(), version.stderr());
        assertEquals("mmemu 0.1.0\n", version.stderr());
        Result typo = mmemu("rnu", "hello");
        assertEquals(2, typo.status(), typo.stderr());
        assertTrue(typo.stderr().startsWith("Unmatched arguments from index 0: 'rnu', 'hello'"), typo.stderr());
        assertTrue(typo.stderr().contains("Usage: mmemu") && typo.stderr().contains("  lab "), typo.stderr());
    }

    /** A command line that names a command builds only that one (start-up time); help still knows them all. */
    @Test
    void eachCommandsHelpAndTheUsageWithoutACommand() throws Exception {
        for (String[] args : List.of(new String[] {"run", "--help"}, new String[] {"help", "run"})) {
            Result r = mmemu(args);
            assertEquals(0, r.status(), r.stderr());
            assertTrue(r.stderr().startsWith("Usage: mmemu run ") && r.stderr().contains("--ram=SIZE"), r.stderr());
        }
        Result demo = mmemu("help", "demo");
        assertTrue(demo.stderr().startsWith("Usage: mmemu demo"), demo.stderr());
        Result none = mmemu();
        assertEquals(0, none.status(), none.stderr());
        for (String command : List.of("run", "demo", "help")) {
            assertTrue(none.stderr().lines().anyMatch(l -> l.trim().startsWith(command + " ")), command + " in\n" + none.stderr());
        }
    }

    @Test
    void badRamSizeIsAUsageError() throws Exception {
        Result r = mmemu("run", "--ram", "lots", bin("hello"));
        assertEquals(2, r.status());
        assertTrue(r.stderr().contains("is not a size"), r.stderr());
    }

    /** README's first command: the demo runs its three programs to their ends and says so. */
    @Test
    void theDemoRunsItsThreeProgramsToTheirEnds() throws Exception {
        Result r = mmemu("demo");
        assertEquals(0, r.status(), r.stderr());
        assertFalse(r.stderr().contains("internal error"), r.stderr());
        assertTrue(r.stderr().contains("   exit status 7\n"), r.stderr());
        assertEquals(3, r.stderr().split("mmemu: statistics", -1).length - 1, r.stderr());
        assertTrue(r.stderr().contains("stale-translation checker: 0 finding(s)"), r.stderr());
        assertTrue(r.stdout().contains("hello from guest"), r.stdout());
    }

}
