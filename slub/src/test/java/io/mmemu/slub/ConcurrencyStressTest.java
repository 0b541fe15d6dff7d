package io.mmemu.slub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Real host threads, each bound to an emulated CPU, hammering one cache: allocations, local
 * frees, frees of objects allocated by other threads, and migrations, including migrations
 * forced between the tid read and the exchange. An ownership map catches any object handed
 * out twice; tags written into objects catch any overlap; at the end validate() must find
 * a consistent allocator and destroy must return every page. (The pair exchange is also
 * covered by the jcstress tests in src/jcstress when that harness is run.)
 */
class ConcurrencyStressTest {
    private static final int ITERATIONS = Integer.getInteger("mmemu.slub.stressIterations", 250_000);

    @Test
    void threadsOnSharedCpusWithMigrationsNeverShareAnObject() throws Exception {
        runStress(4, 2, 4, false);
    }

    @Test
    void oneThreadPerCpuHardenedWithManyRemoteFrees() throws Exception {
        runStress(4, 4, 2, true);
    }

    private void runStress(int threads, int cpus, int nodesHint, boolean hardened) throws Exception {
        int nodes = nodesHint > cpus ? 1 : 2;
        try (Machine m = new Machine(cpus, nodes, 32L << 20, Slub.Config.defaults(cpus).withHardened(hardened).withSeed(3))) {
            KmemCache s = m.slub.kmemCacheCreate("stress", 48, 0, 0, null);
            ConcurrentHashMap<Long, Integer> owner = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<Long> handoff = new ConcurrentLinkedQueue<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    try {
                        CpuBinding b = m.slub.bind(id % cpus, id);
                        SplittableRandom rnd = new SplittableRandom(id * 7919L);
                        int[] countdown = {0};
                        b.setHook((point, cache, bb) -> {
                            if (--countdown[0] == 0) {
                                bb.migrate(rnd.nextInt(cpus));   // migrate between tid read and exchange
                            }
                        });
                        List<Long> mine = new ArrayList<>();
                        start.await();
                        for (int i = 0; i < ITERATIONS; i++) {
                            if (rnd.nextInt(64) == 0) {
                                countdown[0] = 1 + rnd.nextInt(4);
                            }
                            int r = rnd.nextInt(10);
                            if (r < 5 || mine.isEmpty()) {
                                long p = s.alloc(b);
                                if (p == 0) {
                                    throw new AssertionError("out of memory");
                                }
                                Integer prev = owner.putIfAbsent(p, id);
                                if (prev != null) {
                                    throw new AssertionError(String.format("0x%x handed to thread %d while thread %d holds it", p, id, prev));
                                }
                                m.mem.writeLong(p, ((long) id << 32) | (i & 0xffffffffL));
                                m.mem.writeLong(p + 40, ~(((long) id << 32) | (i & 0xffffffffL)));
                                mine.add(p);
                                if (mine.size() > 200) {
                                    release(s, b, owner, mine.removeFirst(), id, m);
                                }
                            } else if (r < 8) {
                                release(s, b, owner, mine.remove(rnd.nextInt(mine.size())), id, m);
                            } else if (r < 9) {
                                long p = mine.remove(rnd.nextInt(mine.size()));
                                check(m, p, id);
                                owner.remove(p, id);
                                handoff.add(p);                        // someone else frees it
                            } else {
                                Long q = handoff.poll();
                                if (q != null) {
                                    s.free(q, b);                      // a remote free
                                }
                            }
                        }
                        for (long p : mine) {
                            release(s, b, owner, p, id, m);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "stress-" + t);
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                th.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("stress thread failed", failure.get());
            }
            CpuBinding b = m.slub.bind(0);
            for (Long q; (q = handoff.poll()) != null; ) {
                s.free(q, b);
            }
            assertTrue(owner.isEmpty());
            assertEquals(0, s.validate(), m.slub.log().text());
            assertTrue(m.slub.log().errors().isEmpty(), m.slub.log().text());
            long allocs = s.stat(SlubStat.ALLOC_FASTPATH) + s.stat(SlubStat.ALLOC_SLOWPATH);
            assertTrue(allocs > ITERATIONS, "allocations happened: " + allocs);
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
            assertEquals(0, m.mem.pagesInUse(), "every page returned");
        }
    }

    private static void check(Machine m, long p, int id) {
        long tag = m.mem.readLong(p);
        if ((int) (tag >>> 32) != id || m.mem.readLong(p + 40) != ~tag) {
            throw new AssertionError(String.format("object 0x%x of thread %d overwritten: %x", p, id, tag));
        }
    }

    private static void release(KmemCache s, CpuBinding b, ConcurrentHashMap<Long, Integer> owner, long p, int id, Machine m) {
        check(m, p, id);
        if (!owner.remove(p, id)) {
            throw new AssertionError(String.format("0x%x freed by %d but not owned by it", p, id));
        }
        s.free(p, b);
    }
}
