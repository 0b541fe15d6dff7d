package io.mmemu.kernel;

import io.mmemu.kernel.fs.FdTable;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.UnixSock;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * poll(2), ppoll(2), select(2) and pselect6(2), fs/select.c, over each open file's poll answer
 * ({@link #vfsPoll}).
 *
 * <h2>Sleeping</h2>
 * When no descriptor is ready the caller sleeps ({@link LinuxSyscalls#BLOCK}) and the call is
 * re-executed whenever a task is woken (every pipe, socket or process event wakes all sleepers;
 * each re-checks, as a wait queue entry's wake-up makes do_poll() loop). The first sleep fixes the
 * deadline on the machine's virtual clock ({@link Processes.Proc#sleepDeadline}); a re-executed
 * call keeps it, as the restart_block keeps the end time. Time moves only when something reads
 * the clock, so a timeout ends when nothing else can run and the clock jumps to it (as a futex
 * timeout does), never while other tasks still run.
 *
 * <h2>Signal masks</h2>
 * ppoll and pselect6 replace the blocked set for their duration (set_user_sigmask()); when a
 * signal interrupts them the old set is restored only after the handler's frame recorded it
 * (TIF_RESTORE_SIGMASK, {@link Signals#setRestoreSigmask}), otherwise at once. An interrupted call
 * returns ERESTARTNOHAND, which the handler's delivery turns into EINTR (poll's
 * ERESTART_RESTARTBLOCK acts the same with a handler).
 */
final class Poll {
    /** The poll event bits, include/uapi/asm-generic/poll.h (x86's mangle_poll() is the identity). */
    static final int POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
            POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLRDHUP = 0x2000;
    /** DEFAULT_POLLMASK: the answer of a file without a poll method (regular files, devices, procfs). */
    static final int DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
    /** What counts as ready in each of select()'s three sets (fs/select.c). */
    static final int POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR,
            POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR, POLLEX_SET = POLLPRI;
    /** sizeof(struct pollfd), sizeof(sigset_t), sizeof(struct __kernel_old_timeval). */
    static final int POLLFD_SIZE = 8, SIGSET_SIZE = 8, TIMEVAL_SIZE = 16;
    static final long NSEC_PER_SEC = Timespec.NSEC_PER_SEC, NSEC_PER_MSEC = 1_000_000L, NSEC_PER_USEC = 1000,
            USEC_PER_SEC = 1_000_000L;
    /** An end time of "now" (a zero timeout: return at once), as poll_select_set_timeout() marks it. */
    private static final long ZERO_TIMEOUT = 0;

    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final Processes procs;
    private final TimeSyscalls time;
    private final Rlimits rlimits;

    Poll(UserAccess uaccess, FileSyscalls files, Processes procs, TimeSyscalls time, Rlimits rlimits) {
        this.uaccess = uaccess;
        this.files = files;
        this.procs = procs;
        this.time = time;
        this.rlimits = rlimits;
    }

    // ---- the system calls ----

    /** Models the poll() syscall: a negative timeout waits without end, else milliseconds. */
    long poll(Task task, long ufds, long nfds, int timeoutMsecs) {
        Processes.Proc p = procs.of(task);
        return finishSleep(p, sysPoll(task, p, ufds, nfds, timeoutMsecs));
    }

    /** Models the ppoll() syscall: a timespec timeout (EFAULT, EINVAL), then the signal mask, then the poll. */
    long ppoll(Task task, long ufds, long nfds, long tsp, long sigmask, long sigsetsize) {
        Processes.Proc p = procs.of(task);
        return finishSleep(p, sysPpoll(task, p, ufds, nfds, tsp, sigmask, sigsetsize));
    }

    /** Models the select() syscall: a timeval timeout whose microseconds may carry into seconds (EFAULT, EINVAL). */
    long select(Task task, int n, long inp, long outp, long exp, long tvp) {
        Processes.Proc p = procs.of(task);
        return finishSleep(p, sysSelect(task, p, n, inp, outp, exp, tvp));
    }

    /**
     * Models the pselect6() syscall: the sixth argument points at {sigset pointer, size}
     * (get_sigset_argpack(): EFAULT), the timespec, the mask, then select.
     */
    long pselect6(Task task, int n, long inp, long outp, long exp, long tsp, long sig) {
        Processes.Proc p = procs.of(task);
        return finishSleep(p, sysPselect6(task, p, n, inp, outp, exp, tsp, sig));
    }

    private long sysPoll(Task task, Processes.Proc p, long ufds, long nfds, int timeoutMsecs) {
        long end = Processes.NO_DEADLINE;
        if (timeoutMsecs >= 0) {
            end = endTime(p, timeoutMsecs / 1000, NSEC_PER_MSEC * (timeoutMsecs % 1000));
        }
        return doSysPoll(task, ufds, nfds, end);
    }

    private long sysPpoll(Task task, Processes.Proc p, long ufds, long nfds, long tsp, long sigmask, long sigsetsize) {
        Object t = timespecEndTime(task, p, tsp);
        if (t instanceof Integer e) return e;
        long end = (Long) t;
        long r = setUserSigmask(task, sigmask, sigsetsize);
        if (r != 0) return r;
        long ret = doSysPoll(task, ufds, nfds, end);
        return pollSelectFinish(task, end, tsp, false, ret);
    }

    private long sysSelect(Task task, Processes.Proc p, int n, long inp, long outp, long exp, long tvp) {
        long end = Processes.NO_DEADLINE;
        if (tvp != 0) {
            long[] tv = Timespec.get(uaccess, task.mm(), tvp);
            if (tv == null) return -Errno.EFAULT;
            long sec = tv[0] + tv[1] / USEC_PER_SEC, nsec = tv[1] % USEC_PER_SEC * NSEC_PER_USEC;
            if (!Timespec.valid(sec, nsec)) return -Errno.EINVAL;
            end = endTime(p, sec, nsec);
        }
        long ret = coreSysSelect(task, n, inp, outp, exp, end);
        return pollSelectFinish(task, end, tvp, true, ret);
    }

    private long sysPselect6(Task task, Processes.Proc p, int n, long inp, long outp, long exp, long tsp, long sig) {
        long sigmask = 0, sigsetsize = 0;
        if (sig != 0) {
            byte[] pack = new byte[16];
            if (uaccess.copyFromUser(task.mm(), pack, 0, sig, 16) < 0) return -Errno.EFAULT;
            ByteBuffer bb = ByteBuffer.wrap(pack).order(ByteOrder.LITTLE_ENDIAN);
            sigmask = bb.getLong(0);
            sigsetsize = bb.getLong(8);
        }
        Object t = timespecEndTime(task, p, tsp);
        if (t instanceof Integer e) return e;
        long end = (Long) t;
        long r = setUserSigmask(task, sigmask, sigsetsize);
        if (r != 0) return r;
        long ret = coreSysSelect(task, n, inp, outp, exp, end);
        return pollSelectFinish(task, end, tsp, false, ret);
    }

    // ---- poll ----

    /**
     * Models do_sys_poll() with do_poll(): more descriptors than RLIMIT_NOFILE (EINVAL), the array
     * (EFAULT), each entry's answer (a negative fd: 0; a closed one: POLLNVAL; else the file's
     * answer within the events asked for, POLLERR and POLLHUP); nothing ready sleeps until the end
     * time, or ends with ERESTARTNOHAND on a signal (EINTR after the handler); the revents are
     * written back (EFAULT) even then.
     */
    private long doSysPoll(Task task, long ufds, long nfds, long end) {
        if (Long.compareUnsigned(nfds & 0xffffffffL, rlimits.cur(task, Rlimits.RLIMIT_NOFILE)) > 0) return -Errno.EINVAL;
        int n = (int) (nfds & 0xffffffffL);
        byte[] fds = new byte[n * POLLFD_SIZE];
        if (n > 0 && uaccess.copyFromUser(task.mm(), fds, 0, ufds, fds.length) < 0) return -Errno.EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(fds).order(ByteOrder.LITTLE_ENDIAN);
        FdTable table = files.files(task);
        long count = 0;
        for (int i = 0; i < n; i++) {
            int fd = bb.getInt(i * POLLFD_SIZE);
            int events = bb.getShort(i * POLLFD_SIZE + 4) & 0xffff;
            int mask = 0;
            if (fd >= 0) {
                OpenFile f = table.get(fd);
                mask = f == null ? POLLNVAL : vfsPoll(f) & (events | POLLERR | POLLHUP);
            }
            bb.putShort(i * POLLFD_SIZE + 6, (short) mask);
            if (mask != 0) count++;
        }
        if (count == 0) {
            if (LinuxSyscalls.signalPending(task)) count = -Errno.ERESTARTNOHAND;
            else if (!timedOut(end)) return sleepUntil(procs.of(task), end);
        }
        for (int i = 0; i < n; i++) {
            if (uaccess.copyToUser(task.mm(), ufds + (long) i * POLLFD_SIZE + 6, fds, i * POLLFD_SIZE + 6, 2) < 0) {
                return -Errno.EFAULT;
            }
        }
        return count;
    }

    // ---- select ----

    /**
     * Models core_sys_select() with max_select_fd() and do_select(): a negative count (EINVAL),
     * the count cut to the descriptor table's size, the three sets (EFAULT), any set bit naming a
     * closed descriptor (EBADF), then each descriptor's answer against the sets; nothing ready
     * sleeps until the end time, or ends with ERESTARTNOHAND on a signal; the result sets
     * overwrite the caller's (EFAULT).
     */
    private long coreSysSelect(Task task, int n, long inp, long outp, long exp, long end) {
        if (n < 0) return -Errno.EINVAL;
        FdTable table = files.files(task);
        n = Math.min(n, table.maxFds());
        int words = (n + 63) / 64;
        long[] in = new long[words], out = new long[words], ex = new long[words];
        if (!getFdSet(task.mm(), inp, in) || !getFdSet(task.mm(), outp, out) || !getFdSet(task.mm(), exp, ex)) {
            return -Errno.EFAULT;
        }
        for (int fd = 0; fd < n; fd++) {
            if (isSet(in, fd) || isSet(out, fd) || isSet(ex, fd)) {
                if (table.get(fd) == null) return -Errno.EBADF;
            }
        }
        long[] resIn = new long[words], resOut = new long[words], resEx = new long[words];
        long count = 0;
        for (int fd = 0; fd < n; fd++) {
            boolean wantIn = isSet(in, fd), wantOut = isSet(out, fd), wantEx = isSet(ex, fd);
            if (!wantIn && !wantOut && !wantEx) continue;
            int mask = vfsPoll(table.get(fd));
            if (wantIn && (mask & POLLIN_SET) != 0) { set(resIn, fd); count++; }
            if (wantOut && (mask & POLLOUT_SET) != 0) { set(resOut, fd); count++; }
            if (wantEx && (mask & POLLEX_SET) != 0) { set(resEx, fd); count++; }
        }
        if (count == 0) {
            if (LinuxSyscalls.signalPending(task)) return -Errno.ERESTARTNOHAND;
            if (!timedOut(end)) return sleepUntil(procs.of(task), end);
        }
        if (!setFdSet(task.mm(), inp, resIn) || !setFdSet(task.mm(), outp, resOut) || !setFdSet(task.mm(), exp, resEx)) {
            return -Errno.EFAULT;
        }
        return count;
    }

    /** Models get_fd_set(): the set's first {@code bits.length} words, or all zero for a NULL set; false on EFAULT. */
    private boolean getFdSet(MmStruct mm, long addr, long[] bits) {
        if (addr == 0 || bits.length == 0) return true;
        byte[] b = new byte[bits.length * 8];
        if (uaccess.copyFromUser(mm, b, 0, addr, b.length) < 0) return false;
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(bits);
        return true;
    }

    /** Models set_fd_set(): writes the result words over a non-NULL set; false on EFAULT. */
    private boolean setFdSet(MmStruct mm, long addr, long[] bits) {
        if (addr == 0 || bits.length == 0) return true;
        ByteBuffer b = ByteBuffer.allocate(bits.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(bits);
        return uaccess.copyToUser(mm, addr, b.array(), 0, bits.length * 8) >= 0;
    }

    private static boolean isSet(long[] bits, int fd) {
        return (bits[fd >>> 6] >>> (fd & 63) & 1) != 0;
    }

    private static void set(long[] bits, int fd) {
        bits[fd >>> 6] |= 1L << (fd & 63);
    }

    // ---- what a file answers ----

    /**
     * Models vfs_poll(): the file's readiness. A pipe end (pipe_poll()): readable with bytes in it,
     * POLLHUP with no writer left; writable while a slot of its ring of page buffers is free,
     * POLLERR with no reader left. An AF_UNIX socket (unix_poll()
     * for streams, unix_dgram_poll() for datagrams and seqpackets). A pidfd (pidfd_poll()). A
     * userfaultfd (userfaultfd_poll()).
     * Every other file has no poll method: DEFAULT_POLLMASK.
     */
    int vfsPoll(OpenFile f) {
        return switch (f.content()) {
            case OpenFile.PipeEnd e -> pipePoll(e.pipe(), e.reader());
            case OpenFile.Socket s -> unixPoll(s.sock());
            case OpenFile.PidFd pf -> pidfdPoll(pf);
            case OpenFile.Userfaultfd u -> userfaultfdPoll(u, f.flags());
            default -> DEFAULT_POLLMASK;
        };
    }

    /** Models pipe_poll() for one end (a pipe's end is opened for reading or for writing, never both). */
    static int pipePoll(OpenFile.Pipe pipe, boolean reader) {
        int mask = 0;
        if (reader) {
            if (!pipe.empty()) mask |= POLLIN | POLLRDNORM;
            if (pipe.writers == 0) mask |= POLLHUP;
        } else {
            if (!pipe.full()) mask |= POLLOUT | POLLWRNORM;
            if (pipe.readers == 0) mask |= POLLERR;
        }
        return mask;
    }

    /** Models unix_poll() (SOCK_STREAM) and unix_dgram_poll() (SOCK_DGRAM, SOCK_SEQPACKET) of a connected socket. */
    static int unixPoll(UnixSock sk) {
        int mask = 0;
        if (sk.err != 0) mask |= POLLERR;
        if (sk.shutdown == UnixSock.SHUTDOWN_MASK) mask |= POLLHUP;
        if ((sk.shutdown & UnixSock.RCV_SHUTDOWN) != 0) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
        if (!sk.receiveQueue.isEmpty()) mask |= POLLIN | POLLRDNORM;
        // unix_writable(). (unix_dgram_poll()'s check of a full receive queue concerns a peer that is
        // not connected back, which a socketpair's never is.)
        if ((sk.wmemAlloc << 2) <= UnixSockets.SK_SNDBUF) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
        return mask;
    }

    /**
     * Models userfaultfd_poll(): POLLERR before UFFDIO_API and on a blocking descriptor ("poll()
     * never guarantees that read won't block"), else readable while a fault waits to be read
     * (/dev/userfaultfd itself, with no context, has no poll method).
     */
    static int userfaultfdPoll(OpenFile.Userfaultfd u, int fileFlags) {
        if (u.ctx() == null) return DEFAULT_POLLMASK;
        if (!u.ctx().isInitialized() || (fileFlags & Pipes.O_NONBLOCK) == 0) return POLLERR;
        return u.ctx().hasPendingFault() ? POLLIN : 0;
    }

    /** Models pidfd_poll(): readable once the thread (PIDFD_THREAD) or the whole thread group has exited; POLLHUP once reaped. */
    int pidfdPoll(OpenFile.PidFd pf) {
        Processes.Proc p = procs.byPid(pf.task().pid());
        if (p == null || p.task != pf.task()) return POLLIN | POLLRDNORM | POLLHUP;
        if (!p.task.exited()) return 0;
        if (pf.thread() || threadGroupEmpty(p.task)) return POLLIN | POLLRDNORM;
        return 0;
    }

    private boolean threadGroupEmpty(Task leader) {
        for (Processes.Proc q : procs.all()) {
            if (q.task != leader && q.task.tgid() == leader.tgid() && q.alive()) return false;
        }
        return true;
    }

    // ---- time and masks ----

    /** Models poll_select_set_timeout() after its check: the end time on the virtual monotonic clock, or ZERO_TIMEOUT. */
    private long setTimeout(long sec, long nsec) {
        if (sec == 0 && nsec == 0) return ZERO_TIMEOUT;
        return Timespec.addSafe(time.nowNanos(TimeSyscalls.CLOCK_MONOTONIC), Timespec.toNanos(sec, nsec));
    }

    /**
     * The end time of a call with timeout {@code sec}, {@code nsec}: the deadline its first sleep
     * fixed when the call is re-executed after a wake-up (the restart_block's end time), else a new one.
     */
    private long endTime(Processes.Proc p, long sec, long nsec) {
        return p.sleepDeadline != Processes.NO_DEADLINE ? p.sleepDeadline : setTimeout(sec, nsec);
    }

    /** Whether a call with end time {@code end} must return now: a zero timeout, or its deadline has passed. */
    private boolean timedOut(long end) {
        if (end == ZERO_TIMEOUT) return true;
        return end != Processes.NO_DEADLINE && time.nowNanos(TimeSyscalls.CLOCK_MONOTONIC) >= end;
    }

    /** The caller sleeps until woken or until {@code end}; the re-executed call keeps the end time. */
    private static long sleepUntil(Processes.Proc p, long end) {
        p.sleepDeadline = end;
        return LinuxSyscalls.BLOCK;
    }

    /** A return other than a sleep ends the timed sleep: the next call starts afresh. */
    private static long finishSleep(Processes.Proc p, long ret) {
        if (ret != LinuxSyscalls.BLOCK) p.sleepDeadline = Processes.NO_DEADLINE;
        return ret;
    }

    /**
     * Models set_user_sigmask(): nothing for a NULL mask; EINVAL unless the size is sizeof(sigset_t);
     * EFAULT; then the mask replaces the blocked set (SIGKILL and SIGSTOP stay unblocked).
     */
    private long setUserSigmask(Task task, long umask, long sigsetsize) {
        if (umask == 0) return 0;
        if (sigsetsize != SIGSET_SIZE) return -Errno.EINVAL;
        byte[] b = new byte[SIGSET_SIZE];
        if (uaccess.copyFromUser(task.mm(), b, 0, umask, SIGSET_SIZE) < 0) return -Errno.EFAULT;
        long mask = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Signals.setRestoreSigmask(task, mask);
        return 0;
    }

    /**
     * Models poll_select_finish(): the saved mask goes back unless a signal interrupted the call
     * (then after the handler, see {@link Signals}); for a call with a non-zero timeout the time
     * left is written back over it (a timeval for select, a timespec for ppoll and pselect6). When
     * that memory cannot be written the call cannot be restarted with it: an interrupted call
     * then ends with EINTR whatever the handler.
     */
    private long pollSelectFinish(Task task, long end, long userTime, boolean timeval, long ret) {
        if (ret == LinuxSyscalls.BLOCK) return ret;
        if (ret != -Errno.ERESTARTNOHAND) Signals.restoreSavedSigmask(task);
        if (userTime == 0 || end == ZERO_TIMEOUT || end == Processes.NO_DEADLINE) return ret;
        long left = Math.max(0, end - time.nowNanos(TimeSyscalls.CLOCK_MONOTONIC));
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, left / NSEC_PER_SEC)
                .putLong(8, timeval ? left % NSEC_PER_SEC / NSEC_PER_USEC : left % NSEC_PER_SEC);
        if (uaccess.copyToUser(task.mm(), userTime, b.array(), 0, 16) >= 0) return ret;
        return ret == -Errno.ERESTARTNOHAND ? -Errno.EINTR : ret;
    }

    /**
     * The end time of ppoll's and pselect6's timespec (get_timespec64(): EFAULT;
     * poll_select_set_timeout(): EINVAL), {@link Processes#NO_DEADLINE} for a NULL one, or the
     * deadline a re-executed call keeps; an Integer errno or a Long.
     */
    private Object timespecEndTime(Task task, Processes.Proc p, long tsp) {
        if (tsp == 0) return Processes.NO_DEADLINE;
        long[] ts = Timespec.get(uaccess, task.mm(), tsp);
        if (ts == null) return -Errno.EFAULT;
        if (!Timespec.valid(ts[0], ts[1])) return -Errno.EINVAL;
        return endTime(p, ts[0], ts[1]);
    }
}
