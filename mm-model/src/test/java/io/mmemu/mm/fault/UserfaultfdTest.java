package io.mmemu.mm.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.AddressSpaceFixture;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Mmap;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Userfaultfd;
import io.mmemu.mm.vma.UserfaultfdCtx;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memory model's half of userfaultfd: registration splits and merges VMAs by context,
 * a missing fault of a registered VMA comes back as a {@link FaultResult.Userfault} (or SIGBUS)
 * without touching the page tables, mfill_atomic() places pages (dirty, read-only in a read-only
 * VMA) and refuses occupied ones, the wait queues wake by range, and fork and the release drop the
 * registration. Every test ends with the address-space invariants, which include "VM_UFFD_* flags
 * exactly when a context".
 */
class UserfaultfdTest extends AddressSpaceFixture {
    CpuAccess cpu;
    UserfaultfdCtx ctx;

    @BeforeEach
    void setUp() {
        cpu = new CpuAccess(env);
        ctx = new UserfaultfdCtx(mm, 0);
        assertTrue(ctx.initFeatures(0));
    }

    long map(int pages, int prot) {
        long r = Mmap.doMmap(mm, null, 0, pages * P, prot, ANON, 0, false);
        assertTrue(r > 0, "mmap: " + r);
        return r;
    }

    int vmasIn(long start, long len) {
        int n = 0;
        for (Vma v : mm.vmas()) if (v.end() > start && v.start() < start + len) n++;
        return n;
    }

    FaultResult access(long va, int access) {
        return cpu.access(mm, va, access, stuck -> new AssertionError(stuck + "\n" + mm.maps()));
    }

    long pte(long va) {
        long slot = mm.pgd().pteSlot(va, false);
        return slot == PageTable.NO_SLOT ? 0 : mm.pgd().get(slot);
    }

    /** A source that fills every page with {@code b}. */
    MfillAtomic.SourcePage filler(byte b) {
        return (src, pfn) -> {
            for (int i = 0; i < P; i++) env.mem().putByte((pfn << 12) + i, b);
            return true;
        };
    }

