package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential syscall fuzzer in every build: a few seeds of 2,000 random calls each, on the
 * host kernel and under mmemu, must print the same lines (see {@link SyscallFuzz}; bin/campaign
 * runs {@link SyscallFuzzCampaign}, 100 seeds of 20,000). test-programs' sys-fuzz.expected holds
 * seed 1 (1,000 calls), which GuestRunTest checks with its leak and TLB checks, with and without ASLR.
 */
class SyscallFuzzTest {
    static final int CALLS = 2_000;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {2, 3, 4, 5})
    void sameResultsAsTheHostKernel(long seed, @TempDir Path cwd) throws Exception {
        assertNull(SyscallFuzz.compare(seed, CALLS, cwd));
    }

    /** Different seeds make different calls: the generator follows the seed, so more seeds test more. */
    @Test
    void theSeedChoosesTheCalls(@TempDir Path cwd) throws Exception {
        SyscallFuzz.Run a = SyscallFuzz.host(2, 50, cwd);
        SyscallFuzz.Run b = SyscallFuzz.host(3, 50, cwd);
        SyscallFuzz.Run again = SyscallFuzz.host(2, 50, cwd);
        assertEquals(a.stdout(), again.stdout(), "the same seed, the same calls");
        assertTrue(!a.stdout().equals(b.stdout()), "seeds 2 and 3 made the same calls:\n" + a.stdout());
        long callLines = a.stdout().lines().filter(l -> l.matches("\\d+ .*")).count();
        assertEquals(50, callLines, "one line per call:\n" + a.stdout());
    }

    /** The report names the first differing line, the lines before it and both answers. */
    @Test
    void aDifferenceIsReportedWithItsLine() {
        SyscallFuzz.Run host = new SyscallFuzz.Run("0 a = 0\n1 b = -EFAULT\n2 c = 0\n", 0, "");
        SyscallFuzz.Run same = new SyscallFuzz.Run("0 a = 0\n1 b = -EFAULT\n2 c = 0\n", 0, "");
        SyscallFuzz.Run other = new SyscallFuzz.Run("0 a = 0\n1 b = 0\n2 c = 0\n", 0, "mmemu: a log line\n");
        SyscallFuzz.Run shorter = new SyscallFuzz.Run("0 a = 0\n", 139, "");
        assertNull(SyscallFuzz.firstDifference(7, 3, host, same));
        assertEquals("sys-fuzz 7 3: first difference at line 2\n  both:  0 a = 0\n  host:  1 b = -EFAULT\n"
                + "  mmemu: 1 b = 0\nmmemu log:\nmmemu: a log line\n", SyscallFuzz.firstDifference(7, 3, host, other));
        assertTrue(SyscallFuzz.firstDifference(7, 3, host, shorter).contains("  mmemu: (end of output, status 139)"),
                SyscallFuzz.firstDifference(7, 3, host, shorter));
        assertEquals("sys-fuzz 7 3: same output, exit status host 0, mmemu 1",
                SyscallFuzz.firstDifference(7, 3, host, new SyscallFuzz.Run(host.stdout(), 1, "")));
    }
}
