package io.mmemu.fault;

import java.util.Arrays;

/**
 * The instruction counts of an {@code at=} knob (preempt, bitflip): items separated by '+', each
 * a count {@code N}, a range {@code A-B} (every count from A to B) or a range with a step
 * {@code A-B/S} (A, A+S, ... up to B). A count is the run's total: instructions executed on all
 * CPUs since the program started, the figure --max-instructions and a recorded injection use; a
 * point at N stops the CPU that executes the N-th instruction right after it.
 *
 * <p>Examples: {@code 123456}, {@code 1000+2000+3000}, {@code 50000-50100}, {@code 0-1000000/5000}.
 */
public final class InstructionList {
    /** The most counts one list may name (a range is expanded). */
    public static final int MAX_POINTS = 1 << 20;

    /** The empty list: no point. */
    public static final InstructionList NONE = new InstructionList(new long[0]);

    private final long[] points;

    private InstructionList(long[] points) {
        this.points = points;
    }

    /**
     * Parses a list.
     *
     * @param text the knob's value; empty for none
     * @return the counts, ascending and distinct
     * @throws IllegalArgumentException naming the item that does not parse
     */
    public static InstructionList parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) return NONE;
        long[] out = new long[16];
        int n = 0;
        for (String item : t.split("\\+")) {
            String s = item.strip();
            int dash = s.indexOf('-');
            long from;
            long to;
            long step = 1;
            if (dash < 0) {
                from = to = count(s, text);
            } else {
                int slash = s.indexOf('/');
                from = count(s.substring(0, dash), text);
                to = count(slash < 0 ? s.substring(dash + 1) : s.substring(dash + 1, slash), text);
                if (slash >= 0) step = count(s.substring(slash + 1), text);
                if (to < from || step < 1) {
                    throw new IllegalArgumentException("at: '" + s + "' is not a range A-B[/STEP] with A <= B and STEP >= 1");
                }
            }
            for (long c = from; c <= to; c += step) {
                if (n == MAX_POINTS) {
                    throw new IllegalArgumentException("at: more than " + MAX_POINTS + " instruction counts in '" + text + "'");
                }
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = c;
                if (c > Long.MAX_VALUE - step) break;
            }
        }
        long[] sorted = Arrays.stream(out, 0, n).sorted().distinct().toArray();
        return new InstructionList(sorted);
    }

    private static long count(String s, String text) {
        try {
            long v = Long.parseLong(s.strip());
            if (v < 1) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("at takes instruction counts N, A-B or A-B/STEP joined by '+' "
                    + "(N at least 1), got '" + text + "'");
        }
    }

    /**
     * The first point after {@code count}.
     *
     * @param count instructions executed so far
     * @return the smallest point greater than {@code count}, or {@link Long#MAX_VALUE} when none is left
     */
    public long next(long count) {
        int i = Arrays.binarySearch(points, count);
        i = i >= 0 ? i + 1 : -i - 1;
        return i < points.length ? points[i] : Long.MAX_VALUE;
    }

    /**
     * Whether {@code count} is one of the points.
     *
     * @param count an instruction count
     * @return true when the list names it
     */
    public boolean contains(long count) {
        return Arrays.binarySearch(points, count) >= 0;
    }

    /** {@return whether the list names no point} */
    public boolean isEmpty() {
        return points.length == 0;
    }

    /** {@return how many points the list names} */
    public int size() {
        return points.length;
    }
}
