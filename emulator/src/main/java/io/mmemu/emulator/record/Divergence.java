package io.mmemu.emulator.record;

import java.util.List;

/**
 * Where a replay first differed from its recording.
 *
 * @param record   the number of the recorded record that differed (1 for the first record after the header)
 * @param expected the recorded record, or null when the log had ended
 * @param actual   what the replay made there, or null when the replay ended first
 * @param part     which part of the state differed (a register, a frame, a VMA...), or the record's fields that did
 * @param before   the last records both agreed on, oldest first
 */
public record Divergence(int record, LogRecord expected, LogRecord actual, String part, List<LogRecord> before) {
    /** {@return the report: where, what differs, and the events before it} */
    public String report() {
        StringBuilder b = new StringBuilder("replay diverged at record ").append(record);
        LogRecord at = expected != null ? expected : actual;
        if (at != null) b.append(" (").append(at.pos()).append(')');
        b.append('\n');
        b.append("  recorded: ").append(expected == null ? "(end of log)" : expected.describe() + " at " + expected.pos())
                .append('\n');
        b.append("  replayed: ").append(actual == null ? "(the run ended)" : actual.describe() + " at " + actual.pos())
                .append('\n');
        b.append("  differs:  ").append(part).append('\n');
        if (!before.isEmpty()) {
            b.append("  last events before it:\n");
            int n = record - before.size();
            for (LogRecord r : before) b.append("    #").append(n++).append(' ').append(r.describe()).append(" at ")
                    .append(r.pos()).append('\n');
        }
        return b.toString();
    }
}
