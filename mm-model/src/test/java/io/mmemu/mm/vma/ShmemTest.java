package io.mmemu.mm.vma;

import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYSHARE;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_SHARED;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.uaccess.UserAccess;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A shmem file's one page cache: read and write through its descriptor (Shmem), shared and
 * private mappings of it, truncation (Truncate) and the end of its life (iput). Frame counts are
 * checked exactly: every page a test allocates must come back. A failing assertion shows the maps.
 */
class ShmemTest {
    static final int SHARED_RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_SHARED | VM_MAYSHARE;
    static final int PRIVATE_RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
    static final long A = 0x5c00_0000_0000L, B = A + 0x10_0000, P = A + 0x20_0000;

    MmEnv env;
    MmStruct mm;
    UserAccess ua;
    long freeBefore;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        freeBefore = free();
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        ua = new UserAccess(env);
    }

    /** Ends the address space (if not yet) and checks that every frame came back. */
    void assertAllFreed(String why) {
        if (mm.object() != 0) mm.exitMmap();
        assertEquals(freeBefore, free(), why + "\n" + env.allocator().showFreeAreas());
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    /** Free frames, the slab allocator's counted as free (emptied slabs stay cached). */
    long free() {
        return env.allocator().nrFreePages() + env.kernelSlab().nrSlabPages();
    }

    /** A tmpfs-like file with its directory entry's reference. */
    MappedFile file() {
        MappedFile f = MappedFile.shmemFile("/tmp/t", 0x2a, 7);
        f.get();
        return f;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    String readBack(MappedFile f, long pos, int len) {
        byte[] b = new byte[len];
        assertEquals(len, Shmem.read(env, f, pos, b, 0, len));
        return new String(b, StandardCharsets.US_ASCII);
    }

    FaultResult touch(long va, boolean write) {
        return UserFault.doUserAddrFault(mm, va, PfErr.USER | (write ? PfErr.WRITE : 0));
    }

    @Test
    void writeGrowsTheFileAndHolesReadAsZerosWithoutPages() {
        MappedFile f = file();
        assertEquals(5, Shmem.write(env, f, 3 * 4096 + 10, bytes("hello"), 0, 5));
        assertEquals(3 * 4096 + 15, f.size());
        assertEquals(1, f.nrCachedPages(), "only the page written is allocated");
        byte[] all = new byte[(int) f.size()];
        assertEquals(all.length, Shmem.read(env, f, 0, all, 0, all.length));
        for (int i = 0; i < 3 * 4096 + 10; i++) assertEquals(0, all[i], "hole byte " + i);
        assertEquals("hello", readBack(f, 3 * 4096 + 10, 5));
        assertEquals(0, Shmem.read(env, f, f.size(), new byte[4], 0, 4), "at end of file");
        assertEquals(2, Shmem.read(env, f, f.size() - 2, new byte[4], 0, 4), "short at end of file");
        assertTrue(env.frames().testPageFlag(f.cachedPfn(3), PageFlag.SHMEM), "a shmem page is PG_swapbacked");
        long before = free();
        f.iput(env);
        assertEquals(before + 1, free(), "the last reference frees the page");
        assertAllFreed("");
    }

    @Test
    void aFarWriteIsSparse() {
        MappedFile f = file();
        long far = 1L << 40;
        assertEquals(1, Shmem.write(env, f, far, bytes("x"), 0, 1));
        assertEquals(far + 1, f.size());
        assertEquals(1, f.nrCachedPages());
        assertEquals(-1, f.cachedPfn(0));
        assertEquals("x", readBack(f, far, 1));
        Shmem.setSize(env, f, 4096);
        assertEquals(0, f.nrCachedPages(), "truncation found the far page");
        assertAllFreed("the far page");
    }

    @Test
    void storesThroughASharedMappingAndWritesThroughTheFileAreOnePageCache() {
        MappedFile f = file();
        Shmem.setSize(env, f, 2 * 4096);
        assertEquals(A, mm.mmapRegion(A, 2 * 4096, SHARED_RW, f, 0, null));
        assertEquals(B, mm.mmapRegion(B, 2 * 4096, SHARED_RW, f, 0, null));
        assertEquals(2, f.mappings().size(), "i_mmap holds both VMAs");

        assertEquals(0, ua.copyToUser(mm, A + 100, bytes("shared!"), 0, 7));
        assertEquals("shared!", readBack(f, 100, 7), "a store through the mapping is in the page cache\n" + mm.maps());
        byte[] viaB = new byte[7];
        assertEquals(0, ua.copyFromUser(mm, viaB, 0, B + 100, 7));
        assertArrayEquals(bytes("shared!"), viaB, "the second mapping maps the same frame");

        assertEquals(7, Shmem.write(env, f, 4096 + 10, bytes("from-fd"), 0, 7));
        byte[] viaA = new byte[7];
        assertEquals(0, ua.copyFromUser(mm, viaA, 0, A + 4096 + 10, 7));
        assertArrayEquals(bytes("from-fd"), viaA, "a write through the file shows through the mapping");
        assertEquals(3, mm.rss(RssStat.MM_SHMEMPAGES), "A's pages 0 and 1 and B's page 0, all shmem\n" + mm.maps());
        assertEquals(0, mm.rss(RssStat.MM_FILEPAGES));
        assertEquals(2, f.nrCachedPages(), "two frames for three mapped pages");

        mm.exitMmap();
        assertEquals(0, f.mappings().size());
        assertEquals("shared!", readBack(f, 100, 7), "the pages outlive the mappings while the file is linked");
        f.iput(env);
        assertAllFreed("unlinked and unmapped: every frame back");
    }

    @Test
    void aPrivateMappingSeesTheFileUntilItWrites() {
        MappedFile f = file();
        Shmem.write(env, f, 0, bytes("abc"), 0, 3);
        assertEquals(P, mm.mmapRegion(P, 4096, PRIVATE_RW, f, 0, null));
        byte[] b = new byte[3];
        assertEquals(0, ua.copyFromUser(mm, b, 0, P, 3));
        assertArrayEquals(bytes("abc"), b);
        assertEquals(1, mm.rss(RssStat.MM_SHMEMPAGES), "read: the page-cache page is mapped");
        assertEquals(0, ua.copyToUser(mm, P, bytes("X"), 0, 1));
        assertEquals("abc", readBack(f, 0, 3), "a private write copies; the file is unchanged");
        // Regression: the copy's accounting took the shmem page off MM_FILEPAGES, driving it negative.
        assertEquals(0, mm.rss(RssStat.MM_SHMEMPAGES), mm.maps());
        assertEquals(0, mm.rss(RssStat.MM_FILEPAGES), mm.maps());
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES), mm.maps());
        Shmem.write(env, f, 1, bytes("Z"), 0, 1);
        assertEquals(0, ua.copyFromUser(mm, b, 0, P, 3));
        assertArrayEquals(bytes("Xbc"), b, "the private copy no longer follows the file");
        mm.exitMmap();
        f.iput(env);
        assertAllFreed("");
    }

    @Test
    void shrinkingZapsCutPagesOfEveryMappingSoTheyRaiseSigbus() {
        MappedFile f = file();
        Shmem.setSize(env, f, 3 * 4096);
        mm.mmapRegion(A, 4 * 4096, SHARED_RW, f, 0, null);
        mm.mmapRegion(P, 3 * 4096, PRIVATE_RW, f, 0, null);
        for (int i = 0; i < 3; i++) {
            assertSame(FaultResult.HANDLED, touch(A + i * 4096L, true));
            assertSame(FaultResult.HANDLED, touch(P + i * 4096L, true)); // private COW copies
        }
        assertEquals(3, f.nrCachedPages());
        FaultResult pastEof = touch(A + 3 * 4096, false);
        assertEquals(Signo.SIGBUS, assertInstanceOf(FaultResult.Signal.class, pastEof).signo());

        Shmem.setSize(env, f, 4096 + 100);
        assertEquals(2, f.nrCachedPages(), "page 2 left the page cache");
        assertEquals(-1, f.cachedPfn(2));
        FaultResult cut = touch(A + 2 * 4096 + 5, false);
        assertEquals(Signo.SIGBUS, assertInstanceOf(FaultResult.Signal.class, cut).signo(), mm.maps());
        FaultResult cutCow = touch(P + 2 * 4096, false);
        assertEquals(Signo.SIGBUS, assertInstanceOf(FaultResult.Signal.class, cutCow).signo(),
                "a private COW copy of a cut page goes too (even_cows)");
        assertSame(FaultResult.HANDLED, touch(A + 4096, false), "page 1 holds the new end of file");

        mm.exitMmap();
        f.iput(env);
        assertAllFreed("no frame of a cut page or a zapped copy leaked");
    }

    @Test
    void shrinkingZeroesThePartialPageSoGrowingAgainReadsZeros() {
        MappedFile f = file();
        byte[] ones = new byte[4096];
        java.util.Arrays.fill(ones, (byte) 1);
        Shmem.write(env, f, 0, ones, 0, 4096);
        Shmem.setSize(env, f, 100);
        Shmem.setSize(env, f, 4096);
        byte[] back = new byte[4096];
        Shmem.read(env, f, 0, back, 0, 4096);
        for (int i = 0; i < 4096; i++) assertEquals(i < 100 ? 1 : 0, back[i], "byte " + i);
        f.iput(env);
        assertAllFreed("");
    }

    @Test
    void anUnlinkedFileLivesWhileMappedAndIsFreedWithItsLastMapping() {
        MappedFile f = file();
        Shmem.write(env, f, 0, bytes("keep"), 0, 4);
        mm.mmapRegion(A, 4096, SHARED_RW, f, 0, null);
        f.markDeleted();
        assertEquals(false, f.iput(env), "the mapping still holds it");
        assertEquals("/tmp/t (deleted)", f.displayPath());
        byte[] b = new byte[4];
        assertEquals(0, ua.copyFromUser(mm, b, 0, A, 4));
        assertArrayEquals(bytes("keep"), b);
        assertEquals(0, mm.doMunmap(A, 4096));
        assertEquals(0, f.refs());
        assertEquals(0, f.nrCachedPages(), "evicted with the last mapping");
        assertAllFreed("");
    }

    @Test
    void splitAndForkedVmasEachHoldTheFile() {
        MappedFile f = file();
        Shmem.setSize(env, f, 4 * 4096);
        mm.mmapRegion(A, 4 * 4096, SHARED_RW, f, 0, null);
        assertEquals(0, mm.doMunmap(A + 4096, 4096), "a hole splits the VMA");
        assertEquals(2, f.mappings().size());
        MmStruct child = mm.dupMmap();
        assertEquals(4, f.mappings().size());
        assertEquals(5, f.refs(), "the link and four VMAs");
        child.exitMmap();
        mm.exitMmap();
        assertEquals(1, f.refs());
        f.iput(env);
        assertAllFreed("");
    }

    /** Regression: the pages of a MAP_SHARED|MAP_ANONYMOUS region stayed allocated after its last munmap. */
    @Test
    void sharedAnonymousPagesAreFreedAtTheLastUnmap() {
        MappedFile zero = MappedFile.shmem(2 * 4096, 1001);
        mm.mmapRegion(A, 2 * 4096, SHARED_RW, zero, 0, null);
        assertEquals(0, ua.copyToUser(mm, A, bytes("x"), 0, 1));
        assertEquals(0, ua.copyToUser(mm, A + 4096, bytes("y"), 0, 1));
        MmStruct child = mm.dupMmap();
        assertEquals(0, mm.doMunmap(A, 2 * 4096));
        assertEquals(2, zero.nrCachedPages(), "the child still maps it");
        child.exitMmap();
        assertEquals(0, zero.nrCachedPages());
        assertAllFreed("shared anonymous pages");
    }

    @Test
    void hostFilesKeepTheirPageCacheAndRefuseShmemCalls() {
        MappedFile host = new MappedFile(java.nio.file.Path.of("/bin/x"), "/bin/x", new byte[4096], 0x801, 3);
        mm.mmapRegion(A, 4096, VM_READ | VM_MAYREAD, host, 0, null);
        assertSame(FaultResult.HANDLED, touch(A, false));
        mm.exitMmap();
        assertEquals(1, host.nrCachedPages(), "a clean page cache outlives its last user");
        assertThrows(IllegalArgumentException.class, () -> Shmem.write(env, host, 0, new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> host.iput(env), "no reference left to drop");
    }
}
