package io.mmemu.slub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Preemption, migration and interrupts forced at each step of the fast paths. */
class SchedPointTest {

    /** A hook that runs {@code action} the first time {@code at} is reached. */
    private static SchedHook once(SchedPoint at, Runnable action) {
        boolean[] fired = {false};
        return (point, cache, b) -> {
            if (point == at && !fired[0]) {
                fired[0] = true;
                action.run();
            }
        };
    }

    @ParameterizedTest
    @EnumSource(value = SchedPoint.class, names = {"ALLOC_AFTER_TID", "ALLOC_AFTER_FREELIST", "ALLOC_BEFORE_CMPXCHG"})
    void migrationDuringAllocationFailsTheExchangeOnTheNewCpu(SchedPoint at) {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("mig", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            CpuBinding other = m.slub.bind(1);
            long warm0 = s.alloc(b);
            long warm1 = s.alloc(other);                 // cpu1 has a CPU slab and freelist too
            s.free(warm1, other);
            long head0 = s.alloc(b);                     // head of cpu0's freelist is now the next one
            s.free(head0, b);
            b.setHook(once(at, () -> b.migrate(1)));
            long got = s.alloc(b);
            b.setHook(null);
            if (at == SchedPoint.ALLOC_AFTER_TID) {
                // Freelist read on cpu1 while tid came from cpu0: cpu1's head with cpu0's tid never matches.
                assertEquals(warm1, got);
            } else {
                assertEquals(warm1, got, "the retry runs on cpu1 and takes cpu1's head");
            }
            assertEquals(1, s.stat(SlubStat.CMPXCHG_DOUBLE_CPU_FAIL, 1), "exchange begun on cpu0 fails on cpu1");
            assertEquals(head0, s.alloc(m.slub.bind(0)), "cpu0's freelist was not touched");
            assertNotEquals(warm0, got);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SchedPoint.class, names = {"FREE_AFTER_TID", "FREE_AFTER_FREELIST", "FREE_BEFORE_CMPXCHG"})
    void concurrentFreeOnTheSameCpuMakesTheFreeRetry(SchedPoint at) {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("irq", 64, 0, 0, null);
            CpuBinding task = m.slub.bind(0);
            CpuBinding irq = m.slub.bind(0);
            long x = s.alloc(task);
            long y = s.alloc(task);
            task.setHook(once(at, () -> s.free(y, irq)));   // an interrupt frees y on the same CPU
            s.free(x, task);
            task.setHook(null);
            assertEquals(1, s.stat(SlubStat.CMPXCHG_DOUBLE_FAIL, 0));
            assertEquals(2, s.stat(SlubStat.FREE_FASTPATH, 0));
            assertEquals(x, s.alloc(task), "x was pushed last");
            assertEquals(y, s.alloc(task), "y is still on the freelist");
        }
    }

    @Test
    void allocFreeInterruptingAnAllocationIsCaughtByTheTid() {
        // The classic ABA: head o1 -> o2. Between reading next (o2) and the exchange, an
        // interrupt allocates o1 and o2 and frees o1: the head is o1 again but o2 is in use.
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("aba", 64, 0, 0, null);
            CpuBinding task = m.slub.bind(0);
            CpuBinding irq = m.slub.bind(0);
            s.free(s.alloc(task), task);                 // warm: cpu slab installed
            long[] inIrq = new long[2];
            task.setHook(once(SchedPoint.ALLOC_BEFORE_CMPXCHG, () -> {
                inIrq[0] = s.alloc(irq);
                inIrq[1] = s.alloc(irq);
                s.free(inIrq[0], irq);
            }));
            long got = s.alloc(task);
            task.setHook(null);
            assertEquals(inIrq[0], got, "the retry takes o1 again");
            long after = s.alloc(task);
            assertNotEquals(inIrq[1], after, "o2 is allocated and must not be handed out again");
            assertEquals(1, s.stat(SlubStat.CMPXCHG_DOUBLE_FAIL));
        }
    }

    @Test
    void slabFlushBetweenTidAndExchangeSendsTheFreeToTheSlowPath() {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("flush", 64, 0, 0, null);
            CpuBinding task = m.slub.bind(0);
            long x = s.alloc(task);
            long keep = s.alloc(task);
            task.setHook(once(SchedPoint.FREE_BEFORE_CMPXCHG, () -> s.flushCpuSlab(0)));
            s.free(x, task);
            task.setHook(null);
            assertEquals(1, s.stat(SlubStat.FREE_SLOWPATH, 0), "after the flush the slab is no longer cpu0's");
            assertEquals(1, s.stat(SlubStat.CPUSLAB_FLUSH, 0));
            assertEquals(0, s.validate());
            s.free(keep, task);
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
        }
    }

    @Test
    void migrationInsideTheRemoteFreeLoopKeepsCountsRight() {
        try (Machine m = new Machine(2)) {
            KmemCache s = m.slub.kmemCacheCreate("slabfree", 64, 0, 0, null);
            CpuBinding owner = m.slub.bind(0);
            CpuBinding remote = m.slub.bind(1);
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                objs.add(s.alloc(owner));
            }
            remote.setHook(once(SchedPoint.SLAB_FREE_BEFORE_CMPXCHG, () -> s.free(objs.get(1), owner)));
            s.free(objs.get(0), remote);     // cpu1 frees into cpu0's frozen slab; cpu0 frees one meanwhile
            remote.setHook(null);
            s.free(objs.get(2), remote);
            s.free(objs.get(3), owner);
            assertEquals(0, s.validate());
            Set<Long> again = new HashSet<>();
            for (int i = 0; i < s.layout().objects(); i++) {
                assertTrue(again.add(s.alloc(owner)), "handed out twice");
            }
            assertEquals(1, s.nrSlabs(0), "the whole slab is reused before a new one is needed");
            assertTrue(again.containsAll(objs), "all four come back, once each");
        }
    }
}
