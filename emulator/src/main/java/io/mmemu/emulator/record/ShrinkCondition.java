package io.mmemu.emulator.record;

import io.mmemu.emulator.run.RunResult;
import io.mmemu.emulator.run.SignalNames;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a shrunk run must still do ({@code mmemu shrink --until CONDITION}): end with an exit
 * status or a signal, print something matching a regular expression, or make a checker report.
 *
 * @param text the condition as written
 * @param kind which test
 * @param number the status or signal number, for those kinds
 * @param pattern the regular expression, for the output kinds
 */
public record ShrinkCondition(String text, Kind kind, int number, Pattern pattern) {
    /** The kinds of condition. */
    public enum Kind {
        /** {@code status=N}: the exit status as a shell reports it (128+N for signal N). */
        STATUS,
        /** {@code signal=SIGSEGV} or {@code signal=11}: a fatal signal killed the program. */
        SIGNAL,
        /** {@code stdout~REGEX}: the guest's stdout contains a match. */
        STDOUT,
        /** {@code stderr~REGEX}: the guest's stderr contains a match. */
        STDERR,
        /** {@code stale-translation}: the stale-translation checker found an entry (needs --check-tlb in the run). */
        STALE_TRANSLATION,
        /** {@code slub-report}: validate_slab_cache() found a problem in a slab cache after the run. */
        SLUB_REPORT
    }

    /** The forms, for the error message. */
    public static final String FORMS = "status=N, signal=NAME|N, stdout~REGEX, stderr~REGEX, stale-translation, slub-report";

    /**
     * Reads a condition.
     *
     * @param text the condition
     * @return it
     * @throws IllegalArgumentException naming the forms there are, when it is none of them
     */
    public static ShrinkCondition parse(String text) {
        try {
            if (text.startsWith("status=")) {
                int n = Integer.parseInt(text.substring(7));
                if (n < 0 || n > 255) throw new IllegalArgumentException("--until " + text + ": a status is 0 to 255");
                return new ShrinkCondition(text, Kind.STATUS, n, null);
            }
            if (text.startsWith("signal=")) {
                String s = text.substring(7);
                int n = s.chars().allMatch(Character::isDigit) && !s.isEmpty() ? Integer.parseInt(s) : signalNumber(s);
                if (n < 1 || n > 64) throw new IllegalArgumentException("--until " + text + ": no signal '" + s + "'");
                return new ShrinkCondition(text, Kind.SIGNAL, n, null);
            }
            if (text.startsWith("stdout~")) return new ShrinkCondition(text, Kind.STDOUT, 0, Pattern.compile(text.substring(7)));
            if (text.startsWith("stderr~")) return new ShrinkCondition(text, Kind.STDERR, 0, Pattern.compile(text.substring(7)));
            if (text.equals("stale-translation")) return new ShrinkCondition(text, Kind.STALE_TRANSLATION, 0, null);
            if (text.equals("slub-report")) return new ShrinkCondition(text, Kind.SLUB_REPORT, 0, null);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--until " + text + ": expected a number after '='");
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--until " + text + ": bad regular expression: " + e.getDescription());
        }
        throw new IllegalArgumentException("--until " + text + ": expected one of " + FORMS);
    }

    /** The number of signal {@code name} (SIGSEGV or SEGV, any case), or -1. */
    private static int signalNumber(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT);
        if (!n.startsWith("SIG")) n = "SIG" + n;
        for (int i = 1; i <= 64; i++) if (SignalNames.name(i).equals(n)) return i;
        return -1;
    }

    /**
     * Whether a run meets the condition.
     *
     * @param r      how it ended
     * @param stdout the guest's stdout
     * @param stderr the guest's stderr
     * @return true when it does
     */
    public boolean holds(RunResult r, String stdout, String stderr) {
        return switch (kind) {
            case STATUS -> r.status() == number;
            case SIGNAL -> r.signal() == number;
            case STDOUT -> pattern.matcher(stdout).find();
            case STDERR -> pattern.matcher(stderr).find();
            case STALE_TRANSLATION -> r.staleTranslations() > 0;
            case SLUB_REPORT -> r.slubProblems() > 0;
        };
    }
}
