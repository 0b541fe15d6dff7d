package io.mmemu.mm.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.AddressSpaceFixture;
import io.mmemu.mm.vma.Mmap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * clear_refs_write()'s walk ({@link ClearRefs}): which Accessed bits each type clears, over a
 * private anonymous page, a shared anonymous (shmem, file-backed) page and the zero page, each
 * with its Accessed bit set as a CPU's access would.
 */
class ClearRefsTest extends AddressSpaceFixture {
    long anon, shmem, zero;

    @BeforeEach
    void mapThreeKindsOfPage() {
        anon = map(Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        shmem = map(Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS);
        zero = map(Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
        assertEquals(1, Mem.accessRemoteVm(mm, anon, new byte[] {1}, 0, 1, true));
        assertEquals(1, Mem.accessRemoteVm(mm, shmem, new byte[] {1}, 0, 1, true));
        assertEquals(1, Mem.accessRemoteVm(mm, zero, new byte[1], 0, 1, false));
        for (long va : new long[] {anon, shmem, zero}) mm.pgd().set(slot(va), mm.pgd().get(slot(va)) | Pte.A);
    }

    private long map(int flags) {
        long a = Mmap.doMmap(mm, null, 0, P, Mmap.PROT_READ | Mmap.PROT_WRITE, flags, 0, false);
        assertTrue(a > 0, "mmap: " + a);
        return a;
    }

    private long slot(long va) {
        long s = mm.pgd().pteSlot(va, false);
        assertTrue(s != PageTable.NO_SLOT);
        return s;
    }

    private boolean young(long va) {
        return (mm.pgd().get(slot(va)) & Pte.A) != 0;
    }

    @ParameterizedTest(name = "type {0}: anon young {1}, shmem young {2}")
    @CsvSource({"1, false, false", "2, false, true", "3, true, false", "4, true, true", "5, true, true"})
    void typeClearsTheAccessedBitsOfItsPages(int type, boolean anonYoung, boolean shmemYoung) {
        ClearRefs.clearRefs(mm, type);
        assertEquals(anonYoung, young(anon), "private anonymous page");
        assertEquals(shmemYoung, young(shmem), "shared anonymous (shmem) page");
        assertTrue(young(zero), "the zero page is no normal page: vm_normal_page() skips it");
    }
}
