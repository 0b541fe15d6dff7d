package io.mmemu.emulator.trace;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.perfetto.Args;
import io.mmemu.perfetto.PerfettoWriter;
import io.mmemu.trace.FaultOutcome;
import io.mmemu.trace.FlushKind;
import io.mmemu.trace.TraceSink;
import io.mmemu.trace.Tracer;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code --trace FILE}: the event stream as a Perfetto trace, streamed as it happens.
 *
 * <ul>
 *   <li>one track per CPU ("CPU n"): TLB misses and fills, flushes, switch_mm, lazy TLB, ASIDs,
 *       context switches, slab and page allocations as instants; shootdowns as slices, with an
 *       instant per IPI sent whose flow arrow ends in the receiving CPU's "flush IPI" slice;</li>
 *   <li>one track per process, and one per thread under it: syscalls as slices (a syscall that
 *       blocks stays open until it returns), faults and signals as instants;</li>
 *   <li>counter tracks: free pages and slab objects (globally), each CPU's TLB occupancy, and
 *       each process's RSS, sampled every {@link #SAMPLE_INSTRUCTIONS} instructions.</li>
 * </ul>
 * Time is the instruction count: one nanosecond in the UI is one instruction executed (on all CPUs).
 */
final class PerfettoSink implements TraceSink {
    /** How often counters are sampled, in instructions. */
    static final long SAMPLE_INSTRUCTIONS = 20_000;

    /** Event names made once, so that an event allocates no string. */
    private static final String[] FAULT_NAMES = new String[FaultOutcome.values().length];
    private static final String[] FLUSH_NAMES = new String[FlushKind.values().length];
    private static final String[] IPI_TO = new String[Tracer.MAX_CPUS];
    private static final String[] IPI_FROM = new String[Tracer.MAX_CPUS];

    static {
        for (FaultOutcome o : FaultOutcome.values()) FAULT_NAMES[o.ordinal()] = "page fault: " + o.label();
        for (FlushKind k : FlushKind.values()) FLUSH_NAMES[k.ordinal()] = "flush " + k.label();
        for (int c = 0; c < Tracer.MAX_CPUS; c++) {
            IPI_TO[c] = "IPI to CPU " + c;
            IPI_FROM[c] = "flush IPI from CPU " + c;
        }
    }

    private final PerfettoWriter w;
    private final Args args = new Args();
    private Machine machine;
    private Tracer tracer;
    private long lastTs;
    private long nextSample;
    private final long[] cpuTrack = new long[Tracer.MAX_CPUS];
    private final long[] tlbCounter = new long[Tracer.MAX_CPUS];
    private long freePagesCounter;
    private long slabCounter;
    private long slabObjects;
    /** Thread tracks by tid, and each thread's open syscall (its number, or absent). */
    private final Map<Integer, Long> threadTracks = new HashMap<>();
    private final Map<Integer, Integer> openSyscall = new HashMap<>();
    private final Map<Integer, Long> rssCounters = new HashMap<>();
    private final boolean[] shootdownOpen = new boolean[Tracer.MAX_CPUS];
    /** One flow id, reused: the writer reads it during the call. */
    private final long[] flow = new long[1];

    PerfettoSink(OutputStream out, String name) {
        this.w = new PerfettoWriter(out, name);
    }

    /** The machine whose counters are sampled; before the first event. */
    void bind(Machine machine) {
        this.machine = machine;
        for (Cpu c : machine.cpus()) {
            cpuTrack[c.id()] = w.cpuTrack(c.id());
            tlbCounter[c.id()] = w.counterTrack("TLB entries, CPU " + c.id(), "entries", 0);
        }
        freePagesCounter = w.counterTrack("free pages", "pages", 0);
        slabCounter = w.counterTrack("slab objects (allocated - freed while traced)", "objects", 0);
    }

    @Override
    public void start(Tracer t) {
        this.tracer = t;
    }

    @Override
    public void finish() {
        long ts = lastTs;
        for (Map.Entry<Integer, Integer> e : openSyscall.entrySet()) w.sliceEnd(threadTracks.get(e.getKey()), ts);
        openSyscall.clear();
        for (int c = 0; c < shootdownOpen.length; c++) {
            if (shootdownOpen[c]) w.sliceEnd(cpuTrack[c], ts);
        }
        sample(ts);
        w.close();
    }

