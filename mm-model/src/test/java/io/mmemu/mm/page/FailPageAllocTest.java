package io.mmemu.mm.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** should_fail_alloc_page()'s filters (min-order, ignore-gfp-highmem, ignore-gfp-wait) and what a failure leaves. */
class FailPageAllocTest {
    private PageAllocator allocator;
    private FaultInjector faults;
    private FaultAttr attr;

    @BeforeEach
    void setUp() {
        allocator = new PageAllocator(4096, 1);
        faults = new FaultInjector(1);
        allocator.setFaults(faults);
        attr = faults.attr(FaultPoint.FAIL_PAGE_ALLOC);
        attr.set("probability", "100");
        attr.set("times", "-1");
    }

    @Test
    void linuxsDefaultsSpareOrderZeroHighmemAndSleepingAllocations() {
        assertNotEquals(PageAllocator.NO_PAGE, allocator.allocPages(0, Gfp.ATOMIC), "min-order 1 spares order 0");
        assertNotEquals(PageAllocator.NO_PAGE, allocator.allocPages(1, Gfp.KERNEL), "ignore-gfp-wait spares GFP_KERNEL");
        assertNotEquals(PageAllocator.NO_PAGE, allocator.allocPages(1, Gfp.HIGHMEM), "ignore-gfp-highmem");
        assertEquals(0, faults.calls(FaultPoint.FAIL_PAGE_ALLOC));
        assertEquals(PageAllocator.NO_PAGE, allocator.allocPages(1, Gfp.ATOMIC));
        assertTrue(allocator.lastFailureInjected());
    }

    @Test
    void anInjectedFailureTakesNothingAndIsToldFromExhaustion() {
        attr.set("min-order", "0");
        attr.set("ignore-gfp-wait", "N");
        attr.set("ignore-gfp-highmem", "N");
        long free = allocator.nrFreePages();
        assertEquals(PageAllocator.NO_PAGE, allocator.allocPages(0, Gfp.HIGHUSER_MOVABLE));
        assertEquals(free, allocator.nrFreePages());
        assertTrue(allocator.lastFailureInjected());
        attr.set("probability", "0");
        while (allocator.allocPages(PageAllocator.MAX_ORDER, Gfp.KERNEL) != PageAllocator.NO_PAGE) { }
        while (allocator.allocPages(0, Gfp.KERNEL) != PageAllocator.NO_PAGE) { }
        assertFalse(allocator.lastFailureInjected(), "exhaustion is no injected failure");
    }
}
