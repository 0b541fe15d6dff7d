package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.hex;

import io.mmemu.mm.pgtable.Access;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The TLB's storage against a reference with the same geometry kept the obvious way: per set, an
 * array of ways and a list of the ways in recency order, most recent first. Random fills (every
 * page size, PCIDs, global), lookups (hits move their way to the front, refusals do not),
 * INVLPG and MOV to CR3 on pages that collide in few sets; after every operation every slot
 * (which way holds which entry, and its LRU rank), every lookup's answer and every fill's
 * eviction must be exactly the reference's. {@link TlbPropertyTest} checks what may be cached;
 * this checks where it is and which entry goes next, whatever the storage's layout.
 */
class TlbReplacementPropertyTest {

    /** 4K pages 0..11 of 2M pages 0 and 1 of 1G regions 1 and 2: many pages per set, every size overlapping. */
    static final long[] POOL;

    static {
        List<Long> pool = new ArrayList<>();
        for (long g : new long[] {1, 2}) {
            for (long m : new long[] {0, 1}) {
                for (long k = 0; k < 12; k++) pool.add((g << 30) + (m << 21) + (k * 4 << 12) + 0x5a8);
            }
        }
        POOL = pool.stream().mapToLong(Long::longValue).toArray();
    }

    static final int PCIDS = 3;

    enum Kind { FILL, LOOKUP, INVLPG, CR3 }

    record Op(Kind kind, int addr, int pcid, int prot, boolean global, int size, boolean user, int access) {
        @Override
        public String toString() {
            String a = hex(POOL[addr]);
            return switch (kind) {
                case FILL -> "fill(" + a + ", pcid " + pcid + ", prot " + prot + ", " + PageSize.values()[size].label
                        + (global ? ", G" : "") + (user ? "" : ", supervisor") + ")";
                case LOOKUP -> "lookup(" + a + ", pcid " + pcid + ", " + Access.name(access) + (user ? "" : ", supervisor") + ")";
                case INVLPG -> "invlpg(" + a + ")";
                case CR3 -> "movToCr3(pcid " + pcid + (global ? ", NOFLUSH" : "") + ")";
            };
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                        Arbitraries.integers().between(0, 99).map(k -> k < 45 ? Kind.FILL : k < 88 ? Kind.LOOKUP
                                : k < 95 ? Kind.INVLPG : Kind.CR3),
                        Arbitraries.integers().between(0, POOL.length - 1),
                        Arbitraries.integers().between(0, PCIDS - 1),
                        Arbitraries.integers().between(1, 7),
                        Arbitraries.integers().between(0, 5).map(g -> g == 0), // one fill in six global
                        Arbitraries.integers().between(0, 9).map(s -> s < 7 ? 0 : s < 9 ? 1 : 2), // mostly 4K
                        Arbitraries.integers().between(0, 5).map(u -> u != 0),
                        Arbitraries.integers().between(0, 2))
                .as(Op::new);
        return op.list().ofMinSize(20).ofMaxSize(250);
    }

    /**
     * The geometries: teaching's; 4- and 3-way sets; Golden Cove's L1 dTLB (6- and 4-way sets, a
     * fully associative 8-entry 1G array); 16 and 15 ways, as Golden Cove's STLB; 17, 9 and 3
     * ways in one set each; and fully associative arrays larger than {@link TlbArray#SCAN_WAYS},
     * searched through their index.
     */
    static final List<TlbConfig> GEOMETRIES = List.of(
            TlbConfig.TEACHING,
            new TlbConfig(2, 4, 2, 3, 1, 2),
            new TlbConfig(16, 6, 8, 4, 1, 8),
            new TlbConfig(1, 16, 2, 16, 1, 15),
            new TlbConfig(1, 17, 1, 9, 1, 3),
            new TlbConfig(1, TlbArray.SCAN_WAYS + 8, 1, TlbArray.SCAN_WAYS + 4, 1, TlbArray.SCAN_WAYS + 1));

    @Provide
    Arbitrary<TlbConfig> geometries() {
        return Arbitraries.of(GEOMETRIES);
    }

    @Property(tries = 1500)
    void everySlotLookupAndEvictionIsTheReferences(@ForAll("geometries") TlbConfig config, @ForAll("ops") List<Op> ops) {
        check(config, ops);
    }

