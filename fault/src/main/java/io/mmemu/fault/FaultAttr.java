package io.mmemu.fault;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Models struct fault_attr and should_fail_ex(), lib/fault-inject.c: the attributes one injection
 * point is configured with, under the names of its debugfs files, and the decision they make.
 *
 * <ul>
 *   <li>{@code probability}: percent of the calls that fail (0..100; 0 disables the point);
 *   <li>{@code interval}: only every interval-th call that passed the filters may fail;
 *   <li>{@code times}: how many failures are left (-1: no limit);
 *   <li>{@code space}: bytes that must be asked for (in total) before anything fails;
 *   <li>{@code verbose}: 0 silent, 1 one report per failure, 2 with the call chain;
 *   <li>{@code task-filter}: only tasks with /proc/PID/make-it-fail set fail;
 *   <li>and the point's own knobs ({@link FaultPoint#knobs}).
 * </ul>
 *
 * <p>Not modelled: the ratelimit of fail_dump() (it depends on wall time, and runs must not) and
 * the stack-trace filters (require-start/end, reject-start/end, stacktrace-depth).
 */
public final class FaultAttr {
    private final FaultPoint point;
    private int probability;
    private long interval = 1;
    private int times = 1;
    private int space;
    private int verbose = 2;
    private boolean taskFilter;
    /** Calls that passed the filters, for interval. */
    private long count;
    /** times as it was before the last failure counted it down, for fail_dump(). */
    private int timesBeforeFailure;
    private final Map<String, String> knobs;

    /**
     * A point's attributes with Linux's defaults (FAULT_ATTR_INITIALIZER): probability 0, interval
     * 1, times 1, space 0, verbose 2, no task filter, and the point's knobs at their defaults.
     *
     * @param point the point configured
     */
    public FaultAttr(FaultPoint point) {
        this.point = point;
        this.knobs = new TreeMap<>(point.knobs());
    }

    /** {@return the point these attributes configure} */
    public FaultPoint point() {
        return point;
    }

    /**
     * Writes an attribute or knob, as writing its debugfs file does.
     *
     * @param name  the file's name ({@code probability}, {@code times}, {@code cache-filter}, ...)
     * @param value the text written, surrounding white space ignored
     * @throws IllegalArgumentException when the name is not one of the point's or the value does not parse
     */
    public void set(String name, String value) {
        String v = value.strip();
        switch (name) {
            case "probability" -> {
                long p = parseLong(name, v);
                if (p < 0 || p > 100) throw new IllegalArgumentException("probability must be 0..100 (got " + v + ")");
                probability = (int) p;
            }
            case "interval" -> {
                long i = parseLong(name, v);
                if (i < 1) throw new IllegalArgumentException("interval must be at least 1 (got " + v + ")");
                interval = i;
            }
            case "times" -> times = (int) parseLong(name, v);
            case "space" -> space = (int) parseLong(name, v);
            case "verbose" -> verbose = (int) parseLong(name, v);
            case "task-filter" -> taskFilter = parseBool(name, v);
            default -> {
                String old = knobs.get(name);
                if (old == null) {
                    throw new IllegalArgumentException(point.linuxName() + " has no attribute '" + name + "' (it has "
                            + "probability, interval, times, space, verbose, task-filter"
                            + (knobs.isEmpty() ? "" : ", " + String.join(", ", knobs.keySet())) + ")");
                }
                // cache-filter: Y or N as in debugfs, or (mmemu) the names of the caches that may fail, '+' between.
                boolean names = name.equals("cache-filter") && !isBool(v);
                if (!names && (old.equals("Y") || old.equals("N"))) v = parseBool(name, v) ? "Y" : "N";
                else if (!old.isEmpty() && isNumber(old)) v = Long.toString(parseLong(name, v));
                else checkKnob(name, v);
                knobs.put(name, v);
            }
        }
    }

    /**
     * Reads an attribute or knob as its debugfs file shows it (without the newline).
     *
     * @param name the file's name
     * @return its value: numbers in decimal, booleans as Y or N
     * @throws IllegalArgumentException when the name is not one of the point's
     */
    public String get(String name) {
        return switch (name) {
            case "probability" -> Integer.toString(probability);
            case "interval" -> Long.toString(interval);
            case "times" -> Integer.toString(times);
            case "space" -> Integer.toString(space);
            case "verbose" -> Integer.toString(verbose);
            case "task-filter" -> taskFilter ? "Y" : "N";
            default -> {
                String v = knobs.get(name);
                if (v == null) throw new IllegalArgumentException(point.linuxName() + " has no attribute '" + name + "'");
                yield v;
            }
        };
    }

    /** {@return every attribute and knob name, in the order a debugfs listing gives them} */
    public java.util.List<String> names() {
        java.util.List<String> names = new java.util.ArrayList<>(
                java.util.List.of("interval", "probability", "space", "task-filter", "times", "verbose"));
        names.addAll(knobs.keySet());
        java.util.Collections.sort(names);
        return names;
    }

    /** {@return the percent of calls that fail} */
    public int probability() {
        return probability;
    }

    /** {@return failures left, -1 for no limit} */
    public int times() {
        return times;
    }

    /** {@return the verbosity of the report on each failure} */
    public int verbose() {
        return verbose;
    }

