package io.mmemu.mm.pgtable;

/** The kind of memory access a translation is for. */
public final class Access {
    private Access() {}

    /** A data read. */
    public static final int READ = 0;
    /** A data write. */
    public static final int WRITE = 1;
    /** An instruction fetch. */
    public static final int FETCH = 2;

    /**
     * The access type's name for messages.
     *
     * @param access {@link #READ}, {@link #WRITE} or {@link #FETCH}
     * @return "read", "write" or "fetch"
     */
    public static String name(int access) {
        return switch (access) {
            case READ -> "read";
            case WRITE -> "write";
            case FETCH -> "fetch";
            default -> "access " + access;
        };
    }
}
