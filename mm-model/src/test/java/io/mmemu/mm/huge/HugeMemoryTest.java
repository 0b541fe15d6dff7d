package io.mmemu.mm.huge;

import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Mprotect;
import io.mmemu.mm.vma.Mremap;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Anonymous transparent huge pages through the fault path as the CPU drives it (walk, fault,
 * walk again): do_huge_pmd_anonymous_page, zap_huge_pmd, the splits of partial munmap,
 * mprotect, MADV_DONTNEED and mremap, fork's copy_huge_pmd and the write fault after it. Each
 * step is checked against the machine-wide address-space invariants, and every test ends with
 * no frame leaked. A failing assertion prints the address spaces with their entries.
 */
class HugeMemoryTest extends HugeFixture {
    static final long PMD = PageTypes.PMD_SIZE;

    void mapHuge(MmStruct m, long addr, long len) {
        assertEquals(addr, m.mmapRegion(addr, len, RW, null, 0, null), m.maps());
        assertEquals(0, Madvise.doMadvise(m, addr, len, Madvise.MADV_HUGEPAGE, null));
    }

    long pmd(MmStruct m, long va) {
        return m.pgd().get(m.pgd().hugePmdSlot(va));
    }

    @Test
    void eightMibWithMadvHugepageTakesFourHugeFaults() {
        mapHuge(mm, BASE, 8 * PMD / 2 * 2);
        long faults = env.event(VmEvent.PGFAULT);
        for (long va = BASE; va < BASE + 4 * PMD; va += PageTypes.PAGE_SIZE) write(mm, va, va);
        assertEquals(4, env.event(VmEvent.THP_FAULT_ALLOC));
        assertEquals(4, env.event(VmEvent.PGFAULT) - faults, "one fault per huge page, none per 4 KiB page");
        assertEquals(4, env.thp().nrAnonThps());
        assertEquals(4 * HugeMemory.HPAGE_PMD_NR, mm.rss(RssStat.MM_ANONPAGES));
        for (long va = BASE; va < BASE + 4 * PMD; va += PMD) {
            long pmd = pmd(mm, va);
            assertEquals(Pte.P | Pte.RW | Pte.US | Pte.PS | Pte.A | Pte.D | Pte.NX, pmd & ~Pte.ADDR_MASK, Pte.describe(pmd));
            assertEquals(1, WalkResult.sizeCode(walkOf(mm, va)), "the walk ends at a 2 MiB leaf");
        }
        for (long va = BASE; va < BASE + 4 * PMD; va += PageTypes.PAGE_SIZE) assertEquals(va, read(mm, va));
        checkInvariants();
    }

    long walkOf(MmStruct m, long va) {
        touch(m, va, Access.READ);
        return cpu.lastWalk();
    }

    @Test
    void hugePageIsZeroedEvenWhenItsFramesWereUsedBefore() {
        mapHuge(mm, BASE, PMD);
        write(mm, BASE + 0x1234 * 8, 0xdeadL);
        assertEquals(0, mm.doMunmap(BASE, PMD));
        mapHuge(mm, BASE, PMD);
        write(mm, BASE, 1);
        for (long va = BASE + 8; va < BASE + PMD; va += 8 * 61) assertEquals(0, read(mm, va), "at 0x" + Long.toHexString(va));
        assertEquals(2, env.event(VmEvent.THP_FAULT_ALLOC));
        checkInvariants();
    }

    @Test
    void policyAndVmaFlagsDecideEligibility() {
        assertEquals(ThpPolicy.MADVISE, env.thp().enabled(), "madvise is the default");
        assertEquals(BASE, mm.mmapRegion(BASE, 2 * PMD, RW, null, 0, null));
        write(mm, BASE, 1);
        assertFalse(hugeAt(mm, BASE), "madvise policy without MADV_HUGEPAGE");
        env.thp().setEnabled(ThpPolicy.ALWAYS);
        write(mm, BASE + PMD, 1);
        assertTrue(hugeAt(mm, BASE + PMD), "always");
        assertEquals(0, mm.doMunmap(BASE, 2 * PMD));

        mapHuge(mm, BASE, PMD);
        assertEquals(0, Madvise.doMadvise(mm, BASE, PMD, Madvise.MADV_NOHUGEPAGE, null));
        write(mm, BASE, 1);
        assertFalse(hugeAt(mm, BASE), "VM_NOHUGEPAGE wins over always");
        assertEquals(0, mm.doMunmap(BASE, PMD));

        env.thp().setEnabled(ThpPolicy.NEVER);
        mapHuge(mm, BASE, PMD);
        write(mm, BASE, 1);
        assertFalse(hugeAt(mm, BASE), "never, even with MADV_HUGEPAGE");
        assertEquals(0, mm.doMunmap(BASE, PMD));

        env.thp().setEnabled(ThpPolicy.MADVISE);
        mm.setMmfDisableThp(true);
        mapHuge(mm, BASE, PMD);
        write(mm, BASE, 1);
        assertFalse(hugeAt(mm, BASE), "MMF_DISABLE_THP");
        assertEquals(0, mm.doMunmap(BASE, PMD));
        mm.setMmfDisableThp(false);

        // A VMA that covers no whole aligned 2 MiB: [BASE + 4K, BASE + 2M + 4K).
        mapHuge(mm, BASE + PageTypes.PAGE_SIZE, PMD);
        write(mm, BASE + PMD, 1);
        write(mm, BASE + PageTypes.PAGE_SIZE, 1);
        assertFalse(hugeAt(mm, BASE + PMD) || hugeAt(mm, BASE + PageTypes.PAGE_SIZE), "no aligned 2 MiB inside the VMA");
        assertEquals(0, env.event(VmEvent.THP_FAULT_ALLOC) - 1);
        checkInvariants();
    }

