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
    /** Called when an open file loses its last descriptor (__fput()): pipes notice closed ends. */
    private final java.util.function.Consumer<OpenFile> onRelease;

    public FdTable(java.util.function.Consumer<OpenFile> onRelease) {
        this.onRelease = onRelease;
    }

    private void put(OpenFile f) {
        if (f.put()) onRelease.accept(f);
    }

    /** Installs {@code f} at the lowest free descriptor (fd_install()); -EMFILE when none is left. */
    public int install(OpenFile f, boolean closeOnExec) {
        return installFrom(0, f, closeOnExec);
    }

    /** dup_fd() for fork: the same open files (shared offsets), each referenced once more. */
    public FdTable copy() {
        FdTable t = new FdTable(onRelease);
        for (int fd = 0; fd < files.size(); fd++) {
            OpenFile f = files.get(fd);
            if (f != null) t.installAt(fd, f, cloexec.get(fd));
        }
        return t;
    }

    /** Closes every descriptor (exit_files()). */
    public void closeAll() {
        for (int fd = 0; fd < files.size(); fd++) close(fd);
    }

    /** Closes the close-on-exec descriptors (do_close_on_exec()). */
    public void closeOnExec() {
        for (int fd = 0; fd < files.size(); fd++) {
            if (files.get(fd) != null && cloexec.get(fd)) close(fd);
        }
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
        OpenFile old = files.get(fd);
        f.get();
        files.set(fd, f);
        cloexec.set(fd, closeOnExec);
        if (old != null) put(old);
    }

    /** The open file at {@code fd}, or null (EBADF). */
    public OpenFile get(long fd) {
        return fd >= 0 && fd < files.size() ? files.get((int) fd) : null;
    }

    /** close(): false when {@code fd} was not open (EBADF). */
    public boolean close(long fd) {
        OpenFile f = get(fd);
        if (f == null) return false;
        files.set((int) fd, null);
        put(f);
        return true;
    }

    public boolean closeOnExec(int fd) {
        return cloexec.get(fd);
    }

    public void setCloseOnExec(int fd, boolean value) {
        cloexec.set(fd, value);
    }
}
