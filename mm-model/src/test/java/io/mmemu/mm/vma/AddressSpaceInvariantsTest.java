package io.mmemu.mm.vma;

import static io.mmemu.mm.vma.VmFlags.VM_EXEC;
import static io.mmemu.mm.vma.VmFlags.VM_GROWSDOWN;
import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYSHARE;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_SHARED;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.uaccess.UserAccess;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each rule of {@link AddressSpaceInvariants}, broken on purpose, gives exactly the report it
 * should (as lib/slub_kunit.c clobbers a red zone and expects exactly the errors it made); a
 * sound address space gives none. (In this package so that a test can corrupt a VMA.)
 */
class AddressSpaceInvariantsTest {
    static final long PAGE = PageTypes.PAGE_SIZE;
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int RO = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final long ADDR = 0x1000_0000L;

    MmEnv env;
    AddressSpaceInvariants machine;
    MmStruct mm;
    FrameTable frames;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        frames = env.frames();
        machine = new AddressSpaceInvariants(env);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        assertEquals(ADDR, mm.mmapRegion(ADDR, 4 * PAGE, RW, null, 0, null));
        UserAccess uaccess = new UserAccess(env);
        for (int i = 0; i < 4; i++) assertTrue(uaccess.faultIn(mm, ADDR + i * PAGE, true));
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    private List<String> alone() {
        return AddressSpaceInvariants.check(env, mm);
    }

    private long slot(long va) {
        return mm.pgd().pteSlot(va, false);
    }

    private String pteAt(long va) {
        long pte = mm.pgd().get(slot(va));
        return String.format("mm#0: PTE 0x%016x for 0x%x (%s): ", pte, va, AddressSpaceInvariants.pteFlags(pte));
    }

    private Vma vma() {
        return mm.vmas().get(0);
    }

    @Test
    void aSoundAddressSpaceHasNoViolation() {
        assertEquals(List.of(), alone());
        List<String> all = machine.violations(List.of(mm));
        assertEquals(List.of(), all, () -> machine.report(all, List.of(mm)));
    }

    @Test
    void anEntryOutsideEveryVmaIsReported() {
        long pte = mm.pgd().get(slot(ADDR));
        long outside = ADDR + 8 * PAGE; // same page table, beyond the VMA
        mm.pgd().set(mm.pgd().pteSlot(outside, false), pte);
        assertEquals(List.of(pteAt(outside) + "maps a page outside every VMA"), alone());
    }

