package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.hex;

import io.mmemu.mm.pgtable.Access;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random fills, lookups and invalidations against a reference model with no sets, ways or
 * eviction: a HashMap from (page size, virtual page, PCID or global) to the last fill that no
 * invalidation has covered since. After every operation, at every address of a small pool (chosen
 * so that 4K, 2M and 1G pages overlap and collide in sets) and every PCID, the TLB must either
 * miss (it may have evicted) or answer exactly what the reference holds, and must never hold more
 * than its capacity. A failure prints the operations so far and the TLB.
 */
class TlbPropertyTest {

    /** Addresses overlapping at every page size: 1G regions 1 and 2, 2M pages 0, 1, 5 of each, 4K pages 0, 1, 4, 9. */
    static final long[] POOL;

    static {
        List<Long> pool = new ArrayList<>();
        for (long g : new long[] {1, 2}) {
            for (long m : new long[] {0, 1, 5}) {
                for (long k : new long[] {0, 1, 4, 9}) pool.add((g << 30) + (m << 21) + (k << 12) + 0x123);
            }
        }
        POOL = pool.stream().mapToLong(Long::longValue).toArray();
    }

    static final int PCIDS = 4;

    /** One operation; which fields matter depends on {@code kind}. */
    record Op(int kind, int addr, int pcid, int prot, boolean global, int size, boolean user, int access) {
        @Override
        public String toString() {
            String a = hex(POOL[addr]);
            return switch (kindOf(kind)) {
                case FILL -> "fill(" + a + ", pcid " + pcid + ", prot " + prot + ", " + PageSize.values()[size].label
                        + (global ? ", G" : "") + (user ? "" : ", supervisor") + ")";
                case LOOKUP -> "lookup(" + a + ", pcid " + pcid + ", " + Access.name(access) + (user ? "" : ", supervisor") + ")";
                case INVLPG -> "invlpg(" + a + ")";
                case INVPCID_ADDRESS -> "invpcidAddress(" + pcid + ", " + a + ")";
                case INVPCID_SINGLE -> "invpcidSingleContext(" + pcid + ")";
                case INVPCID_ALL -> "invpcidAllContext()";
                case CR3 -> "movToCr3(pcid " + pcid + (global ? ", NOFLUSH" : "") + ")";
                case FLUSH_ALL -> "flushAll()";
                case RANGE -> "flushTlbRange(current, " + a + ", " + prot * 6 + " pages)";
                case NON_GLOBAL -> "flushAllNonGlobal(" + pcid + ")";
                case PCIDE -> "movToCr4Pcide(toggle)";
            };
        }
    }

    enum Kind { FILL, LOOKUP, INVLPG, INVPCID_ADDRESS, INVPCID_SINGLE, INVPCID_ALL, CR3, FLUSH_ALL, RANGE, NON_GLOBAL, PCIDE }