    @Test
    void registeringTheMiddleSplitsInThreeAndUnregisteringMergesBack() {
        long a = map(4, 3);
        assertEquals(0, Userfaultfd.register(ctx, a + P, 2 * P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        assertEquals(3, vmasIn(a, 4 * P), mm.maps());
        Vma mid = mm.vmaLookup(a + P);
        assertSame(ctx, mid.userfaultfdCtx());
        assertTrue(mid.has(VmFlags.VM_UFFD_MISSING));
        assertNull(mm.vmaLookup(a).userfaultfdCtx());
        // Another context's registration of the same range is EBUSY, and its unregistration EINVAL.
        UserfaultfdCtx other = new UserfaultfdCtx(mm, 0);
        assertEquals(-Errno.EBUSY, Userfaultfd.register(other, a, 4 * P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        assertEquals(-Errno.EINVAL, Userfaultfd.unregister(other, a, 4 * P));
        assertEquals(0, Userfaultfd.unregister(ctx, a, 4 * P));
        assertEquals(1, vmasIn(a, 4 * P), mm.maps());
        assertEquals(-Errno.EINVAL, Userfaultfd.register(ctx, a, 4 * P, Userfaultfd.UFFDIO_REGISTER_MODE_MINOR));
    }

    @Test
    void aMissingFaultWaitsAndACopyPlacesADirtyReadOnlyPageInAReadOnlyVma() {
        long a = map(2, 1);
        assertEquals(0, Userfaultfd.register(ctx, a, 2 * P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        FaultResult f = access(a + 0x123, Access.READ);
        FaultResult.Userfault uf = assertInstanceOf(FaultResult.Userfault.class, f);
        assertSame(ctx, uf.ctx());
        assertFalse(uf.write());
        assertEquals(0, pte(a), "handle_userfault() maps nothing");
        assertEquals(P, MfillAtomic.mfillAtomic(mm, a, 0x1000, P, false, filler((byte) 0x5a)));
        long pte = pte(a);
        assertTrue(Pte.present(pte) && (pte & Pte.D) != 0 && (pte & Pte.RW) == 0, Pte.describe(pte));
        assertEquals(FaultResult.HANDLED, access(a + 0x123, Access.READ));
        assertEquals((byte) 0x5a, env.mem().getByte((Pte.pfn(pte) << 12) + 0x123));
        // Occupied: EEXIST; a range beyond the VMA or over an unregistered one: ENOENT; WP mode: EINVAL.
        assertEquals(-Errno.EEXIST, MfillAtomic.mfillAtomic(mm, a, 0x1000, P, false, filler((byte) 1)));
        assertEquals(-Errno.ENOENT, MfillAtomic.mfillAtomic(mm, a + P, 0x1000, 2 * P, false, filler((byte) 1)));
        assertEquals(-Errno.EINVAL, MfillAtomic.mfillAtomic(mm, a + P, 0x1000, P, true, filler((byte) 1)));
        // A copy over [a, a + 2P) fills nothing (the first page is there): EEXIST, and a zero page fills the second.
        assertEquals(-Errno.EEXIST, MfillAtomic.mfillAtomic(mm, a, 0x1000, 2 * P, false, filler((byte) 1)));
        assertEquals(P, MfillAtomic.mfillAtomic(mm, a + P, 0, P, false, null));
        assertEquals(env.zeroPfn(), Pte.pfn(pte(a + P)));
        // A write to the read-only VMA is SIGSEGV whatever the entry's dirty bit says.
        assertInstanceOf(FaultResult.Signal.class, access(a, Access.WRITE));
    }

    @Test
    void aSourceThatCannotBeReadIsEfaultAfterThePagesBeforeIt() {
        long a = map(3, 3);
        assertEquals(0, Userfaultfd.register(ctx, a, 3 * P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        int[] calls = {0};
        long r = MfillAtomic.mfillAtomic(mm, a, 0x1000, 3 * P, false, (src, pfn) -> ++calls[0] < 2);
        assertEquals(P, r, "mfill_atomic() returns what it copied before the failure");
        assertEquals(-Errno.EFAULT, MfillAtomic.mfillAtomic(mm, a + P, 0x1000, P, false, (src, pfn) -> false));
        assertEquals(0, pte(a + P), "a failed copy leaves the entry empty and frees its page");
    }

    @Test
    void theSigbusFeatureAndAKernelAccessOfAUserModeOnlyContextAreSigbus() {
        long a = map(1, 3);
        UserfaultfdCtx sigbus = new UserfaultfdCtx(mm, 0);
        sigbus.initFeatures(UserfaultfdCtx.UFFD_FEATURE_SIGBUS);
        assertEquals(0, Userfaultfd.register(sigbus, a, P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        FaultResult.Signal s = assertInstanceOf(FaultResult.Signal.class, access(a, Access.WRITE));
        assertEquals(Signo.SIGBUS, s.signo());
        Vma vma = mm.vmaLookup(a);
        assertEquals(FaultFlags.VM_FAULT_SIGBUS, HandleMmFault.handleUserfault(vma, FaultFlags.FAULT_FLAG_USER));
        assertEquals(0, Userfaultfd.unregister(sigbus, a, P));
        UserfaultfdCtx userOnly = new UserfaultfdCtx(mm, UserfaultfdCtx.UFFD_USER_MODE_ONLY);
        userOnly.initFeatures(0);
        assertEquals(0, Userfaultfd.register(userOnly, a, P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        assertEquals(FaultFlags.VM_FAULT_SIGBUS, HandleMmFault.handleUserfault(mm.vmaLookup(a), 0));
        assertEquals(FaultFlags.VM_FAULT_RETRY, HandleMmFault.handleUserfault(mm.vmaLookup(a), FaultFlags.FAULT_FLAG_USER));
    }

    @Test
    void wakesTakeTheFaultsOfTheirRangeOffBothQueues() {
        Task t1 = new Task(1, 1, 0, "t1"), t2 = new Task(2, 1, 0, "t2");
        UserfaultfdCtx.Uwq w1 = ctx.queueFault(t1, 0x10_0123, false, false);
        UserfaultfdCtx.Uwq w2 = ctx.queueFault(t2, 0x20_0000, true, false);
        assertEquals(0x10_0000, w1.address, "without UFFD_FEATURE_EXACT_ADDRESS the page");
        assertSame(w1, ctx.readFault(), "oldest first");
        assertEquals(1, ctx.wake(0x10_0000, P));
        assertTrue(w1.waken() && !w2.waken());
        assertTrue(ctx.hasPendingFault());
        assertEquals(1, ctx.release());
        assertTrue(w2.waken() && ctx.released());
        assertNull(ctx.readFault());
    }

    @Test
    void writeProtectionMakesWritesUserfaultsUntilResolvedAndSurvivesMprotectButNotFork() {
        long a = map(3, 3);
        assertEquals(FaultResult.HANDLED, access(a, Access.WRITE));
        assertEquals(FaultResult.HANDLED, access(a + P, Access.WRITE));
        assertEquals(0, Userfaultfd.register(ctx, a, 2 * P, Userfaultfd.UFFDIO_REGISTER_MODE_WP));
        assertEquals(-Errno.ENOENT, Userfaultfd.mwriteprotectRange(ctx, a, 3 * P, true), "the third page is not registered");
        assertEquals(-Errno.ENOENT, Userfaultfd.mwriteprotectRange(ctx, a + 3 * P, P, true), "no VMA at all");
        assertEquals(0, Userfaultfd.mwriteprotectRange(ctx, a, 2 * P, true));
        long pte = pte(a);
        assertTrue((pte & Pte.UFFD_WP) != 0 && (pte & Pte.RW) == 0, Pte.describe(pte));
        assertEquals(FaultResult.HANDLED, access(a, Access.READ), "reads are not protected");
        FaultResult.Userfault uf = assertInstanceOf(FaultResult.Userfault.class, access(a + 8, Access.WRITE));
        assertTrue(uf.wp() && uf.write());
        // mprotect() to read-only and back keeps the protection (no write upgrade of a uffd-wp entry).
        assertEquals(0, io.mmemu.mm.vma.Mprotect.doMprotect(mm, a, P, 1));
        assertEquals(0, io.mmemu.mm.vma.Mprotect.doMprotect(mm, a, P, 3));
        assertTrue((pte(a) & Pte.UFFD_WP) != 0 && (pte(a) & Pte.RW) == 0, Pte.describe(pte(a)));
        MmStruct child = mm.dupMmap();
        try {
            long slot = child.pgd().pteSlot(a, false);
            assertEquals(0, child.pgd().get(slot) & Pte.UFFD_WP, "copy_present_pte() clears it for the child");
        } finally {
            child.exitMmap();
        }
        // Resolving gives the exclusive page its write permission back.
        assertEquals(0, Userfaultfd.mwriteprotectRange(ctx, a, P, false));
        assertEquals(0, pte(a) & Pte.UFFD_WP);
        assertEquals(FaultResult.HANDLED, access(a, Access.WRITE));
        // Unregistering resolves what is still protected.
        assertEquals(0, Userfaultfd.unregister(ctx, a, 2 * P));
        assertEquals(0, pte(a + P) & Pte.UFFD_WP);
    }

    @Test
    void aShmemPageIsMissingUntilTheCopyPutsItInThePageCache() {
        long a = Mmap.doMmap(mm, null, 0, 2 * P, 3, Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS, 0, false);
        assertTrue(a > 0);
        assertEquals(-Errno.EINVAL, Userfaultfd.register(ctx, a, 2 * P, Userfaultfd.UFFDIO_REGISTER_MODE_WP),
                "no WP on shmem without PTE markers");
        assertEquals(0, Userfaultfd.register(ctx, a, 2 * P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        assertInstanceOf(FaultResult.Userfault.class, access(a, Access.READ));
        var file = mm.vmaLookup(a).file();
        assertEquals(P, MfillAtomic.mfillAtomic(mm, a, 0x1000, P, false, filler((byte) 3)));
        long pfn = file.cachedPfn(0);
        assertEquals(pfn, Pte.pfn(pte(a)), "the page cache's page is the one mapped");
        assertTrue((pte(a) & Pte.RW) != 0, "shared and writable");
        assertEquals(-Errno.EEXIST, MfillAtomic.mfillAtomic(mm, a, 0x1000, P, false, filler((byte) 3)));
        assertEquals(FaultResult.HANDLED, access(a, Access.WRITE));
        // UFFDIO_ZEROPAGE on shmem puts a zeroed page of its own in the cache (no zero page).
        assertEquals(P, MfillAtomic.mfillAtomic(mm, a + P, 0, P, false, null));
        assertTrue(file.cachedPfn(1) >= 0 && file.cachedPfn(1) != env.zeroPfn());
    }

    @Test
    void forkAndTheReleaseDropTheRegistration() {
        long a = map(4, 3);
        assertEquals(0, Userfaultfd.register(ctx, a + P, P, Userfaultfd.UFFDIO_REGISTER_MODE_MISSING));
        MmStruct child = mm.dupMmap();
        try {
            for (Vma v : child.vmas()) assertNull(v.userfaultfdCtx(), child.maps());
            assertEquals(List.of(), AddressSpaceInvariants.check(env, child), child.maps());
        } finally {
            child.exitMmap();
        }
        Userfaultfd.releaseAll(ctx);
        ctx.release();
        assertEquals(1, vmasIn(a, 4 * P), mm.maps());
        assertEquals(FaultResult.HANDLED, access(a + P, Access.WRITE));
    }
}
