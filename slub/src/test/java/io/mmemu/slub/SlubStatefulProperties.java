package io.mmemu.slub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.slub.check.SlubInvariants;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of alloc, free, kmalloc, kfree, krealloc, flush, validate and
 * destroy/recreate across four CPUs on two nodes, with a migration forced at a chosen
 * fast-path point of each operation. After every few operations the whole allocator state is
 * checked against the model:
 * <ul>
 *   <li>no object is handed out twice (and every live object keeps its tag);</li>
 *   <li>every invariant of {@link SlubInvariants} holds, given the objects the model holds:
 *       every object of every slab is allocated or on exactly one freelist, inuse, list
 *       membership and node counters agree, no red zone or poison is damaged;</li>
 *   <li>SLUB_STATS alloc/free counters agree with what happened;</li>
 *   <li>pages in use are exactly the slabs' pages plus large kmallocs, and after destroying
 *       everything no page is left.</li>
 * </ul>
 * The default run uses 1,000 tries; -Dmmemu.slub.longCampaign=true multiplies sequence
 * length by 10 (run with -Djqwik.tries.default=… for more tries).
 */
class SlubStatefulProperties {
    private static final boolean LONG = Boolean.getBoolean("mmemu.slub.longCampaign");
    private static final int CPUS = 4;

    enum Kind { ALLOC, FREE, KMALLOC, KFREE, KREALLOC, FLUSH, VALIDATE, DESTROY_CREATE }

