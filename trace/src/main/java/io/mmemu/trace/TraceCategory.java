package io.mmemu.trace;

import java.util.Locale;

/**
 * The kinds of event the trace carries, as {@code --trace-filter events=} names them. Each has one
 * bit ({@link #bit}); the bits are also {@link Tracer}'s constants, which hot paths test.
 */
public enum TraceCategory {
    /** Page faults with their outcome (do_user_addr_fault()). */
    FAULT("fault"),
    /** Model TLB misses and fills, local flushes, switch_mm, lazy TLB, ASID allocation. */
    TLB("tlb"),
    /** TLB shootdown IPIs sent and received. */
    IPI("ipi"),
    /** Syscall entry and exit, with arguments and result. */
    SYSCALL("syscall"),
    /** SLUB allocations and frees of the kernel model's caches. */
    SLAB("slab"),
    /** Page allocator allocations and frees. */
    PAGE("page"),
    /** Context switches and migrations. */
    SCHED("sched"),
    /** Signal delivery. */
    SIGNAL("signal");

    /** Every category's bit. */
    public static final int ALL = (1 << values().length) - 1;

    private final String filterName;

    TraceCategory(String filterName) {
        this.filterName = filterName;
    }

    /** {@return the name {@code --trace-filter events=} uses} */
    public String filterName() {
        return filterName;
    }

    /** {@return this category's bit} */
    public int bit() {
        return 1 << ordinal();
    }

    /**
     * Parses a comma-separated list of category names ({@code fault,tlb}; {@code all} for every one).
     *
     * @param list the names
     * @return the categories' bits
     * @throws IllegalArgumentException naming an unknown category and the known ones
     */
    public static int parse(String list) {
        int bits = 0;
        for (String name : list.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("all")) {
                bits |= ALL;
                continue;
            }
            TraceCategory found = null;
            for (TraceCategory c : values()) {
                if (c.filterName.equals(n)) found = c;
            }
            if (found == null) {
                throw new IllegalArgumentException("unknown event kind '" + name.trim() + "' (known: " + names() + ", all)");
            }
            bits |= found.bit();
        }
        return bits;
    }

    /** {@return the category names, comma-separated} */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (TraceCategory c : values()) b.append(b.isEmpty() ? "" : ",").append(c.filterName);
        return b.toString();
    }
}
