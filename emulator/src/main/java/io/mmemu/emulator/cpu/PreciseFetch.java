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
 * counters change). The native side also empties Unicorn's TLB before a repeated instruction when
 * a fill came since it was last emptied, as the Java side does for the others.
 *
 * <p>The owner must {@link #forget} the page whenever anything else reaches the model TLB (every
 * fill hook, every flush, every stop of the engine) and hand {@link #takeRepeats} to the TLB's
 * counters before they are read.
 */
final class PreciseFetch {
    private static final MemorySegment CALLBACK = NativeLibrary.symbol("mmemu_precise_insn");
    // Offsets of struct mmemu_precise (native/mmemu_precise.c).
    private static final long LAST_PAGE = 0, REPEATS = 8, TLB_FILLED = 16, CR3_REG = 20, CR3 = 24, LOOKUP = 32,
            REG_WRITE = 40, SIZE = 48;
    /** LAST_PAGE when no repeat may be counted natively: never a page address. */
    private static final long NO_PAGE = 1;

    private final MemorySegment state;

    private PreciseFetch(Unicorn uc, Hooks.Code lookup) {
        state = Arena.ofAuto().allocate(SIZE, 8);
        state.set(JAVA_LONG, LAST_PAGE, NO_PAGE);
        state.set(JAVA_LONG, REPEATS, 0);
        state.set(JAVA_INT, TLB_FILLED, 1);
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

    /** {@return whether a fill came since Unicorn's TLB was last emptied} */
    boolean tlbFilled() {
        return state.get(JAVA_INT, TLB_FILLED) != 0;
    }

    /** Sets whether a fill came since Unicorn's TLB was last emptied. */
    void tlbFilled(boolean filled) {
        state.set(JAVA_INT, TLB_FILLED, filled ? 1 : 0);
    }
}
