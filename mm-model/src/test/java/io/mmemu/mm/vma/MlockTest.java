package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.uaccess.UserAccess;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mm/mlock.c over one address space: VM_LOCKED and VM_LOCKONFAULT split and merge VMAs, locked_vm
 * follows every change of a locked VMA (mlock, munlock, munmap, mremap, fork, brk under
 * mlockall(MCL_FUTURE)), population happens unless on fault, and the limit's errors. Every test
 * ends with the address-space invariants ({@link AddressSpaceFixture}), which include locked_vm's.
 */
class MlockTest extends AddressSpaceFixture {
    static final int RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE
            | VmFlags.VM_MAYEXEC;
    UserAccess uaccess;
    Mlock.Populate populate;
    long a;

    @BeforeEach
    void setUp() {
        uaccess = new UserAccess(env);
        populate = uaccess::mmPopulate;
        a = map(8);
    }

    long map(int pages) {
        long r = Mmap.doMmap(mm, null, 0, pages * P, 3, ANON, 0, false);
        assertTrue(r > 0, "mmap: " + r);
        return r;
    }

    long mlock(long start, long len, int flags) {
        return Mlock.sysMlock2(mm, start, len, flags, 16 * P, false, populate);
    }

    int vmasIn(long start, long len) {
        int n = 0;
        for (Vma v : mm.vmas()) if (v.end() > start && v.start() < start + len) n++;
        return n;
    }

    boolean resident(long addr) {
        return mm.pgd().pteSlot(addr, false) != io.mmemu.mm.pgtable.PageTable.NO_SLOT
                && io.mmemu.mm.pgtable.Pte.present(mm.pgd().get(mm.pgd().pteSlot(addr, false)));
    }

    @Test
    void lockingTheMiddleSplitsInThreeAndUnlockingMergesBack() {
        assertEquals(0, mlock(a + 2 * P, 3 * P, 0));
        assertEquals(3, vmasIn(a, 8 * P), mm.maps());
        assertEquals(3, mm.lockedVm);
        assertTrue(resident(a + 2 * P) && resident(a + 4 * P) && !resident(a + 5 * P) && !resident(a + P));
        assertEquals(0, Mlock.sysMunlock(mm, a, 8 * P));
        assertEquals(1, vmasIn(a, 8 * P), mm.maps());
        assertEquals(0, mm.lockedVm);
    }

    @Test
    void onFaultLocksWithoutPopulatingAndRelockingCountsOnce() {
        assertEquals(0, mlock(a, 4 * P, Mlock.MLOCK_ONFAULT));
        assertTrue(!resident(a));
        assertEquals(4, mm.lockedVm);
        assertEquals(0, mlock(a, 4 * P, 0)); // VM_LOCKONFAULT to VM_LOCKED: populated, not counted again
        assertTrue(resident(a) && resident(a + 3 * P));
        assertEquals(4, mm.lockedVm);
        assertEquals(2, vmasIn(a, 8 * P), mm.maps());
    }

    @Test
    void theLimitCountsPagesAlreadyLockedOnce() {
        long b = map(12);
        assertEquals(0, mlock(a, 8 * P, 0));
        assertEquals(-Errno.ENOMEM, mlock(b, 10 * P, 0));
        assertEquals(0, mlock(a, 8 * P, 0));
        assertEquals(0, mlock(b, 8 * P, 0));
        assertEquals(16, mm.lockedVm);
        assertEquals(-Errno.EPERM, Mlock.sysMlock2(mm, a, P, 0, 0, false, populate));
        assertEquals(0, Mlock.sysMlock2(mm, a, P, 0, 0, true, populate), "CAP_IPC_LOCK exempts");
    }

    @Test
    void aHoleIsEnomemAfterTheVmasBeforeItAreLocked() {
        assertEquals(0, mm.doMunmap(a + 3 * P, P));
        assertEquals(-Errno.ENOMEM, mlock(a, 6 * P, 0));
        assertEquals(3, mm.lockedVm);
        assertEquals(-Errno.ENOMEM, Mlock.sysMunlock(mm, a + 3 * P, P));
        assertEquals(-Errno.EINVAL, Mlock.sysMunlock(mm, a, -P));
    }

    @Test
    void munmapMremapAndForkKeepLockedVm() {
        assertEquals(0, mlock(a, 4 * P, 0));
        assertEquals(0, mm.doMunmap(a + 3 * P, 2 * P));
        assertEquals(3, mm.lockedVm);
        long moved = Mremap.doMremap(mm, a, 3 * P, 5 * P, Mremap.MREMAP_MAYMOVE, 0);
        assertTrue(moved > 0, "mremap: " + moved);
        assertEquals(5, mm.lockedVm, mm.maps());
        mm.mlockLimit = 6 * P;
        assertEquals(-Errno.EAGAIN, Mremap.doMremap(mm, moved, 5 * P, 7 * P, Mremap.MREMAP_MAYMOVE, 0));
        MmStruct child = mm.dupMmap();
        assertEquals(0, child.lockedVm);
        for (Vma v : child.vmas()) assertTrue(!v.has(VmFlags.VM_LOCKED_MASK), child.maps());
        assertEquals(List.of(), AddressSpaceInvariants.check(env, child));
        child.exitMmap();
    }

    @Test
    void mlockallFutureLocksNewMappingsAndMunlockallUndoesIt() {
        assertEquals(0, Mlock.sysMlockall(mm, Mlock.MCL_FUTURE, 64 * P, false, populate));
        long b = map(2);
        assertEquals(2, mm.lockedVm);
        assertTrue(mm.vmaLookup(b).has(VmFlags.VM_LOCKED));
        mm.mlockLimit = 64 * P;
        assertEquals(-Errno.EAGAIN, Mmap.doMmap(mm, null, 0, 63 * P, 3, ANON, 0, false));
        assertEquals(0, Mlock.sysMunlockall(mm));
        assertEquals(0, mm.lockedVm);
        assertEquals(0, mm.defFlags);
        assertEquals(-Errno.ENOMEM, Mlock.sysMlockall(mm, Mlock.MCL_CURRENT, 4 * P, false, populate));
        assertEquals(0, Mlock.sysMlockall(mm, Mlock.MCL_CURRENT | Mlock.MCL_ONFAULT, 64 * P, false, populate));
        assertEquals(10, mm.lockedVm);
        assertTrue(!resident(a));
        assertEquals(-Errno.EINVAL, Mlock.sysMlockall(mm, Mlock.MCL_ONFAULT, 64 * P, false, populate));
        assertEquals(0, Mlock.sysMunlockall(mm));
    }
}
