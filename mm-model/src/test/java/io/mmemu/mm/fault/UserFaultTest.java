package io.mmemu.mm.fault;

import static io.mmemu.mm.vma.VmFlags.VM_EXEC;
import static io.mmemu.mm.vma.VmFlags.VM_GROWSDOWN;
import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.mm.vma.Vma;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * do_user_addr_fault → handle_mm_fault, driven as the CPU drives it: walk in user mode, hand a
 * failed walk's error code to the fault handler, walk again. A failing assertion prints the VMA
 * list and the PTE involved.
 */
class UserFaultTest {
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int RO = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final long ANON = 0x1000_0000L;
    static final long STACK = 0x7ffd_0000_0000L;

    MmEnv env;
    MmStruct mm;
    CpuAccess cpu;
    FrameTable frames;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        cpu = new CpuAccess(env);
        frames = env.frames();
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    void map(long addr, long len, int flags) {
        assertEquals(addr, mm.mmapRegion(addr, len, flags, null, 0, null), mm.maps());
    }

    long pte(long va) {
        long slot = mm.pgd().leafSlot(va);
        return slot == PageTable.NO_SLOT ? 0 : mm.pgd().get(slot);
    }

    String state(long va) {
        long p = pte(va);
        return String.format("PTE for 0x%x: 0x%016x %s%nrss anon %d file %d%n%s", va, p, Pte.describe(p),
                mm.rss(RssStat.MM_ANONPAGES), mm.rss(RssStat.MM_FILEPAGES), mm.maps());
    }

    /** One user access as the CPU makes it; HANDLED also when no fault was needed. */
    FaultResult touch(long va, int access) {
        return cpu.access(mm, va, access, stuck -> new AssertionError(stuck + "\n" + state(va)));
    }

    void assertHandled(long va, int access) {
        FaultResult f = touch(va, access);
        assertSame(FaultResult.HANDLED, f, Access.name(access) + " at 0x" + Long.toHexString(va) + ": " + f + "\n" + state(va));
    }

    FaultResult.Signal assertSignal(long va, int access, int signo, int code) {
        FaultResult f = touch(va, access);
        String msg = Access.name(access) + " at 0x" + Long.toHexString(va) + ": " + f + "\n" + state(va);
        FaultResult.Signal s = assertInstanceOf(FaultResult.Signal.class, f, msg);
        assertEquals(signo, s.signo(), msg);
        assertEquals(code, s.code(), msg);
        assertEquals(va, s.addr(), msg);
        return s;
    }

    byte[] readPage(long pfn) {
        byte[] b = new byte[4096];
        env.mem().read(pfn << 12, b, 0, b.length);
        return b;
    }

    // ------------------------------------------------------------------ anonymous memory

    @Test
    void readFaultMapsTheSharedZeroPage() {
        map(ANON, 0x4000, RW);
        assertHandled(ANON + 0x1008, Access.READ);
        long p = pte(ANON + 0x1000);
        assertEquals(env.zeroPfn(), Pte.pfn(p), state(ANON + 0x1000));
        assertTrue((p & Pte.SPECIAL) != 0, "zero page must be mapped special\n" + state(ANON + 0x1000));
        assertEquals(0, p & Pte.RW, "zero page must be read-only\n" + state(ANON + 0x1000));
        assertTrue((p & Pte.NX) != 0, "non-exec VMA maps NX\n" + state(ANON + 0x1000));
        assertEquals(WalkResult.PROT_READ, WalkResult.prot(cpu.lastWalk()));
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(1, env.event(VmEvent.ZERO_PAGE_MAP));
        assertEquals(1, env.event(VmEvent.PGFAULT));
        assertEquals(1, frames.pageRefCount(env.zeroPfn()), "the zero page is not refcounted per mapping");
        assertEquals(0, pte(ANON) & Pte.P, "only the faulting page is mapped");
    }

