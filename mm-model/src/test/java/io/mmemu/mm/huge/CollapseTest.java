package io.mmemu.mm.huge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MADV_COLLAPSE on anonymous memory (madvise_collapse()): a PTE-mapped 2 MiB range becomes one
 * PMD-mapped folio with the same contents, before and after fork; the ranges it refuses and the
 * errno each gives. Every test ends with the address-space invariants checked and no frame leaked.
 */
class CollapseTest extends HugeFixture {
    static final long PAGE = PageTypes.PAGE_SIZE;
    static final long PMD = PageTypes.PMD_SIZE;

    @AfterEach
    void invariantsHold() {
        checkInvariants();
    }

    long collapse(MmStruct m, long start, long len) {
        return Madvise.doMadvise(m, start, len, Madvise.MADV_COLLAPSE, null);
    }

    /** 2 MiB at BASE: every even 64 KiB written (value = address), one page of the odd ones read (zero page). */
    void populateSparsely() {
        assertEquals(BASE, mm.mmapRegion(BASE, PMD, RW, null, 0, null));
        for (long off = 0; off < PMD; off += 32 * PAGE) {
            for (long p = off; p < off + 16 * PAGE; p += PAGE) write(mm, BASE + p, BASE + p);
        }
        assertEquals(0, read(mm, BASE + 17 * PAGE));
    }

    void checkContents(MmStruct m) {
        for (long off = 0; off < PMD; off += PAGE) {
            long want = (off / (16 * PAGE)) % 2 == 0 ? BASE + off : 0;
            assertEquals(want, read(m, BASE + off), "at +0x" + Long.toHexString(off));
        }
    }

    @Test
    void ptesBecomeOnePmdWithTheSameContents() {
        populateSparsely();
        long rss = mm.rss(RssStat.MM_ANONPAGES);
        assertEquals(PMD / PAGE / 2, rss);
        assertEquals(0, collapse(mm, BASE, PMD));
        assertTrue(hugeAt(mm, BASE));
        assertEquals(1, env.event(VmEvent.THP_COLLAPSE_ALLOC));
        assertEquals(HugeMemory.HPAGE_PMD_NR, mm.rss(RssStat.MM_ANONPAGES), "the none and zero PTEs count now");
        assertEquals(1, mm.pgd().nrDeposited(), "the emptied table is deposited beside the PMD");
        long pmd = mm.pgd().get(mm.pgd().hugePmdSlot(BASE));
        assertEquals(Pte.RW | Pte.D, pmd & (Pte.RW | Pte.D), Pte.describe(pmd));
        checkContents(mm);
        assertEquals(0, collapse(mm, BASE, PMD), "already PMD-mapped: success");
        assertEquals(1, env.event(VmEvent.THP_COLLAPSE_ALLOC));
    }

    @Test
    void collapseAfterForkLeavesTheChildItsPages() {
        populateSparsely();
        MmStruct child = mm.dupMmap();
        live.add(child);
        assertEquals(0, collapse(mm, BASE, PMD), "read-only (COW-shared) PTEs collapse too, as on Linux 6.18");
        assertTrue(hugeAt(mm, BASE));
        for (long off = 0; off < PMD; off += PAGE) write(mm, BASE + off, -1);
        checkContents(child);
        assertEquals(-1, read(mm, BASE + 5 * PAGE));
    }

    @Test
    void refusedRanges() {
        assertEquals(BASE, mm.mmapRegion(BASE, 2 * PMD, RW, null, 0, null));
        assertEquals(-Errno.EINVAL, collapse(mm, BASE, PMD), "no page table yet (SCAN_PMD_NULL)");
        write(mm, BASE, 1);
        assertEquals(0, collapse(mm, BASE, PMD / 2), "no whole 2 MiB in the range: nothing to do");
        assertEquals(-Errno.EINVAL, collapse(mm, BASE, 2 * PMD), "one range collapses, the other has no table");
        assertTrue(hugeAt(mm, BASE));
        assertEquals(0, Madvise.doMadvise(mm, BASE + PMD, PMD, Madvise.MADV_NOHUGEPAGE, null));
        write(mm, BASE + PMD, 1);
        assertEquals(-Errno.EINVAL, collapse(mm, BASE + PMD, PMD), "VM_NOHUGEPAGE");
    }

    @Test
    void aPageWithMoreReferencesThanMappingsIsEagain() {
        assertEquals(BASE, mm.mmapRegion(BASE, PMD, RW, null, 0, null));
        write(mm, BASE + 7 * PAGE, 7);
        long pfn = Pte.pfn(mm.pgd().get(mm.pgd().pteSlot(BASE + 7 * PAGE, false)));
        env.frames().getPage(pfn); // a pin, as GUP takes one
        assertEquals(-Errno.EAGAIN, collapse(mm, BASE, PMD));
        assertEquals(7, read(mm, BASE + 7 * PAGE));
        env.putPage(pfn);
        assertEquals(0, collapse(mm, BASE, PMD));
        assertEquals(7, read(mm, BASE + 7 * PAGE));
    }

    @Test
    void noFreeHugePageIsEnomem() {
        assertEquals(BASE, mm.mmapRegion(BASE, PMD, RW, null, 0, null));
        write(mm, BASE, 3);
        List<long[]> held = new ArrayList<>();
        for (int order = PageAllocator.MAX_ORDER; order >= HugeMemory.HPAGE_PMD_ORDER; order--) {
            for (long pfn; (pfn = env.allocator().allocPages(order)) != PageAllocator.NO_PAGE; ) held.add(new long[] {pfn, order});
        }
        assertEquals(-Errno.ENOMEM, collapse(mm, BASE, PMD));
        assertEquals(1, env.event(VmEvent.THP_COLLAPSE_ALLOC_FAILED));
        assertNotEquals(true, hugeAt(mm, BASE));
        assertEquals(3, read(mm, BASE));
        for (long[] h : held) env.allocator().freePages(h[0], (int) h[1]);
    }
}
