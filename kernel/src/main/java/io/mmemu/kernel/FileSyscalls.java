package io.mmemu.kernel;

import io.mmemu.kernel.fs.FdTable;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Stat;
import io.mmemu.kernel.fs.TmpfsInode;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The file syscalls (fs/open.c, fs/read_write.c, fs/stat.c, fs/fcntl.c, fs/namei.c) over the
 * minimal namespace of {@link Vfs}: each process has an {@link FdTable} whose 0, 1 and 2 are the
 * host's stdin, stdout and stderr.
 */
final class FileSyscalls {
    static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
    static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;
    static final int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
    static final int FD_CLOEXEC = 1;
    /** force_o_largefile(): open() on 64-bit adds O_LARGEFILE, which F_GETFL reports. */
    static final int O_LARGEFILE = 0x8000, O_RDWR = 2, O_WRONLY = 1;
    static final int PATH_MAX = 4096;
    /** MAX_RW_COUNT: the most one read or write moves. */
    static final int MAX_RW_COUNT = 0x7ffff000;

    private final UserAccess uaccess;
    private final Vfs vfs;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final Map<Integer, FdTable> tables = new TreeMap<>();
    private final Sleeping sleeping;
    /** rlimit(RLIMIT_NOFILE) of a task's process: the end of its descriptor table. */
    private final java.util.function.ToIntFunction<Task> nofile;

    /** What blocking calls need from the scheduler. */
    interface Sleeping {
        /** Makes every sleeping task runnable again; each re-executes its syscall (wait queues, coarsely). */
        void wakeAll();

        /** signal_pending(): an unblocked signal waits, so a sleep ends with EINTR. */
        boolean signalPending(Task task);

        /** Sends {@code sig} to the task (SIGPIPE). */
        void send(Task task, int sig);
    }

