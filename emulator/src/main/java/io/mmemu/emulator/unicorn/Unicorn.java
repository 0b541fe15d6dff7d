package io.mmemu.emulator.unicorn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * One Unicorn engine: an emulated x86-64 CPU. The typed facade over {@link UnicornNative}.
 *
 * <p>Errors of API calls throw {@link UnicornException} with {@code uc_strerror}'s text.
 * {@link #emuStart} is different: the reasons emulation can stop (an unmapped or refused access,
 * an invalid instruction, an unhandled CPU exception) are outcomes, returned as the {@code uc_err}
 * code, and only API misuse throws. A Java hook that throws never lets the exception into native
 * code: the upcall wrapper ({@link Upcalls}) records it and stops the engine, and {@link #emuStart} throws
 * {@link HookFailedException} with it as the cause.
 */
public final class Unicorn implements AutoCloseable {
    private static final int SCRATCH_BYTES = 64;
    private static final int BATCH_MAX = 64;
    /**
     * Each engine's translated-code buffer (QEMU's tb-size). Unicorn's default is 1 GiB, and
     * 2.1.0-2.1.2 zero the whole buffer at every tb_flush (tcg_region_assign()): the first flush,
     * when a task ended and Unicorn removed the instruction-count hook the time slices need (its
     * uc_emu_start() flushes then), made 1 GiB of host memory resident per engine, and every
     * later flush cost a 1 GiB memset. A full buffer is
     * flushed and refilled, so the size bounds the host memory the code cache can take; 32 MiB
     * holds the translations of far larger programs than a static test program, and zeroing it
     * at a flush takes milliseconds.
     */
    static final int CODE_CACHE_BYTES = 32 << 20;

    private final long uc;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scratch;
    private final MemorySegment batchRegs;
    private final MemorySegment batchPtrs;
    private final MemorySegment batchVals;
    private boolean closed;
    private Throwable hookFailure;
    private String hookFailureName;

    private Unicorn(long uc) {
        this.uc = uc;
        this.scratch = arena.allocate(SCRATCH_BYTES, 16);
        this.batchRegs = arena.allocate(JAVA_INT, BATCH_MAX);
        this.batchPtrs = arena.allocate(JAVA_LONG, BATCH_MAX);
        this.batchVals = arena.allocate(JAVA_LONG, BATCH_MAX);
        // Pointers written as longs, at offsets: the accessor every other native word here uses,
        // built already. A first setAtIndex (or an ADDRESS access) builds its own var handle in the
        // interpreter, 5-8 ms of a cold start.
        for (int i = 0; i < BATCH_MAX; i++) batchPtrs.set(JAVA_LONG, 8L * i, batchVals.address() + 8L * i);
    }

    /** Models uc_open(UC_ARCH_X86, UC_MODE_64): a new x86-64 engine, its code cache {@link #CODE_CACHE_BYTES}. */
    public static Unicorn openX86_64() {
        return openX86_64(Uc.CPU_X86_QEMU64);
    }

    /**
     * uc_open(UC_ARCH_X86, UC_MODE_64) with CPU model {@code cpuModel} (uc_ctl(UC_CTL_CPU_MODEL),
     * which must come before anything else): a new x86-64 engine, its code cache {@link #CODE_CACHE_BYTES}.
     *
     * @param cpuModel a UC_CPU_X86_* model ({@link Uc#CPU_X86_QEMU64} is Unicorn's default)
     * @return the engine
     */
    public static Unicorn openX86_64(int cpuModel) {
        checkVersion();
        Unicorn u;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment out = tmp.allocate(ADDRESS);
            check("uc_open", UnicornNative.call(UnicornNative.UC_OPEN, Uc.ARCH_X86, Uc.MODE_64, out.address()));
            u = new Unicorn(out.get(JAVA_LONG, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        try {
            if (cpuModel != Uc.CPU_X86_QEMU64) u.ctlCpuModel(cpuModel);
            u.ctlInt("uc_ctl(TCG_BUFFER_SIZE)", Uc.ctl(Uc.CTL_TCG_BUFFER_SIZE, 1, Uc.CTL_IO_WRITE), CODE_CACHE_BYTES);
        } catch (RuntimeException e) {
            u.close();
            throw e;
        }
        return u;
    }

    /** Size of the translated-code buffer, uc_ctl(UC_CTL_TCG_BUFFER_SIZE) read (Unicorn may round what was asked). */
    public long codeCacheBytes() {
        ensureOpen();
        try {
            check("uc_ctl(TCG_BUFFER_SIZE)", UnicornNative.ctl(uc,
                    Uc.ctl(Uc.CTL_TCG_BUFFER_SIZE, 1, Uc.CTL_IO_READ), scratch.address(), 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return scratch.get(JAVA_INT, 0) & 0xffff_ffffL;
    }

    /** uc_version(): the library's version as {@code major << 24 | minor << 16 | patch << 8 | extra}. */
    public static int version() {
        try {
            return (int) UnicornNative.call(UnicornNative.UC_VERSION, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("uc_version", t);
        }
    }

    /** The version as text, e.g. "2.1.1". */
    public static String versionString() {
        int v = version();
        return (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff);
    }

    /** Fails unless the loaded library is Unicorn 2.1 or newer (2.0.x identity-maps guest addresses). */
    public static void checkVersion() {
        if (Integer.compareUnsigned(version() & 0xffff_ff00, Uc.makeVersion(2, 1, 0)) < 0) {
            throw new UnsatisfiedLinkError("libunicorn " + versionString() + " at " + UnicornNative.LIBRARY_PATH
                    + " is too old: mmemu needs Unicorn >= 2.1 (2.0.x ignores guest paging); fix: run bin/setup");
        }
    }

    /**
     * {@return what keeps engines from being opened, in one line ending with the fix: libunicorn
     * missing or older than 2.1, mmemu's native library missing or built from older sources; empty
     * when nothing does}
     */
    public static Optional<String> libraryProblem() {
        FutureTask<Optional<String>> early = EarlyLibraryCheck.task;
        if (early != null) {
            if (!early.isDone()) LinkerWarmUp.upcall(); // while the check runs on its thread
            early.run(); // no-op when the background thread ran it or runs it now; then get() waits for it
            try {
                return early.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // an Error the check does not catch: check again here, where it is thrown to the caller
            }
        }
        return checkLibrary();
    }

    /** Set once {@link #requireLibrary} found the library fine: later machines need not ask again. */
    private static volatile boolean libraryFine;

    /**
     * Waits for {@link #libraryProblem}'s answer and throws it, if it names a problem, as a
     * {@link LibraryProblem}: what a machine calls before it opens its first engine. A command
     * that started the check ({@link #startLibraryCheck}) may so build the rest of the machine,
     * which needs no library, while the check runs.
     *
     * @throws LibraryProblem with {@link #libraryProblem}'s one-line message
     */
    public static void requireLibrary() {
        if (libraryFine) return;
        Optional<String> problem = libraryProblem();
        if (problem.isPresent()) throw new LibraryProblem(problem.get());
        libraryFine = true;
    }

    /** {@link #requireLibrary}'s failure: libunicorn or mmemu's native library is missing or outdated. */
    public static final class LibraryProblem extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        LibraryProblem(String message) {
            super(message);
        }
    }

    /**
     * Starts {@link #libraryProblem}'s work on a background thread, for a command line that is
     * about to run a guest: loading libunicorn, linking the downcalls and the native redirections'
     * self-checks (tens of ms at a cold start) then overlap the parsing of the command line.
     * {@link #libraryProblem} waits for that answer. Nothing of a run depends on which thread
     * loaded the library.
     */
    public static synchronized void startLibraryCheck() {
        if (EarlyLibraryCheck.task != null) return;
        FutureTask<Optional<String>> task = new FutureTask<>(Unicorn::checkLibrary);
        EarlyLibraryCheck.task = task;
        Thread.ofPlatform().name("mmemu-library-check").daemon().start(task);
    }

    /** Holds the early check: a class of its own, so that libraryProblem() alone does not start one. */
    private static final class EarlyLibraryCheck {
        static volatile FutureTask<Optional<String>> task;
    }

    private static Optional<String> checkLibrary() {
        Optional<String> nativeProblem = NativeLibrary.problem();
        if (nativeProblem.isPresent()) return nativeProblem;
        try {
            checkVersion();
        } catch (LinkageError | IllegalStateException e) {
            Throwable t = e;
            while (t.getCause() != null && !(t instanceof UnsatisfiedLinkError)) t = t.getCause();
            return Optional.of(String.valueOf(t.getMessage()));
        }
        return Optional.empty();
    }

    /** uc_strerror(): the library's text for an error code. */
    public static String strerror(int error) {
        try {
            long s = UnicornNative.call(UnicornNative.UC_STRERROR, error);
            return MemorySegment.ofAddress(s).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "uc_err " + error;
        }
    }

    /** For the catch of a downcall: Unicorn's own errors as they are, anything else (a linkage failure) wrapped. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Throws unless {@code result}, a uc_err in the low half (see UnicornNative), is UC_ERR_OK. */
    private static void check(String call, long result) {
        int err = (int) result;
        if (err != UnicornException.UC_ERR_OK) throw new UnicornException(call, err, strerror(err));
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("the Unicorn engine is closed");
    }

    // ---------------------------------------------------------------- memory

    /** uc_mem_map_ptr(): maps host memory {@code host} at guest physical {@code address}. Unicorn keeps no copy. */
    public void memMapPtr(long address, MemorySegment host, int perms) {
        ensureOpen();
        try {
            check("uc_mem_map_ptr", UnicornNative.call(UnicornNative.UC_MEM_MAP_PTR, uc, address, host.byteSize(), perms,
                    host.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** uc_mem_unmap(). */
    public void memUnmap(long address, long size) {
        ensureOpen();
        try {
            check("uc_mem_unmap", UnicornNative.call(UnicornNative.UC_MEM_UNMAP, uc, address, size));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** uc_mem_read() into {@code dst}. */
    public void memRead(long address, byte[] dst) {
        ensureOpen();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment buf = tmp.allocate(Math.max(1, dst.length));
            check("uc_mem_read", UnicornNative.call(UnicornNative.UC_MEM_READ, uc, address, buf.address(), dst.length));
            MemorySegment.copy(buf, 0, MemorySegment.ofArray(dst), 0, dst.length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** uc_mem_write() of {@code src}. */
    public void memWrite(long address, byte[] src) {
        ensureOpen();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment buf = tmp.allocate(Math.max(1, src.length));
            MemorySegment.copy(MemorySegment.ofArray(src), 0, buf, 0, src.length);
            check("uc_mem_write", UnicornNative.call(UnicornNative.UC_MEM_WRITE, uc, address, buf.address(), src.length));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- registers

    /** uc_reg_read() of a 64-bit (or narrower, zero-extended) register. */
    public long regRead(int regId) {
        ensureOpen();
        scratch.set(JAVA_LONG, 0, 0L);
        try {
            check("uc_reg_read", UnicornNative.call(UnicornNative.UC_REG_READ, uc, regId, scratch.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return scratch.get(JAVA_LONG, 0);
    }

    /** uc_reg_write() of a 64-bit (or narrower) register. */
    public void regWrite(int regId, long value) {
        ensureOpen();
        scratch.set(JAVA_LONG, 0, value);
        try {
            check("uc_reg_write", UnicornNative.call(UnicornNative.UC_REG_WRITE, uc, regId, scratch.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** uc_reg_read() of a 128-bit register (XMM): low quadword in {@code out[0]}, high in {@code out[1]}. */
    public void regRead128(int regId, long[] out) {
        ensureOpen();
        scratch.set(JAVA_LONG, 0, 0L);
        scratch.set(JAVA_LONG, 8, 0L);
        try {
            check("uc_reg_read", UnicornNative.call(UnicornNative.UC_REG_READ, uc, regId, scratch.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        out[0] = scratch.get(JAVA_LONG, 0);
        out[1] = scratch.get(JAVA_LONG, 8);
    }

    /** uc_reg_write() of a 128-bit register (XMM). */
    public void regWrite128(int regId, long low, long high) {
        ensureOpen();
        scratch.set(JAVA_LONG, 0, low);
        scratch.set(JAVA_LONG, 8, high);
        try {
            check("uc_reg_write", UnicornNative.call(UnicornNative.UC_REG_WRITE, uc, regId, scratch.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** uc_reg_read_batch(): reads {@code regIds[i]} into {@code values[i]}. */
    public void regReadBatch(int[] regIds, long[] values) {
        ensureOpen();
        int n = batchSize(regIds, values);
        MemorySegment.copy(regIds, 0, batchRegs, JAVA_INT, 0, n);
        batchVals.fill((byte) 0);
        try {
            check("uc_reg_read_batch", UnicornNative.call(UnicornNative.UC_REG_READ_BATCH, uc, batchRegs.address(),
                    batchPtrs.address(), (long) n));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        MemorySegment.copy(batchVals, JAVA_LONG, 0, values, 0, n);
    }

    /** uc_reg_write_batch(): writes {@code values[i]} to {@code regIds[i]}. */
    public void regWriteBatch(int[] regIds, long[] values) {
        ensureOpen();
        int n = batchSize(regIds, values);
        MemorySegment.copy(regIds, 0, batchRegs, JAVA_INT, 0, n);
        MemorySegment.copy(values, 0, batchVals, JAVA_LONG, 0, n);
        try {
            check("uc_reg_write_batch", UnicornNative.call(UnicornNative.UC_REG_WRITE_BATCH, uc, batchRegs.address(),
                    batchPtrs.address(), (long) n));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int batchSize(int[] regIds, long[] values) {
        if (regIds.length != values.length || regIds.length > BATCH_MAX) {
            throw new IllegalArgumentException("batch of " + regIds.length + " registers and " + values.length
                    + " values (expected: equal lengths, at most " + BATCH_MAX + ")");
        }
        return regIds.length;
    }

    /** Reads model-specific register {@code msr} (uc_reg_read of UC_X86_REG_MSR with a uc_x86_msr). */
    public long msrRead(int msr) {
        ensureOpen();
        scratch.set(JAVA_INT, 0, msr);
        scratch.set(JAVA_LONG, 8, 0L);
        try {
            check("uc_reg_read(MSR)", UnicornNative.call(UnicornNative.UC_REG_READ, uc, X86Reg.MSR, scratch.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return scratch.get(JAVA_LONG, 8);
    }

    /** Writes model-specific register {@code msr}. */
    public void msrWrite(int msr, long value) {
        ensureOpen();
        scratch.set(JAVA_INT, 0, msr);
        scratch.set(JAVA_LONG, 8, value);
        try {
            check("uc_reg_write(MSR)", UnicornNative.call(UnicornNative.UC_REG_WRITE, uc, X86Reg.MSR, scratch.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- running

    /**
     * uc_emu_start(): runs from {@code begin} until RIP reaches {@code until}, {@code timeoutMicros}
     * pass (0: none), {@code count} instructions ran (0: no limit), a hook stops it, or the CPU stops.
     *
     * @return the {@code uc_err} reason it stopped: {@code UC_ERR_OK} for a normal stop, or one of
     *     the emulation-stop codes (unmapped/protected access, invalid instruction, {@code
     *     UC_ERR_EXCEPTION} after a refused TLB fill)
     * @throws HookFailedException if a Java hook threw during the run
     * @throws UnicornException for errors of the call itself (bad handle, bad argument, no memory)
     */
    public int emuStart(long begin, long until, long timeoutMicros, long count) {
        ensureOpen();
        int err;
        try {
            err = (int) UnicornNative.call(UnicornNative.UC_EMU_START, uc, begin, until, timeoutMicros, count);
        } catch (Throwable t) {
            throw new IllegalStateException("uc_emu_start", t);
        }
        if (hookFailure != null) {
            Throwable failure = hookFailure;
            String name = hookFailureName;
            hookFailure = null;
            hookFailureName = null;
            throw new HookFailedException(name, failure);
        }
        switch (err) {
            case UnicornException.UC_ERR_HANDLE, UnicornException.UC_ERR_ARG, UnicornException.UC_ERR_NOMEM,
                    UnicornException.UC_ERR_MAP -> throw new UnicornException("uc_emu_start", err, strerror(err));
            default -> {
                return err;
            }
        }
    }

    /**
     * {@return the shape of every upcall an engine makes (six longs in, one out), for native code's
     * own callbacks into Java: the linker then reuses the engine's generated upcall class instead of
     * making one more at start-up (16-25 ms)}
     */
    public static FunctionDescriptor callbackShape() {
        return UnicornNative.CALLBACK;
    }

    /** {@return uc_emu_stop's address, for native hooks that stop the engine themselves} */
    public static MemorySegment emuStopFunction() {
        return UnicornNative.symbol("uc_emu_stop");
    }

    /** {@return uc_reg_write's address, for native hooks that write a register themselves} */
    public static MemorySegment regWriteFunction() {
        return UnicornNative.symbol("uc_reg_write");
    }

    /**
     * A native function with a code hook's shape ({@code void (*)(uc_engine *, uint64_t address,
     * uint32_t size, void *user_data)}) that calls {@code hook}, for native hooks to call on: like
     * every upcall of this engine, it never throws (a failure stops the engine and
     * {@link #emuStart} raises it). It lives as long as the engine.
     */
    public MemorySegment codeCallback(Hooks.Code hook) {
        ensureOpen();
        return upcall(new Upcalls.Code(this, hook));
    }

    /**
     * A native function with a TLB fill hook's shape ({@code bool (*)(uc_engine *, uint64_t vaddr,
     * uc_mem_type type, uc_tlb_entry *result, void *user_data)}) that calls {@code hook}, for native
     * hooks to call on; it never throws, and lives as long as the engine.
     */
    public MemorySegment tlbFillCallback(Hooks.TlbFill hook) {
        ensureOpen();
        return upcall(new Upcalls.TlbFill(this, hook));
    }

    /**
     * Calls native {@code function(uc_engine *, void *data)} with this engine, for native helpers
     * that act on it (callable from hooks).
     *
     * @param function a native function of that shape
     * @param data     its second argument
     */
    public void callNative(MemorySegment function, MemorySegment data) {
        ensureOpen();
        try {
            long ignored = (long) UnicornNative.CALL_NATIVE.invokeExact(function, uc, data.address(), 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@return whether {@link #pkru} works with this libunicorn and native library} */
    public static boolean pkruReachable() {
        return EnginePkru.AVAILABLE;
    }

    /**
     * The engine's PKRU (QEMU's env->pkru, which WRPKRU and RDPKRU use) as a 4-byte segment:
     * {@code get(JAVA_INT, 0)} reads it with no call, {@code set} writes it (the writer then
     * flushes the TLB, as helper_wrpkru() does). Only once the engine is set up (after a register
     * write or a mapping) and when {@link #pkruReachable}.
     *
     * @return the engine's PKRU
     */
    public MemorySegment pkru() {
        ensureOpen();
        return EnginePkru.of(uc);
    }

    /**
     * {@return whether a lone native block hook on {@code mmemu_count_block} becomes ops in each
     * translated block instead of a call (native/mmemu_inline_count.c)}
     */
    public static boolean countsBlocksInline() {
        return NativePatch.INLINE_COUNT.installed();
    }

    /**
     * {@return the translated block the last fault on this thread happened in, since the last call:
     * its address's low 48 bits and its instruction count above them; 0 when none} Kept by
     * native/mmemu_inline_count.c where {@link #countsBlocksInline} (0 otherwise).
     */
    public static long takeFaultedBlock() {
        return NativePatch.INLINE_COUNT.kept();
    }

    /** {@return whether {@link #flushTlbPages} works with this libunicorn (else only whole flushes do)} */
    public static boolean pageFlushes() {
        return PageFlush.AVAILABLE;
    }

    /**
     * Drops the translations of the pages in [{@code start}, {@code end}) from the engine's TLB,
     * and the jump-cache entries of blocks on them, as an INVLPG of each would (QEMU's
     * tlb_flush_page()); translated code stays. Callable from hooks. Only when {@link #pageFlushes}.
     *
     * @param start the first page, page aligned
     * @param end   the end of the range, exclusive
     */
    public void flushTlbPages(long start, long end) {
        ensureOpen();
        if (!PageFlush.AVAILABLE) throw new IllegalStateException("page flushes are not available with this libunicorn");
        PageFlush.flushRange(uc, start, end);
    }

    /** uc_emu_stop(): asks the engine to stop after the current instruction (callable from hooks). */
    public void emuStop() {
        ensureOpen();
        try {
            check("uc_emu_stop", UnicornNative.call(UnicornNative.UC_EMU_STOP, uc));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- hooks

    /** A registered hook, for {@link #hookDel}. */
    public record HookHandle(long handle) {}

    /** Adds a {@code UC_HOOK_TLB_FILL} hook (only called in {@code UC_TLB_VIRTUAL} mode). */
    public HookHandle hookTlbFill(Hooks.TlbFill hook) {
        return hookTlbFillNative(tlbFillCallback(hook), MemorySegment.NULL);
    }

    /** Adds a {@code UC_HOOK_TLB_FILL} hook whose callback is native code, called with {@code userData}. */
    public HookHandle hookTlbFillNative(MemorySegment callback, MemorySegment userData) {
        return addHook(Uc.HOOK_TLB_FILL, callback, userData, 1, 0, -1);
    }

    /** Adds a hook on the {@code syscall} instruction. */
    public HookHandle hookSyscall(Hooks.Syscall hook) {
        return addHook(Uc.HOOK_INSN, upcall(new Upcalls.Syscall(this, hook)), 1, 0,
                Uc.X86_INS_SYSCALL);
    }

    /** Adds a {@code UC_HOOK_INTR} hook (interrupts and CPU exceptions). */
    public HookHandle hookInterrupt(Hooks.Interrupt hook) {
        return addHook(Uc.HOOK_INTR, upcall(new Upcalls.Interrupt(this, hook)), 1, 0, -1);
    }

    /** Adds a {@code UC_HOOK_INSN_INVALID} hook. */
    public HookHandle hookInvalidInstruction(Hooks.InvalidInstruction hook) {
        return addHook(Uc.HOOK_INSN_INVALID,
                upcall(new Upcalls.InvalidInstruction(this, hook)), 1, 0, -1);
    }

    /** Adds a {@code UC_HOOK_CODE} (or, with {@code block}, {@code UC_HOOK_BLOCK}) hook over [begin, end]; begin > end means everywhere. */
    public HookHandle hookCode(boolean block, long begin, long end, Hooks.Code hook) {
        return addHook(block ? Uc.HOOK_BLOCK : Uc.HOOK_CODE, codeCallback(hook), begin, end, -1);
    }

    /**
     * Adds a {@code UC_HOOK_CODE} hook whose callback is native code ({@code void (*)(uc_engine *,
     * uint64_t, uint32_t, void *)}), called with {@code userData}: no Java upcall per instruction.
     */
    public HookHandle hookCodeNative(MemorySegment callback, MemorySegment userData) {
        return hookNative(false, callback, userData);
    }

    /**
     * Adds a {@code UC_HOOK_CODE} (or, with {@code block}, {@code UC_HOOK_BLOCK}) hook everywhere
     * whose callback is native code, called with {@code userData}.
     */
    public HookHandle hookNative(boolean block, MemorySegment callback, MemorySegment userData) {
        return addHook(block ? Uc.HOOK_BLOCK : Uc.HOOK_CODE, callback, userData, 1, 0, -1);
    }

    /**
     * Adds a {@code UC_HOOK_EDGE_GENERATED} hook whose callback is native code ({@code void
     * (*)(uc_engine *, uc_tb *, uc_tb *, void *)}), called with {@code userData} each time Unicorn
     * has translated a block it is about to run: a count of translations, at no cost per execution.
     */
    public HookHandle hookTranslationNative(MemorySegment callback, MemorySegment userData) {
        return addHook(Uc.HOOK_EDGE_GENERATED, callback, userData, 1, 0, -1);
    }

    /** Adds a memory-access hook; {@code types} is an OR of {@code Uc.HOOK_MEM_READ/WRITE/FETCH}. */
    public HookHandle hookMemory(int types, Hooks.Memory hook) {
        if ((types & ~(Uc.HOOK_MEM_READ | Uc.HOOK_MEM_WRITE | Uc.HOOK_MEM_FETCH)) != 0 || types == 0) {
            throw new IllegalArgumentException("memory hook types must be a non-empty OR of HOOK_MEM_READ, HOOK_MEM_WRITE, "
                    + "HOOK_MEM_FETCH (got 0x" + Integer.toHexString(types) + ")");
        }
        return addHook(types, upcall(new Upcalls.Memory(this, hook)), 1, 0, -1);
    }

    /**
     * Adds a {@code UC_HOOK_MEM_READ} and {@code UC_HOOK_MEM_WRITE} hook whose callback is native
     * code ({@code void (*)(uc_engine *, uc_mem_type, uint64_t address, int size, int64_t value,
     * void *)}), called with {@code userData}. Every load and store then takes Unicorn's slow path.
     */
    public HookHandle hookDataAccessNative(MemorySegment callback, MemorySegment userData) {
        return addHook(Uc.HOOK_MEM_READ | Uc.HOOK_MEM_WRITE, callback, userData, 1, 0, -1);
    }

    /** uc_hook_del(). */
    public void hookDel(HookHandle hook) {
        ensureOpen();
        try {
            check("uc_hook_del", UnicornNative.call(UnicornNative.UC_HOOK_DEL, uc, hook.handle()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private HookHandle addHook(int type, MemorySegment callback, long begin, long end, int insn) {
        return addHook(type, callback, MemorySegment.NULL, begin, end, insn);
    }

    private HookHandle addHook(int type, MemorySegment callback, MemorySegment userData, long begin, long end, int insn) {
        ensureOpen();
        MemorySegment out = arena.allocate(JAVA_LONG);
        MemorySegment rest = arena.allocate(JAVA_LONG, 4);
        rest.set(JAVA_LONG, 0, userData.address());
        rest.set(JAVA_LONG, 8, begin);
        rest.set(JAVA_LONG, 16, end);
        rest.set(JAVA_LONG, 24, insn < 0 ? 0L : insn);
        try {
            check("uc_hook_add", UnicornNative.hookAdd(uc, out.address(), type, callback.address(), rest));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return new HookHandle(out.get(JAVA_LONG, 0));
    }

    /** A native function pointer to {@code target}'s {@code invoke} (one of {@link Upcalls}' records), living as long as the engine. */
    private MemorySegment upcall(Object target) {
        FunctionDescriptor fd = UnicornNative.CALLBACK;
        try {
            MethodHandle mh = MethodHandles.lookup().findVirtual(target.getClass(), "invoke", fd.toMethodType()).bindTo(target);
            return UnicornNative.LINKER.upcallStub(mh, fd, arena);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("upcall " + target.getClass().getSimpleName() + ".invoke", e);
        }
    }

    /** Called by upcall wrappers: remember the first failure and stop the engine. Never throws. */
    void hookFailed(String hook, Throwable t) {
        if (hookFailure == null) {
            hookFailure = t;
            hookFailureName = hook;
        }
        try {
            long ignored = UnicornNative.call(UnicornNative.UC_EMU_STOP, uc);
        } catch (Throwable ignored) {
            // Nothing more can be done from inside native code; emuStart reports the original failure.
        }
    }

    // ---------------------------------------------------------------- uc_ctl

    /** uc_ctl(UC_CTL_TLB_TYPE): {@link Uc#TLB_VIRTUAL} routes every translation through the TLB-fill hook. */
    public void ctlTlbMode(int mode) {
        ctlInt("uc_ctl(TLB_TYPE)", Uc.ctl(Uc.CTL_TLB_TYPE, 1, Uc.CTL_IO_WRITE), mode);
    }

    /** uc_ctl(UC_CTL_CPU_MODEL): only before the first other call after open. */
    public void ctlCpuModel(int model) {
        ctlInt("uc_ctl(CPU_MODEL)", Uc.ctl(Uc.CTL_CPU_MODEL, 1, Uc.CTL_IO_WRITE), model);
    }

    /** uc_ctl(UC_CTL_TLB_FLUSH): drops every entry of Unicorn's internal TLB. */
    public void ctlFlushTlb() {
        ctl0("uc_ctl(TLB_FLUSH)", Uc.ctl(Uc.CTL_TLB_FLUSH, 0, Uc.CTL_IO_WRITE));
    }

    /** uc_ctl(UC_CTL_TB_FLUSH): drops all translated code. */
    public void ctlFlushTb() {
        ctl0("uc_ctl(TB_FLUSH)", Uc.ctl(Uc.CTL_TB_FLUSH, 0, Uc.CTL_IO_WRITE));
    }

    /** uc_ctl(UC_CTL_TB_REMOVE_CACHE): drops translated code for guest virtual addresses [begin, end). */
    public void ctlRemoveTbCache(long begin, long end) {
        ensureOpen();
        try {
            check("uc_ctl(TB_REMOVE_CACHE)", UnicornNative.ctl(uc,
                    Uc.ctl(Uc.CTL_TB_REMOVE_CACHE, 2, Uc.CTL_IO_WRITE), begin, end));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** uc_ctl(UC_CTL_UC_PAGE_SIZE) read: Unicorn's target page size. */
    public int ctlPageSize() {
        ensureOpen();
        try {
            check("uc_ctl(PAGE_SIZE)", UnicornNative.ctl(uc,
                    Uc.ctl(Uc.CTL_UC_PAGE_SIZE, 1, Uc.CTL_IO_READ), scratch.address(), 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return scratch.get(JAVA_INT, 0);
    }

    private void ctl0(String what, int request) {
        ensureOpen();
        try {
            check(what, UnicornNative.ctl(uc, request, 0L, 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private void ctlInt(String what, int request, int arg) {
        ensureOpen();
        try {
            check(what, UnicornNative.ctl(uc, request, arg, 0L));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- contexts

    /** A saved CPU context (registers); close it to free the native memory. */
    public final class Context implements AutoCloseable {
        private final long ctx;
        private boolean freed;

        private Context(long ctx) {
            this.ctx = ctx;
        }

        /** uc_context_save(): copies the engine's registers into this context. */
        public void save() {
            contextCall("uc_context_save", UnicornNative.UC_CONTEXT_SAVE, ctx);
        }

        /** uc_context_restore(): copies this context back into the engine. */
        public void restore() {
            contextCall("uc_context_restore", UnicornNative.UC_CONTEXT_RESTORE, ctx);
        }

        @Override
        public void close() {
            if (freed) return;
            freed = true;
            try {
                check("uc_context_free", UnicornNative.call(UnicornNative.UC_CONTEXT_FREE, ctx));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** uc_context_alloc() followed by uc_context_save(). */
    public Context contextSave() {
        ensureOpen();
        MemorySegment out = scratch;
        try {
            check("uc_context_alloc", UnicornNative.call(UnicornNative.UC_CONTEXT_ALLOC, uc, out.address()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        Context c = new Context(out.get(JAVA_LONG, 0));
        c.save();
        return c;
    }

    private void contextCall(String what, MemorySegment function, long ctx) {
        ensureOpen();
        try {
            check(what, UnicornNative.call(function, uc, ctx));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** uc_close(), then frees the generated upcall code and the scratch memory. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            check("uc_close", UnicornNative.call(UnicornNative.UC_CLOSE, uc));
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            arena.close();
        }
    }

}
