package io.mmemu.emulator.cli;

/**
 * The columns of {@code --stats}: numbers with a comma between thousands, padded to a width, as
 * {@code printf(Locale.ROOT, "%,15d")} prints them, built without {@link java.util.Formatter}.
 * The formatter's first numeric conversion in a JVM loads the locale providers for the zero
 * digit ({@code DecimalFormatSymbols}): 15-20 ms of every cold {@code run --stats}, about as much
 * as the rest of the statistics cost a short program.
 */
final class StatsColumns {
    private final StringBuilder line = new StringBuilder(160);

    /** {@return {@code value} with a comma between each group of three digits, as {@code %,d} under Locale.ROOT} */
    static String grouped(long value) {
        String digits = Long.toString(value);
        int sign = value < 0 ? 1 : 0;
        int n = digits.length() - sign;
        StringBuilder b = new StringBuilder(digits.length() + n / 3);
        b.append(digits, 0, sign);
        for (int i = 0; i < n; i++) {
            if (i > 0 && (n - i) % 3 == 0) b.append(',');
            b.append(digits.charAt(sign + i));
        }
        return b.toString();
    }

    /** {@return {@code seconds} with three decimals, as {@code %.3f} prints a duration of {@code nanos}} */
    static String seconds(long nanos) {
        long millis = (nanos + 500_000) / 1_000_000;
        String fraction = Long.toString(millis % 1000);
        return millis / 1000 + "." + "000".substring(fraction.length()) + fraction;
    }

    /** Appends {@code text}. */
    StatsColumns text(String text) {
        line.append(text);
        return this;
    }

    /** Appends {@code text} right-aligned in {@code width} characters (never cut), as {@code %Ns}. */
    StatsColumns right(String text, int width) {
        line.repeat(' ', Math.max(0, width - text.length())).append(text);
        return this;
    }

    /** Appends {@code text} left-aligned in {@code width} characters (never cut), as {@code %-Ns}. */
    StatsColumns left(String text, int width) {
        line.append(text).repeat(' ', Math.max(0, width - text.length()));
        return this;
    }

    /** Appends {@code value} {@link #grouped}, right-aligned in {@code width}, as {@code %,Nd}. */
    StatsColumns number(long value, int width) {
        return right(grouped(value), width);
    }

    /** {@return the line so far, ended by the platform's line separator (printf's %n), and starts a new one} */
    String endLine() {
        String s = line.append(System.lineSeparator()).toString();
        line.setLength(0);
        return s;
    }
}
