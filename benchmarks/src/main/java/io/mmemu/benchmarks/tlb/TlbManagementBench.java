package io.mmemu.benchmarks.tlb;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.linux.TlbManagement;
import io.mmemu.tlb.linux.TlbMm;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Linux's TLB management over the Golden Cove hierarchy: a context switch between two processes
 * (switch_mm_irqs_off(), with PCID a NOFLUSH CR3 load, without PCID a flushing one), and a
 * one-page shootdown (flush_tlb_mm_range() from CPU 0 to an mm running on N CPUs, IPIs
 * delivered before it returns).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class TlbManagementBench {

    /** A walk result for a read-write 4 KiB page, built in WalkResult's documented layout. */
    static long page(long pa) {
        return pa | WalkResult.PROT_READ | WalkResult.PROT_WRITE;
    }

    static TlbManagement boot(int cpus, boolean pcid) {
        List<CpuTlb> hw = new ArrayList<>();
        for (int c = 0; c < cpus; c++) hw.add(new CpuTlb(TlbPreset.INTEL_GOLDEN_COVE));
        return new TlbManagement(hw, pcid, 0x1000);
    }

    @State(Scope.Thread)
    public static class Switch {
        @Param({"true", "false"})
        public boolean pcid;

        TlbManagement tlb;
        TlbMm a, b;
        boolean toA;

        @Setup(Level.Trial)
        public void setup() {
            tlb = boot(1, pcid);
            a = tlb.initNewContext(0x10_0000, "a");
            b = tlb.initNewContext(0x20_0000, "b");
            // Each process has 64 translations cached, as a process that ran a little would.
            for (TlbMm mm : new TlbMm[] {a, b}) {
                tlb.switchMmIrqsOff(0, mm);
                CpuTlb hw = tlb.hardware(0);
                for (int p = 0; p < 64; p++) hw.fill(0x40_0000L + p * 4096L, hw.currentPcid(), Access.READ, page(0x80_0000L + p * 4096L));
            }
        }
    }

    @Benchmark
    public boolean contextSwitch(Switch s) {
        s.toA = !s.toA;
        return s.tlb.switchMmIrqsOff(0, s.toA ? s.a : s.b);
    }

    @State(Scope.Thread)
    public static class Shootdown {
        @Param({"1", "2", "4", "8"})
        public int cpus;

        TlbManagement tlb;
        TlbMm mm;
        long va = 0x40_0000L;

        @Setup(Level.Trial)
        public void setup() {
            tlb = boot(cpus, true);
            mm = tlb.initNewContext(0x10_0000, "threads");
            for (int c = 0; c < cpus; c++) tlb.switchMmIrqsOff(c, mm);
        }
    }

    /** One page of an mm running on every CPU, flushed from CPU 0 (an munmap of one page, without the zap). */
    @Benchmark
    public long shootdownOnePage(Shootdown s) {
        s.tlb.flushTlbMmRange(0, s.mm, s.va, s.va + 4096, false);
        return s.mm.tlbGen();
    }
}
