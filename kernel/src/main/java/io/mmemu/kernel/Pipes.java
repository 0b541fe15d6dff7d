package io.mmemu.kernel;

import io.mmemu.kernel.fs.FdTable;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.fault.Gup;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.util.function.ToIntFunction;

/**
 * Pipes, fs/pipe.c: pipe2() makes the two ends, {@link ReadWrite} reads and writes them through
 * {@link #pipeRead} and {@link #pipeWrite}, and the last close of an end ({@link #release}) tells
 * the other side. A reader with nothing to read and a writer without room sleep (the syscall is
 * re-executed when woken) unless O_NONBLOCK; a signal ends the sleep with ERESTARTSYS (EINTR, or
 * restarted after a handler with SA_RESTART).
 */
final class Pipes {
    static final int O_NONBLOCK = 0x800, O_DIRECT = 0x4000;

    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final FileSyscalls.Sleeping sleeping;
    /** rlimit(RLIMIT_NOFILE) of a task's process: the end of its descriptor table. */
    private final ToIntFunction<Task> nofile;

    Pipes(UserAccess uaccess, FileSyscalls files, FileSyscalls.Sleeping sleeping, ToIntFunction<Task> nofile) {
        this.uaccess = uaccess;
        this.files = files;
        this.sleeping = sleeping;
        this.nofile = nofile;
    }

    /** __fput() of a pipe end: the pipe learns it has one reader or writer less, and sleepers re-check. */
    static void release(OpenFile f, FileSyscalls.Sleeping sleeping) {
        if (f.content() instanceof OpenFile.PipeEnd e) {
            if (e.reader()) e.pipe().readers--;
            else e.pipe().writers--;
            sleeping.wakeAll();
        }
    }

