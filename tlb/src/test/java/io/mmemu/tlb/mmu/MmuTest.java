package io.mmemu.tlb.mmu;

import static io.mmemu.mm.vma.VmFlags.VM_EXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.TlbStat;
import io.mmemu.tlb.WalkStat;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The translation loop on its own, over a real mm: what the TLB-fill hook gets for a hit, a miss,
 * a fault the kernel resolves and one it refuses. A failing assertion prints the TLB, the VMAs,
 * the PTE and the MMU's counters.
 */
class MmuTest {
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int RO = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int RX = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final long ANON = 0x1000_0000L;

    MmEnv env;
    MmStruct mm;
    CpuTlb tlb;
    Mmu mmu;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        mmu = newMmu(TlbPreset.TEACHING, false);
    }

    Mmu newMmu(TlbPreset preset, boolean watchEvictions) {
        tlb = new CpuTlb(preset, env.mem());
        tlb.movToCr3(mm.pgd().cr3());
        Mmu m = new Mmu(tlb, new PageWalker(env.mem()), env.pagingControl(), watchEvictions);
        m.switchMm(mm);
        return m;
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    void map(long addr, long len, int flags) {
        assertEquals(addr, mm.mmapRegion(addr, len, flags, null, 0, null), mm.maps());
    }

    long pte(long va) {
        long slot = mm.pgd().leafSlot(va);
        return slot == PageTable.NO_SLOT ? 0 : mm.pgd().get(slot);
    }

    String state(long va) {
        return String.format("PTE for 0x%x: 0x%016x %s%npage faults %d, not resolved %d%n%s%s", va, pte(va),
                Pte.describe(pte(va)), mmu.stat(MmuStat.PAGE_FAULTS), mmu.stat(MmuStat.FAULTS_NOT_RESOLVED),
                mm.maps(), tlb.dump());
    }

    long translate(long va, int access) {
        long r = mmu.translate(va, access);
        assertNotEquals(Mmu.FAULT, r, Access.name(access) + " at 0x" + Long.toHexString(va) + " faulted: "
                + mmu.fault() + "\n" + state(va));
        return r;
    }

    FaultResult.Signal refused(long va, int access) {
        long r = mmu.translate(va, access);
        assertEquals(Mmu.FAULT, r, Access.name(access) + " at 0x" + Long.toHexString(va) + " answered 0x"
                + Long.toHexString(r) + "\n" + state(va));
        return assertInstanceOf(FaultResult.Signal.class, mmu.fault(), state(va));
    }

    @Test
    void aMissWalksAndFillsAndTheNextAccessHits() {
        map(ANON, 0x4000, RW);
        long frame = env.allocZeroedUserPage();
        long slot = mm.pgd().pteSlot(ANON, true);
        mm.pgd().set(slot, Pte.make(frame, Pte.P | Pte.RW | Pte.US | Pte.NX));

        long r = translate(ANON + 0x10, Access.READ);
        assertEquals(frame << 12, WalkResult.pagePa(r), state(ANON));
        assertEquals(1, tlb.stat(TlbStat.MISS), state(ANON));
        assertEquals(1, tlb.stat(TlbStat.FILL), state(ANON));
        assertEquals(0, mmu.stat(MmuStat.PAGE_FAULTS), "a mapped page needs no fault\n" + state(ANON));

        assertEquals(r, translate(ANON + 0x800, Access.READ));
        assertEquals(1, tlb.stat(TlbStat.HIT), state(ANON));
        assertEquals(1, tlb.stat(TlbStat.FILL), "a hit fills nothing\n" + state(ANON));
    }

    /**
     * PKRU is checked at every access, not only at walks: a translation cached while PKRU allowed
     * it faults with PK once WRPKRU denies its key (no flush in between), SEGV_PKUERR with the
     * key, and a hit under write-disable gives read rights only. Key 0 entries are untouched.
     */
    @Test
    void aTlbHitIsCheckedAgainstTheCurrentPkru() {
        map(ANON, 0x2000, RW);
        long frame = env.allocZeroedUserPage();
        long slot = mm.pgd().pteSlot(ANON, true);
        mm.pgd().set(slot, Pte.make(frame, Pte.P | Pte.RW | Pte.US | Pte.NX | Pte.D | 5L << Pte.PKEY_SHIFT));
        long r = translate(ANON, Access.WRITE);
        assertEquals(5, WalkResult.pkey(r), state(ANON));
        assertEquals(WalkResult.PROT_READ | WalkResult.PROT_WRITE, WalkResult.prot(r), state(ANON));
        try {
            env.pagingControl().pkru = 2 << 10; // WD for key 5
            long hit = translate(ANON, Access.READ);
            assertEquals(1, tlb.stat(TlbStat.HIT), "the entry is still cached\n" + state(ANON));
            assertEquals(WalkResult.PROT_READ, WalkResult.prot(hit), "write-disabled: read only\n" + state(ANON));
            FaultResult.Signal w = refused(ANON, Access.WRITE);
            assertEquals(SiCode.SEGV_PKUERR, w.code(), state(ANON));
            env.pagingControl().pkru = 1 << 10; // AD for key 5
            FaultResult.Signal rd = refused(ANON, Access.READ);
            assertEquals(SiCode.SEGV_PKUERR, rd.code(), state(ANON));
            assertEquals(0, mmu.stat(MmuStat.PAGE_FAULTS), "a key violation is never resolved\n" + state(ANON));
            env.pagingControl().pkru = 0;
            assertEquals(r, translate(ANON, Access.WRITE), state(ANON));
        } finally {
            env.pagingControl().pkru = 0;
        }
    }

    @Test
    void aFaultTheKernelResolvesIsWalkedAgainAndFilled() {
        map(ANON, 0x4000, RW);
        long r = translate(ANON + 0x2000, Access.WRITE);
        assertTrue((WalkResult.prot(r) & WalkResult.PROT_WRITE) != 0, state(ANON + 0x2000));
        assertEquals(Pte.pfn(pte(ANON + 0x2000)) << 12, WalkResult.pagePa(r), state(ANON + 0x2000));
        assertEquals(1, mmu.stat(MmuStat.PAGE_FAULTS), state(ANON + 0x2000));
        assertEquals(1, tlb.stat(TlbStat.FILL), "the re-walk's translation is cached\n" + state(ANON + 0x2000));

        assertEquals(r, translate(ANON + 0x2008, Access.WRITE), state(ANON + 0x2000));
        assertEquals(1, tlb.stat(TlbStat.HIT), state(ANON + 0x2000));
        assertEquals(1, mmu.stat(MmuStat.PAGE_FAULTS), "a hit takes no fault\n" + state(ANON + 0x2000));
    }

    @Test
    void aWriteToAReadOnlyMappingIsRefusedWithSegvAccerr() {
        map(ANON, 0x1000, RO);
        translate(ANON, Access.READ); // the zero page, read-only
        FaultResult.Signal s = refused(ANON + 0x18, Access.WRITE);
        assertEquals(Signo.SIGSEGV, s.signo(), state(ANON));
        assertEquals(SiCode.SEGV_ACCERR, s.code(), state(ANON));
        assertEquals(ANON + 0x18, s.addr(), state(ANON));
        assertEquals(1, mmu.stat(MmuStat.FAULTS_NOT_RESOLVED), state(ANON));
        assertEquals(1, tlb.stat(TlbStat.FILL), "only the read was cached\n" + state(ANON));
    }

    @Test
    void anAccessOutsideEveryVmaIsRefusedWithSegvMaperr() {
        FaultResult.Signal s = refused(ANON, Access.READ);
        assertEquals(Signo.SIGSEGV, s.signo(), state(ANON));
        assertEquals(SiCode.SEGV_MAPERR, s.code(), state(ANON));
        assertEquals(0, tlb.stat(TlbStat.FILL), state(ANON));
    }

    /** A fetch from a VMA without VM_EXEC faults twice: mapped NX first, then refused (PROT|INSTR). */
    @Test
    void aFetchFromANonExecutableVmaIsResolvedOnceThenRefused() {
        map(ANON, 0x1000, RW);
        FaultResult.Signal s = refused(ANON, Access.FETCH);
        assertEquals(SiCode.SEGV_ACCERR, s.code(), state(ANON));
        assertEquals(1, mmu.stat(MmuStat.PAGE_FAULTS), state(ANON));
        assertEquals(1, mmu.stat(MmuStat.FAULTS_NOT_RESOLVED), state(ANON));

        map(ANON + 0x1000, 0x1000, RX);
        assertFalse(WalkResult.isFault(translate(ANON + 0x1000, Access.FETCH)), state(ANON + 0x1000));
    }

    /** A stale entry answers until an invalidation removes it: the hardware does not re-read the tables. */
    @Test
    void aStaleTranslationIsServedUntilInvlpg() {
        map(ANON, 0x1000, RW);
        long first = translate(ANON, Access.WRITE);
        long other = env.allocZeroedUserPage();
        mm.pgd().set(mm.pgd().leafSlot(ANON), Pte.make(other, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D | Pte.NX));

        assertEquals(first, translate(ANON + 8, Access.WRITE), "stale hit\n" + state(ANON));
        tlb.invlpg(ANON);
        assertEquals(other << 12, WalkResult.pagePa(translate(ANON, Access.WRITE)), "after INVLPG\n" + state(ANON));
    }

    /** A fault do_user_addr_fault calls handled while the walk still fails is a model bug, not a loop. */
    @Test
    void aFaultHandledTwiceThatStillFaultsThrows() {
        map(ANON, 0x1000, RW);
        translate(ANON, Access.WRITE);
        // The kernel's own bug: the PML4 entry loses U/S. The write faults PROT, handle_mm_fault
        // finds the PTE writable and calls it spurious, and the walk faults again.
        long pml4e = mm.pgd().cr3() + 8L * Level.PML4.index(ANON);
        env.mem().putLong(pml4e, env.mem().getLong(pml4e) & ~Pte.US);
        tlb.invlpg(ANON);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mmu.translate(ANON, Access.WRITE),
                state(ANON));
        assertTrue(e.getMessage().contains("handled twice"), e.getMessage());
    }

    @Test
    void fillEvictionsAreReportedOnceWhenWatched() {
        map(ANON, 0x100_0000, RW);
        Mmu watching = newMmu(TlbPreset.TEACHING, true);
        boolean evicted = false;
        int page = 0;
        for (; page < 64 && !evicted; page++) {
            watching.translate(ANON + page * 4096L, Access.WRITE);
            evicted = watching.takeFillEviction();
        }
        assertTrue(evicted, "64 pages through the teaching TLB evicted nothing\n" + tlb.dump());
        assertFalse(watching.takeFillEviction(), "an eviction is reported once");
        watching.translate(ANON + (page - 1) * 4096L, Access.WRITE); // a hit evicts nothing
        assertFalse(watching.takeFillEviction(), tlb.dump());

        Mmu blind = newMmu(TlbPreset.TEACHING, false);
        for (int p = 0; p < 64; p++) blind.translate(ANON + p * 4096L, Access.WRITE);
        assertTrue(tlb.stat(TlbStat.EVICTION) > 0, tlb.statsDump());
        assertFalse(blind.takeFillEviction(), "an MMU that does not watch reports nothing");
    }

    /**
     * The paging-structure caches a translation fills hold the tables the walk went through, taken
     * from the walker: the same entries, in the same order, and the same counts as a TLB that reads
     * the upper-level entries again after the walk. Pages in three PML4 slots, many page
     * directories and page tables, so that every cache level misses, fills and evicts.
     */
    @Test
    void thePagingStructureCachesHoldWhatTheWalkRead() {
        long[] regions = {ANON, 0x5500_0000_0000L, 0x7f00_0000_0000L};
        int tables = 64, pagesPerTable = 4;
        long[] pages = new long[regions.length * tables * pagesPerTable];
        int n = 0;
        for (long r : regions) {
            map(r, (long) tables << 21, RW);
            for (int t = 0; t < tables; t++) {
                for (int k = 0; k < pagesPerTable; k++) pages[n++] = r + ((long) t << 21) + k * 97 * 4096L;
            }
        }
        for (long va : pages) translate(va, Access.READ); // every page mapped (the zero page), every table there
        mmu = newMmu(TlbPreset.AMD_ZEN4, false);
        CpuTlb reread = new CpuTlb(TlbPreset.AMD_ZEN4, env.mem());
        reread.movToCr3(mm.pgd().cr3());
        PageWalker walker = new PageWalker(env.mem());
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 20_000; i++) {
            long va = pages[random.nextInt(pages.length)];
            long r = mmu.translate(va, Access.READ);
            if (reread.lookup(va, Access.READ) == Tlb.MISS) {
                long walked = walker.walk(mm.pgd().cr3(), va, Access.READ, true, env.pagingControl());
                assertEquals(walked, r, "the two walks agree");
                reread.fill(va, reread.currentPcid(), Access.READ, walked);
            }
            if (i % 1000 == 0) {
                assertEquals(reread.pagingStructureCache().dump(), tlb.pagingStructureCache().dump(), "after " + i);
            }
        }
        for (WalkStat s : WalkStat.values()) assertEquals(reread.stat(s), tlb.stat(s), s.name());
        assertTrue(tlb.stat(WalkStat.PSC_FILL) > 1000 && tlb.stat(WalkStat.PSC_HIT_PDE) > 1000, tlb::statsDump);
    }

    /** The fill hook's path allocates nothing, hit or miss, once the pages are mapped. */
    @Test
    void translateAllocatesNothing() {
        int pages = 256;
        map(ANON, pages * 4096L, RW);
        mmu = newMmu(TlbPreset.INTEL_GOLDEN_COVE, false);
        for (int p = 0; p < pages; p++) translate(ANON + p * 4096L, Access.WRITE);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int round = 0; round < 3; round++) { // the last round runs compiled code
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200_000; i++) {
                // Every 7th access goes far through the pages: misses that walk and fill among the hits.
                long va = ANON + (i % 7 == 0 ? (i * 97L) % pages : i % 8) * 4096L;
                sink += mmu.translate(va, i % 3 == 0 ? Access.WRITE : Access.READ);
                if (i % 100 == 0) tlb.invlpg(va); // and some that miss every level: walks
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (round == 2) {
                assertTrue(allocated < 1024, "200000 translations allocated " + allocated + " bytes (sink " + sink
                        + ", misses " + tlb.stat(TlbStat.MISS) + ")");
            }
        }
        assertTrue(tlb.stat(TlbStat.MISS) > 1000, "the misses were exercised\n" + tlb.statsDump());
    }
}
