package io.mmemu.tlb.linux;

import io.mmemu.fault.FaultInjector;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.PageSize;
import io.mmemu.tlb.Tlb;
import io.mmemu.trace.Tracer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

/**
 * Linux's x86 TLB management, arch/x86/mm/tlb.c (as of Linux 6.1 to 6.12), over the hardware
 * TLB models ({@link CpuTlb}) of every CPU: which PCID each address space gets on each CPU, when
 * a context switch must flush, lazy TLB mode for kernel threads, and TLB shootdowns by IPI.
 *
 * <h2>ASIDs and PCIDs</h2>
 * Linux does not give each mm a PCID for life. Each CPU keeps {@value #TLB_NR_DYN_ASIDS} ASID
 * slots ({@link CpuTlbState#ctx}) remembering which mm (by ctx_id, never reused) last used the
 * slot and up to which tlb_gen its entries are flushed. The hardware PCID of slot {@code asid}
 * is {@code kern_pcid(asid) = asid + 1} (PCID 0 stays unused so that a CR3 loaded with PCIDs
 * disabled never aliases one; with PTI the user half would add bit 11, not modelled). Slots are
 * handed out round robin ({@code next_asid}); a seventh mm on a CPU takes a slot from one of the
 * six before it and flushes that slot's PCID as it loads CR3.
 *
 * <h2>Generations</h2>
 * Each mm has {@code tlb_gen}; a flush request increments it and carries the new value
 * ({@code new_tlb_gen}); each CPU slot records the generation it has caught up with
 * ({@code local_tlb_gen}). flush_tlb_func() compares the three: nothing to do if the slot is
 * already at or past the request; a per-page flush only if the request is exactly the next
 * generation and also the latest; otherwise a full flush that catches up to the latest. A
 * context switch back to an mm whose slot generation is behind flushes that PCID as it loads CR3
 * (no NOFLUSH bit); an up-to-date slot is loaded with NOFLUSH and keeps its entries.
 *
 * <h2>Lazy TLB</h2>
 * A kernel thread has no mm; {@link #enterLazyTlb} leaves the previous mm loaded (CR3 unchanged,
 * the CPU stays in mm_cpumask) and marks the CPU lazy. Shootdowns skip lazy CPUs unless page
 * tables were freed (a lazy CPU may still walk them speculatively and cache their entries in its
 * paging-structure caches): those it gets, and it answers by switching to init_mm. Returning from
 * lazy mode to the same mm flushes only if the mm's tlb_gen moved meanwhile.
 *
 * <h2>Shootdowns and determinism</h2>
 * {@link #flushTlbMmRange} bumps tlb_gen, flushes locally if needed, and queues one IPI (a
 * {@link FlushTlbInfo}) per other CPU in mm_cpumask that should get it, in CPU order. With
 * {@link IpiDelivery#IMMEDIATE} (the default, Linux's wait=true) the targets run flush_tlb_func()
 * before the call returns; with {@link IpiDelivery#DEFERRED} the emulator delivers them with
 * {@link #deliverIpis} at the target's next scheduling point. A {@link ShootdownFilter} can drop
 * IPIs on purpose. Nothing iterates a hash: CPUs in index order, queues FIFO, live mms by ctx_id.
 * The IPI side (native_flush_tlb_multi(), the queues, flush_tlb_func()) is {@link TlbShootdown}.
 *
 * <p>Not modelled: PTI (user PCIDs, invalidate_user_asid), global ASIDs and INVLPGB (6.15),
 * LAM, IBPB on switch, the 6.13 change that leaves CPUs in mm_cpumask after a switch and trims
 * it later, and kernel-address flushes (flush_tlb_kernel_range). Not thread-safe: one host thread
 * drives every CPU.
 */
public final class TlbManagement {

    /** TLB_NR_DYN_ASIDS, arch/x86/include/asm/tlbflush.h: ASID slots per CPU. */
    public static final int TLB_NR_DYN_ASIDS = 6;

