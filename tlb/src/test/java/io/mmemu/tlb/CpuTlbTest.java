package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.G1;
import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.W;
import static io.mmemu.tlb.Walks.X;
import static io.mmemu.tlb.Walks.ok;
import static io.mmemu.tlb.Walks.ok4k;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.pgtable.Access;
import org.junit.jupiter.api.Test;

/** The hierarchy in front of its arrays: which level an access asks, what a second-level hit refills, where invalidations reach. */
class CpuTlbTest {
    static final long VA = 0x7f00_0000_0000L;

    static CpuTlb golden() {
        CpuTlb t = new CpuTlb(TlbPreset.INTEL_GOLDEN_COVE);
        t.movToCr4Pcide(true);
        t.movToCr3(0x5000 | 3);
        return t;
    }

    @Test
    void anL1MissThatHitsTheStlbRefillsTheL1() {
        CpuTlb t = golden();
        t.fill(VA, 3, Access.READ, ok4k(0x10_0000, R | W));
        t.level(TlbLevel.L1D).invlpg(VA); // only L1 forgets
        assertNotEquals(Tlb.MISS, t.lookup(VA, Access.READ), t::dump);
        assertEquals(1, t.stat(TlbLevel.L1D, TlbStat.MISS), t::statsDump);
        assertEquals(1, t.stat(TlbLevel.L2D, TlbStat.HIT), t::statsDump);
        assertNotEquals(Tlb.MISS, t.level(TlbLevel.L1D).peek(VA, 3), "refilled\n" + t.dump());
        assertEquals(1, t.stat(TlbStat.HIT), "one hierarchy hit\n" + t.statsDump());
        assertEquals(0, t.stat(TlbStat.MISS), t::statsDump);
    }

    @Test
    void aFetchAsksTheItlbAndDataTheDtlbBehindOneUnifiedStlb() {
        CpuTlb t = golden();
        t.fill(VA, 3, Access.FETCH, ok4k(0x10_0000, R | X));
        assertNotEquals(Tlb.MISS, t.level(TlbLevel.L1I).peek(VA, 3), t::dump);
        assertEquals(Tlb.MISS, t.level(TlbLevel.L1D).peek(VA, 3), t::dump);
        assertSame(t.level(TlbLevel.L2I), t.level(TlbLevel.L2D), "Golden Cove's STLB is unified");
        assertNotEquals(Tlb.MISS, t.lookup(VA, Access.READ), "a read finds the fetch's translation in the STLB\n" + t.dump());
    }

    @Test
    void zen4KeepsCodeAndDataSecondLevelsApart() {
        CpuTlb t = new CpuTlb(TlbPreset.AMD_ZEN4);
        t.fill(VA, 0, Access.FETCH, ok4k(0x10_0000, R | X));
        assertEquals(Tlb.MISS, t.lookup(VA, Access.READ), t::dump);
        assertNotEquals(Tlb.MISS, t.lookup(VA, Access.FETCH), t::dump);
    }

    @Test
    void aOneGigPageIsSplinteredWhereAnArrayHoldsNone() {
        CpuTlb t = golden();
        long va = 3 * G1 + 0x25_3000L;
        t.fill(va, 3, Access.FETCH, ok(2 * G1 + 0x25_3000L, R | X, PageSize.SIZE_1G, false));
        assertEquals(1, t.stat(TlbLevel.L1I, TlbStat.FILL_SPLINTERED), t::statsDump);
        assertEquals(1, t.level(TlbLevel.L1I).validEntries(PageSize.SIZE_2M), "the iTLB holds it as 2M\n" + t.dump());
        assertEquals(1, t.level(TlbLevel.L2I).validEntries(PageSize.SIZE_1G), "the STLB as 1G\n" + t.dump());
        long r = t.lookup(va + 0x1000, Access.FETCH);
        assertEquals(2 * G1 + 0x25_4000L, io.mmemu.mm.pgtable.WalkResult.pagePa(r), t::dump);
        // Outside the 2M piece the iTLB misses but the STLB's 1G entry answers.
        assertNotEquals(Tlb.MISS, t.lookup(3 * G1 + 0x4000_0000L - 0x1000, Access.FETCH), t::dump);
        assertEquals(1, t.stat(TlbLevel.L2I, TlbStat.HIT), t::statsDump);
    }

    @Test
    void invalidationsReachEveryLevel() {
        CpuTlb t = golden();
        t.fill(VA, 3, Access.FETCH, ok4k(0x10_0000, R | X));
        t.fill(VA + 0x1000, 3, Access.READ, ok4k(0x20_0000, R));
        t.invlpg(VA);
        t.invlpg(VA + 0x1000);
        assertEquals(0, t.validEntries(), t::dump);
        t.fill(VA, 3, Access.READ, ok4k(0x10_0000, R));
        t.movToCr3(0x5000 | 3);
        assertEquals(0, t.validEntries(), "CR3 without NOFLUSH\n" + t.dump());
        t.fill(VA, 3, Access.READ, ok4k(0x10_0000, R));
        t.movToCr3(0x6000 | 4 | Tlb.CR3_NOFLUSH);
        t.movToCr3(0x5000 | 3 | Tlb.CR3_NOFLUSH);
        assertEquals(2, t.validEntries(), "NOFLUSH keeps both levels\n" + t.dump());
        assertEquals(2 * 3, t.stat(TlbStat.FLUSH_FULL), "two flushing CR3 writes (NOFLUSH ones flush nothing), each seen by the 3 arrays\n" + t.statsDump());
    }

