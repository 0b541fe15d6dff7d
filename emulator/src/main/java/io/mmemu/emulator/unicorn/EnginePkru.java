package io.mmemu.emulator.unicorn;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;

/**
 * Where an engine keeps PKRU (QEMU's env->pkru), found by native/mmemu_pkru.c from
 * helper_wrpkru_x86_64()'s code and the CPUState offset native/mmemu_tlb.c reads from uc_emu_stop().
 * Unicorn 2.1 has no register id for PKRU; WRPKRU and RDPKRU run in the engine (once CR4.PKE is
 * set), and the fill hook reads the value the guest wrote straight from the engine's memory:
 * one load, no call. {@link #AVAILABLE} is false when libunicorn's code has another shape.
 */
final class EnginePkru {
    private EnginePkru() {}

    /** Whether an engine's PKRU can be reached with this libunicorn and native library. */
    static final boolean AVAILABLE;
    private static final MemorySegment ADDRESS;

    static {
        boolean ok = false;
        MemorySegment address = null;
        try {
            boolean cpuOffsetKnown = PageFlush.FOUND_CPU; // mmemu_page_flush_init() has run
            MemorySegment init = UnicornNative.nativeFn("mmemu_pkru_init");
            long offset = UnicornNative.call(init, UnicornNative.symbol("helper_wrpkru_x86_64").address());
            if (cpuOffsetKnown && offset > 0) {
                address = UnicornNative.nativeFn("mmemu_pkru_address");
                ok = true;
            }
        } catch (Throwable t) {
            ok = false; // an older native library or another Unicorn build: no PKU model
        }
        AVAILABLE = ok;
        ADDRESS = address;
    }

    /**
     * Engine {@code uc}'s PKRU as a 4-byte segment; only once the engine is set up (its CPU exists).
     *
     * @param uc the engine
     * @return the segment holding env->pkru
     */
    static MemorySegment of(long uc) {
        if (!AVAILABLE) throw new IllegalStateException("this libunicorn's PKRU cannot be reached (see native/mmemu_pkru.c)");
        try {
            long a = UnicornNative.call(ADDRESS, uc);
            return MemorySegment.ofAddress(a).reinterpret(JAVA_INT.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("mmemu_pkru_address", t);
        }
    }
}
