package io.mmemu.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tracer's filter, context and bookkeeping, driven as the models drive it. */
class TracerTest {
    /** Records each event as a line. */
    private static final class Lines implements TraceSink {
        final List<String> lines = new ArrayList<>();

        @Override
        public void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome,
                boolean stackGrew) {
            lines.add("fault " + ts + " cpu" + cpu + " " + Long.toHexString(address) + " " + outcome);
        }

        @Override
        public void syscallEnter(long ts, int cpu, int nr, String name, long a0, long a1, long a2, long a3, long a4,
                long a5) {
            lines.add("enter " + name);
        }

        @Override
        public void syscallExit(long ts, int cpu, int nr, long result) {
            lines.add("exit " + nr + " = " + result);
        }

        @Override
        public void tlbFlush(long ts, int cpu, FlushKind kind, String reason, long start, long end, long pages) {
            lines.add("flush cpu" + cpu + " " + kind.label() + " " + reason + " " + pages);
        }

        @Override
        public void shootdownBegin(long ts, int cpu, long start, long end, boolean freedTables, String reason) {
            lines.add("shootdown cpu" + cpu + " " + reason);
        }

        @Override
        public void ipiSent(long ts, int cpu, int target, long flowId) {
            lines.add("ipi " + cpu + "->" + target + " #" + flowId);
        }

        @Override
        public void ipiReceived(long ts, int cpu, int sender, long flowId) {
            lines.add("received cpu" + cpu + " from " + sender + " #" + flowId);
        }

        @Override
        public void shootdownEnd(long ts, int cpu) {
            lines.add("shootdown end cpu" + cpu);
        }

