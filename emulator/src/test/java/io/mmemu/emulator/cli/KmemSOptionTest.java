package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code run --kmem-s CACHE}: crash's kmem -S at exit, and the line naming a cache that does not exist. */
class KmemSOptionTest {
    @Test
    void printsTheCacheAsKmemDashSAndNamesAMissingOne() {
        InProcessRun r = InProcessRun.run(List.of("--kmem-s", "task_struct", "--kmem-s", "no-such-cache"), "hello");
        assertEquals(7, r.status(), r.log());
        String log = r.log();
        assertTrue(log.contains("CACHE            OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME\n"), log);
        assertTrue(log.matches("(?s).*\\(model\\)\\s+4288\\s+\\d+\\s+\\d+\\s+\\d+\\s+32k  task_struct\n.*"), log);
        assertTrue(log.contains("CPU 0 SLAB:\n") && log.contains("NODE 0 PARTIAL:\n") && log.contains("NODE 0 FULL:\n"), log);
        assertTrue(log.contains("mmemu: --kmem-s no-such-cache: no such cache (--slabinfo lists them)\n"), log);
    }
}
