package io.mmemu.mm.page;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random alloc/free sequences against the buddy allocator's invariants. Each operation is one
 * int: even values allocate (order from a table biased to small orders, optional gfp-free flags
 * on the head), odd values free one of the blocks handed out (sometimes through putPage).
 * A failure message carries the free lists with their pfns.
 */
class PageAllocatorPropertyTest {

    private static final int[] ORDERS = {0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10};
    private static final int FULL_CHECK_EVERY = 40;

    @Provide
    Arbitrary<List<Integer>> ops() {
        return Arbitraries.integers().between(0, 1 << 20).list().ofMaxSize(200);
    }

    @Property(tries = 1000)
    void randomAllocFreeKeepsBuddyInvariants(
            @ForAll @IntRange(min = 1, max = 3000) int nrPages,
            @ForAll @IntRange(min = 0, max = 80) int reservedWanted,
            @ForAll("ops") List<Integer> ops) {
        int reserved = Math.min(reservedWanted, nrPages);
        PageAllocator a = new PageAllocator(nrPages, reserved);
        a.setMinFreeKbytes(0); // no reserve: an allocation succeeds exactly when a block fits
        Model m = new Model(a, nrPages, reserved);

        for (int i = 0; i < ops.size(); i++) {
            int op = ops.get(i);
            if ((op & 1) == 0) {
                m.alloc(ORDERS[(op >>> 1) & 15], (op & (1 << 6)) != 0, i);
            } else if (!m.allocated.isEmpty()) {
                m.free((op >>> 1) % m.allocated.size(), (op & (1 << 7)) != 0, i);
            }
            if (i % FULL_CHECK_EVERY == 0) {
                m.checkInvariants("after op " + i);
            }
        }
        m.checkInvariants("after all ops");

        int k = 0;
        while (!m.allocated.isEmpty()) { // free the rest in an order derived from the ops
            int pick = ops.isEmpty() ? 0 : ops.get(k++ % ops.size()) % m.allocated.size();
            m.free(pick, false, -1);
        }
        m.checkInvariants("after freeing everything");
        PageAllocator fresh = new PageAllocator(nrPages, reserved);
        for (int o = 0; o <= PageAllocator.MAX_ORDER; o++) {
            long[] got = a.freeListPfns(o).clone();
            long[] want = fresh.freeListPfns(o).clone();
            java.util.Arrays.sort(got);
            java.util.Arrays.sort(want);
            m.check(java.util.Arrays.equals(got, want),
                    "after freeing everything the order-" + o + " list must equal the boot-time list "
                            + java.util.Arrays.toString(want));
        }
        if (reserved == 0 && nrPages % 1024 == 0) {
            m.check(a.nrFree(PageAllocator.MAX_ORDER) == nrPages / 1024,
                    "full merge must leave only max-order blocks");
        }
    }

    /** The test's own record of what was handed out, and the invariant checks. */
    private static final class Model {
        final PageAllocator a;
        final FrameTable f;
        final int nrPages;
        final int reserved;
        /** Handed-out blocks as {pfn, order}. */
        final List<long[]> allocated = new ArrayList<>();
        final BitSet inUse = new BitSet();
        long allocatedPages;

        Model(PageAllocator a, int nrPages, int reserved) {
            this.a = a;
            this.f = a.frames();
            this.nrPages = nrPages;
            this.reserved = reserved;
        }

        void alloc(int order, boolean markAnon, int step) {
            boolean fits = false;
            for (int o = order; o <= PageAllocator.MAX_ORDER; o++) {
                fits |= a.nrFree(o) > 0;
            }
            long pfn = a.allocPages(order);
            if (pfn == PageAllocator.NO_PAGE) {
                check(!fits, "op " + step + ": allocPages(" + order + ") failed although a block fits");
                return;
            }
            check(fits, "op " + step + ": allocPages(" + order + ") succeeded without a block");
            long size = 1L << order;
            check(pfn % size == 0, "op " + step + ": pfn 0x" + Long.toHexString(pfn) + " not aligned to order " + order);
            check(pfn >= reserved && pfn + size <= nrPages,
                    "op " + step + ": block 0x" + Long.toHexString(pfn) + " order " + order + " outside the managed frames");
            int next = inUse.nextSetBit((int) pfn);
            check(next < 0 || next >= pfn + size,
                    "op " + step + ": block 0x" + Long.toHexString(pfn) + " order " + order + " overlaps a block in use");
            inUse.set((int) pfn, (int) (pfn + size));
            allocated.add(new long[] {pfn, order});
            allocatedPages += size;
            if (markAnon) {
                f.setPageFlag(pfn, PageFlag.ANON);
                f.setPageFlag(pfn, PageFlag.DIRTY);
            }
            check(a.nrFreePages() + allocatedPages == a.nrManagedPages(), "op " + step + ": free + allocated != managed");
        }

