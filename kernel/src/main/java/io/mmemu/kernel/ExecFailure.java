package io.mmemu.kernel;

/** exec failed: {@code errno} is what execve() would return, the message says what was wrong. */
public final class ExecFailure extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public ExecFailure(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
