package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchRegs;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.phys.PageTypes;
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
 * The tasks of one machine — processes and their threads — and their lifecycle: fork and clone
 * (kernel/fork.c), exit of a thread and of a thread group with zombies and SIGCHLD
 * (kernel/exit.c), and wait4. Which task runs where is the {@link Scheduler}'s business.
 *
 * <p>A process is a thread group: its leader's tid is the group's tgid, what getpid() returns.
 * Threads share the leader's mm, signal handlers and descriptor table. A thread other than the
 * leader is reaped at once when it exits (its exit_signal is -1); the leader stays a zombie
 * until the last thread of its group has exited, and only then is the parent told (SIGCHLD).
 *
 * <p>Sleeping is coarse: a blocking syscall ends with the task asleep and its syscall
 * instruction re-executed when it is woken; any event that may satisfy a sleeper (an exit, pipe
 * traffic, a signal) wakes every sleeper, which then re-checks (a thundering herd, but exact in
 * outcome). Futex waiters re-check their own queue entry instead ({@link Futexes}).
 *
 * <p>Each task's kernel objects live in the slab caches of emulated memory, allocated when it
 * is created ({@link #add}, the allocations of copy_process()) and freed as Linux frees them:
 * the files_struct when its process exits (exit_files()), the rest when it is reaped
 * (release_task(): sighand_struct, signal_struct, pid and task_struct), or at the end of the
 * run for a process nobody reaped ({@link #releaseAll}). A thread has its own task_struct and
 * pid and shares the group's other objects.
 *
 * <h2>Limits</h2>
 * copy_process() refuses a new task with EAGAIN as Linux does (kernel/fork.c, kernel/pid.c):
 * when its user already has RLIMIT_NPROC tasks (root, INIT_USER, is exempt, as are holders of
 * CAP_SYS_RESOURCE or CAP_SYS_ADMIN), when the machine has threads-max tasks (everyone, root
 * included: this is what stops a root fork bomb), and when no pid below pid_max is free. Both
 * counts are of tasks not yet released: running, asleep, or zombies nobody has reaped. Pids are
 * handed out cyclically as alloc_pid() does, wrapping to RESERVED_PIDS (300).
 */
final class Processes {
    /** One task: its saved registers while off the CPU, and its scheduling state. */
    static final class Proc {
        final Task task;
        /** The task's registers while it is off its CPU (a context of that CPU). */
        ArchRegs.Context ctx;
        /** Registers and FPU state of a fork or clone child that has not run yet, loaded at its first switch (copy_thread()). */
        PtRegs startRegs;
        FpuState startFpu;
        /** The CPU whose run queue holds the task. */
        int cpu;
        boolean sleeping;
        /**
         * The virtual deadline (monotonic nanoseconds) of the timed sleep the task is in (poll, select:
         * the timeout its restart_block keeps), or {@link #NO_DEADLINE} for none: set when the call
         * first sleeps, kept while it is re-executed after wake-ups, reset when the call returns.
         */
        long sleepDeadline = NO_DEADLINE;
        /** It called sched_yield(): the CPU takes the next task of its queue. */
        boolean yielded;
        /** Its time slice ran out: the CPU takes the next task of its queue. */
        boolean preempted;
        /** The whole thread group has exited: the leader waits to be reaped by its parent. */
        boolean zombie;
        /** Gone: its kernel objects freed (a reaped zombie, or a thread that exited). */
        boolean reaped;
        /** Its credentials (task->cred): uids and capabilities. */
        Cred cred = Cred.ROOT;
        /** A CLONE_VFORK child's parent, asleep until this task's mm_release() (task->vfork_done); null otherwise. */
        Proc vforkParent;
        /** The pid of the CLONE_VFORK child this task waits for in wait_for_vfork_done(), or 0. */
        int vforkChild;
        /**
         * The process group and session (signal->pids[PIDTYPE_PGID], [PIDTYPE_SID]), kept in the
         * group leader's entry. The first program starts in the notional init's (1), so that,
         * like a program a shell or a test runner started, it leads neither.
         */
        int pgid = 1, sid = 1;
        /** signal->leader: the process made its session with setsid(). */
        boolean sessionLeader;
        /** PF_FORKNOEXEC cleared: the process has run execve() since it was forked. */
        boolean execed;
        /** Its ptrace side (kernel/ptrace.c) once a tracer took it, else null: tracer, stop, report. */
        Ptrace.Tracee ptrace;
        /** Physical addresses of the task's objects in task_struct_cachep, pid_cachep, signal_cachep, sighand_cachep, files_cachep; 0 once freed or shared. */
        long taskStruct, pid, signal, sighand, files;

        Proc(Task task) {
            this.task = task;
        }

        /** Runnable or asleep: neither exited nor gone. */
        boolean alive() {
            return !task.exited() && !reaped;
        }
    }

    /** {@link Proc#sleepDeadline} of a sleep without a timeout. */
    static final long NO_DEADLINE = -1;

    static final int WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8, WNOTHREAD = 0x20000000, WALL = 0x40000000,
            WCLONE = 0x80000000;
    static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;

    /** PID_MAX_DEFAULT, PIDS_PER_CPU_DEFAULT, PID_MAX_LIMIT (64-bit) and RESERVED_PIDS, include/linux/threads.h. */
    static final int PID_MAX_DEFAULT = 0x8000, PIDS_PER_CPU_DEFAULT = 1024, PID_MAX_LIMIT = 4 * 1024 * 1024,
            RESERVED_PIDS = 300;
    /** MIN_THREADS and MAX_THREADS (FUTEX_TID_MASK), kernel/fork.c; THREAD_SIZE is 16 KiB on x86-64. */
    static final int MIN_THREADS = 20, MAX_THREADS = 0x3fff_ffff;
    static final long THREAD_SIZE = 16 * 1024;

    private final Map<Integer, Proc> procs = new TreeMap<>();
    private final UserAccess uaccess;
    private final KernelSlab slab;
    /** kernel.pid_max: pids are below it. */
    private final int pidMax;
    /** kernel.threads-max: the most tasks the machine holds. */
    private final int maxThreads;
    private int lastPid = Kernel.FIRST_PID;
    private int wakeups;
    /** The run's recorder or replayer, or null. */
    private RunEvents events;
    /** ptrace(2)'s state, told of exits (exit_ptrace()). */
    private Ptrace ptrace;
    /** nr_threads: tasks not yet released (release_task() lowers it). */
    private int nrThreads;
    /** The UCOUNT_RLIMIT_NPROC count of each real uid: its tasks not yet released. */
    private final Map<Integer, Integer> userTasks = new TreeMap<>();

    /**
     * @param pidMax     kernel.pid_max ({@link #defaultPidMax})
     * @param maxThreads kernel.threads-max ({@link #defaultMaxThreads})
     */
    Processes(UserAccess uaccess, KernelSlab slab, int pidMax, int maxThreads) {
        if (pidMax <= RESERVED_PIDS || pidMax > PID_MAX_LIMIT) {
            throw new IllegalArgumentException("pid_max must be " + (RESERVED_PIDS + 1) + ".." + PID_MAX_LIMIT + " (got "
                    + pidMax + ")");
        }
        if (maxThreads < 1) throw new IllegalArgumentException("threads-max must be positive (got " + maxThreads + ")");
        this.uaccess = uaccess;
        this.slab = slab;
        this.pidMax = pidMax;
        this.maxThreads = maxThreads;
    }

    /** Models pid_idr_init(), kernel/pid.c: pid_max grows with the CPUs, 1024 each, above 32768. */
    static int defaultPidMax(int cpus) {
        return Math.min(PID_MAX_LIMIT, Math.max(PID_MAX_DEFAULT, PIDS_PER_CPU_DEFAULT * cpus));
    }

    /**
     * Models set_max_threads(), kernel/fork.c: the thread structures (THREAD_SIZE each) may take
     * an eighth of memory at most, clamped to [MIN_THREADS, MAX_THREADS]. {@code ramPages} is
     * the memory Linux counts (totalram_pages).
     */
    static int defaultMaxThreads(long ramPages) {
        // fls64(nr_pages) + fls64(PAGE_SIZE) > 64: the product would overflow, so MAX_THREADS.
        long threads = 64 - Long.numberOfLeadingZeros(ramPages) + 13 > 64 ? MAX_THREADS
                : ramPages * PageTypes.PAGE_SIZE / (THREAD_SIZE * 8);
        return (int) Math.max(MIN_THREADS, Math.min(MAX_THREADS, threads));
    }

    int pidMax() {
        return pidMax;
    }

    int maxThreads() {
        return maxThreads;
    }

    /** nr_threads: tasks not yet released. */
    int nrThreads() {
        return nrThreads;
    }

    /** nr_running(): tasks runnable now (not asleep, not exited). */
    int nrRunning() {
        int n = 0;
        for (Proc p : procs.values()) if (p.alive() && !p.sleeping) n++;
        return n;
    }

    /** The last pid handed out (what /proc/loadavg shows last). */
    int lastPid() {
        return lastPid;
    }

    /**
     * Models the checks of copy_process(), kernel/fork.c, before anything is copied: 0, or
     * -EAGAIN when the new task would take the user of {@code cred} past {@code nproc}
     * (RLIMIT_NPROC; not for INIT_USER or a holder of CAP_SYS_RESOURCE or CAP_SYS_ADMIN), or the
     * machine past threads-max (for everyone: "the check is only there to stop root fork bombs").
     */
    long copyProcessLimits(Cred cred, long nproc) {
        long tasks = userTasks.getOrDefault(cred.uid(), 0);
        // is_rlimit_overlimit() counts the new task already (copy_creds() took it): over means > limit.
        if (nproc != Rlimits.RLIM_INFINITY && Long.compareUnsigned(tasks + 1, nproc) > 0 && !cred.initUser()
                && !cred.capable(Cred.CAP_SYS_RESOURCE) && !cred.capable(Cred.CAP_SYS_ADMIN)) {
            return -Errno.EAGAIN;
        }
        if (nrThreads >= maxThreads) return -Errno.EAGAIN;
        return 0;
    }

    /** The tasks of real uid {@code uid} not yet released (its UCOUNT_RLIMIT_NPROC count). */
    int userTasks(int uid) {
        return userTasks.getOrDefault(uid, 0);
    }

    /** Models commit_creds(), kernel/cred.c: a change of real uid moves the task to the new user's count. */
    void commitCreds(Proc p, Cred next) {
        if (next.uid() != p.cred.uid() && !p.reaped) {
            countUserTask(p.cred.uid(), -1);
            countUserTask(next.uid(), 1);
        }
        p.cred = next;
    }

    private void countUserTask(int uid, int delta) {
        int n = userTasks.getOrDefault(uid, 0) + delta;
        if (n == 0) userTasks.remove(uid);
        else userTasks.put(uid, n);
    }

    /**
     * Registers a new process with its kernel objects, allocated as copy_process(), kernel/fork.c,
     * does: dup_task_struct() (task_struct), copy_files() → dup_fd() (files_cache), copy_sighand()
     * (sighand_cache), copy_signal() (signal_cache), alloc_pid() (pid). All or nothing: null (the
     * caller fails with ENOMEM) when one cannot be allocated, with the others given back.
     */
    Proc add(Task t) {
        return add(t, Cred.ROOT);
    }

    /** {@link #add(Task)} for a task with credentials {@code cred} (copy_creds() gives the parent's). */
    Proc add(Task t, Cred cred) {
        return add(t, cred, () -> true);
    }

    /**
     * {@link #add(Task, Cred)} with copy_mm() in its place: {@code copyMm} runs after the task's
     * signal_struct and before its pid are allocated, as in copy_process(), and returning false
     * fails the whole (the caller frees what it made).
     */
    Proc add(Task t, Cred cred, java.util.function.BooleanSupplier copyMm) {
        Proc p = new Proc(t);
        p.cred = cred;
        // copy_process()'s order, stopping at the first failure as its bad_fork_* labels do (so
        // that failslab's call numbers are Linux's): dup_task_struct(), copy_files(),
        // copy_sighand(), copy_signal(), copy_mm(), alloc_pid().
        p.taskStruct = slab.alloc(slab.taskStructCachep());
        boolean failed = p.taskStruct == 0;
        if (t.isGroupLeader()) { // a thread shares its group's files_struct, sighand_struct and signal_struct
            if (!failed) failed = (p.files = slab.alloc(slab.filesCachep())) == 0;
            if (!failed) failed = (p.sighand = slab.alloc(slab.sighandCachep())) == 0;
            if (!failed) failed = (p.signal = slab.alloc(slab.signalCachep())) == 0;
        }
        if (!failed) failed = !copyMm.getAsBoolean();
        if (!failed) failed = (p.pid = slab.alloc(slab.pidCachep())) == 0;
        if (failed) {
            exitFiles(p);
            freeTaskObjects(p);
            return null;
        }
        // A reaped task of the same pid (pids wrap) leaves the table here.
        procs.put(t.pid(), p);
        nrThreads++;
        countUserTask(cred.uid(), 1);
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
        if (!p.reaped) {
            nrThreads--; // __unhash_process()
            countUserTask(p.cred.uid(), -1); // dec_rlimit_ucounts(UCOUNT_RLIMIT_NPROC)
        }
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

    /**
     * Drops the entries of the tasks that are gone, with their saved engine context, as Linux
     * frees a task_struct once it is released: the host then keeps nothing for a task beyond
     * its life (and its time as a zombie), and each walk over the tasks sees only those. Called
     * between the scheduler's rounds, when no syscall is looking at an entry.
     */
    void forgetReaped() {
        for (java.util.Iterator<Proc> it = procs.values().iterator(); it.hasNext(); ) {
            Proc p = it.next();
            if (!p.reaped) continue;
            if (p.ctx != null) {
                p.ctx.close();
                p.ctx = null;
            }
            it.remove();
        }
    }

    /** The task with thread id {@code tid} (a process's leader when tid is its pid), unless gone. */
    Proc byPid(int tid) {
        Proc p = procs.get(tid);
        return p == null || p.reaped ? null : p;
    }

    /** The entry of {@code t}'s thread-group leader (task->group_leader), which holds the process's group and session. */
    Proc leaderOf(Task t) {
        return procs.get(t.tgid());
    }

    /** Models pid_task(pid, PIDTYPE_PGID) != NULL: some process not yet reaped is in process group {@code pgid}. */
    boolean pgrpExists(int pgid) {
        for (Proc p : procs.values()) if (!p.reaped && p.task.isGroupLeader() && p.pgid == pgid) return true;
        return false;
    }

    /** The entry of {@code t}. */
    Proc of(Task t) {
        return procs.get(t.pid());
    }

    /** Every task, in tid order (runnable, asleep, zombie or gone). */
    java.util.Collection<Proc> all() {
        return procs.values();
    }

    /** The live threads of thread group {@code tgid}, in tid order. */
    List<Proc> threads(int tgid) {
        List<Proc> out = new ArrayList<>();
        for (Proc p : procs.values()) if (p.task.tgid() == tgid && p.alive()) out.add(p);
        return out;
    }

    /**
     * The thread of group {@code tgid} a process-directed signal goes to, as complete_signal()
     * picks: the leader unless it blocks the signal or has exited, else the first thread that
     * does not block it, else the leader (or first live thread) to hold it pending.
     */
    Proc signalTarget(int tgid, int sig) {
        List<Proc> ts = threads(tgid);
        if (ts.isEmpty()) return null;
        for (Proc p : ts) if ((p.task.blocked & Signo.sigmask(sig)) == 0) return p;
        return ts.get(0);
    }

    /**
     * Models alloc_pid(), kernel/pid.c: idr_alloc_cyclic() from the pid after the last one up to
     * pid_max - 1, then from the bottom (RESERVED_PIDS once the cursor passed it: pid 1 is
     * init's); a pid is free again once its task was released. -EAGAIN when none is
     * (idr_alloc_cyclic()'s ENOSPC).
     */
    int allocPid() {
        int min = lastPid + 1 > RESERVED_PIDS ? RESERVED_PIDS : Kernel.FIRST_PID;
        int pid = lastPid;
        for (int tries = 0; tries < pidMax; tries++) {
            pid = pid + 1 >= pidMax ? min : pid + 1;
            Proc holder = procs.get(pid);
            if (holder == null || holder.reaped) {
                lastPid = pid;
                return pid;
            }
        }
        return -Errno.EAGAIN;
    }

    /** Wakes every sleeper (each re-checks what it waits for). */
    void wakeAll() {
        for (Proc p : procs.values()) wake(p);
    }

    /**
     * The earliest deadline of a task asleep in a timed sleep, or -1: when nothing else can run, the
     * machine's clock jumps there ({@link #expireTimedSleeps}).
     */
    long earliestSleepDeadline() {
        long best = -1;
        for (Proc p : procs.values()) {
            if (!p.sleeping || p.sleepDeadline == NO_DEADLINE) continue;
            if (best == -1 || p.sleepDeadline < best) best = p.sleepDeadline;
        }
        return best;
    }

    /** Wakes every task whose timed sleep ends at or before {@code nowNanos} (its hrtimer fired); each re-checks and returns. */
    void expireTimedSleeps(long nowNanos) {
        for (Proc p : procs.values()) {
            if (p.sleeping && p.sleepDeadline != NO_DEADLINE && p.sleepDeadline <= nowNanos) wake(p);
        }
    }

    /**
     * Wakes one sleeper (try_to_wake_up()). A parent in wait_for_vfork_done() sleeps killable:
     * only the child's mm_release() or SIGKILL wakes it, so no signal handler of the parent runs
     * on the memory (and, after vfork(), the stack) the child is still using. A task in
     * handle_userfault() waits on its userfaultfd entry: only a wake of its range, the descriptor's
     * release or a signal wakes it.
     */
    void wake(Proc p) {
        if (!p.sleeping || inVforkWait(p) || Userfaultfds.waitsForUserfault(p.task)) return;
        // TASK_TRACED: only its tracer's resume or SIGKILL (signal_wake_up(fatal)) ends it.
        if (p.ptrace != null && p.ptrace.stopped && !ptrace.fatalWake(p)) return;
        p.sleeping = false;
        wakeups++;
        if (events != null) events.wake(p.task.pid());
    }

    void setPtrace(Ptrace ptrace) {
        this.ptrace = ptrace;
    }

    /** Tells {@code events} of every wake-up from now on (null: nobody). */
    void setRunEvents(RunEvents events) {
        this.events = events;
    }

    /** Whether a task was woken since the last call: the waker's CPU then lets the scheduler look again. */
    boolean takeWakeups() {
        boolean any = wakeups != 0;
        wakeups = 0;
        return any;
    }

    /**
     * Models the end of do_exit() for a task that has exited: a thread that is not its group's
     * last is reaped at once (release_task(); a dead leader waits for the rest of its group);
     * the last one makes the group a zombie and tells the parent ({@link #exitNotify}). Returns
     * true when the whole process is gone (the caller then releases its files).
     */
    boolean exitThread(Proc p) {
        completeVforkDone(p); // mm_release() at exit, whichever way the task died
        if (ptrace != null) ptrace.exitPtrace(p); // exit_notify() → forget_original_parent() → exit_ptrace()
        int tgid = p.task.tgid();
        boolean last = threads(tgid).isEmpty();
        if (!p.task.isGroupLeader()) releaseTask(p);
        if (!last) return false;
        Proc leader = procs.get(tgid);
        exitNotify(leader);
        return true;
    }

    /**
     * Whether {@code p} still waits in wait_for_vfork_done(): its CLONE_VFORK child lives and has
     * not passed mm_release(), and no SIGKILL is pending for {@code p} (the wait is killable).
     */
    boolean inVforkWait(Proc p) {
        if (p.vforkChild == 0) return false;
        Proc child = byPid(p.vforkChild);
        return child != null && child.vforkParent == p && child.alive()
                && (p.task.pending & Signo.sigmask(Signo.SIGKILL)) == 0;
    }

    /**
     * Models complete_vfork_done(), kernel/fork.c: a CLONE_VFORK child's mm_release() (at exec or
     * exit) wakes the parent waiting for it, which then returns from clone() or vfork().
     */
    void completeVforkDone(Proc child) {
        Proc parent = child.vforkParent;
        if (parent == null) return;
        child.vforkParent = null;
        wake(parent);
    }

    /**
     * Models zap_other_threads(), kernel/signal.c, for do_group_exit(): every other thread of
     * {@code t}'s group exits with {@code t}'s status (an exit_group() code or a fatal signal);
     * those that are not the leader are reaped at once. The leader takes the group's status even
     * if it had exited before (signal->group_exit_code is what wait4() reports).
     */
    void zapOtherThreads(Task t) {
        for (Proc p : procs.values()) {
            if (p.task == t || p.reaped || p.task.tgid() != t.tgid()) continue;
            if (!p.task.exited() || p.task.isGroupLeader()) p.task.setExitStatus(t.exitCode(), t.termSignal());
            p.sleeping = false;
            if (ptrace != null) ptrace.exitPtrace(p);
            if (!p.task.isGroupLeader()) releaseTask(p);
        }
    }

    /**
     * de_thread() for execve(): the other threads of {@code t}'s group are killed and reaped
     * before the new program replaces the mm (a dead leader is left for its parent; the model
     * does not give its pid to an exec'ing non-leader thread).
     */
    void zapOtherThreadsForExec(Task t) {
        for (Proc p : procs.values()) {
            if (p.task == t || p.reaped || p.task.tgid() != t.tgid() || p.task.exited()) continue;
            p.task.killBySignal(9);
            p.sleeping = false;
            if (ptrace != null) ptrace.exitPtrace(p);
            if (!p.task.isGroupLeader()) releaseTask(p);
        }
    }

    /** Models forget_original_parent() and exit_notify(): the group's leader is a zombie its parent may reap. */
    private void exitNotify(Proc p) {
        exitFiles(p); // do_exit() runs exit_files() just before exit_notify()
        p.zombie = true;
        for (Proc c : procs.values()) {
            if (!c.reaped && c.task.isGroupLeader() && c.task.ppid() == p.task.tgid()) {
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
        long handler = parent.task.sigHandler[Signo.SIGCHLD];
        boolean autoReap = handler == Signals.SIG_IGN
                || (parent.task.sigFlags[Signo.SIGCHLD] & Signals.SA_NOCLDWAIT) != 0;
        int code = p.task.termSignal() != 0 ? CLD_KILLED : CLD_EXITED;
        int status = p.task.termSignal() != 0 ? p.task.termSignal() : p.task.exitCode();
        Signals.send(parent.task, new SigInfo(Signo.SIGCHLD, code, 0, p.task.tgid(), 0, status, 0, 0));
        if (autoReap) releaseTask(p);
        wakeAll();
    }

    /** Whether {@code t} has a child at all (live or zombie, not reaped). */
    private List<Proc> children(Task t, int pid) {
        List<Proc> out = new ArrayList<>();
        for (Proc c : procs.values()) {
            if (c.reaped || !c.task.isGroupLeader() || c.task.ppid() != t.tgid()) continue;
            if (pid > 0 && c.task.tgid() != pid) continue;
            // 0: the caller's process group; below -1: the group -pid.
            if (pid == 0 && c.pgid != leaderOf(t).pgid || pid < -1 && c.pgid != -pid) continue;
            out.add(c);
        }
        return out;
    }

    /**
     * The tasks traced by a thread of {@code t}'s group (tsk->ptraced of each, as do_wait() walks
     * them unless __WNOTHREAD) that {@code pid} selects: a thread's own id, any (-1), or a process group.
     */
    private List<Proc> tracees(Task t, int pid) {
        List<Proc> out = new ArrayList<>();
        for (Proc c : procs.values()) {
            if (c.reaped || c.task.ptrace == 0 || c.ptrace.tracer == null || c.ptrace.tracer.task.tgid() != t.tgid()) continue;
            if (pid > 0 && c.task.pid() != pid) continue;
            if (pid == 0 && leaderOf(c.task).pgid != leaderOf(t).pgid || pid < -1 && leaderOf(c.task).pgid != -pid) continue;
            out.add(c);
        }
        return out;
    }

    /** Models do_wait() for wait4(): a zombie child's pid with its status, 0 for WNOHANG, or sleep. */
    long wait4(Task t, int pid, long statusAddr, int options, long rusageAddr, boolean signalPending) {
        if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) != 0) return -Errno.EINVAL;
        List<Proc> kids = children(t, pid);
        List<Proc> traced = tracees(t, pid);
        if (kids.isEmpty() && traced.isEmpty()) return -Errno.ECHILD;
        for (Proc c : traced) {
            // wait_task_stopped() for a tracee: its unreported ptrace stop, consumed (exit_code = 0).
            if (!c.ptrace.stopped || c.ptrace.exitCode == 0) continue;
            if (putWaitResult(t.mm(), statusAddr, ((c.ptrace.exitCode << 8) | 0x7f) & 0xffffff, rusageAddr) < 0) return -Errno.EFAULT;
            c.ptrace.exitCode = 0;
            return c.task.pid();
        }
        for (Proc c : kids) {
            if (!c.zombie) continue;
            if (putWaitResult(t.mm(), statusAddr, c.task.waitStatus() & 0xffff, rusageAddr) < 0) return -Errno.EFAULT;
            releaseTask(c);
            t.pending &= ~Signo.sigmask(Signo.SIGCHLD);
            return c.task.tgid();
        }
        if ((options & WNOHANG) != 0) return 0;
        return signalPending ? -Errno.ERESTARTSYS : LinuxSyscalls.BLOCK;
    }

    /**
     * Stores what wait4() reports (put_user() of the status, then the struct rusage, all zero here:
     * no resource usage is accounted), each only when its pointer is not NULL; 0 or -EFAULT.
     */
    private int putWaitResult(MmStruct mm, long statusAddr, int status, long rusageAddr) {
        if (statusAddr != 0 && uaccess.putUserInt(mm, statusAddr, status) < 0) return -Errno.EFAULT;
        if (rusageAddr != 0 && uaccess.copyToUser(mm, rusageAddr, new byte[RUSAGE_SIZE], 0, RUSAGE_SIZE) < 0) return -Errno.EFAULT;
        return 0;
    }

    /** sizeof(struct rusage). */
    private static final int RUSAGE_SIZE = 144;

    /** How many tasks are alive (runnable or asleep). */
    int aliveCount() {
        int n = 0;
        for (Proc p : procs.values()) if (p.alive()) n++;
        return n;
    }

    /** The live tasks (runnable or asleep), in tid order. */
    List<Proc> alive() {
        List<Proc> out = new ArrayList<>();
        for (Proc p : procs.values()) if (p.alive()) out.add(p);
        return out;
    }

}
