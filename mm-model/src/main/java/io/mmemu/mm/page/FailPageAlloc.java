package io.mmemu.mm.page;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;

/**
 * Models mm/fail_page_alloc.c: whether a page allocation fails on purpose.
 *
 * <p>should_fail_alloc_page() filters before it asks should_fail_ex(): orders below
 * {@code min-order} (Linux's default 1 spares every single page), __GFP_HIGHMEM allocations while
 * {@code ignore-gfp-highmem} is Y (user pages: GFP_HIGHUSER_MOVABLE carries the bit on x86-64
 * too), and allocations that may sleep (__GFP_DIRECT_RECLAIM) while {@code ignore-gfp-wait} is Y.
 * A filtered allocation never reaches should_fail_ex(): no call number, no fail-nth countdown.
 * The space attribute counts {@code PAGE_SIZE << order} bytes per allocation.
 */
final class FailPageAlloc {
    /** The site each order is reported as, made once so that an armed point allocates nothing to ask. */
    private static final String[] SITES = new String[PageAllocator.NR_PAGE_ORDERS];

    static {
        for (int o = 0; o < SITES.length; o++) SITES[o] = "order " + o;
    }

    private final FaultInjector faults;
    private final FaultAttr attr;

    FailPageAlloc(FaultInjector faults) {
        this.faults = faults;
        this.attr = faults.attr(FaultPoint.FAIL_PAGE_ALLOC);
    }

    /** Models should_fail_alloc_page(), mm/fail_page_alloc.c; the caller checked {@link FaultInjector#armed}. */
    boolean shouldFailAllocPage(int gfp, int order) {
        if (order < attr.number("min-order")) return false;
        if (attr.flag("ignore-gfp-highmem") && (gfp & Gfp.HIGHMEM) != 0) return false;
        if (attr.flag("ignore-gfp-wait") && (gfp & Gfp.DIRECT_RECLAIM) != 0) return false;
        return faults.shouldFail(FaultPoint.FAIL_PAGE_ALLOC, 4096L << order, SITES[order]);
    }
}