    /** Models do_pipe2(): two descriptors, installed only once the array could be written. */
    long pipe2(Task task, long fdsAddr, int flags) {
        if ((flags & ~(Vfs.O_CLOEXEC | O_NONBLOCK | O_DIRECT)) != 0) return -Errno.EINVAL;
        OpenFile.Pipe pipe = new OpenFile.Pipe();
        pipe.readers = 1;
        pipe.writers = 1;
        OpenFile r = new OpenFile(new OpenFile.PipeEnd(pipe, true), "pipe:", (flags & O_NONBLOCK));
        OpenFile w = new OpenFile(new OpenFile.PipeEnd(pipe, false), "pipe:", FileSyscalls.O_WRONLY | (flags & O_NONBLOCK));
        FdTable t = files.files(task);
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

    /** Models pipe_read(): what is there, EOF with no writer left, else sleep (EAGAIN if non-blocking, ERESTARTSYS on a signal). */
    long pipeRead(Task task, OpenFile f, OpenFile.Pipe pipe, long buf, int n) {
        if (n == 0) return 0; // "Null read succeeds."
        UnixSockets.Iov to = new UnixSockets.Iov(task.mm(), new long[] {buf}, new long[] {n});
        return pipeToUser(task, pipe, to, n, (f.flags() & O_NONBLOCK) != 0);
    }

    /**
     * The copy loop shared by pipe_read() and __splice_from_pipe() with pipe_to_user()
     * (vmsplice() on a read end): the buffers from the tail, each consumed only once its bytes
     * reached the user (a bad buffer ends the read: EFAULT when nothing moved, the bytes before it
     * otherwise); an empty pipe is EOF without writers, else EAGAIN when {@code nonblock}, ERESTARTSYS
     * on a signal, or sleep.
     *
     * @param nonblock O_NONBLOCK for read(), SPLICE_F_NONBLOCK for vmsplice()
     */
    long pipeToUser(Task task, OpenFile.Pipe pipe, UnixSockets.Iov to, long n, boolean nonblock) {
        long ret = 0;
        byte[] chunk = new byte[OpenFile.Pipe.PAGE_SIZE];
        while (!pipe.empty() && ret < n) {
            int chars = (int) Math.min(pipe.length(0), n - ret);
            pipe.peek(0, chunk, chars);
            if (to.copyOut(uaccess, ret, chunk, 0, chars) < 0) {
                if (ret == 0) return -Errno.EFAULT;
                break;
            }
            pipe.consumeTail(chars);
            ret += chars;
        }
        if (ret > 0) {
            sleeping.wakeAll();
            return ret;
        }
        if (pipe.writers == 0) return 0;
        if (nonblock) return -Errno.EAGAIN;
        return sleeping.signalPending(task) ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
    }

    /**
     * Models pipe_write(): a null write succeeds (before the readers are looked at); SIGPIPE/EPIPE
     * without readers; the first {@code n % PAGE_SIZE} bytes are appended to the last buffer when
     * it may be merged into and has room, the rest go a page per free slot, so that a write of at
     * most PIPE_BUF bytes goes in whole or waits. A write that filled the pipe returns what it
     * wrote (Linux sleeps for room and goes on: a blocking write here may return a short count).
     */
    long pipeWrite(Task task, OpenFile f, OpenFile.Pipe pipe, ReadWrite.UserBytes data, int n) {
        if (n == 0) return 0;
        if (pipe.readers == 0) return sendSigpipe(task);
        byte[] page = new byte[OpenFile.Pipe.PAGE_SIZE];
        int ret = 0;
        int chars = n & (OpenFile.Pipe.PAGE_SIZE - 1);
        if (chars != 0 && pipe.mergeRoom() >= chars) {
            if (data.copy(0, page, chars) < 0) return -Errno.EFAULT;
            pipe.merge(page, 0, chars);
            ret = chars;
        }
        while (ret < n && !pipe.full()) {
            int k = Math.min(OpenFile.Pipe.PAGE_SIZE, n - ret);
            if (data.copy(ret, page, k) < 0) {
                if (ret == 0) return -Errno.EFAULT;
                break;
            }
            pipe.push(page, 0, k, true);
            ret += k;
        }
        if (ret > 0) {
            sleeping.wakeAll();
            return ret;
        }
        if ((f.flags() & O_NONBLOCK) != 0) return -Errno.EAGAIN;
        return sleeping.signalPending(task) ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
    }

    /**
     * Models vmsplice_to_pipe() → wait_for_space() and iter_to_pipe(), fs/splice.c: SIGPIPE/EPIPE
     * without readers; a full pipe is EAGAIN with SPLICE_F_NONBLOCK (the file's O_NONBLOCK does
     * not count), ERESTARTSYS on a signal, else a sleep; then each piece of user page (up to the page's
     * end) takes a slot of its own, not mergeable, until the iovecs or the free slots run out. The
     * pages are reached as get_user_pages_fast() without FOLL_FORCE ({@link Gup}): a VMA without
     * VM_READ, VM_IO/VM_PFNMAP, memfd_secret() memory or a hole ends the transfer (EFAULT when
     * nothing moved); a page never touched is faulted in as the zero page.
     *
     * <p>What differs from Linux: Linux puts references to the pages themselves in the pipe
     * (user_page_pipe_buf_ops), so a later store by the process into a page it maps exclusively
     * and writable shows in what the pipe reader gets; here the bytes are copied at vmsplice()
     * time, and the reader gets them as they were then. Where the page is shared copy-on-write
     * (after fork(), the zero page of an untouched page) the two agree: the store breaks COW,
     * and the pipe keeps the old bytes in both (the cow selftest's vmsplice cases).
     */
    long vmspliceToPipe(Task task, OpenFile.Pipe pipe, UnixSockets.Iov from, boolean nonblock) {
        if (pipe.readers == 0) return sendSigpipe(task);
        if (pipe.full()) {
            if (nonblock) return -Errno.EAGAIN;
            return sleeping.signalPending(task) ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
        }
        MmStruct mm = from.mm();
        byte[] page = new byte[OpenFile.Pipe.PAGE_SIZE];
        long total = 0;
        for (int i = 0; i < from.bases().length; i++) {
            long va = from.bases()[i];
            for (long left = from.lens()[i]; left > 0 && !pipe.full(); ) {
                long pfn = Gup.getUserPageFast(mm, va, false);
                if (pfn == Gup.NO_PAGE) return finishToPipe(total, -Errno.EFAULT);
                int off = (int) PageTypes.offsetInPage(va);
                int size = (int) Math.min(left, PageTypes.PAGE_SIZE - off);
                mm.env().mem().read((pfn << PageTypes.PAGE_SHIFT) | off, page, 0, size);
                pipe.push(page, 0, size, false);
                total += size;
                va += size;
                left -= size;
            }
        }
        return finishToPipe(total, 0);
    }

    /**
     * Models link_pipe(), fs/splice.c, for tee(): the buffers of {@code in}, oldest first, are
     * duplicated into free slots of {@code out} (not mergeable, the last one cut at {@code len})
     * without being consumed, until {@code len} bytes, the input's buffers or the output's slots
     * run out; no reader left is EPIPE with SIGPIPE (or the bytes before). Linux shares the
     * buffers' pages between the pipes; here their bytes are copied, which no reader can tell:
     * a pipe buffer's bytes never change once written.
     *
     * @param len the most bytes (size_t: unsigned)
     */
    long linkPipe(Task task, OpenFile.Pipe in, OpenFile.Pipe out, long len) {
        byte[] page = new byte[OpenFile.Pipe.PAGE_SIZE];
        long ret = 0;
        for (int k = 0; len != 0; k++) {
            if (out.readers == 0) {
                sleeping.send(task, Signo.SIGPIPE);
                if (ret == 0) ret = -Errno.EPIPE;
                break;
            }
            if (k >= in.occupancy() || out.full()) break;
            int n = in.length(k);
            int take = Long.compareUnsigned(len, n) < 0 ? (int) len : n;
            in.peek(k, page, take);
            out.push(page, 0, take, false);
            len -= take;
            ret += take;
        }
        if (ret > 0) sleeping.wakeAll();
        return ret;
    }

    /** A write to a pipe without readers: SIGPIPE to the writer (send_sig(SIGPIPE, current, 0)), then -EPIPE. */
    long sendSigpipe(Task task) {
        sleeping.send(task, Signo.SIGPIPE);
        return -Errno.EPIPE;
    }

    /** iter_to_pipe()'s result: the bytes added (readers woken), else the error that stopped it. */
    private long finishToPipe(long total, long error) {
        if (total == 0) return error;
        sleeping.wakeAll();
        return total;
    }
}
