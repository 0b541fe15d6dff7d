package io.mmemu.kernel;

import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The signal syscalls of kernel/signal.c: rt_sigaction, rt_sigprocmask, kill, tkill and tgkill.
 * Delivery, the signal frame and rt_sigreturn are {@link Signals}'. All processes form one process
 * group here, so kill() of 0 or of a negative pid reaches every process.
 */
final class SignalSyscalls {
    /** SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK: rt_sigprocmask's {@code how}. */
    static final int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
    /** sizeof(sigset_t) on x86-64: the only sigsetsize the calls accept. */
    static final int SIGSET_SIZE = 8;
    /** sizeof(struct kernel_sigaction) {handler, flags, restorer, mask}. */
    static final int KERNEL_SIGACTION_SIZE = 32;
    /**
     * The sa_flags the kernel knows (UAPI_SA_FLAGS: SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO,
     * SA_EXPOSE_TAGBITS, SA_RESTORER, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND); others are
     * cleared, so that a program can see which flags are supported.
     */
    static final long UAPI_SA_FLAGS = 0xdc000807L;

    private final UserAccess uaccess;
    private final Processes procs;

    SignalSyscalls(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
    }

    /**
     * Models sys_rt_sigaction() and do_sigaction(): struct kernel_sigaction {handler, flags,
     * restorer, mask}. The sigset size first, then the new action is copied in (EFAULT before
     * the signal number is looked at), then the signal number (EINVAL; SIGKILL and SIGSTOP only
     * without a new action); unknown flags are dropped; the old action is copied out last.
     */
    long rtSigaction(Task task, int sig, long act, long oact, long sigsetsize) {
        MmStruct mm = task.mm();
        if (sigsetsize != SIGSET_SIZE) return -Errno.EINVAL;
        byte[] a = null;
        if (act != 0) {
            a = new byte[KERNEL_SIGACTION_SIZE];
            if (uaccess.copyFromUser(mm, a, 0, act, KERNEL_SIGACTION_SIZE) < 0) return -Errno.EFAULT;
        }
        if (sig < 1 || !Signo.validSignal(sig) || (sigKernelOnly(sig) && act != 0)) return -Errno.EINVAL;
        byte[] old = new byte[KERNEL_SIGACTION_SIZE];
        ByteBuffer ob = ByteBuffer.wrap(old).order(ByteOrder.LITTLE_ENDIAN);
        ob.putLong(0, task.sigHandler[sig]).putLong(8, task.sigFlags[sig] & UAPI_SA_FLAGS)
                .putLong(16, task.sigRestorer[sig]).putLong(24, task.sigMask[sig]);
        if (a != null) {
            ByteBuffer ab = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
            task.sigHandler[sig] = ab.getLong(0);
            task.sigFlags[sig] = ab.getLong(8) & UAPI_SA_FLAGS;
            task.sigRestorer[sig] = ab.getLong(16);
            task.sigMask[sig] = ab.getLong(24) & ~Signals.UNBLOCKABLE;
            // Setting SIG_IGN discards a pending instance (sig_handler_ignored → flush).
            if (task.sigHandler[sig] == Signals.SIG_IGN || task.sigHandler[sig] == Signals.SIG_DFL
                    && Signals.defaultIgnores(sig)) {
                task.pending &= ~Signo.sigmask(sig);
            }
        }
        if (oact != 0 && uaccess.copyToUser(mm, oact, old, 0, KERNEL_SIGACTION_SIZE) < 0) return -Errno.EFAULT;
        return 0;
    }

    /** sig_kernel_only(): SIGKILL and SIGSTOP, whose action nobody may change. */
    private static boolean sigKernelOnly(int sig) {
        return sig == Signo.SIGKILL || sig == Signo.SIGSTOP;
    }

    /**
     * Models the rt_sigsuspend() syscall: EINVAL unless the size is sizeof(sigset_t), EFAULT, then
     * the mask replaces the blocked set (SIGKILL and SIGSTOP stay unblocked) and the task sleeps
     * until a signal is pending under it; it returns ERESTARTNOHAND (EINTR once a handler runs), and the old mask comes back once the
     * handler's frame has recorded it (sigsuspend() with set_restore_sigmask()).
     */
    long rtSigsuspend(Task task, long unewset, long sigsetsize) {
        if (sigsetsize != 8) return -Errno.EINVAL;
        byte[] b = new byte[8];
        if (uaccess.copyFromUser(task.mm(), b, 0, unewset, 8) < 0) return -Errno.EFAULT;
        Signals.setRestoreSigmask(task, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong());
        return LinuxSyscalls.signalPending(task) ? -Errno.ERESTARTNOHAND : LinuxSyscalls.BLOCK;
    }

