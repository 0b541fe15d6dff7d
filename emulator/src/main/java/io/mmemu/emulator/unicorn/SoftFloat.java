package io.mmemu.emulator.unicorn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * libunicorn's floating point (QEMU 5's softfloat and SSE helpers), through native/mmemu_softfloat.c:
 * the host's CVTSI2SD for integer-to-double conversions, which softfloat does in software every
 * time (about 15% of a floating-point loop such as spectral-norm's); a shorter path to the host's
 * FPU for SSE's scalar double add, subtract, multiply and divide, which QEMU reaches only after a
 * PLT hop and a chain of floating-point compares; and MXCSR.FTZ, which QEMU 5 applies to the x87
 * instead of SSE. The native side checks its results and flags against libunicorn's own functions
 * before it redirects libunicorn's calls, and leaves them alone if anything differs; results are
 * the same either way, but for the FTZ fix, which makes them the CPU's.
 */
final class SoftFloat {
    private SoftFloat() {}

    /** What mmemu_softfloat_install, _install_sse and _fix_ftz returned: the entries patched (bits), 0, or negative. */
    private static int patched, patchedSse, patchedFtz;

    /**
     * Installs all three in the libunicorn that holds {@code insideUnicorn}; once, when libunicorn
     * is loaded. Without mmemu's native library (or with an older one) it does nothing.
     */
    static void install(MemorySegment insideUnicorn) {
        if (!NativeLibrary.loaded()) return;
        try {
            MemorySegment install = UnicornNative.nativeFn("mmemu_softfloat_install");
            patched = (int) UnicornNative.call(install, insideUnicorn.address(),
                    UnicornNative.symbol("int64_to_float64_scalbn_x86_64").address());
            MemorySegment installSse = UnicornNative.nativeFn("mmemu_softfloat_install_sse");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment helpers = addresses(arena, "helper_addsd_x86_64", "helper_subsd_x86_64",
                        "helper_mulsd_x86_64", "helper_divsd_x86_64");
                MemorySegment soft = addresses(arena, "float64_add_x86_64", "float64_sub_x86_64", "float64_mul_x86_64",
                        "float64_div_x86_64");
                patchedSse = (int) UnicornNative.call(installSse, insideUnicorn.address(), helpers.address(), soft.address());
            }
            MemorySegment fixFtz = UnicornNative.nativeFn("mmemu_softfloat_fix_ftz");
            patchedFtz = (int) UnicornNative.call(fixFtz, insideUnicorn.address(),
                    UnicornNative.symbol("update_mxcsr_status_x86_64").address());
        } catch (Throwable t) {
            patchedSse = -1; // an older native library or another Unicorn build: softfloat as before
        }
    }

    /**
     * The addresses of libunicorn's functions {@code names}, in a native array. Written as longs at
     * offsets, the accessor built already: a first {@code setAtIndex} or {@code ValueLayout.ADDRESS}
     * access builds a var handle of its own in the interpreter, 5-8 ms of every cold start.
     */
    private static MemorySegment addresses(Arena arena, String... names) {
        MemorySegment a = arena.allocate(ValueLayout.JAVA_LONG, names.length);
        for (int i = 0; i < names.length; i++) a.set(ValueLayout.JAVA_LONG, 8L * i, UnicornNative.symbol(names[i]).address());
        return a;
    }

    /** {@return whether libunicorn's int-to-double conversions are the host's (all three entries redirected)} */
    static boolean installed() {
        UnicornNative.load();
        return patched == 7;
    }

    /** {@return whether libunicorn's ADDSD, SUBSD, MULSD and DIVSD helpers are replaced (all four)} */
    static boolean sseInstalled() {
        UnicornNative.load();
        return patchedSse == 15;
    }

    /** {@return whether MXCSR.FTZ reaches SSE's softfloat state (update_mxcsr_status redirected)} */
    static boolean flushToZeroFixed() {
        UnicornNative.load();
        return patchedFtz == 1;
    }
}
