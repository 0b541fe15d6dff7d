package io.mmemu.emulator.unicorn;

import java.lang.foreign.MemorySegment;

/**
 * The virtual clock libunicorn reads instead of the host's (native/mmemu_clock.c). QEMU resizes
 * each engine's softmmu TLB at a flush from what it saw over 100 ms of host time
 * (tlb_mmu_resize_locked() in accel/tcg/cputlb.c), so the misses that reach the TLB fill hook,
 * and every TLB figure of {@code --stats}, depended on the host's speed and load; RDTSC read the
 * host's TSC. Once installed, libunicorn's gettimeofday, clock_gettime and cpu_get_tsc advance by
 * a fixed step per reading, on a clock of the calling host thread.
 *
 * <p>A machine is driven by one thread at a time, which {@link #reset}s the clock when the machine
 * is built and when it starts running, so its readings are the same in every run whatever other
 * threads do. Without mmemu's native library (a project that uses the testkit outside this
 * checkout) libunicorn keeps the host clock: runs are correct, only their TLB counts vary.
 */
public final class DeterministicClock {
    private DeterministicClock() {}

    private static final MemorySegment RESET;
    private static final MemorySegment READINGS;
    /** Which of libunicorn's entries point at the virtual clock: the bits of mmemu_clock_install. */
    private static int patched;

    static {
        if (NativeLibrary.loaded()) {
            // UnicornNative's one shape (a void result read as an ignored long): no new linker code.
            RESET = UnicornNative.nativeFn("mmemu_clock_reset");
            READINGS = UnicornNative.nativeFn("mmemu_clock_readings");
        } else {
            RESET = null;
            READINGS = null;
        }
    }

    /** The bit of mmemu_clock_install's result for gettimeofday, which the TLB resizing reads. */
    static final int GETTIMEOFDAY = 1;

    /**
     * Points libunicorn's clock at the virtual one; called once, when libunicorn is loaded and
     * before any engine is opened.
     *
     * @param insideUnicorn the address of a function of libunicorn (which library to patch)
     * @throws UnsatisfiedLinkError when mmemu's native library is out of date, or libunicorn
     *                              does not read gettimeofday through its GOT as Unicorn 2.1 does
     */
    static void install(MemorySegment insideUnicorn) {
        if (!NativeLibrary.loaded()) return;
        MemorySegment install = UnicornNative.nativeFn("mmemu_clock_install");
        int bits;
        try {
            bits = (int) UnicornNative.call(install, insideUnicorn.address());
        } catch (Throwable t) {
            throw new IllegalStateException("mmemu_clock_install", t);
        }
        if (bits < 0 || (bits & GETTIMEOFDAY) == 0) {
            throw new UnsatisfiedLinkError("cannot give libunicorn a deterministic clock (mmemu_clock_install: " + bits
                    + "): its gettimeofday is not an imported symbol");
        }
        patched = bits;
    }

    /** {@return whether libunicorn reads the virtual clock (loading libunicorn first if need be)} */
    public static boolean installed() {
        UnicornNative.load();
        return patched != 0;
    }

    /**
     * mmemu_clock_reset(): starts the calling thread's clock afresh, so the readings that follow
     * are those of a new process. A machine calls it when it is built and when it starts to run.
     */
    public static void reset() {
        if (RESET == null) return;
        try {
            long ignored = UnicornNative.call(RESET);
        } catch (Throwable t) {
            throw new IllegalStateException("mmemu_clock_reset", t);
        }
    }

    /** {@return how often libunicorn read the clock on this thread since its last reset (0 without the shim)} */
    public static long readings() {
        if (READINGS == null) return 0;
        try {
            return UnicornNative.call(READINGS);
        } catch (Throwable t) {
            throw new IllegalStateException("mmemu_clock_readings", t);
        }
    }
}
