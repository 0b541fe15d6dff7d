package io.mmemu.tlb;

import static io.mmemu.tlb.Walks.R;
import static io.mmemu.tlb.Walks.W;
import static io.mmemu.tlb.Walks.X;
import static io.mmemu.tlb.Walks.ok4k;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.pgtable.Access;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fill hook asks the hierarchy on every Unicorn TLB miss: lookups (hits, L2 refills, misses) and fills allocate nothing. */
class CpuTlbAllocationTest {

    @ParameterizedTest
    @ValueSource(strings = {"teaching", "intel-golden-cove", "amd-zen4"})
    void lookupAndFillAllocateNothing(String preset) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        CpuTlb t = new CpuTlb(TlbPreset.byName(preset));
        long sink = 0;
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200_000; i++) {
                long va = 0x40_0000L + (i % 4096) * 4096L;
                int access = i % 5 == 0 ? Access.FETCH : i % 3 == 0 ? Access.WRITE : Access.READ;
                long r = t.lookup(va, 0, access);
                if (r == Tlb.MISS) t.fill(va, 0, access, ok4k(0x100_0000L + (i % 4096) * 4096L, R | W | X));
                sink += r;
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (round == 2) assertTrue(allocated < 1024, "200000 lookups allocated " + allocated + " bytes (sink " + sink + ")");
        }
    }
}
