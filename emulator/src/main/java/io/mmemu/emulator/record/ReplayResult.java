package io.mmemu.emulator.record;

import io.mmemu.emulator.run.RunResult;

/**
 * What a replay found.
 *
 * @param divergence   the first difference from the log, or null when there was none
 * @param truncatedLog whether the log stops before the run's end (a killed recording): then the
 *                     replay can agree only up to the log's last record
 * @param matched      the log's records the replay agreed with
 * @param records      the records in the log
 * @param checkpoints  the checkpoints compared and found equal
 * @param run          how the replayed run ended (cut short after a divergence)
 */
public record ReplayResult(Divergence divergence, boolean truncatedLog, int matched, int records, int checkpoints,
        RunResult run) {
    /** Exit status of {@code mmemu replay} for a replay that diverged. */
    public static final int EXIT_DIVERGED = 3;
    /** Exit status for a replay of a cut-short log that agreed with every record it has. */
    public static final int EXIT_TRUNCATED = 4;

    /** {@return whether the replay agreed with every record of a whole log, its end included} */
    public boolean identical() {
        return divergence == null && !truncatedLog;
    }

    /** {@return whether the replay agreed with every record the log has (for a cut-short log: up to its end)} */
    public boolean agreedWithLog() {
        return divergence == null || truncatedLog && divergence.expected() == null;
    }

    /** {@return the exit status mmemu replay gives: 0, {@link #EXIT_TRUNCATED} or {@link #EXIT_DIVERGED}} */
    public int exitStatus() {
        if (identical()) return 0;
        return agreedWithLog() ? EXIT_TRUNCATED : EXIT_DIVERGED;
    }

    /** {@return one line (or the divergence report) saying what the replay found} */
    public String summary() {
        if (identical()) {
            return "replay identical: " + matched + " records, " + checkpoints + " checkpoints, status " + run.status();
        }
        if (agreedWithLog()) {
            return "replay agreed with all " + records + " records of a cut-short log (" + checkpoints
                    + " checkpoints); the recording stopped there, so nothing after it was checked";
        }
        return divergence.report().stripTrailing();
    }
}
