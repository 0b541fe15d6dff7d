package io.mmemu.kernel;

import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A timeout from user memory, as the syscalls that take one read and check it: a struct
 * __kernel_timespec (or the same two longs of a __kernel_old_timeval), timespec64_valid(), and
 * the conversion to nanoseconds that saturates at KTIME_MAX instead of wrapping (a timeout of
 * centuries waits for ever, as on Linux).
 */
final class Timespec {
    private Timespec() {}

    static final long NSEC_PER_SEC = 1_000_000_000L;
    /** KTIME_MAX: the end of time, where conversions and additions saturate. */
    static final long KTIME_MAX = Long.MAX_VALUE;

    /**
     * Models get_timespec64(): the two longs at {@code addr}.
     *
     * @return {seconds, nanoseconds (or microseconds of a timeval)}, or null when the read faults (EFAULT)
     */
    static long[] get(UserAccess uaccess, MmStruct mm, long addr) {
        byte[] b = new byte[16];
        if (uaccess.copyFromUser(mm, b, 0, addr, 16) < 0) return null;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return new long[] {bb.getLong(0), bb.getLong(8)};
    }

    /** Models timespec64_valid(): seconds not negative, nanoseconds in [0, 1e9). */
    static boolean valid(long sec, long nsec) {
        return sec >= 0 && nsec >= 0 && nsec < NSEC_PER_SEC;
    }

    /** Models timespec64_to_ktime() of a valid timespec: nanoseconds, KTIME_MAX from KTIME_SEC_MAX seconds on. */
    static long toNanos(long sec, long nsec) {
        return sec >= KTIME_MAX / NSEC_PER_SEC ? KTIME_MAX : sec * NSEC_PER_SEC + nsec;
    }

    /** Models ktime_add_safe(): {@code a + b} for non-negative times, KTIME_MAX where it would overflow. */
    static long addSafe(long a, long b) {
        long sum = a + b;
        return sum < a || sum < b ? KTIME_MAX : sum;
    }
}
