package io.mmemu.fault;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The faults of a replay: exactly the calls that fail, each named by its point and its call number
 * at that point. A replayed run makes the same calls in the same order as the recorded one, so the
 * same calls fail; a shrinking run replays a subset, and whatever changes after a removed fault is
 * what the shrinker wants to learn.
 */
public final class FaultSchedule {
    /** Per point, the failing call numbers, ascending. */
    private final long[][] calls = new long[FaultPoint.values().length][];

    /**
     * The schedule that fails exactly {@code injections}.
     *
     * @param injections the faults, in any order
     */
    public FaultSchedule(Collection<Injection> injections) {
        List<List<Long>> byPoint = new ArrayList<>();
        for (int i = 0; i < calls.length; i++) byPoint.add(new ArrayList<>());
        for (Injection inj : injections) byPoint.get(inj.point().ordinal()).add(inj.call());
        for (int i = 0; i < calls.length; i++) {
            calls[i] = byPoint.get(i).stream().mapToLong(Long::longValue).sorted().distinct().toArray();
        }
    }

    /**
     * Whether call {@code call} of {@code point} fails.
     *
     * @param point the point
     * @param call  the point's call number
     * @return true when the schedule has it
     */
    public boolean fails(FaultPoint point, long call) {
        return java.util.Arrays.binarySearch(calls[point.ordinal()], call) >= 0;
    }

    /**
     * Whether the schedule has any call of {@code point}.
     *
     * @param point the point
     * @return true when at least one of its calls fails
     */
    public boolean arms(FaultPoint point) {
        return calls[point.ordinal()].length > 0;
    }
}
