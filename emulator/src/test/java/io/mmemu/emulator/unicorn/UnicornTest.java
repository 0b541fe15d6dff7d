package io.mmemu.emulator.unicorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every call of the binding against the real Unicorn 2.1 library. Guest code runs in
 * UC_TLB_VIRTUAL mode with a tiny translation: virtual page 0x400000 (code) to physical 0x1000,
 * virtual page 0x600000 (data) to physical 0x2000; everything else is refused.
 */
class UnicornTest {
    static final long CODE_VA = 0x400000, CODE_PA = 0x1000, DATA_VA = 0x600000, DATA_PA = 0x2000;
    static final long RAM = 2L << 20;

    Arena arena;
    MemorySegment ram;
    Unicorn uc;
    final List<String> fills = new ArrayList<>();

    @BeforeEach
    void open() {
        arena = Arena.ofConfined();
        ram = arena.allocate(RAM, 4096);
        uc = Unicorn.openX86_64();
        uc.ctlTlbMode(Uc.TLB_VIRTUAL);
        uc.memMapPtr(0, ram, Uc.PROT_ALL);
    }

    @AfterEach
    void close() {
        uc.close();
        arena.close();
    }

    void translateCodeAndData(boolean dataWritable) {
        uc.hookTlbFill((vaddr, type) -> {
            fills.add(Long.toHexString(vaddr) + ":" + type);
            if (vaddr == CODE_VA) return CODE_PA | Uc.PROT_READ | Uc.PROT_EXEC;
            if (vaddr == DATA_VA) return DATA_PA | Uc.PROT_READ | (dataWritable ? Uc.PROT_WRITE : 0);
            return Hooks.TlbFill.NO_TRANSLATION;
        });
    }

    void code(int... bytes) {
        for (int i = 0; i < bytes.length; i++) ram.set(ValueLayout.JAVA_BYTE, CODE_PA + i, (byte) bytes[i]);
    }

    // mov rax, 0x1234 ; mov [rbx], rax ; syscall ; mov rcx, [rbx] ; nop
    static final int[] STORE_SYSCALL_LOAD = {0x48, 0xc7, 0xc0, 0x34, 0x12, 0, 0, 0x48, 0x89, 0x03, 0x0f, 0x05,
            0x48, 0x8b, 0x0b, 0x90};

    @Test
    void versionIsAtLeast2_1() {
        assertTrue(Integer.compareUnsigned(Unicorn.version(), Uc.makeVersion(2, 1, 0)) >= 0, Unicorn.versionString());
        Unicorn.checkVersion();
    }

