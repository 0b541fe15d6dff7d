package io.mmemu.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {
    /** A task with make-it-fail and fail-nth, as /proc/PID/ sets them. */
    static final class TestTask implements FaultTask {
        boolean makeItFail;
        int failNth;

        @Override
        public boolean makeItFail() {
            return makeItFail;
        }

        @Override
        public int failNth() {
            return failNth;
        }

        @Override
        public void setFailNth(int n) {
            failNth = n;
        }
    }

    static FaultContext contextOf(FaultTask t) {
        return new FaultContext() {
            @Override
            public FaultTask current() {
                return t;
            }

            @Override
            public int cpu() {
                return 1;
            }

            @Override
            public int pid() {
                return 7;
            }

            @Override
            public long instructions() {
                return -1;
            }

            @Override
            public long kernelEntries() {
                return 42;
            }

            @Override
            public String describe() {
                return "CPU: 1 PID: 7 Comm: t";
            }
        };
    }

    private static List<Long> failingCalls(FaultInjector f, FaultPoint p, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) if (f.shouldFail(p, 64, "x")) out.add((long) i);
        return out;
    }

    @Test
    void linuxDefaultsFailNothing() {
        FaultInjector f = new FaultInjector(1);
        assertEquals(List.of(), failingCalls(f, FaultPoint.FAILSLAB, 1000));
        assertEquals("1", f.attr(FaultPoint.FAILSLAB).get("times"));
        assertEquals("2", f.attr(FaultPoint.FAILSLAB).get("verbose"));
        assertEquals("Y", f.attr(FaultPoint.FAILSLAB).get("ignore-gfp-wait"));
        assertEquals("1", f.attr(FaultPoint.FAIL_PAGE_ALLOC).get("min-order"));
        assertFalse(f.armed(FaultPoint.FAILSLAB));
    }

    @Test
    void probabilityHundredWithTimesFailsThatManyCalls() {
        FaultInjector f = new FaultInjector(1);
        f.attr(FaultPoint.FAILSLAB).set("probability", "100");
        f.attr(FaultPoint.FAILSLAB).set("times", "3");
        assertEquals(List.of(1L, 2L, 3L), failingCalls(f, FaultPoint.FAILSLAB, 10));
        assertEquals("0", f.attr(FaultPoint.FAILSLAB).get("times"));
        assertEquals(10, f.calls(FaultPoint.FAILSLAB));
    }

    @Test
    void intervalFailsEveryNthCall() {
        FaultInjector f = new FaultInjector(1);
        FaultSpec.parse("failslab:probability=100,interval=4").applyTo(f);
        assertEquals(List.of(4L, 8L, 12L), failingCalls(f, FaultPoint.FAILSLAB, 12));
    }

    @Test
    void spaceLetsThatManyBytesThrough() {
        FaultInjector f = new FaultInjector(1);
        FaultSpec.parse("failslab:probability=100,space=200").applyTo(f);
        // 64 bytes a call: 200, 136, 72, 8 are all more than 64; at 8 the fourth call fails.
        assertEquals(List.of(4L, 5L), failingCalls(f, FaultPoint.FAILSLAB, 5));
    }

    @Test
    void taskFilterFailsOnlyTasksThatOptedIn() {
        FaultInjector f = new FaultInjector(1);
        TestTask t = new TestTask();
        f.setContext(contextOf(t));
        FaultSpec.parse("failslab:probability=100,task-filter=Y").applyTo(f);
        assertEquals(List.of(), failingCalls(f, FaultPoint.FAILSLAB, 3));
        t.makeItFail = true;
        assertEquals(List.of(1L, 2L, 3L), failingCalls(f, FaultPoint.FAILSLAB, 3));
    }

    @Test
    void failNthFailsTheNthCallOfTheTaskAndReadsZeroOnceConsumed() {
        FaultInjector f = new FaultInjector(1);
        TestTask t = new TestTask();
        f.setContext(contextOf(t));
        t.setFailNth(3);
        assertTrue(f.armed(FaultPoint.FAILSLAB));
        assertFalse(f.shouldFail(FaultPoint.FAILSLAB, 8, "a"));
        assertFalse(f.shouldFail(FaultPoint.FAIL_PAGE_ALLOC, 4096, "order 0"));
        assertEquals(1, t.failNth());
        assertTrue(f.shouldFail(FaultPoint.FAILSLAB, 8, "c"));
        assertEquals(0, t.failNth());
        assertFalse(f.shouldFail(FaultPoint.FAILSLAB, 8, "d"));
        // mmemu's own points do not count fail-nth down.
        t.setFailNth(1);
        assertFalse(f.shouldFail(FaultPoint.FAIL_IPI, 0, "ipi"));
        assertEquals(1, t.failNth());
    }

    @Test
    void sameSeedFailsSameCallsAndAScheduleReplaysThemExactly() {
        FaultInjector a = new FaultInjector(99), b = new FaultInjector(99);
        FaultSpec.parse("failslab:probability=10").applyTo(a);
        FaultSpec.parse("failslab:probability=10").applyTo(b);
        List<Long> first = failingCalls(a, FaultPoint.FAILSLAB, 2000);
        assertEquals(first, failingCalls(b, FaultPoint.FAILSLAB, 2000));
        assertTrue(first.size() > 100 && first.size() < 300, "about 10% of 2000: " + first.size());

        FaultInjector c = new FaultInjector(5); // another seed: the schedule decides, not the generator
        c.replay(new FaultSchedule(a.injected()));
        assertEquals(first, failingCalls(c, FaultPoint.FAILSLAB, 2000));
        FaultInjector d = new FaultInjector(99);
        d.replay(new FaultSchedule(a.injected().subList(0, 1)));
        assertEquals(first.subList(0, 1), failingCalls(d, FaultPoint.FAILSLAB, 2000));
    }

    @Test
    void verboseReportsAsFailDump() {
        FaultInjector f = new FaultInjector(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.setLog(new PrintStream(out, true, StandardCharsets.UTF_8));
        f.setContext(contextOf(new TestTask()));
        FaultSpec.parse("fail_futex:probability=100,times=2,verbose=2").applyTo(f);
        assertTrue(f.shouldFail(FaultPoint.FAIL_FUTEX, 0, "FUTEX_WAIT"));
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("FAULT_INJECTION: forcing a failure.\n"
                + "name fail_futex, interval 1, probability 100, space 0, times 2\nCPU: 1 PID: 7 Comm: t\nCall Trace:\n"), s);
        assertTrue(s.contains("FaultInjectorTest.verboseReportsAsFailDump"), s);
        Injection inj = f.injected().get(0);
        assertEquals(new Injection(FaultPoint.FAIL_FUTEX, 1, 1, 7, -1, 42, "FUTEX_WAIT"), inj);
    }

    @Test
    void specsParseCheckAndPrintBack() {
        FaultSpec s = FaultSpec.parse("failslab:probability=10,interval=1,times=5,cache-filter=vm_area_struct");
        assertEquals("failslab:probability=10,interval=1,times=5,cache-filter=vm_area_struct", s.toString());
        FaultAttr a = new FaultAttr(FaultPoint.FAILSLAB);
        s.applyTo(a);
        assertEquals("N", a.get("ignore-gfp-wait"));
        assertEquals("vm_area_struct", a.text("cache-filter"));
        assertEquals("5", a.get("times"));
        assertThrows(IllegalArgumentException.class, () -> FaultSpec.parse("failslab:probabilty=10"));
        assertThrows(IllegalArgumentException.class, () -> FaultSpec.parse("failslab:probability=101"));
        assertThrows(IllegalArgumentException.class, () -> FaultSpec.parse("fail_page_alloc:min-order=x"));
        assertThrows(IllegalArgumentException.class, () -> FaultSpec.parse("nosuch:probability=1"));
        assertThrows(IllegalArgumentException.class, () -> FaultSpec.parse("failslab:probability"));
    }
}
