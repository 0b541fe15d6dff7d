package io.mmemu.emulator.report;

import io.mmemu.trace.FaultOutcome;
import io.mmemu.trace.FlushKind;
import io.mmemu.trace.TraceSink;
import io.mmemu.trace.Tracer;

/**
 * The report's timeline fed from the event stream: faults, local flushes (not the ones a switch
 * or a remote request did: those show as switches and received shootdowns), shootdowns sent and
 * IPIs handled, each on the lane of its CPU.
 */
public final class TimelineSink implements TraceSink {
    private final Timeline timeline;

    /**
     * A sink adding to {@code timeline}.
     *
     * @param timeline the report's timeline
     */
    public TimelineSink(Timeline timeline) {
        this.timeline = timeline;
    }

    @Override
    public void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome,
            boolean stackGrew) {
        timeline.add(cpu, ts, TimelineKind.FAULT, address, outcome.label());
    }

    @Override
    public void tlbFlush(long ts, int cpu, FlushKind kind, String reason, long start, long end, long pages) {
        if (!Tracer.localRequest(reason)) return;
        timeline.add(cpu, ts, TimelineKind.FLUSH, start, kind.label() + " (" + reason + ")");
    }

    @Override
    public void shootdownBegin(long ts, int cpu, long start, long end, boolean freedTables, String reason) {
        timeline.add(cpu, ts, TimelineKind.SHOOTDOWN, end == -1 ? 0 : start, reason);
    }

    @Override
    public void ipiReceived(long ts, int cpu, int sender, long flowId) {
        timeline.add(cpu, ts, TimelineKind.SHOOTDOWN_RECEIVED, 0, "from CPU " + sender);
    }
}
