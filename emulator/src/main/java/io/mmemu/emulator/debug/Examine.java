package io.mmemu.emulator.debug;

import java.util.Locale;

/**
 * gdb's {@code x/NFU ADDR}: N units of size U (b 1 byte, h 2, w 4, g 8) in format F (x hex, d
 * signed decimal, u unsigned decimal, c character, s NUL-terminated string, i instruction), each
 * line starting with its address and the symbol it lies in. Format and size are remembered from
 * one command to the next, as gdb does (defaults: x and w).
 */
final class Examine {
    private char format = 'x';
    private int size = 4;

    /** A parsed {@code /NFU}: the count and the format and size to use. */
    record Spec(int count, char format, int size) {}

    /**
     * Parses what follows {@code x} (empty, or "/" then an optional count and format and size letters).
     *
     * @throws IllegalArgumentException naming the letter that is neither a format nor a size
     */
    Spec parse(String suffix) {
        int count = 1;
        char f = format;
        int s = size;
        if (!suffix.isEmpty()) {
            if (suffix.charAt(0) != '/') throw new IllegalArgumentException("expected x/NFU ADDR (got x" + suffix + ")");
            int i = 1;
            int start = i;
            while (i < suffix.length() && Character.isDigit(suffix.charAt(i))) i++;
            if (i > start) count = Integer.parseInt(suffix.substring(start, i));
            for (; i < suffix.length(); i++) {
                char c = suffix.charAt(i);
                switch (c) {
                    case 'x', 'd', 'u', 'c', 's', 'i' -> f = c;
                    case 'b' -> s = 1;
                    case 'h' -> s = 2;
                    case 'w' -> s = 4;
                    case 'g' -> s = 8;
                    default -> throw new IllegalArgumentException("x/: unknown format or size letter '" + c
                            + "' (formats: x d u c s i; sizes: b h w g)");
                }
            }
        }
        if (f == 'c') s = 1;
        format = f;
        if (f != 's' && f != 'i') size = s;
        return new Spec(count, f, s);
    }

    /** Prints {@code spec.count()} units at {@code addr} (formats other than {@code i}). */
    String examine(GuestMemory mem, Symbols symbols, long addr, Spec spec) {
        StringBuilder b = new StringBuilder();
        try {
            if (spec.format() == 's') {
                for (int n = 0; n < spec.count(); n++) {
                    StringBuilder str = new StringBuilder();
                    long a = addr;
                    int c;
                    while ((c = (int) mem.readValue(a, 1)) != 0 && str.length() < 4096) {
                        str.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf((char) c)
                                : String.format(Locale.ROOT, "\\%03o", c));
                        a++;
                    }
                    b.append(String.format(Locale.ROOT, "0x%x%s:\t\"%s\"%n", addr, label(symbols, addr), str));
                    addr = a + 1;
                }
                return b.toString();
            }
            int perLine = spec.format() == 'c' || spec.size() <= 2 ? 8 : 16 / spec.size(); // as gdb lays them out
            for (int n = 0; n < spec.count(); n++) {
                if (n % perLine == 0) {
                    if (n > 0) b.append('\n');
                    b.append(String.format(Locale.ROOT, "0x%x%s:", addr, label(symbols, addr)));
                }
                long v = mem.readValue(addr, spec.size());
                b.append('\t').append(unit(v, spec.format(), spec.size()));
                addr += spec.size();
            }
            b.append('\n');
        } catch (GuestMemory.UnmappedException e) {
            if (!b.isEmpty() && b.charAt(b.length() - 1) != '\n') b.append('\n');
            b.append(e.getMessage()).append('\n');
        }
        return b.toString();
    }

    private static String label(Symbols symbols, long addr) {
        String s = symbols.describe(addr);
        return s.isEmpty() ? "" : " " + s;
    }

    private static String unit(long v, char format, int size) {
        int bits = size * 8;
        return switch (format) {
            case 'd' -> Long.toString(bits == 64 ? v : v << (64 - bits) >> (64 - bits));
            case 'u' -> Long.toUnsignedString(v);
            case 'c' -> {
                int c = (int) v & 0xff;
                yield String.format(Locale.ROOT, "%d '%s'", (byte) c,
                        c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format(Locale.ROOT, "\\%03o", c));
            }
            default -> String.format(Locale.ROOT, "0x%0" + size * 2 + "x", v);
        };
    }
}
