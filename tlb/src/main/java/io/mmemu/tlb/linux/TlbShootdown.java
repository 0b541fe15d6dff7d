package io.mmemu.tlb.linux;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.trace.FlushKind;
import io.mmemu.trace.Tracer;

/**
 * The shootdown side of Linux's x86 TLB management, arch/x86/mm/tlb.c: native_flush_tlb_multi()
 * sending flush IPIs to the CPUs in an mm's mm_cpumask, the per-CPU IPI queues, and
 * flush_tlb_func(), which each target (and the initiator) runs to bring its TLB up to date.
 * {@link TlbManagement} decides that a flush is needed (flush_tlb_mm_range()) and owns the
 * context switch; this class carries the request to the CPUs and applies it there, comparing
 * the three generations the class comment of {@link TlbManagement} describes.
 *
 * <p>Determinism: targets are visited in CPU order and each queue is FIFO. The delivery mode,
 * the fault-injection filter and the flush listener are read from {@link TlbManagement} at each
 * use, since they can be changed at any time. Not thread-safe, as {@link TlbManagement}.
 */
final class TlbShootdown {
    private final TlbManagement tm;
    private final CpuTlbState[] cpus;
    private final TlbMm initMm;

    TlbShootdown(TlbManagement tm, CpuTlbState[] cpus, TlbMm initMm) {
        this.tm = tm;
        this.cpus = cpus;
        this.initMm = initMm;
    }

    /**
     * Models native_flush_tlb_multi(), arch/x86/mm/tlb.c (flush_tlb_others() before 5.8): every
     * CPU in mm_cpumask gets flush_tlb_func(), except lazy ones when no page tables were freed
     * (on_each_cpu_cond_mask() with tlb_is_not_lazy()); they catch up when they switch back. The
     * initiator in the mask runs it directly; the others get an IPI, in CPU order, unless the
     * fault injection drops it.
     */
    void nativeFlushTlbMulti(CpuTlbState initiator, FlushTlbInfo info) {
        initiator.count(TlbEvent.NR_TLB_REMOTE_FLUSH);
        Tracer tracer = tm.tracer();
        boolean traced = tracer.on(Tracer.IPI);
        if (traced) tracer.shootdownBegin(initiator.cpu, info.start(), info.end(), info.freedTables());
        TlbMm mm = info.mm();
        for (int t = 0; t < cpus.length; t++) {
            if (t == initiator.cpu || !mm.cpumaskTest(t)) continue;
            CpuTlbState target = cpus[t];
            if (!info.freedTables() && target.isLazy) {
                initiator.count(TlbEvent.LAZY_CPU_SKIPPED);
                continue;
            }
            if (tm.shootdownFilter().drop(initiator.cpu, t, info)) {
                initiator.count(TlbEvent.IPI_DROPPED);
                continue;
            }
            FaultInjector faults = tm.faults();
            if (faults != null && faults.armed(FaultPoint.FAIL_IPI) && failIpi(faults, initiator, target, info)) continue;
            target.ipiQueue.addLast(traced ? info.withFlowId(tracer.ipiSent(initiator.cpu, t)) : info);
            initiator.count(TlbEvent.IPI_SENT);
        }
        // smp_call_function_many_cond() runs the local call after sending the IPIs.
        if (mm.cpumaskTest(initiator.cpu) && (info.freedTables() || !initiator.isLazy)) flushTlbFunc(initiator, info);
        if (tm.ipiDelivery() == IpiDelivery.IMMEDIATE) {
            // The initiator waits for every target; deliver in CPU order.
            for (int t = 0; t < cpus.length; t++) {
                if (t != initiator.cpu && !cpus[t].ipiQueue.isEmpty()) deliverIpis(cpus[t]);
            }
        }
        if (traced) tracer.shootdownEnd(initiator.cpu);
    }

    /**
     * fail_ipi: whether the IPI to {@code target} is lost ({@code action=drop}) or held back until
     * the target's {@code delay}+1-th kernel entry from now ({@code action=delay}).
     */
    private static boolean failIpi(FaultInjector faults, CpuTlbState initiator, CpuTlbState target, FlushTlbInfo info) {
        if (!faults.shouldFail(FaultPoint.FAIL_IPI, 0, "flush IPI cpu " + initiator.cpu + " -> cpu " + target.cpu
                + ", " + info.mm().label() + " new_tlb_gen " + info.newTlbGen())) {
            return false;
        }
        FaultAttr attr = faults.attr(FaultPoint.FAIL_IPI);
        if (attr.text("action").equals("delay")) {
            target.delayedIpis.addLast(new CpuTlbState.DelayedIpi(info, target.kernelEntries + 1 + Math.max(0, attr.number("delay"))));
            initiator.count(TlbEvent.IPI_DELAYED);
        } else {
            initiator.count(TlbEvent.IPI_DROPPED);
        }
        return true;
    }