    /**
     * A knob's value as a boolean.
     *
     * @param name the knob
     * @return true for Y
     */
    public boolean flag(String name) {
        return "Y".equals(knobs.get(name));
    }

    /**
     * A knob's value as a number.
     *
     * @param name the knob
     * @return its value
     */
    public long number(String name) {
        return Long.parseLong(knobs.get(name));
    }

    /**
     * A knob's value as text.
     *
     * @param name the knob
     * @return its value
     */
    public String text(String name) {
        return knobs.get(name);
    }

    /**
     * Models should_fail_ex(), lib/fault-inject.c: whether this call fails. A task's fail-nth comes
     * first (for Linux's points): it counts down, and the call that brings it to 0 fails whatever
     * the attributes say. Otherwise a call fails when the probability is positive, the task passes
     * the filter, failures are left, {@code size} bytes use up the space, the interval is reached
     * and the draw from {@code random} is below the probability.
     *
     * @param task   the current task, or null outside a task
     * @param size   the bytes the call asks for (space counts them down)
     * @param random the run's fault-injection generator
     * @return whether the call fails; times is counted down when it does
     */
    boolean shouldFail(FaultTask task, long size, SplittableRandom random) {
        if (task != null && point.honoursFailNth()) {
            int nth = task.failNth();
            if (nth != 0) {
                task.setFailNth(nth - 1);
                if (nth - 1 == 0) return failed();
                return false;
            }
        }
        if (probability == 0) return false;
        if (taskFilter && (task == null || !task.makeItFail())) return false;
        if (times == 0) return false;
        if (space > size) {
            space -= (int) size;
            return false;
        }
        if (interval > 1) {
            count++;
            if (count % interval != 0) return false;
        }
        if (probability <= random.nextInt(100)) return false;
        return failed();
    }

    /** The fail: label of should_fail_ex(): times counts down unless unlimited. */
    private boolean failed() {
        timesBeforeFailure = times;
        if (times != -1 && times != 0) times--;
        return true;
    }

    /**
     * A replayed failure: counts times down as a live one does, and keeps a task's fail-nth
     * countdown moving as the live run did, without consulting the other attributes.
     *
     * @param task the current task, or null
     * @param fail whether the schedule says this call fails
     */
    void replayed(FaultTask task, boolean fail) {
        if (task != null && point.honoursFailNth() && task.failNth() != 0) task.setFailNth(task.failNth() - 1);
        if (fail) failed();
    }

    /**
     * fail_dump()'s first two lines, with times as it was before the last failure counted it down.
     *
     * @return "FAULT_INJECTION: forcing a failure.\nname failslab, interval 1, probability 5, space 0, times -1"
     */
    String dumpHeader() {
        return "FAULT_INJECTION: forcing a failure.\nname " + point.linuxName() + ", interval " + interval
                + ", probability " + probability + ", space " + space + ", times " + timesBeforeFailure;
    }

    /** The words of mmemu's own text knobs (at, addr, action, target, sched-point), checked as they are written. */
    private static void checkKnob(String name, String v) {
        switch (name) {
            case "at" -> InstructionList.parse(v);
            case "addr" -> {
                if (!v.isEmpty() && !v.matches("(0[xX])?[0-9a-fA-F]{1,16}")) {
                    throw new IllegalArgumentException("addr takes a user address in hex (got '" + v + "')");
                }
            }
            case "action" -> {
                if (!v.equals("drop") && !v.equals("delay")) {
                    throw new IllegalArgumentException("action takes drop or delay (got '" + v + "')");
                }
            }
            case "target" -> {
                if (!v.equals("freeptr") && !v.equals("redzone")) {
                    throw new IllegalArgumentException("target takes freeptr or redzone (got '" + v + "')");
                }
            }
            case "sched-point" -> {
                for (String p : v.split("\\+")) {
                    String n = p.strip().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
                    if (!v.isEmpty() && !n.equals("all") && !SCHED_POINTS.contains(n)) {
                        throw new IllegalArgumentException("sched-point takes all or names of SLUB scheduling points joined by '+' ("
                                + String.join(", ", SCHED_POINTS) + "), got '" + v + "'");
                    }
                }
            }
            default -> { }
        }
    }

    /** io.mmemu.slub.SchedPoint's constants in lower case (this module depends on none). */
    static final java.util.List<String> SCHED_POINTS = java.util.List.of("alloc_after_tid", "alloc_after_freelist",
            "alloc_before_cmpxchg", "free_after_tid", "free_after_freelist", "free_before_cmpxchg",
            "slab_free_before_cmpxchg");

    private static long parseLong(String name, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes a number (got '" + v + "')");
        }
    }

    private static boolean isNumber(String v) {
        return v.matches("-?[0-9]+");
    }

    private static boolean isBool(String v) {
        return v.matches("(?i)y|n|1|0|on|off|yes|no");
    }

    /** kstrtobool(): Y, y, 1, on are true; N, n, 0, off are false. */
    private static boolean parseBool(String name, String v) {
        String s = v.toLowerCase(java.util.Locale.ROOT);
        if (s.equals("y") || s.equals("1") || s.equals("on") || s.equals("yes")) return true;
        if (s.equals("n") || s.equals("0") || s.equals("off") || s.equals("no")) return false;
        throw new IllegalArgumentException(name + " takes Y or N (got '" + v + "')");
    }
}
