package io.mmemu.emulator.record;

import io.mmemu.emulator.Machine;

/**
 * Records a run: every event the machine draws on and a checkpoint every {@link #interval} kernel
 * entries, appended to a {@link LogWriter} as they happen.
 */
final class Recorder extends EventTap {
    /** Kernel entries between checkpoints by default: about a millisecond of state hashing per thousand syscalls. */
    static final long DEFAULT_INTERVAL = 1000;

    private final LogWriter writer;
    private final long interval;
    private long lastCheckpoint;

    Recorder(Machine machine, LogWriter writer, long interval) {
        super(machine);
        this.writer = writer;
        this.interval = interval;
    }

    @Override
    void emit(LogRecord r) {
        writer.append(r);
    }

    @Override
    boolean checkpointDue(long entry) {
        if (entry - lastCheckpoint < interval) return false;
        lastCheckpoint = entry;
        return true;
    }
}
