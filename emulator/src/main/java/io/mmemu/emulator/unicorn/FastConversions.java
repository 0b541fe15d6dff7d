package io.mmemu.emulator.unicorn;

import java.lang.invoke.MethodHandle;

/**
 * The host's CVTSI2SD for libunicorn's integer-to-double conversions (native/mmemu_softfloat.c):
 * QEMU 5's softfloat converts in software every time, about 15% of a floating-point loop such as
 * spectral-norm's. The native side checks its results and flags against softfloat's before it
 * redirects libunicorn's calls, and leaves them alone if anything differs; guest-visible results
 * are the same either way.
 */
final class FastConversions {
    private FastConversions() {}

    /** What mmemu_softfloat_install returned: the GOT entries patched (bits), 0, or negative. */
    private static int patched;

    /**
     * Installs the conversions in the libunicorn that holds {@code insideUnicorn}; once, when
     * libunicorn is loaded. Without mmemu's native library (or with an older one) it does nothing.
     */
    static void install(java.lang.foreign.MemorySegment insideUnicorn) {
        if (!NativeLibrary.loaded()) return;
        try {
            MethodHandle install = UnicornNative.LINKER.downcallHandle(NativeLibrary.symbol("mmemu_softfloat_install"),
                    UnicornNative.L6);
            patched = (int) UnicornNative.call(install, insideUnicorn.address(),
                    UnicornNative.symbol("int64_to_float64_scalbn_x86_64").address());
        } catch (Throwable t) {
            patched = -1; // an older native library or another Unicorn build: softfloat as before
        }
    }

    /** {@return whether libunicorn's int-to-double conversions are the host's (all three entries redirected)} */
    static boolean installed() {
        UnicornNative.load();
        return patched == 7;
    }
}