    @Test
    void tlbFillHookTranslatesEveryPageAndTheStoreLandsInPhysicalMemory() {
        translateCodeAndData(true);
        int[] syscalls = {0};
        uc.hookSyscall(() -> {
            syscalls[0]++;
            assertEquals(CODE_VA + 10, uc.regRead(X86Reg.RIP), "RIP at the syscall instruction");
            uc.regWrite(X86Reg.RAX, 77);
        });
        code(STORE_SYSCALL_LOAD);
        uc.regWrite(X86Reg.RBX, DATA_VA + 8);
        int err = uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0);
        assertEquals(UnicornException.UC_ERR_OK, err, Unicorn.strerror(err));
        assertEquals(0x1234, ram.get(ValueLayout.JAVA_LONG_UNALIGNED, DATA_PA + 8));
        assertEquals(0x1234, uc.regRead(X86Reg.RCX));
        assertEquals(77, uc.regRead(X86Reg.RAX));
        assertEquals(1, syscalls[0]);
        assertTrue(fills.contains("400000:" + Uc.MEM_FETCH), fills.toString());
        assertTrue(fills.contains("600000:" + Uc.MEM_WRITE), fills.toString());
    }

    @Test
    void refusedFillStopsWithExceptionAndRipAtTheFaultingInstruction() {
        translateCodeAndData(true);
        code(STORE_SYSCALL_LOAD);
        uc.regWrite(X86Reg.RBX, 0x700000); // unmapped
        int err = uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0);
        assertEquals(UnicornException.UC_ERR_EXCEPTION, err, Unicorn.strerror(err));
        assertEquals(CODE_VA + 7, uc.regRead(X86Reg.RIP), "RIP at the faulting store");
        assertTrue(fills.contains("700000:" + Uc.MEM_WRITE), fills.toString());
        // Restart at the same instruction after "handling the fault" (here: pointing RBX at mapped memory).
        uc.regWrite(X86Reg.RBX, DATA_VA);
        uc.hookSyscall(() -> {});
        err = uc.emuStart(CODE_VA + 7, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0);
        assertEquals(UnicornException.UC_ERR_OK, err, Unicorn.strerror(err));
        assertEquals(0x1234, ram.get(ValueLayout.JAVA_LONG_UNALIGNED, DATA_PA));
    }

    @Test
    void aReadOnlyEntryIsFilledAgainForAWrite() {
        int[] writes = {0};
        uc.hookTlbFill((vaddr, type) -> {
            if (vaddr == CODE_VA) return CODE_PA | Uc.PROT_READ | Uc.PROT_EXEC;
            if (vaddr == DATA_VA && type == Uc.MEM_READ) return DATA_PA | Uc.PROT_READ;
            if (vaddr == DATA_VA && type == Uc.MEM_WRITE) {
                writes[0]++;
                return DATA_PA | Uc.PROT_READ | Uc.PROT_WRITE;
            }
            return Hooks.TlbFill.NO_TRANSLATION;
        });
        code(0x48, 0x8b, 0x0b, 0x48, 0x89, 0x03, 0x90); // mov rcx,[rbx] ; mov [rbx],rax ; nop
        uc.regWrite(X86Reg.RBX, DATA_VA);
        uc.regWrite(X86Reg.RAX, 5);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 6, 0, 0));
        assertEquals(1, writes[0]);
        assertEquals(5, ram.get(ValueLayout.JAVA_LONG_UNALIGNED, DATA_PA));
    }

    /** A page flush (tlb_flush_page(), as INVLPG) drops that page's translation and leaves the others cached. */
    @Test
    void aPageFlushDropsThatPageOnly() {
        assertTrue(Unicorn.pageFlushes(), "page flushes with the provisioned libunicorn 2.1");
        translateCodeAndData(true);
        code(0x48, 0x8b, 0x0b, 0x90); // mov rcx,[rbx] ; nop
        uc.regWrite(X86Reg.RBX, DATA_VA);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 3, 0, 0));
        assertEquals(List.of("400000:" + Uc.MEM_FETCH, "600000:" + Uc.MEM_READ), fills);
        fills.clear();
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 3, 0, 0));
        assertEquals(List.of(), fills, "both pages cached");
        uc.flushTlbPages(DATA_VA, DATA_VA + 4096);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 3, 0, 0));
        assertEquals(List.of("600000:" + Uc.MEM_READ), fills, "the data page only");
        fills.clear();
        uc.flushTlbPages(CODE_VA, CODE_VA + 4096);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 3, 0, 0));
        assertEquals(List.of("400000:" + Uc.MEM_FETCH), fills, "the code page only");
    }

    /**
     * With the provisioned libunicorn, int-to-double conversions and SSE's scalar double arithmetic
     * take the host's shorter paths (native/mmemu_softfloat.c found them equal to libunicorn's own on
     * its table of values and redirected every entry; where that fails mmemu is still correct, only
     * slower), and MXCSR.FTZ reaches SSE (without it, fp-arith's flush-to-zero line differs from the
     * CPU's). fp-convert and fp-arith check the results against the host.
     */
    @Test
    void softFloatShortcutsAndTheFlushToZeroFixAreInstalled() {
        assertTrue(SoftFloat.installed(), "int-to-double conversions");
        assertTrue(SoftFloat.sseInstalled(), "ADDSD, SUBSD, MULSD and DIVSD's helpers replaced");
        assertTrue(SoftFloat.flushToZeroFixed(), "update_mxcsr_status redirected");
    }

    /**
     * native/mmemu_got.c finds the relocations to redirect by the symbols' indices (the GNU hash
     * table for libunicorn's own functions, a scan of the few imported ones for libc's): the same
     * GOT entries and helper-table words as comparing every relocation's symbol name, for every
     * symbol mmemu redirects. ADDSD's helper has two: its GOT entry and the translator's helper table.
     */
    @Test
    void theRedirectionsFindTheSameSlotsByIndexAsByName() throws Throwable {
        List<String> redirected = List.of("gettimeofday", "clock_gettime", "cpu_get_tsc_x86_64", "munmap", "mmap64",
                "memset", "tcg_gen_code_x86_64", "cpu_restore_state_x86_64", "uc_add_inline_hook_x86_64",
                "int32_to_float64_x86_64", "int64_to_float64_x86_64", "int64_to_float64_scalbn_x86_64",
                "helper_addsd_x86_64", "helper_subsd_x86_64", "helper_mulsd_x86_64", "helper_divsd_x86_64",
                "update_mxcsr_status_x86_64", "tb_flush_jmp_cache_x86_64");
        MemorySegment slots = NativeLibrary.symbol("mmemu_got_slots");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sum = arena.allocate(ValueLayout.JAVA_LONG);
            for (String name : redirected) {
                long address = arena.allocateFrom(name).address();
                long byIndex = UnicornNative.call(slots, UnicornNative.UC_OPEN.address(), address, 0, sum.address());
                long indexSum = sum.get(ValueLayout.JAVA_LONG, 0);
                long byName = UnicornNative.call(slots, UnicornNative.UC_OPEN.address(), address, 1, sum.address());
                assertTrue(byIndex >= 1, name + ": " + byIndex + " slots");
                assertEquals(byName, byIndex, name);
                assertEquals(sum.get(ValueLayout.JAVA_LONG, 0), indexSum, name + ": the slots' addresses");
            }
            long address = arena.allocateFrom("helper_addsd_x86_64").address();
            assertEquals(2, UnicornNative.call(slots, UnicornNative.UC_OPEN.address(), address, 0, sum.address()));
            address = arena.allocateFrom("mmemu_no_such_symbol").address();
            assertEquals(0, UnicornNative.call(slots, UnicornNative.UC_OPEN.address(), address, 0, sum.address()));
        }
    }

    /**
     * A flush of translated code does not zero the 32 MiB code buffer (native/mmemu_code_buffer.c),
     * and code translated after a flush runs as before it.
     */
    @Test
    void theCodeBufferIsNotZeroedWhenFlushed() {
        assertTrue(NativePatch.CODE_BUFFER.installed(), "mmap, munmap and memset redirected");
        translateCodeAndData(true);
        code(0x48, 0xff, 0xc0, 0x48, 0xff, 0xc0, 0x90); // inc rax x2 ; nop
        for (int run = 0; run < 2; run++) {
            uc.regWrite(X86Reg.RAX, 0);
            assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 6, 0, 0));
            assertEquals(2, uc.regRead(X86Reg.RAX), "run " + run);
            long flushed = NativePatch.CODE_BUFFER.kept();
            uc.ctlFlushTb();
            assertEquals(flushed + 1, NativePatch.CODE_BUFFER.kept(), "the flush's zeroing");
        }
    }

    /**
     * Returns to addresses that QEMU's softmmu hash puts in one jump-cache entry (offsets m * 0x41
     * of one page: low six bits equal to the next six) are each found in the jump cache after the
     * first (native/mmemu_jump_cache.c), and still reach the right code.
     */
    @Test
    void returnsSharingASoftmmuJumpCacheEntryDoNotEvictEachOther() {
        assertTrue(NativePatch.JUMP_CACHE.installed(), "helper_lookup_tb_ptr and tb_flush_jmp_cache redirected");
        translateCodeAndData(true);
        int sites = 16, rounds = 1000, start = 0xc00, callee = 0xe00;
        int[] page = new int[4096];
        // start: mov ecx, rounds ; jmp to the first call
        emit(page, start, 0xb9, rounds & 0xff, rounds >> 8 & 0xff, 0, 0);
        jump(page, start + 5, 0xe9, 0x41 - 5);
        for (int m = 1; m <= sites; m++) {
            int returnTo = m * 0x41;
            jump(page, returnTo - 5, 0xe8, callee); // call callee; it returns to m * 0x41
            if (m < sites) {
                jump(page, returnTo, 0xe9, (m + 1) * 0x41 - 5); // jmp to the next call
            } else {
                emit(page, returnTo, 0xff, 0xc9); // dec ecx
                jump(page, returnTo + 2, 0x0f85, 0x41 - 5); // jnz to the first call
                emit(page, returnTo + 8, 0x90); // nop: the end
            }
        }
        emit(page, callee, 0x48, 0xff, 0xc0, 0xc3); // inc rax ; ret
        code(page);
        uc.regWrite(X86Reg.RAX, 0);
        uc.regWrite(X86Reg.RSP, DATA_VA + 0x800);
        long missed = NativePatch.JUMP_CACHE.kept();
        assertEquals(0, uc.emuStart(CODE_VA + start, CODE_VA + sites * 0x41 + 8, 0, 0));
        assertEquals((long) sites * rounds, uc.regRead(X86Reg.RAX), "every call returned");
        long misses = NativePatch.JUMP_CACHE.kept() - missed;
        assertTrue(misses <= 4 * sites, misses + " lookups missed; QEMU's hash misses at every return");
    }

    /**
     * The flags of a 32-bit {@code test}, read by PUSHF (a call of helper_cc_compute_all with
     * CC_OP_LOGICL, which native/mmemu_flags.c answers): CF, AF and OF clear, PF from the low
     * byte's parity, ZF and SF from the 32-bit result, the upper half of RAX ignored.
     */
    @Test
    void testSetsTheFlagsAnX86Does() {
        assertTrue(NativePatch.FLAGS.installed(), "helper_cc_compute_all redirected");
        assertTrue(NativePatch.FLAGS.kept() >= 1000, "values compared with libunicorn's helper: " + NativePatch.FLAGS.kept());
        translateCodeAndData(true);
        code(0x85, 0xc0, 0x9c, 0x5b, 0x90); // test eax,eax ; pushfq ; pop rbx ; nop
        for (long value : new long[] {0, 1, 3, 0x80, 0xff, 0x100, 0x7fffffffL, 0x80000000L, 0xffffffffL,
                0x1_0000_0000L, 0xdead_beef_0000_0000L, 0x1234_5678L}) {
            uc.regWrite(X86Reg.RAX, value);
            uc.regWrite(X86Reg.RSP, DATA_VA + 0x800);
            assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 4, 0, 0));
            int low = (int) value;
            long expected = (Integer.bitCount(low & 0xff) % 2 == 0 ? 0x04 : 0) | (low == 0 ? 0x40 : 0) | (low < 0 ? 0x80 : 0);
            assertEquals(expected, uc.regRead(X86Reg.RBX) & 0x8d5, "CF PF AF ZF SF OF after test of " + Long.toHexString(value));
        }
    }

    static void emit(int[] page, int at, int... bytes) {
        System.arraycopy(bytes, 0, page, at, bytes.length);
    }

    /** A jump or call (opcode 0xe9, 0xe8 or 0x0f85 for jnz) at {@code at} to offset {@code to} of the page. */
    static void jump(int[] page, int at, int opcode, int to) {
        int length = opcode > 0xff ? 6 : 5;
        if (opcode > 0xff) emit(page, at, opcode >> 8, opcode & 0xff);
        else emit(page, at, opcode);
        int rel = to - (at + length);
        emit(page, at + length - 4, rel & 0xff, rel >> 8 & 0xff, rel >> 16 & 0xff, rel >>> 24);
    }

    @Test
    void emuStartHonoursTheInstructionCount() {
        translateCodeAndData(true);
        code(0x48, 0xff, 0xc0, 0x48, 0xff, 0xc0, 0x48, 0xff, 0xc0, 0x90); // inc rax x3 ; nop
        uc.regWrite(X86Reg.RAX, 0);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 100, 0, 2));
        assertEquals(2, uc.regRead(X86Reg.RAX));
        assertEquals(CODE_VA + 6, uc.regRead(X86Reg.RIP));
    }

    @Test
    void invalidInstructionIsReportedToTheHookAndStops() {
        translateCodeAndData(true);
        int[] invalid = {0};
        List<Integer> interrupts = new ArrayList<>();
        uc.hookInvalidInstruction(() -> {
            invalid[0]++;
            return false;
        });
        uc.hookInterrupt(interrupts::add);
        code(0x0f, 0x0b); // ud2
        int err = uc.emuStart(CODE_VA, CODE_VA + 2, 0, 0);
        assertEquals(UnicornException.UC_ERR_INSN_INVALID, err, Unicorn.strerror(err) + " interrupts " + interrupts);
        assertEquals(1, invalid[0]);
        assertEquals(CODE_VA, uc.regRead(X86Reg.RIP));
    }

    @Test
    void interruptHookSeesIntN() {
        translateCodeAndData(true);
        List<Integer> interrupts = new ArrayList<>();
        uc.hookInterrupt(n -> {
            interrupts.add(n);
            uc.emuStop();
        });
        code(0xcd, 0x80, 0x90); // int 0x80 ; nop
        uc.emuStart(CODE_VA, CODE_VA + 2, 0, 0);
        assertEquals(List.of(0x80), interrupts);
    }

    @Test
    void aThrowingHookStopsTheEngineAndIsRaisedOnTheJavaSide() {
        translateCodeAndData(true);
        uc.hookSyscall(() -> {
            throw new IllegalStateException("boom in the syscall hook");
        });
        code(STORE_SYSCALL_LOAD);
        uc.regWrite(X86Reg.RBX, DATA_VA);
        HookFailedException e = assertThrows(HookFailedException.class,
                () -> uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getMessage().contains("syscall"), e.getMessage());
        assertFalse(uc.regRead(X86Reg.RCX) == 0x1234, "stopped before the load after the syscall");
    }

    @Test
    void aThrowingTlbFillHookIsRaisedToo() {
        uc.hookTlbFill((vaddr, type) -> {
            throw new ArithmeticException("fill");
        });
        assertThrows(HookFailedException.class, () -> uc.emuStart(CODE_VA, CODE_VA + 1, 0, 0));
    }

    @Test
    void memoryHooksSeeEveryAccessAndCodeHooksEveryInstruction() {
        translateCodeAndData(true);
        uc.hookSyscall(() -> {});
        List<String> accesses = new ArrayList<>();
        int[] instructions = {0};
        uc.hookMemory(Uc.HOOK_MEM_READ | Uc.HOOK_MEM_WRITE, (type, address, size, value) ->
                accesses.add(type + "@" + Long.toHexString(address) + "/" + size));
        Unicorn.HookHandle code = uc.hookCode(false, 1, 0, (address, size) -> instructions[0]++);
        code(STORE_SYSCALL_LOAD);
        uc.regWrite(X86Reg.RBX, DATA_VA);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        // In UC_TLB_VIRTUAL mode Unicorn reports the *physical* address to memory hooks.
        assertEquals(List.of(Uc.MEM_WRITE + "@2000/8", Uc.MEM_READ + "@2000/8"), accesses);
        assertEquals(4, instructions[0]);
        uc.hookDel(code);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        assertEquals(4, instructions[0], "deleted hook no longer called");
        assertThrows(IllegalArgumentException.class, () -> uc.hookMemory(Uc.HOOK_CODE, (t, a, s, v) -> {}));
    }

    @Test
    void registersSingleBatchControlAndMsr() {
        int[] regs = {X86Reg.RAX, X86Reg.RBX, X86Reg.R15, X86Reg.FS_BASE, X86Reg.GS_BASE};
        long[] vals = {1, 2, 3, 0x7fff_0000_1000L, 0x5000};
        uc.regWriteBatch(regs, vals);
        long[] back = new long[regs.length];
        uc.regReadBatch(regs, back);
        assertEquals(List.of(1L, 2L, 3L, 0x7fff_0000_1000L, 0x5000L), List.of(back[0], back[1], back[2], back[3], back[4]));
        assertEquals(0x7fff_0000_1000L, uc.msrRead(X86Reg.MSR_FS_BASE), "FS_BASE register and MSR agree");
        uc.msrWrite(X86Reg.MSR_GS_BASE, 0x1234_5000L);
        assertEquals(0x1234_5000L, uc.regRead(X86Reg.GS_BASE));
        uc.regWrite(X86Reg.CR4, uc.regRead(X86Reg.CR4) | 0x600);
        assertEquals(0x600, uc.regRead(X86Reg.CR4) & 0x600);
        assertThrows(IllegalArgumentException.class, () -> uc.regReadBatch(new int[2], new long[1]));
    }

    @Test
    void contextSaveAndRestore() {
        uc.regWrite(X86Reg.RAX, 11);
        try (Unicorn.Context ctx = uc.contextSave()) {
            uc.regWrite(X86Reg.RAX, 22);
            ctx.restore();
            assertEquals(11, uc.regRead(X86Reg.RAX));
            uc.regWrite(X86Reg.RAX, 33);
            ctx.save();
            uc.regWrite(X86Reg.RAX, 44);
            ctx.restore();
            assertEquals(33, uc.regRead(X86Reg.RAX));
        }
    }

    @Test
    void tlbFlushMakesTheHookRunAgainAndTbControlsWork() {
        translateCodeAndData(true);
        uc.hookSyscall(() -> {});
        code(STORE_SYSCALL_LOAD);
        uc.regWrite(X86Reg.RBX, DATA_VA);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        int before = fills.size();
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        assertEquals(before, fills.size(), "second run hits Unicorn's TLB");
        uc.ctlFlushTlb();
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        assertTrue(fills.size() > before, "flush forced new fills");
        // Changing code behind Unicorn's back, then dropping its translation, runs the new code.
        code(0x48, 0xc7, 0xc0, 0x99, 0, 0, 0, 0x90); // mov rax, 0x99 ; nop
        uc.ctlRemoveTbCache(CODE_VA, CODE_VA + 4096);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 7, 0, 0));
        assertEquals(0x99, uc.regRead(X86Reg.RAX));
        code(0x48, 0xc7, 0xc0, 0x42, 0, 0, 0, 0x90);
        uc.ctlFlushTb();
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + 7, 0, 0));
        assertEquals(0x42, uc.regRead(X86Reg.RAX));
        assertEquals(4096, uc.ctlPageSize());
    }

    /** The host's resident set of this JVM in bytes (VmRSS of /proc/self/status). */
    static long hostRss() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
        }
        throw new AssertionError("no VmRSS in /proc/self/status");
    }

    @Test
    void flushingTranslatedCodeCostsTheHostNoMoreThanTheCodeCache() throws Exception {
        assertEquals(Unicorn.CODE_CACHE_BYTES, uc.codeCacheBytes(), "translated-code buffer of a new engine");
        translateCodeAndData(true);
        uc.hookSyscall(() -> {});
        code(STORE_SYSCALL_LOAD);
        uc.regWrite(X86Reg.RBX, DATA_VA);
        assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        long before = hostRss();
        // Unicorn 2.1.0-2.1.2 zero the whole buffer at every flush: 1 GiB resident with the default size.
        for (int i = 0; i < 3; i++) {
            uc.ctlFlushTb();
            assertEquals(0, uc.emuStart(CODE_VA, CODE_VA + STORE_SYSCALL_LOAD.length - 1, 0, 0));
        }
        long grown = hostRss() - before;
        assertTrue(grown < Unicorn.CODE_CACHE_BYTES + (64L << 20),
                "host RSS grew by " + (grown >> 20) + " MiB over three flushes (code cache " + (Unicorn.CODE_CACHE_BYTES >> 20) + " MiB)");
    }

    @Test
    void memReadWriteAndUnmap() {
        uc.memWrite(0x3000, new byte[] {1, 2, 3});
        byte[] back = new byte[3];
        uc.memRead(0x3000, back);
        assertEquals(List.of((byte) 1, (byte) 2, (byte) 3), List.of(back[0], back[1], back[2]));
        assertEquals(2, ram.get(ValueLayout.JAVA_BYTE, 0x3001));
        UnicornException e = assertThrows(UnicornException.class, () -> uc.memMapPtr(0, ram, Uc.PROT_ALL));
        assertEquals(UnicornException.UC_ERR_MAP, e.error());
        assertTrue(e.getMessage().contains("uc_mem_map_ptr"), e.getMessage());
        uc.memUnmap(0, RAM);
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailClearly() {
        uc.close();
        uc.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> uc.regRead(X86Reg.RAX));
        assertTrue(e.getMessage().contains("closed"));
        uc = Unicorn.openX86_64(); // for @AfterEach
    }
}
