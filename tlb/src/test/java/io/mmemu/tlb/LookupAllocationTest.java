package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.W;
import static io.mmemu.tlb.Walks.X;
import static io.mmemu.tlb.Walks.ok;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.pgtable.Access;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The fill hook calls lookup for every Unicorn TLB miss: it must not allocate. */
class LookupAllocationTest {

    @Test
    void lookupAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Tlb tlb = new Tlb(TlbConfig.TYPICAL);
        for (int p = 0; p < 48; p++) tlb.fill(0x40_0000L + p * 4096L, 1, ok(0x100_0000L + p * 4096L, R | W | X, PageSize.SIZE_4K, false));
        tlb.fill(0x4000_0000L, 1, ok(0x4000_0000L, R, PageSize.SIZE_2M, false));
        long sink = 0;
        for (int round = 0; round < 3; round++) { // the last round runs compiled code
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200_000; i++) {
                long va = (i & 1) == 0 ? 0x40_0000L + (i % 64) * 4096L : 0x4000_0000L + (i % 512) * 4096L;
                sink += tlb.lookup(va, 1, i % 3 == 0 ? Access.WRITE : Access.READ);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (round == 2) {
                assertTrue(allocated < 1024, "200000 lookups allocated " + allocated + " bytes (sink " + sink + ")");
            }
        }
    }
}
