package io.mmemu.mm.pgtable;

/** The kind of memory access a translation is for. */
public final class Access {
    private Access() {}

    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int FETCH = 2;

    public static String name(int access) {
        return switch (access) {
            case READ -> "read";
            case WRITE -> "write";
            case FETCH -> "fetch";
            default -> "access " + access;
        };
    }
}
