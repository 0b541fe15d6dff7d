package io.mmemu.mm.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class FrameTableTest {

    /** 64 frames, 0..3 reserved; the free blocks are 4(o2) 8(o3) 16(o4) 32(o5). */
    private static PageAllocator allocator() {
        PageAllocator a = new PageAllocator(64, 4);
        a.setMinFreeKbytes(0);
        return a;
    }

    @Test
    void refcountGetAndPut() {
        PageAllocator a = allocator();
        FrameTable f = a.frames();
        long p = a.allocPages(0);
        assertEquals(1, f.pageRefCount(p));
        f.getPage(p);
        f.getPage(p);
        assertEquals(3, f.pageRefCount(p));
        assertFalse(f.putPage(p));
        assertFalse(f.putPage(p));
        assertTrue(f.putPage(p), "the last put reports zero");
        assertEquals(0, f.pageRefCount(p));
        var e = assertThrows(IllegalStateException.class, () -> f.putPage(p));
        assertEquals("put_page on pfn 0x4 with refcount 0 (refcount underflow: no reference left to drop)",
                e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> f.getPage(p));
        assertEquals("get_page on pfn 0x4 with refcount 0 (expected: at least 1, the caller's own reference)",
                e.getMessage());
    }

    @Test
    void mapcountStartsUnmappedAndReportsFirstAndLast() {
        PageAllocator a = allocator();
        FrameTable f = a.frames();
        long p = a.allocPages(0);
        assertEquals(0, f.pageMapcount(p));
        assertTrue(f.incMapcount(p), "first mapping");
        assertFalse(f.incMapcount(p));
        assertEquals(2, f.pageMapcount(p));
        assertFalse(f.decMapcount(p));
        assertTrue(f.decMapcount(p), "last unmapping");
        var e = assertThrows(IllegalStateException.class, () -> f.decMapcount(p));
        assertEquals("unmapping pfn 0x4 which is not mapped (mapcount 0; _mapcount would drop below -1)",
                e.getMessage());
    }

    /** The digest a recorded run's checkpoints compare: free blocks' list links do not count, every count does. */
    @Test
    void countsDigestFollowsEveryCountAndIgnoresFreeLists() {
        PageAllocator a = allocator();
        FrameTable f = a.frames();
        long empty = f.countsDigest(0, 64);
        assertEquals(f.countsDigest(0, 64), empty, "the same state, the same digest");
        long p = a.allocPages(0);
        long one = f.countsDigest(0, 64);
        assertNotEquals(empty, one, "an allocated frame counts");
        f.getPage(p);
        long two = f.countsDigest(0, 64);
        assertNotEquals(one, two, "its reference count counts");
        f.incMapcount(p);
        assertNotEquals(two, f.countsDigest(0, 64), "its map count counts");
        assertEquals(f.countsDigest(0, p) + f.countsDigest(p, 64), f.countsDigest(0, 64), "ranges add up");
        assertThrows(IllegalArgumentException.class, () -> f.countsDigest(0, 65));
    }

    @Test
    void freeBlockHeadsReadAsUnreferencedAndRefuseCountChanges() {
        PageAllocator a = allocator();
        FrameTable f = a.frames();
        // pfn 8 heads a free order-3 block; its count slots hold free-list links
        assertEquals(0, f.pageRefCount(8));
        assertEquals(0, f.pageMapcount(8));
        assertEquals(3, f.buddyOrder(8));
        var e = assertThrows(IllegalStateException.class, () -> f.getPage(8));
        assertEquals("get_page on pfn 0x8 which is free in the buddy allocator"
                + " (refcount:0 mapcount:0 flags:buddy|fresh|order=3)", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> f.incMapcount(16));
        assertEquals("mapping on pfn 0x10 which is free in the buddy allocator"
                + " (refcount:0 mapcount:0 flags:buddy|fresh|order=4)", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> f.buddyOrder(9));
        assertEquals("buddy_order of pfn 0x9 which is not the head of a free block"
                + " (refcount:0 mapcount:0 flags:fresh)", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = PageFlag.class, names = {"ANON", "ZERO_PAGE", "DIRTY", "PGTABLE", "SLAB", "SHMEM"})
    void callerFlagsSetTestClear(PageFlag flag) {
        PageAllocator a = allocator();
        FrameTable f = a.frames();
        long p = a.allocPages(0);
        assertFalse(f.testPageFlag(p, flag));
        assertFalse(f.testAndSetPageFlag(p, flag));
        assertTrue(f.testPageFlag(p, flag));
        assertTrue(f.testAndSetPageFlag(p, flag));
        for (PageFlag other : PageFlag.values()) {
            if (other != flag && other != PageFlag.HEAD) {
                assertFalse(f.testPageFlag(p, other), other + " must be untouched");
            }
        }
        assertTrue(f.testAndClearPageFlag(p, flag));
        assertFalse(f.testAndClearPageFlag(p, flag));
        f.setPageFlag(p, flag);
        f.clearPageFlag(p, flag);
        assertFalse(f.testPageFlag(p, flag));
    }

    @ParameterizedTest
    @CsvSource({"RESERVED, reserved", "BUDDY, buddy", "HEAD, head"})
    void allocatorFlagsAreNotForCallers(PageFlag flag, String name) {
        FrameTable f = allocator().frames();
        var e = assertThrows(IllegalArgumentException.class, () -> f.setPageFlag(4, flag));
        assertEquals("PG_" + name + " is owned by the page allocator and cannot be set by callers", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f.clearPageFlag(4, flag));
        assertEquals("PG_" + name + " is owned by the page allocator and cannot be cleared by callers",
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"-1, 0xffffffffffffffff", "64, 0x40", "9223372036854775807, 0x7fffffffffffffff"})
    void pfnOutsideTheTableIsRejected(long pfn, String hex) {
        FrameTable f = allocator().frames();
        var e = assertThrows(IllegalArgumentException.class, () -> f.pageRefCount(pfn));
        assertEquals("pfn must be 0..0x3f (got " + hex + ")", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f.testPageFlag(pfn, PageFlag.ANON));
        assertThrows(IllegalArgumentException.class, () -> f.testAndClearFresh(pfn));
    }

    @Test
    void dumpPageShowsCountsAndFlags() {
        PageAllocator a = allocator();
        FrameTable f = a.frames();
        long p = a.allocPages(1);
        f.setPageFlag(p, PageFlag.ANON);
        f.setPageFlag(p, PageFlag.DIRTY);
        f.incMapcount(p);
        f.testAndClearFresh(p);
        assertEquals("pfn:0x4 refcount:1 mapcount:1 flags:head|anon|dirty|order=1", f.dumpPage(p));
        assertEquals("pfn:0x0 refcount:1 mapcount:0 flags:reserved|fresh", f.dumpPage(0));
    }

    @ParameterizedTest
    @EnumSource(PageFlag.class)
    void flagBitsAreDistinctAndBelowTheOrderField(PageFlag flag) {
        assertTrue(flag.bit() < FrameTable.ORDER_SHIFT);
        assertTrue((flag.mask() & FrameTable.PG_USED) == 0);
        for (PageFlag other : PageFlag.values()) {
            if (other != flag) {
                assertTrue(other.bit() != flag.bit(), other + " shares bit " + flag.bit());
            }
        }
    }
}
