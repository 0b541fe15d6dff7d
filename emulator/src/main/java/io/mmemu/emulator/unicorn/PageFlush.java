package io.mmemu.emulator.unicorn;

import java.lang.foreign.MemorySegment;

/**
 * Page-granular flushes of an engine's TLB (native/mmemu_tlb.c): QEMU's tlb_flush_page(), the
 * work of an INVLPG, which libunicorn exports but reaches only through the engine's CPUState.
 * The native side finds where the uc_struct keeps it from uc_emu_stop()'s code, once; when it
 * cannot ({@link #AVAILABLE} false), callers empty the whole TLB instead.
 */
final class PageFlush {
    private PageFlush() {}

    /** Whether page flushes work with this libunicorn. */
    static final boolean AVAILABLE;
    /** Whether the CPUState's offset in uc_struct was found (also what {@link EnginePkru} needs). */
    static final boolean FOUND_CPU;
    private static final MemorySegment FLUSH_RANGE;

    static {
        boolean ok = false;
        MemorySegment range = null;
        try {
            // Through UnicornNative's one handle (void results read as ignored longs): no new
            // linker code at start-up.
            MemorySegment init = UnicornNative.nativeFn("mmemu_page_flush_init");
            long offset = UnicornNative.call(init, UnicornNative.symbol("uc_emu_stop").address(),
                    UnicornNative.symbol("tlb_flush_page_x86_64").address(),
                    UnicornNative.symbol("tb_flush_jmp_cache_x86_64").address());
            if (offset > 0) {
                range = UnicornNative.nativeFn("mmemu_flush_range");
                ok = true;
            }
        } catch (Throwable t) {
            ok = false; // an older native library or another Unicorn build: whole-TLB flushes only
        }
        FOUND_CPU = ok;
        AVAILABLE = ok && !Boolean.getBoolean("mmemu.unicorn.noPageFlush");
        FLUSH_RANGE = range;
    }

    /** Flushes the pages of [{@code start}, {@code end}) from engine {@code uc}'s TLB and jump cache. */
    static void flushRange(long uc, long start, long end) {
        try {
            long ignored = UnicornNative.call(FLUSH_RANGE, uc, start, end);
        } catch (Throwable t) {
            throw new IllegalStateException("mmemu_flush_range", t);
        }
    }
}
