package io.mmemu.mm.fault;

import static io.mmemu.mm.vma.VmFlags.VM_EXEC;
import static io.mmemu.mm.vma.VmFlags.VM_GROWSDOWN;
import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.slub.KmemCache;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** exit_mmap() gives back every frame the address space used: pages, page tables, the PML4. */
class ExitMmapTest {
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

    MmEnv env;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    void fault(MmStruct mm, long va, boolean write) {
        FaultResult r = UserFault.doUserAddrFault(mm, va, PfErr.USER | (write ? PfErr.WRITE : 0));
        assertSame(FaultResult.HANDLED, r, "fault at 0x" + Long.toHexString(va) + "\n" + mm.maps());
    }

    /** Free frames, the slab allocator's counted as free: emptied slabs of mm_struct and vm_area_struct stay cached. */
    long freeOrSlab() {
        return env.allocator().nrFreePages() + env.kernelSlab().nrSlabPages();
    }

    long inUse(KmemCache s) {
        return env.kernelSlab().activeObjects(s);
    }

    int cachedPages(MappedFile f) {
        int n = 0;
        for (int i = 0; i < f.nrPages(); i++) if (f.cachedPfn(i) >= 0) n++;
        return n;
    }

    @Test
    void exitMmapFreesEveryFrameButThePageCache() {
        long freeBefore = freeOrSlab();
        MmStruct mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        UserAccess ua = new UserAccess(env);
        byte[] text = new byte[5 * 4096];
        text[0] = (byte) 0xc3;
        MappedFile exe = new MappedFile(Path.of("/bin/t"), "/bin/t", text, 0x801, 9);

        // Text (read, file), data (private file copy), anonymous region, heap, stack, a far mmap.
        mm.mmapRegion(0x400000, 0x2000, VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYEXEC, exe, 0, null);
        mm.mmapRegion(0x402000, 0x3000, RW, exe, 2, null);
        fault(mm, 0x400000, false);
        fault(mm, 0x401000, false);
        fault(mm, 0x402000, false); // page-cache page mapped read-only...
        fault(mm, 0x402000, true); // ...then copied
        fault(mm, 0x403000, true); // copied at once
        fault(mm, 0x404000, false);

        long anon = mm.getUnmappedArea(0, 0x10000);
        mm.mmapRegion(anon, 0x10000, RW, null, 0, null);
        for (long a = anon; a < anon + 0x10000; a += 0x2000) fault(mm, a, a % 0x4000 == 0);
        fault(mm, anon + 0x1000, false);
        fault(mm, anon + 0x1000, true); // zero page broken

        mm.startBrk = mm.brk = 0x600000;
        mm.sysBrk(0x600000 + 0x5000);
        assertEquals(0, ua.clearUser(mm, 0x600000, 0x5000));

        long stack = 0x7ffd_0000_0000L;
        mm.mmapRegion(stack, 0x1000, RW | VM_GROWSDOWN, null, 0, "[stack]");
        fault(mm, stack - 0x5000, true);
        byte[] far = {1, 2, 3};
        mm.mmapRegion(0x5555_0000_0000L, 0x1000, RW, null, 0, null);
        assertEquals(0, ua.copyToUser(mm, 0x5555_0000_0000L, far, 0, far.length));

        int cache = cachedPages(exe);
        assertEquals(5, cache, "pages 0-4 of the file were read in");
        assertEquals(mm.mapCount(), inUse(env.kernelSlab().vmAreaCachep()), "one vm_area_struct per VMA\n" + mm.maps());
        long used = freeBefore - freeOrSlab();
        long pages = mm.rss(RssStat.MM_ANONPAGES) + mm.rss(RssStat.MM_FILEPAGES);
        assertTrue(used > pages + cache, "page tables are in use too");

        mm.exitMmap();
        assertEquals(freeBefore - cache, freeOrSlab(),
                "after exit_mmap only the page cache (" + cache + " pages) may hold frames; "
                        + used + " were in use\n" + env.allocator().showFreeAreas());
        assertEquals(0, mm.mapCount());
        assertEquals(0, inUse(env.kernelSlab().vmAreaCachep()), "every vm_area_struct freed\n" + env.kernelSlab().slabinfo());
        assertEquals(0, inUse(env.kernelSlab().mmCachep()), "the mm_struct freed");
        assertEquals(0, mm.object());
        assertEquals(0, mm.pgd().nrTables());
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES), "rss anon");
        assertEquals(0, mm.rss(RssStat.MM_FILEPAGES), "rss file");
        for (int i = 0; i < exe.nrPages(); i++) {
            long pfn = exe.cachedPfn(i);
            assertEquals(1, env.frames().pageRefCount(pfn), "page-cache page " + i + " keeps only the cache's reference");
            assertEquals(0, env.frames().pageMapcount(pfn), "page-cache page " + i + " still mapped");
        }
        assertTrue(env.frames().testPageFlag(env.zeroPfn(), PageFlag.ZERO_PAGE));
        assertEquals(1, env.frames().pageRefCount(env.zeroPfn()), "the zero page stays allocated, unreferenced");

        // A second address space over the same page cache starts from the same free count.
        MmStruct again = MmStruct.mmAlloc(env);
        again.mmapRegion(0x400000, 0x2000, VM_READ | VM_MAYREAD, exe, 0, null);
        fault(again, 0x400000, false);
        again.exitMmap();
        assertEquals(freeBefore - cache, freeOrSlab());
    }

    @Test
    void exitMmapOfAnEmptyAddressSpaceFreesThePml4() {
        long freeBefore = freeOrSlab();
        MmStruct mm = MmStruct.mmAlloc(env);
        assertEquals(freeBefore - 1, freeOrSlab());
        mm.exitMmap();
        assertEquals(freeBefore, freeOrSlab());
    }
}
