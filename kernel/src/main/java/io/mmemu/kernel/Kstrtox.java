package io.mmemu.kernel;

import io.mmemu.mm.vma.Errno;

/**
 * lib/kstrtox.c: the number and boolean parsers behind the kernel's attribute files, with their
 * errors (EINVAL for anything that is not a number, ERANGE for one that does not fit). Each
 * takes the bytes a handler copied from the user (what its buffer holds) and, like kstrto*(),
 * accepts one trailing newline and nothing else after the digits.
 */
final class Kstrtox {
    /** ERANGE: the number does not fit the type. */
    static final int ERANGE = 34;

    private Kstrtox() {}

    /** A parse: the value, or an error. */
    record Parsed(long value, int errno) {
        boolean ok() {
            return errno == 0;
        }
    }

    /** The bytes up to the first NUL, as a C string (the handlers terminate their buffer). */
    static String cString(byte[] data, int max) {
        int n = Math.min(data.length, max);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n && data[i] != 0; i++) b.append((char) (data[i] & 0xff));
        return b.toString();
    }

    /**
     * Models kstrtoull(s, 0): an optional '+', a base prefix ("0x" hexadecimal, "0" octal,
     * otherwise decimal), digits, an optional newline.
     */
    static Parsed kstrtoull(String s) {
        int i = 0;
        if (i < s.length() && s.charAt(i) == '+') i++;
        int base = 10;
        if (i < s.length() && s.charAt(i) == '0') {
            if (i + 2 < s.length() && (s.charAt(i + 1) | 0x20) == 'x' && Character.digit(s.charAt(i + 2), 16) >= 0) {
                base = 16;
                i += 2;
            } else {
                base = 8;
            }
        }
        long v = 0;
        int digits = 0;
        for (; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0 || s.charAt(i) > 'z') break;
            // _parse_integer(): overflow of 64 bits is ERANGE
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, base)) > 0) return new Parsed(0, -ERANGE);
            v = v * base + d;
            digits++;
        }
        if (digits == 0) return new Parsed(0, -Errno.EINVAL);
        if (i < s.length() && s.charAt(i) == '\n') i++;
        if (i != s.length()) return new Parsed(0, -Errno.EINVAL);
        return new Parsed(v, 0);
    }

    /** Models kstrtoll(s, 0): kstrtoull() with an optional '-', ERANGE outside the signed 64-bit range. */
    static Parsed kstrtoll(String s) {
        if (!s.isEmpty() && s.charAt(0) == '-') {
            Parsed p = kstrtoull(s.substring(1));
            if (!p.ok()) return p;
            if (Long.compareUnsigned(p.value(), Long.MIN_VALUE) > 0) return new Parsed(0, -ERANGE);
            return new Parsed(-p.value(), 0);
        }
        Parsed p = kstrtoull(s);
        if (p.ok() && p.value() < 0) return new Parsed(0, -ERANGE);
        return p;
    }

    /** Models kstrtouint(s, 0): ERANGE above 2^32 - 1. */
    static Parsed kstrtouint(String s) {
        Parsed p = kstrtoull(s);
        if (p.ok() && Long.compareUnsigned(p.value(), 0xffff_ffffL) > 0) return new Parsed(0, -ERANGE);
        return p;
    }

    /** Models kstrtoint(s, 0): ERANGE outside the int range. */
    static Parsed kstrtoint(String s) {
        Parsed p = kstrtoll(s);
        if (p.ok() && (p.value() < Integer.MIN_VALUE || p.value() > Integer.MAX_VALUE)) return new Parsed(0, -ERANGE);
        return p;
    }

    /**
     * Models kstrtobool(): y, Y, t, T, 1 and "on" are true; n, N, f, F, 0 and "off" false (only the
     * first characters count); anything else is EINVAL.
     */
    static Parsed kstrtobool(String s) {
        if (s.isEmpty()) return new Parsed(0, -Errno.EINVAL);
        switch (s.charAt(0)) {
            case 'y', 'Y', 't', 'T', '1' -> {
                return new Parsed(1, 0);
            }
            case 'n', 'N', 'f', 'F', '0' -> {
                return new Parsed(0, 0);
            }
            case 'o', 'O' -> {
                if (s.length() > 1) {
                    char c = s.charAt(1);
                    if (c == 'n' || c == 'N') return new Parsed(1, 0);
                    if (c == 'f' || c == 'F') return new Parsed(0, 0);
                }
            }
            default -> { }
        }
        return new Parsed(0, -Errno.EINVAL);
    }

    /** strstrip(): leading and trailing white space removed (isspace()). */
    static String strstrip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isspace(s.charAt(a))) a++;
        while (b > a && isspace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    private static boolean isspace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