    /** A timestamp that never goes back (a fault takes back the rest of a counted block). */
    private long ts(long ts) {
        if (ts > lastTs) lastTs = ts;
        if (machine != null && lastTs >= nextSample) {
            nextSample = lastTs + SAMPLE_INSTRUCTIONS;
            sample(lastTs);
        }
        return lastTs;
    }

    private void sample(long ts) {
        if (machine == null) return;
        w.counter(freePagesCounter, ts, machine.env().allocator().nrFreePages());
        w.counter(slabCounter, ts, slabObjects);
        for (Cpu c : machine.cpus()) {
            w.counter(tlbCounter[c.id()], ts, c.tlb().validEntries());
            Task t = c.current();
            MmStruct mm = t == null ? null : t.mm();
            if (mm == null || t.exited()) continue;
            long rss = mm.rss(RssStat.MM_ANONPAGES) + mm.rss(RssStat.MM_FILEPAGES) + mm.rss(RssStat.MM_SHMEMPAGES);
            int pid = t.tgid();
            Long track = rssCounters.get(pid);
            if (track == null) {
                track = w.counterTrack("RSS", "pages", processTrack(pid));
                rssCounters.put(pid, track);
            }
            w.counter(track, ts, rss);
        }
    }

    private long processTrack(int pid) {
        String comm = tracer.comm(pid);
        return w.processTrack(pid, comm);
    }

    /** The track of the thread running on {@code cpu}, or the CPU's when it is idle. */
    private long threadTrack(int cpu) {
        int tid = tracer.tid(cpu);
        if (tid == 0) return cpuTrack[cpu];
        Long track = threadTracks.get(tid);
        if (track == null) {
            int pid = tracer.pid(cpu);
            processTrack(pid);
            track = w.threadTrack(pid, tid, tracer.comm(pid)); // threads share their process's comm unless renamed
            threadTracks.put(tid, track);
        }
        return track;
    }

