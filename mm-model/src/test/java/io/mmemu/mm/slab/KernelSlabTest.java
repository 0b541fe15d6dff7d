package io.mmemu.mm.slab;

import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Mprotect;
import io.mmemu.mm.vma.Mremap;
import io.mmemu.mm.vma.Vma;
import io.mmemu.mm.vma.VmFlags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel objects of the memory model live in slab caches in emulated memory: one
 * vm_area_struct per VMA through every way a VMA is born (mmap, split, brk, mremap, fork) or dies
 * (munmap, merge, exit), one mm_struct per address space, and ENOMEM when the slab cannot grow.
 */
class KernelSlabTest {
    static final long PAGE = PageTypes.PAGE_SIZE;
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VmFlags.VM_ACCOUNT; // as mmap gives private writable memory
    static final int RO = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int PROT_READ = 1, PROT_WRITE = 2;
    static final long BASE = 0x7f00_0000_0000L;

    MmEnv env;
    KernelSlab slab;
    final List<MmStruct> live = new ArrayList<>();

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        slab = env.kernelSlab();
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    MmStruct newMm() {
        MmStruct mm = MmStruct.mmAlloc(env);
        assertNotNull(mm);
        mm.mmapBase = BASE;
        live.add(mm);
        return mm;
    }

    void exit(MmStruct mm) {
        mm.exitMmap();
        live.remove(mm);
    }

    /** vm_area_struct objects in use equal the VMAs of every live mm; mm_struct objects the live mms; all distinct. */
    void checkObjects(String step) {
        long vmas = 0;
        Set<Long> objects = new HashSet<>();
        StringBuilder maps = new StringBuilder();
        for (MmStruct mm : live) {
            vmas += mm.mapCount();
            maps.append(mm.maps());
            assertTrue(objects.add(mm.object()), step + ": mm_struct object shared or 0");
            for (Vma v : mm.vmas()) {
                assertNotEquals(0, v.object(), step + ": VMA without a vm_area_struct: " + v);
                assertTrue(objects.add(v.object()), step + ": two VMAs share vm_area_struct 0x" + Long.toHexString(v.object()));
                assertTrue(env.frames().testPageFlag(v.object() >>> 12, PageFlag.SLAB),
                        step + ": vm_area_struct 0x" + Long.toHexString(v.object()) + " not in a PG_slab frame");
            }
        }
        assertEquals(vmas, slab.activeObjects(slab.vmAreaCachep()),
                step + ": vm_area_struct in use != VMAs of the live mms\n" + maps + slab.slabinfo());
        assertEquals(live.size(), slab.activeObjects(slab.mmCachep()), step + ": mm_struct in use != live mms");
    }

    @Test
    void everyVmaOwnsOneVmAreaStructThroughItsLife() {
        MmStruct mm = newMm();
        checkObjects("mm_alloc");
        long a = BASE - 0x100 * PAGE;
        assertEquals(a, mm.mmapRegion(a, 16 * PAGE, RW, null, 0, null));
        assertEquals(1, mm.mapCount());
        checkObjects("mmap");
        assertEquals(a + 16 * PAGE, mm.mmapRegion(a + 16 * PAGE, 4 * PAGE, RW, null, 0, null));
        assertEquals(1, mm.mapCount(), "an adjacent compatible mmap merges: no new object");
        checkObjects("mmap merged after");
        assertEquals(a - 4 * PAGE, mm.mmapRegion(a - 4 * PAGE, 4 * PAGE, RW, null, 0, null));
        assertEquals(1, mm.mapCount(), "merged before: the next VMA's start moves down");
        checkObjects("mmap merged before");
        long b = a - 4 * PAGE; // the VMA is now [b, b + 24 pages)
        assertEquals(0, mm.doMunmap(b + 4 * PAGE, 2 * PAGE));
        assertEquals(2, mm.mapCount());
        checkObjects("munmap split");
        assertEquals(0, Mprotect.doMprotect(mm, b + 8 * PAGE, 2 * PAGE, PROT_READ));
        assertEquals(4, mm.mapCount());
        checkObjects("mprotect splits twice");
        assertEquals(0, Mprotect.doMprotect(mm, b + 8 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE));
        assertEquals(2, mm.mapCount(), mm.maps());
        checkObjects("mprotect merges back");
        assertEquals(0, Madvise.doMadvise(mm, b + 10 * PAGE, 2 * PAGE, Madvise.MADV_DONTFORK,
                new io.mmemu.mm.uaccess.UserAccess(mm.env())::faultIn));
        assertEquals(4, mm.mapCount());
        checkObjects("madvise DONTFORK split");
        long moved = Mremap.doMremap(mm, b + 16 * PAGE, 2 * PAGE, 8 * PAGE, Mremap.MREMAP_MAYMOVE, 0);
        assertTrue(moved > 0, "mremap " + moved);
        checkObjects("mremap move");
        mm.startBrk = mm.brk = 0x600000;
        assertEquals(0x600000 + 3 * PAGE, mm.sysBrk(0x600000 + 3 * PAGE));
        checkObjects("brk grow");
        assertEquals(0x600000 + 5 * PAGE, mm.sysBrk(0x600000 + 5 * PAGE));
        checkObjects("brk grow in place");
        assertEquals(0x600000 + PAGE, mm.sysBrk(0x600000 + PAGE));
        checkObjects("brk shrink");

        MmStruct child = mm.dupMmap();
        assertNotNull(child);
        live.add(child);
        assertEquals(mm.mapCount() - 1, child.mapCount(), "the DONTFORK VMA stays behind");
        checkObjects("fork");
        exit(mm);
        checkObjects("parent exit");
        exit(child);
        checkObjects("child exit");
        assertEquals(0, slab.activeObjects(slab.vmAreaCachep()));
        assertEquals(0, slab.activeObjects(slab.mmCachep()));
    }

