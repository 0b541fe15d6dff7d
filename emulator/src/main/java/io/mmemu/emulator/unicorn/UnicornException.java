package io.mmemu.emulator.unicorn;

/** A Unicorn call failed: {@link #error()} is the {@code uc_err} code, the message its {@code uc_strerror} text. */
public class UnicornException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** uc_err values used by the project. */
    public static final int UC_ERR_OK = 0;
    public static final int UC_ERR_NOMEM = 1;
    public static final int UC_ERR_HANDLE = 3;
    public static final int UC_ERR_READ_UNMAPPED = 6;
    public static final int UC_ERR_WRITE_UNMAPPED = 7;
    public static final int UC_ERR_FETCH_UNMAPPED = 8;
    public static final int UC_ERR_HOOK = 9;
    public static final int UC_ERR_INSN_INVALID = 10;
    public static final int UC_ERR_MAP = 11;
    public static final int UC_ERR_ARG = 15;
    public static final int UC_ERR_EXCEPTION = 21;

    private final int error;

    public UnicornException(String call, int error, String strerror) {
        super(call + " failed: " + strerror + " (uc_err " + error + ")");
        this.error = error;
    }

    UnicornException(String message, Throwable cause) {
        super(message, cause);
        this.error = -1;
    }

    /** The {@code uc_err} code, or -1 when the failure came from a Java hook. */
    public int error() {
        return error;
    }
}
