package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.PageSize;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.TlbStat;
import org.junit.jupiter.api.Test;

/**
 * The model TLB's 2 MiB entries in use: a write fault in a MADV_HUGEPAGE range maps a huge PMD,
 * the walk ends at it (size code 1), and one fill of the TLB then translates all 512 pages of it,
 * each to its own frame, with no further walk.
 */
class HugePageTlbTest {
    static final long BASE = 0x4000_0000L;

    @Test
    void oneTwoMibEntryTranslatesEveryPageOfAHugePage() {
        MmEnv env = MmEnv.boot(64L << 20);
        try {
            MmStruct mm = MmStruct.mmAlloc(env);
            int rw = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;
            assertEquals(BASE, mm.mmapRegion(BASE, PageTypes.PMD_SIZE, rw, null, 0, null));
            assertEquals(0, Madvise.doMadvise(mm, BASE, PageTypes.PMD_SIZE, Madvise.MADV_HUGEPAGE, null));
            PageWalker walker = new PageWalker(env.mem());
            long r = walker.walk(mm.pgd().cr3(), BASE, Access.WRITE, true, env.pagingControl());
            assertTrue(WalkResult.isFault(r));
            assertSame(FaultResult.HANDLED, UserFault.doUserAddrFault(mm, BASE, WalkResult.errorCode(r)));
            r = walker.walk(mm.pgd().cr3(), BASE, Access.WRITE, true, env.pagingControl());
            assertEquals(1, WalkResult.sizeCode(r), "the walk ends at a 2 MiB leaf");

            CpuTlb tlb = new CpuTlb(TlbPreset.TYPICAL, env.mem());
            tlb.fill(BASE, 0, Access.WRITE, r);
            int twoMib = 0;
            for (int i = 0; i < tlb.arrayCount(); i++) twoMib += tlb.array(i).validEntries(PageSize.SIZE_2M);
            assertTrue(twoMib >= 1, "a 2 MiB entry was filled:\n" + tlb.dump());
            assertEquals(twoMib, tlb.stat(TlbStat.FILL_2M), "each 2 MiB entry is counted as such (--stats shows the sum)");
            long head = WalkResult.pagePa(r);
            for (long off = 0; off < PageTypes.PMD_SIZE; off += PageTypes.PAGE_SIZE) {
                long hit = tlb.lookup(BASE + off, 0, Access.READ);
                assertNotEquals(Tlb.MISS, hit, "page at +0x" + Long.toHexString(off) + " missed");
                assertEquals(head + off, WalkResult.pagePa(hit), "page at +0x" + Long.toHexString(off));
            }
            assertEquals(0, tlb.stat(TlbStat.MISS), "no page of the huge page needed a walk of its own");
            mm.exitMmap();
        } finally {
            env.mem().close();
        }
    }
}
