package io.mmemu.slub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.slub.testing.DeterministicScheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Interleaved fast paths under the deterministic scheduler, with migrations chosen by a seed. */
class DeterministicSchedulerTest {

    /** Result of one run: the scheduling trace and every allocation in order. */
    record Outcome(List<String> trace, List<Long> allocations, String stats) {
    }

    private static Outcome runOnce(long seed, int opsPerTask) {
        try (Machine m = new Machine(2, 1, 16L << 20, Slub.Config.defaults(2).withSeed(seed))) {
            KmemCache s = m.slub.kmemCacheCreate("sched", 96, 0, 0, null);
            DeterministicScheduler sched = new DeterministicScheduler(20);
            Map<Long, Integer> owner = Collections.synchronizedMap(new HashMap<>());
            List<Long> allocations = Collections.synchronizedList(new ArrayList<>());
            List<Long> shared = Collections.synchronizedList(new ArrayList<>());   // objects handed between tasks
            int tasks = 3;
            for (int t = 0; t < tasks; t++) {
                int id = t;
                sched.spawn("t" + t, m.slub.bind(t % 2, 100 + t), b -> {
                    SplittableRandom rnd = new SplittableRandom(seed * 31 + id);
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < opsPerTask; i++) {
                        int r = rnd.nextInt(10);
                        if (r < 5 || mine.isEmpty()) {
                            long p = s.alloc(b);
                            Integer prev = owner.put(p, id);
                            assertEquals(null, prev, String.format("0x%x handed to t%d while t%s holds it", p, id, prev));
                            m.mem.writeLong(p, ((long) id << 32) | i);
                            mine.add(p);
                            allocations.add(p);
                        } else if (r < 8) {
                            long p = mine.remove(rnd.nextInt(mine.size()));
                            assertEquals(id, (int) (m.mem.readLong(p) >>> 32), "object overwritten while allocated");
                            owner.remove(p);
                            s.free(p, b);
                        } else {
                            long p = mine.remove(rnd.nextInt(mine.size()));
                            owner.put(p, -1);
                            shared.add(p);                       // another task frees it: remote free
                            long q = 0;
                            synchronized (shared) {            // never hold a monitor across a scheduling point
                                if (shared.size() > 1) {
                                    q = shared.removeFirst();
                                }
                            }
                            if (q != 0) {
                                owner.remove(q);
                                s.free(q, b);
                            }
                        }
                    }
                    for (long p : mine) {
                        owner.remove(p);
                        s.free(p, b);
                    }
                });
            }
            SplittableRandom policyRnd = new SplittableRandom(seed);
            sched.run((step, current, point, runnable) -> {
                int next = runnable[policyRnd.nextInt(runnable.length)];
                if (policyRnd.nextInt(4) == 0) {
                    sched.binding(next).migrate(policyRnd.nextInt(2));   // preempted and moved to another CPU
                }
                return next;
            });
            for (long p : shared) {
                s.free(p, m.slub.bind(0));
            }
            assertEquals(0, s.validate(), m.slub.log().text());
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
            return new Outcome(sched.trace(), List.copyOf(allocations), SlabInfo.stats(s));
        }
    }

    @Test
    void sameSeedReplaysBitForBit() {
        Outcome a = runOnce(7, 150);
        Outcome b = runOnce(7, 150);
        assertEquals(a.trace(), b.trace());
        assertEquals(a.allocations(), b.allocations());
        assertEquals(a.stats(), b.stats());
        assertNotEquals(a.trace(), runOnce(8, 150).trace(), "another seed, another interleaving");
    }

    @Test
    void interleavingsWithMigrationNeverHandOutAnObjectTwice() {
        long cpuFails = 0;
        long fails = 0;
        for (long seed = 1; seed <= 25; seed++) {
            Outcome o = runOnce(seed, 120);
            assertTrue(o.trace().size() > 300, "tasks were interleaved at scheduling points");
            cpuFails += statLine(o.stats(), "cmpxchg_double_cpu_fail");
            fails += statLine(o.stats(), "cmpxchg_double_fail");
        }
        assertTrue(cpuFails > 0, "some exchanges were begun on one CPU and attempted on another");
        assertTrue(fails > 0, "some exchanges lost a race on the same CPU");
    }

    private static long statLine(String stats, String name) {
        for (String line : stats.split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Long.parseLong(line.substring(name.length() + 2).split(" ")[0]);
            }
        }
        throw new AssertionError(name);
    }
}