    /** init_mm's ctx_id: INIT_MM_CONTEXT sets 1, and last_mm_ctx_id starts there. */
    public static final long INIT_MM_CTX_ID = 1;

    private static final int NEED_FLUSH = 1 << 16;

    private final CpuTlbState[] cpus;
    /** X86_FEATURE_PCID (and CR4.PCIDE set at boot). */
    private final boolean pcid;
    private final TlbMm initMm;
    /** last_mm_ctx_id. */
    private long lastMmCtxId = INIT_MM_CTX_ID;
    /** Live address spaces by ctx_id, for the checker and dumps. */
    private final TreeMap<Long, TlbMm> live = new TreeMap<>();
    /** tlb_single_page_flush_ceiling (debugfs knob), default 33. */
    private int tlbSinglePageFlushCeiling = Tlb.TLB_SINGLE_PAGE_FLUSH_CEILING;
    private IpiDelivery delivery = IpiDelivery.IMMEDIATE;
    private ShootdownFilter shootdownFilter = ShootdownFilter.NONE;
    private TlbFlushListener listener = TlbFlushListener.NONE;
    private Tracer tracer = Tracer.OFF;
    /** The machine's fault injection (fail_ipi), or null. */
    private FaultInjector faults;
    /** The shootdown side: native_flush_tlb_multi(), the IPI queues, flush_tlb_func(). */
    private final TlbShootdown shootdown;

    /**
     * Boots TLB management over {@code hardware} (one per CPU, index = CPU number): with
     * {@code pcid}, CR4.PCIDE is set; every CPU then loads init_mm (PGD at {@code initMmPgdPa},
     * the swapper_pg_dir) into ASID 0 with a flush, as initialize_tlbstate_and_flush() does.
     *
     * @param hardware    the hardware TLB model of each CPU
     * @param pcid        whether PCIDs are in use (X86_FEATURE_PCID)
     * @param initMmPgdPa the physical address of init_mm's PML4
     */
    public TlbManagement(List<CpuTlb> hardware, boolean pcid, long initMmPgdPa) {
        if (hardware.isEmpty()) throw new IllegalArgumentException("TLB management needs at least one CPU (got 0)");
        this.pcid = pcid;
        this.cpus = new CpuTlbState[hardware.size()];
        this.initMm = new TlbMm(INIT_MM_CTX_ID, initMmPgdPa, hardware.size(), "init_mm");
        live.put(INIT_MM_CTX_ID, initMm);
        this.shootdown = new TlbShootdown(this, cpus, initMm);
        for (int c = 0; c < cpus.length; c++) {
            CpuTlbState s = new CpuTlbState(c, hardware.get(c), TLB_NR_DYN_ASIDS);
            cpus[c] = s;
            s.hw.movToCr4Pcide(pcid);
            initializeTlbstateAndFlush(s);
        }
    }

    /** Models initialize_tlbstate_and_flush(), arch/x86/mm/tlb.c: init_mm in ASID 0, a flushing CR3 load, next_asid 1. */
    private void initializeTlbstateAndFlush(CpuTlbState s) {
        s.loadedMm = initMm;
        s.loadedMmAsid = 0;
        s.isLazy = false;
        s.nextAsid = 1;
        s.ctxs[0].ctxId = initMm.ctxId();
        s.ctxs[0].tlbGen = initMm.tlbGen();
        for (int i = 1; i < s.ctxs.length; i++) s.ctxs[i].ctxId = 0;
        long cr3 = buildCr3(initMm.pgdPa(), 0);
        s.hw.movToCr3(cr3);
        s.cr3 = cr3;
    }

    // ------------------------------------------------------------------ configuration and inspection

    /** {@return the number of CPUs} */
    public int nrCpus() {
        return cpus.length;
    }

