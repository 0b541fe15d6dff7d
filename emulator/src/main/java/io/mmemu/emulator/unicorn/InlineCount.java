package io.mmemu.emulator.unicorn;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The block counter's work inline in translated code (native/mmemu_inline_count.c): with it, a
 * lone native UC_HOOK_BLOCK hook on {@code mmemu_count_block} costs no call per block; libunicorn
 * emits a few ops at the start of each block instead, with the instruction count QEMU knows from
 * translating it. Installed once, when libunicorn is loaded and before any engine is opened (an
 * engine keeps the code generator it was opened with). Without mmemu's native library or with
 * another Unicorn build nothing changes, and the callback counts, with the same counts; so does a
 * counter started with {@code -Dmmemu.count=call}.
 */
final class InlineCount {
    private InlineCount() {}

    /** What mmemu_inline_count_install returned: 3 installed, 0 or 1 another build, -1 not found, -2 not tried. */
    private static int installed = -2;
    private static MethodHandle takeFaultedBlock;

    static void install(MemorySegment insideUnicorn) {
        if (!NativeLibrary.loaded()) return;
        try {
            MethodHandle install = UnicornNative.nativeFn("mmemu_inline_count_install");
            installed = (int) UnicornNative.call(install, insideUnicorn.address());
            takeFaultedBlock = UnicornNative.nativeFn("mmemu_take_faulted_block");
        } catch (Throwable t) {
            installed = -1; // an older native library: the callback counts
        }
    }

    /** {@return whether a lone {@code mmemu_count_block} hook counts inline, without a call per block} */
    static boolean installed() {
        UnicornNative.load();
        return installed == 3;
    }

    /** mmemu_take_faulted_block(): the block of this thread's last fault in translated code since the last call, or 0. */
    static long takeFaultedBlock() {
        if (!installed()) return 0;
        try {
            return UnicornNative.call(takeFaultedBlock);
        } catch (Throwable t) {
            throw new IllegalStateException("mmemu_take_faulted_block", t);
        }
    }
}
