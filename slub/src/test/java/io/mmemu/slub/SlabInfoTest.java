package io.mmemu.slub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlabInfoTest {

    @Test
    void procSlabinfoHasTheKernelsHeaderAndColumns() {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("task_struct", 1000, 0, SlabFlags.SLAB_HWCACHE_ALIGN, null);
            CpuBinding b = m.slub.bind(0);
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                objs.add(s.alloc(b));
            }
            String[] lines = m.slub.slabinfo().split("\n");
            assertEquals("slabinfo - version: 2.1", lines[0]);
            assertEquals("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
                    + " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>", lines[1]);
            // Newest cache first; size 1024 (HWCACHE_ALIGN), 16 per order-2 slab, 3 slabs: all objects of CPU and full slabs count as active.
            assertEquals("task_struct           48     48   1024   16    4 : tunables    0    0    0 : slabdata      3      3      0", lines[2]);
            assertEquals(2 + 1 + 13, lines.length, "every kmalloc size class is listed");
            s.flushAll();
            String row = m.slub.slabinfo().split("\n")[2];
            assertEquals("task_struct           40     48   1024   16    4 : tunables    0    0    0 : slabdata      3      3      0", row,
                    "after a flush the free objects of the partial slab are no longer active");
            for (long p : objs) {
                s.free(p, b);
            }
        }
    }

    @Test
    void statsFilesShowPerCpuCounts() {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("stats", 64, 0, 0, null);
            s.free(s.alloc(m.slub.bind(1)), m.slub.bind(1));
            String stats = SlabInfo.stats(s);
            assertTrue(stats.contains("alloc_slowpath: 1 C1=1\n"), stats);
            assertTrue(stats.contains("free_fastpath: 1 C1=1\n"), stats);
            assertTrue(stats.contains("alloc_fastpath: 0\n"), stats);
            assertEquals(SlubStat.COUNT, stats.split("\n").length);
        }
    }

    @Test
    void layoutDumpShowsEveryObjectsState() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("teach", 512, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long a = s.alloc(b);
            long c = s.alloc(b);
            s.free(a, b);
            Slab slab = m.slub.virtToSlab(a);
            String dump = SlabInfo.slabLayout(s, slab);
            assertTrue(dump.startsWith(String.format("slab 0x%x cache=teach order=0 node=0 objects=8 inuse=8 frozen=true freelist=0x0", slab.address())), dump);
            assertTrue(dump.contains(String.format("[  0] 0x%x cpu-free  next=0x%x", a, a + 1024)), dump);
            assertTrue(dump.contains(String.format("[  1] 0x%x allocated", c)), dump);
            String layout = SlabInfo.cacheLayout(s);
            assertTrue(layout.contains("[   0.. 512) object (free pointer at +256 while free)"), layout);
            s.free(c, b);
        }
    }

    @Test
    void typesafeByRcuSlabsWaitForTheGracePeriod() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("rcu", 2048, 0, SlabFlags.SLAB_TYPESAFE_BY_RCU, null);
            CpuBinding b = m.slub.bind(0);
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < s.layout().objects() * (s.layout().minPartial() + 3); i++) {
                objs.add(s.alloc(b));
            }
            long before = m.mem.pagesInUse();
            for (long p : objs) {
                s.free(p, b);
            }
            s.flushAll();
            assertEquals(before, m.mem.pagesInUse(), "discarded slabs keep their pages until the grace period ends");
            m.slub.rcuBarrier();
            assertEquals((long) s.layout().minPartial() << s.layout().order(), m.mem.pagesInUse());
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
            assertEquals(0, m.mem.pagesInUse());
        }
    }
}
