package io.mmemu.kernel;

import io.mmemu.mm.vma.Errno;

/**
 * How a write to a one-value sysctl file is parsed, kernel/sysctl.c: __do_proc_dointvec() with
 * do_proc_dointvec_minmax_conv() for an int, __do_proc_doulongvec_minmax() for an unsigned long.
 * A write at a position other than 0 is ignored whole (sysctl_writes_strict, the default); the
 * value may be preceded by white space, is parsed by proc_get_long() (an optional '-', then
 * strtoul_lenient() in base 0: "0x" hexadecimal, "0" octal; at most 20 characters; it must be
 * followed by the end or a blank, tab or newline), converted and range-checked; anything wrong is
 * EINVAL. Only the bytes up to the value and the white space after it count as written, so a
 * write with more after the value is short (the rest, written again at its position, is ignored).
 */
final class ProcSysctl {
    /** TMPBUFLEN in proc_get_long(): the longest number is one less. */
    static final int TMPBUFLEN = 22;
    /** How much of a write the handlers look at: PAGE_SIZE - 1. */
    static final int MAX_WRITE = 4095;

    private ProcSysctl() {}

    /**
     * A parsed write: the value, the byte count the write returns, or an errno.
     *
     * @param value   the value to store (an int's sign-extended value, or an unsigned long)
     * @param written what write() returns: the bytes consumed
     * @param errno   0, or a negative errno (nothing is stored)
     */
    record Write(long value, long written, int errno) {
        boolean ok() {
            return errno == 0;
        }

        /** Whether a value was parsed (a write of 0 bytes stores nothing and returns 0). */
        boolean stores() {
            return errno == 0 && written > 0;
        }
    }

    /**
     * Parses one int as proc_dointvec_minmax() does: {@code min} and {@code max} bound it
     * (Long.MIN_VALUE and Long.MAX_VALUE for no bound, as proc_dointvec() has).
     */
    static Write dointvecMinmax(byte[] data, long count, long min, long max) {
        return parse(data, count, true, min, max);
    }

    /** Parses one unsigned long as proc_doulongvec_minmax() without bounds does: a '-' is EINVAL. */
    static Write doulongvec(byte[] data, long count) {
        return parse(data, count, false, 0, -1);
    }

    private static Write parse(byte[] data, long count, boolean isInt, long min, long max) {
        if (count == 0) return new Write(0, 0, 0); // !*lenp: nothing to do
        int left = (int) Math.min(Math.min(count, MAX_WRITE), data.length);
        int p = 0;
        while (left > 0 && isspace(data[p])) {
            p++;
            left--;
        }
        if (left == 0) return new Write(0, 0, -Errno.EINVAL); // no value: "first" is still set
        // proc_get_long().
        int len = Math.min(left, TMPBUFLEN - 1);
        int q = p;
        boolean neg = false;
        if (data[q] == '-' && left > 1) {
            neg = true;
            q++;
        }
        if (q >= p + len || !isdigit(data[q])) return new Write(0, 0, -Errno.EINVAL);
        int base = 10;
        if (data[q] == '0') {
            if (q + 2 < p + len && (data[q + 1] | 0x20) == 'x' && Character.digit(data[q + 2], 16) >= 0) {
                base = 16;
                q += 2;
            } else {
                base = 8;
            }
        }
        long v = 0;
        for (; q < p + len; q++) {
            int d = Character.digit(data[q], base);
            if (d < 0) break;
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, base)) > 0) return new Write(0, 0, -Errno.EINVAL);
            v = v * base + d;
        }
        int consumed = q - p;
        if (consumed == TMPBUFLEN - 1) return new Write(0, 0, -Errno.EINVAL);
        if (consumed < left && data[q] != ' ' && data[q] != '\t' && data[q] != '\n') return new Write(0, 0, -Errno.EINVAL);
        p = q;
        left -= consumed;
        long value;
        if (isInt) {
            // do_proc_dointvec_conv(), then the bounds (-ERANGE, reported as EINVAL).
            if (neg ? Long.compareUnsigned(v, (long) Integer.MAX_VALUE + 1) > 0 : Long.compareUnsigned(v, Integer.MAX_VALUE) > 0) {
                return new Write(0, 0, -Errno.EINVAL);
            }
            value = neg ? -v : v;
            if (value < min || value > max) return new Write(0, 0, -Errno.EINVAL);
        } else {
            if (neg) return new Write(0, 0, -Errno.EINVAL);
            value = v;
        }
        while (left > 0 && isspace(data[p])) {
            p++;
            left--;
        }
        return new Write(value, count - left, 0);
    }

    private static boolean isdigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** The kernel's isspace(): blank, \t, \n, \v, \f, \r. */
    private static boolean isspace(byte c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
