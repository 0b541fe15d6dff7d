package io.mmemu.emulator.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads a run log whole ({@link RecordFormat}), stopping cleanly at a record cut short. */
public final class LogReader {
    private LogReader() {}

    /**
     * Reads {@code file}.
     *
     * @param file the log
     * @return its configuration, its records in order, and whether it ends with a whole run
     * @throws IOException        when the file cannot be read
     * @throws LogFormatException when it is not a run log of this version, or a whole record is malformed
     */
    public static RunLog read(Path file) throws IOException, LogFormatException {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new LogFormatException(file + ": no such file");
        }
        int m = RecordFormat.MAGIC.length;
        if (b.length < m + 1 || !Arrays.equals(b, 0, m, RecordFormat.MAGIC, 0, m)) {
            throw new LogFormatException(file + ": not an mmemu run log (no MMEMUREC magic)");
        }
        int version = b[m] & 0xff;
        if (version != RecordFormat.VERSION) {
            throw new LogFormatException(file + ": run log version " + version + ", this mmemu reads version "
                    + RecordFormat.VERSION);
        }
        RecordFormat.In in = new RecordFormat.In(b, m + 1, b.length);
        String config;
        try {
            config = in.string();
        } catch (LogFormatException e) {
            throw new LogFormatException(file + ": the header is cut short");
        }
        List<LogRecord> records = new ArrayList<>();
        boolean truncated = false;
        RecordFormat.Deltas deltas = new RecordFormat.Deltas();
        int at = in.offset();
        while (at < b.length) {
            RecordFormat.In h = new RecordFormat.In(b, at, b.length);
            int tag;
            int len;
            try {
                tag = h.u8();
                if (tag == 0) { // the zeros past the last record of a run killed while writing (LogWriter)
                    truncated = true;
                    break;
                }
                len = h.varint32();
            } catch (LogFormatException e) {
                truncated = true;
                break;
            }
            int start = h.offset();
            if (b.length - start < len) {
                truncated = true; // the last record was being written when the run was killed
                break;
            }
            RecordFormat.In payload = new RecordFormat.In(b, start, start + len);
            LogRecord r;
            try {
                r = RecordFormat.decode(tag, payload, deltas);
            } catch (LogFormatException e) {
                throw new LogFormatException(file + ": record " + (records.size() + 1) + " (byte " + at + "): "
                        + e.getMessage());
            }
            if (r != null) records.add(r);
            at = start + len;
        }
        boolean complete = !records.isEmpty() && records.getLast() instanceof LogRecord.End;
        return new RunLog(config, records, truncated || !complete);
    }

    /**
     * A run log as read.
     *
     * @param configJson the run's configuration (RunConfig's JSON form)
     * @param records    the records, in order
     * @param truncated  true when the log stops before the run's end record (a killed run)
     */
    public record RunLog(String configJson, List<LogRecord> records, boolean truncated) {
        /** {@return the injected faults the log holds, in order} */
        public List<LogRecord.Inject> injections() {
            List<LogRecord.Inject> out = new ArrayList<>();
            for (LogRecord r : records) if (r instanceof LogRecord.Inject i) out.add(i);
            return out;
        }

        /** {@return the end record, or null for a truncated log} */
        public LogRecord.End end() {
            return !records.isEmpty() && records.getLast() instanceof LogRecord.End e ? e : null;
        }
    }
}
