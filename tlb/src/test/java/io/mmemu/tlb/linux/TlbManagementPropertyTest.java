package io.mmemu.tlb.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.check.StaleTranslation;
import io.mmemu.tlb.check.StaleTranslationChecker;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random schedules of context switches, kernel threads, accesses, munmaps (freeing tables) and
 * zaps (not freeing them) over three CPUs and two processes of 16 pages, with PCIDs on or off, IPIs
 * delivered at once or at random later points, and a small or a large TLB. After every step:
 * no CPU may hold a usable translation its page tables no longer allow (the checker is clean),
 * and the bookkeeping agrees with the hardware (a CPU running an mm non-lazily is in its
 * mm_cpumask, and CR3's PCID is its loaded slot's). The invariants tlb.c maintains, checked
 * where its shortcuts (lazy skipping, NOFLUSH switches, partial flushes, deferred IPIs) could
 * break them.
 */
class TlbManagementPropertyTest {
    static final int CPUS = 3, PROCS = 2, PAGES = 16;

    /** kind 0-99 weighted; a, b, c: CPU, process or page, length, as the kind needs. */
    record Op(int kind, int a, int b, int c) {
        String describe() {
            return switch (kindOf(kind)) {
                case RUN -> "run(cpu " + a % CPUS + ", proc " + b % PROCS + ")";
                case KTHREAD -> "kthread(cpu " + a % CPUS + ")";
                case TOUCH -> "touch(cpu " + a % CPUS + ", page " + b % PAGES + (c % 2 == 0 ? ", write)" : ", read)");
                case MUNMAP -> "munmap(cpu " + a % CPUS + ", page " + first(b, c) + ", " + len(b, c) + " pages)";
                case ZAP -> "zap(cpu " + a % CPUS + ", page " + first(b, c) + ", " + len(b, c) + " pages)";
                case DELIVER -> "deliverIpis(cpu " + a % CPUS + ")";
            };
        }
    }

    enum Kind { RUN, KTHREAD, TOUCH, MUNMAP, ZAP, DELIVER }

    /** Weights out of 100: run 20, kernel thread 15, touch 30, munmap 10, zap 15, deliver 10. */
    static Kind kindOf(int k) {
        if (k < 20) return Kind.RUN;
        if (k < 35) return Kind.KTHREAD;
        if (k < 65) return Kind.TOUCH;
        if (k < 75) return Kind.MUNMAP;
        if (k < 90) return Kind.ZAP;
        return Kind.DELIVER;
    }

    /** A quarter of the ranges are the whole region (munmap then frees its page tables); the rest start anywhere. */
    static int first(int b, int c) {
        return c % 4 == 0 ? 0 : b % PAGES;
    }

    /** 1 to 40 pages, at most to the end of the region. */
    static int len(int b, int c) {
        return c % 4 == 0 ? PAGES : Math.min(1 + c % 40, PAGES - b % PAGES);
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 99), Arbitraries.integers().between(0, 999),
                Arbitraries.integers().between(0, 999), Arbitraries.integers().between(0, 999)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 300)
    void noUsableStaleTranslationEverSurvivesAFlush(@ForAll("ops") List<Op> ops, @ForAll boolean pcid,
            @ForAll boolean deferred, @ForAll boolean teaching) {
        run(ops, pcid, deferred, teaching);
    }

    static void run(List<Op> ops, boolean pcid, boolean deferred, boolean teaching) {
        try (Smp m = new Smp(CPUS, teaching ? TlbPreset.TEACHING : TlbPreset.INTEL_GOLDEN_COVE, pcid, 16L << 20)) {
            if (deferred) m.tlb.setIpiDelivery(IpiDelivery.DEFERRED);
            List<Smp.Process> ps = new ArrayList<>();
            for (int i = 0; i < PROCS; i++) ps.add(m.spawn(PAGES));
            List<String> log = new ArrayList<>();
            for (Op op : ops) {
                log.add(op.describe());
                apply(m, ps, op);
                if (deferred) continue; // IPIs in flight: stale by design until delivered
                assertInvariants(m, log);
            }
            m.tlb.deliverAllIpis();
            log.add("deliverAllIpis()");
            assertInvariants(m, log);
        }
    }

    /** The shortest way to a lazy CPU's missed flush: it must flush when it comes back to the mm. */
    @Example
    void aLazyCpuReturningAfterAZapItMissedIsCaughtUp() {
        run(List.of(new Op(0, 0, 0, 0), new Op(0, 1, 0, 0), new Op(40, 0, 3, 0), new Op(20, 0, 0, 0),
                new Op(80, 1, 3, 1), new Op(0, 0, 0, 0), new Op(40, 0, 3, 1)), true, false, true);
    }

    static void apply(Smp m, List<Smp.Process> ps, Op op) {
        int cpu = op.a() % CPUS;
        CpuTlbState s = m.tlb.cpu(cpu);
        Smp.Process running = null;
        for (Smp.Process p : ps) {
            if (p.ctx() == s.loadedMm() && !s.isLazy()) running = p;
        }
        int page = first(op.b(), op.c());
        int len = len(op.b(), op.c());
        switch (kindOf(op.kind())) {
            case RUN -> m.run(cpu, ps.get(op.b() % PROCS));
            case KTHREAD -> m.kthread(cpu);
            case TOUCH -> {
                if (running != null) m.touch(cpu, running.page(op.b() % PAGES), op.c() % 2 == 0 ? Access.WRITE : Access.READ);
            }
            case MUNMAP -> {
                if (running == null) return;
                m.munmap(cpu, running, running.page(page), len);
                // Map it again (MAP_FIXED) so that later accesses fault in fresh pages.
                running.mm().mmapRegion(running.page(page), len * 4096L, Smp.RW, null, 0, null);
            }
            case ZAP -> {
                if (running == null) return;
                running.mm().zapPageRange(running.page(page), running.page(page + len));
                m.tlb.flushTlbMmRange(cpu, running.ctx(), running.page(page), running.page(page + len), false);
            }
            case DELIVER -> m.tlb.deliverIpis(cpu);
        }
    }

    static void assertInvariants(Smp m, List<String> log) {
        List<StaleTranslation> found = m.check(log.getLast());
        assertTrue(found.isEmpty(), () -> String.join("\n", log) + "\n" + StaleTranslationChecker.describe(found) + m.dump());
        for (int c = 0; c < CPUS; c++) {
            CpuTlbState s = m.tlb.cpu(c);
            int cpu = c;
            if (s.loadedMm() != m.tlb.initMm()) {
                assertTrue(s.loadedMm().cpumaskTest(c), () -> "cpu " + cpu + " not in its mm's cpumask\n" + m.dump());
            }
            int pcid = m.tlb.pcid() ? TlbManagement.kernPcid(s.loadedMmAsid()) : 0;
            assertEquals(pcid, m.tlb.hardware(c).currentPcid(), () -> "cpu " + cpu + "\n" + m.dump());
            assertEquals(s.loadedMm().ctxId(), s.ctx(s.loadedMmAsid()).ctxId(), () -> "cpu " + cpu + "\n" + m.dump());
        }
    }
}
