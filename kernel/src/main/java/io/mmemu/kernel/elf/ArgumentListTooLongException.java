package io.mmemu.kernel.elf;

/** The argument and environment strings exceed Linux's limits: execve() would fail with E2BIG. */
public final class ArgumentListTooLongException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * The failure, with which limit the strings broke.
     *
     * @param message names the limit exceeded (MAX_ARG_STRLEN for one string, bprm_stack_limits()'s for all) and by
     *                what
     */
    public ArgumentListTooLongException(String message) {
        super(message);
    }
}
