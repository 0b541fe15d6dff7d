package io.mmemu.emulator.record;

/** A run log that cannot be read: not a log, another version, or damaged before its last record. */
public final class LogFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * A log that cannot be read.
     *
     * @param message what is wrong, for a one-line error
     */
    public LogFormatException(String message) {
        super(message);
    }
}
