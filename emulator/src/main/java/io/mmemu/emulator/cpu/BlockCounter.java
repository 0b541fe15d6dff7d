package io.mmemu.emulator.cpu;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.mmemu.emulator.unicorn.NativeLibrary;
import io.mmemu.emulator.unicorn.Unicorn;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

/**
 * Exact instruction counts without a callback per instruction: a UC_HOOK_BLOCK hook whose
 * native callback ({@code mmemu_count_block}, native/mmemu_count.c) adds the instruction count
 * of each translated block as it starts. A block's count is known once per block: a small native
 * cache keyed by address and size, filled on a miss by decoding the block's instruction lengths
 * here ({@link X86InsnLength}) from the guest's code as the current page tables map it.
 *
 * <p>Why it is exact: Unicorn calls the block hook before the block runs, and not at all once a
 * stop has been asked for (helper_uc_tracecode), and a translated block without code hooks runs
 * to its end unless an exception leaves it. So the count is right after every stop but one: a
 * fault (or an invalid instruction) at RIP inside the last block counted, where the instructions
 * after RIP did not run. {@link #afterFault} takes them back, counting the faulting instruction
 * as started, as a hook before each instruction would. The cache is valid for one generation: a
 * new one starts at every flush of translated code (a frame that held code changed)
 * and every fill that maps a page code was decoded from to another frame (the model's mapping
 * changed, which always flushes Unicorn's TLB first, or made writable), so a count is never
 * taken from other code at the same address. Code on a writable page is never cached: the engine
 * itself may rewrite it and retranslate it at the same address and size (QEMU's self-modifying
 * code detection), which Java does not see.
 *
 * <p>Where native/mmemu_inline_count.c could be installed (Debian's Unicorn 2.1.1), libunicorn
 * emits the callback's work as a few ops in each block, after its exit check, instead of a call
 * before it: the block's count is then QEMU's own (the instructions it translated into the block),
 * the cache and its misses are not used, a block entered after a stop is not counted because its
 * exit check ends the run first, and the block a fault happened in is the one QEMU looked up to
 * restore the guest's state ({@link Unicorn#takeFaultedBlock}). Only once time slices start does
 * the code compare with the deadline (ahead of the exit check, calling to stop). The counts are
 * the same; the tests compare both with a callback per instruction.
 *
 * <p>While Unicorn's own instruction-count hook is installed (time slices on several CPUs, runs
 * that end at an exact count) every instruction pays a callback anyway; then, and when asked
 * with {@code -Dmmemu.count=insn} (the reference the tests compare against), the counter uses a
 * UC_HOOK_CODE callback per instruction ({@code mmemu_count_insn}) on the same count.
 */
final class BlockCounter {
    private static final MemorySegment BLOCK_CALLBACK = NativeLibrary.symbol("mmemu_count_block");
    private static final MemorySegment INSN_CALLBACK = NativeLibrary.symbol("mmemu_count_insn");
    private static final MemorySegment TRANSLATION_CALLBACK = NativeLibrary.symbol("mmemu_count_translation");
    /** Entries of the native block cache (MMEMU_BLOCK_CACHE). */
    private static final int CACHE_ENTRIES = 16384;
    // Offsets of struct mmemu_blocks (native/mmemu_count.c).
    private static final long COUNT = 0, DEADLINE = 8, GENERATION = 16, STOPPING = 20, LAST_BLOCK = 24, MISS = 32,
            BY_CALL = 44, DEADLINES = 46, EMU_STOP = 48, TRANSLATED = 56, CACHE = 64, ENTRY = 16;
    /** No deadline: a count no run reaches (UINT64_MAX in the native struct). */
    private static final long NO_DEADLINE = -1L;

