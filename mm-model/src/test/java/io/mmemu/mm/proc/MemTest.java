package io.mmemu.mm.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.AddressSpaceFixture;
import io.mmemu.mm.vma.Mmap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /proc/PID/mem's access_remote_vm() with FOLL_FORCE ({@link Mem}), against one address space. */
class MemTest extends AddressSpaceFixture {
    private long map(long len, int prot, int flags) {
        long a = Mmap.doMmap(mm, null, 0, len, prot, flags, 0, false);
        assertTrue(a > 0, "mmap: " + a);
        return a;
    }

    private long pte(long va) {
        long slot = mm.pgd().pteSlot(va, false);
        return slot == PageTable.NO_SLOT ? 0 : mm.pgd().get(slot);
    }

    @Test
    void readOfNeverTouchedPageMapsTheZeroPage() {
        long a = map(P, Mmap.PROT_READ, ANON);
        byte[] buf = new byte[16];
        buf[3] = 1;
        assertEquals(16, Mem.accessRemoteVm(mm, a, buf, 0, 16, false));
        assertEquals(0, buf[3]);
        assertEquals(env.zeroPfn(), Pte.pfn(pte(a)), String.format("pte %x", pte(a)));
    }

    @Test
    void forcedWriteToReadOnlyPrivateMappingBreaksCowAndStaysReadOnly() {
        long a = map(2 * P, Mmap.PROT_READ, ANON);
        Mem.accessRemoteVm(mm, a, new byte[1], 0, 1, false); // the zero page first
        byte[] data = {7, 8, 9};
        assertEquals(3, Mem.accessRemoteVm(mm, a + P - 1, data, 0, 3, true)); // across two pages, one never touched
        for (long va : new long[] {a, a + P}) {
            long e = pte(va);
            assertTrue(Pte.present(e), String.format("pte %x", e));
            assertNotEquals(env.zeroPfn(), Pte.pfn(e));
            assertEquals(0, e & Pte.RW, String.format("a forced write must not make the entry writable: %x", e));
            assertTrue(env.frames().testPageFlag(Pte.pfn(e), PageFlag.ANON));
        }
        byte[] back = new byte[3];
        assertEquals(3, Mem.accessRemoteVm(mm, a + P - 1, back, 0, 3, false));
        assertEquals(List.of((byte) 7, (byte) 8, (byte) 9), List.of(back[0], back[1], back[2]));
    }

    @Test
    void sharedReadOnlyMappingRefusesAWrite() {
        long a = map(P, Mmap.PROT_READ, Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS);
        assertEquals(0, Mem.accessRemoteVm(mm, a, new byte[1], 0, 1, true));
        assertEquals(1, Mem.accessRemoteVm(mm, a, new byte[1], 0, 1, false));
    }

    @Test
    void protNoneMemoryIsReadAndWrittenButStaysInaccessible() {
        long a = map(P, 0, ANON);
        assertEquals(1, Mem.accessRemoteVm(mm, a, new byte[] {5}, 0, 1, true));
        long e = pte(a);
        assertEquals(0, e & Pte.P, String.format("a PROT_NONE entry has no P: %x", e));
        assertTrue(Pte.mapsPage(e), String.format("but still maps its page: %x", e));
        byte[] back = new byte[1];
        assertEquals(1, Mem.accessRemoteVm(mm, a, back, 0, 1, false));
        assertEquals(5, back[0]);
    }

    @Test
    void transferStopsAtAHole() {
        long a = map(2 * P, Mmap.PROT_READ | Mmap.PROT_WRITE, ANON);
        assertEquals(0, mm.doMunmap(a + P, P));
        assertEquals((int) P, Mem.accessRemoteVm(mm, a, new byte[(int) (2 * P)], 0, (int) (2 * P), false));
        assertEquals(0, Mem.accessRemoteVm(mm, a + P, new byte[1], 0, 1, true));
    }
}