    /**
     * Models sys_rt_sigprocmask() and sigprocmask(): the sigset size, then the new set copied in,
     * then {@code how}; SIGKILL and SIGSTOP are never blocked; the old set is copied out last.
     */
    long rtSigprocmask(Task task, int how, long set, long oldset, long sigsetsize) {
        MmStruct mm = task.mm();
        if (sigsetsize != SIGSET_SIZE) return -Errno.EINVAL;
        long old = task.blocked;
        if (set != 0) {
            byte[] b = new byte[SIGSET_SIZE];
            if (uaccess.copyFromUser(mm, b, 0, set, SIGSET_SIZE) < 0) return -Errno.EFAULT;
            long s = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong() & ~Signals.UNBLOCKABLE;
            switch (how) {
                case SIG_BLOCK -> task.blocked |= s;
                case SIG_UNBLOCK -> task.blocked &= ~s;
                case SIG_SETMASK -> task.blocked = s;
                default -> {
                    return -Errno.EINVAL;
                }
            }
        }
        if (oldset != 0 && uaccess.putUserLong(mm, oldset, old) < 0) return -Errno.EFAULT;
        return 0;
    }

    /**
     * Models do_tkill() for tgkill() and, with tgid -1, tkill(): a signal to one thread. The ids
     * first (EINVAL), then the thread (ESRCH: do_send_specific() looks it up before
     * check_kill_permission() looks at the signal), then the signal (EINVAL).
     */
    long doTkill(Task task, int tgid, int tid, int sig) {
        if (tid <= 0 || (tgid != -1 && tgid <= 0)) return -Errno.EINVAL;
        Processes.Proc p = procs.byPid(tid);
        if (p == null || !p.alive() || (tgid != -1 && p.task.tgid() != tgid)) return -Errno.ESRCH;
        if (!Signo.validSignal(sig)) return -Errno.EINVAL;
        if (sig == 0) return 0;
        Signals.send(p.task, SigInfo.user(sig, SiCode.SI_TKILL, task.tgid(), 0));
        procs.wakeAll();
        return 0;
    }

    /**
     * Models kill_something_info(): one process; the caller's process group for 0, the group -pid
     * below -1 (__kill_pgrp_info()); every process but the caller's for -1. A pid that names
     * nothing is ESRCH before the signal is looked at (group_send_sig_info() checks it, per
     * target); INT_MIN is ESRCH.
     */
    long sysKill(Task task, int pid, int sig, int code) {
        List<Task> targets = new ArrayList<>();
        if (pid > 0) {
            Processes.Proc p = procs.byPid(pid); // a thread's id names its process too (find_vpid())
            if (p == null) return -Errno.ESRCH;
            if (!Signo.validSignal(sig)) return -Errno.EINVAL;
            Processes.Proc target = procs.signalTarget(p.task.tgid(), sig);
            if (target == null) return 0; // a zombie: the signal is accepted and goes nowhere
            targets.add(target.task);
        } else {
            if (pid == Integer.MIN_VALUE) return -Errno.ESRCH; // -INT_MIN is undefined
            SortedSet<Integer> groups = new TreeSet<>();
            int pgrp = pid == 0 ? procs.leaderOf(task).pgid : -pid;
            for (Processes.Proc p : procs.alive()) {
                if (pid == -1 ? p.task.tgid() != task.tgid() : procs.leaderOf(p.task).pgid == pgrp) groups.add(p.task.tgid());
            }
            if (groups.isEmpty()) return -Errno.ESRCH;
            if (!Signo.validSignal(sig)) return -Errno.EINVAL;
            for (int tgid : groups) targets.add(procs.signalTarget(tgid, sig).task);
        }
        if (sig == 0) return 0;
        for (Task t : targets) Signals.send(t, SigInfo.user(sig, code, task.tgid(), 0));
        procs.wakeAll();
        return 0;
    }
}
