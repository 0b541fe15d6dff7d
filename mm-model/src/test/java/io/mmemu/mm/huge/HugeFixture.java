package io.mmemu.mm.huge;

import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.fault.CpuAccess;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the huge-page tests share: a 64 MiB machine with one address space (more join {@link
 * #live} after fork), user accesses as the CPU makes them (walk, fault, walk again), and at the
 * end every address space exited with no frame leaked and no huge folio still PMD-mapped. A
 * failing access prints the address spaces with their entries.
 */
abstract class HugeFixture {
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    /** A 2 MiB-aligned base. */
    static final long BASE = 0x4000_0000L;

    MmEnv env;
    AddressSpaceInvariants inv;
    MmStruct mm;
    CpuAccess cpu;
    final List<MmStruct> live = new ArrayList<>();

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(64L << 20);
        inv = new AddressSpaceInvariants(env);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        live.add(mm);
        cpu = new CpuAccess(env);
    }

    @AfterEach
    void tearDown() {
        for (MmStruct m : live) m.exitMmap();
        live.clear();
        assertEquals(List.of(), inv.leaks());
        assertEquals(0, env.thp().nrAnonThps(), "huge folios still PMD-mapped after every exit");
        env.mem().close();
    }

    void checkInvariants() {
        List<String> errors = inv.violations(live);
        assertEquals(List.of(), errors, () -> inv.report(errors, live));
    }

    void touch(MmStruct m, long va, int access) {
        FaultResult r = cpu.access(m, va, access, AssertionError::new);
        assertSame(FaultResult.HANDLED, r, () -> inv.describe(live));
    }

    void write(MmStruct m, long va, long value) {
        touch(m, va, Access.WRITE);
        env.mem().putLong(WalkResult.pagePa(cpu.lastWalk()) | (va & 0xfff), value);
    }

    long read(MmStruct m, long va) {
        touch(m, va, Access.READ);
        return env.mem().getLong(WalkResult.pagePa(cpu.lastWalk()) | (va & 0xfff));
    }

    boolean hugeAt(MmStruct m, long va) {
        return m.pgd().hugePmdSlot(va) != PageTable.NO_SLOT;
    }
}