    private final Unicorn uc;
    private final GuestCode code;
    /** Stops the engine from inside its hook, as a hook's request (see {@link #miss}). */
    private final Runnable stop;
    private final MemorySegment state;
    private Unicorn.HookHandle hook;
    private boolean perInstruction;
    /**
     * Whether translated code stops at the deadline: the callback always does; the inline ops only
     * once a time slice needs it (three instructions a block less until then).
     */
    private boolean deadlines;
    /** Whether the engine counts with inline ops, which keep no last block (the fault's comes from {@link Unicorn#takeFaultedBlock}). */
    private boolean inline;
    /** Blocks the decoder could not walk exactly to their end (none in any program the tests run). */
    private long decodeFailures;

    // The pages decoded in this generation and their frames: a fill that maps one of them to
    // another frame means the code at those addresses may be other code (open addressing, by page).
    private static final int PAGES = 1024;
    private final long[] decodedPage = new long[PAGES];
    private final long[] decodedPa = new long[PAGES];
    private int decodedPages;

    /** Guest code by virtual address, remembering the last page's translation until {@link #forget}. */
    interface GuestCode extends X86InsnLength.Code {
        /** Forgets remembered translations (the page tables may have changed since), and {@link #sawWritable}. */
        void forget();

        /** {@return whether a byte read since {@link #forget} was on a page the guest may write} */
        boolean sawWritable();
    }

    /** In a miss's answer: count the block this once, cache nothing (MMEMU_DO_NOT_CACHE). */
    private static final int DO_NOT_CACHE = 0x8000_0000;

    /**
     * The miss's upcall has the shape of the engine's own ({@link Unicorn#callbackShape}), so that
     * the linker makes no class for it: the native side passes two arguments and reads the low 32
     * bits of the result; the other registers are ignored.
     */
    private static final FunctionDescriptor MISS_UPCALL_SHAPE = Unicorn.callbackShape();
    private static final MethodType MISS_UPCALL_TYPE = MISS_UPCALL_SHAPE.toMethodType();

