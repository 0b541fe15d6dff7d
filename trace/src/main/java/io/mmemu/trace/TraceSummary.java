package io.mmemu.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code --trace-summary}: counts of the events the filter kept, per event type and address
 * space, printed at exit the way one reads counts filtered by CR3. An address space is a CR3 value
 * (page-table base and PCID) together with the process that ran on it; rows come in the order
 * they were first seen. Summed over the rows, each column equals the counter {@code --stats}
 * prints for it when nothing is filtered.
 */
public final class TraceSummary implements TraceSink {
    /** The columns. */
    public enum Column {
        /** Page faults that reached handle_mm_fault() (/proc/vmstat pgfault). */
        FAULTS("faults"),
        /** Of those, copy-on-write copies (the model's cow_fault). */
        COW("cow"),
        /** Of those, zero-page maps. */
        ZERO("zero-page"),
        /** Faults that ended in SIGSEGV before handle_mm_fault(). */
        SEGV("segv"),
        /** Model TLB misses. */
        TLB_MISS("tlb-miss"),
        /** Model TLB fills. */
        TLB_FILL("tlb-fill"),
        /** Pages flushed one by one for the CPU's own request (nr_tlb_local_flush_one). */
        FLUSH_ONE("flush-one"),
        /** Full flushes for the CPU's own request (nr_tlb_local_flush_all). */
        FLUSH_ALL("flush-all"),
        /** Shootdowns started (nr_tlb_remote_flush). */
        SHOOTDOWN("shootdown"),
        /** Flush IPIs sent. */
        IPI_SENT("ipi-sent"),
        /** Flush IPIs handled (nr_tlb_remote_flush_received). */
        RECEIVED("received"),
        /** CR3 writes by switch_mm. */
        SWITCHES("switches"),
        /** Syscalls entered. */
        SYSCALLS("syscalls"),
        /** SLUB allocations. */
        SLAB_ALLOC("slab-alloc"),
        /** SLUB frees. */
        SLAB_FREE("slab-free"),
        /** Page allocator allocations. */
        PAGE_ALLOC("page-alloc"),
        /** Page allocator frees. */
        PAGE_FREE("page-free"),
        /** Context switches. */
        SCHED("sched"),
        /** Signals delivered. */
        SIGNALS("signals");

        private final String heading;

        Column(String heading) {
            this.heading = heading;
        }

        /** {@return the column's heading} */
        public String heading() {
            return heading;
        }
    }

    /**
     * One address space's counts.
     *
     * @param cr3    CR3 (page-table base and PCID)
     * @param pid    the process
     * @param counts the counts, indexed by {@link Column#ordinal}
     */
    public record Row(long cr3, int pid, long[] counts) {
        /**
         * {@return one column's count}
         *
         * @param c the column
         */
        public long get(Column c) {
            return counts[c.ordinal()];
        }
    }

    private static final int NCOL = Column.values().length;
    private final List<Row> rows = new ArrayList<>();
    private final Row[] last = new Row[Tracer.MAX_CPUS];
    private Tracer tracer;

    /** An empty summary; it counts from the tracer's start. */
    public TraceSummary() {}

    @Override
    public void start(Tracer t) {
        this.tracer = t;
    }

    /** {@return the rows, in the order first seen} */
    public List<Row> rows() {
        return rows;
    }

    /**
     * {@return the column summed over every address space}
     *
     * @param c the column
     */
    public long total(Column c) {
        long n = 0;
        for (Row r : rows) n += r.get(c);
        return n;
    }

    /** The row of what {@code cpu} runs now; allocates only for a new address space. */
    private long[] row(int cpu) {
        long cr3 = tracer.cr3(cpu);
        int pid = tracer.pid(cpu);
        Row r = last[cpu];
        if (r != null && r.cr3 == cr3 && r.pid == pid) return r.counts;
        r = null;
        for (Row x : rows) {
            if (x.cr3 == cr3 && x.pid == pid) r = x;
        }
        if (r == null) {
            r = new Row(cr3, pid, new long[NCOL]);
            rows.add(r);
        }
        last[cpu] = r;
        return r.counts;
    }

