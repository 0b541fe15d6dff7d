package io.mmemu.mm.vma;

import static io.mmemu.mm.vma.VmFlags.VM_EXEC;
import static io.mmemu.mm.vma.VmFlags.VM_GROWSDOWN;
import static io.mmemu.mm.vma.VmFlags.VM_MAYEXEC;
import static io.mmemu.mm.vma.VmFlags.VM_MAYREAD;
import static io.mmemu.mm.vma.VmFlags.VM_MAYWRITE;
import static io.mmemu.mm.vma.VmFlags.VM_READ;
import static io.mmemu.mm.vma.VmFlags.VM_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.uaccess.UserAccess;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class MmStructTest {
    static final long PAGE = PageTypes.PAGE_SIZE;
    static final int RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final int RO = VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    static final long BASE = 0x7f00_0000_0000L;

    MmEnv env;
    MmStruct mm;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(16L << 20);
        mm = MmStruct.mmAlloc(env);
        assertNotNull(mm);
        mm.mmapBase = BASE;
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    long map(long addr, long len, int flags) {
        long r = mm.mmapRegion(addr, len, flags, null, 0, null);
        assertEquals(addr, r, "mmapRegion(0x" + Long.toHexString(addr) + ")\n" + mm.maps());
        return r;
    }

    /** The VMA list as [start, end) pairs, for exact comparison. */
    List<String> ranges() {
        return mm.vmas().stream().map(v -> Long.toHexString(v.start()) + "-" + Long.toHexString(v.end())).toList();
    }

    /** Touches {@code addr} from user mode as the CPU would after a not-present fault. */
    void fault(long addr, boolean write) {
        FaultResult r = UserFault.doUserAddrFault(mm, addr, PfErr.USER | (write ? PfErr.WRITE : 0));
        assertSame(FaultResult.HANDLED, r, "fault at 0x" + Long.toHexString(addr) + "\n" + mm.maps());
    }

    // ------------------------------------------------------------------ findVma

    @ParameterizedTest(name = "findVma(0x{0}) -> {1}")
    @CsvSource({
        "0, 10000", "fff, 10000", "10000, 10000", "1ffff, 10000", "20000, 30000", "2ffff, 30000", "30000, 30000",
        "3ffff, 30000", "40000, 50000", "50fff, 50000", "51000, none", "7fffffffffff, none"
    })
    void findVma(String addrHex, String expectedStartHex) {
        map(0x10000, 0x10000, RW);
        map(0x30000, 0x10000, RO);
        map(0x50000, 0x1000, RW);
        // Prime the cache with a different VMA, so the lookup must not trust it blindly.
        mm.findVma(0x50000);
        long addr = Long.parseLong(addrHex, 16);
        Vma v = mm.findVma(addr);
        String msg = "findVma(0x" + addrHex + ")\n" + mm.maps();
        if (expectedStartHex.equals("none")) {
            assertNull(v, msg);
        } else {
            assertNotNull(v, msg);
            assertEquals(Long.parseLong(expectedStartHex, 16), v.start(), msg);
            // vma_lookup: only a containing VMA
            assertEquals(v.start() <= addr ? v : null, mm.vmaLookup(addr), msg);
        }
    }

    @Test
    void findVmaCacheDoesNotOutliveMunmap() {
        map(0x10000, 0x4000, RW);
        map(0x20000, 0x1000, RW);
        assertEquals(0x10000, mm.findVma(0x11000).start());
        assertEquals(0, mm.doMunmap(0x10000, 0x4000));
        assertEquals(0x20000, mm.findVma(0x11000).start(), mm.maps());
        assertNull(mm.vmaLookup(0x11000), mm.maps());
    }

    // ------------------------------------------------------------------ getUnmappedArea

    static Stream<Arguments> unmappedArea() {
        // Existing VMAs (start, len pairs), hint, len, expected.
        long[] none = {};
        long[] nearTop = {BASE - 0x10000, 0x10000, BASE - 0x20000, 0xd000};
        return Stream.of(
                Arguments.of("empty: just below mmap_base", none, 0L, 0x3000L, BASE - 0x3000),
                Arguments.of("VMA at mmap_base's top", new long[] {BASE - 0x2000, 0x2000}, 0L, 0x1000L, BASE - 0x3000),
                Arguments.of("fits in the gap between two VMAs", nearTop, 0L, 0x3000L, BASE - 0x13000),
                Arguments.of("too big for the gap: below both", nearTop, 0L, 0x4000L, BASE - 0x24000),
                Arguments.of("VMA straddling mmap_base", new long[] {BASE - 0x1000, 0x3000}, 0L, 0x1000L, BASE - 0x2000),
                Arguments.of("free hint honoured", none, 0x1000_0000L, 0x2000L, 0x1000_0000L),
                // The host kernel (mm-mmap-flags, recorded natively) rounds an unaligned hint down.
                Arguments.of("unaligned hint rounded down", none, 0x1000_0001L, 0x2000L, 0x1000_0000L),
                Arguments.of("hint overlapping a VMA ignored", new long[] {0x1000_0000L, 0x1000}, 0x1000_0000L, 0x2000L,
                        BASE - 0x2000),
                Arguments.of("hint partly overlapping ignored", new long[] {0x1000_1000L, 0x1000}, 0x1000_0000L, 0x2000L,
                        BASE - 0x2000),
                Arguments.of("hint below mmap_min_addr ignored", none, 0x1000L, 0x1000L, BASE - 0x1000),
                Arguments.of("hint above TASK_SIZE ignored", none, MmStruct.TASK_SIZE, 0x1000L, BASE - 0x1000),
                Arguments.of("longer than the address space", none, 0L, MmStruct.TASK_SIZE, (long) -Errno.ENOMEM));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void unmappedArea(String name, long[] existing, long hint, long len, long expected) {
        for (int i = 0; i < existing.length; i += 2) map(existing[i], existing[i + 1], RW);
        long got = mm.getUnmappedArea(hint, len);
        assertEquals(expected, got, String.format("%s: got 0x%x%n%s", name, got, mm.maps()));
        if (got > 0) assertEquals(true, mm.isFree(got, got + len), mm.maps());
    }

    @Test
    void unmappedAreaFallsBackToBottomUpWhenNothingFitsBelowMmapBase() {
        mm.mmapBase = MmStruct.MMAP_MIN_ADDR + 0x3000;
        map(MmStruct.MMAP_MIN_ADDR + 0x1000, 0x1000, RW);
        // arch_get_unmapped_area_topdown() retries bottom-up from TASK_UNMAPPED_BASE.
        assertEquals(Mmap.TASK_UNMAPPED_BASE, mm.getUnmappedArea(0, 0x2000), mm.maps());
        assertEquals(MmStruct.MMAP_MIN_ADDR + 0x2000, mm.getUnmappedArea(0, 0x1000), mm.maps());
        // Nothing fits anywhere: ENOMEM.
        assertEquals(-Errno.ENOMEM, mm.getUnmappedArea(0, MmStruct.TASK_SIZE - Mmap.TASK_UNMAPPED_BASE + 0x1000),
                mm.maps());
    }

    // ------------------------------------------------------------------ mmapRegion merging

    @Test
    void adjacentCompatibleAnonymousMappingsMerge() {
        map(0x10000, 0x1000, RW);
        map(0x11000, 0x2000, RW);
        assertEquals(List.of("10000-13000"), ranges(), mm.maps());
        // Filling a hole between two compatible VMAs merges all three.
        map(0x15000, 0x1000, RW);
        map(0x13000, 0x2000, RW);
        assertEquals(List.of("10000-16000"), ranges(), mm.maps());
        // Mapping below merges too.
        map(0xf000, 0x1000, RW);
        assertEquals(List.of("f000-16000"), ranges(), mm.maps());
        assertEquals(0xf, mm.vmas().get(0).pgoff(), "anonymous pgoff is start >> 12");
    }

    @Test
    void incompatibleMappingsDoNotMerge() {
        map(0x10000, 0x1000, RW);
        map(0x11000, 0x1000, RO);
        map(0x12000, 0x1000, RW | VM_EXEC);
        mm.mmapRegion(0x13000, 0x1000, RW, null, 0, "[heap]");
        assertEquals(List.of("10000-11000", "11000-12000", "12000-13000", "13000-14000"), ranges(), mm.maps());
    }

    @Test
    void fileMappingsMergeOnlyAtContiguousOffsets() {
        MappedFile f = new MappedFile(Path.of("/lib/x.so"), "/lib/x.so", new byte[5 * 4096], 0x801, 42);
        MappedFile g = new MappedFile(Path.of("/lib/y.so"), "/lib/y.so", new byte[5 * 4096], 0x801, 43);
        int flags = VM_READ | VM_MAYREAD;
        mm.mmapRegion(0x400000, 0x1000, flags, f, 0, null);
        mm.mmapRegion(0x401000, 0x1000, flags, f, 1, null); // contiguous: merges
        mm.mmapRegion(0x402000, 0x1000, flags, f, 3, null); // offset gap: separate
        mm.mmapRegion(0x403000, 0x1000, flags, g, 4, null); // other file: separate
        assertEquals(List.of("400000-402000", "402000-403000", "403000-404000"), ranges(), mm.maps());
    }

    @Test
    void mmapRegionOverAnExistingMappingReplacesIt() {
        map(0x10000, 0x4000, RW);
        fault(0x11000, true);
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES));
        mm.mmapRegion(0x11000, 0x1000, RO, null, 0, null);
        assertEquals(List.of("10000-11000", "11000-12000", "12000-14000"), ranges(), mm.maps());
        assertEquals(0, mm.rss(RssStat.MM_ANONPAGES), "the old page must be zapped");
    }

    // ------------------------------------------------------------------ doMunmap

    static Stream<Arguments> munmapSplits() {
        return Stream.of(
                Arguments.of("middle", 0x14000L, 0x2000L, List.of("10000-14000", "16000-20000")),
                Arguments.of("head", 0x10000L, 0x3000L, List.of("13000-20000")),
                Arguments.of("tail", 0x1e000L, 0x2000L, List.of("10000-1e000")),
                Arguments.of("all", 0x10000L, 0x10000L, List.of()),
                Arguments.of("beyond both ends", 0xf000L, 0x12000L, List.of()),
                Arguments.of("unaligned length rounds up", 0x14000L, 0x1001L, List.of("10000-14000", "16000-20000")),
                Arguments.of("nothing mapped there", 0x30000L, 0x1000L, List.of("10000-20000")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void munmapSplits(String name, long start, long len, List<String> expected) {
        map(0x10000, 0x10000, RW);
        for (long a = 0x10000; a < 0x20000; a += PAGE) fault(a, true);
        assertEquals(16, mm.rss(RssStat.MM_ANONPAGES));
        long free = env.allocator().nrFreePages();
        assertEquals(0, mm.doMunmap(start, len), mm.maps());
        assertEquals(expected, ranges(), name + "\n" + mm.maps());
        long remaining = 0;
        for (Vma v : mm.vmas()) {
            remaining += (v.end() - v.start()) / PAGE;
            assertEquals(v.start() >>> 12, v.pgoff(), "pgoff of " + v);
        }
        assertEquals(remaining, mm.rss(RssStat.MM_ANONPAGES), mm.maps());
        long[] present = {0};
        mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE, (va, slot, pte) -> {
            present[0]++;
            assertNotNull(mm.vmaLookup(va), "PTE left at 0x" + Long.toHexString(va) + "\n" + mm.maps());
        });
        assertEquals(remaining, present[0]);
        assertEquals(free + 16 - remaining + (remaining == 0 ? 3 : 0), env.allocator().nrFreePages(),
                "pages (and empty page tables) back to the allocator\n" + mm.maps());
    }

    @Test
    void munmapAcrossSeveralVmasSplitsTheOuterOnes() {
        map(0x10000, 0x4000, RW);
        map(0x14000, 0x4000, RO);
        map(0x18000, 0x4000, RW | VM_EXEC);
        assertEquals(0, mm.doMunmap(0x12000, 0x8000));
        assertEquals(List.of("10000-12000", "1a000-1c000"), ranges(), mm.maps());
        assertEquals(RW | VM_EXEC, mm.vmas().get(1).flags());
    }

    @Test
    void munmapOfFileMappingKeepsOffsets() {
        MappedFile f = new MappedFile(Path.of("/x"), "/x", new byte[8 * 4096], 0, 1);
        mm.mmapRegion(0x400000, 0x8000, VM_READ | VM_MAYREAD, f, 2, null);
        assertEquals(0, mm.doMunmap(0x402000, 0x1000));
        List<Vma> v = mm.vmas();
        assertEquals(List.of("400000-402000", "403000-408000"), ranges());
        assertEquals(2, v.get(0).pgoff());
        assertEquals(5, v.get(1).pgoff(), mm.maps());
    }

    @ParameterizedTest(name = "doMunmap(0x{0}, 0x{1}) = -EINVAL")
    @CsvSource({"10001, 1000", "10800, 1000", "10000, 0", "800000000000, 1000", "7ffffffff000, 2000"})
    void munmapRejectsBadArguments(String startHex, String lenHex) {
        map(0x10000, 0x4000, RW);
        assertEquals(-Errno.EINVAL, mm.doMunmap(Long.parseUnsignedLong(startHex, 16), Long.parseLong(lenHex, 16)));
        assertEquals(List.of("10000-14000"), ranges(), "a refused munmap changes nothing");
    }

    // ------------------------------------------------------------------ brk

    static final long START_BRK = 0x0060_0000L;

    void initBrk() {
        mm.startBrk = mm.brk = START_BRK;
    }

    @Test
    void brkGrowsAndShrinksTheHeap() {
        initBrk();
        assertEquals(START_BRK + 0x1800, mm.sysBrk(START_BRK + 0x1800));
        assertEquals(START_BRK + 0x1800, mm.brk);
        assertEquals(List.of("600000-602000"), ranges());
        assertEquals("[heap]", mm.label(mm.vmas().get(0)), "named by the brk range, as show_map_vma() does");
        // Within the same page: only brk moves.
        assertEquals(START_BRK + 0x1fff, mm.sysBrk(START_BRK + 0x1fff));
        assertEquals(List.of("600000-602000"), ranges());
        // Growing again merges into the one [heap] VMA.
        assertEquals(START_BRK + 0x5000, mm.sysBrk(START_BRK + 0x5000));
        assertEquals(List.of("600000-605000"), ranges(), mm.maps());
        // Shrinking unmaps whole pages above the new break.
        assertEquals(START_BRK + 0x800, mm.sysBrk(START_BRK + 0x800));
        assertEquals(List.of("600000-601000"), ranges(), mm.maps());
        assertEquals(START_BRK, mm.sysBrk(START_BRK));
        assertEquals(List.of(), ranges(), mm.maps());
    }

    @Test
    void brkRefusesBelowStartBrk() {
        initBrk();
        mm.sysBrk(START_BRK + 0x2000);
        assertEquals(START_BRK + 0x2000, mm.sysBrk(START_BRK - 0x1000));
        assertEquals(START_BRK + 0x2000, mm.sysBrk(0));
        assertEquals(List.of("600000-602000"), ranges());
    }

    @Test
    void brkRefusesBeyondRlimitData() {
        initBrk();
        mm.rlimitData = 0x4000;
        assertEquals(START_BRK + 0x4000, mm.sysBrk(START_BRK + 0x4000));
        assertEquals(START_BRK + 0x4000, mm.sysBrk(START_BRK + 0x4001));
    }

    /** Regression: brk grew flush against the next mapping; Linux keeps a page free above the new break. */
    @Test
    void brkLeavesAGuardPageBelowTheNextMapping() {
        initBrk();
        map(START_BRK + 0x4000, 0x1000, RW);
        assertEquals(START_BRK, mm.sysBrk(START_BRK + 0x4000), "newbrk + PAGE_SIZE would reach the mapping\n" + mm.maps());
        assertEquals(START_BRK + 0x3000, mm.sysBrk(START_BRK + 0x3000), mm.maps());
        assertEquals(List.of("600000-603000", "604000-605000"), ranges());
    }

    @Test
    void brkKeepsStackGuardGapBelowAGrowsDownMapping() {
        initBrk();
        long stack = START_BRK + MmStruct.STACK_GUARD_GAP + 0x10000;
        mm.mmapRegion(stack, 0x1000, RW | VM_GROWSDOWN, null, 0, "[stack]");
        long limit = stack - MmStruct.STACK_GUARD_GAP - PAGE;
        assertEquals(START_BRK, mm.sysBrk(limit + PAGE), mm.maps());
        assertEquals(limit, mm.sysBrk(limit), mm.maps());
    }

    @Test
    void regrownHeapReadsZero() {
        initBrk();
        UserAccess ua = new UserAccess(env);
        mm.sysBrk(START_BRK + 0x2000);
        byte[] junk = new byte[0x2000];
        java.util.Arrays.fill(junk, (byte) 0xa5);
        assertEquals(0, ua.copyToUser(mm, START_BRK, junk, 0, junk.length));
        assertEquals(2, mm.rss(RssStat.MM_ANONPAGES));
        mm.sysBrk(START_BRK + 0x10);
        assertEquals(1, mm.rss(RssStat.MM_ANONPAGES), mm.maps());
        mm.sysBrk(START_BRK + 0x2000);
        byte[] back = new byte[0x2000];
        assertEquals(0, ua.copyFromUser(mm, back, 0, START_BRK, back.length));
        byte[] expected = new byte[0x2000];
        java.util.Arrays.fill(expected, 0, 0x1000, (byte) 0xa5); // the page that stayed keeps its data
        assertArrayEquals(expected, back, "the page above the shrunk break must come back zeroed");
    }

    // ------------------------------------------------------------------ /proc/PID/maps

    @Test
    void mapsLinesAreFormattedAsShowMapVma() {
        MappedFile exe = new MappedFile(Path.of("/usr/bin/prog"), "/usr/bin/prog", new byte[3 * 4096], (8 << 8) | 1, 1234567);
        mm.mmapRegion(0x400000, 0x1000, VM_READ | VM_MAYREAD, exe, 0, null);
        mm.mmapRegion(0x401000, 0x1000, VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYEXEC, exe, 1, null);
        mm.mmapRegion(0x10000, 0x1000, RO, null, 0, null);
        initBrk();
        mm.sysBrk(START_BRK + 0x21000);
        mm.mmapRegion(0x7f12_3456_7000L, 0x2000, RW, null, 0, null);
        mm.mmapRegion(0x7ffd_0000_0000L, 0x21000, RW | VM_GROWSDOWN, null, 0, "[stack]");
        mm.startStack = 0x7ffd_0002_0f00L; // [stack] is the VMA holding start_stack
        String expected = String.join("\n",
                "00010000-00011000 r--p 00000000 00:00 0 ",
                "00400000-00401000 r--p 00000000 08:01 1234567                            /usr/bin/prog",
                "00401000-00402000 r-xp 00001000 08:01 1234567                            /usr/bin/prog",
                "00600000-00621000 rw-p 00000000 00:00 0                                  [heap]",
                "7f1234567000-7f1234569000 rw-p 00000000 00:00 0 ",
                "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]",
                "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]") + "\n";
        assertEquals(expected, mm.maps());
    }

    @Test
    void mmAllocFailsWithoutMemory() {
        env.allocator().setMinFreeKbytes(0);
        while (env.allocator().allocPages(0) != io.mmemu.mm.page.PageAllocator.NO_PAGE) {
            // drain
        }
        assertNull(MmStruct.mmAlloc(env));
        assertEquals(PageTable.NO_SLOT, mm.pgd().pteSlot(0x10000, true));
    }

    @Test
    void mmapKeepsTheStackGuardGapBelowAGrowsDownVma() {
        MmStruct m = MmStruct.mmAlloc(env);
        long stackEnd = 0x7ffffffff000L, stackStart = stackEnd - 0x21000;
        m.mmapBase = stackStart; // a stack right at mmap_base: the search must stay stack_guard_gap below it
        int stackFlags = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_GROWSDOWN;
        m.mmapRegion(stackStart, stackEnd - stackStart, stackFlags, null, 0, "[stack]");
        long at = m.getUnmappedArea(0, 0x1000);
        assertEquals(stackStart - MmStruct.STACK_GUARD_GAP - 0x1000, at, m.maps());
        long hinted = m.getUnmappedArea(stackStart - 0x2000, 0x1000);
        assertEquals(at, hinted, "a hint inside the guard gap is not honoured\n" + m.maps());
        m.exitMmap();
    }
}
