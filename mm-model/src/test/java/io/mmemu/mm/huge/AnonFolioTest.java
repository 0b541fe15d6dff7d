package io.mmemu.mm.huge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Mprotect;
import io.mmemu.mm.vma.RssStat;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Multi-size THP at fault time (alloc_anon_folio() in do_anonymous_page()): which folio order a
 * write fault takes for each combination of the per-size settings, the global policy and the
 * VMA's advice; the fallbacks (a non-none PTE in the range, a VMA too small, no free block); and
 * what fork, COW, partial munmap and mprotect then do with the folio's pages. Every test ends
 * with the address-space invariants checked and no frame leaked.
 */
class AnonFolioTest extends HugeFixture {
    static final long PAGE = PageTypes.PAGE_SIZE;

    @AfterEach
    void invariantsHold() {
        checkInvariants();
    }

    /** The PTE mapping {@code va}, or 0. */
    long pte(MmStruct m, long va) {
        long slot = m.pgd().pteSlot(va, false);
        return slot == PageTable.NO_SLOT ? 0 : m.pgd().get(slot);
    }

    /** One character per page of [start, start + n pages): '#' mapped by a PTE, '.' not. */
    String present(MmStruct m, long start, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(Pte.mapsPage(pte(m, start + i * PAGE)) ? '#' : '.');
        return sb.toString();
    }

