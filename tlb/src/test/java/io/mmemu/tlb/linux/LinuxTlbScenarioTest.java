package io.mmemu.tlb.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.TlbStat;
import io.mmemu.tlb.check.StaleTranslation;
import io.mmemu.tlb.check.StaleTranslationChecker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviours of arch/x86/mm/tlb.c, each driven on real page tables (mmap, demand faults,
 * munmap through mm-model, which calls flush_tlb_mm_range()) and checked against Linux's
 * bookkeeping, the hardware TLB contents, the vmstat counters and the stale-translation checker.
 */
class LinuxTlbScenarioTest {
    Smp smp;

    Smp machine(int cpus, boolean pcid) {
        smp = new Smp(cpus, TlbPreset.INTEL_GOLDEN_COVE, pcid);
        return smp;
    }

    @AfterEach
    void tearDown() {
        if (smp != null) smp.close();
    }

    void assertClean(String op) {
        List<StaleTranslation> f = smp.check(op);
        assertTrue(f.isEmpty(), () -> StaleTranslationChecker.describe(f) + smp.dump());
    }

    long received(int cpu) {
        return smp.tlb.cpu(cpu).event(TlbEvent.NR_TLB_REMOTE_FLUSH_RECEIVED);
    }

    // ------------------------------------------------------------------ lazy TLB

    @Test
    void aKernelThreadKeepsThePreviousMmLoadedAndIsSkippedWhenNoTablesAreFreed() {
        Smp m = machine(2, true);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(0));
        m.write(1, p.page(1));
        long cr3 = m.tlb.cpu(1).cr3();
        m.kthread(1);
        assertSame(p.ctx(), m.tlb.cpu(1).loadedMm(), "lazy: the mm stays loaded");
        assertEquals(cr3, m.tlb.cpu(1).cr3(), "lazy: no CR3 write");

        // Cpu 0 changes a PTE (zap without freeing tables) and flushes.
        p.mm().zapPageRange(p.page(0), p.page(1));
        m.tlb.flushTlbMmRange(0, p.ctx(), p.page(0), p.page(1), false);