    record Op(Kind kind, int cpu, int pick, int size, SchedPoint migrateAt, int migrateTo) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(30, Arbitraries.just(Kind.ALLOC)),
                net.jqwik.api.Tuple.of(22, Arbitraries.just(Kind.FREE)),
                net.jqwik.api.Tuple.of(15, Arbitraries.just(Kind.KMALLOC)),
                net.jqwik.api.Tuple.of(10, Arbitraries.just(Kind.KFREE)),
                net.jqwik.api.Tuple.of(8, Arbitraries.just(Kind.KREALLOC)),
                net.jqwik.api.Tuple.of(5, Arbitraries.just(Kind.FLUSH)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(Kind.VALIDATE)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.DESTROY_CREATE)));
        Arbitrary<Integer> sizes = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(1, 256)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(257, 8192)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(8193, 12000)));
        Arbitrary<Op> op = Combinators.combine(kinds, Arbitraries.integers().between(0, CPUS - 1),
                Arbitraries.integers().between(0, 1 << 20), sizes,
                Arbitraries.of(SchedPoint.class).injectNull(0.5), Arbitraries.integers().between(0, CPUS - 1)).as(Op::new);
        return op.list().ofMaxSize(LONG ? 800 : 80);
    }

    @Provide
    Arbitrary<String> debug() {
        return Arbitraries.of("", "", "FZPU", "P,objA", "FZ,kmalloc-*");
    }

    @Property(tries = 1000)
    void allocatorStateAlwaysMatchesTheModel(@ForAll("ops") List<Op> ops, @ForAll boolean hardened,
                                             @ForAll("debug") String debug) {
        // Small slabs (slub_min_objects=4, slub_max_order=1) so that slabs fill up and drain often.
        Slub.Config cfg = Slub.Config.defaults(CPUS).withOrders(4, 0, 1).withHardened(hardened).withSeed(ops.size())
                .withSlubDebug(debug.isEmpty() ? null : debug);
        try (Machine m = new Machine(CPUS, 2, 8L << 20, cfg)) {
            new Run(m).run(ops);
        }
    }

    /** One object the model knows is allocated. */
    record Live(KmemCache cache, long size, long tag, KmemCache statCache) {
    }

    static final class Run {
        final Machine m;
        final Slub slub;
        final CpuBinding[] cpus = new CpuBinding[CPUS];
        final KmemCache[] custom = new KmemCache[2];
        final Map<Long, Live> live = new LinkedHashMap<>();
        final Map<KmemCache, long[]> expected = new IdentityHashMap<>();   // {allocs, frees}
        long nextTag = 0x7a6b000000000000L;

        Run(Machine m) {
            this.m = m;
            this.slub = m.slub;
            for (int c = 0; c < CPUS; c++) {
                cpus[c] = slub.bind(c, 100 + c);
            }
            custom[0] = slub.kmemCacheCreate("objA", 512, 0, 0, null);
            custom[1] = slub.kmemCacheCreate("objB", 300, 0, SlabFlags.SLAB_HWCACHE_ALIGN, null);
        }

        void run(List<Op> ops) {
            int i = 0;
            for (Op op : ops) {
                step(op);
                assertTrue(slub.log().errors().isEmpty(), () -> "unexpected report after " + op + ":\n" + slub.log().text());
                if (++i % 10 == 0) {
                    checkAll("after op " + i + " " + op);
                }
            }
            checkAll("at end");
            // Free everything, destroy every cache: every page must come back.
            for (Map.Entry<Long, Live> e : new ArrayList<>(live.entrySet())) {
                free(e.getKey(), e.getValue(), cpus[(int) (e.getKey() >>> 6) & (CPUS - 1)], false);
            }
            checkAll("after freeing everything");
            for (KmemCache s : slub.caches()) {
                Slub.LeakReport r = slub.kmemCacheDestroy(s, 0);
                assertTrue(r.destroyed(), () -> "destroy " + s.name() + " leaked " + r + "\n" + slub.log().text());
            }
            assertEquals(0, m.mem.pagesInUse(), "all pages returned after destroy");
        }

        private CpuBinding binding(Op op) {
            CpuBinding b = cpus[op.cpu()];
            if (op.migrateAt() != null) {
                boolean[] fired = {false};
                b.setHook((point, cache, bb) -> {
                    if (point == op.migrateAt() && !fired[0]) {
                        fired[0] = true;
                        bb.migrate(op.migrateTo());
                    }
                });
            }
            return b;
        }

        private long[] counts(KmemCache s) {
            return expected.computeIfAbsent(s, k -> new long[2]);
        }

        void step(Op op) {
            CpuBinding b = binding(op);
            try {
                switch (op.kind()) {
                    case ALLOC -> {
                        KmemCache s = custom[op.pick() & 1];
                        long p = s.alloc(b, 0xffffffff81000000L + op.pick());
                        admit(p, new Live(s, s.layout().objectSize(), nextTag++, s));
                        assertSame(s, slub.virtToSlab(p).cache());
                        counts(s)[0]++;
                    }
                    case KMALLOC -> {
                        long p = slub.kmalloc(op.size(), b);
                        assertTrue(slub.ksize(p) >= op.size(), "ksize below the request");
                                KmemCache kc = op.size() <= Slub.KMALLOC_MAX_CACHE_SIZE ? slub.kmallocSlab(op.size()) : null;
                        admit(p, new Live(null, op.size(), nextTag++, kc));
                        if (kc != null) {
                            counts(kc)[0]++;
                        }
                    }
                    case FREE, KFREE -> {
                        if (!live.isEmpty()) {
                            long p = pickLive(op.pick());
                            free(p, live.get(p), b, op.kind() == Kind.KFREE);
                        }
                    }
                    case KREALLOC -> {
                        long p = pickKmalloc(op.pick());
                        if (p != 0) {
                            realloc(p, op.size(), b);
                        }
                    }
                    case FLUSH -> {
                        for (KmemCache s : custom) {
                            s.flushCpuSlab(op.cpu());
                        }
                        slub.kmallocSlab(1 + (op.pick() % 256)).flushCpuSlab(op.cpu());
                    }
                    case VALIDATE -> {
                        for (KmemCache s : custom) {
                            assertEquals(0, s.validate(), () -> slub.log().text());
                        }
                    }
                    case DESTROY_CREATE -> destroyAndRecreate(op.pick() & 1, b);
                }
            } finally {
                b.setHook(null);
            }
        }

        private void admit(long p, Live l) {
            assertNotEquals(0, p, "allocation failed");
            assertTrue(p > Slub.ZERO_SIZE_PTR);
            Live prev = live.put(p, l);
            assertEquals(null, prev, () -> String.format("0x%x handed out twice (held by %s)", p, prev));
            if (l.size() >= 8) {
                m.mem.writeLong(p, l.tag());
            }
        }

        private void checkTag(long p, Live l) {
            if (l.size() >= 8) {
                assertEquals(l.tag(), m.mem.readLong(p), () -> String.format("object 0x%x was overwritten while allocated", p));
            }
        }

        private long pickLive(int pick) {
            int idx = pick % live.size();
            for (long p : live.keySet()) {
                if (idx-- == 0) {
                    return p;
                }
            }
            throw new AssertionError();
        }

        private long pickKmalloc(int pick) {
            List<Long> km = new ArrayList<>();
            for (Map.Entry<Long, Live> e : live.entrySet()) {
                if (e.getValue().cache() == null) {
                    km.add(e.getKey());
                }
            }
            return km.isEmpty() ? 0 : km.get(pick % km.size());
        }

        private void free(long p, Live l, CpuBinding b, boolean viaKfree) {
            checkTag(p, l);
            live.remove(p);
            if (l.statCache() != null) {
                counts(l.statCache())[1]++;
            }
            if (l.cache() != null && !viaKfree) {
                l.cache().free(p, b);
            } else {
                slub.kfree(p, b);
            }
        }

        private void realloc(long p, int size, CpuBinding b) {
            Live l = live.get(p);
            checkTag(p, l);
            long ks = slub.ksize(p);
            long q = slub.krealloc(p, size, b);
            if (ks >= size) {
                assertEquals(p, q, "krealloc within ksize keeps the block");
                live.put(p, new Live(null, Math.min(l.size(), size), l.tag(), l.statCache()));
                return;
            }
            live.remove(p);
            if (l.statCache() != null) {
                counts(l.statCache())[1]++;
            }
            KmemCache kc = size <= Slub.KMALLOC_MAX_CACHE_SIZE ? slub.kmallocSlab(size) : null;
            if (kc != null) {
                counts(kc)[0]++;
            }
            Live moved = new Live(null, size, l.tag(), kc);
            Live prev = live.put(q, moved);
            assertEquals(null, prev, () -> String.format("krealloc returned live 0x%x", q));
            if (l.size() >= 8) {
                assertEquals(l.tag(), m.mem.readLong(q), "krealloc keeps the contents");
            } else {
                m.mem.writeLong(q, moved.tag());
            }
        }

        private void destroyAndRecreate(int which, CpuBinding b) {
            KmemCache s = custom[which];
            for (Map.Entry<Long, Live> e : new ArrayList<>(live.entrySet())) {
                if (e.getValue().cache() == s) {
                    free(e.getKey(), e.getValue(), b, false);
                }
            }
            Slub.LeakReport r = slub.kmemCacheDestroy(s, 0);
            assertTrue(r.destroyed(), () -> r + "\n" + slub.log().text());
            slub.pageMap.forEachSlab(s, slab -> {
                throw new AssertionError("slab of a destroyed cache still mapped: " + slab);
            });
            expected.remove(s);
            custom[which] = which == 0 ? slub.kmemCacheCreate("objA", 512, 0, 0, null)
                    : slub.kmemCacheCreate("objB", 300, 0, SlabFlags.SLAB_HWCACHE_ALIGN, null);
        }

        /** Checks every invariant over the whole allocator ({@link SlubInvariants}), then what only the model knows. */
        void checkAll(String when) {
            SlubInvariants.check(slub, live::containsKey).requireOk(when);
            Map<KmemCache, List<Slab>> slabs = new IdentityHashMap<>();
            slub.pageMap.forEachSlab(null, slab -> slabs.computeIfAbsent(slab.cache(), k -> new ArrayList<>()).add(slab));
            long slabPages = 0;
            for (KmemCache s : slub.caches()) {
                for (Slab slab : slabs.getOrDefault(s, List.of())) {
                    slabPages += 1L << slab.order();
                }
                long[] exp = expected.getOrDefault(s, new long[2]);
                assertEquals(exp[0], s.stat(SlubStat.ALLOC_FASTPATH) + s.stat(SlubStat.ALLOC_SLOWPATH), when + ": alloc stats of " + s.name());
                assertEquals(exp[1], s.stat(SlubStat.FREE_FASTPATH) + s.stat(SlubStat.FREE_SLOWPATH), when + ": free stats of " + s.name());
            }
            long largePages = 0;
            for (Map.Entry<Long, Live> e : live.entrySet()) {
                if (e.getValue().cache() == null && e.getValue().statCache() == null) {
                    largePages += slub.ksize(e.getKey()) / PageSource.PAGE_SIZE;
                }
            }
            assertEquals(slabPages + largePages, m.mem.pagesInUse(), when + ": pages in use are slab pages plus large kmallocs");
        }
    }
}