    private BlockCounter(Unicorn uc, GuestCode code, Runnable stop, Arena arena) {
        this.uc = uc;
        this.stop = stop;
        this.code = code;
        this.state = arena.allocate(CACHE + CACHE_ENTRIES * ENTRY, 64);
        state.fill((byte) 0);
        state.set(JAVA_INT, GENERATION, 1);
        state.set(JAVA_LONG, DEADLINE, NO_DEADLINE);
        // Pointers as longs: a first ADDRESS access builds a var handle of its own (5-8 ms cold).
        state.set(JAVA_LONG, EMU_STOP, Unicorn.emuStopFunction().address());
        try {
            var mh = MethodHandles.lookup().findVirtual(BlockCounter.class, "missUpcall", MISS_UPCALL_TYPE).bindTo(this);
            MemorySegment onMiss = Linker.nativeLinker().upcallStub(mh, MISS_UPCALL_SHAPE, arena);
            state.set(JAVA_LONG, MISS, onMiss.address());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Counts the instructions {@code uc} runs from now on; only between runs (a hook added later
     * does not reach code translated before: the caller drops it).
     *
     * @param uc   the engine
     * @param code the guest's code bytes, as the current page tables map them
     * @param stop stops the engine from inside a hook, as a hook's request
     * @return the counter
     */
    static BlockCounter attach(Unicorn uc, GuestCode code, Runnable stop) {
        BlockCounter c = new BlockCounter(uc, code, stop, Arena.ofAuto());
        String how = System.getProperty("mmemu.count", "");
        if (how.equals("insn")) {
            c.countEachInstruction();
        } else {
            if (how.equals("call")) c.state.set(JAVA_SHORT, BY_CALL, (short) 1);
            c.inline = !how.equals("call") && Unicorn.countsBlocksInline();
            c.deadlines = !c.inline;
            c.hook = uc.hookNative(true, BLOCK_CALLBACK, c.state);
        }
        uc.hookTranslationNative(TRANSLATION_CALLBACK, c.state);
        return c;
    }

    /** {@return the blocks Unicorn translated since counting started (each retranslation after code was dropped too)} */
    long translated() {
        return state.get(JAVA_LONG, TRANSLATED);
    }

    /** {@return the instructions counted} */
    long count() {
        return state.get(JAVA_LONG, COUNT);
    }

    /** Sets the count (the fault probe re-runs an instruction that is not the guest's). */
    void setCount(long count) {
        state.set(JAVA_LONG, COUNT, count);
    }

    /** {@return whether the counter calls back per instruction} */
    boolean perInstruction() {
        return perInstruction;
    }

    /**
     * Counts with a callback per instruction from now on (Unicorn's count hook is there anyway).
     * Only between runs; drops translated code, which was translated without the code hook.
     */
    void countEachInstruction() {
        if (perInstruction) return;
        if (hook != null) uc.hookDel(hook);
        hook = uc.hookNative(false, INSN_CALLBACK, state);
        perInstruction = true;
        uc.ctlFlushTb();
    }

    /**
     * Forgets every block's count (the code at an address may have changed). Cheap: a new generation.
     */
    void newGeneration() {
        int next = state.get(JAVA_INT, GENERATION) + 1;
        if (next == 0) { // 2^32 generations: entries of the first may look current again
            state.asSlice(CACHE).fill((byte) 0);
            next = 1;
        }
        state.set(JAVA_INT, GENERATION, next);
        if (decodedPages > 0) {
            Arrays.fill(decodedPage, 0);
            decodedPages = 0;
        }
    }

    /**
     * Before a run: no block has run in it yet, and no time slice is set. Block counts stay: code
     * at a counted address changes only through what starts a new generation (a flush of
     * translated code, a fill of a decoded page with another frame or with write access), and a
     * run of another address space refills its pages first (every CR3 change empties Unicorn's TLB).
     */
    void beforeRun() {
        state.set(JAVA_LONG, LAST_BLOCK, 0);
        if (inline) Unicorn.takeFaultedBlock(); // one from an earlier run is not this run's
        state.set(JAVA_INT, STOPPING, 0);
        state.set(JAVA_LONG, DEADLINE, NO_DEADLINE);
    }

    /** {@return whether time slices can end at block boundaries ({@link #sliceFor}): not while counting per instruction} */
    boolean slicesByBlock() {
        return !perInstruction && !needsEachInstruction();
    }

    /**
     * Ends the coming run (after {@link #beforeRun}) at the first block boundary once {@code
     * instructions} more have run: the native callback stops the engine before the next block,
     * without a hook asking (the run's end looks like the end of a count-limited run).
     *
     * @param instructions the slice's length, at least 1
     */
    void sliceFor(long instructions) {
        if (!deadlines) {
            // From now on translated code compares with the deadline: drop what was translated without.
            deadlines = true;
            state.set(JAVA_SHORT, DEADLINES, (short) 1);
            uc.ctlFlushTb();
            newGeneration();
        }
        state.set(JAVA_LONG, DEADLINE, count() + instructions);
    }

    /** A hook asked the engine to stop: blocks entered from now on do not run (see mmemu_count_block). */
    void stopping() {
        state.set(JAVA_INT, STOPPING, 1);
        state.set(JAVA_LONG, DEADLINE, 0); // one test in the callback covers both
    }

    /**
     * After a run that a fault or an invalid instruction at {@code rip} ended: the instructions
     * of the last block counted that come after the faulting one did not run. A fault outside
     * that block (an instruction fetch that failed before any of it was translated) needs nothing.
     *
     * @param rip the faulting instruction
     */
    void afterFault(long rip) {
        if (perInstruction) return;
        // The block the fault happened in (inline: QEMU's; else the last the callback counted): its
        // address's low 48 bits, and its instruction count above them.
        long last = inline ? Unicorn.takeFaultedBlock() : state.get(JAVA_LONG, LAST_BLOCK);
        int counted = (int) (last >>> 48);
        long start = last << 16 >> 16;
        if (counted == 0 || Long.compareUnsigned(rip, start) < 0) return;
        code.forget();
        long p = start;
        for (int before = 0; before < counted && Long.compareUnsigned(p, rip) <= 0; before++) {
            if (p == rip) {
                int ran = before + 1; // the faulting instruction started, as a hook before each would have counted
                state.set(JAVA_LONG, COUNT, count() - counted + ran);
                state.set(JAVA_LONG, LAST_BLOCK, 0);
                return;
            }
            int len = X86InsnLength.length(code, p);
            if (len <= 0) return;
            p += len;
        }
    }

    /** The decoder read code from virtual page {@code vpage}, in frame {@code pa}. */
    void decodedFrom(long vpage, long pa) {
        if (decodedPages >= PAGES / 2) newGeneration();
        int i = slot(vpage);
        while (decodedPage[i] != 0 && decodedPage[i] != vpage + 1) i = (i + 1) & (PAGES - 1);
        if (decodedPage[i] == 0) decodedPages++;
        decodedPage[i] = vpage + 1;
        decodedPa[i] = pa;
    }

    /**
     * Unicorn was given the translation of {@code vpage} to frame {@code pa}: when code was decoded
     * from that page in another frame, or the page is now writable, every block's count is
     * forgotten. Allocates nothing.
     */
    void filled(long vpage, long pa, boolean writable) {
        if (!fillChangesNothing(vpage, pa, writable)) newGeneration();
    }

    /** {@return whether {@link #filled} would forget nothing now} */
    boolean fillChangesNothing(long vpage, long pa, boolean writable) {
        if (decodedPages == 0) return true;
        int i = slot(vpage);
        while (decodedPage[i] != 0) {
            // Another frame, or the code may now be rewritten (see miss).
            if (decodedPage[i] == vpage + 1) return decodedPa[i] == pa && !writable;
            i = (i + 1) & (PAGES - 1);
        }
        return true;
    }

    private static int slot(long vpage) {
        return (int) (((vpage >>> 12) * 0x9e3779b97f4a7c15L) >>> (64 - 10));
    }

    /** {@link #miss} as the native side calls it: {@code uint32_t (*)(uint64_t addr, uint32_t size)}. */
    private long missUpcall(long addr, long size, long unused2, long unused3, long unused4, long unused5) {
        return miss(addr, (int) size);
    }

    /**
     * The native cache's miss: the instructions of the block [addr, addr + size). A block the
     * decoder cannot walk to its end is not run: the engine stops before it (the block hook comes
     * before the block's exit check), counting nothing, and the counter goes over to a callback
     * per instruction before the next run ({@link #needsEachInstruction}). Never throws.
     */
    private int miss(long addr, int size) {
        long failures = decodeFailures;
        int n;
        try {
            code.forget();
            n = instructions(addr, addr + size);
        } catch (Throwable t) {
            decodeFailures++;
            n = 0;
        }
        // Code the engine may rewrite is retranslated at the same address and size without a
        // flush Java sees (QEMU's own self-modifying-code detection): count it every time.
        if (decodeFailures == failures) return code.sawWritable() ? n | DO_NOT_CACHE : n;
        stop.run();
        stopping();
        return 0;
    }

    /** {@return whether a block could not be decoded, so counting must go on per instruction} */
    boolean needsEachInstruction() {
        return decodeFailures > 0 && !perInstruction;
    }

    /** The instructions from {@code from} to {@code to}, which must end one. */
    private int instructions(long from, long to) {
        int n = 0;
        long p = from;
        while (Long.compareUnsigned(p, to) < 0) {
            int len = X86InsnLength.length(code, p);
            if (len <= 0) {
                decodeFailures++;
                return Math.max(n, 1);
            }
            p += len;
            n++;
        }
        if (p != to) decodeFailures++;
        return n;
    }
}
