package io.mmemu.mm.task;

import io.mmemu.fault.FaultTask;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmStruct;

/**
 * A task_struct, reduced to what the memory model and the syscalls of this slice need: ids, the
 * address space, the program file, thread-local storage base, the signal state and how it ended.
 */
public final class Task implements FaultTask {
    private final int pid;
    private final int tgid;
    private int ppid;
    private MmStruct mm;
    private MappedFile exe;
    private String comm;

    /** thread.fsbase: the FS segment base (arch_prctl ARCH_SET_FS). */
    public long fsBase;
    /** set_tid_address(): where to clear the tid at exit. */
    public long clearChildTid;
    /** set_robust_list(): the head of the task's robust futex list (kept; the model does not walk it at exit). */
    public long robustList;
    /** rt_sigprocmask's blocked set: bit (signo - 1). */
    public long blocked;
    /**
     * The task sleeps in a syscall whose instruction was rewound: when woken it re-executes the
     * call before anything else, so that a signal which woke it interrupts the call (a restart
     * code, then the handler) rather than running its handler first.
     */
    public boolean syscallSleeping;
    /**
     * The number (orig_ax) of the syscall that a signal interrupted with a restart code (ERESTARTSYS
     * and the others), until signal delivery turns the code into EINTR or restarts the call; else -1.
     * It outlasts a ptrace stop taken on the way, as the registers do.
     */
    public long syscallRestartNr = -1;
    /**
     * TIF_RESTORE_SIGMASK: a call that replaced {@link #blocked} for its duration (ppoll, pselect6,
     * rt_sigsuspend) ended with EINTR, and {@link #savedSigmask} is the set to put back, into the
     * signal frame of the handler that runs next, or at once if no handler runs.
     */
    public boolean restoreSigmask;
    /** current->saved_sigmask: the blocked set before such a call, while {@link #restoreSigmask}. */
    public long savedSigmask;
    /** task->ptrace: PT_PTRACED and the other PT_* bits while a tracer traces the task, else 0 (kernel/ptrace.c). */
    public int ptrace;
    /** Signals sent and not yet delivered (task->pending.signal), bit (signo - 1), and their siginfo. */
    public long pending;
    /** The siginfo of each pending signal, by signal number 1.._NSIG (null when none). */
    public final SigInfo[] pendingInfo = new SigInfo[Signo._NSIG + 1];
    /**
     * rt_sigaction's handlers (sa_handler), flags, masks and restorers, by signal number 1..64:
     * the sighand_struct, one object shared by the threads of a group (CLONE_SIGHAND).
     */
    public final long[] sigHandler;
    /** The sa_flags of each signal's action, by signal number (part of the shared sighand_struct). */
    public final long[] sigFlags;
    /** The sa_mask of each signal's action, by signal number (part of the shared sighand_struct). */
    public final long[] sigMask;
    /** The sa_restorer of each signal's action, by signal number (part of the shared sighand_struct). */
    public final long[] sigRestorer;
    
    /** task->mempolicy (set_mempolicy()): null for the default policy; fork and clone copy it, exec keeps it. */
    public io.mmemu.mm.vma.MemPolicy mempolicy;
    /** task->rseq: the registered struct rseq's user address, 0 for none (kernel/rseq.c). */
    public long rseq;
    /** task->rseq_len and task->rseq_sig: the registered area's length and abort signature. */
    public int rseqLen, rseqSig;
    /** task->rseq_event_mask != 0: preempted, migrated or signalled since the area was last updated. */
    public boolean rseqEvent;

    /**
     * The userfaultfd wait-queue entry the task sleeps on in handle_userfault(), or null: set when
     * a fault queues it, cleared when the task runs again (fs/userfaultfd.c's uwq on the stack).
     */
    public io.mmemu.mm.vma.UserfaultfdCtx.Uwq userfaultWait;

    /** Called with the task's mm just before exit_mmap tears it down (introspection at exit). */
    private java.util.function.Consumer<MmStruct> beforeExitMm = mm -> {};
    private boolean exited;
    /** /proc/PID/make-it-fail: this task may fail where a fault point's task-filter is on (inherited by fork). */
    private boolean makeItFail;
    /** /proc/PID/fail-nth: the countdown to the call that fails, 0 for none (not inherited: dup_task_struct() clears it). */
    private int failNth;
    private int exitCode;
    private int termSignal;

    /**
     * A new thread-group leader with default signal actions and no address space yet.
     *
     * @param pid  the task's id
     * @param tgid the thread-group id (the pid for a leader)
     * @param ppid the parent's tgid
     * @param comm the command name
     */
    public Task(int pid, int tgid, int ppid, String comm) {
        this.pid = pid;
        this.tgid = tgid;
        this.ppid = ppid;
        this.comm = comm;
        this.sigHandler = new long[Signo._NSIG + 1];
        this.sigFlags = new long[Signo._NSIG + 1];
        this.sigMask = new long[Signo._NSIG + 1];
        this.sigRestorer = new long[Signo._NSIG + 1];
    }

