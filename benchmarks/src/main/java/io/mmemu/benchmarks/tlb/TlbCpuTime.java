package io.mmemu.benchmarks.tlb;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.mmu.Mmu;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@link TlbBench}'s bodies timed by thread CPU time instead of JMH's wall time: on a machine
 * whose cores are shared with other work, time-sharing inflates wall time by up to 2× between
 * runs minutes apart, but not the CPU time this thread spends. Per benchmark: a fresh
 * {@link TlbBench.Machine}, 4 warm-up rounds, then 7 measured rounds of 2 million ops; prints the
 * median CPU ns per op (and the min and max round).
 *
 * <p>Run one JVM per preset: {@code java -cp benchmarks/target/benchmarks.jar
 * io.mmemu.benchmarks.tlb.TlbCpuTime PRESET [ROUNDS] [nopsc]}; {@code nopsc} builds the preset's
 * TLBs without their paging-structure caches, to take the miss path's cost apart.
 */
public final class TlbCpuTime {

    private static final int OPS = 2_000_000;
    private static final int WARMUP = 4;

    private TlbCpuTime() {
    }

    /**
     * Times every benchmark of {@link TlbBench} for one preset.
     *
     * @param args the preset's name, then optionally the measured rounds (default 7)
     */
    public static void main(String[] args) {
        String preset = args[0];
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        boolean noPsc = args.length > 2 && args[2].equals("nopsc");
        for (String name : new String[] {"missWalkFill", "missFillNoWalk", "walkOnly", "lookupHit"}) {
            time(preset, name, rounds, noPsc);
        }
    }

    /** {@code OPS} calls of benchmark {@code name}, each loop calling one method so that the JIT inlines it. */
    private static long run(TlbBench bench, String name, TlbBench.Machine m) {
        long sink = 0;
        switch (name) {
            case "missWalkFill" -> {
                for (int k = 0; k < OPS; k++) sink += bench.missWalkFill(m);
            }
            case "missFillNoWalk" -> {
                for (int k = 0; k < OPS; k++) sink += bench.missFillNoWalk(m);
            }
            case "walkOnly" -> {
                for (int k = 0; k < OPS; k++) sink += bench.walkOnly(m);
            }
            case "lookupHit" -> {
                for (int k = 0; k < OPS; k++) sink += bench.lookupHit(m);
            }
            default -> throw new IllegalArgumentException("no benchmark " + name);
        }
        return sink;
    }

    private static void time(String preset, String name, int rounds, boolean noPsc) {
        TlbBench bench = new TlbBench();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        TlbBench.Machine m = new TlbBench.Machine();
        m.preset = preset;
        m.setup();
        if (noPsc) withoutPagingStructureCaches(m);
        double[] ns = new double[rounds];
        long sink = 0;
        for (int r = -WARMUP; r < rounds; r++) {
            long t0 = threads.getCurrentThreadCpuTime();
            sink += run(bench, name, m);
            long t1 = threads.getCurrentThreadCpuTime();
            if (r >= 0) ns[r] = (double) (t1 - t0) / OPS;
        }
        m.tearDown();
        Arrays.sort(ns);
        System.out.printf(Locale.ROOT, "%-18s %-15s %7.1f ns/op CPU (min %.1f, max %.1f)%s%n",
                noPsc ? preset + "/nopsc" : preset, name,
                ns[rounds / 2], ns[0], ns[rounds - 1], sink == 42 ? " " : "");
    }

    /** Replaces the machine's TLB and MMU by ones without paging-structure caches, set up as {@link TlbBench.Machine#setup} does. */
    private static void withoutPagingStructureCaches(TlbBench.Machine m) {
        m.tlb = new CpuTlb(TlbPreset.byName(m.preset), null);
        m.tlb.movToCr4Pcide(true);
        m.tlb.movToCr3(m.cr3);
        m.mmu = new Mmu(m.tlb, m.walker, m.ctl, false);
        m.mmu.switchMm(m.mm);
        for (int p = 0; p < TlbBench.HOT_PAGES; p++) m.mmu.translate(TlbBench.BASE + p * 4096L, Access.READ);
    }
}
