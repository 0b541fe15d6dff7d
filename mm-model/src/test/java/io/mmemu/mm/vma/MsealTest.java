package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** mm/mseal.c over one address space: sealing splits and merges, and every call that would change a sealed VMA refuses. */
class MsealTest extends AddressSpaceFixture {
    long a;

    @BeforeEach
    void mapEightPages() {
        a = Mmap.doMmap(mm, null, 0, 8 * P, 3, ANON, 0, false);
        assertTrue(a > 0);
    }

    @Test
    void sealingTheMiddleSplitsAndAdjacentSealsMerge() {
        assertEquals(0, Mseal.doMseal(mm, a + 2 * P, 2 * P, 0));
        assertEquals(3, mm.mapCount(), mm.maps());
        assertEquals(0, Mseal.doMseal(mm, a + 4 * P, P, 0));
        assertEquals(3, mm.mapCount(), "the new seal merges with the old: " + mm.maps());
        assertTrue(mm.vmaLookup(a + 4 * P).sealed() && !mm.vmaLookup(a + 5 * P).sealed());
    }

    @Test
    void aHoleSealsNothing() {
        assertEquals(0, mm.doMunmap(a + 6 * P, P));
        assertEquals(-Errno.ENOMEM, Mseal.doMseal(mm, a, 8 * P, 0));
        for (Vma v : mm.vmas()) assertTrue(!v.sealed(), mm.maps());
        assertEquals(-Errno.EINVAL, Mseal.doMseal(mm, a, P, 1));
        assertEquals(-Errno.EINVAL, Mseal.doMseal(mm, a + 1, P, 0));
        assertEquals(0, Mseal.doMseal(mm, a, 0, 0));
    }

    @Test
    void aSealedVmaRefusesEveryChange() {
        assertEquals(0, Mseal.doMseal(mm, a + P, P, 0));
        int before = mm.mapCount();
        assertEquals(-Errno.EPERM, mm.doMunmap(a, 3 * P));
        assertEquals(-Errno.EPERM, Mprotect.doMprotect(mm, a + P, P, 1));
        assertEquals(-Errno.EPERM, Mremap.doMremap(mm, a + P, P, 2 * P, Mremap.MREMAP_MAYMOVE, 0));
        assertEquals(-Errno.EPERM, Mmap.doMmap(mm, null, a + P, P, 1, ANON | Mmap.MAP_FIXED, 0, false));
        assertEquals(0, Madvise.doMadvise(mm, a + P, P, Madvise.MADV_DONTNEED, (m, addr, w) -> true), "writable: allowed");
        assertEquals(before, mm.mapCount(), mm.maps());
        MmStruct child = mm.dupMmap();
        assertTrue(child.vmaLookup(a + P).sealed());
        assertEquals(-Errno.EPERM, child.doMunmap(a + P, P));
        child.exitMmap();
    }

    @Test
    void discardingAdviceIsRefusedOnReadOnlyAnonymousMemoryOnly() {
        long r = Mmap.doMmap(mm, null, 0, 2 * P, 1, ANON, 0, false);
        assertEquals(0, Mseal.doMseal(mm, r, 2 * P, 0));
        assertEquals(-Errno.EPERM, Madvise.doMadvise(mm, r, P, Madvise.MADV_DONTNEED, (m, addr, w) -> true));
        assertEquals(-Errno.EPERM, Madvise.doMadvise(mm, r, P, Madvise.MADV_FREE, (m, addr, w) -> true));
        assertEquals(0, Madvise.doMadvise(mm, r, P, Madvise.MADV_RANDOM, (m, addr, w) -> true));
    }
}