        assertEquals(0, received(1), m::dump);
        assertEquals(1, m.tlb.event(TlbEvent.LAZY_CPU_SKIPPED), m::dump);
        assertTrue(m.tlb.cpu(1).isLazy(), m::dump);
        assertTrue(p.ctx().cpumaskTest(1), "a lazy CPU stays in mm_cpumask\n" + m.dump());
        assertNotEquals(Tlb.MISS, m.tlb.hardware(1).peek(p.page(0), m.tlb.hardware(1).currentPcid()),
                "the lazy CPU still caches the old translation\n" + m.dump());
        assertClean("zap without freed tables"); // it cannot use it before it catches up
    }

    @Test
    void aLazyCpuReceivesTheShootdownWhenPageTablesAreFreed() {
        Smp m = machine(2, true);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(0));
        m.kthread(1);

        m.munmap(0, p, p.base(), 8); // frees the page table too

        assertEquals(1, received(1), m::dump);
        assertEquals(1, m.tlb.cpu(1).event(TlbEvent.LAZY_SWITCH_TO_INIT_MM), m::dump);
        assertSame(m.tlb.initMm(), m.tlb.cpu(1).loadedMm(), "the lazy CPU let go of the mm\n" + m.dump());
        assertFalse(p.ctx().cpumaskTest(1), m::dump);
        assertClean("munmap");
    }

    @ParameterizedTest(name = "tlb_gen moved: {0}")
    @ValueSource(booleans = {false, true})
    void returningFromLazyModeToTheSameMmFlushesOnlyIfTlbGenMoved(boolean moved) {
        Smp m = machine(2, true);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(0, p.page(2));
        m.kthread(0);
        if (moved) {
            p.mm().zapPageRange(p.page(5), p.page(6));
            m.tlb.flushTlbMmRange(1, p.ctx(), p.page(5), p.page(6), false); // skips lazy cpu 0
        }
        long flushesBefore = m.tlb.cpu(0).event(TlbEvent.TLB_FLUSH_ON_TASK_SWITCH);

        boolean cr3Written = m.run(0, p);

        CpuTlb hw = m.tlb.hardware(0);
        assertEquals(moved, cr3Written, m::dump);
        assertEquals(moved ? 1 : 0, m.tlb.cpu(0).event(TlbEvent.TLB_FLUSH_ON_TASK_SWITCH) - flushesBefore, m::dump);
        assertEquals(moved, hw.peek(p.page(2), hw.currentPcid()) == Tlb.MISS, "page 2's entry\n" + m.dump());
        assertEquals(p.ctx().tlbGen(), m.tlb.cpu(0).ctx(m.tlb.cpu(0).loadedMmAsid()).tlbGen(), m::dump);
        assertClean("return from lazy mode");
    }

    // ------------------------------------------------------------------ ASIDs

    @Test
    void aSeventhMmOnOneCpuReusesAnAsidAndFlushesIt() {
        Smp m = machine(1, true);
        List<Smp.Process> ps = new ArrayList<>();
        List<Integer> asids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Smp.Process p = m.spawn(1);
            ps.add(p);
            m.run(0, p);
            asids.add(m.tlb.cpu(0).loadedMmAsid());
            m.write(0, p.page(0));
        }
        // next_asid starts at 1 (init_mm has slot 0): 1..5, wraps to 0, then 1 again.
        assertEquals(List.of(1, 2, 3, 4, 5, 0, 1), asids, m::dump);
        assertEquals(2, m.tlb.cpu(0).event(TlbEvent.ASID_REUSED), "slot 0 from init_mm, slot 1 from the first mm\n" + m.dump());
        CpuTlb hw = m.tlb.hardware(0);
        int pcidOfSlot1 = TlbManagement.kernPcid(1);
        assertEquals(ps.get(6).ctx().ctxId(), m.tlb.cpu(0).ctx(1).ctxId(), m::dump);
        long seventh = hw.peek(ps.get(6).page(0), pcidOfSlot1);
        assertNotEquals(Tlb.MISS, seventh, m::dump);
        if (ps.get(0).page(0) != ps.get(6).page(0)) {
            assertEquals(Tlb.MISS, hw.peek(ps.get(0).page(0), pcidOfSlot1), "the first mm's entries went with its slot\n" + m.dump());
        }
        // The first mm comes back: it owns no slot any more, so it takes the next one, flushed.
        long flushes = m.tlb.cpu(0).event(TlbEvent.TLB_FLUSH_ON_TASK_SWITCH);
        m.run(0, ps.get(0));
        assertEquals(2, m.tlb.cpu(0).loadedMmAsid(), m::dump);
        assertEquals(flushes + 1, m.tlb.cpu(0).event(TlbEvent.TLB_FLUSH_ON_TASK_SWITCH), m::dump);
        assertClean("seven processes on one CPU");
    }

    @Test
    void aPcidSwitchKeepsTheOtherProcessEntries() {
        Smp m = machine(1, true);
        Smp.Process a = m.spawn(2);
        Smp.Process b = m.spawn(2);
        m.run(0, a);
        m.write(0, a.page(0));
        int pcidA = m.tlb.hardware(0).currentPcid();
        m.run(0, b);
        m.write(0, b.page(0));
        long noflush = m.tlb.cpu(0).event(TlbEvent.TLB_SWITCH_NOFLUSH);
        m.run(0, a);
        long cr3 = m.tlb.cpu(0).cr3();
        CpuTlb hw = m.tlb.hardware(0);
        assertEquals(noflush + 1, m.tlb.cpu(0).event(TlbEvent.TLB_SWITCH_NOFLUSH), "the way back is NOFLUSH\n" + m.dump());
        assertEquals(pcidA, cr3 & Tlb.MAX_PCID, m::dump);
        long hits = hw.stat(TlbStat.HIT);
        m.write(0, a.page(0));
        assertEquals(hits + 1, hw.stat(TlbStat.HIT), "A's entry survived B's time on the CPU\n" + m.dump());
        assertClean("PCID switch");
    }

    @Test
    void withoutPcidEverySwitchFlushes() {
        Smp m = machine(1, false);
        Smp.Process a = m.spawn(2);
        Smp.Process b = m.spawn(2);
        m.run(0, a);
        m.write(0, a.page(0));
        m.run(0, b);
        m.run(0, a);
        CpuTlb hw = m.tlb.hardware(0);
        assertEquals(0, m.tlb.cpu(0).cr3() & Tlb.MAX_PCID, "no PCID bits in CR3");
        assertEquals(Tlb.MISS, hw.peek(a.page(0), 0), m::dump);
        assertEquals(0, m.tlb.cpu(0).event(TlbEvent.TLB_SWITCH_NOFLUSH), m::dump);
    }

    // ------------------------------------------------------------------ shootdowns

    @ParameterizedTest(name = "process on {0} of 6 CPUs")
    @ValueSource(ints = {2, 4})
    void munmapInAThreadedProcessSendsIpisToExactlyTheCpusRunningIt(int running) {
        Smp m = machine(6, true);
        Smp.Process p = m.spawn(16);
        Smp.Process other = m.spawn(4);
        for (int c = 0; c < 6; c++) {
            if (c < running) {
                m.run(c, p);
                m.write(c, p.page(c));
            } else if (c % 2 == 0) {
                m.run(c, other);
                m.write(c, other.page(0));
            } // odd CPUs beyond stay on init_mm
        }

        m.munmap(0, p, p.page(0), 8);

        for (int c = 0; c < 6; c++) {
            assertEquals(c > 0 && c < running ? 1 : 0, received(c), "cpu " + c + "\n" + m.dump());
        }
        assertEquals(1, m.tlb.cpu(0).event(TlbEvent.NR_TLB_REMOTE_FLUSH), m::dump);
        assertEquals(running - 1, m.tlb.cpu(0).event(TlbEvent.IPI_SENT), m::dump);
        assertEquals(8, m.tlb.cpu(0).event(TlbEvent.NR_TLB_LOCAL_FLUSH_ONE), m::dump);
        for (int c = 0; c < running; c++) {
            CpuTlb hw = m.tlb.hardware(c);
            assertEquals(Tlb.MISS, hw.peek(p.page(c), hw.currentPcid()), "cpu " + c + "\n" + m.dump());
        }
        assertClean("munmap");
    }

    @ParameterizedTest(name = "{0} pages")
    @ValueSource(ints = {33, 34})
    void aFlushOfMoreThan33PagesBecomesAFullFlush(int pages) {
        Smp m = machine(2, true);
        Smp.Process p = m.spawn(40);
        m.run(0, p);
        m.run(1, p);
        m.write(0, p.page(39)); // outside the range: survives only a per-page flush
        m.write(1, p.page(39));

        m.munmap(0, p, p.base(), pages);

        boolean full = pages > 33;
        assertEquals(full ? 1 : 0, m.tlb.cpu(0).event(TlbEvent.NR_TLB_LOCAL_FLUSH_ALL), m::dump);
        assertEquals(full ? 0 : pages, m.tlb.cpu(0).event(TlbEvent.NR_TLB_LOCAL_FLUSH_ONE), m::dump);
        for (int c = 0; c < 2; c++) {
            CpuTlb hw = m.tlb.hardware(c);
            assertEquals(full, hw.peek(p.page(39), hw.currentPcid()) == Tlb.MISS, "cpu " + c + "\n" + m.dump());
        }
        assertClean("munmap of " + pages + " pages");
    }

    @Test
    void aLateRequestAfterANewerOneIsAlreadyCaughtUp() {
        // Two partial flushes queued to cpu 1; the first to arrive sees it is not the latest
        // generation, so it flushes everything and catches up; the second finds nothing to do.
        Smp m = machine(2, true);
        m.tlb.setIpiDelivery(IpiDelivery.DEFERRED);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(7));
        m.tlb.flushTlbMmRange(0, p.ctx(), p.page(0), p.page(1), false);
        m.tlb.flushTlbMmRange(0, p.ctx(), p.page(1), p.page(2), false);
        assertEquals(2, m.tlb.cpu(1).pendingIpis(), m::dump);
        long fullBefore = m.tlb.hardware(1).stat(TlbStat.FLUSH_FULL);

        assertEquals(2, m.tlb.deliverIpis(1));

        assertEquals(2, received(1), m::dump);
        assertEquals(fullBefore + m.tlb.hardware(1).arrayCount(), m.tlb.hardware(1).stat(TlbStat.FLUSH_FULL),
                "one CR3 rewrite, seen by each array\n" + m.dump());
        assertEquals(Tlb.MISS, m.tlb.hardware(1).peek(p.page(7), m.tlb.hardware(1).currentPcid()), m::dump);
        assertEquals(2, m.tlb.cpu(1).ctx(m.tlb.cpu(1).loadedMmAsid()).tlbGen(), m::dump);
    }

    // ------------------------------------------------------------------ fault injection and the checker

    @Test
    void aDroppedShootdownLeavesAStaleTranslationThatTheCheckerReports() {
        Smp m = machine(2, true);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        long stalePa = io.mmemu.mm.pgtable.WalkResult.pagePa(m.write(1, p.page(3)));
        m.tlb.setDropShootdowns(true);

        m.munmap(0, p, p.page(3), 1);

        assertEquals(1, m.tlb.cpu(0).event(TlbEvent.IPI_DROPPED), m::dump);
        List<StaleTranslation> found = m.check("munmap");
        List<String> tlbFindings = new ArrayList<>();
        for (StaleTranslation f : found) {
            assertEquals(1, f.cpu(), f::toString);
            assertEquals("munmap", f.operation());
            if (f.where().endsWith("TLB")) tlbFindings.add(f.where() + " " + Long.toHexString(f.vaddr()) + " " + f.entrySays() + " | " + f.tablesSay());
        }
        String entry = "frame 0x" + Long.toHexString(stalePa) + " R W - U"; // anonymous memory is NX
        assertEquals(List.of("L1 dTLB " + Long.toHexString(p.page(3)) + " " + entry + " | not present",
                "STLB " + Long.toHexString(p.page(3)) + " " + entry + " | not present"), tlbFindings,
                StaleTranslationChecker.describe(found) + m.dump());
    }

    @Test
    void theSameMunmapWithShootdownsDeliveredLeavesNothingStale() {
        Smp m = machine(2, true);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(3));
        m.munmap(0, p, p.page(3), 1);
        assertClean("munmap");
    }

    @Test
    void aDeferredShootdownIsStaleUntilTheTargetHandlesIt() {
        Smp m = machine(2, true);
        m.tlb.setIpiDelivery(IpiDelivery.DEFERRED);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(3));
        m.munmap(0, p, p.page(3), 1);
        assertFalse(m.check("munmap, IPI in flight").isEmpty(), m::dump);
        assertEquals(1, m.tlb.deliverIpis(1));
        assertClean("munmap, IPI handled");
    }

    @Test
    void failIpiDelayKeepsTheTargetStaleUntilItsKernelEntryAfterTheDelay() {
        Smp m = machine(2, true);
        io.mmemu.fault.FaultInjector faults = new io.mmemu.fault.FaultInjector(1);
        io.mmemu.fault.FaultSpec.parse("fail_ipi:action=delay,delay=1,verbose=0").applyTo(faults);
        m.tlb.setFaultInjector(faults);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(3));
        m.munmap(0, p, p.page(3), 1);
        assertEquals(1, m.tlb.cpu(0).event(TlbEvent.IPI_DELAYED), m::dump);
        assertEquals(1, faults.injected().size());
        assertFalse(m.check("munmap, IPI delayed").isEmpty(), m::dump);
        assertEquals(0, m.tlb.enterKernel(1), "delay=1: not at the first kernel entry");
        assertFalse(m.check("munmap, one kernel entry later").isEmpty(), m::dump);
        assertEquals(1, m.tlb.enterKernel(1), "the second kernel entry handles it");
        assertClean("munmap, delayed IPI handled");
    }

    @Test
    void failIpiDropIsWhatSetDropShootdownsDoes() {
        Smp m = machine(2, true);
        io.mmemu.fault.FaultInjector faults = new io.mmemu.fault.FaultInjector(1);
        io.mmemu.fault.FaultSpec.parse("fail_ipi:verbose=0").applyTo(faults);
        m.tlb.setFaultInjector(faults);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(3));
        m.munmap(0, p, p.page(3), 1);
        assertEquals(1, m.tlb.cpu(0).event(TlbEvent.IPI_DROPPED), m::dump);
        assertFalse(m.check("munmap").isEmpty(), m::dump);
        assertEquals(0, m.tlb.enterKernel(1), "a dropped IPI never comes");
        assertFalse(m.check("munmap, later").isEmpty(), m::dump);
    }

    @Test
    void aDroppedShootdownToALazyCpuLeavesItsPagingStructureCachePointingAtAFreedTable() {
        Smp m = machine(2, true);
        Smp.Process p = m.spawn(8);
        m.run(0, p);
        m.run(1, p);
        m.write(1, p.page(0));
        m.kthread(1);
        m.tlb.setDropShootdowns(true);
        m.munmap(0, p, p.base(), 8);
        List<StaleTranslation> found = m.check("munmap");
        assertTrue(found.stream().anyMatch(f -> f.cpu() == 1 && f.where().equals("PDE cache")),
                StaleTranslationChecker.describe(found) + m.dump());
    }
}
