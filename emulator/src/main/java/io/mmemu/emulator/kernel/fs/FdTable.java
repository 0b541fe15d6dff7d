package io.mmemu.emulator.kernel.fs;

import java.util.ArrayList;
import java.util.List;

/**
 * A process's file-descriptor table (struct files_struct): descriptors are the lowest free
 * numbers (alloc_fd()), each with its close-on-exec flag; RLIMIT_NOFILE 1024 as Linux's default.
 */
public final class FdTable {
    public static final int NOFILE = 1024;

    private final List<OpenFile> files = new ArrayList<>();
    private final List<Boolean> cloexec = new ArrayList<>();

    /** Installs {@code f} at the lowest free descriptor (fd_install()); -EMFILE when none is left. */
    public int install(OpenFile f, boolean closeOnExec) {
        for (int fd = 0; fd < files.size(); fd++) {
            if (files.get(fd) == null) {
                files.set(fd, f);
                cloexec.set(fd, closeOnExec);
                return fd;
            }
        }
        if (files.size() >= NOFILE) return -24; // EMFILE
        files.add(f);
        cloexec.add(closeOnExec);
        return files.size() - 1;
    }

    /** Installs {@code f} at the lowest free descriptor not below {@code min} (F_DUPFD); -EMFILE when none. */
    public int installFrom(int min, OpenFile f, boolean closeOnExec) {
        for (int fd = min; fd < NOFILE; fd++) {
            if (get(fd) == null) {
                installAt(fd, f, closeOnExec);
                return fd;
            }
        }
        return -24; // EMFILE
    }

    /** Puts {@code f} at {@code fd}, closing what was there (dup2). */
    public void installAt(int fd, OpenFile f, boolean closeOnExec) {
        while (files.size() <= fd) {
            files.add(null);
            cloexec.add(false);
        }
        files.set(fd, f);
        cloexec.set(fd, closeOnExec);
    }

    /** The open file at {@code fd}, or null (EBADF). */
    public OpenFile get(long fd) {
        return fd >= 0 && fd < files.size() ? files.get((int) fd) : null;
    }

    /** close(): true if {@code fd} was open. */
    public boolean close(long fd) {
        if (get(fd) == null) return false;
        files.set((int) fd, null);
        return true;
    }

    public boolean closeOnExec(int fd) {
        return cloexec.get(fd);
    }

    public void setCloseOnExec(int fd, boolean value) {
        cloexec.set(fd, value);
    }
}
