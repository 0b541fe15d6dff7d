package io.mmemu.emulator.record;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a run log as the run goes ({@link RecordFormat}): the header at once, then each record
 * whole. The buffer goes to the file at every checkpoint, whenever it fills, and at {@link #close};
 * a JVM ended by a signal it can catch (SIGTERM, SIGINT) flushes it from a shutdown hook. A run
 * killed outright leaves the log up to the last record flushed, which {@link LogReader} reads.
 */
public final class LogWriter implements AutoCloseable {
    private final OutputStream out;
    private final RecordFormat.Out payload = new RecordFormat.Out();
    private final RecordFormat.Out head = new RecordFormat.Out();
    private final RecordFormat.Deltas deltas = new RecordFormat.Deltas();
    private final Thread flusher;
    private IOException failure;
    private long records;
    private boolean closed;

    /**
     * Creates (or truncates) {@code file} and writes the header.
     *
     * @param file       the log
     * @param configJson the run's configuration, as {@code RunConfig}'s JSON form
     * @throws IOException when the file cannot be written
     */
    public LogWriter(Path file, String configJson) throws IOException {
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        RecordFormat.Out h = new RecordFormat.Out();
        h.bytes(RecordFormat.MAGIC, 0, RecordFormat.MAGIC.length);
        h.put(RecordFormat.VERSION);
        h.string(configJson);
        out.write(h.buf, 0, h.len);
        out.flush();
        this.flusher = new Thread(this::flushQuietly, "mmemu-log-flush");
        Runtime.getRuntime().addShutdownHook(flusher);
    }

    /**
     * Appends {@code r}. An I/O error is kept and thrown by {@link #close} (the run goes on).
     *
     * @param r the record
     */
    public synchronized void append(LogRecord r) {
        if (closed || failure != null) return;
        int tag = RecordFormat.encode(r, payload, deltas);
        head.reset();
        head.put(tag);
        head.varint(payload.len);
        try {
            out.write(head.buf, 0, head.len);
            out.write(payload.buf, 0, payload.len);
            records++;
            if (r instanceof LogRecord.Checkpoint || r instanceof LogRecord.End) out.flush();
        } catch (IOException e) {
            failure = e;
        }
    }

    /** {@return the records appended so far} */
    public long records() {
        return records;
    }

    private synchronized void flushQuietly() {
        if (closed) return;
        try {
            out.flush();
        } catch (IOException e) {
            // the JVM is going down: nothing left to tell
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(flusher);
        } catch (IllegalStateException e) {
            // already shutting down: the hook flushes
        }
        try {
            out.close();
        } catch (IOException e) {
            if (failure == null) failure = e;
        }
        if (failure != null) throw new UncheckedIOException("writing the run log: " + failure.getMessage(), failure);
    }
}
