package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.fault.FaultSpec;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Linux's fault-injection points as a guest sees them: each test arms a point (from the command
 * line's specs, or from inside through /proc and /sys/kernel/debug) and asserts what the kernel
 * gives the program (errno, signal, the OOM path's message) and fail_dump()'s report.
 */
class FaultInjectionTest {
    /** The outcome of one run: exit status (128 + signal when killed), stdout and mmemu's log (fail_dump() goes there). */
    record Run(int status, String stdout, String log) {}

    /** Runs {@code name} with {@code args}, arming {@code specs} once the program is loaded, as {@code run --fail} does. */
    static Run run(String name, long seed, List<String> args, String... specs) throws Exception {
        GuestProgram p = GuestProgram.named(name);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineOptions options = new MachineOptions(64L << 20, false, seed, true, false, out, err,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        try (Machine m = new Machine(options)) {
            List<String> argv = new ArrayList<>();
            argv.add(p.binary().toString());
            argv.addAll(args);
            m.exec(p.binary(), argv, List.of());
            for (String s : specs) FaultSpec.parse(s).applyTo(m.kernel().faults());
            RunOutcome o = m.run();
            return new Run(o.killed() ? 128 + o.signal() : o.exitCode(), out.toString(StandardCharsets.UTF_8),
                    log.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void failslabWithCacheFilterFailsOnlyTheCachesNamed() throws Exception {
        Run other = run("planted-enomem", 1, List.of(), "failslab:probability=100,cache-filter=mm_struct+task_struct");
        assertEquals("8 buffers, checksum 7159296\n", other.stdout(), "no mmap may fail: " + other.log());
        assertEquals(0, other.status());
        assertFalse(other.log().contains("FAULT_INJECTION"), other.log());

        Run first = run("planted-enomem", 1, List.of(), "failslab:probability=100,times=1,cache-filter=vm_area_struct");
        assertEquals("buffer 0: mmap failed (ENOMEM), skipped\n7 buffers, checksum 6562944\n", first.stdout(), first.log());
        assertEquals(0, first.status());
        assertTrue(first.log().contains("mmemu: injected failslab call 1 (vm_area_struct) on CPU 0 pid 2"), first.log());
    }

    @Test
    void theUncheckedMmapOfThePlantedBugDiesOfSigsegvWhenItsVmaCannotBeAllocated() throws Exception {
        // Eight checked mmap()s take calls 1..8; the ninth is the unchecked one.
        Run r = run("planted-enomem", 1, List.of(), "failslab:probability=100,interval=9,times=1");
        assertEquals(128 + 11, r.status(), r.stdout() + r.log());
        assertTrue(r.log().contains("injected failslab call 9 (vm_area_struct)"), r.log());
    }

    /**
     * The campaign's acceptance in small: with failslab at 5 %, some seed of 1..200 makes the
     * planted bug crash (SIGSEGV), and every seed before it ran to exit 0 (ENOMEM handled):
     * the program crashes in no other way.
     */
    @Test
    void aSeedSweepAtFivePercentFindsThePlantedBug() throws Exception {
        int found = 0;
        for (int seed = 1; seed <= 200 && found == 0; seed++) {
            Run r = run("planted-enomem", seed, List.of(), "failslab:probability=5");
            if (r.status() == 128 + 11) {
                found = seed;
            } else {
                assertEquals(0, r.status(), "seed " + seed + ": " + r.stdout() + r.log());
            }
        }
        assertTrue(found > 0, "no seed of 1..200 crashed planted-enomem");
    }

    @Test
    void failNthFromInsideFailsTheNthCallAndReadsBackZeroOnceConsumed() throws Exception {
        Run r = run("fail-nth-self", 1, List.of("inject"));
        assertEquals(0, r.status(), r.stdout() + r.log());
        String out = r.stdout();
        assertTrue(out.contains("fail-nth 1: mmap failed errno ENOMEM, fail-nth reads 0\n"), out);
        assertTrue(out.contains("fail-nth 2: mmap succeeded errno 0, fail-nth reads 1\n"), out);
        assertTrue(out.contains("after writing 0: fail-nth reads 0\n"), out);
        assertTrue(out.contains("write \"abc\": EINVAL\nwrite \"-1\": EINVAL\nwrite \"4294967296\": ERANGE\n"
                + "write \"7\\n\": ok\n"), out);
        // fork(): each of its slab allocations fails in turn (ENOMEM), then fork() succeeds.
        Matcher m = Pattern.compile("fork made (\\d+) failable allocations").matcher(out);
        assertTrue(m.find(), out);
        int n = Integer.parseInt(m.group(1));
        assertTrue(n >= 7, "task_struct, files, sighand, signal, mm_struct, VMAs, pid: " + out);
        for (int i = 1; i <= n; i++) assertTrue(out.contains(i + "-th fault Y: fork ENOMEM\n"), out);
        assertTrue(out.contains((n + 1) + "-th fault N: fork succeeded\n"), out);
        // /proc/PID/fail-nth of another process: its next fault-injectable call fails.
        assertTrue(out.endsWith("parent arms the child: ok\nchild's mmap: ENOMEM\n"), out);
        // copy_process()'s objects in Linux's order: dup_task_struct(), copy_files(), copy_sighand(),
        // copy_signal(), copy_mm() (the mm_struct, then dup_mmap()'s VMAs), alloc_pid().
        List<String> sites = new ArrayList<>();
        Matcher s = Pattern.compile("injected failslab call \\d+ \\((\\w+)\\)").matcher(r.log());
        while (s.find()) sites.add(s.group(1));
        List<String> walk = sites.subList(1, 1 + n); // after fail-nth 1's mmap, before the child's
        assertEquals(List.of("task_struct", "files_cache", "sighand_cache", "signal_cache", "mm_struct"),
                walk.subList(0, 5), r.log());
        assertEquals("pid", walk.get(n - 1), r.log());
        for (String vma : walk.subList(5, n - 1)) assertEquals("vm_area_struct", vma, r.log());
    }

    /** fail_dump() at verbose 2 (fail-nth's attributes are Linux's defaults): the header, the task, a call trace. */
    @Test
    void verboseReportsAreFailDumpsFormat() throws Exception {
        Run r = run("fail-nth-self", 1, List.of("inject"));
        assertTrue(r.log().startsWith("FAULT_INJECTION: forcing a failure.\n"
                + "name failslab, interval 1, probability 0, space 0, times 1\n"
                + "CPU: 0 PID: 2 Comm: fail-nth-self\nCall Trace:\n"), r.log());
        Run v1 = run("planted-enomem", 1, List.of(), "failslab:probability=100,times=2,cache-filter=vm_area_struct");
        assertTrue(v1.log().startsWith("FAULT_INJECTION: forcing a failure.\n"
                + "name failslab, interval 1, probability 100, space 0, times 2\n"
                + "mmemu: injected failslab call 1 (vm_area_struct) on CPU 0 pid 2\n"
                + "FAULT_INJECTION: forcing a failure.\n"
                + "name failslab, interval 1, probability 100, space 0, times 1\n"), v1.log());
        Run quiet = run("planted-enomem", 1, List.of(), "failslab:probability=100,times=1,verbose=0");
        assertEquals("", quiet.log().replaceAll("(?m)^mmemu: planted-enomem.*\n", ""));
    }

    @Test
    void debugfsAndProcFilesConfigureEveryLinuxPointFromInside() throws Exception {
        Run r = run("failslab-debugfs", 1, List.of("inject"));
        assertEquals(0, r.status(), r.stdout() + r.log());
        String out = r.stdout();
        // Linux's defaults and formats
        for (String line : List.of("failslab/probability = 0", "failslab/interval = 1", "failslab/times = 1",
                "failslab/space = 0", "failslab/verbose = 2", "failslab/task-filter = N", "failslab/cache-filter = N",
                "failslab/ignore-gfp-wait = Y", "fail_page_alloc/min-order = 1", "fail_page_alloc/ignore-gfp-highmem = Y",
                "fail_futex/ignore-private = N",
                // kstrtox: bad input EINVAL, overflow ERANGE, base prefixes
                "write abc to failslab/probability: EINVAL", "write x to failslab/ignore-gfp-wait: EINVAL",
                "failslab/interval = 16", "failslab/times = -1",
                "write 99999999999999999999 to failslab/space: ERANGE",
                // failslab with cache-filter and the sysfs mark
                "slab/vm_area_struct/failslab = 1", "mmap: ENOMEM", "failslab/times = 0", "mmap again: ok",
                // task-filter follows make-it-fail
                "mmap, make-it-fail 0: ok", "write 2 to /proc/self/make-it-fail: EINVAL", "mmap, make-it-fail 1: ENOMEM",
                // fail_page_alloc in a syscall
                "fork: ENOMEM", "fail_page_alloc/times = 0",
                // fail_futex: get_futex_key()'s EFAULT, ignore-private
                "futex wake: EFAULT", "futex wake again: ok", "futex wake, ignore-private: ok", "fail_futex/times = 1")) {
            assertTrue(out.contains(line + "\n"), "missing \"" + line + "\" in:\n" + out);
        }
        assertTrue(r.log().contains("name fail_page_alloc, interval 1, probability 100, space 0, times 1\n"
                + "mmemu: injected fail_page_alloc call 1 (order 0)"), r.log());
        assertTrue(r.log().contains("mmemu: injected fail_futex call 1 (get_futex_key private)"), r.log());
    }

    /**
     * A user page fault whose frame allocation fail_page_alloc fails: VM_FAULT_OOM reaches
     * pagefault_out_of_memory(), which (Linux 5.16 and later) only warns and lets the fault
     * happen again, since no OOM kill was tried for an injected failure. The program runs on.
     */
    @Test
    void failPageAllocOnAPageFaultWarnsAndRetries() throws Exception {
        GuestProgram touch = GuestProgram.named("touch-pages");
        Run r = run("touch-pages", 1, touch.args(), "fail_page_alloc:probability=100,times=3,verbose=0");
        assertEquals(touch.expectedStdoutText(), r.stdout(), r.log());
        assertEquals(0, r.status(), r.log());
        assertTrue(r.log().contains("mmemu: Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF\n"), r.log());
        assertFalse(r.log().contains("Out of memory: Killed"), r.log());
    }

    @Test
    void failFutexFromTheCommandLineFailsSharedAndPrivateKeys() throws Exception {
        Run r = run("failslab-debugfs", 1, List.of("inject"), "fail_futex:probability=100,times=1");
        // The warm-up's private FUTEX_WAKE is the first futex call: EFAULT.
        assertTrue(r.stdout().startsWith("warm-up: mmap ok, fork ok, wake EFAULT\n"), r.stdout());
        assertEquals(0, r.status(), r.log());
    }
}