    /**
     * Models per_cpu(cpu_tlbstate, cpu).
     *
     * @param cpu a CPU, 0 to {@code nrCpus() - 1}
     * @return its TLB state
     */
    public CpuTlbState cpu(int cpu) {
        if (cpu < 0 || cpu >= cpus.length) {
            throw new IllegalArgumentException("cpu must be 0.." + (cpus.length - 1) + " (got " + cpu + ")");
        }
        return cpus[cpu];
    }

    /**
     * The hardware TLB model of {@code cpu}.
     *
     * @param cpu a CPU, 0 to {@code nrCpus() - 1}
     * @return its hardware TLB model
     */
    public CpuTlb hardware(int cpu) {
        return cpu(cpu).hw;
    }

    /** {@return whether PCIDs are in use (X86_FEATURE_PCID)} */
    public boolean pcid() {
        return pcid;
    }

    /** {@return init_mm: the kernel's address space, which idle CPUs and kernel threads load} */
    public TlbMm initMm() {
        return initMm;
    }

    /**
     * The live address space with {@code ctxId}, or null (a dead mm's ctx_id names nothing).
     *
     * @param ctxId a ctx_id
     * @return the live address space with it, or null
     */
    public TlbMm liveContext(long ctxId) {
        return live.get(ctxId);
    }

    /** {@return the live address spaces in ctx_id order, init_mm first} */
    public List<TlbMm> liveContexts() {
        return Collections.unmodifiableList(new ArrayList<>(live.values()));
    }

    /**
     * {@return tlb_single_page_flush_ceiling: the most pages a range flush invalidates one by one (33 by default)}
     */
    public int tlbSinglePageFlushCeiling() {
        return tlbSinglePageFlushCeiling;
    }

    /**
     * Sets tlb_single_page_flush_ceiling, as writing /sys/kernel/debug/x86/tlb_single_page_flush_ceiling does.
     *
     * @param pages the new ceiling, in pages; not negative
     */
    public void setTlbSinglePageFlushCeiling(int pages) {
        if (pages < 0) throw new IllegalArgumentException("ceiling must not be negative (got " + pages + ")");
        this.tlbSinglePageFlushCeiling = pages;
    }

    /** {@return when queued flush IPIs run on their targets} */
    public IpiDelivery ipiDelivery() {
        return delivery;
    }

    /**
     * Sets when queued flush IPIs run on their targets.
     *
     * @param delivery the delivery mode
     */
    public void setIpiDelivery(IpiDelivery delivery) {
        this.delivery = delivery;
    }

    /**
     * Fault injection: which IPIs are lost ({@link ShootdownFilter#NONE} by default).
     *
     * @param filter decides which IPIs are lost; null for none
     */
    public void setShootdownFilter(ShootdownFilter filter) {
        this.shootdownFilter = filter == null ? ShootdownFilter.NONE : filter;
    }

    /**
     * Fault injection: the machine's points, of which flush IPIs consult fail_ipi (drop or delay).
     *
     * @param faults the machine's fault injection, or null for none
     */
    public void setFaultInjector(FaultInjector faults) {
        this.faults = faults;
    }

    /** {@return the machine's fault injection, or null} */
    FaultInjector faults() {
        return faults;
    }

    /**
     * A kernel entry of {@code cpu} (a syscall, a return to user mode): flush IPIs that fail_ipi
     * delayed and that are now due run flush_tlb_func() there. Returns how many.
     *
     * @param cpu the CPU entering the kernel
     * @return how many delayed IPIs were handled
     */
    public int enterKernel(int cpu) {
        CpuTlbState s = cpus[cpu];
        if (s.delayedIpis.isEmpty()) {
            s.kernelEntries++;
            return 0;
        }
        return shootdown.enterKernel(s);
    }

    /**
     * Fault injection: drop every flush IPI ({@code true}) or none.
     *
     * @param drop whether every flush IPI is lost
     */
    public void setDropShootdowns(boolean drop) {
        setShootdownFilter(drop ? ShootdownFilter.ALL : ShootdownFilter.NONE);
    }