    private void add(int cpu, Column c, long n) {
        row(cpu)[c.ordinal()] += n;
    }

    @Override
    public void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome,
            boolean stackGrew) {
        if (!outcome.reachedHandleMmFault()) {
            add(cpu, Column.SEGV, 1);
            return;
        }
        add(cpu, Column.FAULTS, 1);
        if (outcome == FaultOutcome.COW_COPY) add(cpu, Column.COW, 1);
        if (outcome == FaultOutcome.ZERO_PAGE) add(cpu, Column.ZERO, 1);
    }

    @Override
    public void tlbMiss(long ts, int cpu, int pcid, long address, boolean permission) {
        add(cpu, Column.TLB_MISS, 1);
    }

    @Override
    public void tlbFill(long ts, int cpu, int pcid, long address, int level, long pageSize) {
        add(cpu, Column.TLB_FILL, 1);
    }

    @Override
    public void tlbFlush(long ts, int cpu, FlushKind kind, String reason, long start, long end, long pages) {
        if (!Tracer.localRequest(reason)) return;
        if (kind == FlushKind.FULL) add(cpu, Column.FLUSH_ALL, 1);
        else add(cpu, Column.FLUSH_ONE, pages);
    }

    @Override
    public void shootdownBegin(long ts, int cpu, long start, long end, boolean freedTables, String reason) {
        add(cpu, Column.SHOOTDOWN, 1);
    }

    @Override
    public void ipiSent(long ts, int cpu, int target, long flowId) {
        add(cpu, Column.IPI_SENT, 1);
    }

    @Override
    public void ipiReceived(long ts, int cpu, int sender, long flowId) {
        add(cpu, Column.RECEIVED, 1);
    }

    @Override
    public void switchMm(long ts, int cpu, long prevCr3, long nextCr3, boolean flushed) {
        add(cpu, Column.SWITCHES, 1);
    }

    @Override
    public void syscallEnter(long ts, int cpu, int nr, String name, long a0, long a1, long a2, long a3, long a4,
            long a5) {
        add(cpu, Column.SYSCALLS, 1);
    }

    @Override
    public void slab(long ts, int cpu, String cache, long object, boolean alloc, boolean fastPath, int retries) {
        add(cpu, alloc ? Column.SLAB_ALLOC : Column.SLAB_FREE, 1);
    }

    @Override
    public void page(long ts, int cpu, long pfn, int order, int migratetype, boolean alloc) {
        add(cpu, alloc ? Column.PAGE_ALLOC : Column.PAGE_FREE, 1);
    }

    @Override
    public void schedSwitch(long ts, int cpu, int prevTid, int nextTid) {
        add(cpu, Column.SCHED, 1);
    }

    @Override
    public void signal(long ts, int cpu, int tid, int signo, int code, long address) {
        add(cpu, Column.SIGNALS, 1);
    }

    /** {@return the table, one line per address space and a total line} */
    public String format() {
        StringBuilder b = new StringBuilder();
        b.append("mmemu: trace summary (events per address space: CR3 page-table base, PCID, process)\n");
        b.append(String.format(Locale.ROOT, "  %-18s %4s %6s %-15s", "cr3", "pcid", "pid", "program"));
        for (Column c : Column.values()) b.append(String.format(Locale.ROOT, " %10s", c.heading()));
        b.append('\n');
        long[] total = new long[NCOL];
        for (Row r : rows) {
            String comm = r.pid == 0 ? "(idle/kernel)" : tracer.comm(r.pid);
            b.append(String.format(Locale.ROOT, "  %#-18x %4d %6d %-15s", r.cr3 & TraceFilter.CR3_BASE_MASK,
                    r.cr3 & 0xFFF, r.pid, comm == null ? "?" : comm));
            for (int i = 0; i < NCOL; i++) {
                b.append(String.format(Locale.ROOT, " %,10d", r.counts[i]));
                total[i] += r.counts[i];
            }
            b.append('\n');
        }
        b.append(String.format(Locale.ROOT, "  %-18s %4s %6s %-15s", "total", "", "", ""));
        for (long t : total) b.append(String.format(Locale.ROOT, " %,10d", t));
        b.append('\n');
        return b.toString();
    }
}
