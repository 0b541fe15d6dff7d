package io.mmemu.emulator.campaign;

/**
 * The seeds of a campaign, {@code first..last} inclusive.
 *
 * @param first the first seed
 * @param last  the last seed, at least {@code first}
 */
public record SeedRange(long first, long last) {
    /**
     * Checks the order.
     *
     * @param first the first seed
     * @param last  the last seed
     * @throws IllegalArgumentException when {@code last < first}
     */
    public SeedRange {
        if (last < first) throw new IllegalArgumentException("seed range " + first + ".." + last + " is empty");
    }

    /**
     * Parses {@code A..B} (inclusive) or a single seed {@code N}.
     *
     * @param text the range
     * @return the range
     * @throws IllegalArgumentException when it does not parse
     */
    public static SeedRange parse(String text) {
        try {
            int dots = text.indexOf("..");
            if (dots < 0) {
                long n = Long.parseLong(text.strip());
                return new SeedRange(n, n);
            }
            return new SeedRange(Long.parseLong(text.substring(0, dots).strip()),
                    Long.parseLong(text.substring(dots + 2).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected seeds as A..B or N (got '" + text + "')");
        }
    }

    /** {@return how many seeds the range holds} */
    public long size() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return first + ".." + last;
    }
}
