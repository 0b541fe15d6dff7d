package io.mmemu.tlb;

/**
 * The geometry of one TLB array: sets and ways for each page size. A set holds {@code ways}
 * entries; the set an entry goes to is the low bits of its virtual page number, so {@code sets}
 * must be a power of two. A fully associative array is one set.
 *
 * <p>Zero ways of 2 MiB or 1 GiB means the array holds no pages of that size (many L1 iTLBs have
 * no 1 GiB entries; AMD's L2 TLBs hold none either). A fill of such a page then caches a
 * smaller page covering the address (SDM vol. 3A, 4.10.2.3, "splintering"; AMD calls it
 * "smashing"). Every array holds 4 KiB pages.
 *
 * @param sets4k sets of the 4 KiB array, a power of two
 * @param ways4k ways of the 4 KiB array, at least 1
 * @param sets2m sets of the 2 MiB array, a power of two
 * @param ways2m ways of the 2 MiB array; 0 for none
 * @param sets1g sets of the 1 GiB array, a power of two
 * @param ways1g ways of the 1 GiB array; 0 for none
 */
public record TlbConfig(int sets4k, int ways4k, int sets2m, int ways2m, int sets1g, int ways1g) {

    /**
     * The teaching preset: 4 sets × 2 ways of 4 KiB entries, 2 entries of 2 MiB, 1 of 1 GiB.
     * A handful of pages already evicts, so misses and LRU order are easy to watch.
     */
    public static final TlbConfig TEACHING = new TlbConfig(4, 2, 1, 2, 1, 1);

    /**
     * A typical L1 dTLB: 64 entries of 4 KiB (16 sets × 4 ways), 32 of 2 MiB (8 × 4) and 4 of
     * 1 GiB (fully associative), about what recent Intel cores have.
     */
    public static final TlbConfig TYPICAL = new TlbConfig(16, 4, 8, 4, 1, 4);

    /** Upper bound on entries per array, so that a typo cannot allocate gigabytes. */
    static final int MAX_ENTRIES = 1 << 16;

    /**
     * Checks the geometry.
     *
     * @throws IllegalArgumentException when a set count is not a power of two, a way count is
     *     negative (or 0 for 4 KiB), or an array would exceed 65536 entries
     */
    public TlbConfig {
        check("4K", sets4k, ways4k, 1);
        check("2M", sets2m, ways2m, 0);
        check("1G", sets1g, ways1g, 0);
    }

    private static void check(String size, int sets, int ways, int minWays) {
        if (sets <= 0 || Integer.bitCount(sets) != 1) {
            throw new IllegalArgumentException(size + " sets must be a power of two (expected: 1, 2, 4, ..., got " + sets + ")");
        }
        if (ways < minWays) {
            throw new IllegalArgumentException(minWays == 1
                    ? size + " ways must be positive (expected: at least 1, got " + ways + ")"
                    : size + " ways must not be negative (expected: 0 for none, or more, got " + ways + ")");
        }
        if ((long) sets * ways > MAX_ENTRIES) {
            throw new IllegalArgumentException(size + " sets × ways must be at most " + MAX_ENTRIES
                    + " (got " + sets + " × " + ways + " = " + (long) sets * ways + ")");
        }
    }

    /**
     * Sets of the array for {@code size}.
     *
     * @param size a page size
     * @return the number of sets of its array
     */
    public int sets(PageSize size) {
        return switch (size) {
            case SIZE_4K -> sets4k;
            case SIZE_2M -> sets2m;
            case SIZE_1G -> sets1g;
        };
    }

    /**
     * Ways of the array for {@code size}.
     *
     * @param size a page size
     * @return the number of ways of its array
     */
    public int ways(PageSize size) {
        return switch (size) {
            case SIZE_4K -> ways4k;
            case SIZE_2M -> ways2m;
            case SIZE_1G -> ways1g;
        };
    }

    /**
     * Entries of the array for {@code size}.
     *
     * @param size a page size
     * @return the number of entries of its array (sets × ways)
     */
    public int entries(PageSize size) {
        return sets(size) * ways(size);
    }

    /**
     * Whether the array keeps entries of {@code size} (4 KiB always; larger sizes unless their ways are 0).
     *
     * @param size a page size
     * @return whether its array holds entries
     */
    public boolean holds(PageSize size) {
        return ways(size) > 0;
    }

    /** {@return the number of entries of all three arrays together} */
    public int capacity() {
        return entries(PageSize.SIZE_4K) + entries(PageSize.SIZE_2M) + entries(PageSize.SIZE_1G);
    }

    /*
     * equals and hashCode are written out: a record's own go through an invokedynamic bootstrap
     * (ObjectMethods) that builds method handles in the interpreter, about 10 ms of every cold
     * start, since TlbPreset's constants compare geometries as that class initializes.
     */

    /** {@return whether {@code o} is a TlbConfig of the same geometry (every component equal)} */
    @Override
    public boolean equals(Object o) {
        return o instanceof TlbConfig c && sets4k == c.sets4k && ways4k == c.ways4k && sets2m == c.sets2m
                && ways2m == c.ways2m && sets1g == c.sets1g && ways1g == c.ways1g;
    }

    /** {@return a hash of every component, consistent with equals} */
    @Override
    public int hashCode() {
        return ((((sets4k * 31 + ways4k) * 31 + sets2m) * 31 + ways2m) * 31 + sets1g) * 31 + ways1g;
    }
}
