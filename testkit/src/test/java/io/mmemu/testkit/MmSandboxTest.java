package io.mmemu.testkit;

import static io.mmemu.testkit.MmSandbox.PAGE_SIZE;
import static io.mmemu.testkit.MmSandbox.PROT_READ;
import static io.mmemu.testkit.MmSandbox.PROT_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.RssStat;
import org.junit.jupiter.api.Test;

/** The sandbox's calls do what the system calls and accesses they model do. */
class MmSandboxTest {

    @Test
    void mmapPlacesTopDownBelowTheWindowsEndAndATouchFaultsThePageIn() {
        try (MmSandbox s = MmSandbox.boot()) {
            long a = s.mmap(0, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, false);
            assertEquals(MmSandbox.WINDOW_END - 2 * PAGE_SIZE, a, s::describe);
            assertEquals(FaultResult.HANDLED, s.store(0, a + 5, (byte) 42));
            assertEquals(42, s.load(0, a + 5));
            assertEquals(0, s.load(0, a + PAGE_SIZE), "a fresh page reads zero");
            assertEquals(1, s.mm(0).rss(RssStat.MM_ANONPAGES), s::describe); // the read maps the zero page
        }
    }

    @Test
    void accessesOutsideAMappingOrAgainstItsRightsGetSigsegvWithTheRightCode() {
        try (MmSandbox s = MmSandbox.boot()) {
            long a = s.mmap(0, 0, PAGE_SIZE, PROT_READ, false);
            FaultResult write = s.touch(0, a, Access.WRITE);
            assertTrue(write instanceof FaultResult.Signal sig && sig.code() == SiCode.SEGV_ACCERR, write::toString);
            assertEquals(0, s.munmap(0, a, PAGE_SIZE));
            FaultResult read = s.touch(0, a, Access.READ);
            assertTrue(read instanceof FaultResult.Signal sig && sig.code() == SiCode.SEGV_MAPERR, read::toString);
            assertEquals(-1, s.load(0, a));
        }
    }

    @Test
    void mprotectOverAHoleChangesTheMappingBeforeItThenFailsWithEnomem() {
        try (MmSandbox s = MmSandbox.boot()) {
            long a = s.mmap(0, 0, PAGE_SIZE, PROT_READ, false);
            assertEquals(-Errno.ENOMEM, s.mprotect(0, a, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE));
            assertEquals(FaultResult.HANDLED, s.touch(0, a, Access.WRITE), s::describe);
        }
    }

    @Test
    void mmapRefusesWhatLinuxRefuses() {
        try (MmSandbox s = MmSandbox.boot()) {
            assertEquals(-Errno.EINVAL, s.mmap(0, 0, 0, PROT_READ, false), "zero length");
            assertEquals(-Errno.EINVAL, s.mmap(0, MmSandbox.WINDOW_BASE + 1, PAGE_SIZE, PROT_READ, true), "unaligned MAP_FIXED");
            assertEquals(-Errno.EPERM, s.mmap(0, PAGE_SIZE, PAGE_SIZE, PROT_READ, true), "below mmap_min_addr");
        }
    }

    @Test
    void aForkedChildsWriteCopiesTheSharedFrameAndTheParentKeepsItsByte() {
        try (MmSandbox s = MmSandbox.boot()) {
            long a = s.mmap(0, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, false);
            s.store(0, a, (byte) 1);
            long parentFrame = WalkResult.pagePa(s.lastWalk());
            assertEquals(0, s.fork(0, 1));
            assertEquals(FaultResult.HANDLED, s.store(1, a, (byte) 2));
            assertNotEquals(parentFrame, WalkResult.pagePa(s.lastWalk()), () -> "the child wrote the shared frame\n" + s.describe());
            assertEquals(1, s.load(0, a), s::describe);
            assertEquals(2, s.load(1, a), s::describe);
        }
    }

    @Test
    void exitLeavesAnEmptyAddressSpaceInTheSlotAndFreesItsFrames() {
        try (MmSandbox s = MmSandbox.boot()) {
            long free = freeOrSlab(s);
            long a = s.mmap(2, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, false);
            for (int p = 0; p < 4; p++) s.store(2, a + p * PAGE_SIZE, (byte) 9);
            s.exit(2);
            assertTrue(s.mm(2).vmas().isEmpty());
            assertEquals(free, freeOrSlab(s), s::describe);
        }
    }

    /** Free frames, counting the kernel slab's as free: its caches keep emptied slabs, as SLUB does. */
    private static long freeOrSlab(MmSandbox s) {
        return s.env().allocator().nrFreePages() + s.env().kernelSlab().nrSlabPages();
    }

    @Test
    void describeShowsEveryVmaAndEveryMappedPage() {
        try (MmSandbox s = MmSandbox.boot()) {
            long a = s.mmap(0, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, false);
            s.store(0, a, (byte) 3);
            String d = s.describe();
            assertTrue(d.contains(Long.toHexString(a) + "-") && d.contains("rw-p"), d);
            assertTrue(d.contains(String.format("0x%012x -> pfn", a)) && d.contains("anon"), d);
        }
    }
}
