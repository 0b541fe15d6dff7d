package io.mmemu.mm.vma;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The sparse page-cache index: loads, stores, erasures and the range walk truncation uses. */
class PageCacheXarrayTest {
    @Test
    void emptyLoadsMinusOne() {
        PageCacheXarray x = new PageCacheXarray();
        assertEquals(-1, x.load(0));
        assertEquals(-1, x.load(Long.MAX_VALUE >>> 12));
        assertEquals(-1, x.findFrom(0));
        assertEquals(0, x.nrpages());
    }

    @ParameterizedTest(name = "index {0}")
    @CsvSource({"0", "511", "512", "1000000", "268435456", "2251799813685247"})
    void storeLoadEraseAtAnyIndex(long index) {
        PageCacheXarray x = new PageCacheXarray();
        x.store(index, 42);
        assertEquals(42, x.load(index));
        assertEquals(-1, x.load(index + 1));
        assertEquals(1, x.nrpages());
        assertEquals(index, x.findFrom(0));
        assertEquals(-1, x.findFrom(index + 1));
        x.store(index, -1);
        assertEquals(-1, x.load(index));
        assertEquals(0, x.nrpages());
        assertEquals(-1, x.findFrom(0));
    }

    @Test
    void chunksStaySortedWhateverTheInsertionOrder() {
        PageCacheXarray x = new PageCacheXarray();
        long[] order = {5000, 3, 70000, 600, 1 << 20, 1025};
        for (long i : order) x.store(i, i + 1);
        x.store(600, 7); // a replacement is no new page
        assertEquals(order.length, x.nrpages());
        long[] sorted = {3, 600, 1025, 5000, 70000, 1 << 20};
        long at = 0;
        for (long expected : sorted) {
            at = x.findFrom(at);
            assertEquals(expected, at);
            at++;
        }
        assertEquals(-1, x.findFrom(at));
        assertEquals(7, x.load(600));
        x.store(99, -1); // erasing a hole changes nothing
        assertEquals(order.length, x.nrpages());
    }
}