    @Test
    void writeAfterReadReplacesTheZeroPageWithAPrivateZeroedPage() {
        map(ANON, 0x4000, RW);
        // Dirty a frame and free it, so the private page must really be cleared, not merely fresh.
        long dirty = env.allocator().allocPages(0);
        env.mem().putLong(dirty << 12, 0xdead_beefL);
        env.allocator().freePages(dirty, 0);

        assertHandled(ANON, Access.READ);
        assertHandled(ANON, Access.WRITE);
        long p = pte(ANON);
        long pfn = Pte.pfn(p);
        assertNotEquals(env.zeroPfn(), pfn, state(ANON));
        assertEquals(0, p & Pte.SPECIAL, state(ANON));
        assertEquals(Pte.RW | Pte.D, p & (Pte.RW | Pte.D), state(ANON));
        assertTrue(frames.testPageFlag(pfn, PageFlag.ANON));
        assertEquals(1, frames.pageRefCount(pfn));
        assertEquals(1, frames.pageMapcount(pfn));
        assertArrayEquals(new byte[4096], readPage(pfn), "private copy of the zero page must read zero");
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(1, env.event(VmEvent.ZERO_PAGE_MAP));
        assertEquals(1, env.event(VmEvent.COW_FAULT), "breaking the zero page is a copy-on-write (wp_page_copy)");
        assertEquals(2, env.event(VmEvent.PGFAULT));
        assertEquals(WalkResult.PROT_READ | WalkResult.PROT_WRITE, WalkResult.prot(cpu.lastWalk()));
        assertEquals(1, frames.pageRefCount(env.zeroPfn()));
    }

    /** Regression: wp_page_copy() of the zero page was left out of the COW counter (--stats showed COW 0). */
    @Test
    void zeroPageCopyIsCountedAsCowFault() {
        map(ANON, 0x3000, RW);
        for (long a = ANON; a < ANON + 0x3000; a += 0x1000) assertHandled(a, Access.READ);
        for (long a = ANON; a < ANON + 0x3000; a += 0x1000) assertHandled(a, Access.WRITE);
        assertEquals(3, env.event(VmEvent.ZERO_PAGE_MAP));
        assertEquals(3, env.event(VmEvent.COW_FAULT), state(ANON));
    }

    @Test
    void writeFaultAllocatesAPageDirectly() {
        map(ANON, 0x4000, RW);
        assertHandled(ANON + 0x2ff0, Access.WRITE);
        long p = pte(ANON + 0x2000);
        assertNotEquals(env.zeroPfn(), Pte.pfn(p), state(ANON + 0x2000));
        assertTrue((p & Pte.RW) != 0 && (p & Pte.D) != 0 && (p & Pte.A) != 0, state(ANON + 0x2000));
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(0, env.event(VmEvent.ZERO_PAGE_MAP));
        assertEquals(0, env.event(VmEvent.COW_FAULT));
        assertEquals(1, env.event(VmEvent.PGFAULT));
        // A second write needs no fault.
        assertHandled(ANON + 0x2000, Access.WRITE);
        assertEquals(1, env.event(VmEvent.PGFAULT));
    }

    @Test
    void writeToWriteProtectedPageNobodyElseHoldsReusesIt() {
        map(ANON, 0x1000, RW);
        assertHandled(ANON, Access.WRITE);
        long slot = mm.pgd().leafSlot(ANON);
        long pfn = Pte.pfn(mm.pgd().get(slot));
        env.mem().putLong(pfn << 12, 42);
        mm.pgd().set(slot, mm.pgd().get(slot) & ~(Pte.RW | Pte.D)); // as after fork()'s child exited
        assertHandled(ANON, Access.WRITE);
        assertEquals(pfn, Pte.pfn(pte(ANON)), "wp_page_reuse keeps the frame\n" + state(ANON));
        assertTrue((pte(ANON) & Pte.RW) != 0, state(ANON));
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(0, env.event(VmEvent.COW_FAULT));
    }

