package io.mmemu.mm.page;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class PageAllocatorTest {

    /** An allocator whose watermarks are all zero: it hands out whatever the free lists hold. */
    private static PageAllocator noReserve(long nrPages, long reserved) {
        PageAllocator a = new PageAllocator(nrPages, reserved);
        a.setMinFreeKbytes(0);
        return a;
    }

    private static long[] freeCounts(PageAllocator a) {
        long[] counts = new long[PageAllocator.NR_PAGE_ORDERS];
        for (int o = 0; o <= PageAllocator.MAX_ORDER; o++) {
            counts[o] = a.nrFree(o);
        }
        return counts;
    }

    // ------------------------------------------------------------------ construction

    static Stream<Arguments> initialFreeAreas() {
        return Stream.of(
                Arguments.of(1024, 0, new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
                Arguments.of(4096, 0, new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}),
                Arguments.of(2048, 16, new long[] {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}),
                Arguments.of(1000, 0, new long[] {0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0}),
                Arguments.of(3000, 1, new long[] {1, 1, 1, 2, 2, 2, 1, 2, 2, 2, 1}),
                Arguments.of(1, 0, new long[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                Arguments.of(64, 64, new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    }

    @ParameterizedTest(name = "nrPages={0} reserved={1}")
    @MethodSource
    void initialFreeAreas(long nrPages, long reserved, long[] expected) {
        PageAllocator a = new PageAllocator(nrPages, reserved);
        assertArrayEquals(expected, freeCounts(a), a.dumpFreeLists());
        assertEquals(nrPages - reserved, a.nrFreePages());
        assertEquals(nrPages - reserved, a.nrManagedPages());
        for (long pfn = 0; pfn < reserved; pfn++) {
            assertTrue(a.frames().testPageFlag(pfn, PageFlag.RESERVED));
            assertEquals(1, a.frames().pageRefCount(pfn));
        }
    }

    @Test
    void initialListsAreInAscendingPfnOrder() {
        PageAllocator a = new PageAllocator(5 * 1024 + 3, 0);
        assertArrayEquals(new long[] {0, 1024, 2048, 3072, 4096}, a.freeListPfns(10));
        assertArrayEquals(new long[] {5122}, a.freeListPfns(0));
        assertArrayEquals(new long[] {5120}, a.freeListPfns(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            nrPages 0          | 0          | 0 | nrPages must be 1..2147482624 (got 0)
            nrPages too large  | 2147483647 | 0 | nrPages must be 1..2147482624 (got 2147483647)
            reserved negative  | 16         | -1 | reservedPages must be 0..nrPages=16 (got -1)
            reserved too large | 16         | 17 | reservedPages must be 0..nrPages=16 (got 17)
            """)
    void constructorRejects(String what, long nrPages, long reserved, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> new PageAllocator(nrPages, reserved));
        assertEquals(message, e.getMessage());
    }

    @Test
    void sixteenGibConstructsQuicklyWithMaxOrderBlocks() {
        long start = System.nanoTime();
        PageAllocator a = new PageAllocator(4L << 20, 0);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(4096, a.nrFree(PageAllocator.MAX_ORDER));
        assertEquals(4L << 20, a.nrFreePages());
        assertTrue(millis < 2000, "16 GiB took " + millis + " ms to construct");
        assertEquals(4L << 20, a.frames().nrPages());
        assertTrue(a.frames().pageFresh((4L << 20) - 1));
        assertEquals(10, FrameTable.BYTES_PER_FRAME);
    }

    // ------------------------------------------------------------------ split

    @ParameterizedTest(name = "order {0}")
    @CsvSource({"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"})
    void allocationSplitsTheMaxOrderBlock(int order) {
        PageAllocator a = noReserve(1024, 0);
        assertEquals(0, a.allocPages(order));
        long[] expected = new long[PageAllocator.NR_PAGE_ORDERS];
        for (int o = order; o < PageAllocator.MAX_ORDER; o++) {
            expected[o] = 1; // expand() left one upper half at every order from `order` up to 9
        }
        assertArrayEquals(expected, freeCounts(a), a.dumpFreeLists());
        assertEquals(PageAllocator.MAX_ORDER - order, a.stat(PageAllocStat.SPLIT));
        assertEquals(1024 - (1L << order), a.nrFreePages());
        assertEquals(1L << order, a.stat(PageAllocStat.PGALLOC));
        assertTrue(a.frames().testPageFlag(0, PageFlag.HEAD));
        assertEquals(1, a.frames().pageRefCount(0));
        for (int o = order; o < PageAllocator.MAX_ORDER; o++) {
            assertEquals(o, a.frames().buddyOrder(1L << o), "upper half at order " + o);
        }
    }

    @Test
    void orderZeroAllocationsComeOutInAscendingPfnOrder() {
        PageAllocator a = noReserve(1024, 0);
        for (long expected = 0; expected < 1024; expected++) {
            assertEquals(expected, a.allocPages(0));
        }
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(0));
    }

    @ParameterizedTest(name = "order {0}")
    @CsvSource({"0", "1", "3", "5", "7", "9", "10"})
    void returnedBlocksAreAlignedToTheirOrder(int order) {
        PageAllocator a = noReserve(8 * 1024 + 77, 13);
        Random rnd = new Random(order);
        int small = 0;
        while (small < 200) { // fragment memory with order-0 blocks first
            long p = a.allocPages(0);
            if (p == PageAllocator.NO_PAGE) {
                break;
            }
            if (rnd.nextBoolean()) {
                a.freePages(p, 0);
            }
            small++;
        }
        long pfn;
        int count = 0;
        while ((pfn = a.allocPages(order)) != PageAllocator.NO_PAGE) {
            assertEquals(0, pfn % (1L << order), "pfn 0x" + Long.toHexString(pfn));
            assertTrue(pfn >= 13 && pfn + (1L << order) <= 8 * 1024 + 77);
            count++;
        }
        assertTrue(count > 0);
    }

    // ------------------------------------------------------------------ merge

    @Test
    void freeingEverySingleFrameMergesBackToMaxOrder() {
        PageAllocator a = noReserve(1024, 0);
        List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            pfns.add(a.allocPages(0));
        }
        Collections.shuffle(pfns, new Random(42));
        for (long pfn : pfns) {
            a.freePages(pfn, 0);
        }
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, freeCounts(a), a.dumpFreeLists());
        assertEquals(1023, a.stat(PageAllocStat.SPLIT));
        assertEquals(1023, a.stat(PageAllocStat.MERGE));
        assertEquals(1024, a.stat(PageAllocStat.PGFREE));
        assertEquals(10, a.frames().buddyOrder(0));
    }

    @Test
    void buddiesNextToReservedFramesDoNotMergeIntoThem() {
        PageAllocator a = noReserve(64, 4);
        long[] before = freeCounts(a); // 4(o2) 8(o3) 16(o4) 32(o5)
        long p = a.allocPages(2);
        assertEquals(4, p);
        a.freePages(p, 2); // buddy of 4 at order 2 is reserved frame 0: no merge
        assertArrayEquals(before, freeCounts(a), a.dumpFreeLists());
        assertEquals(0, a.stat(PageAllocStat.MERGE));
    }

    @Test
    void mergedBlockWhoseParentBuddyIsFreeGoesToTheListTail() {
        PageAllocator a = noReserve(1024, 0);
        for (long expected = 0; expected < 6; expected++) {
            assertEquals(expected, a.allocPages(0));
        }
        a.freePages(4, 0); // buddy 5 in use
        a.freePages(2, 0);
        a.freePages(3, 0); // merges with 2 into 2(o1)
        a.freePages(0, 0); // buddy 1 in use, but the parent's buddy 2(o1) is free: buddy_merge_likely
        assertArrayEquals(new long[] {4, 0}, a.freeListPfns(0), a.dumpFreeLists());
        assertEquals(4, a.allocPages(0));
    }

    // ------------------------------------------------------------------ reserved and exhaustion

    @Test
    void reservedFramesAreNeverHandedOut() {
        PageAllocator a = noReserve(64, 10);
        int count = 0;
        long pfn;
        while ((pfn = a.allocPages(0)) != PageAllocator.NO_PAGE) {
            assertTrue(pfn >= 10, "handed out reserved pfn " + pfn);
            count++;
        }
        assertEquals(54, count);
        assertEquals(0, a.nrFreePages());
    }

    @Test
    void exhaustionReturnsNoPageAndCounts() {
        PageAllocator a = noReserve(16, 0);
        assertEquals(0, a.allocPages(4));
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(0));
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(0, Gfp.MEMALLOC));
        assertEquals(1, a.stat(PageAllocStat.ALLOC_SUCCESS));
        assertEquals(2, a.stat(PageAllocStat.ALLOC_FAIL));
        a.freePages(0, 4);
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(5, Gfp.MEMALLOC)); // larger than all RAM
    }

    @Test
    void highOrderRequestFailsWhenOnlySmallerBlocksAreFree() {
        PageAllocator a = noReserve(1024, 0);
        for (int i = 0; i < 1024; i++) {
            a.allocPages(0);
        }
        for (long p = 0; p < 1024; p += 2) {
            a.freePages(p, 0);
        }
        assertEquals(512, a.nrFreePages());
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(1, Gfp.MEMALLOC), a.dumpFreeLists());
        assertEquals(1022, a.allocPages(0), "the last frame freed is at the head of the list");
    }

    // ------------------------------------------------------------------ watermarks

    static Stream<Arguments> watermarks() {
        return Stream.of(
                // nrPages, reserved, min_free_kbytes, min, low, high
                Arguments.of(16, 0, 128, 32, 40, 48),
                Arguments.of(1024, 0, 256, 64, 80, 96),
                Arguments.of(2048, 1024, 256, 64, 80, 96),
                Arguments.of(262144, 0, 4096, 1024, 1286, 1548),
                Arguments.of(4L << 20, 0, 16384, 4096, 8290, 12484));
    }

    @ParameterizedTest(name = "nrPages={0} reserved={1}")
    @MethodSource
    void watermarks(long nrPages, long reserved, int minFreeKbytes, long min, long low, long high) {
        PageAllocator a = new PageAllocator(nrPages, reserved);
        assertEquals(minFreeKbytes, a.minFreeKbytes());
        assertEquals(min, a.minWmarkPages());
        assertEquals(low, a.lowWmarkPages());
        assertEquals(high, a.highWmarkPages());
    }

    @ParameterizedTest(name = "managed={0}")
    @CsvSource({
            "0, 128",            // clamped up
            "4096, 512",         // 16 MiB, as the kernel comment's table says
            "16384, 1024",       // 64 MiB
            "262144, 4096",      // 1 GiB
            "4194304, 16384",    // 16 GiB
            "1073741824, 262144", // 4 TiB reaches the cap exactly
            "2147482624, 262144"  // clamped down
    })
    void calculateMinFreeKbytes(long managed, int expected) {
        assertEquals(expected, ZoneWatermarks.calculateMinFreeKbytes(managed));
    }

    @Test
    void setMinFreeKbytesRecomputesWatermarks() {
        PageAllocator a = new PageAllocator(262144, 0);
        a.setMinFreeKbytes(65536);
        assertEquals(16384, a.minWmarkPages());
        assertEquals(16384 + 4096, a.lowWmarkPages());
        assertEquals(16384 + 8192, a.highWmarkPages());
        var e = assertThrows(IllegalArgumentException.class, () -> a.setMinFreeKbytes(-1));
        assertEquals("min_free_kbytes must be >= 0 (got -1)", e.getMessage());
    }

    /**
     * 1024 frames: min 64, low 80. Each step allocates order-0 frames with one gfp until the
     * allocator refuses; the steps run in order on the same allocator.
     */
    static Stream<Arguments> reserveSteps() {
        return Stream.of(Arguments.of(List.of(
                new Step("GFP_KERNEL stops at the min watermark", Gfp.KERNEL, 960, 64),
                new Step("GFP_NOWAIT gets no reserve", Gfp.NOWAIT, 0, 64),
                new Step("__GFP_HIGH with reclaim: half of min", Gfp.HIGH | Gfp.KERNEL, 32, 32),
                new Step("GFP_ATOMIC: another quarter", Gfp.ATOMIC, 8, 24),
                new Step("__GFP_NOMEMALLOC wins over __GFP_MEMALLOC", Gfp.MEMALLOC | Gfp.NOMEMALLOC, 0, 24),
                new Step("__GFP_MEMALLOC ignores watermarks", Gfp.MEMALLOC | Gfp.KERNEL, 24, 0))));
    }

    record Step(String what, int gfp, int expectedAllocations, long freeAfter) {
    }

    @ParameterizedTest
    @MethodSource("reserveSteps")
    void reservesBelowMinWatermarkOpenByGfp(List<Step> steps) {
        PageAllocator a = new PageAllocator(1024, 0);
        assertEquals(64, a.minWmarkPages());
        assertEquals(80, a.lowWmarkPages());
        for (Step step : steps) {
            int n = 0;
            while (a.allocPages(0, step.gfp()) != PageAllocator.NO_PAGE) {
                n++;
            }
            assertEquals(step.expectedAllocations(), n, step.what());
            assertEquals(step.freeAfter(), a.nrFreePages(), step.what());
        }
        assertEquals(64, a.stat(PageAllocStat.RESERVE_USED));
        assertEquals(1024, a.stat(PageAllocStat.ALLOC_SUCCESS));
    }

    @Test
    void lowWatermarkMissesAreCountedWhenTheSlowPathRuns() {
        PageAllocator a = new PageAllocator(1024, 0);
        while (a.allocPages(0) != PageAllocator.NO_PAGE) {
            // fill down to the min watermark
        }
        // fast path refused from free=80 down: 16 slow-path successes and the final failure
        assertEquals(17, a.stat(PageAllocStat.WMARK_LOW_MISS));
        assertEquals(1, a.stat(PageAllocStat.ALLOC_FAIL));
    }

    @ParameterizedTest(name = "order {0} gfp {1}")
    @CsvSource({
            // 1024 free frames, min 64: order 10 leaves 1024 - 1023 = 1 usable, not above min
            "10, 6, -1",
            "10, 1, -1",  // __GFP_HIGH, non-blocking: still needs 1 > 24
            "10, 8, 0",   // __GFP_MEMALLOC
            "9, 6, 0",    // 1024 - 511 = 513 > 80: fast path
    })
    void highOrderRequestsChargeTheBlockAgainstTheWatermark(int order, int gfp, long expected) {
        PageAllocator a = new PageAllocator(1024, 0);
        assertEquals(expected, a.allocPages(order, gfp));
    }

    @Test
    void unknownGfpBitsAreRejected() {
        PageAllocator a = new PageAllocator(1024, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> a.allocPages(0, 0x40));
        assertEquals("gfp flags must be a combination of Gfp bits 0x3f (got 0x40, unknown bits 0x40)",
                e.getMessage());
    }

    // ------------------------------------------------------------------ bad_page() cases

    /** A 64-frame allocator with frames 0..3 reserved and free blocks 4(o2) 8(o3) 16(o4) 32(o5). */
    private static PageAllocator small() {
        return noReserve(64, 4);
    }

    static Stream<Arguments> badFrees() {
        return Stream.of(
                Arguments.of("double free of a block head",
                        (Consumer<PageAllocator>) a -> a.freePages(a.allocPages(0), 0),
                        4L, 0, IllegalStateException.class,
                        "freePages(pfn 0x4, order 0): double free: pfn 0x4 is already free"
                                + " (head of a free order-2 block)"
                                + " (page dumped: pfn:0x4 refcount:0 mapcount:0 flags:buddy|order=2)"),
                Arguments.of("double free inside a merged block",
                        (Consumer<PageAllocator>) a -> {
                            a.allocPages(0);
                            a.allocPages(0);
                            a.freePages(4, 0);
                            a.freePages(5, 0);
                        },
                        5L, 0, IllegalStateException.class,
                        "freePages(pfn 0x5, order 0): double free: pfn 0x5 lies inside the free"
                                + " order-2 block at pfn 0x4"
                                + " (page dumped: pfn:0x5 refcount:0 mapcount:0 flags:none)"),
                Arguments.of("wrong order",
                        (Consumer<PageAllocator>) a -> a.allocPages(1),
                        4L, 0, IllegalStateException.class,
                        "freePages(pfn 0x4, order 0): wrong order: pfn 0x4 was allocated with order 1"
                                + " (page dumped: pfn:0x4 refcount:1 mapcount:0 flags:head|fresh|order=1)"),
                Arguments.of("tail frame",
                        (Consumer<PageAllocator>) a -> a.allocPages(1),
                        5L, 0, IllegalStateException.class,
                        "freePages(pfn 0x5, order 0): pfn 0x5 is a tail frame of the order-1 block"
                                + " allocated at pfn 0x4"
                                + " (page dumped: pfn:0x5 refcount:0 mapcount:0 flags:fresh)"),
                Arguments.of("reserved frame",
                        (Consumer<PageAllocator>) a -> { },
                        2L, 0, IllegalStateException.class,
                        "freePages(pfn 0x2, order 0): freeing a reserved frame (PG_reserved, never handed out)"
                                + " (page dumped: pfn:0x2 refcount:1 mapcount:0 flags:reserved|fresh)"),
                Arguments.of("still referenced",
                        (Consumer<PageAllocator>) a -> a.frames().getPage(a.allocPages(0)),
                        4L, 0, IllegalStateException.class,
                        "freePages(pfn 0x4, order 0): nonzero _refcount: still referenced (refcount 2;"
                                + " expected: 1, the allocation's reference, or 0 after putPage)"
                                + " (page dumped: pfn:0x4 refcount:2 mapcount:0 flags:head|fresh|order=0)"),
                Arguments.of("still mapped (tail)",
                        (Consumer<PageAllocator>) a -> a.frames().incMapcount(a.allocPages(2) + 3),
                        4L, 2, IllegalStateException.class,
                        "freePages(pfn 0x4, order 2): nonzero mapcount: pfn 0x7 is still mapped (mapcount 1)"
                                + " (page dumped: pfn:0x7 refcount:0 mapcount:1 flags:fresh)"),
                Arguments.of("tail holds a reference",
                        (Consumer<PageAllocator>) a -> {
                            long p = a.allocPages(1);
                            a.frames().setPageCount((int) p + 1, 1);
                        },
                        4L, 1, IllegalStateException.class,
                        "freePages(pfn 0x4, order 1): nonzero _refcount on tail pfn 0x5 (refcount 1;"
                                + " tails hold no references)"
                                + " (page dumped: pfn:0x5 refcount:1 mapcount:0 flags:fresh)"),
                Arguments.of("the zero page",
                        (Consumer<PageAllocator>) a -> a.frames().setPageFlag(a.allocPages(0), PageFlag.ZERO_PAGE),
                        4L, 0, IllegalStateException.class,
                        "freePages(pfn 0x4, order 0): freeing the shared zero page (PG_zero_page)"
                                + " (page dumped: pfn:0x4 refcount:1 mapcount:0"
                                + " flags:head|zero_page|fresh|order=0)"),
                Arguments.of("misaligned",
                        (Consumer<PageAllocator>) a -> a.allocPages(2),
                        5L, 1, IllegalArgumentException.class,
                        "freePages(pfn 0x5, order 1): pfn must be aligned to the order"
                                + " (expected: multiple of 2, got 0x5)"),
                Arguments.of("beyond the last frame",
                        (Consumer<PageAllocator>) a -> { },
                        60L, 3, IllegalArgumentException.class,
                        "freePages(pfn 0x3c, order 3): block must lie inside frames 0x0..0x3f (got 0x3c..0x43)"),
                Arguments.of("negative pfn",
                        (Consumer<PageAllocator>) a -> { },
                        -1L, 0, IllegalArgumentException.class,
                        "freePages(pfn 0xffffffffffffffff, order 0): block must lie inside frames 0x0..0x3f"
                                + " (got 0xffffffffffffffff..0xffffffffffffffff)"),
                Arguments.of("order 11",
                        (Consumer<PageAllocator>) a -> { },
                        4L, 11, IllegalArgumentException.class,
                        "order must be 0..10 (got 11)"),
                Arguments.of("order -1",
                        (Consumer<PageAllocator>) a -> { },
                        4L, -1, IllegalArgumentException.class,
                        "order must be 0..10 (got -1)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void badFrees(String what, Consumer<PageAllocator> setup, long pfn, int order,
                  Class<? extends RuntimeException> type, String message) {
        PageAllocator a = small();
        setup.accept(a);
        String before = a.dumpFreeLists();
        long freeBefore = a.nrFreePages();
        RuntimeException e = assertThrows(type, () -> a.freePages(pfn, order));
        assertEquals(message, e.getMessage());
        assertEquals(before, a.dumpFreeLists(), "a rejected free must change nothing");
        assertEquals(freeBefore, a.nrFreePages());
    }

    @ParameterizedTest(name = "allocPages(order {0})")
    @CsvSource({"-1", "11", "2147483647"})
    void allocRejectsBadOrder(int order) {
        var e = assertThrows(IllegalArgumentException.class, () -> small().allocPages(order));
        assertEquals("order must be 0..10 (got " + order + ")", e.getMessage());
    }

    @Test
    void useAfterFreeIsCaughtWhenTheFrameIsHandedOutAgain() {
        PageAllocator a = noReserve(64, 0);
        long p = a.allocPages(0);
        a.freePages(p, 0); // merges back into the order-6 block at 0
        assertEquals(0, a.allocPages(5)); // leaves 32..63 free
        a.frames().setPageFlag(35, PageFlag.ANON); // a tail of the free block, written while free
        var e = assertThrows(IllegalStateException.class, () -> a.allocPages(5));
        assertEquals("allocPages(order 5): pfn 0x23 of the free block at pfn 0x20 was changed while free"
                + " (use after free?) (page dumped: pfn:0x23 refcount:0 mapcount:0 flags:anon|fresh)",
                e.getMessage());
    }

    // ------------------------------------------------------------------ reference counts and flags

    @Test
    void putPageToZeroThenFreeIsAccepted() {
        PageAllocator a = small();
        long p = a.allocPages(0);
        a.frames().getPage(p);
        assertFalse(a.frames().putPage(p));
        assertTrue(a.frames().putPage(p));
        a.freePages(p, 0);
        assertEquals(60, a.nrFreePages());
    }

    @Test
    void freeResetsCallerFlagsAndConsumesFreshness() {
        PageAllocator a = small();
        long p = a.allocPages(0);
        FrameTable f = a.frames();
        assertTrue(f.pageFresh(p));
        for (PageFlag flag : List.of(PageFlag.ANON, PageFlag.DIRTY, PageFlag.PGTABLE, PageFlag.SLAB)) {
            f.setPageFlag(p, flag);
        }
        a.freePages(p, 0);
        assertEquals(p, a.allocPages(0));
        assertTrue(f.testPageFlag(p, PageFlag.HEAD));
        for (PageFlag flag : List.of(PageFlag.ANON, PageFlag.DIRTY, PageFlag.PGTABLE, PageFlag.SLAB)) {
            assertFalse(f.testPageFlag(p, flag), flag.name());
        }
        assertFalse(f.pageFresh(p), "a frame that was handed out and freed has unknown contents");
        assertFalse(f.testAndClearFresh(p));
    }

    @Test
    void freshFramesAreReportedOnce() {
        PageAllocator a = small();
        long p = a.allocPages(1);
        FrameTable f = a.frames();
        assertTrue(f.testAndClearFresh(p));
        assertFalse(f.testAndClearFresh(p));
        assertTrue(f.testAndClearFresh(p + 1));
        a.freePages(p, 1);
        long q = a.allocPages(2);
        assertEquals(4, q);
        assertFalse(f.pageFresh(4));
        assertFalse(f.pageFresh(5));
        assertTrue(f.pageFresh(6), "frame 6 was never handed out");
    }

    // ------------------------------------------------------------------ views

    @Test
    void buddyinfoMatchesProcFormat() {
        PageAllocator a = new PageAllocator(3000, 1);
        assertEquals("Node 0, zone   Normal      1      1      1      2      2      2      1"
                + "      2      2      2      1 \n", a.buddyinfo());
        PageAllocator big = new PageAllocator(4L << 20, 0);
        big.setMinFreeKbytes(0);
        big.allocPages(0);
        assertEquals("Node 0, zone   Normal      1      1      1      1      1      1      1"
                + "      1      1      1   4095 \n", big.buddyinfo());
    }

    @Test
    void buddyinfoWidensColumnsBeyondSixDigits() {
        PageAllocator a = noReserve(1 << 21, 0); // 2^21 frames = 2048 blocks of order 10
        for (int i = 0; i < 1024; i++) {
            a.allocPages(10);
        }
        assertEquals(1024, a.nrFree(10));
        assertTrue(a.buddyinfo().endsWith("   1024 \n"));
        PageAllocator many = noReserve(1 << 21, 0);
        for (int i = 0; i < 1 << 21; i += 2) {
            many.allocPages(0);
            many.allocPages(0);
        }
        for (long pfn = 0; pfn < 1 << 21; pfn += 2) {
            many.freePages(pfn, 0);
        }
        assertEquals("Node 0, zone   Normal 1048576      0      0      0      0      0      0"
                + "      0      0      0      0 \n", many.buddyinfo());
    }

    @Test
    void meminfoMatchesProcFormat() {
        PageAllocator a = new PageAllocator(262144, 256);
        assertEquals("MemTotal:        1047552 kB\nMemFree:         1047552 kB\n", a.meminfo());
        a.allocPages(3);
        assertEquals("MemTotal:        1047552 kB\nMemFree:         1047520 kB\n", a.meminfo());
        // show_val_kb() widens past 8 digits (256 GiB) instead of truncating
        assertEquals("MemTotal:       268435456 kB\n", PageAllocatorText.showValKb("MemTotal:", 64L << 20));
    }

    @Test
    void showFreeAreasListsBlocksAndTotal() {
        PageAllocator a = new PageAllocator(1000, 0);
        assertEquals("Normal: 0*4kB 0*8kB 0*16kB 1*32kB 0*64kB 1*128kB 1*256kB 1*512kB 1*1024kB"
                + " 1*2048kB 0*4096kB = 4000kB\n", a.showFreeAreas());
    }
}