    static Stream<Arguments> orderChoices() {
        // per-size settings (order=policy), global policy, MADV_HUGEPAGE, expected pages mapped by a write at page 5
        return Stream.of(
                Arguments.of("boot settings (2 MiB inherits madvise), no advice", "", ThpPolicy.MADVISE, false, 1),
                Arguments.of("64 KiB always", "4=ALWAYS", ThpPolicy.MADVISE, false, 16),
                Arguments.of("64 KiB madvise, no advice", "4=MADVISE", ThpPolicy.MADVISE, false, 1),
                Arguments.of("64 KiB madvise, MADV_HUGEPAGE", "4=MADVISE", ThpPolicy.MADVISE, true, 16),
                Arguments.of("64 KiB inherit, global always", "4=INHERIT", ThpPolicy.ALWAYS, false, 16),
                Arguments.of("64 KiB inherit, global madvise, no advice", "4=INHERIT", ThpPolicy.MADVISE, false, 1),
                Arguments.of("64 KiB inherit, global madvise, MADV_HUGEPAGE", "4=INHERIT", ThpPolicy.MADVISE, true, 16),
                Arguments.of("64 KiB inherit, global never, MADV_HUGEPAGE", "4=INHERIT", ThpPolicy.NEVER, true, 1),
                Arguments.of("16 and 256 KiB always: the highest", "2=ALWAYS,6=ALWAYS", ThpPolicy.MADVISE, false, 64),
                Arguments.of("16 KiB always", "2=ALWAYS", ThpPolicy.MADVISE, false, 4),
                Arguments.of("1 MiB always (order 8)", "8=ALWAYS", ThpPolicy.MADVISE, false, 256));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orderChoices")
    void writeFaultTakesTheHighestAllowedOrder(String what, String settings, ThpPolicy global, boolean madvHugepage, int pages) {
        env.thp().setAnonOrderPolicy(HugeMemory.HPAGE_PMD_ORDER, MthpPolicy.NEVER); // PTE-mapped folios only
        for (String s : settings.isEmpty() ? new String[0] : settings.split(",")) {
            String[] kv = s.split("=");
            env.thp().setAnonOrderPolicy(Integer.parseInt(kv[0]), MthpPolicy.valueOf(kv[1]));
        }
        env.thp().setEnabled(global);
        assertEquals(BASE, mm.mmapRegion(BASE, 2 * HugeMemory.HPAGE_PMD_NR * PAGE, RW, null, 0, null));
        if (madvHugepage) assertEquals(0, Madvise.doMadvise(mm, BASE, 2 * HugeMemory.HPAGE_PMD_NR * PAGE, Madvise.MADV_HUGEPAGE, null));
        long rss = mm.rss(RssStat.MM_ANONPAGES);
        write(mm, BASE + 5 * PAGE, 42);
        int first = 5 / pages * pages; // the naturally aligned range around page 5
        String expected = ".".repeat(first) + "#".repeat(pages) + ".".repeat(256 - first - pages);
        assertEquals(expected, present(mm, BASE, 256), what);
        assertEquals(pages, mm.rss(RssStat.MM_ANONPAGES) - rss, "MM_ANONPAGES counts every page of the folio");
        long head = Pte.pfn(pte(mm, BASE + first * PAGE));
        for (int i = 0; i < pages && pages > 1; i++) {
            long e = pte(mm, BASE + (first + i) * PAGE);
            assertEquals(head + i, Pte.pfn(e), "one naturally aligned block, in order");
            assertEquals(Pte.RW | Pte.D, e & (Pte.RW | Pte.D), "writable and dirty: " + Pte.describe(e));
            assertTrue(env.frames().testPageFlag(head + i, io.mmemu.mm.page.PageFlag.ANON_EXCLUSIVE));
        }
        if (pages > 1) {
            assertEquals(0, head % pages, "the folio is aligned to its size");
            assertEquals(1, env.thp().mthpStat(Integer.numberOfTrailingZeros(pages), MthpStat.ANON_FAULT_ALLOC));
        }
        assertEquals(42, read(mm, BASE + 5 * PAGE));
        assertEquals(0, read(mm, BASE + 6 * PAGE), "the rest of the folio reads as zero");
    }

    @Test
    void aPopulatedPteInTheRangeSendsTheFaultToALowerOrder() {
        env.thp().setAnonOrderPolicy(HugeMemory.HPAGE_PMD_ORDER, MthpPolicy.NEVER);
        env.thp().setAnonOrderPolicy(2, MthpPolicy.ALWAYS);
        env.thp().setAnonOrderPolicy(4, MthpPolicy.ALWAYS);
        assertEquals(BASE, mm.mmapRegion(BASE, 64 * PAGE, RW, null, 0, null));
        assertEquals(0, read(mm, BASE + 9 * PAGE), "a read maps the zero page, a single PTE");
        write(mm, BASE + 2 * PAGE, 1);
        assertEquals("####.....#......", present(mm, BASE, 16), "64 KiB is not none, 16 KiB is");
        assertEquals(0, read(mm, BASE + 24 * PAGE));
        env.thp().setAnonOrderPolicy(2, MthpPolicy.NEVER);
        write(mm, BASE + 17 * PAGE, 1);
        assertEquals(".#......#.......", present(mm, BASE + 16 * PAGE, 16), "only 64 KiB allowed: a single page");
    }

    @Test
    void aVmaTooSmallOrMisalignedForTheFolioGetsASmallerOne() {
        env.thp().setAnonOrderPolicy(HugeMemory.HPAGE_PMD_ORDER, MthpPolicy.NEVER);
        env.thp().setAnonOrderPolicy(2, MthpPolicy.ALWAYS);
        env.thp().setAnonOrderPolicy(4, MthpPolicy.ALWAYS);
        assertEquals(BASE, mm.mmapRegion(BASE, 12 * PAGE, RW, null, 0, null));
        write(mm, BASE + 9 * PAGE, 1);
        assertEquals("........####", present(mm, BASE, 12), "the 64 KiB around it passes the VMA's end");
        assertEquals(BASE + 32 * PAGE, mm.mmapRegion(BASE + 32 * PAGE, 2 * PAGE, RW, null, 0, null));
        write(mm, BASE + 32 * PAGE, 1);
        assertEquals("#.", present(mm, BASE + 32 * PAGE, 2), "not even 16 KiB fits");
    }

    @Test
    void vmaAndMmFlagsForbidLargeFolios() {
        env.thp().setAnonOrderPolicy(4, MthpPolicy.ALWAYS);
        assertEquals(BASE, mm.mmapRegion(BASE, 64 * PAGE, RW, null, 0, null));
        assertEquals(0, Madvise.doMadvise(mm, BASE, 16 * PAGE, Madvise.MADV_NOHUGEPAGE, null));
        write(mm, BASE, 1);
        assertEquals("#...............", present(mm, BASE, 16), "VM_NOHUGEPAGE");
        mm.setMmfDisableThp(true);
        write(mm, BASE + 16 * PAGE, 1);
        assertEquals("#...............", present(mm, BASE + 16 * PAGE, 16), "MMF_DISABLE_THP");
        mm.setMmfDisableThp(false);
        write(mm, BASE + 32 * PAGE, 1);
        assertEquals("################", present(mm, BASE + 32 * PAGE, 16));
    }

    @Test
    void noFreeBlockOfTheOrderTriesTheNextOneThenASinglePage() {
        env.thp().setAnonOrderPolicy(HugeMemory.HPAGE_PMD_ORDER, MthpPolicy.NEVER);
        env.thp().setAnonOrderPolicy(2, MthpPolicy.ALWAYS);
        env.thp().setAnonOrderPolicy(4, MthpPolicy.ALWAYS);
        List<long[]> held = new ArrayList<>();
        for (int order = PageAllocator.MAX_ORDER; order >= 4; order--) {
            for (long pfn; (pfn = env.allocator().allocPages(order)) != PageAllocator.NO_PAGE; ) held.add(new long[] {pfn, order});
        }
        assertEquals(BASE, mm.mmapRegion(BASE, 64 * PAGE, RW, null, 0, null));
        write(mm, BASE, 1);
        assertEquals("####............", present(mm, BASE, 16));
        assertEquals(1, env.thp().mthpStat(4, MthpStat.ANON_FAULT_FALLBACK));
        assertEquals(1, env.thp().mthpStat(2, MthpStat.ANON_FAULT_ALLOC));
        for (long pfn; (pfn = env.allocator().allocPages(2)) != PageAllocator.NO_PAGE; ) held.add(new long[] {pfn, 2});
        write(mm, BASE + 16 * PAGE, 1);
        assertEquals("#...............", present(mm, BASE + 16 * PAGE, 16), "no order 4 nor 2: one page");
        for (long[] h : held) env.allocator().freePages(h[0], (int) h[1]);
    }

    @Test
    void forkThenCowCopiesOnePageOfTheFolio() {
        env.thp().setAnonOrderPolicy(4, MthpPolicy.ALWAYS);
        assertEquals(BASE, mm.mmapRegion(BASE, 16 * PAGE, RW, null, 0, null));
        for (int i = 0; i < 16; i++) write(mm, BASE + i * PAGE, i);
        long head = Pte.pfn(pte(mm, BASE));
        MmStruct child = mm.dupMmap();
        live.add(child);
        write(child, BASE + 3 * PAGE, 100);
        assertEquals(3, read(mm, BASE + 3 * PAGE), "the parent keeps its page");
        assertEquals(100, read(child, BASE + 3 * PAGE));
        for (int i = 0; i < 16; i++) {
            if (i == 3) continue;
            assertEquals(head + i, Pte.pfn(pte(child, BASE + i * PAGE)), "the other pages stay shared");
            assertEquals(2, env.frames().pageMapcount(head + i));
        }
        assertEquals(1, env.frames().pageMapcount(head + 3), "the child's copy left the parent alone on page 3");
        write(mm, BASE + 3 * PAGE, 33);
        assertEquals(head + 3, Pte.pfn(pte(mm, BASE + 3 * PAGE)), "no one else maps it: reused in place");
        write(mm, BASE + 4 * PAGE, 44);
        assertEquals(4, read(child, BASE + 4 * PAGE));
    }

    @Test
    void partOfAFolioCanBeUnmappedOrProtectedPageByPage() {
        env.thp().setAnonOrderPolicy(4, MthpPolicy.ALWAYS);
        assertEquals(BASE, mm.mmapRegion(BASE, 16 * PAGE, RW, null, 0, null));
        for (int i = 0; i < 16; i++) write(mm, BASE + i * PAGE, i);
        assertEquals(0, mm.doMunmap(BASE + 4 * PAGE, 4 * PAGE));
        assertEquals(0, Mprotect.doMprotect(mm, BASE + 12 * PAGE, PAGE, 1 /* PROT_READ */));
        assertEquals(12, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(0, mm.env().frames().pageRefCount(Pte.pfn(pte(mm, BASE)) + 5), "the unmapped pages are free");
        assertEquals(13, read(mm, BASE + 13 * PAGE));
        assertEquals(12, read(mm, BASE + 12 * PAGE));
    }
}