    @Test
    void writeToWriteProtectedSharedAnonPageCopiesIt() {
        map(ANON, 0x1000, RW);
        assertHandled(ANON, Access.WRITE);
        long slot = mm.pgd().leafSlot(ANON);
        long old = Pte.pfn(mm.pgd().get(slot));
        env.mem().putLong(old << 12, 42);
        frames.getPage(old); // another mapper (a fork()ed child) holds the frame too,
        frames.clearPageFlag(old, PageFlag.ANON_EXCLUSIVE); // so it is no longer exclusive (as fork leaves it)
        mm.pgd().set(slot, mm.pgd().get(slot) & ~(Pte.RW | Pte.D));
        assertHandled(ANON, Access.WRITE);
        long now = Pte.pfn(pte(ANON));
        assertNotEquals(old, now, "wp_page_copy must give a new frame\n" + state(ANON));
        assertEquals(42, env.mem().getLong(now << 12), "the copy holds the old contents");
        assertEquals(1, frames.pageRefCount(old), "our reference to the old frame is dropped");
        assertEquals(0, frames.pageMapcount(old));
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(1, env.event(VmEvent.COW_FAULT));
    }

    @Test
    void writeToReadOnlyVmaIsAccerr() {
        map(ANON, 0x2000, RO);
        assertSignal(ANON, Access.WRITE, Signo.SIGSEGV, SiCode.SEGV_ACCERR);
        // Reading it is fine (the zero page), and a write after that is still refused.
        assertHandled(ANON, Access.READ);
        FaultResult.Signal s = assertSignal(ANON, Access.WRITE, Signo.SIGSEGV, SiCode.SEGV_ACCERR);
        assertEquals(PfErr.PROT | PfErr.WRITE | PfErr.USER, s.errorCode());
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
    }

    @Test
    void accessWithoutVmaIsMaperr() {
        map(ANON, 0x2000, RW);
        assertSignal(ANON - 0x1000, Access.READ, Signo.SIGSEGV, SiCode.SEGV_MAPERR);
        assertSignal(ANON + 0x2000, Access.WRITE, Signo.SIGSEGV, SiCode.SEGV_MAPERR);
        assertSignal(0, Access.READ, Signo.SIGSEGV, SiCode.SEGV_MAPERR);
        assertSignal(0x7fff_ffff_f000L, Access.FETCH, Signo.SIGSEGV, SiCode.SEGV_MAPERR);
    }

    @Test
    void vmaWithoutAnyAccessIsAccerr() {
        map(ANON, 0x1000, VM_MAYREAD | VM_MAYWRITE); // PROT_NONE
        assertSignal(ANON, Access.READ, Signo.SIGSEGV, SiCode.SEGV_ACCERR);
    }

    @Test
    void fetchFromNonExecVmaIsAccerr() {
        map(ANON, 0x1000, RW);
        FaultResult.Signal first = assertSignal(ANON, Access.FETCH, Signo.SIGSEGV, SiCode.SEGV_ACCERR);
        assertEquals(PfErr.PROT | PfErr.USER | PfErr.INSTR, first.errorCode(), "the retried fetch's fault");
        assertTrue(Pte.present(pte(ANON)) && (pte(ANON) & Pte.NX) != 0,
                "as Linux: the page was mapped NX before the fetch faulted again\n" + state(ANON));
        assertHandled(ANON, Access.WRITE);
        FaultResult.Signal s = assertSignal(ANON, Access.FETCH, Signo.SIGSEGV, SiCode.SEGV_ACCERR);
        assertEquals(PfErr.PROT | PfErr.USER | PfErr.INSTR, s.errorCode());
    }

    @Test
    void fetchFromExecVmaMapsExecutable() {
        map(ANON, 0x1000, RW | VM_EXEC);
        assertHandled(ANON, Access.FETCH);
        assertEquals(0, pte(ANON) & Pte.NX, state(ANON));
        assertTrue((WalkResult.prot(cpu.lastWalk()) & WalkResult.PROT_EXEC) != 0);
    }