    FileSyscalls(UserAccess uaccess, Vfs vfs, InputStream stdin, OutputStream stdout, OutputStream stderr,
            Sleeping sleeping, java.util.function.ToIntFunction<Task> nofile) {
        this.uaccess = uaccess;
        this.nofile = nofile;
        this.sleeping = sleeping;
        this.vfs = vfs;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** The task's descriptor table, with the console on 0, 1 and 2 for a new process. */
    FdTable files(Task task) {
        return tables.computeIfAbsent(task.tgid(), k -> {
            FdTable t = new FdTable(this::release);
            t.install(new OpenFile(new OpenFile.Console(0), "/dev/stdin", 0), false, FdTable.NOFILE);
            t.install(new OpenFile(new OpenFile.Console(1), "/dev/stdout", O_WRONLY), false, FdTable.NOFILE);
            t.install(new OpenFile(new OpenFile.Console(2), "/dev/stderr", O_WRONLY), false, FdTable.NOFILE);
            return t;
        });
    }

    /** __fput() of a pipe end: the pipe learns it has one reader or writer less, and sleepers re-check. */
    private void release(OpenFile f) {
        if (f.content() instanceof OpenFile.PipeEnd e) {
            if (e.reader()) e.pipe().readers--;
            else e.pipe().writers--;
            sleeping.wakeAll();
        }
    }

    /** dup_fd() at fork: the child shares the parent's open files. */
    void forkFiles(Task parent, Task child) {
        tables.put(child.tgid(), files(parent).copy());
    }

    /** exit_files(). */
    void exitFiles(Task task) {
        FdTable t = tables.remove(task.tgid());
        if (t != null) t.closeAll();
    }

    /** do_close_on_exec(). */
    void execFiles(Task task) {
        files(task).closeOnExec();
    }

    /** Models do_pipe2(): two descriptors, installed only once the array could be written. */
    long pipe2(Task task, long fdsAddr, int flags) {
        if ((flags & ~(Vfs.O_CLOEXEC | O_NONBLOCK | O_DIRECT)) != 0) return -Errno.EINVAL;
        OpenFile.Pipe pipe = new OpenFile.Pipe();
        pipe.readers = 1;
        pipe.writers = 1;
        OpenFile r = new OpenFile(new OpenFile.PipeEnd(pipe, true), "pipe:", (flags & O_NONBLOCK));
        OpenFile w = new OpenFile(new OpenFile.PipeEnd(pipe, false), "pipe:", O_WRONLY | (flags & O_NONBLOCK));
        FdTable t = files(task);
        boolean cloexec = (flags & Vfs.O_CLOEXEC) != 0;
        int end = nofile.applyAsInt(task);
        int rfd = t.install(r, cloexec, end);
        if (rfd < 0) return rfd;
        int wfd = t.install(w, cloexec, end);
        if (wfd < 0) {
            t.close(rfd);
            return wfd;
        }
        byte[] b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(rfd).putInt(wfd).array();
        if (uaccess.copyToUser(task.mm(), fdsAddr, b, 0, 8) < 0) {
            t.close(rfd);
            t.close(wfd);
            return -Errno.EFAULT;
        }
        return 0;
    }

    static final int O_NONBLOCK = 0x800, O_DIRECT = 0x4000;

    /** pipe_read(): what is there, EOF with no writer left, else sleep (EAGAIN if non-blocking, EINTR on a signal). */
    private long pipeRead(Task task, OpenFile f, OpenFile.Pipe pipe, long buf, int n) {
        if (n == 0) return 0;
        if (pipe.available() == 0) {
            if (pipe.writers == 0) return 0;
            if ((f.flags() & O_NONBLOCK) != 0) return -Errno.EAGAIN;
            return sleeping.signalPending(task) ? -Errno.EINTR : LinuxSyscalls.BLOCK;
        }
        // Consume only once the copy succeeded, so that a bad buffer takes nothing out of the pipe.
        byte[] data = new byte[Math.min(n, pipe.available())];
        int k = pipe.peek(data, data.length);
        if (uaccess.copyToUser(task.mm(), buf, data, 0, k) < 0) return -Errno.EFAULT;
        pipe.consume(k);
        sleeping.wakeAll();
        return k;
    }

    /** pipe_write(): SIGPIPE/EPIPE without readers; writes of at most PIPE_BUF are atomic. */
    private long pipeWrite(Task task, OpenFile f, OpenFile.Pipe pipe, UserBytes data, int n) {
        if (pipe.readers == 0) {
            sleeping.send(task, Signals.SIGPIPE);
            return -Errno.EPIPE;
        }
        if (n == 0) return 0;
        boolean fits = n <= OpenFile.Pipe.PIPE_BUF ? pipe.free() >= n : pipe.free() > 0;
        if (!fits) {
            if ((f.flags() & O_NONBLOCK) != 0) return -Errno.EAGAIN;
            return sleeping.signalPending(task) ? -Errno.EINTR : LinuxSyscalls.BLOCK;
        }
        byte[] taken = new byte[Math.min(n, pipe.free())]; // what fits: at most the pipe's 64 KiB
        if (data.copy(0, taken, taken.length) < 0) return -Errno.EFAULT;
        int k = pipe.write(taken, taken.length);
        sleeping.wakeAll();
        return k;
    }

    private String path(MmStruct mm, long uaddr) {
        byte[] b = uaccess.strncpyFromUser(mm, uaddr, PATH_MAX);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Models getname_flags(): the name at {@code uaddr}, or an Integer errno: EFAULT, ENAMETOOLONG
     * when PATH_MAX bytes hold no NUL, and ENOENT for an empty name unless {@code emptyOk}
     * (LOOKUP_EMPTY).
     */
    private Object getname(MmStruct mm, long uaddr, boolean emptyOk) {
        String p = path(mm, uaddr);
        if (p == null) {
            // strncpy_from_user() stopped at a fault, or read PATH_MAX bytes without finding the end.
            boolean readable = uaccess.copyFromUser(mm, new byte[PATH_MAX], 0, uaddr, PATH_MAX) == 0;
            return readable ? -Errno.ENAMETOOLONG : -Errno.EFAULT;
        }
        return p.isEmpty() && !emptyOk ? (Object) (-Errno.ENOENT) : p;
    }

    /**
     * The path an *at() call names: absolute paths as they are, relative ones against the cwd
     * ("/") or the directory {@code dirfd} refers to; an Integer errno (EBADF, ENOTDIR) otherwise.
     */
    private Object resolveAt(Task task, int dirfd, String p) {
        if (p.startsWith("/") || dirfd == AT_FDCWD) return p;
        OpenFile dir = files(task).get(dirfd);
        if (dir == null) return -Errno.EBADF;
        if (!(dir.content() instanceof OpenFile.Directory)) return -Errno.ENOTDIR;
        return p.isEmpty() ? dir.path() : dir.path() + "/" + p;
    }

    /** The flags open() and openat() know (VALID_OPEN_FLAGS); others are dropped, never refused. */
    static final int VALID_OPEN_FLAGS = 0x7fffc3;
    /** O_PATH keeps only these (O_PATH_FLAGS). */
    static final int O_PATH = 0x200000, O_NOFOLLOW = 0x20000, O_TMPFILE_BIT = 0x400000,
            O_PATH_FLAGS = Vfs.O_DIRECTORY | O_NOFOLLOW | O_PATH | Vfs.O_CLOEXEC;

    /**
     * Models build_open_how() and build_open_flags() for open() and openat(): unknown flags are
     * dropped, O_PATH keeps only O_PATH_FLAGS, and what cannot be is EINVAL: O_CREAT with
     * O_DIRECTORY (it once created regular files), O_TMPFILE without O_DIRECTORY (__O_TMPFILE
     * alone) or with O_CREAT, or with a read-only access mode. The flags to open with (never negative), or
     * a negative errno.
     */
    static int buildOpenFlags(int flags) {
        flags &= VALID_OPEN_FLAGS;
        if ((flags & O_PATH) != 0) flags &= O_PATH_FLAGS;
        if ((flags & (Vfs.O_CREAT | Vfs.O_DIRECTORY)) == (Vfs.O_CREAT | Vfs.O_DIRECTORY)) return -Errno.EINVAL;
        if ((flags & O_TMPFILE_BIT) != 0) {
            int mask = O_TMPFILE_BIT | Vfs.O_DIRECTORY | Vfs.O_CREAT; // O_TMPFILE_MASK
            if ((flags & mask) != (O_TMPFILE_BIT | Vfs.O_DIRECTORY)) return -Errno.EINVAL;
            // The access mode must write; O_TRUNC, which asks for write permission too, does not count.
            if ((flags & Vfs.O_ACCMODE) == Vfs.O_RDONLY) return -Errno.EINVAL;
        }
        return flags;
    }

    /**
     * Models do_sys_openat2(): the flags first (build_open_flags()), then the name (getname():
     * EFAULT, ENAMETOOLONG, ENOENT when empty), and only then {@code dirfd} and the lookup;
     * {@code mode} is what a file O_CREAT makes gets, before the umask.
     */
    long openat(Task task, int dirfd, long pathname, int flags, int mode) {
        flags = buildOpenFlags(flags);
        if (flags < 0) return flags;
        Object name = getname(task.mm(), pathname, false);
        if (name instanceof Integer e) return e;
        String raw = (String) name;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        String p = (String) at;
        Object r = vfs.open(p, flags | O_LARGEFILE, mode, task);
        if (r instanceof Integer e) return e;
        return files(task).install((OpenFile) r, (flags & Vfs.O_CLOEXEC) != 0, nofile.applyAsInt(task));
    }

    long close(Task task, long fd) {
        return files(task).close(fd) ? 0 : -Errno.EBADF;
    }

    /** Models ksys_read(). */
    long read(Task task, long fd, long buf, long count) {
        OpenFile f = files(task).get(fd);
        if (f == null || (f.flags() & 3) == O_WRONLY) return -Errno.EBADF;
        if (count < 0) return -Errno.EINVAL;
        int n = (int) Math.min(count, MAX_RW_COUNT);
        if (f.content() instanceof OpenFile.Console c) {
            if (c.hostFd() != 0) return -Errno.EBADF;
            return readConsole(task.mm(), buf, n);
        }
        if (f.content() instanceof OpenFile.Directory) return -Errno.EISDIR;
        if (f.content() instanceof OpenFile.PipeEnd e) return e.reader() ? pipeRead(task, f, e.pipe(), buf, n) : -Errno.EBADF;
        if (f.content() instanceof OpenFile.Device d) {
            // read_zero() clears the buffer page by page and returns a short count at a bad page;
            // EFAULT only when nothing could be written.
            if (!d.zero() || n == 0) return 0;
            long done = 0;
            while (done < n) {
                int chunk = (int) Math.min(n - done, 4096 - ((buf + done) & 4095));
                if (uaccess.clearUser(task.mm(), buf + done, chunk) < 0) return done > 0 ? done : -Errno.EFAULT;
                done += chunk;
            }
            return done;
        }
        OpenFile.Readable b = (OpenFile.Readable) f.content();
        long r = readAt(task.mm(), b, f.pos(), buf, n);
        if (r > 0) f.setPos(f.pos() + r);
        return r;
    }

    /** Models ksys_pread64(). */
    long pread64(Task task, long fd, long buf, long count, long offset) {
        OpenFile f = files(task).get(fd);
        if (f == null || (f.flags() & 3) == O_WRONLY) return -Errno.EBADF;
        if (offset < 0 || count < 0) return -Errno.EINVAL;
        if (f.content() instanceof OpenFile.Directory) return -Errno.EISDIR;
        if (!(f.content() instanceof OpenFile.Readable b)) return -Errno.ESPIPE;
        return readAt(task.mm(), b, offset, buf, (int) Math.min(count, MAX_RW_COUNT));
    }

    /**
     * Copies file bytes out page by page: a bad page ends the read with what was copied before it
     * (a short count). One page of Java buffer at a time, since a sparse tmpfs file can be far
     * larger than the host heap.
     */
    private long readAt(MmStruct mm, OpenFile.Readable b, long pos, long buf, int n) {
        long avail = Math.max(0, b.size() - pos);
        int len = (int) Math.min(n, avail);
        if (len == 0) return 0;
        byte[] data = new byte[Math.min(len, 4096)];
        int done = 0;
        while (done < len) {
            int chunk = (int) Math.min(len - done, 4096 - ((buf + done) & 4095));
            b.read(pos + done, data, 0, chunk);
            if (uaccess.copyToUser(mm, buf + done, data, 0, chunk) < 0) return done > 0 ? done : -Errno.EFAULT;
            done += chunk;
        }
        return done;
    }

    private long readConsole(MmStruct mm, long buf, int n) {
        try {
            byte[] data = new byte[Math.min(n, 65536)];
            int got = stdin.read(data);
            if (got <= 0) return 0;
            return uaccess.copyToUser(mm, buf, data, 0, got) < 0 ? -Errno.EFAULT : got;
        } catch (IOException e) {
            return -Errno.EIO;
        }
    }

    /** Models ksys_write(): the console, pipes, the memory devices and tmpfs files; other files are read-only (EBADF, as for an O_RDONLY file). */
    long write(Task task, long fd, long buf, long count) {
        OpenFile f = writable(task, fd);
        if (f == null) return -Errno.EBADF;
        if (count < 0) return -Errno.EINVAL;
        int n = (int) Math.min(count, MAX_RW_COUNT);
        if (f.content() instanceof OpenFile.Shmem s) {
            long pos = (f.flags() & O_APPEND) != 0 ? s.size() : f.pos();
            long r = shmemWrite(task.mm(), s.inode(), pos, buf, n);
            if (r > 0) f.setPos(pos + r);
            return r;
        }
        UserBytes data = new UserBytes(task.mm(), new long[] {buf}, new long[] {n});
        if (!data.readable(0)) return -Errno.EFAULT;
        return emit(task, f, data, n);
    }

    /** The open file at {@code fd} if it can be written: stdout, stderr, pipe write ends, devices and tmpfs files opened for writing. */
    OpenFile writable(Task task, long fd) {
        OpenFile f = files(task).get(fd);
        if (f == null) return null;
        if (f.content() instanceof OpenFile.Device || f.content() instanceof OpenFile.Shmem) return (f.flags() & 3) != 0 ? f : null;
        if (f.content() instanceof OpenFile.Console c) return c.hostFd() != 0 ? f : null;
        return f.content() instanceof OpenFile.PipeEnd e && !e.reader() ? f : null;
    }

    /** Models do_readv(): fills the buffers in order until the file runs short. */
    long readv(Task task, long fd, long iov, long iovcnt) {
        if (iovcnt < 0 || iovcnt > 1024) return -Errno.EINVAL;
        byte[] vec = new byte[(int) iovcnt * 16];
        if (uaccess.copyFromUser(task.mm(), vec, 0, iov, vec.length) < 0) return -Errno.EFAULT;
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(vec).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long total = 0;
        for (int i = 0; i < iovcnt; i++) {
            long base = bb.getLong(16 * i), len = bb.getLong(16 * i + 8);
            if (len < 0) return -Errno.EINVAL;
            if (len == 0) continue;
            long r = read(task, fd, base, len);
            if (r < 0) return total > 0 ? total : r;
            total += r;
            if (r < len) break;
        }
        return total;
    }

    /** The most guest bytes the host holds at once while writing them to a file. */
    static final int WRITE_PIECE = 64 << 10;

    /**
     * Guest bytes to be written: {@code lens[i]} bytes at {@code bases[i]}, in order (a write()'s
     * buffer or a writev()'s iovecs), read from the guest only as far as the file takes them, a
     * piece at a time, so that a huge count costs the host no more than what it moves.
     */
    final class UserBytes {
        private final MmStruct mm;
        private final long[] bases;
        private final long[] lens;

        UserBytes(MmStruct mm, long[] bases, long[] lens) {
            this.mm = mm;
            this.bases = bases;
            this.lens = lens;
        }

        /** Whether segment {@code i} can be read whole, faulting its pages in as copy_from_user() would, in order. */
        boolean readable(int i) {
            long va = bases[i];
            for (long left = lens[i]; left > 0; ) {
                if (!uaccess.faultIn(mm, va, false)) return false;
                long step = 4096 - (va & 4095);
                va += step;
                left -= step;
            }
            return true;
        }

        /** Copies bytes [from, from + len) of the gathered segments into {@code dst}: 0 or -EFAULT. */
        int copy(long from, byte[] dst, int len) {
            int done = 0;
            long segStart = 0;
            for (int i = 0; i < bases.length && done < len; i++) {
                long segEnd = segStart + lens[i];
                long at = from + done;
                if (at < segEnd) {
                    int piece = (int) Math.min(len - done, segEnd - at);
                    if (uaccess.copyFromUser(mm, dst, done, bases[i] + (at - segStart), piece) < 0) return -Errno.EFAULT;
                    done += piece;
                }
                segStart = segEnd;
            }
            return 0;
        }
    }

    /**
     * Writes the first {@code n} of {@code data}'s bytes (known to be readable) to a writable open
     * file (see {@link #writable}): a tmpfs file and the console get them {@link #WRITE_PIECE} at a
     * time, a pipe what fits, /dev/null and /dev/zero none.
     */
    long emit(Task task, OpenFile f, UserBytes data, int n) {
        if (f.content() instanceof OpenFile.PipeEnd e) return pipeWrite(task, f, e.pipe(), data, n);
        if (f.content() instanceof OpenFile.Device) return n; // write_null(), write_zero()
        byte[] piece = new byte[Math.min(n, WRITE_PIECE)];
        if (f.content() instanceof OpenFile.Shmem s) {
            long pos = (f.flags() & O_APPEND) != 0 ? s.size() : f.pos();
            if (pos + n < 0 || pos + n > TmpfsInode.MAX_LFS_FILESIZE) return -Errno.EFBIG; // as one write of all n
            long done = 0;
            while (done < n) {
                int len = (int) Math.min(n - done, piece.length);
                if (data.copy(done, piece, len) < 0) return done > 0 ? done : -Errno.EFAULT;
                long r = s.inode().write(pos + done, piece, 0, len);
                if (r < 0) return done > 0 ? done : r;
                done += r;
                if (r < len) break;
            }
            if (done > 0) f.setPos(pos + done);
            return done;
        }
        if (!(f.content() instanceof OpenFile.Console c) || c.hostFd() == 0) return -Errno.EBADF;
        OutputStream out = c.hostFd() == 1 ? stdout : stderr;
        try {
            for (long done = 0; done < n; done += piece.length) {
                int len = (int) Math.min(n - done, piece.length);
                if (data.copy(done, piece, len) < 0) return done > 0 ? done : -Errno.EFAULT;
                out.write(piece, 0, len);
            }
            out.flush();
        } catch (IOException e) {
            return -Errno.EIO;
        }
        return n;
    }

    /** Models ksys_lseek(). */
    long lseek(Task task, long fd, long offset, int whence) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        if (!(f.content() instanceof OpenFile.Readable b)) return -Errno.ESPIPE;
        long base = switch (whence) {
            case SEEK_SET -> 0;
            case SEEK_CUR -> f.pos();
            case SEEK_END -> b.size();
            default -> Long.MIN_VALUE;
        };
        if (base == Long.MIN_VALUE) return -Errno.EINVAL;
        long pos = base + offset;
        if (pos < 0) return -Errno.EINVAL;
        f.setPos(pos);
        return pos;
    }

    private long putStat(MmStruct mm, Stat st, long statbuf) {
        byte[] b = st.toBytes();
        return uaccess.copyToUser(mm, statbuf, b, 0, b.length) < 0 ? -Errno.EFAULT : 0;
    }

    private static Stat statOf(OpenFile f) {
        return switch (f.content()) {
            case OpenFile.Readable b -> b.stat();
            case OpenFile.Console c -> Stat.console(c.hostFd());
            case OpenFile.Directory d -> d.stat();
            case OpenFile.Device d -> d.stat();
            case OpenFile.PipeEnd p -> new Stat(0xd, 1000, 1, Stat.S_IFIFO | 0600, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        };
    }

    long fstat(Task task, long fd, long statbuf) {
        OpenFile f = files(task).get(fd);
        return f == null ? -Errno.EBADF : putStat(task.mm(), statOf(f), statbuf);
    }

    /** Models vfs_fstatat(): AT_EMPTY_PATH on a descriptor, else a path. */
    long newfstatat(Task task, int dirfd, long pathname, long statbuf, int flags) {
        String raw = path(task.mm(), pathname);
        if (raw == null) return -Errno.EFAULT;
        if (raw.isEmpty()) {
            if ((flags & AT_EMPTY_PATH) == 0) return -Errno.ENOENT;
            return dirfd == AT_FDCWD ? putStat(task.mm(), rootStat(), statbuf) : fstat(task, dirfd, statbuf);
        }
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        String p = (String) at;
        if ((flags & AT_SYMLINK_NOFOLLOW) != 0) {
            byte[] target = vfs.linkTarget(p, task);
            if (target != null) {
                Stat link = new Stat(0x16, p.hashCode() & 0xffff, 1, 0120777, 0, 0, 0, target.length, 1024, 0, 0, 0, 0,
                        0, 0, 0);
                return putStat(task.mm(), link, statbuf);
            }
        }
        Object r = vfs.open(p, 0, task);
        if (r instanceof Integer e) return e == -Errno.EISDIR ? putStat(task.mm(), rootStat(), statbuf) : e;
        return putStat(task.mm(), statOf((OpenFile) r), statbuf);
    }

    private static Stat rootStat() {
        return new Stat(0x801, 2, 2, Stat.S_IFDIR | 0755, 0, 0, 0, 4096, 4096, 8, 0, 0, 0, 0, 0, 0);
    }

    /** Models do_fcntl() for descriptor flags, status flags and duplication. */
    long fcntl(Task task, long fd, int cmd, long arg) {
        FdTable t = files(task);
        OpenFile f = t.get(fd);
        if (f == null) return -Errno.EBADF;
        return switch (cmd) {
            case F_GETFD -> t.closeOnExec((int) fd) ? FD_CLOEXEC : 0;
            case F_SETFD -> {
                t.setCloseOnExec((int) fd, (arg & FD_CLOEXEC) != 0);
                yield 0;
            }
            // do_dentry_open() clears the open-time flags O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC.
            case F_GETFL -> f.content() instanceof OpenFile.Console c ? (c.hostFd() == 0 ? 0 : O_WRONLY) : f.flags()
                    & ~Vfs.O_CLOEXEC & ~(Vfs.O_CREAT | O_EXCL | O_NOCTTY | Vfs.O_TRUNC);
            case F_SETFL -> {
                f.setStatusFlags((int) arg);
                yield 0;
            }
            case F_DUPFD, F_DUPFD_CLOEXEC -> {
                // f_dupfd(): the start is an unsigned int, and must lie below RLIMIT_NOFILE.
                int end = nofile.applyAsInt(task);
                long from = arg & 0xffff_ffffL;
                if (from >= end) yield -Errno.EINVAL;
                yield t.installFrom((int) from, f, cmd == F_DUPFD_CLOEXEC, end);
            }
            default -> -Errno.EINVAL;
        };
    }

    /** Models ksys_dup3() (and dup2(), which allows oldfd == newfd). */
    long dup3(Task task, long oldfd, long newfd, int flags, boolean dup2) {
        FdTable t = files(task);
        OpenFile f = t.get(oldfd);
        if ((flags & ~Vfs.O_CLOEXEC) != 0) return -Errno.EINVAL;
        if (f == null) return -Errno.EBADF;
        if (newfd < 0 || newfd >= nofile.applyAsInt(task)) return -Errno.EBADF;
        if (oldfd == newfd) return dup2 ? newfd : -Errno.EINVAL;
        t.installAt((int) newfd, f, (flags & Vfs.O_CLOEXEC) != 0);
        return newfd;
    }

    /**
     * Models do_readlinkat(): {@code bufsiz} (an int) must be positive before anything else; the
     * name may be empty (LOOKUP_EMPTY: then {@code dirfd} itself is looked at, EBADF if it is no
     * descriptor, else ENOENT as it is no symlink); the link's target is copied truncated to
     * bufsiz, without a NUL.
     */
    long readlinkat(Task task, int dirfd, long pathname, long buf, int bufsiz) {
        if (bufsiz <= 0) return -Errno.EINVAL;
        Object name = getname(task.mm(), pathname, true);
        if (name instanceof Integer e) return e;
        String raw = (String) name;
        if (raw.isEmpty()) return dirfd != AT_FDCWD && files(task).get(dirfd) == null ? -Errno.EBADF : -Errno.ENOENT;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        Object r = vfs.readlink((String) at, task);
        if (r instanceof Integer e) return e;
        byte[] target = (byte[]) r;
        int n = (int) Math.min(target.length, bufsiz);
        return uaccess.copyToUser(task.mm(), buf, target, 0, n) < 0 ? -Errno.EFAULT : n;
    }

    static final int O_APPEND = 0x400, O_EXCL = 0x80, O_NOCTTY = 0x100, AT_REMOVEDIR = 0x200;

    /**
     * Copies a user buffer into a tmpfs file a page at a time (generic_perform_write()'s loop), so
     * that no buffer larger than a page is held and a bad page ends the write with what went
     * before it: a short count, or EFAULT when nothing was written.
     */
    private long shmemWrite(MmStruct mm, TmpfsInode inode, long pos, long buf, int n) {
        if (n == 0) return 0;
        byte[] page = new byte[4096];
        long done = 0;
        while (done < n) {
            int chunk = (int) Math.min(n - done, 4096 - ((buf + done) & 4095));
            if (uaccess.copyFromUser(mm, page, 0, buf + done, chunk) < 0) return done > 0 ? done : -Errno.EFAULT;
            long r = inode.write(pos + done, page, 0, chunk);
            if (r < 0) return done > 0 ? done : r;
            done += r;
            if (r < chunk) break;
        }
        return done;
    }

    /** Models ksys_pwrite64(): a write at {@code offset} that leaves the file position alone (O_APPEND still appends, as Linux does). */
    long pwrite64(Task task, long fd, long buf, long count, long offset) {
        OpenFile f = writable(task, fd);
        if (f == null) return -Errno.EBADF;
        if (offset < 0 || count < 0) return -Errno.EINVAL;
        int n = (int) Math.min(count, MAX_RW_COUNT);
        return switch (f.content()) {
            case OpenFile.Shmem s -> shmemWrite(task.mm(), s.inode(), (f.flags() & O_APPEND) != 0 ? s.size() : offset, buf, n);
            case OpenFile.Device d -> n; // write_null(), write_zero() ignore the position
            default -> -Errno.ESPIPE; // pipes and the console (FMODE_PWRITE missing)
        };
    }

    /** Models do_ftruncate(): EINVAL unless a regular file open for writing; EFBIG past s_maxbytes. */
    long ftruncate(Task task, long fd, long length) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        if (length < 0) return -Errno.EINVAL;
        if (!(f.content() instanceof OpenFile.Shmem s) || (f.flags() & 3) == 0) return -Errno.EINVAL;
        return s.inode().setSize(length);
    }

    /** Models do_sys_truncate(). */
    long truncate(Task task, long pathname, long length) {
        String p = path(task.mm(), pathname);
        if (p == null) return -Errno.EFAULT;
        return vfs.truncate(p, length, task);
    }

    /** Models do_unlinkat() and do_rmdir() (unlinkat with AT_REMOVEDIR); other flags are EINVAL. */
    long unlinkat(Task task, int dirfd, long pathname, int flags) {
        if ((flags & ~AT_REMOVEDIR) != 0) return -Errno.EINVAL;
        String raw = path(task.mm(), pathname);
        if (raw == null) return -Errno.EFAULT;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        return vfs.unlink((String) at, (flags & AT_REMOVEDIR) != 0, task);
    }

    /** Models do_fchmodat() (flags: only AT_SYMLINK_NOFOLLOW, which fchmodat2 knows; the old call has none). */
    long fchmodat(Task task, int dirfd, long pathname, int mode) {
        String raw = path(task.mm(), pathname);
        if (raw == null) return -Errno.EFAULT;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        return vfs.chmod((String) at, mode, task);
    }

    /** Models fchmod(). */
    long fchmod(Task task, long fd, int mode) {
        OpenFile f = files(task).get(fd);
        return f == null ? -Errno.EBADF : vfs.chmod(f, mode);
    }

    /** Models do_fsync(): tmpfs and the read-only files have nothing to write back (noop_fsync()); pipes and the console EINVAL. */
    long fsync(Task task, long fd) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        return f.content() instanceof OpenFile.PipeEnd || f.content() instanceof OpenFile.Console ? -Errno.EINVAL : 0;
    }

    /** getcwd(): the guest always runs in "/". */
    long getcwd(Task task, long buf, long size) {
        byte[] cwd = {'/', 0};
        if (size < cwd.length) return -Errno.ERANGE;
        return uaccess.copyToUser(task.mm(), buf, cwd, 0, cwd.length) < 0 ? -Errno.EFAULT : cwd.length;
    }
}