    /** A kernel entry of {@code s}: the delayed IPIs now due run flush_tlb_func(), oldest first; returns how many. */
    int enterKernel(CpuTlbState s) {
        s.kernelEntries++;
        int n = 0;
        for (CpuTlbState.DelayedIpi d; (d = s.delayedIpis.peekFirst()) != null && d.due() <= s.kernelEntries; n++) {
            s.delayedIpis.pollFirst();
            flushTlbFunc(s, d.info());
        }
        return n;
    }

    /** Handles the flush IPIs queued for {@code s}, oldest first (see {@link TlbManagement#deliverIpis}); returns how many. */
    int deliverIpis(CpuTlbState s) {
        int n = 0;
        for (FlushTlbInfo f; (f = s.ipiQueue.pollFirst()) != null; n++) flushTlbFunc(s, f);
        return n;
    }

    /**
     * Models flush_tlb_func(), arch/x86/mm/tlb.c: brings this CPU's TLB up to date for the loaded
     * mm. Three generations decide how (see the class comment): {@code mmTlbGen}, the latest;
     * {@code localTlbGen}, what this CPU has caught up with; {@code f.newTlbGen()}, what the
     * requester needs.
     */
    void flushTlbFunc(CpuTlbState s, FlushTlbInfo f) {
        boolean local = f.initiatingCpu() == s.cpu;
        TlbMm loadedMm = s.loadedMm;
        int loadedMmAsid = s.loadedMmAsid;
        Tracer tracer = tm.tracer();
        if (!local) {
            s.count(TlbEvent.NR_TLB_REMOTE_FLUSH_RECEIVED);
            if (tracer.on(Tracer.IPI)) tracer.ipiReceived(s.cpu, f.initiatingCpu(), f.flowId());
            // The CPU switched to another mm since the IPI was sent: that switch did the work.
            if (f.mm() != null && f.mm() != loadedMm) return;
        }
        if (loadedMm == initMm) return;
        if (s.isLazy) {
            // Flushing the paging-structure caches is the least a lazy CPU must do, and switching
            // to init_mm costs little more: do that, and catch up when the mm comes back.
            s.count(TlbEvent.LAZY_SWITCH_TO_INIT_MM);
            tm.switchMm(s, initMm);
            return;
        }
        long localTlbGen = s.ctxs[loadedMmAsid].tlbGen;
        if (f.newTlbGen() <= localTlbGen) return; // already up to date with respect to this request
        long mmTlbGen = loadedMm.tlbGen();
        if (localTlbGen == mmTlbGen) return; // an earlier flush caught up all the way
        // A partial flush is enough only if this request is the one step between localTlbGen and
        // the latest: skipping a generation would skip that generation's (maybe full) flush.
        if (!f.full() && f.newTlbGen() == localTlbGen + 1 && f.newTlbGen() == mmTlbGen) {
            long nrInvalidate = (f.end() - f.start()) >>> f.strideShift();
            long stride = 1L << f.strideShift();
            for (long addr = f.start(); Long.compareUnsigned(addr, f.end()) < 0; addr += stride) {
                s.hw.invlpg(addr); // flush_tlb_one_user()
            }
            if (local) s.count(TlbEvent.NR_TLB_LOCAL_FLUSH_ONE, nrInvalidate);
            if (tracer.on(Tracer.TLB)) {
                tracer.tlbFlush(s.cpu, f.initiatingCpu(), nrInvalidate == 1 ? FlushKind.ONE : FlushKind.RANGE, f.start(),
                        f.end(), nrInvalidate);
            }
            s.ctxs[loadedMmAsid].tlbGen = mmTlbGen;
            tm.listener().tlbFlushedRange(s.cpu, f.start(), f.end());
        } else {
            flushTlbLocal(s);
            if (local) s.count(TlbEvent.NR_TLB_LOCAL_FLUSH_ALL);
            if (tracer.on(Tracer.TLB)) tracer.tlbFlush(s.cpu, f.initiatingCpu(), FlushKind.FULL, 0, 0, 0);
            s.ctxs[loadedMmAsid].tlbGen = mmTlbGen;
            tm.listener().tlbFlushed(s.cpu);
        }
    }

    /**
     * Models flush_tlb_local() → native_flush_tlb_local(), arch/x86/mm/tlb.c: rewrite CR3 with its
     * own value (no NOFLUSH), dropping the loaded PCID's non-global entries.
     */
    private void flushTlbLocal(CpuTlbState s) {
        s.hw.movToCr3(s.cr3);
    }
}
