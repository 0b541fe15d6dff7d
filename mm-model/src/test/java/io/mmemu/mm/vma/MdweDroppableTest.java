package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** map_deny_write_exec() (PR_SET_MDWE) in mmap and mprotect, and MAP_DROPPABLE's VMAs, over one address space. */
class MdweDroppableTest extends AddressSpaceFixture {
    static final int DROPPABLE = Mmap.MAP_DROPPABLE | Mmap.MAP_ANONYMOUS;
    static final int R = 1, W = 2, X = 4;

    long map(int pages, int prot, int flags) {
        return Mmap.doMmap(mm, null, 0, pages * P, prot, flags, 0, false);
    }

    @Test
    void mdweRefusesWriteExecAndExecGainButNotExecLoss() {
        mm.mdwe = Mdwe.PR_MDWE_REFUSE_EXEC_GAIN;
        assertEquals(-Errno.EACCES, map(1, R | W | X, ANON));
        long x = map(1, R | X, ANON);
        assertTrue(x > 0);
        assertEquals(0, Mprotect.doMprotect(mm, x, P, R));
        assertEquals(-Errno.EACCES, Mprotect.doMprotect(mm, x, P, R | X), "exec regained");
        // Page 0 executable, page 1 not: the VMA before the refused one changes, as on Linux.
        mm.mdwe = 0;
        long w = map(2, R, ANON);
        assertEquals(0, Mprotect.doMprotect(mm, w, P, R | X));
        mm.mdwe = Mdwe.PR_MDWE_REFUSE_EXEC_GAIN;
        assertEquals(-Errno.EACCES, Mprotect.doMprotect(mm, w, 2 * P, X));
        assertEquals(VmFlags.VM_EXEC, mm.vmaLookup(w).flags() & VmFlags.VM_ACCESS_FLAGS, mm.maps());
        assertEquals(VmFlags.VM_READ, mm.vmaLookup(w + P).flags() & VmFlags.VM_ACCESS_FLAGS, mm.maps());
    }

    @Test
    void mdweIsInheritedByForkUnlessNoInherit() {
        mm.mdwe = Mdwe.PR_MDWE_REFUSE_EXEC_GAIN;
        MmStruct child = mm.dupMmap();
        assertEquals(Mdwe.PR_MDWE_REFUSE_EXEC_GAIN, child.mdwe);
        child.exitMmap();
        mm.mdwe = Mdwe.PR_MDWE_REFUSE_EXEC_GAIN | Mdwe.PR_MDWE_NO_INHERIT;
        child = mm.dupMmap();
        assertEquals(0, child.mdwe);
        child.exitMmap();
        mm.mdwe = 0;
        assertTrue(map(1, R | W | X, ANON) > 0, "without MDWE anything goes");
    }

    @Test
    void droppableIsAnonymousUnaccountedWipedOnForkAndMergesOnlyWithDroppable() {
        long d = map(2, R | W, DROPPABLE);
        assertTrue(d > 0);
        Vma v = mm.vmaLookup(d);
        assertTrue(v.droppable() && v.isAnonymous());
        assertTrue(v.has(VmFlags.VM_NORESERVE | VmFlags.VM_WIPEONFORK | VmFlags.VM_DONTDUMP));
        assertFalse(v.has(VmFlags.VM_ACCOUNT), "droppable memory is not charged");
        // A private neighbour does not merge with it; a droppable one does.
        assertTrue(Mmap.doMmap(mm, null, d + 2 * P, P, R | W, ANON | Mmap.MAP_FIXED, 0, false) > 0);
        assertEquals(2, mm.mapCount(), mm.maps());
        assertTrue(Mmap.doMmap(mm, null, d - P, P, R | W, DROPPABLE | Mmap.MAP_FIXED, 0, false) > 0);
        assertEquals(2, mm.mapCount(), mm.maps());
        // Splitting keeps the flag on both sides.
        assertEquals(0, Mprotect.doMprotect(mm, d, P, R));
        assertTrue(mm.vmaLookup(d).droppable() && mm.vmaLookup(d + P).droppable());
        MmStruct child = mm.dupMmap();
        assertTrue(child.vmaLookup(d).droppable());
        child.exitMmap();
        assertEquals(-Errno.EINVAL, map(1, R | W, DROPPABLE | Mmap.MAP_LOCKED));
        assertEquals(-Errno.EINVAL, map(1, R | W, DROPPABLE | Mmap.MAP_GROWSDOWN));
    }
}
