package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Stat;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.OomReaper;

/**
 * Pidfds (kernel/pid.c, kernel/fork.c's pidfd_prepare()) and the call that takes one to free a
 * dying process's memory at once, process_mrelease(2) (mm/oom_kill.c).
 */
final class Pidfds {
    /** PIDFD_NONBLOCK (O_NONBLOCK) and PIDFD_THREAD (O_EXCL): pidfd_open()'s only flags. */
    static final int PIDFD_NONBLOCK = 0x800, PIDFD_THREAD = 0x80;
    /** pidfs' superblock magic, shown as the files' st_dev. */
    static final long PIDFS_DEV = 0x50494446L & 0xffff;

    /**
     * The signals whose default action dumps core (SIG_KERNEL_COREDUMP_MASK): complete_signal()
     * does not mark the group exiting for them, do_coredump() will.
     */
    static final long SIG_KERNEL_COREDUMP_MASK = Signo.sigmask(3) | Signo.sigmask(4) | Signo.sigmask(5)
            | Signo.sigmask(6) | Signo.sigmask(7) | Signo.sigmask(8) | Signo.sigmask(11) | Signo.sigmask(24)
            | Signo.sigmask(25) | Signo.sigmask(31);

    private final FileSyscalls files;
    private final Processes procs;

    Pidfds(FileSyscalls files, Processes procs) {
        this.files = files;
        this.procs = procs;
    }

    /**
     * Models the pidfd_open() syscall: flags other than PIDFD_NONBLOCK and PIDFD_THREAD (EINVAL),
     * a pid not above 0 (EINVAL), no such pid (ESRCH: a reaped process; a zombie still has its
     * pid), a pid that leads no thread group without PIDFD_THREAD (pidfd_prepare(): EINVAL), then
     * a close-on-exec descriptor (EMFILE).
     */
    long sysPidfdOpen(Task caller, int pid, int flags) {
        if ((flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD)) != 0) return -Errno.EINVAL;
        if (pid <= 0) return -Errno.EINVAL;
        Processes.Proc p = procs.byPid(pid);
        if (p == null || p.reaped) return -Errno.ESRCH;
        boolean thread = (flags & PIDFD_THREAD) != 0;
        if (!thread && !p.task.isGroupLeader()) return -Errno.EINVAL;
        Stat st = new Stat(PIDFS_DEV, p.task.pid(), 1, Stat.S_IFREG | 0600, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        OpenFile f = new OpenFile(new OpenFile.PidFd(p.task, thread, st), "anon_inode:[pidfd]",
                FileSyscalls.O_RDWR | (flags & PIDFD_NONBLOCK));
        return files.installNew(caller, f, true);
    }

    /**
     * Models pidfd_get_task(): the task a pidfd names (its thread group's, or the thread with
     * PIDFD_THREAD), or a negative errno: EBADF for no descriptor or one that is no pidfd, ESRCH
     * once the task was reaped.
     */
    private Object pidfdGetTask(Task caller, long pidfd) {
        OpenFile f = files.files(caller).get(pidfd);
        if (f == null || !(f.content() instanceof OpenFile.PidFd pf)) return -Errno.EBADF;
        Processes.Proc p = procs.byPid(pf.task().pid());
        if (p == null || p.task != pf.task() || p.reaped) return -Errno.ESRCH;
        return p.task;
    }

    /**
     * Models the process_mrelease() syscall, mm/oom_kill.c: flags must be 0 (EINVAL); the pidfd
     * ({@link #pidfdGetTask}); a thread of the process that still has an mm (find_lock_task_mm():
     * ESRCH once all have exited); the process must be dying (task_will_free_mem(): EINVAL for a
     * live one); then its memory is reaped ({@link OomReaper#oomReapTaskMm}) and the call returns 0.
     */
    long sysProcessMrelease(Task caller, long pidfd, int flags) {
        if (flags != 0) return -Errno.EINVAL;
        Object r = pidfdGetTask(caller, pidfd);
        if (r instanceof Integer e) return e;
        Task p = findLockTaskMm((Task) r);
        if (p == null) return -Errno.ESRCH;
        MmStruct mm = p.mm();
        if (!taskWillFreeMem(p)) return -Errno.EINVAL; // MMF_OOM_SKIP is never set on an mm a task still holds here
        OomReaper.oomReapTaskMm(mm);
        return 0;
    }

    /** Models find_lock_task_mm(): a live thread of {@code t}'s group that still has its mm, or null. */
    private Task findLockTaskMm(Task t) {
        for (Processes.Proc p : procs.threads(t.tgid())) if (p.task.mm() != null) return p.task;
        return null;
    }

    /**
     * Models task_will_free_mem(): the task's group is dying ({@link #groupExiting}), and so is
     * every other process that shares its mm (a CLONE_VM child), so that the memory is about to go.
     */
    private boolean taskWillFreeMem(Task t) {
        MmStruct mm = t.mm();
        if (mm == null || !groupExiting(t.tgid())) return false;
        if (mm.mmUsers() <= 1) return true;
        for (Processes.Proc p : procs.all()) {
            if (!p.alive() || p.task.mm() != mm || p.task.tgid() == t.tgid()) continue;
            if (!groupExiting(p.task.tgid())) return false;
        }
        return true;
    }

    /**
     * Models __task_will_free_mem()'s SIGNAL_GROUP_EXIT: complete_signal() sets it when a fatal
     * signal reaches the group (SIGKILL, or a signal a thread does not block whose default action
     * kills without a core dump and that nobody handles); the model's tasks exit synchronously, so
     * a group exit in progress is that signal still pending.
     */
    private boolean groupExiting(int tgid) {
        for (Processes.Proc p : procs.threads(tgid)) {
            Task t = p.task;
            if ((t.pending & Signo.sigmask(Signo.SIGKILL)) != 0) return true;
            long fatal = t.pending & ~t.blocked & ~SIG_KERNEL_COREDUMP_MASK;
            for (long m = fatal; m != 0; m &= m - 1) {
                int sig = Long.numberOfTrailingZeros(m) + 1;
                if (t.sigHandler[sig] == Signals.SIG_DFL && !Signals.defaultIgnores(sig)) return true;
            }
        }
        return false;
    }
}