        void free(int index, boolean viaPutPage, int step) {
            long[] block = allocated.get(index);
            allocated.set(index, allocated.get(allocated.size() - 1));
            allocated.remove(allocated.size() - 1);
            long pfn = block[0];
            int order = (int) block[1];
            if (viaPutPage) {
                check(f.putPage(pfn), "op " + step + ": putPage of a fresh allocation must drop to zero");
            }
            a.freePages(pfn, order);
            inUse.clear((int) pfn, (int) (pfn + (1L << order)));
            allocatedPages -= 1L << order;
            check(a.nrFreePages() + allocatedPages == a.nrManagedPages(), "op " + step + ": free + allocated != managed");
        }

        void checkInvariants(String when) {
            BitSet free = new BitSet();
            BitSet freeHeads = new BitSet();
            long freePages = 0;
            for (int o = 0; o <= PageAllocator.MAX_ORDER; o++) {
                long[] list = a.freeListPfns(o);
                check(list.length == a.nrFree(o), when + ": nr_free[" + o + "] != list length");
                for (long pfn : list) {
                    int p = (int) pfn;
                    int size = 1 << o;
                    check(p % size == 0, when + ": free pfn 0x" + Integer.toHexString(p) + " misaligned for order " + o);
                    check(p >= reserved && p + size <= nrPages, when + ": free block 0x" + Integer.toHexString(p) + " outside");
                    int next = free.nextSetBit(p);
                    check(next < 0 || next >= p + size, when + ": free blocks overlap at 0x" + Integer.toHexString(p));
                    check(!inUse.intersects(range(p, size)), when + ": free block 0x" + Integer.toHexString(p) + " is in use");
                    check(f.testPageFlag(p, PageFlag.BUDDY) && f.buddyOrder(p) == o,
                            when + ": free head 0x" + Integer.toHexString(p) + " lacks PG_buddy order " + o);
                    if (o < PageAllocator.MAX_ORDER) {
                        int buddy = p ^ size;
                        boolean buddyFree = buddy < nrPages && f.testPageFlag(buddy, PageFlag.BUDDY)
                                && f.buddyOrder(buddy) == o;
                        check(!buddyFree, when + ": free buddies 0x" + Integer.toHexString(p) + " and 0x"
                                + Integer.toHexString(buddy) + " of order " + o + " were not merged");
                    }
                    free.set(p, p + size);
                    freeHeads.set(p);
                    freePages += size;
                }
            }
            check(freePages == a.nrFreePages(), when + ": list pages " + freePages + " != nrFreePages");
            check(free.cardinality() + inUse.cardinality() + reserved == nrPages,
                    when + ": free + in use + reserved does not cover all frames");
            BitSet heads = new BitSet();
            for (long[] b : allocated) {
                heads.set((int) b[0]);
            }
            for (int p = 0; p < nrPages; p++) {
                check(f.testPageFlag(p, PageFlag.BUDDY) == freeHeads.get(p),
                        when + ": PG_buddy on 0x" + Integer.toHexString(p) + " disagrees with the free lists");
                check(f.testPageFlag(p, PageFlag.HEAD) == heads.get(p),
                        when + ": PG_head on 0x" + Integer.toHexString(p) + " disagrees with the blocks in use");
                check(f.testPageFlag(p, PageFlag.RESERVED) == (p < reserved),
                        when + ": PG_reserved on 0x" + Integer.toHexString(p));
                if (free.get(p)) {
                    check(!f.testPageFlag(p, PageFlag.ANON) && !f.testPageFlag(p, PageFlag.DIRTY)
                                    && f.pageRefCount(p) == 0 && f.pageMapcount(p) == 0,
                            when + ": free frame 0x" + Integer.toHexString(p) + " not clean: " + f.dumpPage(p));
                }
            }
            for (long[] b : allocated) {
                check(f.pageRefCount(b[0]) == 1, when + ": head 0x" + Long.toHexString(b[0]) + " refcount");
            }
        }

        private static BitSet range(int from, int size) {
            BitSet s = new BitSet();
            s.set(from, from + size);
            return s;
        }

        void check(boolean ok, String what) {
            if (!ok) {
                throw new AssertionError(what + "\nnrPages=" + nrPages + " reserved=" + reserved
                        + " allocated pages=" + allocatedPages + "\n" + a.dumpFreeLists());
            }
        }
    }
}
