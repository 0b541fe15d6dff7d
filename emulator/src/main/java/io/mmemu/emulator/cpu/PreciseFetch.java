package io.mmemu.emulator.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.mmemu.emulator.unicorn.Hooks;
import io.mmemu.emulator.unicorn.NativeLibrary;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.emulator.unicorn.X86Reg;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Precise mode's code hook (native/mmemu_precise.c): before each instruction, the lookup of its
 * page in the model TLB, in Java ({@code lookup}), except a repeat of the last lookup's hit on
 * the same page while nothing touched the model TLB since, which the native callback counts
 * itself (it would find the same entry, already the most recently used: only the lookup and hit
 * counters change). Before each instruction, the pages fills put in Unicorn's TLB since the last
 * one are flushed ({@link #filled}, {@link #flush}): the native side does it for repeats, Java
 * for the others.
 *
 * <p>The owner must {@link #forget} the page whenever anything else reaches the model TLB (every
 * fill hook, every flush, every stop of the engine) and hand {@link #takeRepeats} to the TLB's
 * counters before they are read.
 */
final class PreciseFetch {
    private static final MemorySegment CALLBACK = NativeLibrary.symbol("mmemu_precise_insn");
    private static final MemorySegment FLUSH = NativeLibrary.symbol("mmemu_precise_flush");
    // Offsets of struct mmemu_precise (native/mmemu_precise.c).
    private static final long LAST_PAGE = 0, REPEATS = 8, NFILLED = 16, CR3_REG = 20, CR3 = 24, LOOKUP = 32,
            REG_WRITE = 40, PAGE_FLUSHES = 48, FILLED = 56;
    /** Pages listed for flushing one by one (MMEMU_PRECISE_PAGES); beyond that the whole TLB goes. */
    private static final int PAGES = 8;
    private static final long SIZE = FILLED + PAGES * 8L;
    /** LAST_PAGE when no repeat may be counted natively: never a page address. */
    private static final long NO_PAGE = 1;

    private final Unicorn uc;
    private final MemorySegment state;

    private PreciseFetch(Unicorn uc, Hooks.Code lookup) {
        this.uc = uc;
        state = Arena.ofAuto().allocate(SIZE, 8);
        state.set(JAVA_LONG, LAST_PAGE, NO_PAGE);
        state.set(JAVA_LONG, REPEATS, 0);
        state.set(JAVA_INT, NFILLED, PAGES + 1); // unknown: the first flush empties everything
        state.set(JAVA_INT, PAGE_FLUSHES, Unicorn.pageFlushes() ? 1 : 0);
        state.set(JAVA_INT, CR3_REG, X86Reg.CR3);
        state.set(ADDRESS, LOOKUP, uc.codeCallback(lookup));
        state.set(ADDRESS, REG_WRITE, Unicorn.regWriteFunction());
    }

    /**
     * Installs precise mode's code hook in {@code uc}.
     *
     * @param uc     the engine
     * @param lookup the Java lookup for an instruction at an address (a page other than the last hit's)
     * @return the hook's state
     */
    static PreciseFetch attach(Unicorn uc, Hooks.Code lookup) {
        PreciseFetch p = new PreciseFetch(uc, lookup);
        uc.hookCodeNative(CALLBACK, p.state);
        return p;
    }

    /** The lookup of {@code page} just hit, with {@code cr3} loaded: its repeats may be counted natively. */
    void hit(long page, long cr3) {
        state.set(JAVA_LONG, CR3, cr3);
        state.set(JAVA_LONG, LAST_PAGE, page);
    }

    /** {@return the page whose repeated lookups the native side counts, or -1} */
    long page() {
        long p = state.get(JAVA_LONG, LAST_PAGE);
        return p == NO_PAGE ? -1 : p;
    }

    /** Something else reached the model TLB: the next lookup goes to Java. */
    void forget() {
        state.set(JAVA_LONG, LAST_PAGE, NO_PAGE);
    }

    /** {@return the repeated hits counted natively since the last call, and forgets them} */
    long takeRepeats() {
        long n = state.get(JAVA_LONG, REPEATS);
        if (n != 0) state.set(JAVA_LONG, REPEATS, 0);
        return n;
    }

    /** A fill may have put page {@code page} in Unicorn's TLB. */
    void filled(long page) {
        int n = state.get(JAVA_INT, NFILLED);
        if (n > PAGES) return; // too many to list already
        if (n < PAGES) state.set(JAVA_LONG, FILLED + n * 8L, page);
        state.set(JAVA_INT, NFILLED, n + 1);
    }

    /** Unicorn's TLB was emptied: no page to flush. */
    void emptied() {
        state.set(JAVA_INT, NFILLED, 0);
    }

    /**
     * Empties Unicorn's TLB of what fills put there since the last time: those pages one by one,
     * or everything (a write of {@code cr3}) when there were too many or page flushes do not work.
     */
    void flush(long cr3) {
        if (state.get(JAVA_INT, NFILLED) == 0) return;
        state.set(JAVA_LONG, CR3, cr3);
        uc.callNative(FLUSH, state);
    }
}
