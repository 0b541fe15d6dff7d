package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.G1;
import static io.mmemu.tlb.Walks.K4;
import static io.mmemu.tlb.Walks.M2;
import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.W;
import static io.mmemu.tlb.Walks.X;
import static io.mmemu.tlb.Walks.assertResult;
import static io.mmemu.tlb.Walks.assertStat;
import static io.mmemu.tlb.Walks.ok;
import static io.mmemu.tlb.Walks.ok4k;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.WalkResult;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hits and misses: page sizes, sub-pages of large pages, PCIDs and global entries, cached rights. */
class TlbLookupTest {

    static Stream<Arguments> sizes() {
        long va4k = 0x7f00_0000_1000L, va2m = 0x4000_0000L + 3 * K4, va1g = 0x80_0000_0000L + 0x1234_5000L;
        long pa2m = 0x1_4000_0000L, pa1g = 0xC000_0000L;
        return Stream.of(
                // size, filled address, its 4K sub-page's physical address, probed address, expected sub-page (-1 miss)
                Arguments.of(PageSize.SIZE_4K, va4k, 0x123000L, va4k, 0x123000L),
                Arguments.of(PageSize.SIZE_4K, va4k, 0x123000L, va4k + 0xabc, 0x123000L),
                Arguments.of(PageSize.SIZE_4K, va4k, 0x123000L, va4k + K4, -1L),
                Arguments.of(PageSize.SIZE_4K, va4k, 0x123000L, va4k - 1, -1L),
                Arguments.of(PageSize.SIZE_2M, va2m, pa2m + 3 * K4, 0x4000_0000L, pa2m),
                Arguments.of(PageSize.SIZE_2M, va2m, pa2m + 3 * K4, 0x401F_F123L, pa2m + 0x1FF000L),
                Arguments.of(PageSize.SIZE_2M, va2m, pa2m + 3 * K4, 0x4020_0000L, -1L),
                Arguments.of(PageSize.SIZE_2M, va2m, pa2m + 3 * K4, 0x3FFF_F000L, -1L),
                Arguments.of(PageSize.SIZE_1G, va1g, pa1g + 0x1234_5000L, 0x80_0000_0000L, pa1g),
                Arguments.of(PageSize.SIZE_1G, va1g, pa1g + 0x1234_5000L, 0x80_3FFF_FFFFL, pa1g + 0x3FFF_F000L),
                Arguments.of(PageSize.SIZE_1G, va1g, pa1g + 0x1234_5000L, 0x80_4000_0000L, -1L),
                Arguments.of(PageSize.SIZE_1G, va1g, pa1g + 0x1234_5000L, 0x7F_FFFF_F000L, -1L));
    }

    @ParameterizedTest(name = "{0} fill 0x{1} probe {3}")
    @MethodSource("sizes")
    void aLargePageEntryCoversEverySubPage(PageSize size, long fillVa, long fillPa, long probeVa, long wantPa) {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        tlb.fill(fillVa, 0, ok(fillPa, R | X, size, false));
        long got = tlb.lookup(probeVa, 0, Access.READ);
        long want = wantPa < 0 ? Tlb.MISS : ok(wantPa, R | X, size, false);
        assertResult(tlb, want, got, size + " lookup of 0x" + Long.toHexString(probeVa));
        assertEquals(1, tlb.validEntries(size), tlb::dump);
        assertStat(tlb, wantPa < 0 ? TlbStat.MISS : TlbStat.HIT, 1);
    }