    @Test
    void mmAllocAndExitMmapBalanceMmStruct() {
        List<MmStruct> mms = new ArrayList<>();
        for (int i = 0; i < 50; i++) mms.add(newMm());
        checkObjects("50 mm_alloc");
        long slabPages = slab.nrSlabPages();
        assertTrue(slabPages > 0);
        for (MmStruct mm : mms) exit(mm);
        checkObjects("50 exit_mmap");
        assertEquals(0, slab.activeObjects(slab.mmCachep()));
        for (int i = 0; i < 50; i++) newMm();
        assertTrue(slab.nrSlabPages() <= slabPages, "freed mm_structs are reused: slab pages " + slab.nrSlabPages()
                + " (before: " + slabPages + ")");
        checkObjects("50 more mm_alloc");
    }

    /** Takes every free frame, so that a slab that needs a new page cannot get one. */
    void drainPageAllocator() {
        env.allocator().setMinFreeKbytes(0);
        while (env.allocator().allocPages(0) != PageAllocator.NO_PAGE) {
            // drain
        }
    }

    @Test
    void vmaOperationsFailWithEnomemWhenTheSlabCannotGrow() {
        MmStruct mm = newMm();
        long a = BASE - 0x1000 * PAGE;
        assertEquals(a, mm.mmapRegion(a, 8 * PAGE, RW, null, 0, null));
        mm.startBrk = mm.brk = 0x600000;
        drainPageAllocator();
        // Use up the vm_area_struct objects left in the slabs: every mmap below makes a VMA of its own.
        long r = 0;
        long at = a - 2 * PAGE;
        int made = 0;
        while (made < 10_000) {
            r = mm.mmapRegion(at, PAGE, made % 2 == 0 ? RO : RW, null, 0, null);
            if (r < 0) break;
            made++;
            at -= 2 * PAGE;
        }
        assertEquals(-Errno.ENOMEM, r, "mmap must fail once no vm_area_struct can be allocated");
        assertTrue(made > 0, "the slab had free objects before it ran out");
        int vmas = mm.mapCount();
        checkObjects("slab exhausted");

        // A mapping that merges with its neighbour needs no new object.
        assertEquals(a + 8 * PAGE, mm.mmapRegion(a + 8 * PAGE, PAGE, RW, null, 0, null));
        assertEquals(vmas, mm.mapCount());
        // Everything that needs a new VMA fails, and changes nothing.
        assertEquals(-Errno.ENOMEM, mm.doMunmap(a + 2 * PAGE, PAGE), "munmap in the middle must split");
        assertEquals(-Errno.ENOMEM, Mprotect.doMprotect(mm, a + 2 * PAGE, PAGE, PROT_READ));
        assertEquals(mm.brk, mm.sysBrk(mm.brk + PAGE), "brk cannot grow without a VMA");
        assertEquals(-Errno.ENOMEM, Mremap.doMremap(mm, a, PAGE, PAGE, Mremap.MREMAP_MAYMOVE | Mremap.MREMAP_FIXED,
                a - 0x800 * PAGE), "mremap's move needs a new VMA before any entry moves");
        assertNull(mm.dupMmap(), "fork needs an mm_struct and a vm_area_struct per VMA");
        assertEquals(vmas, mm.mapCount(), mm.maps());
        checkObjects("after the failures");

        // Removing whole VMAs frees their objects, and the next splits can use them.
        assertEquals(0, mm.doMunmap(a - 2 * PAGE, PAGE));
        assertEquals(0, mm.doMunmap(a - 4 * PAGE, PAGE));
        assertEquals(0, mm.doMunmap(a + 2 * PAGE, PAGE));
        assertEquals(vmas - 1, mm.mapCount(), mm.maps());
        checkObjects("split with a freed object");
        exit(mm);
        checkObjects("exit");
    }

