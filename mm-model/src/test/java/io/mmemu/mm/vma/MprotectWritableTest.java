package io.mmemu.mm.vma;

import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mmemu.mm.fault.CpuAccess;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mprotect() back to writable on private anonymous memory, as Linux 5.19+ does it
 * (can_change_pte_writable()): a page only this process maps (PageAnonExclusive) is writable at
 * once, with no fault; a page fork shared is not, until a write fault reuses it (and marks it
 * exclusive again).
 */
class MprotectWritableTest extends AddressSpaceFixture {
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final long BASE = 0x4000_0000L;
    private CpuAccess cpu;

    @BeforeEach
    void cpu() {
        cpu = new CpuAccess(env);
    }

    private void write(MmStruct m, long va) {
        assertSame(FaultResult.HANDLED, cpu.access(m, va, Access.WRITE, AssertionError::new));
    }

    private long pte(MmStruct m, long va) {
        long slot = m.pgd().pteSlot(va, false);
        assertNotNull(slot == PageTable.NO_SLOT ? null : slot, "no PTE for " + Long.toHexString(va));
        return m.pgd().get(slot);
    }

    private void readOnlyThenWritable(MmStruct m) {
        assertEquals(0, Mprotect.doMprotect(m, BASE, 2 * P, VM_READ));
        assertEquals(0, pte(m, BASE) & Pte.RW);
        assertEquals(0, Mprotect.doMprotect(m, BASE, 2 * P, VM_READ | VM_WRITE));
    }

    @Test
    void anExclusivePageIsWritableAgainWithoutAFault() {
        assertEquals(BASE, mm.mmapRegion(BASE, 2 * P, RW, null, 0, null));
        write(mm, BASE);
        write(mm, BASE + P);
        readOnlyThenWritable(mm);
        assertEquals(Pte.RW, pte(mm, BASE) & Pte.RW, Pte.describe(pte(mm, BASE)));
        long faults = env.event(VmEvent.PGFAULT);
        write(mm, BASE);
        assertEquals(faults, env.event(VmEvent.PGFAULT), "no write fault");
    }

    @Test
    void aPageForkSharedStaysReadOnlyUntilAWriteFaultReusesIt() {
        assertEquals(BASE, mm.mmapRegion(BASE, 2 * P, RW, null, 0, null));
        write(mm, BASE);
        MmStruct child = mm.dupMmap();
        assertNotNull(child);
        child.exitMmap(); // the child goes: the parent holds the only reference again
        readOnlyThenWritable(mm);
        assertEquals(0, pte(mm, BASE) & Pte.RW, "not exclusive since fork: " + Pte.describe(pte(mm, BASE)));
        long faults = env.event(VmEvent.PGFAULT);
        long cow = env.event(VmEvent.COW_FAULT);
        write(mm, BASE);
        assertEquals(faults + 1, env.event(VmEvent.PGFAULT), "a write fault");
        assertEquals(cow, env.event(VmEvent.COW_FAULT), "which reuses the page");
        readOnlyThenWritable(mm);
        assertEquals(Pte.RW, pte(mm, BASE) & Pte.RW, "exclusive again after the reuse");
    }
}