    /**
     * Sets who is told when a CPU's hardware TLB model changes.
     *
     * @param listener the listener, or null for none
     */
    public void setListener(TlbFlushListener listener) {
        this.listener = listener == null ? TlbFlushListener.NONE : listener;
    }

    /** {@return the fault injection deciding which IPIs are lost} */
    ShootdownFilter shootdownFilter() {
        return shootdownFilter;
    }

    /** {@return who is told when a CPU's hardware TLB model changes} */
    TlbFlushListener listener() {
        return listener;
    }

    /**
     * Traces switches, lazy-TLB transitions, ASID choices, flushes and shootdowns to {@code tracer},
     * and each CPU's TLB hierarchy's misses and fills; tells it every CPU's CR3 now.
     *
     * @param tracer the machine's tracer
     */
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
        for (CpuTlbState s : cpus) {
            s.hw.setTracer(tracer, s.cpu);
            tracer.initCr3(s.cpu, s.cr3);
        }
    }

    Tracer tracer() {
        return tracer;
    }

    /**
     * The system-wide count of {@code e}: the sum over CPUs, as /proc/vmstat shows it.
     *
     * @param e an event
     * @return its count over all CPUs
     */
    public long event(TlbEvent e) {
        long n = 0;
        for (CpuTlbState s : cpus) n += s.events[e.ordinal()];
        return n;
    }

    /**
     * kern_pcid(): the hardware PCID of ASID slot {@code asid}.
     *
     * @param asid an ASID slot
     * @return its PCID: {@code asid + 1}
     */
    public static int kernPcid(int asid) {
        return asid + 1;
    }

    /**
     * The ASID slot whose entries carry hardware PCID {@code pcid}, or -1 when none does.
     *
     * @param pcid a hardware PCID
     * @return its ASID slot, or -1
     */
    public int asidOfPcid(int pcid) {
        if (!this.pcid) return pcid == 0 ? 0 : -1;
        int asid = pcid - 1;
        return asid >= 0 && asid < TLB_NR_DYN_ASIDS ? asid : -1;
    }

    /**
     * Models build_cr3(), arch/x86/mm/tlb.c: the PGD address with kern_pcid(asid) when PCIDs are on.
     *
     * @param pgdPa the PML4's physical address
     * @param asid  the ASID slot
     * @return the CR3 value
     */
    public long buildCr3(long pgdPa, int asid) {
        if (pcid) return pgdPa | kernPcid(asid);
        if (asid != 0) throw new IllegalStateException("without PCID only ASID 0 exists (got " + asid + ")");
        return pgdPa;
    }

    /**
     * Models build_cr3_noflush(), arch/x86/mm/tlb.c: build_cr3() with CR3_NOFLUSH (bit 63).
     *
     * @param pgdPa the PML4's physical address
     * @param asid  the ASID slot
     * @return the CR3 value, NOFLUSH set
     */
    public long buildCr3Noflush(long pgdPa, int asid) {
        if (!pcid) throw new IllegalStateException("CR3_NOFLUSH needs PCID");
        return buildCr3(pgdPa, asid) | Tlb.CR3_NOFLUSH;
    }

    // ------------------------------------------------------------------ address spaces

    /**
     * Models init_new_context(), arch/x86/include/asm/mmu_context.h: a new address space whose
     * ctx_id comes from last_mm_ctx_id and whose tlb_gen starts at 0. {@code pgdPa} is its PML4.
     *
     * @param pgdPa the PML4's physical address
     * @param label a name for dumps and findings, or null for "mm N"
     * @return the new address space's TLB context
     */
    public TlbMm initNewContext(long pgdPa, String label) {
        long ctxId = ++lastMmCtxId;
        TlbMm mm = new TlbMm(ctxId, pgdPa, cpus.length, label == null ? "mm " + ctxId : label);
        live.put(ctxId, mm);
        return mm;
    }

    /**
     * Models destroy_context(): the address space is gone and its ctx_id names nothing any more.
     * A CPU still lazily on it first switches to init_mm (what dropping the last lazy reference
     * amounts to); a CPU running it non-lazily is a caller bug.
     *
     * @param mm the address space
     */
    public void destroyContext(TlbMm mm) {
        if (mm == initMm) throw new IllegalArgumentException("init_mm is never destroyed");
        for (CpuTlbState s : cpus) {
            if (s.loadedMm != mm) continue;
            if (!s.isLazy) {
                throw new IllegalStateException("destroying " + mm.label() + " while cpu " + s.cpu + " runs it");
            }
            switchMm(s, initMm);
        }
        live.remove(mm.ctxId());
    }

    // ------------------------------------------------------------------ context switch

    /**
     * Models switch_mm_irqs_off(), arch/x86/mm/tlb.c: makes {@code next} the mm {@code cpu} runs.
     * Linux's {@code prev} argument is cpu_tlbstate.loaded_mm, read here as tlb.c reads it. In
     * {@link IpiDelivery#DEFERRED} mode, IPIs pending for the CPU are handled first: they arrived
     * while interrupts were still enabled, before the scheduler got here.
     *
     * @param cpu  the CPU switching
     * @param next the mm it runs next
     * @return whether CR3 was written (not when a thread of the loaded mm follows another one)
     */
    public boolean switchMmIrqsOff(int cpu, TlbMm next) {
        CpuTlbState s = cpu(cpu);
        if (!s.ipiQueue.isEmpty()) deliverIpis(cpu);
        return switchMm(s, next);
    }

    boolean switchMm(CpuTlbState s, TlbMm next) {
        if (next == null) throw new IllegalArgumentException("next mm must not be null (use initMm() for kernel threads)");
        TlbMm prev = s.loadedMm;
        int prevAsid = s.loadedMmAsid;
        boolean wasLazy = s.isLazy;
        s.isLazy = false;
        if (wasLazy && tracer.on(Tracer.TLB)) tracer.lazyTlb(s.cpu, false);
        long nextTlbGen;
        int newAsid;
        boolean needFlush;
        if (prev == next) {
            // A thread of the same process, or the return from lazy mode to the mm still loaded.
            if (!wasLazy) return false;
            nextTlbGen = next.tlbGen();
            if (s.ctxs[prevAsid].tlbGen == nextTlbGen) return false; // nothing changed while lazy: keep CR3 and the TLB
            newAsid = prevAsid;
            needFlush = true; // the TLB went out of date while lazy
        } else {
            // Stop remote flushes for the previous mm; start them for next, then read tlb_gen.
            if (prev != initMm) prev.cpumaskClear(s.cpu);
            if (next != initMm) next.cpumaskSet(s.cpu);
            nextTlbGen = next.tlbGen();
            int ns = chooseNewAsid(s, next, nextTlbGen);
            newAsid = ns & 0xFFFF;
            needFlush = (ns & NEED_FLUSH) != 0;
        }
        if (needFlush) {
            s.ctxs[newAsid].ctxId = next.ctxId();
            s.ctxs[newAsid].tlbGen = nextTlbGen;
            loadNewMmCr3(s, next.pgdPa(), newAsid, true);
            s.count(TlbEvent.TLB_FLUSH_ON_TASK_SWITCH);
        } else {
            loadNewMmCr3(s, next.pgdPa(), newAsid, false);
            s.count(TlbEvent.TLB_SWITCH_NOFLUSH);
        }
        s.loadedMm = next;
        s.loadedMmAsid = newAsid;
        return true;
    }

    /**
     * Models choose_new_asid(), arch/x86/mm/tlb.c: the slot already holding {@code next}'s ctx_id
     * (flush needed only if its generation is behind), else the next slot round robin, flushed.
     * Without PCID, always ASID 0 with a flush. Returns the ASID, with {@link #NEED_FLUSH} or'ed in.
     */
    private int chooseNewAsid(CpuTlbState s, TlbMm next, long nextTlbGen) {
        if (!pcid) return NEED_FLUSH;
        for (int asid = 0; asid < TLB_NR_DYN_ASIDS; asid++) {
            if (s.ctxs[asid].ctxId != next.ctxId()) continue;
            return asid | (s.ctxs[asid].tlbGen < nextTlbGen ? NEED_FLUSH : 0);
        }
        // We don't own a slot on this CPU: take the next one, whoever had it.
        int asid = s.nextAsid++;
        if (asid >= TLB_NR_DYN_ASIDS) {
            asid = 0;
            s.nextAsid = 1;
        }
        if (s.ctxs[asid].ctxId != 0) s.count(TlbEvent.ASID_REUSED);
        if (tracer.on(Tracer.TLB)) tracer.asid(s.cpu, asid, next.ctxId(), s.ctxs[asid].ctxId != 0);
        return asid | NEED_FLUSH;
    }

    /** Models load_new_mm_cr3(), arch/x86/mm/tlb.c: write CR3, with NOFLUSH when the ASID is up to date. */
    private void loadNewMmCr3(CpuTlbState s, long pgdPa, int asid, boolean needFlush) {
        long cr3 = needFlush ? buildCr3(pgdPa, asid) : buildCr3Noflush(pgdPa, asid);
        s.hw.movToCr3(cr3);
        s.cr3 = cr3 & ~Tlb.CR3_NOFLUSH;
        tracer.loadCr3(s.cpu, s.cr3, needFlush);
        listener.tlbFlushed(s.cpu);
    }

    /**
     * Models enter_lazy_tlb(), arch/x86/mm/tlb.c, which tlb.c says should be called
     * switch_to_kernel_thread(): a kernel thread runs next, so keep the loaded mm (no CR3 write)
     * and mark the CPU lazy. On init_mm there is nothing to be lazy about.
     *
     * @param cpu the CPU that runs a kernel thread next
     */
    public void enterLazyTlb(int cpu) {
        CpuTlbState s = cpu(cpu);
        if (s.loadedMm == initMm) return;
        if (!s.isLazy && tracer.on(Tracer.TLB)) tracer.lazyTlb(cpu, true);
        s.isLazy = true;
    }

    /**
     * Models leave_mm(), arch/x86/mm/tlb.c: a lazy CPU lets go of its mm by switching to init_mm.
     *
     * @param cpu the lazy CPU
     */
    public void leaveMm(int cpu) {
        CpuTlbState s = cpu(cpu);
        if (s.loadedMm == initMm) return;
        if (!s.isLazy) throw new IllegalStateException("leave_mm on cpu " + cpu + ", which is not lazy");
        switchMm(s, initMm);
    }

    // ------------------------------------------------------------------ flushes

    /**
     * {@link #flushTlbMmRange(int, TlbMm, long, long, int, boolean)} with a 4 KiB stride.
     *
     * @param cpu         the CPU that changed the page tables
     * @param mm          the address space whose page tables changed
     * @param start       the first address of the range
     * @param end         the end of the range, exclusive, or {@link io.mmemu.tlb.Tlb#TLB_FLUSH_ALL}
     * @param freedTables whether page tables were freed (then lazy CPUs must flush too)
     */
    public void flushTlbMmRange(int cpu, TlbMm mm, long start, long end, boolean freedTables) {
        flushTlbMmRange(cpu, mm, start, end, Tlb.PAGE_SHIFT, freedTables);
    }

    /**
     * Models flush_tlb_mm_range(), arch/x86/mm/tlb.c, called on {@code cpu} after the page tables
     * of {@code mm} changed in [start, end):
     * <ol>
     *   <li>More than tlb_single_page_flush_ceiling strides (or end = TLB_FLUSH_ALL) becomes a
     *       full flush: start 0, end TLB_FLUSH_ALL.</li>
     *   <li>inc_mm_tlb_gen(): the request's new_tlb_gen.</li>
     *   <li>If another CPU is in mm_cpumask, native_flush_tlb_multi() (which also flushes this CPU
     *       if it is in the mask); else if {@code mm} is loaded here, flush_tlb_func() locally.</li>
     *   <li>With {@link IpiDelivery#IMMEDIATE}, the targets handle their IPIs before this returns.</li>
     * </ol>
     *
     * @param cpu         the CPU that changed the page tables
     * @param mm          the address space whose page tables changed
     * @param start       the first address of the range
     * @param end         the end of the range, exclusive, or {@link io.mmemu.tlb.Tlb#TLB_FLUSH_ALL}
     * @param strideShift log2 of the stride: 12, 21 or 30 (4 KiB, 2 MiB or 1 GiB pages)
     * @param freedTables whether page tables were freed (then lazy CPUs must flush too)
     */
    public void flushTlbMmRange(int cpu, TlbMm mm, long start, long end, int strideShift, boolean freedTables) {
        CpuTlbState s = cpu(cpu);
        if (strideShift != PageSize.SIZE_4K.shift && strideShift != PageSize.SIZE_2M.shift
                && strideShift != PageSize.SIZE_1G.shift) {
            throw new IllegalArgumentException("stride shift must be a page size (expected: 12, 21 or 30, got " + strideShift + ")");
        }
        if (end == Tlb.TLB_FLUSH_ALL
                || Long.compareUnsigned((end - start) >>> strideShift, tlbSinglePageFlushCeiling) > 0) {
            start = 0;
            end = Tlb.TLB_FLUSH_ALL;
        }
        long newTlbGen = mm.incTlbGen();
        FlushTlbInfo info = new FlushTlbInfo(mm, start, end, strideShift, freedTables, newTlbGen, cpu);
        if (mm.cpumaskAnyBut(cpu)) {
            shootdown.nativeFlushTlbMulti(s, info);
        } else if (mm == s.loadedMm) {
            shootdown.flushTlbFunc(s, info);
        }
    }

    /**
     * Handles the flush IPIs queued for {@code cpu}, oldest first: flush_tlb_func() for each.
     * The emulator calls this at the CPU's scheduling points in {@link IpiDelivery#DEFERRED}
     * mode. Returns how many were handled.
     *
     * @param cpu the CPU taking its IPIs
     * @return how many were handled
     */
    public int deliverIpis(int cpu) {
        return shootdown.deliverIpis(cpu(cpu));
    }

    /**
     * {@link #deliverIpis} for every CPU in order. Returns how many were handled.
     *
     * @return how many were handled
     */
    public int deliverAllIpis() {
        int n = 0;
        for (int c = 0; c < cpus.length; c++) n += deliverIpis(c);
        return n;
    }

    // ------------------------------------------------------------------ dump

    /**
     * Every CPU's bookkeeping and the live address spaces.
     *
     * @return the dump as text
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("TLB management: ").append(cpus.length).append(" cpus, PCID ").append(pcid ? "on" : "off")
                .append(", ceiling ").append(tlbSinglePageFlushCeiling).append(", IPIs ").append(delivery)
                .append('\n');
        for (TlbMm mm : live.values()) sb.append("  ").append(mm).append('\n');
        for (CpuTlbState s : cpus) sb.append(s.dump());
        return sb.toString();
    }

    /**
     * The counters, system-wide then per CPU, one {@code name total cpu0 cpu1 ...} line each.
     *
     * @return the counters as text
     */
    public String eventsDump() {
        StringBuilder sb = new StringBuilder();
        for (TlbEvent e : TlbEvent.values()) {
            sb.append(e.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(event(e));
            for (CpuTlbState s : cpus) sb.append(' ').append(s.events[e.ordinal()]);
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return dump();
    }
}