    @Test
    void aWritableEntryUnderAReadOnlyVmaIsReported() {
        vma().flags = RO;
        List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) expected.add(pteAt(ADDR + i * PAGE) + "RW under a VMA without VM_WRITE: " + vma());
        assertEquals(expected, alone());
    }

    @Test
    void anExecutableEntryUnderAVmaWithoutVmExecIsReported() {
        long va = ADDR + PAGE;
        mm.pgd().set(slot(va), mm.pgd().get(slot(va)) & ~Pte.NX);
        assertEquals(List.of(pteAt(va) + "executable (no NX) under a VMA without VM_EXEC: " + vma()), alone());
    }

    @Test
    void rssThatDisagreesWithThePageTablesIsReported() {
        mm.addRss(RssStat.MM_ANONPAGES, 1);
        mm.addRss(RssStat.MM_FILEPAGES, 2);
        assertEquals(List.of("mm#0: MM_ANONPAGES 5 but 4 entries map anonymous frames",
                "mm#0: MM_FILEPAGES 2 but 0 entries map file frames"), alone());
    }

    @Test
    void aMapcountOtherThanTheEntriesIsReported() {
        long pfn = Pte.pfn(mm.pgd().get(slot(ADDR + 2 * PAGE)));
        frames.incMapcount(pfn);
        String frame = String.format("frame 0x%x (%s): ", pfn, frames.dumpPage(pfn).strip());
        assertEquals(List.of(frame + "mapcount 2 but 1 entries map it"), machine.violations(List.of(mm)));
        assertEquals(List.of(), alone(), "alone, another address space may map it too");
        frames.decMapcount(pfn);
        frames.decMapcount(pfn);
        frame = String.format("frame 0x%x (%s): ", pfn, frames.dumpPage(pfn).strip());
        assertEquals(List.of(frame + "mapcount 0 but 1 entries map it"), alone());
    }

    @Test
    void aSharedAnonymousFrameMappedWritableSkipsCopyOnWrite() {
        MmStruct child = mm.dupMmap();
        long va = ADDR + 3 * PAGE;
        mm.pgd().set(slot(va), mm.pgd().get(slot(va)) | Pte.RW);
        long pfn = Pte.pfn(mm.pgd().get(slot(va)));
        String frame = String.format("frame 0x%x (%s): ", pfn, frames.dumpPage(pfn).strip());
        assertEquals(List.of(frame + "mapped by 2 entries, one of them writable: a write would skip copy-on-write"),
                machine.violations(List.of(mm, child)));
    }

    @Test
    void aWrittenZeroPageIsReported() {
        env.mem().putLong((env.zeroPfn() << PageTypes.PAGE_SHIFT) + 8, 0x42);
        assertEquals(List.of(String.format("the zero page (pfn 0x%x) was written: 0x0000000000000042 at offset 0x8",
                env.zeroPfn())), alone());
    }

    @Test
    void aLeakedFrameIsReportedByTheWholeMachineCheckOnly() {
        env.allocUserPage();
        long tables = mm.pgd().nrTables();
        long expected = machine.baselineFree() - tables - 4;
        assertEquals(List.of("free pages " + (expected - 1) + " (expected: " + expected + " = " + machine.baselineFree()
                + " at boot - " + tables + " page tables - 4 mapped frames): frames leaked"), machine.violations(List.of(mm)));
        assertEquals(List.of(), alone());
    }

    @Test
    void aVmaWithoutItsObjectIsReported() {
        long object = vma().object;
        env.kernelSlab().free(env.kernelSlab().vmAreaCachep(), object); // as a use-after-free would
        vma().object = 0;
        assertEquals(List.of("mm#0: VMA without a vm_area_struct of its own (object 0x0): " + vma(),
                "vm_area_struct objects in use 0 (expected: 1, one per VMA): freed while in use"),
                machine.violations(List.of(mm)));
    }

    @Test
    void overlappingAndUnalignedVmasAreReported() {
        mm.mmapRegion(ADDR + 16 * PAGE, PAGE, RO, null, 0, null);
        Vma first = vma(), second = mm.vmas().get(1);
        first.end = second.start + PAGE / 2;
        assertEquals(List.of("mm#0: VMA not page aligned: " + first,
                "mm#0: VMA overlaps or precedes the one before it (which ends at 0x"
                        + Long.toHexString(first.end) + "): " + second), alone());
    }

    @Test
    void incoherentVmaFlagsAreReported() {
        vma().flags = VM_READ | VM_WRITE | VM_EXEC | VM_MAYREAD | VM_SHARED | VM_MAYSHARE | VM_GROWSDOWN;
        String v = vma().toString();
        List<String> found = alone();
        assertEquals(List.of("mm#0: VMA with VM_WRITE but not VM_MAYWRITE: " + v,
                "mm#0: VMA with VM_EXEC but not VM_MAYEXEC: " + v, "mm#0: shared VMA that grows down: " + v),
                found, () -> String.join("\n", found));
    }

    @Test
    void theReportShowsTheViolationsAndTheVmaList() {
        mm.addRss(RssStat.MM_ANONPAGES, 1);
        List<String> found = machine.violations(List.of(mm));
        String report = machine.report(found, List.of(mm));
        assertTrue(report.startsWith("1 invariant violation(s):\n  - mm#0: MM_ANONPAGES 5 but 4 entries map anonymous frames\n"),
                report);
        assertTrue(report.contains("  " + vma().mapsLine() + "\n"), report);
    }
}
