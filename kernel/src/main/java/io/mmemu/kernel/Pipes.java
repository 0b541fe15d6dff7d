package io.mmemu.kernel;

import io.mmemu.kernel.fs.FdTable;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
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

    /** pipe_read(): what is there, EOF with no writer left, else sleep (EAGAIN if non-blocking, ERESTARTSYS on a signal). */
    long pipeRead(Task task, OpenFile f, OpenFile.Pipe pipe, long buf, int n) {
        if (n == 0) return 0;
        if (pipe.available() == 0) {
            if (pipe.writers == 0) return 0;
            if ((f.flags() & O_NONBLOCK) != 0) return -Errno.EAGAIN;
            return sleeping.signalPending(task) ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
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
    long pipeWrite(Task task, OpenFile f, OpenFile.Pipe pipe, ReadWrite.UserBytes data, int n) {
        if (pipe.readers == 0) {
            sleeping.send(task, Signo.SIGPIPE);
            return -Errno.EPIPE;
        }
        if (n == 0) return 0;
        boolean fits = n <= OpenFile.Pipe.PIPE_BUF ? pipe.free() >= n : pipe.free() > 0;
        if (!fits) {
            if ((f.flags() & O_NONBLOCK) != 0) return -Errno.EAGAIN;
            return sleeping.signalPending(task) ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
        }
        byte[] taken = new byte[Math.min(n, pipe.free())]; // what fits: at most the pipe's 64 KiB
        if (data.copy(0, taken, taken.length) < 0) return -Errno.EFAULT;
        int k = pipe.write(taken, taken.length);
        sleeping.wakeAll();
        return k;
    }
}
