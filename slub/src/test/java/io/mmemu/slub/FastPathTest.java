package io.mmemu.slub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FastPathTest {

    @Test
    void freedObjectIsReusedFirstOnTheSameCpu() {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("lifo", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long a = s.alloc(b);
            long c = s.alloc(b);
            s.free(a, b);
            assertEquals(a, s.alloc(b), "the per-CPU freelist is LIFO");
            assertNotEquals(a, c);
            assertEquals(1, s.stat(SlubStat.ALLOC_SLOWPATH), "only the first allocation needs a slab");
            assertEquals(2, s.stat(SlubStat.ALLOC_FASTPATH, 0));
            assertEquals(1, s.stat(SlubStat.FREE_FASTPATH, 0));
            assertEquals(1, s.stat(SlubStat.ALLOC_SLAB));
        }
    }

    @Test
    void objectsOfOneSlabAreDistinctAndInsideIt() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("fill", 100, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            int n = s.layout().objects();
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < n; i++) {
                long p = s.alloc(b);
                assertTrue(seen.add(p), "handed out twice: " + Long.toHexString(p));
                Slab slab = m.slub.virtToSlab(p);
                assertNotNull(slab);
                assertEquals(0, (p - slab.address()) % s.layout().size());
            }
            assertEquals(1, s.nrSlabs(0), "one slab holds exactly objects-per-slab objects");
            long next = s.alloc(b);
            assertEquals(2, s.nrSlabs(0));
            assertTrue(seen.add(next));
        }
    }

    @Test
    void hardenedFreePointerIsStoredEncoded() {
        try (Machine m = new Machine(1, 1, 16L << 20, Slub.Config.defaults(1).withHardened(true).withSeed(42))) {
            KmemCache s = m.slub.kmemCacheCreate("hard", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long a = s.alloc(b);
            long c = s.alloc(b);
            s.free(c, b);
            s.free(a, b);             // a -> c on the CPU freelist
            long ptrAddr = a + s.layout().offset();
            long stored = m.mem.readLong(ptrAddr);
            assertNotEquals(c, stored, "the raw free pointer must not be the plain address");
            assertEquals(c, stored ^ s.random ^ Long.reverseBytes(ptrAddr));
            assertEquals(a, s.alloc(b));
            assertEquals(c, s.alloc(b));
        }
    }

    @Test
    void remoteFreeGoesToTheSlabAndComesBackByRefill() {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("remote", 256, 0, 0, null);
            CpuBinding cpu0 = m.slub.bind(0);
            CpuBinding cpu1 = m.slub.bind(1);
            int n = s.layout().objects();
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                objs.add(s.alloc(cpu0));          // cpu0's slab is now fully handed out
            }
            s.free(objs.get(3), cpu1);           // cpu1 frees into cpu0's frozen slab
            assertEquals(1, s.stat(SlubStat.FREE_FROZEN, 1));
            assertEquals(objs.get(3), s.alloc(cpu0), "cpu0 refills from its slab's freelist");
            assertEquals(1, s.stat(SlubStat.ALLOC_REFILL, 0));
        }
    }

    @Test
    void fullSlabThatGetsAFreeGoesToThePerCpuPartialList() {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("partial", 512, 0, 0, null);
            CpuBinding cpu0 = m.slub.bind(0);
            int n = s.layout().objects();
            List<Long> first = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                first.add(s.alloc(cpu0));
            }
            s.alloc(cpu0);                       // cpu slab full: DEACTIVATE_BYPASS, new slab
            assertEquals(1, s.stat(SlubStat.DEACTIVATE_BYPASS));
            s.free(first.get(0), m.slub.bind(1));
            assertEquals(1, s.stat(SlubStat.CPU_PARTIAL_FREE, 1));
            assertEquals(0, s.nrPartial(0));
            s.flushAll();
            assertEquals(2, s.nrPartial(0), "flush moves the CPU slab and the per-CPU partial slab to the node");
        }
    }

    @Test
    void emptySlabsBeyondMinPartialAreDiscarded() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("discard", 2048, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            int per = s.layout().objects();
            int slabs = s.layout().minPartial() + 4;
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < per * slabs; i++) {
                objs.add(s.alloc(b));
            }
            long pages = m.mem.pagesInUse();
            for (long p : objs) {
                s.free(p, b);
            }
            s.flushAll();
            assertEquals(s.layout().minPartial(), s.nrSlabs(0), "exactly min_partial empty slabs stay");
            assertTrue(m.mem.pagesInUse() < pages);
            assertEquals(m.slub.kmemCacheDestroy(s, 0).destroyed(), true);
            assertEquals(0, m.mem.pagesInUse(), "destroy returns every page");
        }
    }

    @Test
    void kmallocLargeComesFromThePageAllocator() {
        try (Machine m = new Machine(1)) {
            CpuBinding b = m.slub.bind(0);
            long p = m.slub.kmalloc(20000, b);
            assertEquals(0, p & 4095, "page aligned");
            assertEquals(8 * 4096, m.slub.ksize(p));
            assertEquals(8, m.mem.pagesInUse());
            m.slub.kfree(p, b);
            assertEquals(0, m.mem.pagesInUse());
            assertEquals(Slub.ZERO_SIZE_PTR, m.slub.kmalloc(0, b));
            m.slub.kfree(Slub.ZERO_SIZE_PTR, b);
        }
    }

    @Test
    void kreallocKeepsContentsAcrossSizeClasses() {
        try (Machine m = new Machine(1)) {
            CpuBinding b = m.slub.bind(0);
            long p = m.slub.kmalloc(24, b);
            assertEquals(32, m.slub.ksize(p));
            m.mem.writeLong(p, 0x1122334455667788L);
            assertEquals(p, m.slub.krealloc(p, 30, b), "fits in ksize: same block");
            long q = m.slub.krealloc(p, 100, b);
            assertNotEquals(p, q);
            assertEquals(128, m.slub.ksize(q));
            assertEquals(0x1122334455667788L, m.mem.readLong(q));
            long r = m.slub.krealloc(q, 10000, b);
            assertEquals(0x1122334455667788L, m.mem.readLong(r));
            assertEquals(Slub.ZERO_SIZE_PTR, m.slub.krealloc(r, 0, b));
            assertEquals(1, m.slub.kmallocSlab(100).stat(SlubStat.FREE_FASTPATH));
        }
    }

    @Test
    void ctorRunsOncePerObjectAtSlabCreation() {
        try (Machine m = new Machine(1)) {
            int[] calls = {0};
            KmemCache s = m.slub.kmemCacheCreate("ctor", 40, 0, 0, (mem, obj) -> {
                calls[0]++;
                mem.writeLong(obj, 0xc0ffeeL);
            });
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            assertEquals(s.layout().objects(), calls[0]);
            assertEquals(0xc0ffeeL, m.mem.readLong(p));
            s.free(p, b);
            assertEquals(0xc0ffeeL, m.mem.readLong(s.alloc(b)), "free pointer lies outside a constructed object");
            assertEquals(s.layout().objects(), calls[0]);
        }
    }

    @Test
    void allocationFailureReturnsNullAndReportsOom() {
        try (Machine m = new Machine(1, 1, 4L << 20, Slub.Config.defaults(1))) {
            KmemCache s = m.slub.kmemCacheCreate("oom", 4000, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p;
            int count = 0;
            while ((p = s.alloc(b)) != 0) {
                count++;
            }
            assertEquals(1024, count, "4 MiB in order-3 slabs of 8 objects");
            assertEquals(SlubLog.Kind.OOM, m.slub.log().errors().getLast().kind());
            assertTrue(m.slub.log().text().contains("SLUB: Unable to allocate memory on node -1"));
        }
    }

    @Test
    void nodeSpecificAllocationUsesThatNode() {
        try (Machine m = new Machine(4, 2, 16L << 20, Slub.Config.defaults(4))) {
            KmemCache s = m.slub.kmemCacheCreate("numa", 128, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            assertEquals(0, m.slub.virtToSlab(s.alloc(b)).nid());
            long p = s.allocNode(b, 1, 0);
            assertEquals(1, m.slub.virtToSlab(p).nid());
            assertEquals(1, s.stat(SlubStat.ALLOC_NODE_MISMATCH));
            assertEquals(1, m.slub.virtToSlab(s.alloc(m.slub.bind(3))).nid(), "cpu 3 lives on node 1");
        }
    }
}
