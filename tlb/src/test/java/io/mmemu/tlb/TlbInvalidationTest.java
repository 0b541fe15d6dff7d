package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.K4;
import static io.mmemu.tlb.Walks.M2;
import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.assertStat;
import static io.mmemu.tlb.Walks.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each invalidation of SDM 4.10.4.1 against the same six entries (CR4.PCIDE=1, current PCID 1):
 * which entries survive.
 */
class TlbInvalidationTest {
    static final long A = 0x10 * K4, G = 0x11 * K4, C = 0x12 * K4, H = 0x40_0000L;

    /** name → {address, pcid the entry was filled with, global 0/1}. */
    static final Map<String, long[]> ENTRIES = new LinkedHashMap<>();

    static {
        ENTRIES.put("a", new long[] {A, 1, 0});
        ENTRIES.put("b", new long[] {A, 2, 0});
        ENTRIES.put("g", new long[] {G, 1, 1});
        ENTRIES.put("c", new long[] {C, 1, 0});
        ENTRIES.put("d", new long[] {C, 2, 0});
        ENTRIES.put("big", new long[] {H, 1, 0});
    }

    static Tlb populated() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        tlb.movToCr4Pcide(true);
        tlb.movToCr3(0x5000 | 1);
        long pa = 0x100_0000L;
        for (long[] e : ENTRIES.values()) {
            PageSize size = e[0] == H ? PageSize.SIZE_2M : PageSize.SIZE_4K;
            tlb.fill(e[0], (int) e[1], ok(pa, R, size, e[2] == 1));
            pa += M2;
        }
        assertEquals(ENTRIES.size(), tlb.validEntries(), tlb::dump);
        tlb.resetStats();
        return tlb;
    }

    static Set<String> survivors(Tlb tlb) {
        Set<String> s = new TreeSet<>();
        for (Map.Entry<String, long[]> e : ENTRIES.entrySet()) {
            // a global entry is probed with a PCID nobody used, to show it matches any
            int pcid = e.getValue()[2] == 1 ? 99 : (int) e.getValue()[1];
            if (tlb.peek(e.getValue()[0], pcid) != Tlb.MISS) s.add(e.getKey());
        }
        return s;
    }

    static Arguments op(String name, Consumer<Tlb> op, String survivors, TlbStat counted) {
        return Arguments.of(name, op, new TreeSet<>(Set.of(survivors.split(" "))), counted);
    }

    static Stream<Arguments> ops() {
        return Stream.of(
                op("invlpg(A): current PCID's entry only", t -> t.invlpg(A), "b g c d big", TlbStat.FLUSH_SINGLE),
                op("invlpg(G): a global entry too", t -> t.invlpg(G), "a b c d big", TlbStat.FLUSH_SINGLE),
                op("invlpg inside a 2M page", t -> t.invlpg(H + 0x1F_5123L), "a b g c d", TlbStat.FLUSH_SINGLE),
                op("invlpg of an uncached page", t -> t.invlpg(0x13 * K4), "a b g c d big", TlbStat.FLUSH_SINGLE),
                op("invpcid 0 (2, A)", t -> t.invpcidAddress(2, A), "a g c d big", TlbStat.FLUSH_SINGLE),
                op("invpcid 0 spares global", t -> t.invpcidAddress(1, G), "a b g c d big", TlbStat.FLUSH_SINGLE),
                op("invpcid 1 (1)", t -> t.invpcidSingleContext(1), "b g d", TlbStat.FLUSH_FULL),
                op("invpcid 3", Tlb::invpcidAllContext, "g", TlbStat.FLUSH_FULL),
                op("invpcid 2 / CR4.PGE toggle", Tlb::flushAll, "", TlbStat.FLUSH_FULL),
                op("flushAllNonGlobal(2)", t -> t.flushAllNonGlobal(2), "a g c big", TlbStat.FLUSH_FULL),
                op("mov cr3 loading PCID 2 flushes PCID 2, not the PCID left", t -> t.movToCr3(0x6000 | 2),
                        "a g c big", TlbStat.FLUSH_FULL),
                op("mov cr3 reloading PCID 1", t -> t.movToCr3(0x5000 | 1), "b g d", TlbStat.FLUSH_FULL),
                op("mov cr3 with NOFLUSH", t -> t.movToCr3(Tlb.CR3_NOFLUSH | 0x6000 | 2), "a b g c d big", null),
                op("CR4.PCIDE 1 to 0", t -> t.movToCr4Pcide(false), "", TlbStat.FLUSH_FULL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void invalidationRemovesExactlyItsScope(String name, Consumer<Tlb> op, Set<String> want, TlbStat counted) {
        Tlb tlb = populated();
        String before = tlb.dump();
        op.accept(tlb);
        want.remove("");
        assertEquals(want, survivors(tlb), () -> name + "\nbefore:\n" + before + "after:\n" + tlb.dump());
        for (TlbStat s : new TlbStat[] {TlbStat.FLUSH_SINGLE, TlbStat.FLUSH_FULL}) {
            assertStat(tlb, s, s == counted ? 1 : 0);
        }
        assertStat(tlb, TlbStat.ENTRIES_INVALIDATED, ENTRIES.size() - want.size());
    }

    @Test
    void movToCr3WithPcideClearFlushesPcidZeroAndKeepsGlobal() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        tlb.fill(A, 0, ok(0x1000, R, PageSize.SIZE_4K, false));
        tlb.fill(G, 0, ok(0x2000, R, PageSize.SIZE_4K, true));
        tlb.movToCr3(0x7000 | 0x18); // PWT|PCD, not a PCID
        assertEquals(0, tlb.currentPcid());
        assertEquals(Tlb.MISS, tlb.peek(A, 0), tlb::dump);
        assertEquals(ok(0x2000, R, PageSize.SIZE_4K, true), tlb.peek(G, 0), tlb::dump);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tlb.movToCr3(Tlb.CR3_NOFLUSH | 0x7000));
        assertEquals("CR3 bit 63 (NOFLUSH) is only defined with CR4.PCIDE=1 (got cr3 0x8000000000007000 with PCIDE=0)",
                e.getMessage());
    }

    @Test
    void staleEntryHitsUntilInvalidated() {
        Tlb tlb = populated();
        // The paging structures changed (not modelled here); the TLB still answers with the old frame.
        long old = tlb.peek(A, 1);
        assertEquals(old, tlb.lookup(A, 1, io.mmemu.mm.pgtable.Access.READ), tlb::dump);
        tlb.invlpg(A);
        assertEquals(Tlb.MISS, tlb.lookup(A, 1, io.mmemu.mm.pgtable.Access.READ), tlb::dump);
    }
}