    /** Weights: kind number → kind, out of 100. */
    static Kind kindOf(int k) {
        if (k < 40) return Kind.FILL;
        if (k < 65) return Kind.LOOKUP;
        if (k < 72) return Kind.INVLPG;
        if (k < 77) return Kind.INVPCID_ADDRESS;
        if (k < 80) return Kind.INVPCID_SINGLE;
        if (k < 82) return Kind.INVPCID_ALL;
        if (k < 88) return Kind.CR3;
        if (k < 89) return Kind.FLUSH_ALL;
        if (k < 94) return Kind.RANGE;
        if (k < 97) return Kind.NON_GLOBAL;
        return Kind.PCIDE;
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                        Arbitraries.integers().between(0, 99),
                        Arbitraries.integers().between(0, POOL.length - 1),
                        Arbitraries.integers().between(0, PCIDS - 1),
                        Arbitraries.integers().between(0, 7),
                        Arbitraries.integers().between(0, 3).map(g -> g == 0), // one fill in four global
                        Arbitraries.integers().between(0, 5).map(s -> s < 3 ? 0 : s < 5 ? 1 : 2), // mostly 4K
                        Arbitraries.integers().between(0, 4).map(u -> u != 0),
                        Arbitraries.integers().between(0, 2))
                .as(Op::new);
        return op.list().ofMaxSize(150);
    }

    @Property(tries = 400)
    void everyHitIsTheLastUninvalidatedFill(@ForAll("ops") List<Op> ops) {
        check(TlbConfig.TEACHING, ops);
    }

    @Property(tries = 100)
    void everyHitIsTheLastUninvalidatedFillWithRoomToSpare(@ForAll("ops") List<Op> ops) {
        check(new TlbConfig(4, 4, 2, 2, 1, 2), ops);
    }

    /** Sets of more than {@link TlbArray#SCAN_WAYS} ways: every size is searched through its hash index. */
    @Property(tries = 300)
    void everyHitIsTheLastUninvalidatedFillInIndexedArrays(@ForAll("ops") List<Op> ops) {
        check(new TlbConfig(1, TlbArray.SCAN_WAYS + 8, 1, TlbArray.SCAN_WAYS + 4, 1, TlbArray.SCAN_WAYS + 1), ops);
    }

    static void check(TlbConfig config, List<Op> ops) {
        Tlb tlb = new Tlb(config);
        Reference ref = new Reference();
        List<Op> done = new ArrayList<>();
        for (int n = 0; n < ops.size(); n++) {
            Op op = ops.get(n);
            done.add(op);
            long va = POOL[op.addr];
            switch (kindOf(op.kind)) {
                case FILL -> {
                    PageSize size = PageSize.values()[op.size];
                    long pageBase = (long) (n + 1) << size.shift; // a distinct frame per fill
                    long walk = Walks.ok(pageBase + (va & (size.bytes() - 1) & ~0xFFFL), op.prot, size, op.global);
                    tlb.fill(va, op.pcid, walk, op.user);
                    ref.fill(va, op.pcid, size, pageBase, op.prot, op.global, op.user);
                    expect(tlb.peek(va, op.pcid) == ref.peek(va, op.pcid), "a fill must be visible at once", done, tlb);
                }
                case LOOKUP -> {
                    long got = tlb.lookup(va, op.pcid, op.access, op.user);
                    long want = ref.lookup(va, op.pcid, op.access, op.user);
                    expect(got == Tlb.MISS || got == want, "lookup returned " + hex(got) + ", reference " + hex(want), done, tlb);
                }
                case INVLPG -> {
                    tlb.invlpg(va);
                    ref.invalidate(va, e -> e.global || e.pcid == ref.currentPcid);
                }
                case INVPCID_ADDRESS -> {
                    tlb.invpcidAddress(op.pcid, va);
                    ref.invalidate(va, e -> !e.global && e.pcid == op.pcid);
                }
                case INVPCID_SINGLE -> {
                    tlb.invpcidSingleContext(op.pcid);
                    ref.invalidateAll(e -> !e.global && e.pcid == op.pcid);
                }
                case INVPCID_ALL -> {
                    tlb.invpcidAllContext();
                    ref.invalidateAll(e -> !e.global);
                }
                case CR3 -> {
                    boolean noflush = op.global && ref.pcide;
                    int pcid = ref.pcide ? op.pcid : 0;
                    tlb.movToCr3((noflush ? Tlb.CR3_NOFLUSH : 0) | 0x1000 | pcid);
                    ref.currentPcid = pcid;
                    if (!noflush) ref.invalidateAll(e -> !e.global && e.pcid == pcid);
                }
                case FLUSH_ALL -> {
                    tlb.flushAll();
                    ref.invalidateAll(e -> true);
                }
                case RANGE -> {
                    int pages = op.prot * 6; // 0..42, both sides of the ceiling
                    long start = va & ~0xFFFL;
                    boolean full = tlb.flushTlbRange(ref.currentPcid, start, start + pages * 4096L);
                    expect(full == pages > Tlb.TLB_SINGLE_PAGE_FLUSH_CEILING, "flush path for " + pages + " pages", done, tlb);
                    if (full) {
                        ref.invalidateAll(e -> !e.global && e.pcid == ref.currentPcid);
                    } else {
                        for (int p = 0; p < pages; p++) ref.invalidate(start + p * 4096L, e -> e.global || e.pcid == ref.currentPcid);
                    }
                }
                case NON_GLOBAL -> {
                    tlb.flushAllNonGlobal(op.pcid);
                    ref.invalidateAll(e -> !e.global && e.pcid == op.pcid);
                }
                case PCIDE -> {
                    boolean enable = !ref.pcide;
                    tlb.movToCr4Pcide(enable);
                    if (!enable) ref.invalidateAll(e -> true);
                    ref.pcide = enable;
                    ref.currentPcid = 0;
                }
            }
            expect(tlb.validEntries() <= config.capacity(), "more valid entries than capacity", done, tlb);
            for (PageSize s : PageSize.values()) {
                expect(tlb.validEntries(s) <= config.entries(s), "more valid " + s.label + " entries than ways", done, tlb);
            }
            for (long a : POOL) {
                for (int p = 0; p < PCIDS; p++) {
                    long got = tlb.peek(a, p);
                    long want = ref.peek(a, p);
                    if (got != Tlb.MISS && got != want) {
                        expect(false, "at " + hex(a) + " pcid " + p + " the TLB holds " + hex(got) + ", reference "
                                + hex(want), done, tlb);
                    }
                }
            }
        }
    }

    static void expect(boolean ok, String what, List<Op> done, Tlb tlb) {
        if (!ok) {
            StringBuilder sb = new StringBuilder(what).append("\nafter:\n");
            for (Op op : done) sb.append("  ").append(op).append('\n');
            throw new AssertionError(sb.append(tlb.dump()).toString());
        }
    }

    /** One cached translation in the reference. */
    record Entry(PageSize size, long vpn, int pcid, boolean global, long pageBase, int prot, boolean user) {
        boolean covers(long va) {
            return va >>> size.shift == vpn;
        }

        boolean overlaps(Entry o) {
            int big = Math.max(size.shift, o.size.shift);
            return vpn << size.shift >>> big == o.vpn << o.size.shift >>> big;
        }
    }

    /** Key: a global entry is filed under PCID -1, as it answers for every PCID. */
    record Key(PageSize size, long vpn, int pcid) {}

    /** The specification without geometry: the last fill per key that no invalidation covered since. */
    static final class Reference {
        final Map<Key, Entry> entries = new HashMap<>();
        boolean pcide;
        int currentPcid;

        void fill(long va, int pcid, PageSize size, long pageBase, int prot, boolean global, boolean user) {
            Entry e = new Entry(size, va >>> size.shift, pcid, global, pageBase, prot, user);
            // The new entry replaces whatever would answer the same lookups for any of its addresses.
            entries.values().removeIf(o -> o.overlaps(e) && (global || o.global || o.pcid == pcid));
            entries.put(new Key(size, e.vpn, global ? -1 : pcid), e);
        }

        Entry find(long va, int pcid) {
            for (PageSize s : PageSize.values()) {
                Entry e = entries.get(new Key(s, va >>> s.shift, pcid));
                if (e == null) e = entries.get(new Key(s, va >>> s.shift, -1));
                if (e != null) return e;
            }
            return null;
        }

        long peek(long va, int pcid) {
            Entry e = find(va, pcid);
            if (e == null) return Tlb.MISS;
            return Walks.ok(e.pageBase + (va & (e.size.bytes() - 1) & ~0xFFFL), e.prot, e.size, e.global);
        }

        long lookup(long va, int pcid, int access, boolean user) {
            Entry e = find(va, pcid);
            if (e == null || (user && !e.user)) return Tlb.MISS;
            int need = access == Access.WRITE ? Walks.W : access == Access.FETCH ? Walks.X : Walks.R;
            return (e.prot & need) == need ? peek(va, pcid) : Tlb.MISS;
        }

        void invalidate(long va, java.util.function.Predicate<Entry> scope) {
            entries.values().removeIf(e -> e.covers(va) && scope.test(e));
        }

        void invalidateAll(java.util.function.Predicate<Entry> scope) {
            entries.values().removeIf(scope);
        }
    }
}