    @Override
    public void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome,
            boolean stackGrew) {
        args.clear().pointer("address", address).integer("error_code", errorCode).label("outcome", outcome.label())
                .integer("cpu", cpu);
        if (vmaStart >= 0) args.pointer("vma_start", vmaStart);
        if (stackGrew) args.bool("stack_grew", true);
        w.instant(threadTrack(cpu), ts(ts), "fault", FAULT_NAMES[outcome.ordinal()], args);
    }

    @Override
    public void tlbMiss(long ts, int cpu, int pcid, long address, boolean permission) {
        args.clear().pointer("address", address).integer("pcid", pcid);
        w.instant(cpuTrack[cpu], ts(ts), "tlb", permission ? "TLB miss (permission)" : "TLB miss", args);
    }

    @Override
    public void tlbFill(long ts, int cpu, int pcid, long address, int level, long pageSize) {
        args.clear().pointer("address", address).integer("pcid", pcid).integer("level", level)
                .integer("page_size", pageSize);
        w.instant(cpuTrack[cpu], ts(ts), "tlb", "TLB fill", args);
    }

    @Override
    public void tlbFlush(long ts, int cpu, FlushKind kind, String reason, long start, long end, long pages) {
        args.clear().label("reason", reason);
        if (kind != FlushKind.FULL) args.pointer("start", start).pointer("end", end).integer("pages", pages);
        w.instant(cpuTrack[cpu], ts(ts), "tlb", FLUSH_NAMES[kind.ordinal()], args);
    }

    @Override
    public void shootdownBegin(long ts, int cpu, long start, long end, boolean freedTables, String reason) {
        args.clear().label("reason", reason).bool("freed_tables", freedTables);
        if (end != -1) args.pointer("start", start).pointer("end", end);
        w.sliceBegin(cpuTrack[cpu], ts(ts), "ipi", "shootdown", args);
        shootdownOpen[cpu] = true;
    }

    @Override
    public void ipiSent(long ts, int cpu, int target, long flowId) {
        args.clear().integer("target", target);
        flow[0] = flowId;
        w.instant(cpuTrack[cpu], ts(ts), "ipi", IPI_TO[target], args, flow, null);
    }

    @Override
    public void shootdownEnd(long ts, int cpu) {
        if (!shootdownOpen[cpu]) return;
        w.sliceEnd(cpuTrack[cpu], ts(ts));
        shootdownOpen[cpu] = false;
    }

    @Override
    public void ipiReceived(long ts, int cpu, int sender, long flowId) {
        args.clear().integer("sender", sender);
        long t = ts(ts);
        flow[0] = flowId;
        w.instant(cpuTrack[cpu], t, "ipi", IPI_FROM[sender], args, null, flowId == 0 ? null : flow);
    }

    @Override
    public void switchMm(long ts, int cpu, long prevCr3, long nextCr3, boolean flushed) {
        args.clear().pointer("prev_cr3", prevCr3).pointer("next_cr3", nextCr3).integer("pcid", nextCr3 & 0xFFF)
                .bool("flushed", flushed);
        w.instant(cpuTrack[cpu], ts(ts), "tlb", "switch_mm", args);
    }

    @Override
    public void lazyTlb(long ts, int cpu, boolean enter) {
        w.instant(cpuTrack[cpu], ts(ts), "tlb", enter ? "enter lazy TLB" : "leave lazy TLB", null);
    }

    @Override
    public void asid(long ts, int cpu, int asid, long ctxId, boolean reused) {
        args.clear().integer("asid", asid).integer("ctx_id", ctxId).bool("reused", reused);
        w.instant(cpuTrack[cpu], ts(ts), "tlb", "new ASID", args);
    }

    @Override
    public void syscallEnter(long ts, int cpu, int nr, String name, long a0, long a1, long a2, long a3, long a4,
            long a5) {
        int tid = tracer.tid(cpu);
        Integer open = openSyscall.get(tid);
        long t = ts(ts);
        if (open != null && open == nr) return; // a blocked call run again: its slice is still open
        long track = threadTrack(cpu);
        if (open != null) w.sliceEnd(track, t);
        args.clear().integer("nr", nr).pointer("arg0", a0).pointer("arg1", a1).pointer("arg2", a2)
                .pointer("arg3", a3).pointer("arg4", a4).pointer("arg5", a5).integer("cpu", cpu);
        w.sliceBegin(track, t, "syscall", name == null ? "syscall " + nr : name, args);
        openSyscall.put(tid, nr);
    }

    @Override
    public void syscallExit(long ts, int cpu, int nr, long result) {
        int tid = tracer.tid(cpu);
        if (openSyscall.remove(tid) == null) return;
        w.sliceEnd(threadTrack(cpu), ts(ts), args.clear().integer("result", result));
    }

    @Override
    public void slab(long ts, int cpu, String cache, long object, boolean alloc, boolean fastPath, int retries) {
        slabObjects += alloc ? (object != 0 ? 1 : 0) : -1;
        args.clear().label("cache", cache).pointer("object", object).bool("fast_path", fastPath);
        if (retries > 0) args.integer("cmpxchg_failures", retries);
        w.instant(cpuTrack[cpu], ts(ts), "slab", alloc ? "kmem_cache_alloc" : "kmem_cache_free", args);
    }

    @Override
    public void page(long ts, int cpu, long pfn, int order, int migratetype, boolean alloc) {
        args.clear().integer("pfn", pfn).integer("order", order);
        if (alloc) args.integer("migratetype", migratetype);
        w.instant(cpuTrack[cpu], ts(ts), "page", alloc ? "mm_page_alloc" : "mm_page_free", args);
    }

    @Override
    public void schedSwitch(long ts, int cpu, int prevTid, int nextTid) {
        args.clear().integer("prev_tid", prevTid).integer("next_tid", nextTid);
        w.instant(cpuTrack[cpu], ts(ts), "sched", nextTid == 0 ? "idle" : "context switch", args);
    }

    @Override
    public void migrate(long ts, int tid, int from, int to) {
        args.clear().integer("tid", tid).integer("from", from).integer("to", to);
        w.instant(cpuTrack[to], ts(ts), "sched", "migrate", args);
    }

    @Override
    public void signal(long ts, int cpu, int tid, int signo, int code, long address) {
        args.clear().integer("signo", signo).integer("code", code);
        if (address != 0) args.pointer("address", address);
        w.instant(threadTrack(cpu), ts(ts), "signal", "signal", args);
    }
}
