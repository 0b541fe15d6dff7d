package io.mmemu.testprograms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every guest program on the host kernel, the oracle, and checks that it still prints
 * exactly its {@code .expected} bytes and ends with its {@code .status}. Runs go through
 * {@link HostOracle}, which starts each program from a fresh login's state (ASLR off, default
 * limits and signal dispositions, empty environment), so the answers do not depend on what
 * started the test JVM. A killing signal shows as 128 + signal in the status.
 * Stdout is a pipe, as the expectations assume (uname-and-ids prints ENOTTY for it).
 */
class NativeRunTest {

    private static final long TIMEOUT_SECONDS = 60;

    /**
     * The programs whose answers show the shared zero page: Rss and pagemap bits of read-faulted
     * pages, THP and mTHP faults after reads, what vmsplice() and /proc/PID/mem see of them.
     */
    private static final Set<String> NEED_ZERO_PAGE = Set.of("mm-mthp", "mm-pagemap", "mm-proc-mem", "mm-smaps",
            "mm-thp-fault", "sys-vmsplice");

    static Stream<GuestProgram> programs() {
        return GuestProgram.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void matchesTheHostKernel(GuestProgram program) throws Exception {
        String cannot = whyHostCannotAnswer(program);
        Assumptions.assumeTrue(cannot == null, () -> cannot + ": the host cannot be its oracle here");
        HostOracle.Result run = HostOracle.run(program, TIMEOUT_SECONDS);
        String context = "guest program " + program.name() + " (" + String.join(" ", run.command()) + ")\n"
                + "stderr:\n" + run.stderr();
        if (!Arrays.equals(program.expectedStdout(), run.stdout())) {
            fail("stdout differs for " + context + "\n--- expected (" + program.expectedStdout().length
                    + " bytes):\n" + program.expectedStdoutText() + "--- actual (" + run.stdout().length
                    + " bytes):\n" + run.stdoutText() + "---");
        }
        assertEquals(program.expectedStatus(), run.status(), () -> "exit status differs for " + context);
    }

    /**
     * Why the host cannot give {@code program}'s expected answer, or null when it can: the programs
     * that show the shared zero page need a host that maps it on a read fault (HostZeroPage);
     * mm-thp-fault needs THP always or madvise, and Linux 6.16 or later (do_huge_zero_wp_pmd());
     * mm-mthp needs root (it sets hugepages-NkB/enabled), multi-size THP and Linux 6.18 or later
     * (MADV_COLLAPSE of read-only PTEs, without SCAN_PAGE_RO).
     */
    static String whyHostCannotAnswer(GuestProgram program) {
        String name = program.name(), os = System.getProperty("os.version");
        if (NEED_ZERO_PAGE.contains(name) && !HostZeroPage.mapped()) {
            return name + " needs a host kernel that maps the shared zero page on a read fault, as Linux does by "
                    + "default; this one (" + os + ") maps a page of its own (a boot option such as "
                    + "pvm_no_zero_page=1)";
        }
        String[] version = os.split("[.-]");
        int major = Integer.parseInt(version[0]), minor = Integer.parseInt(version[1]);
        if (name.equals("mm-mthp")) {
            boolean can = (major > 6 || major == 6 && minor >= 18) && "root".equals(System.getProperty("user.name"))
                    && Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"));
            return can ? null : "mm-mthp needs root, multi-size THP and Linux 6.18 or later on the host (this is " + os
                    + ", user " + System.getProperty("user.name") + ")";
        }
        if (!name.equals("mm-thp-fault")) return null;
        String enabled = hostThp();
        boolean recent = major > 6 || major == 6 && minor >= 16;
        return recent && (enabled.contains("[always]") || enabled.contains("[madvise]")) ? null
                : name + " needs transparent huge pages on the host (/sys/kernel/mm/transparent_hugepage/enabled is \""
                        + enabled + "\", expected always or madvise) and Linux 6.16 or later, which fills a write to "
                        + "the huge zero page with a huge page (this is " + os + ")";
    }

    /** The host's /sys/kernel/mm/transparent_hugepage/enabled, or "absent" on a kernel without THP. */
    static String hostThp() {
        try {
            return Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")).strip();
        } catch (IOException e) {
            return "absent";
        }
    }

    /** The status convention the expectations rely on: a signal death reads as 128 + signal. */
    @Test
    void signalDeathReadsAs128PlusSignal() throws Exception {
        HostOracle.Result run = HostOracle.run(Path.of("/bin/sh"), List.of("-c", "kill -SEGV $$"), TIMEOUT_SECONDS);
        assertEquals(128 + 11, run.status(), "a shell killed by SIGSEGV");
    }

    /** Touch-pages at a size other than its .args: the checksum line must change, the count follow N. */
    @Test
    void touchPagesFollowsItsArgument() throws Exception {
        GuestProgram touch = GuestProgram.named("touch-pages");
        HostOracle.Result run = HostOracle.run(touch.binary(), List.of("3"), TIMEOUT_SECONDS);
        String out = run.stdoutText();
        assertEquals(0, run.status(), out + run.stderr());
        assertTrue(out.endsWith("touched 3 pages\n"), out);
        assertTrue(!touch.expectedStdoutText().startsWith(out.substring(0, out.indexOf('\n'))),
                "checksum for 3 pages equals the one for " + touch.args() + ": " + out);
        HostOracle.Result bad = HostOracle.run(touch.binary(), List.of("many"), TIMEOUT_SECONDS);
        assertEquals(1, bad.status(), "touch-pages with a non-numeric N");
    }

    /**
     * The oracle's answers do not depend on the state of whoever started it: with inherited
     * limits of a kind a JVM or a CI runner may set (a small soft open-files limit, an unlimited
     * stack), ignored signals and a large environment, every program still prints its expectation.
     */
    @Test
    void inheritedLimitsSignalsAndEnvironmentDoNotReachTheOracle() throws Exception {
        GuestProgram errno = GuestProgram.named("mm-mmap-errno");
        String hostile = "ulimit -S -n 5; ulimit -S -s unlimited; trap '' PIPE USR1; export FILLER=$(printf '%04000d' 0); exec \"$@\"";
        HostOracle.Result run = HostOracle.run(Path.of("/bin/sh"),
                List.of("-c", hostile, "sh", HostOracle.launcher().toString(), errno.binary().toString()), TIMEOUT_SECONDS);
        assertEquals(errno.expectedStdoutText(), run.stdoutText(), run.stderr());
        assertEquals(errno.expectedStatus(), run.status(), run.stderr());
    }
}
