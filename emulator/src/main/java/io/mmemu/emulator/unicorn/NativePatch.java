package io.mmemu.emulator.unicorn;

import java.lang.foreign.MemorySegment;

/**
 * One of native/*.c's changes to libunicorn through its GOT that take effect for every engine
 * opened after: installed once, when libunicorn is loaded ({@link UnicornNative}'s initialiser),
 * with a native function that checks libunicorn's code and answers how much it redirected, and a
 * native function that reads what it kept. Without mmemu's native library (or with an older one),
 * or with another Unicorn build, it is not installed and libunicorn works as it would alone.
 */
final class NativePatch {
    /** The block counter as ops in translated code (native/mmemu_inline_count.c); kept: the last fault's block. */
    static final NativePatch INLINE_COUNT = new NativePatch("mmemu_inline_count_install", 3, "mmemu_take_faulted_block");
    /** The code buffer left unzeroed at flushes (native/mmemu_code_buffer.c); kept: the zeroings skipped. */
    static final NativePatch CODE_BUFFER = new NativePatch("mmemu_code_buffer_install", 7, "mmemu_code_buffer_skipped");
    /**
     * The TB jump cache under a hash that spreads a page's blocks (native/mmemu_jump_cache.c);
     * kept: the lookups it missed.
     */
    static final NativePatch JUMP_CACHE = new NativePatch("mmemu_jump_cache_install", 3, "mmemu_jump_cache_misses");
    /**
     * The flags of a 32-bit test or and without libunicorn's switch (native/mmemu_flags.c); kept:
     * how many values it was compared with libunicorn's helper on.
     */
    static final NativePatch FLAGS = new NativePatch("mmemu_flags_install", 1, "mmemu_flags_checked");

    private final String install;
    private final int complete;
    private final String kept;
    /** What the install function returned; -2: not tried, -1: not available. */
    private int result = -2;
    private MemorySegment keptFunction;

    private NativePatch(String install, int complete, String kept) {
        this.install = install;
        this.complete = complete;
        this.kept = kept;
    }

    /** Runs the install function on the libunicorn that holds {@code insideUnicorn}. */
    void install(MemorySegment insideUnicorn) {
        if (!NativeLibrary.loaded()) return;
        try {
            result = (int) UnicornNative.call(UnicornNative.nativeFn(install), insideUnicorn.address());
            keptFunction = UnicornNative.nativeFn(kept);
        } catch (Throwable t) {
            result = -1; // an older native library: libunicorn as it is
        }
    }

    /** {@return whether every entry it needs was redirected} */
    boolean installed() {
        UnicornNative.load();
        return result == complete;
    }

    /** {@return what it kept (its second native function's answer), or 0 when it is not installed} */
    long kept() {
        if (!installed()) return 0;
        try {
            return UnicornNative.call(keptFunction);
        } catch (Throwable t) {
            throw new IllegalStateException(kept, t);
        }
    }
}