    /**
     * Regression: a fetch that faults with PROT on a present page of a VM_EXEC VMA was taken as
     * spurious (HANDLED) and would fault again forever; access_error() says any non-write PROT
     * fault is an access error.
     */
    @Test
    void fetchProtectionFaultOnPresentPageIsAccerrEvenInExecVma() {
        map(ANON, 0x1000, RW | VM_EXEC);
        assertHandled(ANON, Access.WRITE);
        long slot = mm.pgd().leafSlot(ANON);
        mm.pgd().set(slot, mm.pgd().get(slot) | Pte.NX); // tables disagreeing with the VMA
        assertSignal(ANON, Access.FETCH, Signo.SIGSEGV, SiCode.SEGV_ACCERR);
    }

    @Test
    void reservedBitFaultKillsTheTask() {
        map(ANON, 0x1000, RW);
        assertHandled(ANON, Access.WRITE);
        long slot = mm.pgd().leafSlot(ANON);
        mm.pgd().set(slot, mm.pgd().get(slot) | (1L << 50));
        assertSignal(ANON, Access.READ, Signo.SIGKILL, 0);
    }

    @Test
    void protectionKeyFaultIsPkuerr() {
        map(ANON, 0x1000, RW);
        assertHandled(ANON, Access.WRITE);
        long slot = mm.pgd().leafSlot(ANON);
        mm.pgd().set(slot, mm.pgd().get(slot) | (3L << Pte.PKEY_SHIFT));
        env.pagingControl().pkru = 1 << 6; // AD for key 3
        FaultResult.Signal s = assertSignal(ANON, Access.READ, Signo.SIGSEGV, SiCode.SEGV_PKUERR);
        assertTrue((s.errorCode() & PfErr.PK) != 0);
        env.pagingControl().pkru = 0;
        assertHandled(ANON, Access.READ);
    }

    // ------------------------------------------------------------------ stack

    void mapStack() {
        assertEquals(STACK, mm.mmapRegion(STACK, 0x21000, RW | VM_GROWSDOWN, null, 0, "[stack]"));
        mm.startStack = STACK + 0x20f00; // where exec leaves the stack pointer: names the VMA [stack]
    }

    Vma stackVma() {
        return mm.vmaLookup(STACK + 0x20000);
    }

    @Test
    void stackGrowsDownToTheFaultingPage() {
        mapStack();
        assertHandled(STACK - 0x3000 + 8, Access.WRITE);
        assertEquals(STACK - 0x3000, stackVma().start(), mm.maps());
        assertEquals(STACK + 0x21000, stackVma().end());
        assertEquals(1, mm.mapCount(), mm.maps());
        assertEquals(1, env.event(VmEvent.STACK_EXPAND));
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        assertTrue(mm.maps().startsWith("7ffcffffd000-7ffd00021000 rw-p 00000000 00:00 0 "), mm.maps());
        assertTrue(mm.maps().contains(" [stack]\n"), "the VMA holding start_stack is [stack]\n" + mm.maps());
    }

    @Test
    void stackGrowsUpToRlimitStackAndNoFurther() {
        mapStack();
        mm.rlimitStack = 0x40000;
        long end = STACK + 0x21000;
        assertSignal(end - 0x40000 - 1, Access.WRITE, Signo.SIGSEGV, SiCode.SEGV_MAPERR);
        assertEquals(STACK, stackVma().start(), "a refused expansion leaves the VMA alone\n" + mm.maps());
        assertHandled(end - 0x40000, Access.WRITE);
        assertEquals(end - 0x40000, stackVma().start(), mm.maps());
    }

