package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.assertResult;
import static io.mmemu.tlb.Walks.assertStat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PhysicalMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TLB in front of the real page walker, as the CPU's fill path will use it: a miss walks and
 * fills, a changed PTE goes unnoticed until INVLPG, and a first write re-walks to set D.
 */
class WalkerIntegrationTest {
    static final long VA = 0x0000_7f12_3456_7000L;
    static final long PML4 = 0x1000, PDPT = 0x2000, PD = 0x3000, PT = 0x4000, DATA1 = 0x5000, DATA2 = 0x6000;
    static final long FLAGS = Pte.P | Pte.RW | Pte.US;

    PhysicalMemory mem;
    PageWalker walker;
    PagingControl ctl;
    Tlb tlb;

    @BeforeEach
    void setUp() {
        mem = PhysicalMemory.reserve(2L << 20);
        walker = new PageWalker(mem);
        ctl = new PagingControl();
        tlb = new Tlb(TlbConfig.TEACHING);
        long[] tables = {PML4, PDPT, PD, PT};
        Level[] levels = Level.values();
        for (int i = 0; i < 3; i++) setEntry(levels[i], tables[i], tables[i + 1]);
        setEntry(Level.PT, PT, DATA1);
    }

    void setEntry(Level level, long table, long target) {
        mem.putLong(table + 8L * level.index(VA), Pte.make(target >>> 12, FLAGS));
    }

    @AfterEach
    void tearDown() {
        mem.close();
    }

    /** The fill path: the TLB first, the walker on a miss. */
    long translate(long va, int access) {
        long r = tlb.lookup(va, 0, access);
        if (r != Tlb.MISS) return r;
        r = walker.walk(PML4, va, access, true, ctl);
        if (!WalkResult.isFault(r)) tlb.fill(va, 0, r);
        return r;
    }

    @Test
    void aStaleTranslationHitsUntilInvlpg() {
        assertEquals(DATA1, WalkResult.pagePa(translate(VA, Access.READ)));
        setEntry(Level.PT, PT, DATA2); // the kernel remapped the page and did not flush
        assertEquals(DATA1, WalkResult.pagePa(translate(VA + 8, Access.READ)), "stale hit\n" + tlb.dump());
        tlb.invlpg(VA);
        assertEquals(DATA2, WalkResult.pagePa(translate(VA, Access.READ)), "after invlpg\n" + tlb.dump());
        assertStat(tlb, TlbStat.HIT, 1);
        assertStat(tlb, TlbStat.MISS, 2);
    }

    @Test
    void aFirstWriteWalksAgainToSetDirty() {
        long read = translate(VA, Access.READ);
        assertEquals(WalkResult.PROT_READ | WalkResult.PROT_EXEC, WalkResult.prot(read), "D clear: no W cached");
        long write = translate(VA, Access.WRITE);
        assertFalse(WalkResult.isFault(write));
        assertEquals(WalkResult.PROT_READ | WalkResult.PROT_WRITE | WalkResult.PROT_EXEC, WalkResult.prot(write));
        long pte = mem.getLong(PT + 8L * Level.PT.index(VA));
        assertEquals(Pte.D, pte & Pte.D, "the re-walk set D");
        assertResult(tlb, write, translate(VA, Access.WRITE), "second write hits");
        assertStat(tlb, TlbStat.MISS_PERMISSION, 1);
        assertStat(tlb, TlbStat.FILL_REPLACED, 1);
        assertStat(tlb, TlbStat.HIT, 1);
    }
}
