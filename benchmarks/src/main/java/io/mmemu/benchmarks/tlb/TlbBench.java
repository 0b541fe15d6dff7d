package io.mmemu.benchmarks.tlb;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.mmu.Mmu;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hardware TLB model on the fill-hook path: a lookup that hits the L1 dTLB (target ≤ 10 ns),
 * and a miss in every level followed by the page walk over real page tables in guest memory and
 * the fill (target ≤ 80 ns). Per preset.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class TlbBench {

    /** Pages cycled by the hit benchmark: fits every preset's L1 dTLB. */
    static final int HOT_PAGES = 8;
    /** Pages cycled by the miss benchmark: eight times the largest STLB, so every lookup misses every level. */
    static final int COLD_PAGES = 1 << 16;
    static final long BASE = 0x7f00_0000_0000L;

    @State(Scope.Thread)
    public static class Machine {
        @Param({"intel-golden-cove", "amd-zen4", "teaching", "typical"})
        public String preset;

        MmEnv env;
        MmStruct mm;
        PageWalker walker;
        PagingControl ctl;
        CpuTlb tlb;
        /** The fill hook's path: the TLB, else walk (and fault) and fill. */
        Mmu mmu;
        long cr3;
        long fixed;
        int i;

        @Setup(Level.Trial)
        public void setup() {
            env = MmEnv.boot(64L << 20);
            mm = MmStruct.mmAlloc(env);
            PageTable pgd = mm.pgd();
            long frame = env.allocZeroedUserPage();
            // Every page maps the same frame: the tables (128 PTs) are what the walk reads.
            for (int p = 0; p < COLD_PAGES; p++) {
                long slot = pgd.pteSlot(BASE + p * 4096L, true);
                pgd.set(slot, Pte.make(frame, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D));
            }
            walker = new PageWalker(env.mem());
            ctl = env.pagingControl();
            tlb = new CpuTlb(TlbPreset.byName(preset), env.mem());
            tlb.movToCr4Pcide(true);
            cr3 = pgd.cr3() | 1;
            tlb.movToCr3(cr3);
            mmu = new Mmu(tlb, walker, ctl, false);
            mmu.switchMm(mm);
            for (int p = 0; p < HOT_PAGES; p++) mmu.translate(BASE + p * 4096L, Access.READ);
            fixed = walker.walk(cr3, BASE, Access.READ, true, ctl);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            env.mem().close();
        }
    }

    @Benchmark
    public long lookupHit(Machine m) {
        int p = m.i++ & (HOT_PAGES - 1);
        return m.tlb.lookup(BASE + p * 4096L, Access.READ);
    }

    /**
     * Pages 1031 apart, so each page comes back only after all 65536 were visited and every
     * lookup misses every level; a PDE-cache hit (a page table used recently) shortens some walks.
     */
    @Benchmark
    public long missWalkFill(Machine m) {
        int p = (m.i++ * 1031) & (COLD_PAGES - 1); // odd stride: every page once per cycle, far apart in time
        return m.mmu.translate(BASE + p * 4096L, Access.READ);
    }

    /** Baseline for {@link #missWalkFill}: the same page sequence through the page walker alone, no TLB. */
    @Benchmark
    public long walkOnly(Machine m) {
        int p = (m.i++ * 1031) & (COLD_PAGES - 1);
        return m.walker.walk(m.cr3, BASE + p * 4096L, Access.READ, true, m.ctl);
    }

    /** The miss path with the walk left out: lookups that miss every level, then a fill of a fixed result. */
    @Benchmark
    public long missFillNoWalk(Machine m) {
        int p = (m.i++ * 1031) & (COLD_PAGES - 1);
        long va = BASE + p * 4096L;
        long r = m.tlb.lookup(va, Access.READ);
        if (r == Tlb.MISS) m.tlb.fill(va, m.tlb.currentPcid(), Access.READ, m.fixed);
        return r;
    }
}
