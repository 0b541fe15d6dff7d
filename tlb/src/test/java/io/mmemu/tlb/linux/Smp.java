package io.mmemu.tlb.linux;

import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.page.FrameWriteHook;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.check.StaleTranslation;
import io.mmemu.tlb.check.StaleTranslationChecker;
import java.util.ArrayList;
import java.util.List;

/**
 * A small SMP machine for scenario tests: real guest memory, page tables built by mm-model
 * (mmap, demand faults, munmap), one hardware TLB model per CPU, Linux's TLB management, and
 * mm-model's flushes routed to it from the CPU set as current. {@link #touch} is the CPU's
 * fill path: the TLB, else a walk (handling a demand fault), then a fill.
 */
final class Smp implements AutoCloseable {
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;

    final MmEnv env;
    final PageWalker walker;
    final TlbManagement tlb;
    final MmContexts contexts;
    final StaleTranslationChecker checker;
    /** The CPU executing kernel code: mm-model's flushes start here. */
    int currentCpu;

    Smp(int nrCpus, TlbPreset preset, boolean pcid) {
        this(nrCpus, preset, pcid, 32L << 20);
    }

    Smp(int nrCpus, TlbPreset preset, boolean pcid, long ramBytes) {
        MmEnv.Ram ram = MmEnv.Ram.reserve(ramBytes);
        walker = new PageWalker(ram.mem());
        List<CpuTlb> hw = new ArrayList<>();
        for (int c = 0; c < nrCpus; c++) hw.add(new CpuTlb(preset, ram.mem()));
        long swapperPgDir = ram.allocator().allocPages(0) << 12; // a fresh frame: zero
        ram.allocator().frames().testAndClearFresh(swapperPgDir >>> 12);
        tlb = new TlbManagement(hw, pcid, swapperPgDir);
        contexts = new MmContexts(tlb);
        env = new MmEnv(ram, new LinuxTlbFlush(tlb, contexts, () -> currentCpu), FrameWriteHook.NONE);
        checker = new StaleTranslationChecker(tlb, env.mem());
    }

    /** A new process with one anonymous read-write region of {@code pages} pages, not yet touched. */
    private Process process(int pages) {
        MmStruct mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        long addr = mm.getUnmappedArea(0, pages * 4096L);
        mm.mmapRegion(addr, pages * 4096L, RW, null, 0, null);
        return new Process(mm, contexts.contextOf(mm), addr);
    }

    record Process(MmStruct mm, TlbMm ctx, long base) {
        long page(int i) {
            return base + i * 4096L;
        }
    }

    /** The scheduler runs a thread of {@code p} on {@code cpu}. */
    boolean run(int cpu, Process p) {
        return tlb.switchMmIrqsOff(cpu, p.ctx());
    }

    /** The scheduler runs a kernel thread on {@code cpu}. */
    void kthread(int cpu) {
        tlb.enterLazyTlb(cpu);
    }

    /** An access by {@code cpu} to {@code va} of the mm it runs: the TLB, else walk (faulting in) and fill. */
    long touch(int cpu, long va, int access) {
        CpuTlb hw = tlb.hardware(cpu);
        long r = hw.lookup(va, access);
        if (r != Tlb.MISS) return r;
        MmStruct mm = mmOf(cpu);
        r = walker.walk(hw.cr3(), va, access, true, env.pagingControl());
        if (WalkResult.isFault(r)) {
            currentCpu = cpu;
            FaultResult f = UserFault.doUserAddrFault(mm, va, WalkResult.errorCode(r));
            assertSame(FaultResult.HANDLED, f, "fault at 0x" + Long.toHexString(va));
            r = walker.walk(hw.cr3(), va, access, true, env.pagingControl());
        }
        hw.fill(va, hw.currentPcid(), access, r);
        return r;
    }

    long write(int cpu, long va) {
        return touch(cpu, va, Access.WRITE);
    }

    MmStruct mmOf(int cpu) {
        TlbMm loaded = tlb.cpu(cpu).loadedMm();
        // Tests keep few processes; find the MmStruct whose context is loaded.
        for (MmStruct mm : live) {
            if (contexts.existing(mm) == loaded) return mm;
        }
        throw new IllegalStateException("cpu " + cpu + " runs no process (" + loaded + ")");
    }

    final List<MmStruct> live = new ArrayList<>();

    Process spawn(int pages) {
        Process p = process(pages);
        live.add(p.mm());
        return p;
    }

    /** munmap(addr, pages) by a thread running on {@code cpu}. */
    void munmap(int cpu, Process p, long addr, int pages) {
        currentCpu = cpu;
        p.mm().doMunmap(addr, pages * 4096L);
    }

    List<StaleTranslation> check(String op) {
        return checker.check(op);
    }

    /** The whole machine, for a failure message. */
    String dump() {
        StringBuilder sb = new StringBuilder(tlb.dump()).append(tlb.eventsDump());
        for (int c = 0; c < tlb.nrCpus(); c++) sb.append("== cpu ").append(c).append('\n').append(tlb.hardware(c).dump());
        return sb.toString();
    }

    @Override
    public void close() {
        env.mem().close();
    }
}
