package io.mmemu.mm.pgtable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.phys.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PageTableTest {
    static final long K4 = 4096, M2 = 2L << 20, G1 = 1L << 30, G512 = 1L << 39;

    PhysicalMemory mem;
    PageAllocator allocator;
    long freeAtStart;
    PageTable pt;

    @BeforeEach
    void setUp() {
        mem = PhysicalMemory.reserve(16L << 20);
        allocator = new PageAllocator(mem.nrPages(), 1);
        freeAtStart = allocator.nrFreePages();
        pt = PageTable.pgdAlloc(mem, allocator);
        assertNotNull(pt);
    }

    @AfterEach
    void tearDown() {
        mem.close();
    }

    /** Every present entry of every table, as a walk dump for failure messages. */
    String dumpTables() {
        StringBuilder sb = new StringBuilder("page tables (" + pt.nrTables() + " tables, CR3 0x" + Long.toHexString(pt.cr3()) + ")\n");
        dump(sb, pt.cr3(), Level.PML4, 0, "");
        return sb.toString();
    }

    private void dump(StringBuilder sb, long tablePa, Level level, long base, String indent) {
        for (int i = 0; i < 512; i++) {
            long e = mem.getLong(tablePa + 8L * i);
            if (!Pte.present(e)) continue;
            long va = base + i * level.entrySpan();
            sb.append(String.format("%s%s[%d] va 0x%x: 0x%016x %s%n", indent, level, i, va, e, Pte.describe(e)));
            if (level != Level.PT && (e & Pte.PS) == 0) dump(sb, e & Pte.ADDR_MASK, level.next(), va, indent + "  ");
        }
    }

    /** Maps {@code va} to a fresh frame via pteSlot and returns the frame. */
    long map(long va) {
        long slot = pt.pteSlot(va, true);
        assertNotEquals(PageTable.NO_SLOT, slot, "pteSlot(0x" + Long.toHexString(va) + ")");
        long pfn = allocator.allocPages(0);
        pt.set(slot, Pte.make(pfn, Pte.P | Pte.RW | Pte.US));
        return pfn;
    }

    void unmap(long va, long pfn) {
        long slot = pt.pteSlot(va, false);
        assertNotEquals(PageTable.NO_SLOT, slot, dumpTables());
        pt.set(slot, 0);
        allocator.freePages(pfn, 0);
    }

    // ------------------------------------------------------------------ pteSlot

    @Test
    void pteSlotWithoutAllocFindsNothingInAnEmptyTable() {
        assertEquals(PageTable.NO_SLOT, pt.pteSlot(0x400000, false));
        assertEquals(PageTable.NO_SLOT, pt.leafSlot(0x400000));
        assertEquals(1, pt.nrTables());
        assertTrue(allocator.frames().testPageFlag(pt.pgdPfn(), PageFlag.PGTABLE));
        assertEquals(pt.pgdPfn() << 12, pt.cr3());
    }

    @Test
    void pteSlotAllocatesIntermediateTablesOnce() {
        long va = 0x7f12_3456_7000L;
        long slot = pt.pteSlot(va, true);
        assertNotEquals(PageTable.NO_SLOT, slot);
        assertEquals(4, pt.nrTables(), dumpTables());
        assertEquals(freeAtStart - 4, allocator.nrFreePages());
        // The chain: each intermediate entry is _PAGE_TABLE pointing at a zeroed PG_pgtable frame.
        long tablePa = pt.cr3();
        for (Level l = Level.PML4; l != Level.PT; l = l.next()) {
            long e = mem.getLong(tablePa + 8L * l.index(va));
            assertEquals(Pte.PAGE_TABLE, e & ~Pte.ADDR_MASK, l + " entry flags\n" + dumpTables());
            assertTrue(allocator.frames().testPageFlag(Pte.pfn(e), PageFlag.PGTABLE), l + " child not PG_pgtable");
            tablePa = e & Pte.ADDR_MASK;
        }
        assertEquals(tablePa + 8L * Level.PT.index(va), slot);
        assertEquals(0, pt.get(slot));
        // Same PT, same PD entry: no new table. Next 2 MiB: one new PT. Next 512 GiB: three new tables.
        assertEquals(slot + 8, pt.pteSlot(va + K4, true));
        assertEquals(slot, pt.pteSlot(va, false));
        assertEquals(4, pt.nrTables());
        pt.pteSlot(va + M2, true);
        assertEquals(5, pt.nrTables(), dumpTables());
        pt.pteSlot(va + G1, true);
        assertEquals(7, pt.nrTables(), dumpTables());
        pt.pteSlot(va - G512, true);
        assertEquals(10, pt.nrTables(), dumpTables());
        assertEquals(freeAtStart - 10, allocator.nrFreePages());
    }

    @Test
    void pteSlotReturnsNoSlotWhenTablesCannotBeAllocated() {
        allocator.setMinFreeKbytes(0);
        List<Long> hoard = new ArrayList<>();
        for (long pfn; (pfn = allocator.allocPages(0)) != PageAllocator.NO_PAGE; ) hoard.add(pfn);
        assertEquals(PageTable.NO_SLOT, pt.pteSlot(0x400000, true));
        assertEquals(1, pt.nrTables());
        allocator.freePages(hoard.remove(hoard.size() - 1), 0);
        // One frame is not enough for three tables; the one allocated stays in the tree.
        assertEquals(PageTable.NO_SLOT, pt.pteSlot(0x400000, true));
        assertEquals(2, pt.nrTables(), dumpTables());
        for (long pfn : hoard) allocator.freePages(pfn, 0);
        assertNotEquals(PageTable.NO_SLOT, pt.pteSlot(0x400000, true));
        assertEquals(4, pt.nrTables(), dumpTables());
    }

    @Test
    void pteSlotRefusesAddressesMappedByALargePage() {
        long va = 0x4000_0000L;
        pt.pteSlot(va, true);
        assertEquals(pt.pteSlot(va, false), pt.leafSlot(va), "a 4K leaf slot is the PTE slot");
        // Turn the PD entry into a 2 MiB leaf.
        long pdpt = mem.getLong(pt.cr3() + 8L * Level.PML4.index(va)) & Pte.ADDR_MASK;
        long pd = mem.getLong(pdpt + 8L * Level.PDPT.index(va)) & Pte.ADDR_MASK;
        long pdSlot = pd + 8L * Level.PD.index(va);
        mem.putLong(pdSlot, (8L << 20) | Pte.P | Pte.RW | Pte.US | Pte.PS);
        assertEquals(PageTable.NO_SLOT, pt.pteSlot(va + 0x3000, true));
        assertEquals(pdSlot, pt.leafSlot(va + 0x3000));
    }

    // ------------------------------------------------------------------ forEachPresentPte

    /** Mapped pages spread over several PTs, PDs and PDPTs. */
    static final long[] MAPPED = {
        0x0040_0000L, 0x0040_1000L, 0x0040_3000L, 0x005f_f000L, 0x0060_0000L, 0x4000_0000L, 0x7f00_0000_0000L,
        0x7fff_ffff_e000L
    };

    static Stream<Arguments> ranges() {
        return Stream.of(
                Arguments.of(0L, 1L << 47),
                Arguments.of(0x0040_0000L, 0x0040_1000L),
                Arguments.of(0x0040_1000L, 0x0040_3000L),
                Arguments.of(0x0040_1000L, 0x0040_3001L),
                Arguments.of(0x0040_0800L, 0x0060_0000L),
                Arguments.of(0x0050_0000L, 0x4000_0001L),
                Arguments.of(0x0060_1000L, 0x3fff_f000L),
                Arguments.of(0x4000_1000L, 0x7fff_ffff_e000L),
                Arguments.of(0x7f00_0000_0000L, 1L << 47),
                Arguments.of(0x7fff_ffff_f000L, 1L << 47));
    }

    @ParameterizedTest(name = "[0x{0}, 0x{1})")
    @MethodSource
    void ranges(long start, long end) {
        long[] pfns = new long[MAPPED.length];
        for (int i = 0; i < MAPPED.length; i++) pfns[i] = map(MAPPED[i]);
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < MAPPED.length; i++) {
            if (MAPPED[i] + K4 > start && MAPPED[i] < end) expected.add(MAPPED[i]);
        }
        List<Long> seen = new ArrayList<>();
        pt.forEachPresentPte(start, end, (va, slot, pte) -> {
            seen.add(va);
            assertEquals(pt.pteSlot(va, false), slot, "slot of 0x" + Long.toHexString(va));
            assertEquals(pt.get(slot), pte);
        });
        assertEquals(hex(expected), hex(seen), String.format("range [0x%x, 0x%x)%n%s", start, end, dumpTables()));
        // Each visited PTE maps the frame it was given.
        for (int i = 0; i < MAPPED.length; i++) {
            assertEquals(pfns[i], Pte.pfn(pt.get(pt.pteSlot(MAPPED[i], false))));
        }
    }

    private static List<String> hex(List<Long> vas) {
        return vas.stream().map(Long::toHexString).toList();
    }

    @Test
    void forEachPresentPteSkipsClearedEntries() {
        map(0x0040_0000L);
        long pfn = map(0x0040_1000L);
        map(0x0040_2000L);
        unmap(0x0040_1000L, pfn);
        List<Long> seen = new ArrayList<>();
        pt.forEachPresentPte(0, 1L << 47, (va, slot, pte) -> seen.add(va));
        assertEquals(List.of(0x0040_0000L, 0x0040_2000L), seen, dumpTables());
    }

    // ------------------------------------------------------------------ freePgtables / free

    @Test
    void freePgtablesFreesOnlyEmptyTables() {
        long a = 0x0040_0000L, b = 0x0060_0000L; // same PD, two PTs
        long pa = map(a);
        map(b);
        assertEquals(5, pt.nrTables(), dumpTables());
        long ptOfA = pt.pteSlot(a, false) >>> 12; // the frame holding A's PTE
        long freeBefore = allocator.nrFreePages();

        // A range still holding an entry frees nothing.
        pt.freePgtables(a, a + M2);
        assertEquals(5, pt.nrTables(), dumpTables());

        unmap(a, pa);
        long freeAfterUnmap = allocator.nrFreePages();
        assertEquals(freeBefore + 1, freeAfterUnmap);
        pt.freePgtables(a, a + M2);
        assertEquals(4, pt.nrTables(), "A's PT must go, B's PT and the PD/PDPT holding it stay\n" + dumpTables());
        assertEquals(freeAfterUnmap + 1, allocator.nrFreePages());
        assertFalse(allocator.frames().testPageFlag(ptOfA, PageFlag.PGTABLE), "freed table keeps PG_pgtable");
        assertEquals(PageTable.NO_SLOT, pt.pteSlot(a, false), dumpTables());
        assertNotEquals(PageTable.NO_SLOT, pt.pteSlot(b, false), dumpTables());
        assertTrue(Pte.present(pt.get(pt.pteSlot(b, false))), dumpTables());
    }

    @Test
    void freePgtablesOverEverythingLeavesOnlyThePml4() {
        long[] pfns = new long[MAPPED.length];
        for (int i = 0; i < MAPPED.length; i++) pfns[i] = map(MAPPED[i]);
        for (int i = 0; i < MAPPED.length; i++) unmap(MAPPED[i], pfns[i]);
        pt.freePgtables(0, 1L << 47);
        assertEquals(1, pt.nrTables(), dumpTables());
        assertEquals(freeAtStart - 1, allocator.nrFreePages());
        for (int i = 0; i < 512; i++) assertEquals(0, mem.getLong(pt.cr3() + 8L * i), "PML4[" + i + "] not cleared");
    }

    @Test
    void freeReturnsEveryFrame() {
        long[] pfns = new long[MAPPED.length];
        for (int i = 0; i < MAPPED.length; i++) pfns[i] = map(MAPPED[i]);
        assertTrue(pt.nrTables() > 10, dumpTables());
        for (int i = 0; i < MAPPED.length; i++) unmap(MAPPED[i], pfns[i]);
        long pgd = pt.pgdPfn();
        pt.free();
        assertEquals(freeAtStart, allocator.nrFreePages(), "every page-table frame back to the allocator");
        assertEquals(0, pt.nrTables());
        assertFalse(allocator.frames().testPageFlag(pgd, PageFlag.PGTABLE));
        // A new address space gets zeroed tables even from reused frames.
        PageTable again = PageTable.pgdAlloc(mem, allocator);
        assertEquals(PageTable.NO_SLOT, again.pteSlot(MAPPED[0], false));
        long slot = again.pteSlot(MAPPED[3], true);
        assertEquals(0, again.get(slot));
    }
}
