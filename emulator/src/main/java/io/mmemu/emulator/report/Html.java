package io.mmemu.emulator.report;

import java.util.Locale;

/**
 * The few text helpers every picture of the report needs: escaping for HTML and SVG text,
 * addresses in hex and sizes in binary units. Nothing here reads a run.
 */
final class Html {
    private Html() {}

    /** {@code text} with {@code & < > "} escaped, safe in element content and in quoted attributes. */
    static String esc(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@code 0x} and the address in lower-case hex. */
    static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    /** A byte count in the largest binary unit that keeps it at least 1 (4 KiB, 1.5 MiB, 127 TiB). */
    static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%d %s", (long) v, units[u])
                : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** A number with Java's locale-free formatting of decimals, for SVG coordinates. */
    static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /**
     * The fill colour of a PCID (or ASID): hues spread by the golden angle so that neighbouring
     * numbers differ clearly; PCID 0 (no PCIDs, or the kernel's) is a neutral blue-grey.
     */
    static String pcidColour(int pcid) {
        if (pcid == 0) return "#8fa3b8";
        int hue = (int) ((pcid * 137.508) % 360);
        return "hsl(" + hue + ",65%,55%)";
    }
}
