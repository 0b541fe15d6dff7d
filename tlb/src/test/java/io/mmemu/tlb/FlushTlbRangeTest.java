package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.K4;
import static io.mmemu.tlb.Walks.M2;
import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.assertStat;
import static io.mmemu.tlb.Walks.ok;
import static io.mmemu.tlb.Walks.ok4k;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * flush_tlb_mm_range()'s choice, arch/x86/mm/tlb.c: more than tlb_single_page_flush_ceiling (33)
 * pages, {@code (end - start) >> stride_shift > tlb_single_page_flush_ceiling}, is one full flush;
 * up to 33 is one INVLPG per page.
 */
class FlushTlbRangeTest {
    static final int PCID = 5;
    static final long START = 0x40_0000L;
    static final int CACHED = 40;

    static Tlb setUp() {
        Tlb tlb = new Tlb(TlbConfig.TYPICAL);
        tlb.movToCr4Pcide(true);
        tlb.movToCr3(0x9000 | PCID);
        for (int p = 0; p < CACHED; p++) tlb.fill(START + p * K4, PCID, ok4k(0x100_0000L + p * K4, R));
        tlb.fill(0x7000_F000L, PCID, ok(0x2000, R, PageSize.SIZE_4K, true)); // a global page outside the range, in set 15 (set 0 is full)
        tlb.fill(START, 6, ok4k(0x3000, R)); // another PCID at the same address
        assertEquals(CACHED + 2, tlb.validEntries(), tlb::dump);
        tlb.resetStats();
        return tlb;
    }

    static Stream<Arguments> ranges() {
        return Stream.of(
                // pages flushed (-1: TLB_FLUSH_ALL), full flush expected
                Arguments.of(0, false), Arguments.of(1, false), Arguments.of(32, false), Arguments.of(33, false),
                Arguments.of(34, true), Arguments.of(64, true), Arguments.of(-1, true));
    }

    @ParameterizedTest(name = "{0} pages: full flush {1}")
    @MethodSource("ranges")
    void moreThanThirtyThreePagesIsOneFullFlush(int pages, boolean full) {
        Tlb tlb = setUp();
        long end = pages < 0 ? Tlb.TLB_FLUSH_ALL : START + pages * K4;
        assertEquals(full, tlb.flushTlbRange(PCID, START, end), tlb::dump);
        assertStat(tlb, TlbStat.NR_TLB_LOCAL_FLUSH_ALL, full ? 1 : 0);
        assertStat(tlb, TlbStat.FLUSH_FULL, full ? 1 : 0);
        assertStat(tlb, TlbStat.NR_TLB_LOCAL_FLUSH_ONE, full ? 0 : pages);
        assertStat(tlb, TlbStat.FLUSH_SINGLE, full ? 0 : pages);
        for (int p = 0; p < CACHED; p++) {
            boolean gone = full || p < pages;
            assertEquals(gone, tlb.peek(START + p * K4, PCID) == Tlb.MISS, "page " + p + "\n" + tlb.dump());
        }
        assertNotEquals(Tlb.MISS, tlb.peek(0x7000_F000L, PCID), "global page\n" + tlb.dump());
        assertNotEquals(Tlb.MISS, tlb.peek(START, 6), "other PCID\n" + tlb.dump());
    }

    static Stream<Arguments> hugeStrides() {
        return Stream.of(Arguments.of(33, false), Arguments.of(34, true));
    }

    @ParameterizedTest(name = "{0} 2M strides: full flush {1}")
    @MethodSource("hugeStrides")
    void theCeilingCountsStridesNotBasePages(int strides, boolean full) {
        Tlb tlb = new Tlb(TlbConfig.TYPICAL);
        tlb.fill(0, 0, ok(0x4000_0000L, R, PageSize.SIZE_2M, false));
        assertEquals(full, tlb.flushTlbRange(0, 0, strides * M2, PageSize.SIZE_2M.shift), tlb::dump);
        assertStat(tlb, TlbStat.NR_TLB_LOCAL_FLUSH_ONE, full ? 0 : strides);
        assertEquals(0, tlb.validEntries(), tlb::dump);
    }

    @Test
    void aShortRangeFlushesGlobalEntriesInItButAFullFlushKeepsThem() {
        // INVLPG drops global entries for its page, a CR3 rewrite does not: the two paths differ here.
        for (int pages : new int[] {33, 34}) {
            Tlb tlb = new Tlb(TlbConfig.TYPICAL);
            tlb.fill(START, 0, ok(0x2000, R, PageSize.SIZE_4K, true));
            tlb.flushTlbRange(0, START, START + pages * K4);
            assertEquals(pages > 33, tlb.peek(START, 0) != Tlb.MISS, pages + " pages\n" + tlb.dump());
        }
    }
}
