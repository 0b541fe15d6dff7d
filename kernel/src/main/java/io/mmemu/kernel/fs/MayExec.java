package io.mmemu.kernel.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a host file may be executed, as do_open_execat() (fs/exec.c) decides before it reads a
 * byte: may_open() with MAY_EXEC (fs/namei.c) refuses a directory, a FIFO, a socket or a device
 * with EACCES, and generic_permission() refuses a regular file without any execute bit, even to
 * root (CAP_DAC_OVERRIDE grants MAY_EXEC only when one of u/g/o has x). The file is never opened
 * here: opening a FIFO for reading would block until a writer comes, which is how a FIFO given
 * as the program used to hang mmemu.
 */
public final class MayExec {
    static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000, S_IFBLK = 060000,
            S_IFDIR = 040000, S_IFCHR = 020000, S_IFIFO = 010000;

    private MayExec() {}

    /**
     * Models may_open(MAY_EXEC) on a host file, links followed.
     *
     * @param p the host file to run
     * @return null when it may run, else why not, as the message of an EACCES
     */
    public static String denied(Path p) {
        int mode;
        try {
            mode = ((Number) Files.getAttribute(p, "unix:mode")).intValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "Permission denied (cannot read its attributes)";
        }
        return denied(mode);
    }

    /** The decision for an inode of mode {@code mode} (type and permission bits). */
    static String denied(int mode) {
        String kind = switch (mode & S_IFMT) {
            case S_IFREG -> null;
            case S_IFDIR -> "a directory";
            case S_IFIFO -> "a FIFO";
            case S_IFSOCK -> "a socket";
            case S_IFCHR -> "a character device";
            case S_IFBLK -> "a block device";
            default -> "not a regular file";
        };
        if (kind != null) return "Permission denied (" + kind + ", not a regular file)";
        return (mode & 0111) == 0 ? "Permission denied (no execute permission)" : null;
    }
}