    @Test
    void stackDoesNotGrowIntoStackGuardGapOfTheVmaBelow() {
        long prevEnd = STACK - MmStruct.STACK_GUARD_GAP - 0x10000;
        map(prevEnd - 0x1000, 0x1000, RW);
        mapStack();
        assertSignal(prevEnd + MmStruct.STACK_GUARD_GAP - 0x1000, Access.WRITE, Signo.SIGSEGV,
                SiCode.SEGV_MAPERR);
        assertEquals(STACK, stackVma().start(), mm.maps());
        assertHandled(prevEnd + MmStruct.STACK_GUARD_GAP, Access.WRITE);
        assertEquals(prevEnd + MmStruct.STACK_GUARD_GAP, stackVma().start(), mm.maps());
    }

    @Test
    void inaccessibleVmaBelowDoesNotEnforceTheGap() {
        long prevEnd = STACK - 0x10000;
        map(prevEnd - 0x1000, 0x1000, VM_MAYREAD | VM_MAYWRITE); // PROT_NONE guard mapping
        mapStack();
        assertHandled(prevEnd, Access.WRITE);
        assertEquals(prevEnd, stackVma().start(), mm.maps());
        assertEquals(2, mm.mapCount());
    }

    @Test
    void belowANonGrowsDownVmaIsMaperr() {
        map(STACK, 0x1000, RW);
        assertSignal(STACK - 8, Access.WRITE, Signo.SIGSEGV, SiCode.SEGV_MAPERR);
        assertEquals(0, env.event(VmEvent.STACK_EXPAND));
    }

    // ------------------------------------------------------------------ file-backed private mapping

    static final long FILE_VA = 0x0040_0000L;
    static final int FILE_LEN = 2 * 4096 + 2048; // two and a half pages

