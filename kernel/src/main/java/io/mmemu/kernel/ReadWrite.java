package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.TmpfsInode;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.proc.Mem;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reading and writing, fs/read_write.c: read, write, pread64, pwrite64, readv, writev and lseek
 * over the open files of {@link FileSyscalls}: the console (the host's stdin, stdout and stderr),
 * {@link Pipes}, /dev/null and /dev/zero, the read-only files of the guest's root and tmpfs files.
 * User memory is copied a page, or {@link #WRITE_PIECE}, at a time, so that a huge count costs
 * the host no more than what it moves, and a bad page ends a transfer with what went before it
 * (a short count, or EFAULT when nothing moved).
 */
final class ReadWrite {
    static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;
    /** MAX_RW_COUNT: the most one read or write moves. */
    static final int MAX_RW_COUNT = 0x7ffff000;
    /** IOV_MAX (UIO_MAXIOV): the most iovecs one readv or writev takes. */
    static final int UIO_MAXIOV = 1024;

    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final Pipes pipes;
    private final UnixSockets sockets;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final OutputStream stderr;

    /** The userfaultfds' read (null in tests that make none). */
    private final Userfaultfds userfaultfds;

    ReadWrite(UserAccess uaccess, FileSyscalls files, Pipes pipes, UnixSockets sockets, InputStream stdin,
            OutputStream stdout, OutputStream stderr) {
        this(uaccess, files, pipes, sockets, null, stdin, stdout, stderr);
    }

    ReadWrite(UserAccess uaccess, FileSyscalls files, Pipes pipes, UnixSockets sockets, Userfaultfds userfaultfds,
            InputStream stdin, OutputStream stdout, OutputStream stderr) {
        this.userfaultfds = userfaultfds;
        this.uaccess = uaccess;
        this.files = files;
        this.pipes = pipes;
        this.sockets = sockets;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Models ksys_read(). */
    long read(Task task, long fd, long buf, long count) {
        OpenFile f = files.files(task).get(fd);
        if (f == null || (f.flags() & FileSyscalls.O_ACCMODE) == FileSyscalls.O_WRONLY) return -Errno.EBADF;
        if (!canRead(f)) return -Errno.EINVAL; // no FMODE_CAN_READ
        if (!accessOk(buf, count)) return -Errno.EFAULT;
        int n = (int) Math.min(count, MAX_RW_COUNT);
        if (f.content() instanceof OpenFile.Console c) {
            if (c.hostFd() != 0) return -Errno.EBADF;
            return readConsole(task.mm(), buf, n);
        }
        if (f.content() instanceof OpenFile.Directory) return -Errno.EISDIR;
        if (f.content() instanceof OpenFile.PipeEnd e) return e.reader() ? pipes.pipeRead(task, f, e.pipe(), buf, n) : -Errno.EBADF;
        if (f.content() instanceof OpenFile.Socket) return sockRead(task, f, new UnixSockets.Iov(task.mm(), new long[] {buf}, new long[] {n}));
        if (f.content() instanceof OpenFile.Device d) {
            // read_zero() clears the buffer page by page and returns a short count at a bad page;
            // EFAULT only when nothing could be written.
            if (!d.zero() || n == 0) return 0;
            long done = 0;
            while (done < n) {
                int chunk = (int) Math.min(n - done, PageTypes.PAGE_SIZE - PageTypes.offsetInPage(buf + done));
                if (uaccess.clearUser(task.mm(), buf + done, chunk) < 0) return done > 0 ? done : -Errno.EFAULT;
                done += chunk;
            }
            return done;
        }
        if (f.content() instanceof OpenFile.ProcMem m) return memRw(task, m, f, f.pos(), buf, n, false);
        if (f.content() instanceof OpenFile.Userfaultfd u) return userfaultfds.read(task, f, u.ctx(), buf, n);
        OpenFile.Readable b = (OpenFile.Readable) f.content();
        long r = readAt(task.mm(), b, f.pos(), buf, n);
        if (r > 0) f.setPos(f.pos() + r);
        return r;
    }

    /**
     * Models ksys_pread64(): the position (EINVAL, before the descriptor), the descriptor (EBADF),
     * FMODE_PREAD (ESPIPE: pipes, the console and the devices have no position here), then
     * vfs_read()'s checks (EBADF, EFAULT), then the read (EISDIR for a directory).
     */
    long pread64(Task task, long fd, long buf, long count, long offset) {
        if (offset < 0) return -Errno.EINVAL;
        OpenFile f = files.files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        boolean dir = f.content() instanceof OpenFile.Directory;
        boolean mem = f.content() instanceof OpenFile.ProcMem;
        // FMODE_PREAD: pidfs files have it too (and then no read handler: EINVAL below).
        if (!dir && !mem && !(f.content() instanceof OpenFile.Readable) && !(f.content() instanceof OpenFile.PidFd)) {
            return -Errno.ESPIPE;
        }
        if ((f.flags() & FileSyscalls.O_ACCMODE) == FileSyscalls.O_WRONLY) return -Errno.EBADF;
        if (!canRead(f)) return -Errno.EINVAL; // no FMODE_CAN_READ
        if (!accessOk(buf, count)) return -Errno.EFAULT;
        if (dir) return -Errno.EISDIR;
        if (mem) return memRw(task, (OpenFile.ProcMem) f.content(), null, offset, buf, Math.min(count, MAX_RW_COUNT), false);
        return readAt(task.mm(), (OpenFile.Readable) f.content(), offset, buf, (int) Math.min(count, MAX_RW_COUNT));
    }

    /**
     * FMODE_CAN_READ: whether the file has a read handler. A pidfd has none, nor has a write-only
     * attribute (/proc/PID/clear_refs); vfs_read() refuses them with EINVAL.
     */
    private static boolean canRead(OpenFile f) {
        return !(f.content() instanceof OpenFile.PidFd) && !(f.content() instanceof OpenFile.Secretmem)
                && !(f.content() instanceof OpenFile.Attribute a && !a.canRead());
    }

    /**
     * Models access_ok(): {@code count} bytes at {@code buf} lie below TASK_SIZE_MAX (a negative
     * count, a huge size_t, never does). vfs_read() and vfs_write() check it before anything moves.
     */
    static boolean accessOk(long buf, long count) {
        return Long.compareUnsigned(count, MmStruct.TASK_SIZE) <= 0 && Long.compareUnsigned(buf, MmStruct.TASK_SIZE - count) <= 0;
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
        byte[] data = new byte[(int) Math.min(len, PageTypes.PAGE_SIZE)];
        int done = 0;
        while (done < len) {
            int chunk = (int) Math.min(len - done, PageTypes.PAGE_SIZE - PageTypes.offsetInPage(buf + done));
            int got = b.read(pos + done, data, 0, chunk);
            if (got < 0) return done > 0 ? done : got; // a positional file refused the read
            if (uaccess.copyToUser(mm, buf + done, data, 0, got) < 0) return done > 0 ? done : -Errno.EFAULT;
            done += got;
            if (got < chunk) break;
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

    /** Models sock_read_iter(): nothing to receive into returns 0 at once, else a receive (O_NONBLOCK as MSG_DONTWAIT). */
    private long sockRead(Task task, OpenFile f, UnixSockets.Iov iov) {
        if (iov.total() == 0) return 0;
        return sockets.recvmsg(task, f, iov, 0, new int[1]);
    }

    /** Models ksys_write(): the console, pipes, the memory devices and tmpfs files; other files are read-only (EBADF, as for an O_RDONLY file). */
    long write(Task task, long fd, long buf, long count) {
        OpenFile f = writable(task, fd);
        if (f == null) return -Errno.EBADF;
        if (!canWrite(f)) return -Errno.EINVAL; // no FMODE_CAN_WRITE
        if (!accessOk(buf, count)) return -Errno.EFAULT;
        int n = (int) Math.min(count, MAX_RW_COUNT);
        if (f.content() instanceof OpenFile.ProcMem m) return memRw(task, m, f, f.pos(), buf, n, true);
        if (f.content() instanceof OpenFile.Shmem s) {
            long pos = (f.flags() & FileSyscalls.O_APPEND) != 0 ? s.size() : f.pos();
            long r = shmemWrite(task.mm(), s.inode(), pos, buf, n);
            if (r > 0) f.setPos(pos + r);
            return r;
        }
        UserBytes data = new UserBytes(task.mm(), new long[] {buf}, new long[] {n});
        if (!data.readable(0)) return -Errno.EFAULT;
        return emit(task, f, data, n);
    }

    /**
     * Whether vfs_write() finds a write handler (FMODE_CAN_WRITE): pidfds, secretmem and
     * hugetlbfs files have none.
     */
    private static boolean canWrite(OpenFile f) {
        return !(f.content() instanceof OpenFile.PidFd) && !(f.content() instanceof OpenFile.Secretmem)
                && !(f.content() instanceof OpenFile.Userfaultfd) && !isHugetlbfs(f);
    }

    /** Whether {@code f} is a hugetlbfs file (a memfd made with MFD_HUGETLB), which has no write handler. */
    private static boolean isHugetlbfs(OpenFile f) {
        return f.content() instanceof OpenFile.Shmem s && s.inode().isHugetlbfs();
    }

    /** The open file at {@code fd} if it can be written: stdout, stderr, pipe write ends, devices and tmpfs files opened for writing. */
    OpenFile writable(Task task, long fd) {
        OpenFile f = files.files(task).get(fd);
        if (f == null) return null;
        if (f.content() instanceof OpenFile.Device || f.content() instanceof OpenFile.Shmem
                || f.content() instanceof OpenFile.Attribute || f.content() instanceof OpenFile.ProcMem
                || f.content() instanceof OpenFile.PidFd || f.content() instanceof OpenFile.Secretmem
                || f.content() instanceof OpenFile.Userfaultfd) return (f.flags() & FileSyscalls.O_ACCMODE) != 0 ? f : null;
        if (f.content() instanceof OpenFile.Console c) return c.hostFd() != 0 ? f : null;
        if (f.content() instanceof OpenFile.Socket) return f;
        return f.content() instanceof OpenFile.PipeEnd e && !e.reader() ? f : null;
    }

    /** Models do_readv(): fills the buffers in order until the file runs short. */
    long readv(Task task, long fd, long iov, long iovcnt) {
        // vfs_readv(): the descriptor's mode before the iovecs are imported.
        OpenFile f = files.files(task).get(fd);
        if (f == null || (f.flags() & FileSyscalls.O_ACCMODE) == FileSyscalls.O_WRONLY) return -Errno.EBADF;
        if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -Errno.EINVAL;
        if (f.content() instanceof OpenFile.Socket) {
            // One receive scattered over the buffers: a datagram is not split into one per iovec.
            Object io = sockets.importIovec(task.mm(), iov, (int) iovcnt);
            return io instanceof Integer e ? e : sockRead(task, f, (UnixSockets.Iov) io);
        }
        byte[] vec = new byte[(int) iovcnt * 16];
        if (uaccess.copyFromUser(task.mm(), vec, 0, iov, vec.length) < 0) return -Errno.EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(vec).order(ByteOrder.LITTLE_ENDIAN);
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

    /** Models do_writev(): an array of struct iovec {base, len} gathered into one write; IOV_MAX 1024. */
    long writev(Task task, long fd, long iov, long iovcnt) {
        MmStruct mm = task.mm();
        var f = writable(task, fd);
        if (f == null) return -Errno.EBADF;
        if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -Errno.EINVAL;
        byte[] vec = new byte[(int) iovcnt * 16];
        if (uaccess.copyFromUser(mm, vec, 0, iov, vec.length) < 0) return -Errno.EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(vec).order(ByteOrder.LITTLE_ENDIAN);
        long total = 0;
        for (int i = 0; i < iovcnt; i++) {
            long len = bb.getLong(16 * i + 8);
            if (len < 0 || total + len < 0) return -Errno.EINVAL;
            total += len;
        }
        // A file with only a write handler (/proc/PID/mem): do_loop_readv_writev(), a write per segment.
        if (f.content() instanceof OpenFile.ProcMem m) {
            long done = 0;
            for (int i = 0; i < iovcnt; i++) {
                long len = bb.getLong(16 * i + 8);
                if (len == 0) continue;
                long r = memRw(task, m, f, f.pos(), bb.getLong(16 * i), Math.min(len, MAX_RW_COUNT - done), true);
                if (r < 0) return done > 0 ? done : r;
                done += r;
                if (r < len) break;
            }
            return done;
        }
        // The iovecs that can be read whole, in order, up to MAX_RW_COUNT; copied only as the file takes them.
        long room = Math.min(total, MAX_RW_COUNT);
        long[] bases = new long[(int) iovcnt], lens = new long[(int) iovcnt];
        UserBytes data = new UserBytes(mm, bases, lens);
        int off = 0;
        for (int i = 0; i < iovcnt && off < room; i++) {
            bases[i] = bb.getLong(16 * i);
            lens[i] = Math.min(bb.getLong(16 * i + 8), room - off);
            if (lens[i] > 0 && !data.readable(i)) {
                lens[i] = 0;
                if (off == 0) return -Errno.EFAULT;
                break;
            }
            off += (int) lens[i];
        }
        return emit(task, f, data, off);
    }

    /** The most guest bytes the host holds at once while writing them to a file. */
    static final int WRITE_PIECE = 64 << 10;

    /**
     * Guest bytes to be written: {@code lens[i]} bytes at {@code bases[i]}, in order (a write()'s
     * buffer or a writev()'s iovecs), read from the guest only as far as the file takes them, a
     * piece at a time, so that a huge count costs the host no more than what it moves.
     */
    final class UserBytes {
        private final UnixSockets.Iov segs;

        UserBytes(MmStruct mm, long[] bases, long[] lens) {
            this.segs = new UnixSockets.Iov(mm, bases, lens);
        }

        /** Whether segment {@code i} can be read whole, faulting its pages in as copy_from_user() would, in order. */
        boolean readable(int i) {
            long va = segs.bases()[i];
            for (long left = segs.lens()[i]; left > 0; ) {
                if (!uaccess.faultIn(segs.mm(), va, false)) return false;
                long step = PageTypes.PAGE_SIZE - PageTypes.offsetInPage(va);
                va += step;
                left -= step;
            }
            return true;
        }

        /** Copies bytes [from, from + len) of the gathered segments into {@code dst}: 0 or -EFAULT. */
        int copy(long from, byte[] dst, int len) {
            return segs.copyIn(uaccess, from, dst, len);
        }
    }

    /**
     * Writes the first {@code n} of {@code data}'s bytes (known to be readable) to a writable open
     * file (see {@link #writable}): a tmpfs file and the console get them {@link #WRITE_PIECE} at a
     * time, a pipe what fits, /dev/null and /dev/zero none.
     */
    long emit(Task task, OpenFile f, UserBytes data, int n) {
        if (!canWrite(f)) return -Errno.EINVAL; // no FMODE_CAN_WRITE
        if (f.content() instanceof OpenFile.Attribute a) {
            long r = attributeWrite(a, data, n, f.pos());
            if (r > 0 && a.ops().advancesPosition()) f.setPos(f.pos() + r);
            return r;
        }
        if (f.content() instanceof OpenFile.PipeEnd e) return pipes.pipeWrite(task, f, e.pipe(), data, n);
        // sock_write_iter(): a send (MSG_EOR on a seqpacket socket, which changes nothing here).
        if (f.content() instanceof OpenFile.Socket) return sockets.sendmsg(task, f, data::copy, n, 0, false, null);
        if (f.content() instanceof OpenFile.Device) return n; // write_null(), write_zero()
        byte[] piece = new byte[Math.min(n, WRITE_PIECE)];
        if (f.content() instanceof OpenFile.Shmem s) {
            long pos = (f.flags() & FileSyscalls.O_APPEND) != 0 ? s.size() : f.pos();
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
        OpenFile f = files.files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        if (f.content() instanceof OpenFile.ProcMem) {
            // mem_lseek(): any position, negative ones included (force_successful_syscall_return()).
            if (whence == SEEK_SET) f.setPos(offset);
            else if (whence == SEEK_CUR) f.setPos(f.pos() + offset);
            else return -Errno.EINVAL;
            return f.pos();
        }
        if (f.content() instanceof OpenFile.Userfaultfd) return f.pos(); // noop_llseek()
        if (f.content() instanceof OpenFile.Directory) {
            // dcache_dir_lseek(): SEEK_SET and SEEK_CUR to a position getdents() gave (an entry's index).
            long pos = whence == SEEK_SET ? offset : whence == SEEK_CUR ? f.pos() + offset : -1;
            if (pos < 0) return -Errno.EINVAL;
            f.setPos(pos);
            return pos;
        }
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

    /**
     * Models mem_rw(), fs/proc/base.c, after rw_verify_area(): a page at a time through a kernel
     * buffer, copy_from_user() then access_remote_vm() with FOLL_FORCE for a write,
     * access_remote_vm() then copy_to_user() for a read ({@link Mem#accessRemoteVm}). A page that
     * cannot be accessed ends the transfer (EIO when nothing moved); a bad user buffer makes it
     * EFAULT even after bytes moved, as Linux does. The file position (for read and write, not
     * pread and pwrite) ends after what moved. The position may be negative (FMODE_UNSIGNED_OFFSET):
     * EOVERFLOW when the range would wrap past 2^64.
     *
     * @param f   the open file whose position to advance, or null (pread64, pwrite64)
     * @param pos the first address
     */
    private long memRw(Task task, OpenFile.ProcMem m, OpenFile f, long pos, long buf, long count, boolean write) {
        if (pos < 0 && Long.compareUnsigned(count, -pos) >= 0) return -Errno.EOVERFLOW; // rw_verify_area()
        if (count == 0 || !Mem.accessible(m.mm())) return 0;
        byte[] page = new byte[(int) PageTypes.PAGE_SIZE];
        long copied = 0;
        long addr = pos;
        while (count > 0) {
            int thisLen = (int) Math.min(count, PageTypes.PAGE_SIZE);
            if (write && uaccess.copyFromUser(task.mm(), page, 0, buf, thisLen) < 0) {
                copied = -Errno.EFAULT;
                break;
            }
            thisLen = Mem.accessRemoteVm(m.mm(), addr, page, 0, thisLen, write);
            if (thisLen == 0) {
                if (copied == 0) copied = -Errno.EIO;
                break;
            }
            if (!write && uaccess.copyToUser(task.mm(), buf, page, 0, thisLen) < 0) {
                copied = -Errno.EFAULT;
                break;
            }
            buf += thisLen;
            addr += thisLen;
            copied += thisLen;
            count -= thisLen;
        }
        if (f != null) f.setPos(addr);
        return copied;
    }

    /**
     * Copies a user buffer into a tmpfs file a page at a time (generic_perform_write()'s loop), so
     * that no buffer larger than a page is held and a bad page ends the write with what went
     * before it: a short count, or EFAULT when nothing was written.
     */
    private long shmemWrite(MmStruct mm, TmpfsInode inode, long pos, long buf, int n) {
        if (n == 0) return 0;
        byte[] page = new byte[(int) PageTypes.PAGE_SIZE];
        long done = 0;
        while (done < n) {
            int chunk = (int) Math.min(n - done, PageTypes.PAGE_SIZE - PageTypes.offsetInPage(buf + done));
            if (uaccess.copyFromUser(mm, page, 0, buf + done, chunk) < 0) return done > 0 ? done : -Errno.EFAULT;
            long r = inode.write(pos + done, page, 0, chunk);
            if (r < 0) return done > 0 ? done : r;
            done += r;
            if (r < chunk) break;
        }
        return done;
    }

    /**
     * A write to a kernel attribute file at {@code pos}: its handler copies in what its buffer
     * holds (EFAULT when that cannot be read) and parses it; whether the file position moves is the
     * attribute's (not for simple_attr_write() and sysfs, by what was taken for the proc sysctls).
     */
    private static long attributeWrite(OpenFile.Attribute a, UserBytes data, int n, long pos) {
        byte[] head = new byte[Math.min(n, a.ops().storeMax())];
        if (data.copy(0, head, head.length) < 0) return -Errno.EFAULT;
        return a.ops().storeAt(pos, head, n);
    }

    /**
     * Models ksys_pwrite64(): a write at {@code offset} that leaves the file position alone (O_APPEND
     * still appends, as Linux does). The position (EINVAL) first, the descriptor (EBADF),
     * FMODE_PWRITE (ESPIPE: pipes and the console), then vfs_write()'s checks (EBADF, EFAULT).
     */
    long pwrite64(Task task, long fd, long buf, long count, long offset) {
        if (offset < 0) return -Errno.EINVAL;
        OpenFile g = files.files(task).get(fd);
        if (g == null) return -Errno.EBADF;
        if (g.content() instanceof OpenFile.PipeEnd || g.content() instanceof OpenFile.Console
                || g.content() instanceof OpenFile.Secretmem) return -Errno.ESPIPE; // no FMODE_PWRITE
        OpenFile f = writable(task, fd);
        if (f == null) return -Errno.EBADF;
        if (isHugetlbfs(f)) return -Errno.EINVAL; // no FMODE_CAN_WRITE
        if (!accessOk(buf, count)) return -Errno.EFAULT;
        int n = (int) Math.min(count, MAX_RW_COUNT);
        return switch (f.content()) {
            case OpenFile.Shmem s -> shmemWrite(task.mm(), s.inode(), (f.flags() & FileSyscalls.O_APPEND) != 0 ? s.size() : offset, buf, n);
            case OpenFile.Device d -> n; // write_null(), write_zero() ignore the position
            case OpenFile.Attribute a -> attributeWrite(a, new UserBytes(task.mm(), new long[] {buf}, new long[] {n}), n, offset);
            case OpenFile.ProcMem m -> memRw(task, m, null, offset, buf, n, true);
            default -> -Errno.ESPIPE; // pipes and the console (FMODE_PWRITE missing)
        };
    }
}