    @Test
    void parsePolicyAsSysfsSpellsIt() {
        assertEquals(ThpPolicy.ALWAYS, ThpPolicy.parse("always"));
        assertEquals("always [madvise] never\n", ThpPolicy.MADVISE.enabledShow());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThpPolicy.parse("sometimes"));
        assertEquals("THP policy must be always, madvise or never (got sometimes)", e.getMessage());
    }

    @Test
    void noFreeOrderNineBlockFallsBackToSmallPages() {
        List<Long> held = new ArrayList<>();
        for (long pfn; (pfn = env.allocator().allocPages(HugeMemory.HPAGE_PMD_ORDER)) != PageAllocator.NO_PAGE; ) held.add(pfn);
        for (int o = HugeMemory.HPAGE_PMD_ORDER + 1; o <= PageAllocator.MAX_ORDER; o++) assertEquals(0, env.allocator().nrFree(o));
        mapHuge(mm, BASE, PMD);
        write(mm, BASE, 7);
        assertFalse(hugeAt(mm, BASE));
        assertEquals(1, env.event(VmEvent.THP_FAULT_FALLBACK));
        assertEquals(0, env.event(VmEvent.THP_FAULT_ALLOC));
        assertEquals(7, read(mm, BASE));
        checkInvariantsWithout(held);
    }

    /** The invariants with frames the test itself holds given back first (they count as leaked otherwise). */
    void checkInvariantsWithout(List<Long> held) {
        for (long pfn : held) env.allocator().freePages(pfn, HugeMemory.HPAGE_PMD_ORDER);
        checkInvariants();
    }

    @Test
    void munmapOfTheWholeRangeZapsHugePmdsAndFreesTheirFrames() {
        mapHuge(mm, BASE, 2 * PMD);
        write(mm, BASE, 1);
        write(mm, BASE + PMD, 1);
        assertEquals(2, env.thp().nrAnonThps());
        assertEquals(0, mm.doMunmap(BASE, 2 * PMD));
        assertEquals(0, env.thp().nrAnonThps());
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(0, env.event(VmEvent.THP_SPLIT_PMD), "a whole PMD is zapped, not split");
        assertEquals(0, mm.pgd().nrDeposited());
        assertEquals(1, mm.pgd().nrTables(), "the PDPT and PD went with the range (free_pgtables)");
        checkInvariants();
    }

    @Test
    void partialMunmapSplitsThePmdAndKeepsTheRest() {
        mapHuge(mm, BASE, PMD);
        for (long va = BASE; va < BASE + PMD; va += PageTypes.PAGE_SIZE) write(mm, va, ~va);
        long head = Pte.pfn(pmd(mm, BASE));
        assertEquals(0, mm.doMunmap(BASE + 5 * PageTypes.PAGE_SIZE, PageTypes.PAGE_SIZE));
        assertEquals(1, env.event(VmEvent.THP_SPLIT_PMD));
        assertFalse(hugeAt(mm, BASE));
        assertEquals(0, env.thp().nrAnonThps());
        assertEquals(HugeMemory.HPAGE_PMD_NR - 1, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(0, env.frames().pageRefCount(head + 5), "the unmapped page is freed on its own");
        for (long va = BASE; va < BASE + PMD; va += PageTypes.PAGE_SIZE) {
            if (va == BASE + 5 * PageTypes.PAGE_SIZE) continue;
            assertEquals(~va, read(mm, va));
            assertEquals(head + ((va - BASE) >>> PageTypes.PAGE_SHIFT), Pte.pfn(mm.pgd().get(mm.pgd().leafSlot(va))),
                    "the split PTEs map the same frames");
        }
        checkInvariants();
    }

    @Test
    void mprotectOfPartSplitsAndOfTheWholeKeepsTheHugePmd() {
        mapHuge(mm, BASE, 2 * PMD);
        write(mm, BASE, 1);
        write(mm, BASE + PMD, 2);
        assertEquals(0, Mprotect.doMprotect(mm, BASE + PMD, PMD, VM_READ));
        assertTrue(hugeAt(mm, BASE + PMD), "an aligned whole PMD changes protection in place (change_huge_pmd)");
        assertEquals(0, pmd(mm, BASE + PMD) & Pte.RW);
        assertEquals(0, Mprotect.doMprotect(mm, BASE, PageTypes.PAGE_SIZE, VM_READ));
        assertFalse(hugeAt(mm, BASE), "a boundary inside the huge page splits it");
        assertEquals(1, env.event(VmEvent.THP_SPLIT_PMD));
        assertEquals(1, read(mm, BASE));
        assertEquals(2, read(mm, BASE + PMD));
        checkInvariants();
    }

    @Test
    void madvDontneedOfPartSplitsAndZeroesOnlyThatPart() {
        mapHuge(mm, BASE, PMD);
        write(mm, BASE, 1);
        write(mm, BASE + 3 * PageTypes.PAGE_SIZE, 3);
        assertEquals(0, Madvise.doMadvise(mm, BASE + 3 * PageTypes.PAGE_SIZE, PageTypes.PAGE_SIZE, Madvise.MADV_DONTNEED, null));
        assertFalse(hugeAt(mm, BASE));
        assertEquals(1, read(mm, BASE));
        assertEquals(0, read(mm, BASE + 3 * PageTypes.PAGE_SIZE));
        checkInvariants();
        assertEquals(0, Madvise.doMadvise(mm, BASE, PMD, Madvise.MADV_DONTNEED, null));
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
        checkInvariants();
    }

    @Test
    void mremapMovesTheContentsOfASplitHugePage() {
        mapHuge(mm, BASE, PMD);
        for (long va = BASE; va < BASE + PMD; va += PageTypes.PAGE_SIZE) write(mm, va, va);
        long dest = BASE + 8 * PMD;
        assertEquals(dest, Mremap.doMremap(mm, BASE, PMD, PMD, Mremap.MREMAP_MAYMOVE | Mremap.MREMAP_FIXED, dest));
        for (long va = 0; va < PMD; va += PageTypes.PAGE_SIZE) assertEquals(BASE + va, read(mm, dest + va));
        checkInvariants();
    }

    @Test
    void forkSharesTheHugePageWriteProtectedAndAWriteSplitsAndCopies() {
        mapHuge(mm, BASE, PMD);
        for (long va = BASE; va < BASE + PMD; va += PageTypes.PAGE_SIZE) write(mm, va, va);
        MmStruct child = mm.dupMmap();
        assertNotNull(child);
        live.add(child);
        assertTrue(hugeAt(child, BASE));
        assertEquals(Pte.pfn(pmd(mm, BASE)), Pte.pfn(pmd(child, BASE)));
        assertEquals(0, pmd(mm, BASE) & Pte.RW, "parent write-protected");
        assertEquals(0, pmd(child, BASE) & Pte.RW, "child write-protected");
        assertEquals(1, env.thp().nrAnonThps());
        assertEquals(2, env.thp().entireMapcount(Pte.pfn(pmd(mm, BASE))));
        checkInvariants();

        write(child, BASE + 8, 42);
        assertFalse(hugeAt(child, BASE), "a shared huge page is split, then copied 4 KiB at a time");
        assertTrue(hugeAt(mm, BASE), "the parent's PMD stays");
        assertEquals(1, env.event(VmEvent.THP_SPLIT_PMD));
        assertEquals(0, read(mm, BASE + 8), "the parent does not see the child's write");
        assertEquals(BASE, read(mm, BASE));
        assertEquals(42, read(child, BASE + 8));
        assertEquals(BASE + PageTypes.PAGE_SIZE, read(child, BASE + PageTypes.PAGE_SIZE), "other pages still shared");
        checkInvariants();

        // The child still maps 511 of the pages: the parent's write must split and copy as well.
        write(mm, BASE + 16, 43);
        assertFalse(hugeAt(mm, BASE));
        assertEquals(42, read(child, BASE + 8));
        assertEquals(0, read(mm, BASE + 8));
        assertEquals(43, read(mm, BASE + 16));
        assertEquals(0, read(child, BASE + 16));
        checkInvariants();
    }

    @Test
    void aWriteAfterTheChildExitedReusesTheHugePage() {
        mapHuge(mm, BASE, PMD);
        write(mm, BASE, 5);
        MmStruct child = mm.dupMmap();
        assertNotNull(child);
        long head = Pte.pfn(pmd(mm, BASE));
        child.exitMmap();
        assertEquals(1, env.thp().entireMapcount(head));
        long cows = env.event(VmEvent.COW_FAULT);
        write(mm, BASE + 8, 6);
        assertTrue(hugeAt(mm, BASE), "exclusive again: reused in place (do_huge_pmd_wp_page)");
        assertNotEquals(0, pmd(mm, BASE) & Pte.RW);
        assertEquals(head, Pte.pfn(pmd(mm, BASE)));
        assertEquals(cows, env.event(VmEvent.COW_FAULT));
        assertEquals(0, env.event(VmEvent.THP_SPLIT_PMD));
        checkInvariants();
    }

    @Test
    void aReadFaultMapsTheHugeZeroPageAndAWriteReplacesItWithAHugePage() {
        mapHuge(mm, BASE, 2 * PMD);
        assertEquals(0, read(mm, BASE + 0x1238));
        assertTrue(hugeAt(mm, BASE));
        long zero = env.thp().hugeZeroPfn();
        assertEquals(zero, Pte.pfn(pmd(mm, BASE)));
        assertEquals(0, pmd(mm, BASE) & Pte.RW, "read-only");
        assertEquals(0, read(mm, BASE + PMD));
        assertEquals(zero, Pte.pfn(pmd(mm, BASE + PMD)), "one huge zero page for every read fault");
        assertEquals(1, env.event(VmEvent.THP_ZERO_PAGE_ALLOC));
        assertEquals(0, env.event(VmEvent.THP_FAULT_ALLOC));
        assertEquals(0, env.thp().nrAnonThps(), "the huge zero page is no anonymous huge page");
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
        checkInvariants();

        write(mm, BASE + 3 * PageTypes.PAGE_SIZE, 9);
        assertTrue(hugeAt(mm, BASE), "a write replaces the huge zero page with a huge page (do_huge_zero_wp_pmd)");
        assertNotEquals(zero, Pte.pfn(pmd(mm, BASE)));
        assertNotEquals(0, pmd(mm, BASE) & Pte.RW);
        assertEquals(1, env.event(VmEvent.THP_FAULT_ALLOC));
        assertEquals(0, env.event(VmEvent.THP_SPLIT_PMD));
        assertEquals(HugeMemory.HPAGE_PMD_NR, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(1, env.thp().nrAnonThps());
        assertEquals(9, read(mm, BASE + 3 * PageTypes.PAGE_SIZE));
        assertEquals(0, read(mm, BASE + 4 * PageTypes.PAGE_SIZE));
        checkInvariants();

        MmStruct child = mm.dupMmap();
        assertNotNull(child);
        live.add(child);
        assertEquals(zero, Pte.pfn(pmd(child, BASE + PMD)), "fork shares the huge zero PMD");
        checkInvariants();
        assertEquals(0, child.doMunmap(BASE + PMD, PMD));
        checkInvariants();
    }

    @Test
    void aWriteToTheHugeZeroPageWithNoFreeHugePageSplitsItAndCopiesOnePage() {
        mapHuge(mm, BASE, PMD);
        assertEquals(0, read(mm, BASE));
        List<Long> held = new ArrayList<>();
        for (long pfn; (pfn = env.allocator().allocPages(HugeMemory.HPAGE_PMD_ORDER)) != PageAllocator.NO_PAGE; ) held.add(pfn);
        write(mm, BASE + 3 * PageTypes.PAGE_SIZE, 9);
        assertFalse(hugeAt(mm, BASE), "no huge page to replace it: split (do_huge_pmd_wp_page's fallback)");
        assertEquals(1, env.event(VmEvent.THP_FAULT_FALLBACK));
        assertEquals(1, env.event(VmEvent.THP_SPLIT_PMD));
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        long other = mm.pgd().get(mm.pgd().leafSlot(BASE));
        assertEquals(env.zeroPfn(), Pte.pfn(other), "the other pages map the 4 KiB zero page: " + Pte.describe(other));
        assertEquals(9, read(mm, BASE + 3 * PageTypes.PAGE_SIZE));
        assertEquals(0, read(mm, BASE + 4 * PageTypes.PAGE_SIZE));
        checkInvariantsWithout(held);
    }

    @Test
    void withoutUseZeroPageAReadFaultTakesAHugePage() {
        env.thp().setUseZeroPage(false);
        mapHuge(mm, BASE, PMD);
        assertEquals(0, read(mm, BASE));
        assertTrue(hugeAt(mm, BASE));
        assertEquals(1, env.event(VmEvent.THP_FAULT_ALLOC));
        assertEquals(-1, env.thp().hugeZeroPfn());
        assertEquals(Pte.RW | Pte.D, pmd(mm, BASE) & (Pte.RW | Pte.D), "writable and dirty at once (maybe_pmd_mkwrite(pmd_mkdirty()))");
        checkInvariants();
    }
}
