package io.mmemu.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.slub.KmemCache;
import io.mmemu.slub.SchedPoint;
import io.mmemu.slub.SlubStat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SLUB sandbox allocates and frees on the CPUs it is told, keeps its ledger, and gives every page back. */
class SlubSandboxTest {

    @Test
    void objectsAreDistinctAcrossCpusAndEveryPageComesBack() {
        try (SlubSandbox s = SlubSandbox.create()) {
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                assertTrue(seen.add(s.alloc(i, i % SlubSandbox.DEFAULT_CPUS, null)), s::describe);
                assertTrue(seen.add(s.kmalloc(1 + i * 37 % 9000, i % 3, null)), s::describe);
            }
            assertEquals(400, s.live().size());
            assertEquals(List.of(), s.drainAndDestroy(), s::describe);
            assertTrue(s.live().isEmpty());
        }
    }

    @Test
    void aMigrationInsideAFreeMovesItToTheOtherCpusSlowPath() {
        try (SlubSandbox s = SlubSandbox.create()) {
            KmemCache objA = s.caches().get(0);
            long a = s.alloc(0, 0, null);
            // Freed from CPU 1, moved to CPU 2 after the tid read: the object's slab is no CPU's slab there.
            s.free(a, 1, new Migration(SchedPoint.FREE_AFTER_TID, 2));
            assertEquals(1, objA.stat(SlubStat.FREE_SLOWPATH), s::describe);
            assertEquals(0, objA.stat(SlubStat.FREE_FASTPATH), s::describe);
        }
    }

    @Test
    void theLedgerCatchesAnObjectWrittenWhileLiveAndRefusesUnknownObjects() {
        try (SlubSandbox s = SlubSandbox.create()) {
            long a = s.alloc(0, 0, null);
            s.memory().writeLong(a, 0);
            AssertionError e = assertThrows(AssertionError.class, () -> s.free(a, 0, null));
            assertTrue(e.getMessage().contains("was overwritten while allocated"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.kfree(a + 8, 0, null));
        }
    }

    @Test
    void pickNamesLiveObjectsInAllocationOrder() {
        try (SlubSandbox s = SlubSandbox.create()) {
            assertNull(s.pick(3));
            long a = s.alloc(0, 0, null), b = s.kmalloc(64, 1, null);
            assertEquals(a, s.pick(0).address());
            assertEquals(b, s.pick(3).address());
            assertNotEquals(a, b);
            assertEquals("kmalloc", s.pick(1).toString().replaceAll(".*\\((\\w+),.*", "$1"));
        }
    }
}