    static void check(TlbConfig config, List<Op> ops) {
        Tlb tlb = new Tlb(config);
        tlb.movToCr4Pcide(true);
        Reference ref = new Reference(config);
        List<Op> done = new ArrayList<>();
        for (int n = 0; n < ops.size(); n++) {
            Op op = ops.get(n);
            done.add(op);
            long va = POOL[op.addr];
            switch (op.kind) {
                case FILL -> {
                    PageSize size = PageSize.values()[op.size];
                    long pageBase = (long) (n + 1) << size.shift; // a distinct frame per fill
                    long walk = Walks.ok(pageBase + (va & (size.bytes() - 1) & ~0xFFFL), op.prot, size, op.global);
                    boolean evicted = tlb.fill(va, op.pcid, walk, op.user);
                    boolean want = ref.fill(va, op.pcid, size, pageBase, op.prot, op.global, op.user);
                    expect(evicted == want, "fill evicted " + evicted + ", reference " + want, done, tlb, ref);
                }
                case LOOKUP -> {
                    long got = tlb.lookup(va, op.pcid, op.access, op.user);
                    long want = ref.lookup(va, op.pcid, op.access, op.user);
                    expect(got == want, "lookup returned " + hex(got) + ", reference " + hex(want), done, tlb, ref);
                }
                case INVLPG -> {
                    tlb.invlpg(va);
                    ref.invalidate(va, ref.currentPcid);
                }
                case CR3 -> {
                    tlb.movToCr3((op.global ? Tlb.CR3_NOFLUSH : 0) | 0x1000 | op.pcid);
                    ref.currentPcid = op.pcid;
                    if (!op.global) ref.flushPcid(op.pcid);
                }
            }
            expect(tlb.stat(TlbStat.EVICTION) == ref.evictions, "evictions " + tlb.stat(TlbStat.EVICTION) + ", reference "
                    + ref.evictions, done, tlb, ref);
            String got = slots(tlb);
            String want = ref.slots();
            expect(got.equals(want), "slots differ", done, tlb, ref);
        }
    }

    /** Every slot of the TLB, one line each, in {@link Tlb#forEachSlot} order. */
    static String slots(Tlb tlb) {
        StringBuilder sb = new StringBuilder();
        tlb.forEachSlot((size, set, way, valid, pcid, vaddr, pagePa, prot, user, global, lru) -> sb.append(
                slot(size, set, way, valid, pcid, vaddr, pagePa, prot, user, global, lru)));
        return sb.toString();
    }

    static String slot(PageSize size, int set, int way, boolean valid, int pcid, long vaddr, long pagePa, int prot, boolean user,
                       boolean global, int lru) {
        return !valid ? size.label + " " + set + "/" + way + " -\n"
                : size.label + " " + set + "/" + way + " lru " + lru + " pcid " + pcid + " " + hex(vaddr) + " -> " + hex(pagePa)
                        + " prot " + prot + (user ? " U" : "") + (global ? " G" : "") + "\n";
    }

    static void expect(boolean ok, String what, List<Op> done, Tlb tlb, Reference ref) {
        if (!ok) {
            StringBuilder sb = new StringBuilder(what).append("\nafter:\n");
            for (Op op : done) sb.append("  ").append(op).append('\n');
            sb.append("TLB:\n").append(slots(tlb)).append("reference:\n").append(ref.slots());
            throw new AssertionError(sb.toString());
        }
    }

    /** One cached translation. */
    record Entry(PageSize size, long vpn, int pcid, boolean global, long pageBase, int prot, boolean user) {
        boolean overlaps(PageSize s, long v) {
            int big = Math.max(size.shift, s.shift);
            return vpn << size.shift >>> big == v << s.shift >>> big;
        }
    }

    /** Sets of ways, each set with its recency list: the obvious implementation of the same policy. */
    static final class Reference {
        final TlbConfig config;
        /** [size][set][way], null for an invalid way. */
        final Entry[][][] ways = new Entry[3][][];
        /** [size][set]: the ways, most recently used first. */
        final List<List<Integer>> recency = new ArrayList<>();
        int currentPcid;
        long evictions;

        Reference(TlbConfig config) {
            this.config = config;
            for (PageSize s : PageSize.values()) {
                ways[s.ordinal()] = new Entry[config.sets(s)][config.ways(s)];
                for (int set = 0; set < config.sets(s); set++) {
                    List<Integer> order = new ArrayList<>();
                    for (int w = 0; w < config.ways(s); w++) order.add(w);
                    recency.add(order);
                }
            }
        }

        List<Integer> order(PageSize s, int set) {
            int k = 0;
            for (PageSize t : PageSize.values()) {
                if (t == s) return recency.get(k + set);
                k += config.sets(t);
            }
            throw new AssertionError();
        }