    @Test
    void mmAllocReturnsNullWhenNoMmStructCanBeAllocated() {
        newMm();
        drainPageAllocator();
        MmStruct mm;
        int made = 0;
        while ((mm = MmStruct.mmAlloc(env)) != null && made < 1000) {
            live.add(mm);
            made++;
        }
        assertNull(mm, "mm_alloc must fail once no PML4 can be had, and give its mm_struct back");
        checkObjects("mm_alloc failed");
    }

    @Test
    void slabinfoNamesTheKernelCachesWithTheHostsObjectSizes() {
        MmStruct mm = newMm();
        mm.mmapRegion(BASE - 16 * PAGE, PAGE, RW, null, 0, null);
        String info = slab.slabinfo();
        assertTrue(info.startsWith("slabinfo - version: 2.1\n"), info);
        for (String[] c : new String[][] {{"vm_area_struct", "192"}, {"mm_struct", "1600"}, {"task_struct", "4288"},
                {"pid", "192"}, {"signal_cache", "1152"}, {"sighand_cache", "2112"}, {"files_cache", "704"}}) {
            String line = info.lines().filter(l -> l.startsWith(c[0] + " ")).findFirst().orElse(null);
            assertNotNull(line, c[0] + " missing\n" + info);
            assertEquals(c[1], line.trim().split("\\s+")[3], "objsize of " + c[0] + "\n" + info);
        }
        String vmLine = info.lines().filter(l -> l.startsWith("vm_area_struct ")).findFirst().orElseThrow();
        assertTrue(Long.parseLong(vmLine.trim().split("\\s+")[1]) >= 1, vmLine);
    }

    @Test
    void slabPagesAreMarkedAndReturnedThroughThePageAllocator() {
        List<Long> told = new ArrayList<>();
        PageAllocatorPageSource pages = new PageAllocatorPageSource(env.allocator(), env.mem().size(), told::add);
        long free = env.allocator().nrFreePages();
        long phys = pages.allocPages(2, 0);
        assertNotEquals(PageAllocatorPageSource.NO_PAGE, phys);
        long first = phys >>> 12;
        assertEquals(List.of(first, first + 1, first + 2, first + 3), told, "the frame-write hook hears of every frame");
        assertEquals(0, phys & (4 * PAGE - 1), "an order-2 block is aligned to 16 KiB");
        for (long p = phys >>> 12; p < (phys >>> 12) + 4; p++) assertTrue(env.frames().testPageFlag(p, PageFlag.SLAB));
        assertEquals(4, pages.nrSlabPages());
        assertEquals(free - 4, env.allocator().nrFreePages());
        pages.freePages(phys, 2);
        for (long p = phys >>> 12; p < (phys >>> 12) + 4; p++) assertTrue(!env.frames().testPageFlag(p, PageFlag.SLAB));
        assertEquals(0, pages.nrSlabPages());
        assertEquals(free, env.allocator().nrFreePages());
        drainPageAllocator();
        assertEquals(PageAllocatorPageSource.NO_PAGE, pages.allocPages(0, 0));
    }

    @Test
    void physicalMemoryAdapterIsLittleEndian() {
        PhysicalMemoryAdapter mem = new PhysicalMemoryAdapter(env.mem());
        long pa = 0x3000;
        mem.writeInt(pa + 1, 0x11223344);
        assertEquals(0x44, mem.readByte(pa + 1));
        assertEquals(0x11, mem.readByte(pa + 4));
        assertEquals(0x11223344, mem.readInt(pa + 1));
        mem.writeLong(pa + 8, 0x0102030405060708L);
        assertEquals(0x05060708, mem.readInt(pa + 8));
        mem.fill(pa + 16, 5, (byte) 0x6b);
        assertEquals(0x6b6b6b6b, mem.readInt(pa + 16));
        assertEquals(0x6b, mem.readByte(pa + 20));
        assertEquals(0, mem.readByte(pa + 21));
        mem.copy(pa + 8, pa + 32, 8);
        assertEquals(0x0102030405060708L, mem.readLong(pa + 32));
    }
}