    /**
     * A new thread of {@code parent}'s group (copy_process() with CLONE_VM | CLONE_SIGHAND |
     * CLONE_THREAD): its own id, the group's tgid and parent, the same mm (one more mm_users)
     * and the same signal handlers.
     *
     * @param pid    the new thread's id
     * @param parent a thread of the group
     */
    public Task(int pid, Task parent) {
        this.pid = pid;
        this.tgid = parent.tgid;
        this.ppid = parent.ppid;
        this.comm = parent.comm;
        this.sigHandler = parent.sigHandler;
        this.sigFlags = parent.sigFlags;
        this.sigMask = parent.sigMask;
        this.sigRestorer = parent.sigRestorer;
        this.mm = parent.mm;
        this.exe = parent.exe;
        this.beforeExitMm = parent.beforeExitMm;
        this.makeItFail = parent.makeItFail;
        this.mempolicy = parent.mempolicy; // copy_process(): mpol_dup()
        mm.mmget();
    }

    @Override
    public boolean makeItFail() {
        return makeItFail;
    }

    /**
     * Sets /proc/PID/make-it-fail.
     *
     * @param on whether task-filtered fault points may fail this task
     */
    public void setMakeItFail(boolean on) {
        makeItFail = on;
    }

    @Override
    public int failNth() {
        return failNth;
    }

    @Override
    public void setFailNth(int n) {
        failNth = n;
    }

    /** {@return whether this task is its thread group's leader (pid == tgid)} */
    public boolean isGroupLeader() {
        return pid == tgid;
    }

    /** {@return the task's id: what gettid() returns} */
    public int pid() {
        return pid;
    }

    /** {@return the thread-group id: what getpid() returns} */
    public int tgid() {
        return tgid;
    }

    /** {@return the parent's tgid: what getppid() returns} */
    public int ppid() {
        return ppid;
    }

    /**
     * Reparenting (forget_original_parent()): orphans go to init, pid 1.
     *
     * @param ppid the new parent's tgid
     */
    public void setPpid(int ppid) {
        this.ppid = ppid;
    }

    /** {@return the task's address space, or null after exit} */
    public MmStruct mm() {
        return mm;
    }

    /**
     * Sets the task's address space (exec, fork).
     *
     * @param mm the address space
     */
    public void setMm(MmStruct mm) {
        this.mm = mm;
    }

    /** {@return the program file (/proc/PID/exe), or null} */
    public MappedFile exe() {
        return exe;
    }

    /**
     * Sets the program file (exec).
     *
     * @param exe the program file
     */
    public void setExe(MappedFile exe) {
        this.exe = exe;
    }

    /** {@return the command name (task->comm, 15 characters at most)} */
    public String comm() {
        return comm;
    }

    /**
     * Sets the command name.
     *
     * @param comm the name
     */
    public void setComm(String comm) {
        this.comm = comm.length() > 15 ? comm.substring(0, 15) : comm;
    }

    /** {@return whether the task has exited} */
    public boolean exited() {
        return exited;
    }

    /**
     * Models do_exit() with an exit code: the mm goes away (exit_mm → mmput → exit_mmap).
     *
     * @param code the exit code
     */
    public void exit(int code) {
        if (exited) return;
        exited = true;
        exitCode = code & 0xff;
        releaseMm();
    }

    /**
     * Killed by signal {@code signo} (the default action of a fatal signal).
     *
     * @param signo the signal number
     */
    public void killBySignal(int signo) {
        if (exited) return;
        exited = true;
        termSignal = signo;
        releaseMm();
    }

    /**
     * Ends the task with a status it did not choose itself (do_group_exit() from another thread):
     * exit code {@code code}, or killed by {@code termSignal} when that is not 0. Its mm is
     * released if it still had it; a task that had already exited only takes the new status.
     *
     * @param code       the exit code
     * @param termSignal the killing signal, or 0
     */
    public void setExitStatus(int code, int termSignal) {
        exitCode = code & 0xff;
        this.termSignal = termSignal;
        if (!exited) {
            exited = true;
            releaseMm();
        }
    }

    /**
     * Sets what runs with the mm just before it is torn down at exit (e.g. --pmap).
     *
     * @param observer called with the mm, or a no-op
     */
    public void setBeforeExitMm(java.util.function.Consumer<MmStruct> observer) {
        this.beforeExitMm = observer;
    }

    /** Models exit_mm() → mmput(): the last user of the mm tears it down; other threads keep it. */
    private void releaseMm() {
        if (mm != null) {
            if (mm.mmUsers() == 1) {
                beforeExitMm.accept(mm);
                mm.env().beforeExitMmap(mm, tgid());
            }
            if (mm.mmput()) mm.exitMmap();
            mm = null;
        }
    }

    /** {@return the exit code (meaningful once the task exited by itself)} */
    public int exitCode() {
        return exitCode;
    }

    /** {@return the signal that killed the task, or 0} */
    public int termSignal() {
        return termSignal;
    }

    /** {@return the wait status as wait4() encodes it: code &lt;&lt; 8, or the signal number} */
    public int waitStatus() {
        return termSignal != 0 ? termSignal : exitCode << 8;
    }

    /** {@return the status a shell reports: the exit code, or 128 + the signal} */
    public int shellStatus() {
        return termSignal != 0 ? 128 + termSignal : exitCode;
    }
}
