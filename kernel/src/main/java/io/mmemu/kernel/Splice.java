package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;

/**
 * vmsplice(2) and tee(2), fs/splice.c: user memory into a pipe through its write end, or a
 * pipe's contents into user memory through its read end; one pipe's contents duplicated into
 * another ({@link Pipes} holds the buffers and the copy loops). splice(2) is not modelled
 * (-ENOSYS).
 */
final class Splice {
    /** The SPLICE_F_* flags, include/linux/splice.h; SPLICE_F_ALL is every one of them. */
    static final int SPLICE_F_MOVE = 1, SPLICE_F_NONBLOCK = 2, SPLICE_F_MORE = 4, SPLICE_F_GIFT = 8,
            SPLICE_F_ALL = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT;

    private final FileSyscalls files;
    private final UnixSockets sockets;
    private final Pipes pipes;

    Splice(FileSyscalls files, UnixSockets sockets, Pipes pipes) {
        this.files = files;
        this.sockets = sockets;
        this.pipes = pipes;
    }

    /**
     * Models SYSCALL_DEFINE4(vmsplice): the flags (EINVAL), the descriptor (EBADF), its direction
     * (vmsplice_type(): a file open for writing takes user pages in, one open only for reading
     * gives its contents out), the iovecs (import_iovec(): EINVAL above UIO_MAXIOV or for a
     * negative length, EFAULT for the array or a buffer past TASK_SIZE), nothing to move is 0 on
     * any file, and only then the file must be a pipe (get_pipe_info(): EBADF). SPLICE_F_GIFT,
     * SPLICE_F_MOVE and SPLICE_F_MORE change nothing a program can see here: a gift matters only
     * when a later splice() to a file may steal the page.
     */
    long vmsplice(Task task, int fd, long uiov, long nrSegs, int flags) {
        if ((flags & ~SPLICE_F_ALL) != 0) return -Errno.EINVAL;
        OpenFile f = files.files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        // FMODE_WRITE (O_WRONLY or O_RDWR) is ITER_SOURCE, else FMODE_READ ITER_DEST.
        boolean toPipe = (f.flags() & FileSyscalls.O_ACCMODE) != 0;
        if (Long.compareUnsigned(nrSegs, ReadWrite.UIO_MAXIOV) > 0) return -Errno.EINVAL;
        Object io = sockets.importIovec(task.mm(), uiov, (int) nrSegs);
        if (io instanceof Integer e) return e;
        UnixSockets.Iov iov = (UnixSockets.Iov) io;
        long count = iov.total();
        if (count == 0) return 0;
        if (!(f.content() instanceof OpenFile.PipeEnd end)) return -Errno.EBADF;
        boolean nonblock = (flags & SPLICE_F_NONBLOCK) != 0;
        if (toPipe) return pipes.vmspliceToPipe(task, end.pipe(), iov, nonblock);
        // vmsplice_to_user(): splice_from_pipe_next() checks for a signal before looking at the buffers.
        if (LinuxSyscalls.signalPending(task)) return -Errno.EINTR;
        return pipes.pipeToUser(task, end.pipe(), iov, count, nonblock);
    }

    /**
     * Models SYSCALL_DEFINE4(tee) → do_tee(): the flags (EINVAL), a length of 0 (0, before the
     * descriptors), the descriptors (EBADF), FMODE_READ of the input and FMODE_WRITE of the
     * output (EBADF), two different pipes (EINVAL); O_NONBLOCK of either file counts as
     * SPLICE_F_NONBLOCK. Then ipipe_prep(): an empty input waits for data (EINTR on a signal,
     * none at all without writers: 0, EAGAIN when non-blocking), and opipe_prep(): a full output
     * waits for room (EPIPE with SIGPIPE without readers, EAGAIN, EINTR); then link_pipe().
     */
    long tee(Task task, int fdin, int fdout, long len, int flags) {
        if ((flags & ~SPLICE_F_ALL) != 0) return -Errno.EINVAL;
        if (len == 0) return 0;
        OpenFile in = files.files(task).get(fdin);
        OpenFile out = in == null ? null : files.files(task).get(fdout);
        if (in == null || out == null) return -Errno.EBADF;
        int inMode = in.flags() & FileSyscalls.O_ACCMODE, outMode = out.flags() & FileSyscalls.O_ACCMODE;
        if (inMode == FileSyscalls.O_WRONLY || outMode == 0) return -Errno.EBADF; // no FMODE_READ, no FMODE_WRITE
        if (!(in.content() instanceof OpenFile.PipeEnd ie) || !(out.content() instanceof OpenFile.PipeEnd oe)
                || ie.pipe() == oe.pipe()) {
            return -Errno.EINVAL;
        }
        boolean nonblock = (flags & SPLICE_F_NONBLOCK) != 0 || ((in.flags() | out.flags()) & Pipes.O_NONBLOCK) != 0;
        OpenFile.Pipe ipipe = ie.pipe(), opipe = oe.pipe();
        if (ipipe.empty()) {
            if (LinuxSyscalls.signalPending(task)) return -Errno.EINTR;
            if (ipipe.writers == 0) return 0; // link_pipe() finds nothing to duplicate
            return nonblock ? -Errno.EAGAIN : LinuxSyscalls.BLOCK;
        }
        if (opipe.full()) {
            if (opipe.readers == 0) return pipes.sendSigpipe(task);
            if (nonblock) return -Errno.EAGAIN;
            return LinuxSyscalls.signalPending(task) ? -Errno.EINTR : LinuxSyscalls.BLOCK;
        }
        return pipes.linkPipe(task, ipipe, opipe, len);
    }
}
