package io.mmemu.emulator.lab;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What an autograder found: one line per check, each worth some points, with what was expected
 * for those that failed. {@code lab check} prints it; the tests read the checks.
 */
public final class LabReport {
    /**
     * One graded check.
     *
     * @param name    what is checked, for the student
     * @param points  the points it earned
     * @param max     the points it is worth
     * @param message for a failed check, what was expected and what the hand-in gave; empty when passed
     */
    public record Check(String name, int points, int max, String message) {
        /** {@return whether the check earned all its points} */
        public boolean passed() {
            return points == max;
        }
    }

    private final String lab;
    private final List<Check> checks = new ArrayList<>();
    private String fatal = "";

    /** @param lab the lab's title, printed first */
    LabReport(String lab) {
        this.lab = lab;
    }

    /** Records a check that earned all its points. */
    void pass(String name, int max) {
        checks.add(new Check(name, max, max, ""));
    }

    /** Records a check that earned nothing, with what was expected. */
    void fail(String name, int max, String message) {
        checks.add(new Check(name, 0, max, message));
    }

    /** Records a check by its outcome: passed when {@code message} is null. */
    void check(String name, int max, String message) {
        if (message == null) pass(name, max);
        else fail(name, max, message);
    }

    /**
     * Marks the hand-in as not gradable at all (missing file, compile error): every check of
     * {@code checks} (name and points) fails with {@code why}.
     */
    void unusable(String why, java.util.Map<String, Integer> checks) {
        fatal = why;
        for (var c : checks.entrySet()) fail(c.getKey(), c.getValue(), why);
    }

    /** {@return the checks, in the order they were graded} */
    public List<Check> checks() {
        return List.copyOf(checks);
    }

    /**
     * The check called {@code name}.
     *
     * @param name a check's name
     * @return the check
     * @throws java.util.NoSuchElementException when there is none
     */
    public Check named(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    /** {@return the points earned} */
    public int score() {
        return checks.stream().mapToInt(Check::points).sum();
    }

    /** {@return the points there are} */
    public int max() {
        return checks.stream().mapToInt(Check::max).sum();
    }

    /** {@return the first failed check's message, or the reason the hand-in could not be graded; empty when all passed} */
    public String firstFailure() {
        if (!fatal.isEmpty()) return fatal;
        return checks.stream().filter(c -> !c.passed()).map(Check::message).findFirst().orElse("");
    }

    /** {@return every failed check's message joined, for assertions and logs} */
    public String failures() {
        StringBuilder sb = new StringBuilder();
        for (Check c : checks) if (!c.passed()) sb.append(c.name()).append(": ").append(c.message()).append('\n');
        return sb.toString();
    }

    /** Prints the score, then one line per check and, under a failed one, what was expected. */
    void print(PrintStream out) {
        out.println(lab);
        if (!fatal.isEmpty()) out.println("  cannot grade: " + fatal);
        for (Check c : checks) {
            out.printf("  [%s] %-40s %d/%d%n", c.passed() ? "ok" : "FAIL", c.name(), c.points(), c.max());
            if (!c.passed() && fatal.isEmpty()) {
                for (String line : c.message().split("\n")) out.println("         " + line);
            }
        }
        out.println("score: " + score() + "/" + max());
    }
}
