package io.mmemu.kernel.elf;

/** The argument and environment strings exceed Linux's limits: execve() would fail with E2BIG. */
public final class ArgumentListTooLongException extends Exception {
    private static final long serialVersionUID = 1L;

    public ArgumentListTooLongException(String message) {
        super(message);
    }
}
