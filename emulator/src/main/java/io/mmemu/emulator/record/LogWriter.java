package io.mmemu.emulator.record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a run log as the run goes ({@link RecordFormat}): the header at once, then each record
 * whole, into a shared memory mapping of the file that grows a window at a time. A store into the
 * mapping is in the host's page cache at once: a run killed outright (SIGKILL, the JVM crashing)
 * leaves every record appended before it, with no write syscall per record. The rest of the last
 * window is zeros, which {@link LogReader} takes as the end of a cut-short log (no record has tag
 * 0); {@link #close} cuts the file to its records.
 */
public final class LogWriter implements AutoCloseable {
    /** The mapping grows by this much (or by a record's size, when larger). */
    static final long WINDOW = 4L << 20;

    private final FileChannel channel;
    private final RecordFormat.Out payload = new RecordFormat.Out();
    private final RecordFormat.Out head = new RecordFormat.Out();
    private final RecordFormat.Deltas deltas = new RecordFormat.Deltas();
    private Arena arena;
    private MemorySegment window;
    /** The file offset of {@link #window}'s first byte. */
    private long windowStart;
    /** Bytes written into the window. */
    private long used;
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
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        RecordFormat.Out h = new RecordFormat.Out();
        h.bytes(RecordFormat.MAGIC, 0, RecordFormat.MAGIC.length);
        h.put(RecordFormat.VERSION);
        h.string(configJson);
        try {
            map(0, Math.max(WINDOW, h.len));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        put(h);
    }

    /** Maps {@code size} bytes of the file from {@code start} (the file grows to hold them). */
    private void map(long start, long size) throws IOException {
        if (arena != null) arena.close();
        arena = Arena.ofShared();
        window = channel.map(FileChannel.MapMode.READ_WRITE, start, size, arena);
        windowStart = start;
        used = 0;
    }

    private void put(RecordFormat.Out o) {
        MemorySegment.copy(o.buf, 0, window, ValueLayout.JAVA_BYTE, used, o.len);
        used += o.len;
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
        long need = head.len + payload.len;
        try {
            if (used + need > window.byteSize()) map(windowStart + used, Math.max(WINDOW, need));
        } catch (IOException e) {
            failure = e;
            return;
        }
        put(head);
        put(payload);
        records++;
    }

    /** {@return the records appended so far} */
    public long records() {
        return records;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            arena.close();
            channel.truncate(windowStart + used);
            channel.close();
        } catch (IOException e) {
            if (failure == null) failure = e;
        }
        if (failure != null) throw new UncheckedIOException("writing the run log: " + failure.getMessage(), failure);
    }
}
