package io.mmemu.trace;

import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * A machine's event stream: the models call it where something happens, it keeps what the
 * {@link TraceFilter} selects and hands that to its {@link TraceSink}.
 *
 * <p>Tracing off must cost nothing measurable, so a call site tests first, with a constant:
 * {@code if (tracer.on(Tracer.FAULT)) tracer.fault(...)}, a field load and a bit test; the
 * machine's components hold {@link #OFF} until a traced run gives them another tracer. Nothing
 * here allocates per event.
 *
 * <p>The tracer also keeps what each CPU is running (CR3, process and thread, whether it is in a
 * syscall or a fault), told by the scheduler and the TLB management whether or not those kinds are
 * traced, because filters and sinks describe every event by it. One thread drives the machine and
 * calls all of this; the CPU an event happens on is the one {@link #setCpu} last named, unless the
 * call names one.
 */
public final class Tracer {
    /** {@link TraceCategory#FAULT}'s bit. */
    public static final int FAULT = 1;
    /** {@link TraceCategory#TLB}'s bit. */
    public static final int TLB = 1 << 1;
    /** {@link TraceCategory#IPI}'s bit. */
    public static final int IPI = 1 << 2;
    /** {@link TraceCategory#SYSCALL}'s bit. */
    public static final int SYSCALL = 1 << 3;
    /** {@link TraceCategory#SLAB}'s bit. */
    public static final int SLAB = 1 << 4;
    /** {@link TraceCategory#PAGE}'s bit. */
    public static final int PAGE = 1 << 5;
    /** {@link TraceCategory#SCHED}'s bit. */
    public static final int SCHED = 1 << 6;
    /** {@link TraceCategory#SIGNAL}'s bit. */
    public static final int SIGNAL = 1 << 7;

    /** {@link TraceSink#tlbFlush}'s reason for the flush of a switch_mm. */
    public static final String REASON_SWITCH = "switch";
    /** {@link TraceSink#tlbFlush}'s reason for a flush another CPU asked for. */
    public static final String REASON_SHOOTDOWN = "shootdown";

    /**
     * Whether a flush with this {@link TraceSink#tlbFlush} reason was the CPU's own request (what
     * nr_tlb_local_flush_one/all count), not a switch_mm's flush nor one another CPU asked for.
     *
     * @param reason the flush's reason
     * @return whether it is a local request
     */
    public static boolean localRequest(String reason) {
        return !reason.equals(REASON_SWITCH) && !reason.equals(REASON_SHOOTDOWN);
    }

    /** The most CPUs a machine has. */
    public static final int MAX_CPUS = 64;

    /** Traces nothing: every {@link #on} is false. Shared; its context setters do nothing. */
    public static final Tracer OFF = new Tracer(TraceFilter.ALL, null);

    private final int mask;
    private final TraceFilter filter;
    private final boolean selectsContext;
    private final TraceSink sink;
    private LongSupplier clock = () -> 0;
    private int cpu;
    private final long[] cr3 = new long[MAX_CPUS];
    private final int[] pid = new int[MAX_CPUS];
    private final int[] tid = new int[MAX_CPUS];
    /** The syscall each CPU is in, or -1. */
    private final int[] syscall = new int[MAX_CPUS];
    private final String[] syscallName = new String[MAX_CPUS];
    /** Whether each CPU is handling a page fault. */
    private final boolean[] inFault = new boolean[MAX_CPUS];
    /** Whether each CPU's open syscall / shootdown slice was kept (its end must be, too). */
    private final boolean[] syscallKept = new boolean[MAX_CPUS];
    private final boolean[] shootdownKept = new boolean[MAX_CPUS];
    private final TreeMap<Integer, String> comm = new TreeMap<>();
    private long nextFlowId = 1;

    /**
     * A tracer sending the events {@code filter} keeps to {@code sink}.
     *
     * @param filter what to keep
     * @param sink   where to send it; null traces nothing
     */
    public Tracer(TraceFilter filter, TraceSink sink) {
        this.sink = sink;
        this.filter = filter;
        this.mask = sink == null ? 0 : filter.categories();
        this.selectsContext = filter.selectsContext();
        java.util.Arrays.fill(syscall, -1);
    }

    /**
     * Whether events of a kind are traced: the test every call site makes first.
     *
     * @param category one of the bit constants ({@link #FAULT}, ...)
     * @return whether they are
     */
    public boolean on(int category) {
        return (mask & category) != 0;
    }

    /** {@return whether anything is traced} */
    public boolean enabled() {
        return mask != 0;
    }

    /**
     * Starts the stream: from now on {@code clock} gives each event's time.
     *
     * @param clock instructions executed on all CPUs so far
     */
    public void start(LongSupplier clock) {
        if (sink == null) return;
        this.clock = clock;
        sink.start(this);
    }

    /** Ends the stream: the sink writes out what it buffers. */
    public void finish() {
        if (sink != null) sink.finish();
    }

    // ------------------------------------------------------------------ context

    /**
     * The machine now runs {@code cpu}: events without a CPU of their own happen there.
     *
     * @param cpu the CPU
     */
    public void setCpu(int cpu) {
        if (sink != null) this.cpu = cpu; // OFF is shared by every machine: it keeps no state
    }

    /** {@return the CPU the machine runs now} */
    public int cpu() {
        return cpu;
    }

    /** {@return the time now: instructions executed on all CPUs} */
    public long now() {
        return clock.getAsLong();
    }

    /**
     * {@return CR3 of {@code cpu}, PCID in bits 0-11}
     *
     * @param cpu the CPU
     */
    public long cr3(int cpu) {
        return cr3[cpu];
    }

    /**
     * {@return the process running on {@code cpu}, 0 when idle}
     *
     * @param cpu the CPU
     */
    public int pid(int cpu) {
        return pid[cpu];
    }

    /**
     * {@return the thread running on {@code cpu}, 0 when idle}
     *
     * @param cpu the CPU
     */
    public int tid(int cpu) {
        return tid[cpu];
    }

    /**
     * {@return the program name of process {@code pid}, or null before its exec}
     *
     * @param pid the process
     */
    public String comm(int pid) {
        return comm.get(pid);
    }

    /**
     * {@code pid}'s program name changed (exec, PR_SET_NAME; a fork inherits it).
     *
     * @param pid  the process
     * @param name its comm
     */
    public void setComm(int pid, String name) {
        if (sink != null) comm.put(pid, name);
    }

    /**
     * {@code cpu} runs thread {@code tid} of process {@code pid} next (0, 0 for idle); traced as a
     * context switch when it changes.
     *
     * @param cpu the CPU
     * @param pid the process
     * @param tid the thread
     */
    public void setTask(int cpu, int pid, int tid) {
        if (sink == null) return;
        int prev = this.tid[cpu];
        this.pid[cpu] = pid;
        this.tid[cpu] = tid;
        if (prev != tid && on(SCHED) && keep(cpu)) sink.schedSwitch(now(), cpu, prev, tid);
    }

    /**
     * {@code cpu}'s CR3 is {@code value} when tracing starts (no event).
     *
     * @param cpu   the CPU
     * @param value CR3, PCID in bits 0-11
     */
    public void initCr3(int cpu, long value) {
        if (sink != null) cr3[cpu] = value;
    }

    /**
     * {@code cpu}'s CR3 changed (switch_mm_irqs_off(), a lazy CPU going to init_mm); traced as a
     * switch_mm.
     *
     * @param cpu     the CPU
     * @param value   CR3, PCID in bits 0-11
     * @param flushed whether the PCID's entries were flushed
     */
    public void loadCr3(int cpu, long value, boolean flushed) {
        if (sink == null) return;
        long prev = cr3[cpu];
        cr3[cpu] = value;
        if (on(TLB) && keep(cpu)) {
            long ts = now();
            sink.switchMm(ts, cpu, prev, value, flushed);
            if (flushed) sink.tlbFlush(ts, cpu, FlushKind.FULL, REASON_SWITCH, 0, 0, 0);
        }
    }

    /**
     * {@code cpu} enters or leaves a page fault: flushes in between are for COW.
     *
     * @param cpu the CPU
     * @param in  true on entry
     */
    public void setInFault(int cpu, boolean in) {
        if (sink != null) inFault[cpu] = in;
    }

    /** Why a flush on the current CPU happens: the syscall it is in, COW in a fault, else "kernel". */
    private String reason(int cpu) {
        if (inFault[cpu]) return "COW";
        String s = syscallName[cpu];
        return s != null ? s : "kernel";
    }

    private boolean keep(int cpu) {
        return !selectsContext || filter.keeps(cpu, now(), cr3[cpu], pid[cpu]);
    }

    private boolean keep(int cpu, long start, long end) {
        return !selectsContext || filter.keeps(cpu, now(), cr3[cpu], pid[cpu]) && filter.touches(start, end);
    }

    // ------------------------------------------------------------------ events

    /**
     * A page fault on the current CPU; see {@link TraceSink#fault}. Test {@code on(FAULT)} first.
     *
     * @param address   CR2
     * @param errorCode the #PF error code
     * @param vmaStart  the VMA's start, or -1
     * @param outcome   how it ended
     * @param stackGrew whether the stack grew
     */
    public void fault(long address, int errorCode, long vmaStart, FaultOutcome outcome, boolean stackGrew) {
        int c = cpu;
        if (keep(c, address, address + 1)) sink.fault(now(), c, address, errorCode, vmaStart, outcome, stackGrew);
    }

    /**
     * A model TLB miss; see {@link TraceSink#tlbMiss}. Test {@code on(TLB)} first.
     *
     * @param cpu        the CPU
     * @param pcid       the PCID
     * @param address    the address
     * @param permission whether cached rights refused it
     */
    public void tlbMiss(int cpu, int pcid, long address, boolean permission) {
        if (keep(cpu, address, address + 1)) sink.tlbMiss(now(), cpu, pcid, address, permission);
    }

    /**
     * A model TLB fill; see {@link TraceSink#tlbFill}. Test {@code on(TLB)} first.
     *
     * @param cpu      the CPU
     * @param pcid     the PCID
     * @param address  the page's address
     * @param level    the leaf's page-table level (1 = PTE)
     * @param pageSize the page size
     */
    public void tlbFill(int cpu, int pcid, long address, int level, long pageSize) {
        if (keep(cpu, address, address + pageSize)) sink.tlbFill(now(), cpu, pcid, address, level, pageSize);
    }

    /**
     * A local flush for a request of {@code initiator}; see {@link TraceSink#tlbFlush}. Test
     * {@code on(TLB)} first.
     *
     * @param cpu       the CPU flushing
     * @param initiator the CPU that asked
     * @param kind      how much
     * @param start     the range's start (0 for full)
     * @param end       the range's end (0 for full)
     * @param pages     the INVLPGs of a range flush (0 for full)
     */
    public void tlbFlush(int cpu, int initiator, FlushKind kind, long start, long end, long pages) {
        if (kind == FlushKind.FULL ? keep(cpu) : keep(cpu, start, end)) {
            sink.tlbFlush(now(), cpu, kind, cpu == initiator ? reason(cpu) : REASON_SHOOTDOWN, start, end, pages);
        }
    }

    /**
     * A shootdown starts on {@code cpu}. Test {@code on(IPI)} first; end it with {@link #shootdownEnd}.
     *
     * @param cpu         the initiator
     * @param start       the range's start
     * @param end         the range's end (-1 with start 0 for everything)
     * @param freedTables whether page tables were freed
     */
    public void shootdownBegin(int cpu, long start, long end, boolean freedTables) {
        boolean k = keep(cpu, start, end);
        shootdownKept[cpu] = k;
        if (k) sink.shootdownBegin(now(), cpu, start, end, freedTables, reason(cpu));
    }

    /**
     * The shootdown in progress on {@code cpu} sends an IPI to {@code target}.
     *
     * @param cpu    the initiator
     * @param target the receiver
     * @return the IPI's flow id, to pass to {@link #ipiReceived}; 0 when the shootdown is not traced
     */
    public long ipiSent(int cpu, int target) {
        if (!shootdownKept[cpu]) return 0;
        long id = nextFlowId++;
        sink.ipiSent(now(), cpu, target, id);
        return id;
    }

    /**
     * The shootdown on {@code cpu} returned.
     *
     * @param cpu the initiator
     */
    public void shootdownEnd(int cpu) {
        if (shootdownKept[cpu]) sink.shootdownEnd(now(), cpu);
        shootdownKept[cpu] = false;
    }

    /**
     * {@code cpu} handles a flush IPI. Test {@code on(IPI)} first.
     *
     * @param cpu    the receiver
     * @param sender the initiator
     * @param flowId what {@link #ipiSent} returned (0: the sending was not traced)
     */
    public void ipiReceived(int cpu, int sender, long flowId) {
        if (keep(cpu)) sink.ipiReceived(now(), cpu, sender, flowId);
    }

    /**
     * Lazy TLB mode entered or left on {@code cpu}. Test {@code on(TLB)} first.
     *
     * @param cpu   the CPU
     * @param enter true on entering
     */
    public void lazyTlb(int cpu, boolean enter) {
        if (keep(cpu)) sink.lazyTlb(now(), cpu, enter);
    }

    /**
     * An ASID slot given out. Test {@code on(TLB)} first.
     *
     * @param cpu    the CPU
     * @param asid   the slot
     * @param ctxId  the address space
     * @param reused whether it was taken from another
     */
    public void asid(int cpu, int asid, long ctxId, boolean reused) {
        if (keep(cpu)) sink.asid(now(), cpu, asid, ctxId, reused);
    }

    /**
     * A syscall enters on the current CPU. Always call (not only when {@code on(SYSCALL)}): flushes
     * name it as their reason.
     *
     * @param nr   its number
     * @param name its name, or null
     * @param a0   RDI
     * @param a1   RSI
     * @param a2   RDX
     * @param a3   R10
     * @param a4   R8
     * @param a5   R9
     */
    public void syscallEnter(int nr, String name, long a0, long a1, long a2, long a3, long a4, long a5) {
        if (sink == null) return;
        int c = cpu;
        syscall[c] = nr;
        syscallName[c] = name;
        boolean k = on(SYSCALL) && keep(c);
        syscallKept[c] = k;
        if (k) sink.syscallEnter(now(), c, nr, name, a0, a1, a2, a3, a4, a5);
    }

    /**
     * The syscall in progress on the current CPU returns {@code result} (or will be re-executed:
     * {@code restart}).
     *
     * @param result  the result
     * @param restart whether it blocked and runs again later (no exit event: the slice stays open)
     */
    public void syscallExit(long result, boolean restart) {
        if (sink == null) return;
        int c = cpu;
        if (syscallKept[c] && !restart) sink.syscallExit(now(), c, syscall[c], result);
        if (!restart) syscallKept[c] = false;
        syscall[c] = -1;
        syscallName[c] = null;
    }

    /**
     * A SLUB allocation or free on the current CPU. Test {@code on(SLAB)} first.
     *
     * @param cache    the cache
     * @param object   the object (0 for a failure)
     * @param alloc    true for an allocation
     * @param fastPath whether the per-CPU freelist served it
     * @param retries  cmpxchg failures
     */
    public void slab(String cache, long object, boolean alloc, boolean fastPath, int retries) {
        int c = cpu;
        if (keep(c)) sink.slab(now(), c, cache, object, alloc, fastPath, retries);
    }

    /**
     * A page allocator allocation or free on the current CPU. Test {@code on(PAGE)} first.
     *
     * @param pfn         the first frame
     * @param order       the order
     * @param migratetype the migrate type
     * @param alloc       true for an allocation
     */
    public void page(long pfn, int order, int migratetype, boolean alloc) {
        int c = cpu;
        if (keep(c)) sink.page(now(), c, pfn, order, migratetype, alloc);
    }

    /**
     * A thread moves between CPUs. Test {@code on(SCHED)} first.
     *
     * @param tid  the thread
     * @param from the CPU before
     * @param to   the CPU after
     */
    public void migrate(int tid, int from, int to) {
        if (keep(to)) sink.migrate(now(), tid, from, to);
    }

    /**
     * A signal delivered on the current CPU. Test {@code on(SIGNAL)} first.
     *
     * @param tid     the thread
     * @param signo   the signal
     * @param code    si_code
     * @param address si_addr or 0
     */
    public void signal(int tid, int signo, int code, long address) {
        int c = cpu;
        if (keep(c)) sink.signal(now(), c, tid, signo, code, address);
    }
}
