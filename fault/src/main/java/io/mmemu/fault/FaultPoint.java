package io.mmemu.fault;

import java.util.Map;
import java.util.TreeMap;

/**
 * The injection points of a machine. The first three are Linux's own (their debugfs directories
 * under /sys/kernel/debug carry these names); the others are mmemu's, named in the same style, for
 * faults Linux cannot inject into itself: a lost TLB-shootdown IPI, a forced preemption, a corrupted
 * slab object, a flipped bit of RAM.
 *
 * <p>Each point has, besides the attributes every {@link FaultAttr} has, knobs of its own with
 * Linux's defaults ({@link #knobs}), and the defaults a {@code --fail} command line starts from
 * ({@link #commandLineDefaults}): there a point is armed for a campaign, so it fails without limit
 * ({@code times=-1}), prints one line per injection ({@code verbose=1}) and does not skip the
 * allocations that may sleep, which in the model are all of them.
 */
public enum FaultPoint {
    /** Failing slab allocations (should_failslab(), mm/failslab.c). */
    FAILSLAB("failslab", true, knobs("ignore-gfp-wait", "Y", "cache-filter", "N"),
            knobs("times", "-1", "verbose", "1", "ignore-gfp-wait", "N")),
    /** Failing page allocations (should_fail_alloc_page(), mm/fail_page_alloc.c). */
    FAIL_PAGE_ALLOC("fail_page_alloc", true,
            knobs("ignore-gfp-wait", "Y", "ignore-gfp-highmem", "Y", "min-order", "1"),
            knobs("times", "-1", "verbose", "1", "ignore-gfp-wait", "N", "ignore-gfp-highmem", "N", "min-order", "0")),
    /** Failing futex operations (should_fail_futex(), kernel/futex/core.c). */
    FAIL_FUTEX("fail_futex", true, knobs("ignore-private", "N"), knobs("times", "-1", "verbose", "1")),
    /**
     * mmemu: a TLB-shootdown IPI dropped or delayed (flush_tlb_multi(), arch/x86/mm/tlb.c). {@code
     * action=drop} loses it; {@code action=delay} makes it reach its target only at that CPU's
     * {@code delay}-th kernel entry from now (0: its next one).
     */
    FAIL_IPI("fail_ipi", false, knobs("action", "drop", "delay", "0"),
            knobs("probability", "100", "times", "-1", "verbose", "1")),
    /**
     * mmemu: a forced context switch or CPU migration, at instruction counts ({@code at}, an
     * {@link InstructionList}) or at SLUB scheduling points ({@code sched-point}, '+' between names
     * of io.mmemu.slub.SchedPoint, or {@code all}); {@code migrate=Y} moves the task to the next CPU.
     */
    PREEMPT("preempt", false, knobs("at", "", "migrate", "N", "sched-point", ""),
            knobs("probability", "100", "times", "-1", "verbose", "1")),
    /**
     * mmemu: a flipped bit in a free pointer ({@code target=freeptr}, at a free) or a red-zone byte
     * ({@code target=redzone}, at an allocation) of an object of the kernel's cache {@code cache}
     * (empty: any cache); {@code bit} is the bit of the 64-bit free pointer, or of the byte.
     */
    SLUB_CORRUPT("slub_corrupt", false, knobs("cache", "", "target", "freeptr", "bit", "3"),
            knobs("probability", "100", "times", "1", "verbose", "1")),
    /**
     * mmemu: bit {@code bit} (0 to 32767) of guest physical frame {@code pfn}, or of the frame
     * behind the user address {@code addr} of the task running then, flipped at the instruction
     * counts {@code at} ({@code bit} counts from the frame's first byte, or from {@code addr}).
     */
    BITFLIP("bitflip", false, knobs("at", "", "pfn", "-1", "addr", "", "bit", "0"),
            knobs("probability", "100", "times", "-1", "verbose", "1"));

    private final String linuxName;
    private final boolean failNth;
    private final Map<String, String> knobs;
    private final Map<String, String> commandLineDefaults;

    FaultPoint(String linuxName, boolean failNth, Map<String, String> knobs, Map<String, String> commandLineDefaults) {
        this.linuxName = linuxName;
        this.failNth = failNth;
        this.knobs = knobs;
        this.commandLineDefaults = commandLineDefaults;
    }

    private static Map<String, String> knobs(String... kv) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** {@return the point's name, as its debugfs directory and {@code --fail} spell it} */
    public String linuxName() {
        return linuxName;
    }

    /**
     * Whether a task's fail-nth counts this point's calls: Linux's points go through
     * should_fail_ex(), which consults current->fail_nth first; mmemu's own points do not.
     *
     * @return true for failslab, fail_page_alloc and fail_futex
     */
    public boolean honoursFailNth() {
        return failNth;
    }

    /** {@return the point's own knobs and their Linux defaults, by name} */
    public Map<String, String> knobs() {
        return knobs;
    }

    /** {@return the attribute and knob values a {@code --fail} spec starts from, by name} */
    public Map<String, String> commandLineDefaults() {
        return commandLineDefaults;
    }

    /**
     * The point called {@code name}.
     *
     * @param name a name as {@link #linuxName} gives it
     * @return the point
     * @throws IllegalArgumentException naming the points there are, when none is called so
     */
    public static FaultPoint byName(String name) {
        for (FaultPoint p : values()) if (p.linuxName.equals(name)) return p;
        StringBuilder known = new StringBuilder();
        for (FaultPoint p : values()) known.append(known.isEmpty() ? "" : ", ").append(p.linuxName);
        throw new IllegalArgumentException("no fault point '" + name + "' (points: " + known + ")");
    }
}