    static byte[] fileContents() {
        byte[] b = new byte[FILE_LEN];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + 3);
        return b;
    }

    MappedFile mapFile() {
        MappedFile f = new MappedFile(Path.of("/data"), "/data", fileContents(), 0x801, 77);
        assertEquals(FILE_VA, mm.mmapRegion(FILE_VA, 0x4000, RW, f, 0, null), mm.maps());
        return f;
    }

    @Test
    void fileReadFaultMapsThePageCachePageReadOnly() {
        MappedFile f = mapFile();
        assertHandled(FILE_VA + 0x1000, Access.READ);
        long cached = f.cachedPfn(1);
        assertTrue(cached >= 0, "page 1 must be in the page cache");
        long p = pte(FILE_VA + 0x1000);
        assertEquals(cached, Pte.pfn(p), state(FILE_VA + 0x1000));
        assertEquals(0, p & Pte.RW, "a private file page is mapped write-protected\n" + state(FILE_VA + 0x1000));
        assertEquals(1, mm.rss(RssStat.MM_FILEPAGES));
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(2, frames.pageRefCount(cached), "page cache + mapping");
        assertEquals(1, frames.pageMapcount(cached));
        byte[] expected = new byte[4096];
        System.arraycopy(fileContents(), 4096, expected, 0, 4096);
        assertArrayEquals(expected, readPage(cached));
    }

    @Test
    void fileWriteAfterReadMakesAPrivateCopyAndLeavesThePageCacheAlone() {
        MappedFile f = mapFile();
        assertHandled(FILE_VA, Access.READ);
        long cached = f.cachedPfn(0);
        byte[] cacheBefore = readPage(cached);
        assertHandled(FILE_VA, Access.WRITE);
        long p = pte(FILE_VA);
        long copy = Pte.pfn(p);
        assertNotEquals(cached, copy, state(FILE_VA));
        assertTrue((p & Pte.RW) != 0, state(FILE_VA));
        assertTrue(frames.testPageFlag(copy, PageFlag.ANON));
        assertArrayEquals(cacheBefore, readPage(copy), "the copy starts as the file's page");
        env.mem().putByte((copy << 12) + 5, (byte) 0x55);
        assertArrayEquals(cacheBefore, readPage(cached), "the page cache must not see the private write");
        assertEquals(0, mm.rss(RssStat.MM_FILEPAGES), state(FILE_VA));
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES), state(FILE_VA));
        assertEquals(1, frames.pageRefCount(cached), "only the page cache holds it now");
        assertEquals(0, frames.pageMapcount(cached));
        assertEquals(1, env.event(VmEvent.COW_FAULT));
    }

    @Test
    void fileWriteFaultCopiesWithoutMappingTheCachePage() {
        MappedFile f = mapFile();
        assertHandled(FILE_VA + 0x1010, Access.WRITE);
        long cached = f.cachedPfn(1);
        long copy = Pte.pfn(pte(FILE_VA + 0x1000));
        assertNotEquals(cached, copy, state(FILE_VA + 0x1000));
        assertArrayEquals(readPage(cached), readPage(copy));
        assertEquals(1, frames.pageRefCount(cached));
        assertEquals(0, mm.rss(RssStat.MM_FILEPAGES));
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        assertEquals(1, env.event(VmEvent.COW_FAULT));
    }

    @Test
    void partialLastFilePageIsZeroFilledAndBeyondEofIsSigbus() {
        MappedFile f = mapFile();
        assertHandled(FILE_VA + 0x2000, Access.READ);
        byte[] page = readPage(f.cachedPfn(2));
        byte[] expected = new byte[4096];
        System.arraycopy(fileContents(), 8192, expected, 0, 2048);
        assertArrayEquals(expected, page);
        assertSignal(FILE_VA + 0x3000, Access.READ, Signo.SIGBUS, SiCode.BUS_ADRERR);
        assertSignal(FILE_VA + 0x3ff8, Access.WRITE, Signo.SIGBUS, SiCode.BUS_ADRERR);
        assertEquals(1, mm.rss(RssStat.MM_FILEPAGES));
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
    }

    // ------------------------------------------------------------------ out of memory

    List<Long> drain() {
        env.allocator().setMinFreeKbytes(0);
        List<Long> hoard = new ArrayList<>();
        for (long pfn; (pfn = env.allocator().allocPages(0)) != PageAllocator.NO_PAGE; ) hoard.add(pfn);
        return hoard;
    }

    @Test
    void writeFaultWithoutMemoryIsOutOfMemory() {
        map(ANON, 0x2000, RW);
        assertHandled(ANON, Access.READ); // tables exist, the zero page is mapped
        List<Long> hoard = drain();
        FaultResult f = touch(ANON, Access.WRITE);
        assertEquals(new FaultResult.OutOfMemory(ANON), f, state(ANON));
        assertEquals(env.zeroPfn(), Pte.pfn(pte(ANON)), "a failed COW leaves the zero page mapped\n" + state(ANON));
        assertEquals(new FaultResult.OutOfMemory(ANON + 0x1000), touch(ANON + 0x1000, Access.WRITE));
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES));
        for (long pfn : hoard) env.allocator().freePages(pfn, 0);
        assertHandled(ANON, Access.WRITE);
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
    }

    @Test
    void faultNeedingPageTablesWithoutMemoryIsOutOfMemory() {
        map(ANON, 0x1000, RW);
        drain();
        assertEquals(new FaultResult.OutOfMemory(ANON), touch(ANON, Access.READ), state(ANON));
    }

    @Test
    void fileFaultWithoutMemoryIsOutOfMemory() {
        MappedFile f = mapFile();
        assertHandled(FILE_VA, Access.READ); // tables exist, page 0 is cached
        drain();
        assertEquals(new FaultResult.OutOfMemory(FILE_VA + 0x1000), touch(FILE_VA + 0x1000, Access.READ),
                state(FILE_VA + 0x1000));
        assertEquals(-1, f.cachedPfn(1), "nothing cached for a failed read");
        // A write to the cached page needs a private copy: no memory for that either.
        assertEquals(new FaultResult.OutOfMemory(FILE_VA), touch(FILE_VA, Access.WRITE), state(FILE_VA));
        assertEquals(f.cachedPfn(0), Pte.pfn(pte(FILE_VA)));
    }
}
