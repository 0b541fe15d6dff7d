package io.mmemu.emulator.cli;

import static io.mmemu.emulator.cli.CliTest.assertNoStackTrace;
import static io.mmemu.emulator.cli.CliTest.bin;
import static io.mmemu.emulator.cli.CliTest.mmemu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.cli.CliTest.Result;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The command line of mmemu's own fault points: the documented way to find and hit planted-race's window, and bad input. */
class MmemuFaultPointsCliTest {
    @Test
    void theDocumentedProbeFindsTheWindowAndPreemptLosesTheUpdate() throws Exception {
        Result probe = mmemu("run", "--stats", bin("planted-race"), "probe");
        assertEquals(3, probe.status(), probe.stderr());
        Matcher m = Pattern.compile("\n  instructions +([0-9,]+)\n").matcher(probe.stderr());
        assertTrue(m.find(), probe.stderr());
        long n = Long.parseLong(m.group(1).replace(",", "")) - 5;
        Result lost = mmemu("run", "--cpus", "1", "--fail", "preempt:at=" + n, bin("planted-race"));
        assertEquals("counted 199 of 200 updates: 1 lost\n", lost.stdout(), lost.stderr());
        assertEquals(1, lost.status());
        assertTrue(lost.stderr().contains("mmemu: injected preempt call 1 (at instruction " + n + ", pid 3 on cpu 0)"),
                lost.stderr());
    }

    @Test
    void badSpecsAndSlubDebugOptionsAreOneLineUsageErrors() throws Exception {
        Result at = mmemu("run", "--fail", "preempt:at=soon", bin("hello"));
        assertEquals(2, at.status());
        assertEquals("mmemu: --fail: at takes instruction counts N, A-B or A-B/STEP joined by '+' (N at least 1), "
                + "got 'soon'\n", at.stderr());
        Result slub = mmemu("run", "--slub-debug", "FQ", bin("hello"));
        assertEquals(2, slub.status());
        assertEquals("mmemu: --slub-debug FQ: unknown slub_debug option (expected: one of F Z P U -, got 'Q')\n",
                slub.stderr());
        assertNoStackTrace(at);
        assertNoStackTrace(slub);
    }
}
