package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.K4;
import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.assertStat;
import static io.mmemu.tlb.Walks.ok4k;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.mmemu.mm.pgtable.Access;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Replacement within a set: invalid ways first, then the least recently used (fill or hit). */
class TlbLruTest {

    /** One set of four 4K ways, so every page competes for it. */
    static final TlbConfig ONE_SET = new TlbConfig(1, 4, 1, 1, 1, 1);

    static long page(int n) {
        return 0x10_0000L + n * K4;
    }

    static Stream<Arguments> orders() {
        return Stream.of(
                // pages 0..3 filled in order, then hit in this order; then two more fills evict these two, in order
                Arguments.of(List.of(), List.of(0, 1)),
                Arguments.of(List.of(0), List.of(1, 2)),
                Arguments.of(List.of(2, 0, 1), List.of(3, 2)),
                Arguments.of(List.of(3, 2, 1, 0), List.of(3, 2)),
                Arguments.of(List.of(0, 0, 1, 1), List.of(2, 3)),
                Arguments.of(List.of(1, 2, 3, 0, 1), List.of(2, 3)));
    }

    @ParameterizedTest(name = "hits {0} -> evicts {1}")
    @MethodSource("orders")
    void aFullSetEvictsItsLeastRecentlyUsedWay(List<Integer> hits, List<Integer> victims) {
        Tlb tlb = new Tlb(ONE_SET);
        for (int p = 0; p < 4; p++) tlb.fill(page(p), 0, ok4k(0x1000L * (p + 1), R));
        for (int p : hits) assertNotEquals(Tlb.MISS, tlb.lookup(page(p), 0, Access.READ), tlb::dump);
        List<Integer> evicted = new ArrayList<>();
        for (int extra = 4; extra < 6; extra++) {
            tlb.fill(page(extra), 0, ok4k(0x1000L * (extra + 1), R));
            for (int p = 0; p < 4; p++) {
                if (!evicted.contains(p) && tlb.peek(page(p), 0) == Tlb.MISS) evicted.add(p);
            }
        }
        assertEquals(victims, evicted, tlb::dump);
        assertStat(tlb, TlbStat.EVICTION, 2);
        assertEquals(4, tlb.validEntries(), tlb::dump);
    }

    @Test
    void aFillTakesAnInvalidWayBeforeEvicting() {
        Tlb tlb = new Tlb(ONE_SET);
        for (int p = 0; p < 4; p++) tlb.fill(page(p), 0, ok4k(0x1000L * (p + 1), R));
        tlb.invlpg(page(2)); // page 0 stays the LRU way, but way 2 is free
        tlb.fill(page(9), 0, ok4k(0x9000, R));
        assertStat(tlb, TlbStat.EVICTION, 0);
        for (int p : new int[] {0, 1, 3, 9}) assertNotEquals(Tlb.MISS, tlb.peek(page(p), 0), tlb::dump);
    }

    @Test
    void pagesOfDifferentSetsDoNotCompete() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING); // 4 sets x 2 ways of 4K
        for (int p = 0; p < 8; p++) tlb.fill(page(p), 0, ok4k(0x1000L * (p + 1), R));
        assertEquals(8, tlb.validEntries(PageSize.SIZE_4K), tlb::dump);
        assertStat(tlb, TlbStat.EVICTION, 0);
        tlb.fill(page(8), 0, ok4k(0x9000, R)); // set 0 again: evicts page 0, the LRU way of set 0
        assertStat(tlb, TlbStat.EVICTION, 1);
        assertEquals(Tlb.MISS, tlb.peek(page(0), 0), tlb::dump);
        assertNotEquals(Tlb.MISS, tlb.peek(page(4), 0), tlb::dump);
        assertNotEquals(Tlb.MISS, tlb.peek(page(1), 0), tlb::dump);
    }

    /**
     * A plain hit: any way that holds the page with the rights the access needs, whatever its
     * recency; a missing right or no entry is a lookup that counts a refusal or misses. Asking
     * changes nothing.
     */
    @Test
    void aPlainHitIsAnyWayWithTheRights() {
        Tlb tlb = new Tlb(ONE_SET);
        for (int p = 0; p < 4; p++) tlb.fill(page(p), 0, ok4k(0x1000L * (p + 1), R));
        String before = tlb.dump();
        assertEquals(tlb.peek(page(3), 0), tlb.plainHit(page(3), 0, Access.READ), tlb::dump);
        assertEquals(tlb.peek(page(0), 0), tlb.plainHit(page(0), 0, Access.READ), "the least recently used way");
        assertEquals(Tlb.MISS, tlb.plainHit(page(3), 0, Access.WRITE), "a read-only entry");
        assertEquals(Tlb.MISS, tlb.plainHit(page(9), 0, Access.READ), "no entry");
        assertEquals(Tlb.MISS, tlb.plainHit(page(3), 1, Access.READ), "another PCID");
        assertStat(tlb, TlbStat.LOOKUP, 0);
        assertEquals(before, tlb.dump());
    }

    /**
     * What precise mode relies on to count hits natively: replaying only each entry's last hit,
     * in their order ({@link Tlb#touch}), leaves every set as the whole run of hits did, so the
     * next fill evicts the same way.
     */
    @Test
    void touchingEachEntrysLastHitInOrderLeavesTheSetsAsTheHits() {
        TlbConfig twoSetsOfFour = new TlbConfig(2, 4, 1, 1, 1, 1);
        Tlb hits = new Tlb(twoSetsOfFour), replay = new Tlb(twoSetsOfFour);
        for (int p = 0; p < 8; p++) {
            hits.fill(page(p), 0, ok4k(0x1000L * (p + 1), R));
            replay.fill(page(p), 0, ok4k(0x1000L * (p + 1), R));
        }
        java.util.Random random = new java.util.Random(13);
        for (int round = 0; round < 50; round++) {
            int[] lastHit = new int[8];
            java.util.Arrays.fill(lastHit, -1);
            int n = 1 + random.nextInt(12);
            for (int k = 0; k < n; k++) {
                int p = random.nextInt(8);
                assertNotEquals(Tlb.MISS, replay.plainHit(page(p), 0, Access.READ));
                assertNotEquals(Tlb.MISS, hits.lookup(page(p), 0, Access.READ));
                lastHit[p] = k;
            }
            for (int k = 0; k < n; k++) {
                for (int p = 0; p < 8; p++) if (lastHit[p] == k) replay.touch(page(p), 0);
            }
            assertEquals(hits.dump(), replay.dump(), "round " + round);
        }
        hits.fill(page(8), 0, ok4k(0x9000, R));
        replay.fill(page(8), 0, ok4k(0x9000, R));
        assertEquals(hits.dump(), replay.dump());
    }

    /** The set a page's entry sits in: shared by pages that compete for it, -1 for a page held nowhere. */
    @Test
    void setOfTellsWhichPagesCompete() {
        Tlb tlb = new Tlb(new TlbConfig(2, 2, 1, 1, 1, 1));
        for (int p = 0; p < 4; p++) tlb.fill(page(p), 0, ok4k(0x1000L * (p + 1), R));
        assertEquals(tlb.setOf(page(0), 0), tlb.setOf(page(2), 0));
        assertEquals(tlb.setOf(page(1), 0), tlb.setOf(page(3), 0));
        assertNotEquals(tlb.setOf(page(0), 0), tlb.setOf(page(1), 0));
        assertEquals(-1, tlb.setOf(page(4), 0));
    }
}
