package io.mmemu.trace;

import java.util.List;

/** Sinks made of other sinks. */
public final class TraceSinks {
    private TraceSinks() {}

    /**
     * One sink that passes every event to each of {@code sinks}, in order.
     *
     * @param sinks the sinks (one is returned as is)
     * @return the sink
     */
    public static TraceSink tee(List<TraceSink> sinks) {
        if (sinks.size() == 1) return sinks.getFirst();
        TraceSink[] all = sinks.toArray(TraceSink[]::new);
        return new TraceSink() {
            @Override
            public void start(Tracer tracer) {
                for (TraceSink s : all) s.start(tracer);
            }

            @Override
            public void finish() {
                for (TraceSink s : all) s.finish();
            }

            @Override
            public void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome,
                    boolean stackGrew) {
                for (TraceSink s : all) s.fault(ts, cpu, address, errorCode, vmaStart, outcome, stackGrew);
            }

            @Override
            public void tlbMiss(long ts, int cpu, int pcid, long address, boolean permission) {
                for (TraceSink s : all) s.tlbMiss(ts, cpu, pcid, address, permission);
            }

            @Override
            public void tlbFill(long ts, int cpu, int pcid, long address, int level, long pageSize) {
                for (TraceSink s : all) s.tlbFill(ts, cpu, pcid, address, level, pageSize);
            }

            @Override
            public void tlbFlush(long ts, int cpu, FlushKind kind, String reason, long start, long end, long pages) {
                for (TraceSink s : all) s.tlbFlush(ts, cpu, kind, reason, start, end, pages);
            }

            @Override
            public void shootdownBegin(long ts, int cpu, long start, long end, boolean freedTables, String reason) {
                for (TraceSink s : all) s.shootdownBegin(ts, cpu, start, end, freedTables, reason);
            }

            @Override
            public void ipiSent(long ts, int cpu, int target, long flowId) {
                for (TraceSink s : all) s.ipiSent(ts, cpu, target, flowId);
            }

            @Override
            public void shootdownEnd(long ts, int cpu) {
                for (TraceSink s : all) s.shootdownEnd(ts, cpu);
            }

            @Override
            public void ipiReceived(long ts, int cpu, int sender, long flowId) {
                for (TraceSink s : all) s.ipiReceived(ts, cpu, sender, flowId);
            }

            @Override
            public void switchMm(long ts, int cpu, long prevCr3, long nextCr3, boolean flushed) {
                for (TraceSink s : all) s.switchMm(ts, cpu, prevCr3, nextCr3, flushed);
            }

            @Override
            public void lazyTlb(long ts, int cpu, boolean enter) {
                for (TraceSink s : all) s.lazyTlb(ts, cpu, enter);
            }

            @Override
            public void asid(long ts, int cpu, int asid, long ctxId, boolean reused) {
                for (TraceSink s : all) s.asid(ts, cpu, asid, ctxId, reused);
            }

            @Override
            public void syscallEnter(long ts, int cpu, int nr, String name, long a0, long a1, long a2, long a3,
                    long a4, long a5) {
                for (TraceSink s : all) s.syscallEnter(ts, cpu, nr, name, a0, a1, a2, a3, a4, a5);
            }

            @Override
            public void syscallExit(long ts, int cpu, int nr, long result) {
                for (TraceSink s : all) s.syscallExit(ts, cpu, nr, result);
            }

            @Override
            public void slab(long ts, int cpu, String cache, long object, boolean alloc, boolean fastPath,
                    int retries) {
                for (TraceSink s : all) s.slab(ts, cpu, cache, object, alloc, fastPath, retries);
            }

            @Override
            public void page(long ts, int cpu, long pfn, int order, int migratetype, boolean alloc) {
                for (TraceSink s : all) s.page(ts, cpu, pfn, order, migratetype, alloc);
            }

            @Override
            public void schedSwitch(long ts, int cpu, int prevTid, int nextTid) {
                for (TraceSink s : all) s.schedSwitch(ts, cpu, prevTid, nextTid);
            }

            @Override
            public void migrate(long ts, int tid, int from, int to) {
                for (TraceSink s : all) s.migrate(ts, tid, from, to);
            }

            @Override
            public void signal(long ts, int cpu, int tid, int signo, int code, long address) {
                for (TraceSink s : all) s.signal(ts, cpu, tid, signo, code, address);
            }
        };
    }
}
