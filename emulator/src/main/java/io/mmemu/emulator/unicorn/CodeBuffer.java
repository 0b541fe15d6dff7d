package io.mmemu.emulator.unicorn;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Translated code's buffer left unzeroed (native/mmemu_code_buffer.c): Unicorn 2.1.1 zeroes the
 * whole 32 MiB buffer at every flush of translated code, which nothing reads (Unicorn 2.1.3
 * dropped it); an engine's first flush faults in all of it. Installed once, when libunicorn is loaded and before
 * any engine is opened; without mmemu's native library, or with a libunicorn that does not call
 * mmap, munmap and memset through its GOT, the buffer is zeroed as before.
 */
final class CodeBuffer {
    private CodeBuffer() {}

    /** What mmemu_code_buffer_install returned: 7 installed, less: not (or not all). */
    private static int installed;
    private static MethodHandle skipped;

    static void install(MemorySegment insideUnicorn) {
        if (!NativeLibrary.loaded()) return;
        try {
            MethodHandle install = UnicornNative.nativeFn("mmemu_code_buffer_install");
            installed = (int) UnicornNative.call(install, insideUnicorn.address());
            skipped = UnicornNative.nativeFn("mmemu_code_buffer_skipped");
        } catch (Throwable t) {
            installed = -1; // an older native library: zeroed as before
        }
    }

    /** {@return whether code buffers are left unzeroed} */
    static boolean installed() {
        UnicornNative.load();
        return installed == 7;
    }

    /** {@return the zeroings of a code buffer skipped so far in this process} */
    static long skipped() {
        UnicornNative.load();
        if (skipped == null) return 0;
        try {
            return UnicornNative.call(skipped);
        } catch (Throwable t) {
            throw new IllegalStateException("mmemu_code_buffer_skipped", t);
        }
    }
}
