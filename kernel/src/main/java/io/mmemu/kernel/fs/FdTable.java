package io.mmemu.kernel.fs;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A process's file-descriptor table (struct files_struct): descriptors are the lowest free
 * numbers (alloc_fd()), each with its close-on-exec flag. The caller passes the end, the
 * process's RLIMIT_NOFILE soft limit, so that a raised limit lets more descriptors be opened
 * and a lowered one refuses new ones above it (EMFILE) while those already open stay.
 *
 * <p>As in fs/file.c, the open descriptors are a bitmap searched from {@code nextFd}, the lowest
 * descriptor that may be free, so that opening a million descriptors in a row is linear.
 */
public final class FdTable {
    /** RLIMIT_NOFILE's default soft limit (INR_OPEN_CUR). */
    public static final int NOFILE = 1024;
    static final int EMFILE = 24;

    private final List<OpenFile> files = new ArrayList<>();
    private final List<Boolean> cloexec = new ArrayList<>();
    /** open_fds: which descriptors are in use. */
    private final BitSet openFds = new BitSet();
    /** files->next_fd: no descriptor below it is free. */
    private int nextFd;
    /** Called when an open file loses its last descriptor (__fput()): pipes notice closed ends. */
    private final java.util.function.Consumer<OpenFile> onRelease;

    /**
     * An empty table, as a new process's before it opens its standard streams.
     *
     * @param onRelease called with an open file when its last descriptor closes (__fput())
     */
    public FdTable(java.util.function.Consumer<OpenFile> onRelease) {
        this.onRelease = onRelease;
    }

    private void put(OpenFile f) {
        if (f.put()) onRelease.accept(f);
    }

    /**
     * Installs {@code f} at the lowest free descriptor below {@code end} (alloc_fd(), fd_install()).
     *
     * @param f           the open file, referenced once more
     * @param closeOnExec the descriptor's FD_CLOEXEC flag
     * @param end         one past the highest descriptor allowed: RLIMIT_NOFILE's soft limit
     * @return the new descriptor, or -EMFILE when none is left below {@code end}
     */
    public int install(OpenFile f, boolean closeOnExec, int end) {
        return installFrom(0, f, closeOnExec, end);
    }

    /**
     * fdt->max_fds: the size of the descriptor table, which grows and never shrinks. It starts as
     * the embedded NR_OPEN_DEFAULT (64) entries; expand_files() for descriptor {@code nr} sizes
     * it as alloc_fdtable() does (a power of two times 1024 / sizeof(struct file *) entries).
     * select() looks at no descriptor beyond it.
     *
     * @return the number of descriptors the table has room for
     */
    public int maxFds() {
        int nr = files.size() - 1; // the highest descriptor ever installed (the list never shrinks)
        if (nr < 64) return 64;
        int x = nr / 128 + 1;
        int roundedUp = Integer.bitCount(x) == 1 ? x : Integer.highestOneBit(x) << 1; // roundup_pow_of_two()
        return roundedUp * 128;
    }

    /**
     * Models dup_fd() for fork: the same open files (shared offsets), each referenced once more.
     *
     * @return the child's table, with the same descriptors and close-on-exec flags
     */
    public FdTable copy() {
        FdTable t = new FdTable(onRelease);
        for (int fd = openFds.nextSetBit(0); fd >= 0; fd = openFds.nextSetBit(fd + 1)) {
            t.installAt(fd, files.get(fd), cloexec.get(fd));
        }
        t.nextFd = nextFd;
        return t;
    }

    /** Closes every descriptor (exit_files()). */
    public void closeAll() {
        for (int fd = openFds.nextSetBit(0); fd >= 0; fd = openFds.nextSetBit(fd + 1)) close(fd);
    }

    /** Closes the close-on-exec descriptors (do_close_on_exec()). */
    public void closeOnExec() {
        for (int fd = openFds.nextSetBit(0); fd >= 0; fd = openFds.nextSetBit(fd + 1)) {
            if (cloexec.get(fd)) close(fd);
        }
    }

    /**
     * Models alloc_fd(start, end): installs {@code f} at the lowest free descriptor not below
     * {@code min} and below {@code end} (F_DUPFD).
     *
     * @param min         the lowest descriptor to consider
     * @param f           the open file, referenced once more
     * @param closeOnExec the descriptor's FD_CLOEXEC flag
     * @param end         one past the highest descriptor allowed: RLIMIT_NOFILE's soft limit
     * @return the new descriptor, or -EMFILE when there is none in [min, end)
     */
    public int installFrom(int min, OpenFile f, boolean closeOnExec, int end) {
        int fd = openFds.nextClearBit(Math.max(min, nextFd));
        if (fd >= end) return -EMFILE;
        installAt(fd, f, closeOnExec);
        if (min <= nextFd) nextFd = fd + 1;
        return fd;
    }

    /**
     * The descriptor alloc_fd() would give now, without taking it (get_unused_fd_flags() reserves
     * it; the caller installs it with {@link #installAt} once the file exists).
     *
     * @param min the lowest descriptor to consider
     * @param end one past the highest descriptor allowed: RLIMIT_NOFILE's soft limit
     * @return the lowest free descriptor in [min, end), or -EMFILE
     */
    public int lowestFree(int min, int end) {
        int fd = openFds.nextClearBit(Math.max(min, nextFd));
        return fd >= end ? -EMFILE : fd;
    }

    /**
     * Puts {@code f} at {@code fd}, closing what was there (dup2()'s do_dup2()).
     *
     * @param fd          the descriptor, which need not be free; the caller checks it against the limit
     * @param f           the open file, referenced once more
     * @param closeOnExec the descriptor's FD_CLOEXEC flag
     */
    public void installAt(int fd, OpenFile f, boolean closeOnExec) {
        while (files.size() <= fd) {
            files.add(null);
            cloexec.add(false);
        }
        OpenFile old = files.get(fd);
        f.get();
        files.set(fd, f);
        cloexec.set(fd, closeOnExec);
        openFds.set(fd);
        if (old != null) put(old);
    }

    /**
     * The descriptors in use, in increasing order (what /proc/PID/fd lists).
     *
     * @return the open descriptors
     */
    public int[] openFds() {
        return openFds.stream().toArray();
    }

    /**
     * The open file at a descriptor (fget()).
     *
     * @param fd the descriptor as the guest passed it, any value
     * @return the open file, or null when {@code fd} is not open (EBADF)
     */
    public OpenFile get(long fd) {
        return fd >= 0 && fd < files.size() ? files.get((int) fd) : null;
    }

    /**
     * Models close_fd(): frees the descriptor and drops its reference to the open file.
     *
     * @param fd the descriptor as the guest passed it, any value
     * @return false when {@code fd} was not open (EBADF)
     */
    public boolean close(long fd) {
        OpenFile f = get(fd);
        if (f == null) return false;
        files.set((int) fd, null);
        openFds.clear((int) fd);
        if (fd < nextFd) nextFd = (int) fd; // __put_unused_fd()
        put(f);
        return true;
    }

    /**
     * The close-on-exec flag of a descriptor (F_GETFD).
     *
     * @param fd an open descriptor
     * @return whether execve() closes it
     */
    public boolean closeOnExec(int fd) {
        return cloexec.get(fd);
    }

    /**
     * Sets the close-on-exec flag of a descriptor (F_SETFD).
     *
     * @param fd    an open descriptor
     * @param value whether execve() closes it
     */
    public void setCloseOnExec(int fd, boolean value) {
        cloexec.set(fd, value);
    }
}