        @Override
        public void schedSwitch(long ts, int cpu, int prevTid, int nextTid) {
            lines.add("switch cpu" + cpu + " " + prevTid + "->" + nextTid);
        }
    }

    private long clock;

    private Tracer tracer(Lines sink, String... filter) {
        Tracer t = new Tracer(TraceFilter.parse(List.of(filter)), sink);
        t.start(() -> clock);
        return t;
    }

    @Test
    void offTracesNothingAndTakesNoContext() {
        assertFalse(Tracer.OFF.enabled());
        for (TraceCategory c : TraceCategory.values()) assertFalse(Tracer.OFF.on(c.bit()));
        Tracer.OFF.setTask(0, 5, 5);
        Tracer.OFF.loadCr3(0, 0x5000, true);
        assertEquals(0, Tracer.OFF.pid(0));
        assertEquals(0, Tracer.OFF.cr3(0));
    }

    @Test
    void theCategoryBitsAreTheTracersConstants() {
        assertEquals(Tracer.FAULT, TraceCategory.FAULT.bit());
        assertEquals(Tracer.TLB, TraceCategory.TLB.bit());
        assertEquals(Tracer.IPI, TraceCategory.IPI.bit());
        assertEquals(Tracer.SYSCALL, TraceCategory.SYSCALL.bit());
        assertEquals(Tracer.SLAB, TraceCategory.SLAB.bit());
        assertEquals(Tracer.PAGE, TraceCategory.PAGE.bit());
        assertEquals(Tracer.SCHED, TraceCategory.SCHED.bit());
        assertEquals(Tracer.SIGNAL, TraceCategory.SIGNAL.bit());
    }

    @Test
    void eventsKeepsOnlyTheKindsNamed() {
        Tracer t = tracer(new Lines(), "events=fault,ipi");
        assertTrue(t.on(Tracer.FAULT));
        assertTrue(t.on(Tracer.IPI));
        assertFalse(t.on(Tracer.TLB));
        assertFalse(t.on(Tracer.SYSCALL));
    }

    @Test
    void aCr3FilterKeepsEventsOnlyWhileTheCpuRunsThatAddressSpace() {
        Lines sink = new Lines();
        Tracer t = tracer(sink, "cr3=0x5000");
        t.loadCr3(0, 0x5000 | 3, false);
        t.loadCr3(1, 0x9000 | 4, false);
        t.setCpu(0);
        t.fault(0x1000, 6, 0x1000, FaultOutcome.ANON_NEW, false);
        t.setCpu(1);
        t.fault(0x2000, 6, 0x2000, FaultOutcome.ANON_NEW, false);
        assertEquals(List.of("fault 0 cpu0 1000 ANON_NEW"), sink.lines);
    }

    @Test
    void pcidPidCpuAddressAndWindowFiltersEachHold() {
        Lines sink = new Lines();
        Tracer t = tracer(sink, "events=fault", "pcid=3", "pid=7", "cpu=1", "addr=0x1000-0x3000", "insns=100-200");
        t.loadCr3(1, 0x5000 | 3, false);
        t.setTask(1, 7, 8);
        t.setCpu(1);
        clock = 99;
        t.fault(0x1000, 6, 0, FaultOutcome.ANON_NEW, false); // before the window
        clock = 150;
        t.fault(0x1000, 6, 0, FaultOutcome.ANON_NEW, false); // kept
        t.fault(0x3000, 6, 0, FaultOutcome.ANON_NEW, false); // outside the range
        t.setTask(1, 9, 9);
        t.fault(0x2000, 6, 0, FaultOutcome.ANON_NEW, false); // another process
        t.setTask(1, 7, 8);
        t.loadCr3(1, 0x5000 | 4, false);
        t.fault(0x2000, 6, 0, FaultOutcome.ANON_NEW, false); // another PCID
        clock = 200;
        t.loadCr3(1, 0x5000 | 3, false);
        t.fault(0x2000, 6, 0, FaultOutcome.ANON_NEW, false); // after the window
        assertEquals(List.of("fault 150 cpu1 1000 ANON_NEW"), sink.lines);
    }

    @Test
    void flushesNameTheSyscallOrTheFaultTheyHappenIn() {
        Lines sink = new Lines();
        Tracer t = tracer(sink, "events=tlb,syscall");
        t.syscallEnter(11, "munmap", 0, 0, 0, 0, 0, 0);
        t.tlbFlush(0, 0, FlushKind.RANGE, 0x1000, 0x3000, 2);
        t.tlbFlush(1, 0, FlushKind.FULL, 0, 0, 0);
        t.syscallExit(0, false);
        t.setInFault(0, true);
        t.tlbFlush(0, 0, FlushKind.ONE, 0x1000, 0x2000, 1);
        t.setInFault(0, false);
        assertEquals(List.of("enter munmap", "flush cpu0 range munmap 2", "flush cpu1 full shootdown 0", "exit 11 = 0",
                "flush cpu0 one COW 1"), sink.lines);
    }

    @Test
    void aBlockedSyscallHasNoExitUntilItReturns() {
        Lines sink = new Lines();
        Tracer t = tracer(sink);
        t.syscallEnter(202, "futex", 0, 0, 0, 0, 0, 0);
        t.syscallExit(202, true);
        t.syscallEnter(202, "futex", 0, 0, 0, 0, 0, 0);
        t.syscallExit(0, false);
        assertEquals(List.of("enter futex", "enter futex", "exit 202 = 0"), sink.lines);
    }

    @Test
    void eachIpiGetsItsOwnFlowIdWhichItsReceiverCarries() {
        Lines sink = new Lines();
        Tracer t = tracer(sink, "events=ipi");
        t.shootdownBegin(0, 0x1000, 0x2000, false);
        long a = t.ipiSent(0, 1);
        long b = t.ipiSent(0, 2);
        t.shootdownEnd(0);
        t.ipiReceived(2, 0, b);
        t.ipiReceived(1, 0, a);
        assertTrue(a != 0 && b != 0 && a != b);
        assertEquals(List.of("shootdown cpu0 kernel", "ipi 0->1 #" + a, "ipi 0->2 #" + b, "shootdown end cpu0",
                "received cpu2 from 0 #" + b, "received cpu1 from 0 #" + a), sink.lines);
    }

    @Test
    void aShootdownFilteredOutSendsNoFlows() {
        Lines sink = new Lines();
        Tracer t = tracer(sink, "events=ipi", "addr=0x10000-0x20000");
        t.shootdownBegin(0, 0x1000, 0x2000, false);
        assertEquals(0, t.ipiSent(0, 1));
        t.shootdownEnd(0);
        assertEquals(List.of(), sink.lines);
    }

    @Test
    void aContextSwitchIsTracedOnlyWhenTheThreadChanges() {
        Lines sink = new Lines();
        Tracer t = tracer(sink, "events=sched");
        t.setTask(0, 1, 1);
        t.setTask(0, 1, 1);
        t.setTask(0, 1, 2);
        t.setTask(0, 0, 0);
        assertEquals(List.of("switch cpu0 0->1", "switch cpu0 1->2", "switch cpu0 2->0"), sink.lines);
    }

    @Test
    void badFiltersSayWhatIsWrong() {
        assertEquals("--trace-filter events=faults: unknown event kind 'faults' (known: "
                + "fault,tlb,ipi,syscall,slab,page,sched,signal, all)",
                assertThrows(IllegalArgumentException.class, () -> TraceFilter.parse(List.of("events=faults")))
                        .getMessage());
        assertEquals("--trace-filter color=red: unknown key (known: cr3, pcid, pid, cpu, events, addr, insns)",
                assertThrows(IllegalArgumentException.class, () -> TraceFilter.parse(List.of("color=red"))).getMessage());
        assertEquals("--trace-filter pcid=4096: out of range 0..4095",
                assertThrows(IllegalArgumentException.class, () -> TraceFilter.parse(List.of("pcid=4096"))).getMessage());
        assertEquals("--trace-filter addr=0x2000-0x1000: empty range",
                assertThrows(IllegalArgumentException.class, () -> TraceFilter.parse(List.of("addr=0x2000-0x1000")))
                        .getMessage());
        assertEquals("--trace-filter cpu: expected KEY=VALUE",
                assertThrows(IllegalArgumentException.class, () -> TraceFilter.parse(List.of("cpu"))).getMessage());
        assertEquals("--trace-filter pid=x: not a number: x",
                assertThrows(IllegalArgumentException.class, () -> TraceFilter.parse(List.of("pid=x"))).getMessage());
    }

    @Test
    void theSummaryCountsPerAddressSpaceAndProcess() {
        TraceSummary summary = new TraceSummary();
        Tracer t = new Tracer(TraceFilter.ALL, summary);
        t.start(() -> 0);
        t.setComm(7, "prog");
        t.loadCr3(0, 0x5000 | 1, true);
        t.setTask(0, 7, 7);
        t.fault(0x1000, 6, 0x1000, FaultOutcome.COW_COPY, false);
        t.fault(0x1000, 4, -1, FaultOutcome.SIGNAL, false);
        t.loadCr3(0, 0x9000 | 2, true);
        t.fault(0x1000, 4, 0x1000, FaultOutcome.ZERO_PAGE, false);
        assertEquals(2, summary.total(TraceSummary.Column.FAULTS));
        assertEquals(1, summary.total(TraceSummary.Column.COW));
        assertEquals(1, summary.total(TraceSummary.Column.ZERO));
        assertEquals(1, summary.total(TraceSummary.Column.SEGV));
        assertEquals(2, summary.total(TraceSummary.Column.SWITCHES));
        List<TraceSummary.Row> rows = summary.rows();
        assertEquals(0x5001, rows.get(1).cr3());
        assertEquals(7, rows.get(1).pid());
        String text = summary.format();
        assertTrue(text.contains("0x5000"), text);
        assertTrue(text.contains(" prog "), text);
    }
}