    @Test
    void thePdeCacheShortensTheNextWalkInTheSame2MRegion() {
        try (var mem = io.mmemu.mm.phys.PhysicalMemory.reserve(2L << 20)) {
            long pml4 = 0x1000, pdpt = 0x2000, pd = 0x3000, pt = 0x4000;
            long flags = io.mmemu.mm.pgtable.Pte.P | io.mmemu.mm.pgtable.Pte.RW | io.mmemu.mm.pgtable.Pte.US;
            mem.putLong(pml4 + 8L * io.mmemu.mm.pgtable.Level.PML4.index(VA), io.mmemu.mm.pgtable.Pte.make(pdpt >>> 12, flags));
            mem.putLong(pdpt + 8L * io.mmemu.mm.pgtable.Level.PDPT.index(VA), io.mmemu.mm.pgtable.Pte.make(pd >>> 12, flags));
            mem.putLong(pd + 8L * io.mmemu.mm.pgtable.Level.PD.index(VA), io.mmemu.mm.pgtable.Pte.make(pt >>> 12, flags));
            CpuTlb t = new CpuTlb(TlbPreset.TEACHING, mem);
            t.movToCr3(pml4);
            t.fill(VA, 0, Access.READ, ok4k(0x10_0000, R));
            assertEquals(4, t.stat(WalkStat.WALK_REFS), t::statsDump);
            assertEquals(3, t.stat(WalkStat.PSC_FILL), t::statsDump);
            t.fill(VA + 0x5000, 0, Access.READ, ok4k(0x11_0000, R));
            assertEquals(4 + 1, t.stat(WalkStat.WALK_REFS), "only the PT entry was read\n" + t.statsDump());
            assertEquals(3, t.stat(WalkStat.WALK_REFS_SAVED), t::statsDump);
            assertEquals(1, t.stat(WalkStat.PSC_HIT_PDE), t::statsDump);
            assertTrue(t.dump().contains("PDE    0x000 0x00007f0000000000  -> table 0x0000000004000"), t::dump);
            t.invlpg(VA + 0x9000); // INVLPG drops the PCID's paging-structure entries whatever the address
            assertEquals(0, t.pagingStructureCache().validEntries(), t::dump);
            assertEquals(3, t.stat(WalkStat.PSC_INVALIDATED), t::statsDump);
        }
    }

    @Test
    void theTypicalPresetIsTheSingleArrayModel() {
        CpuTlb t = new CpuTlb(TlbPreset.TYPICAL);
        assertEquals(1, t.arrayCount());
        assertEquals("L1 TLB", t.arrayName(0));
        assertNull(t.level(TlbLevel.L2D));
        assertNull(t.pagingStructureCache());
        t.fill(VA, 0, Access.FETCH, ok4k(0x10_0000, R | X));
        assertNotEquals(Tlb.MISS, t.lookup(VA, Access.READ), "one array for code and data\n" + t.dump());
    }

    @Test
    void presetsAreFoundByNameAndAnUnknownNameListsThem() {
        for (TlbPreset p : TlbPreset.all()) assertSame(p, TlbPreset.byName(p.name().toUpperCase()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlbPreset.byName("pentium"));
        assertEquals("unknown TLB preset 'pentium' (expected one of: teaching, typical, intel-golden-cove, amd-zen4)", e.getMessage());
    }

    @Test
    void presetsHaveThePublishedFigures() {
        TlbPreset g = TlbPreset.INTEL_GOLDEN_COVE;
        assertEquals(256, g.l1i().entries(PageSize.SIZE_4K));
        assertEquals(8, g.l1i().ways(PageSize.SIZE_4K));
        assertEquals(32, g.l1i().entries(PageSize.SIZE_2M));
        assertEquals(0, g.l1i().entries(PageSize.SIZE_1G));
        assertEquals(96, g.l1d().entries(PageSize.SIZE_4K));
        assertEquals(6, g.l1d().ways(PageSize.SIZE_4K));
        assertEquals(8, g.l1d().entries(PageSize.SIZE_1G));
        assertEquals(2048, g.l2d().entries(PageSize.SIZE_4K));
        assertEquals(16, g.l2d().ways(PageSize.SIZE_4K));
        assertEquals(1024, g.l2d().entries(PageSize.SIZE_1G));
        assertTrue(g.unifiedL2());
        TlbPreset z = TlbPreset.AMD_ZEN4;
        assertEquals(64, z.l1i().entries(PageSize.SIZE_4K));
        assertEquals(72, z.l1d().entries(PageSize.SIZE_4K));
        assertEquals(512, z.l2i().entries(PageSize.SIZE_4K));
        assertEquals(3072, z.l2d().entries(PageSize.SIZE_4K));
        assertEquals(24, z.l2d().ways(PageSize.SIZE_4K));
        assertEquals(0, z.l2d().entries(PageSize.SIZE_1G), "1G pages are smashed to 2M in Zen 4's L2");
        assertTrue(!z.unifiedL2());
        assertNotNull(TlbPreset.TEACHING.psc());
        assertTrue(TlbPreset.TEACHING.l1d().capacity() <= 16, "teaching: misses easy to see");
    }
}
