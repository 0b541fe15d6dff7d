package io.mmemu.emulator.kernel;

import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.mm.slab.KernelSlab;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The processes of one machine and their scheduling on its CPU: fork (kernel/fork.c), exit with
 * zombies and SIGCHLD (kernel/exit.c), wait4, and the choice of what runs next.
 *
 * <p>Scheduling is deterministic and cooperative: the running process keeps the CPU until it
 * exits, is killed, sleeps or yields; then the next runnable process in pid order (round robin)
 * runs. A fork's parent goes on first, as Linux's default (sched_child_runs_first = 0). Sleeping
 * is coarse: a blocking syscall ends with the task asleep and its syscall instruction re-executed
 * when it is woken; any event that may satisfy a sleeper (an exit, pipe traffic, a signal) wakes
 * every sleeper, which then re-checks (a thundering herd, but exact in outcome).
 *
 * <p>Each process not on the CPU keeps its registers in a Unicorn context.
 *
 * <p>Each process owns its kernel objects in the slab caches of emulated memory, allocated when
 * it is created ({@link #add}, the allocations of copy_process()) and freed as Linux frees them:
 * the files_struct when it exits (exit_files()), the rest when it is reaped (release_task():
 * sighand_struct, signal_struct, pid and task_struct), or at the end of the run for a process
 * nobody reaped ({@link #releaseAll}).
 */
final class Processes {
    /** One process: its task, saved registers while off the CPU, and its scheduling state. */
    static final class Proc {
        final Task task;
        Unicorn.Context ctx;
        boolean sleeping;
        /** A fork child that has not run yet: on its first run its registers are its parent's at the fork. */
        boolean forkChild;
        boolean zombie;
        boolean reaped;
        /** Physical addresses of the process's objects in task_struct_cachep, pid_cachep, signal_cachep, sighand_cachep, files_cachep; 0 once freed. */
        long taskStruct, pid, signal, sighand, files;

        Proc(Task task) {
            this.task = task;
        }
    }

    static final int WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8, WNOTHREAD = 0x20000000, WALL = 0x40000000,
            WCLONE = 0x80000000;
    static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;

    private final Map<Integer, Proc> procs = new TreeMap<>();
    private final UserAccess uaccess;
    private final KernelSlab slab;
    private int lastPid = Machine.FIRST_PID;
    private Proc current;

    Processes(UserAccess uaccess, KernelSlab slab) {
        this.uaccess = uaccess;
        this.slab = slab;
    }

    /**
     * Registers a new process with its kernel objects, allocated as copy_process(), kernel/fork.c,
     * does: dup_task_struct() (task_struct), copy_files() → dup_fd() (files_cache), copy_sighand()
     * (sighand_cache), copy_signal() (signal_cache), alloc_pid() (pid). All or nothing: null (the
     * caller fails with ENOMEM) when one cannot be allocated, with the others given back.
     */
    Proc add(Task t) {
        Proc p = new Proc(t);
        p.taskStruct = slab.alloc(slab.taskStructCachep());
        p.files = slab.alloc(slab.filesCachep());
        p.sighand = slab.alloc(slab.sighandCachep());
        p.signal = slab.alloc(slab.signalCachep());
        p.pid = slab.alloc(slab.pidCachep());
        if (p.taskStruct == 0 || p.files == 0 || p.sighand == 0 || p.signal == 0 || p.pid == 0) {
            exitFiles(p);
            freeTaskObjects(p);
            return null;
        }
        procs.put(t.tgid(), p);
        if (current == null) current = p;
        return p;
    }

    /** Models exit_files() → put_files_struct(), kernel/exit.c and fs/file.c: the files_struct goes at exit. */
    private void exitFiles(Proc p) {
        slab.free(slab.filesCachep(), p.files);
        p.files = 0;
    }

    /**
     * Models release_task(), kernel/exit.c: a reaped process gives back its sighand_struct
     * (__exit_signal() → __cleanup_sighand()), its signal_struct (free_signal_struct()), its pid
     * (free_pid()) and its task_struct (put_task_struct() → free_task()); Linux defers the last
     * ones past an RCU grace period, which the model does not have.
     */
    private void releaseTask(Proc p) {
        p.reaped = true;
        freeTaskObjects(p);
    }

    private void freeTaskObjects(Proc p) {
        slab.free(slab.sighandCachep(), p.sighand);
        slab.free(slab.signalCachep(), p.signal);
        slab.free(slab.pidCachep(), p.pid);
        slab.free(slab.taskStructCachep(), p.taskStruct);
        p.sighand = p.signal = p.pid = p.taskStruct = 0;
    }

    /** At the end of a run: frees the kernel objects of every process still holding them (zombies nobody reaped). */
    void releaseAll() {
        for (Proc p : procs.values()) {
            exitFiles(p);
            freeTaskObjects(p);
        }
    }

    Proc current() {
        return current;
    }

    Proc byPid(int pid) {
        Proc p = procs.get(pid);
        return p == null || p.reaped ? null : p;
    }

    /** alloc_pid(): the next free pid, increasing as Linux's (no wrap in a run this short). */
    int allocPid() {
        do {
            lastPid++;
        } while (procs.containsKey(lastPid));
        return lastPid;
    }

    void wakeAll() {
        for (Proc p : procs.values()) p.sleeping = false;
    }

    /** Models forget_original_parent() and exit_notify(): the task is a zombie its parent may reap. */
    void exitNotify(Proc p) {
        exitFiles(p); // do_exit() runs exit_files() just before exit_notify()
        p.zombie = true;
        for (Proc c : procs.values()) {
            if (!c.reaped && c.task.ppid() == p.task.tgid()) {
                c.task.setPpid(1);
                if (c.zombie) releaseTask(c); // init reaps it at once
            }
        }
        Proc parent = procs.get(p.task.ppid());
        if (parent == null || parent.reaped || parent.zombie) {
            releaseTask(p); // a child of init: reaped at once
            return;
        }
        // SIGCHLD ignored (or SA_NOCLDWAIT): the child is reaped at once (do_notify_parent).
        long handler = parent.task.sigHandler[Signals.SIGCHLD];
        boolean autoReap = handler == Signals.SIG_IGN || (parent.task.sigFlags[Signals.SIGCHLD] & 2) != 0;
        int code = p.task.termSignal() != 0 ? CLD_KILLED : CLD_EXITED;
        int status = p.task.termSignal() != 0 ? p.task.termSignal() : p.task.exitCode();
        Signals.send(parent.task, new SigInfo(Signals.SIGCHLD, code, 0, p.task.tgid(), 0, status, 0, 0));
        if (autoReap) releaseTask(p);
        wakeAll();
    }

    /** Whether {@code t} has a child at all (live or zombie, not reaped). */
    private List<Proc> children(Task t, int pid) {
        List<Proc> out = new ArrayList<>();
        for (Proc c : procs.values()) {
            if (c.reaped || c.task.ppid() != t.tgid()) continue;
            if (pid > 0 && c.task.tgid() != pid) continue;
            out.add(c);
        }
        return out;
    }

    /** Models do_wait() for wait4(): a zombie child's pid with its status, 0 for WNOHANG, or sleep. */
    long wait4(Task t, int pid, long statusAddr, int options, long rusageAddr, boolean signalPending) {
        if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) != 0) return -Errno.EINVAL;
        List<Proc> kids = children(t, pid);
        if (kids.isEmpty()) return -Errno.ECHILD;
        for (Proc c : kids) {
            if (!c.zombie) continue;
            MmStruct mm = t.mm();
            if (statusAddr != 0) {
                byte[] b = {(byte) c.task.waitStatus(), (byte) (c.task.waitStatus() >>> 8), 0, 0};
                if (uaccess.copyToUser(mm, statusAddr, b, 0, 4) < 0) return -Errno.EFAULT;
            }
            if (rusageAddr != 0 && uaccess.copyToUser(mm, rusageAddr, new byte[144], 0, 144) < 0) return -Errno.EFAULT;
            releaseTask(c);
            t.pending &= ~Signals.bit(Signals.SIGCHLD);
            return c.task.tgid();
        }
        if ((options & WNOHANG) != 0) return 0;
        return signalPending ? -Errno.EINTR : LinuxSyscalls.BLOCK;
    }

    /** The next process to run after {@code from}: runnable, in pid order after it, wrapping around. */
    Proc pickNext(Proc from) {
        Proc first = null;
        Proc after = null;
        for (Proc p : procs.values()) {
            if (p.zombie || p.reaped || p.sleeping) continue;
            if (first == null) first = p;
            if (after == null && p.task.tgid() > from.task.tgid()) after = p;
        }
        return after != null ? after : first;
    }

    /** Whether any process is alive (asleep or not). */
    boolean anyAlive() {
        for (Proc p : procs.values()) if (!p.zombie && !p.reaped) return true;
        return false;
    }

    List<Proc> alive() {
        List<Proc> out = new ArrayList<>();
        for (Proc p : procs.values()) if (!p.zombie && !p.reaped) out.add(p);
        return out;
    }

    /** Context switch: park {@code from}'s registers (if it lives on) and load {@code to}'s. */
    void switchTo(Cpu cpu, Proc from, Proc to) {
        Unicorn uc = cpu.engine();
        if (from != null && !from.zombie && !from.reaped && from != to) {
            if (from.ctx == null) from.ctx = uc.contextSave();
            else from.ctx.save();
        }
        if (to != from) {
            to.ctx.restore();
            if (to.forkChild) {
                // ret_from_fork: the child returns 0 from the fork syscall, after its instruction.
                to.forkChild = false;
                long rip = uc.regRead(X86Reg.RIP) + 2;
                uc.regWriteBatch(new int[] {X86Reg.RIP, X86Reg.RAX, X86Reg.RCX, X86Reg.R11},
                        new long[] {rip, 0, rip, uc.regRead(X86Reg.EFLAGS)});
            }
            cpu.switchTo(to.task);
        }
        current = to;
    }
}