        int setOf(PageSize s, long vpn) {
            return (int) (vpn & (config.sets(s) - 1));
        }

        void touch(PageSize s, int set, int way) {
            List<Integer> order = order(s, set);
            order.remove(Integer.valueOf(way));
            order.addFirst(way);
        }

        boolean fill(long va, int pcid, PageSize size, long pageBase, int prot, boolean global, boolean user) {
            long v = (va & TlbArray.VA_MASK) >>> size.shift;
            // Drop whatever would answer the same lookups for any of the new page's addresses.
            for (PageSize s : PageSize.values()) {
                for (Entry[] set : ways[s.ordinal()]) {
                    for (int w = 0; w < set.length; w++) {
                        Entry o = set[w];
                        if (o != null && o.overlaps(size, v) && (global || o.global || o.pcid == pcid)) set[w] = null;
                    }
                }
            }
            int setNo = setOf(size, v);
            Entry[] set = ways[size.ordinal()][setNo];
            int way = -1;
            for (int w = 0; w < set.length && way < 0; w++) {
                if (set[w] == null) way = w;
            }
            boolean evicted = way < 0;
            if (evicted) {
                way = order(size, setNo).getLast();
                evictions++;
            }
            set[way] = new Entry(size, v, pcid, global, pageBase, prot, user);
            touch(size, setNo, way);
            return evicted;
        }

        long lookup(long va, int pcid, int access, boolean user) {
            int need = access == Access.WRITE ? Walks.W : access == Access.FETCH ? Walks.X : Walks.R;
            for (PageSize s : PageSize.values()) {
                long v = (va & TlbArray.VA_MASK) >>> s.shift;
                int setNo = setOf(s, v);
                Entry[] set = ways[s.ordinal()][setNo];
                int way = find(set, v, pcid);
                if (way < 0) continue;
                Entry e = set[way];
                if ((e.prot & need) == need && (!user || e.user)) {
                    touch(s, setNo, way);
                    return Walks.ok(e.pageBase + (va & (s.bytes() - 1) & ~0xFFFL), e.prot, s, e.global);
                }
            }
            return Tlb.MISS;
        }

        /** The way holding page {@code v} for {@code pcid}, else a global one, or -1. */
        static int find(Entry[] set, long v, int pcid) {
            for (int w = 0; w < set.length; w++) {
                if (set[w] != null && set[w].vpn == v && !set[w].global && set[w].pcid == pcid) return w;
            }
            for (int w = 0; w < set.length; w++) {
                if (set[w] != null && set[w].vpn == v && set[w].global) return w;
            }
            return -1;
        }

        /** INVLPG: the entries of every size covering {@code va}, of {@code pcid} or global. */
        void invalidate(long va, int pcid) {
            for (PageSize s : PageSize.values()) {
                long v = (va & TlbArray.VA_MASK) >>> s.shift;
                Entry[] set = ways[s.ordinal()][setOf(s, v)];
                for (int w = 0; w < set.length; w++) {
                    if (set[w] != null && set[w].vpn == v && (set[w].global || set[w].pcid == pcid)) set[w] = null;
                }
            }
        }

        /** MOV to CR3 without NOFLUSH: the non-global entries of {@code pcid}. */
        void flushPcid(int pcid) {
            for (Entry[][] size : ways) {
                for (Entry[] set : size) {
                    for (int w = 0; w < set.length; w++) {
                        if (set[w] != null && !set[w].global && set[w].pcid == pcid) set[w] = null;
                    }
                }
            }
        }

        String slots() {
            StringBuilder sb = new StringBuilder();
            for (PageSize s : PageSize.values()) {
                Entry[][] sets = ways[s.ordinal()];
                for (int set = 0; set < sets.length; set++) {
                    List<Integer> order = order(s, set);
                    for (int w = 0; w < sets[set].length; w++) {
                        Entry e = sets[set][w];
                        if (e == null) {
                            sb.append(slot(s, set, w, false, 0, 0, 0, 0, false, false, -1));
                            continue;
                        }
                        int rank = 0;
                        for (int o : order) {
                            if (o == w) break;
                            if (sets[set][o] != null) rank++;
                        }
                        long vaddr = e.vpn << s.shift;
                        if ((vaddr & (1L << 47)) != 0) vaddr |= ~TlbArray.VA_MASK;
                        sb.append(slot(s, set, w, true, e.pcid, vaddr, e.pageBase, e.prot, e.user, e.global, rank));
                    }
                }
            }
            return sb.toString();
        }
    }
}
