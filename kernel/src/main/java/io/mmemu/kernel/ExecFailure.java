package io.mmemu.kernel;

/** exec failed: {@code errno} is what execve() would return, the message says what was wrong. */
public final class ExecFailure extends Exception {
    private static final long serialVersionUID = 1L;
    /** The positive errno execve() would fail with (EACCES, ENOENT, ENOMEM, E2BIG, EFAULT...). */
    private final int errno;

    /**
     * An exec that failed as execve() would.
     *
     * @param errno   the positive errno execve() would return (as -errno)
     * @param message what was wrong, for people
     */
    public ExecFailure(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /**
     * Why execve() would fail.
     *
     * @return the positive errno number
     */
    public int errno() {
        return errno;
    }
}