    @Test
    void lookupReturnsWalkResultLayout() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        tlb.fill(0x4000_0000L + 5 * K4, 0, ok(0x20_0000_0000L + 5 * K4, R | W, PageSize.SIZE_2M, true));
        long r = tlb.lookup(0x4000_0000L + 7 * K4 + 0x10, 0, Access.WRITE);
        assertEquals(0x20_0000_0000L + 7 * K4, WalkResult.pagePa(r), tlb::dump);
        assertEquals(R | W, WalkResult.prot(r));
        assertEquals(PageSize.SIZE_2M.walkCode, WalkResult.sizeCode(r));
        assertEquals(true, WalkResult.global(r));
        assertEquals(false, WalkResult.isFault(r));
    }

    static Stream<Arguments> pcids() {
        return Stream.of(
                // filled pcid, global, looked-up pcid, hit
                Arguments.of(1, false, 1, true),
                Arguments.of(1, false, 2, false),
                Arguments.of(1, false, 0, false),
                Arguments.of(1, true, 2, true),
                Arguments.of(1, true, 4095, true),
                Arguments.of(4095, false, 4095, true),
                Arguments.of(0, false, 4095, false));
    }

    @ParameterizedTest(name = "fill pcid {0} global {1}, lookup pcid {2}: hit {3}")
    @MethodSource("pcids")
    void anEntryServesItsOwnPcidOrIfGlobalAny(int fillPcid, boolean global, int lookupPcid, boolean hit) {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        long va = 0x7000_0000L;
        long walk = ok(0x55000, R | W | X, PageSize.SIZE_4K, global);
        tlb.fill(va, fillPcid, walk);
        assertResult(tlb, hit ? walk : Tlb.MISS, tlb.lookup(va, lookupPcid, Access.READ), "pcid " + lookupPcid);
    }

    @Test
    void twoPcidsCacheTheSameAddressSeparately() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        long va = 0x7000_0000L;
        tlb.fill(va, 1, ok4k(0x11000, R));
        tlb.fill(va, 2, ok4k(0x22000, R));
        assertResult(tlb, ok4k(0x11000, R), tlb.lookup(va, 1, Access.READ), "pcid 1");
        assertResult(tlb, ok4k(0x22000, R), tlb.lookup(va, 2, Access.READ), "pcid 2");
        assertResult(tlb, Tlb.MISS, tlb.lookup(va, 3, Access.READ), "pcid 3");
        assertStat(tlb, TlbStat.FILL_REPLACED, 0);
    }

    static Stream<Arguments> rights() {
        int rd = Access.READ, wr = Access.WRITE, ex = Access.FETCH;
        return Stream.of(
                // cached rights, filled by a user walk, access, user access, hit
                Arguments.of(R | X, true, wr, true, false), // clean page: W not cached until D is set
                Arguments.of(R | X, true, rd, true, true),
                Arguments.of(R | X, true, ex, true, true),
                Arguments.of(R | W | X, true, wr, true, true),
                Arguments.of(R | W, true, ex, true, false), // NX
                Arguments.of(R | W, true, wr, false, true), // supervisor through a user page
                Arguments.of(X, true, rd, true, false), // protection key denies data access
                Arguments.of(R | X, false, rd, true, false), // supervisor walk proves nothing about U/S
                Arguments.of(R | X, false, rd, false, true),
                Arguments.of(R | W | X, false, wr, false, true));
    }

    @ParameterizedTest(name = "rights {0} user-walk {1} access {2} user {3}: hit {4}")
    @MethodSource("rights")
    void anAccessTheCachedRightsRefuseMisses(int prot, boolean userWalk, int access, boolean user, boolean hit) {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        long va = 0x60_0000L;
        long walk = ok4k(0x9000, prot);
        tlb.fill(va, 0, walk, userWalk);
        assertResult(tlb, hit ? walk : Tlb.MISS, tlb.lookup(va, 0, access, user), Access.name(access));
        assertStat(tlb, TlbStat.MISS_PERMISSION, hit ? 0 : 1);
        assertEquals(1, tlb.validEntries(), "a refused access leaves the entry in place\n" + tlb.dump());
    }

    @Test
    void aFirstWriteRefillsTheReadOnlyEntryInPlace() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        long va = 0x60_0000L;
        tlb.fill(va, 0, ok4k(0x9000, R | X));
        assertResult(tlb, Tlb.MISS, tlb.lookup(va, 0, Access.WRITE), "write before D");
        tlb.fill(va, 0, ok4k(0x9000, R | W | X)); // the re-walk set D
        assertResult(tlb, ok4k(0x9000, R | W | X), tlb.lookup(va, 0, Access.WRITE), "write after D");
        assertEquals(1, tlb.validEntries(), tlb::dump);
        assertStat(tlb, TlbStat.FILL_REPLACED, 1);
        assertStat(tlb, TlbStat.EVICTION, 0);
    }

    @Test
    void aLargePageFillReplacesSmallerEntriesInsideIt() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        tlb.fill(0x20_0000L, 0, ok4k(0x1000, R));
        tlb.fill(0x20_1000L, 0, ok4k(0x2000, R));
        tlb.fill(0x20_1000L, 7, ok4k(0x3000, R)); // another PCID: not the same lookup, stays
        tlb.fill(0x20_5000L, 0, ok(0x40_0000L + 5 * K4, R | W, PageSize.SIZE_2M, false));
        assertEquals(1, tlb.validEntries(PageSize.SIZE_4K), tlb::dump);
        assertResult(tlb, ok(0x40_0000L + K4, R | W, PageSize.SIZE_2M, false), tlb.peek(0x20_1000L, 0), "inside 2M");
        assertResult(tlb, ok4k(0x3000, R), tlb.peek(0x20_1000L, 7), "other pcid");
        assertStat(tlb, TlbStat.FILL_REPLACED, 2);
    }

    @Test
    void aGlobalFillReplacesEveryPcidsEntryForItsAddress() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        tlb.fill(0x1000, 1, ok4k(0x1000, R));
        tlb.fill(0x1000, 2, ok4k(0x2000, R));
        tlb.fill(0x1000, 3, ok(0x3000, R, PageSize.SIZE_4K, true));
        assertEquals(1, tlb.validEntries(), tlb::dump);
        assertResult(tlb, ok(0x3000, R, PageSize.SIZE_4K, true), tlb.peek(0x1000, 1), "pcid 1 sees the global entry");
    }

    @Test
    void peekChangesNeitherCountersNorLruOrder() {
        Tlb tlb = new Tlb(new TlbConfig(1, 2, 1, 1, 1, 1));
        tlb.fill(0x1000, 0, ok4k(0x1000, R));
        tlb.fill(0x2000, 0, ok4k(0x2000, R));
        tlb.peek(0x1000, 0); // a lookup here would make 0x2000 the LRU way
        tlb.fill(0x3000, 0, ok4k(0x3000, R));
        assertResult(tlb, Tlb.MISS, tlb.peek(0x1000, 0), "0x1000 was LRU");
        assertStat(tlb, TlbStat.LOOKUP, 0);
    }

    @Test
    void dumpShowsOneLinePerValidEntry() {
        Tlb tlb = new Tlb(TlbConfig.TEACHING);
        tlb.movToCr4Pcide(true);
        tlb.movToCr3(0x1000 | 3);
        tlb.fill(0x7f00_0000_5000L, 3, ok4k(0x123000, R | W | X));
        tlb.fill(0x7f00_0000_1000L, 3, ok4k(0x124000, R | X), false);
        tlb.fill(0xffff_ffff_8120_0000L, 3, ok(0x120_0000L, R | W, PageSize.SIZE_2M, true), false);
        String want = """
                TLB 4K 4x2, 2M 1x2, 1G 1x1, CR4.PCIDE=1, current PCID 3, 3/11 valid
                size  set way lru  pcid  virtual page        frame             flags
                4K      1   0   1  0x003 0x00007f0000005000  0x0000000123000  R W X U D -
                4K      1   1   0  0x003 0x00007f0000001000  0x0000000124000  R - X - - -
                2M      0   0   0  0x003 0xffffffff81200000  0x0000001200000  R W - - D G
                """;
        assertEquals(want, tlb.dump());
    }
}
