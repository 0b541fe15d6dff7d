package io.mmemu.mm.task;

import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmStruct;

/**
 * A task_struct, reduced to what the memory model and the syscalls of this slice need: ids, the
 * address space, the program file, thread-local storage base, the signal state and how it ended.
 */
public final class Task {
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
    /** rt_sigprocmask's blocked set: bit (signo - 1). */
    public long blocked;
    /** Signals sent and not yet delivered (task->pending.signal), bit (signo - 1), and their siginfo. */
    public long pending;
    public final SigInfo[] pendingInfo = new SigInfo[65];
    /** rt_sigaction's handlers (sa_handler) and flags, by signal number 1..64. */
    public final long[] sigHandler = new long[65];
    public final long[] sigFlags = new long[65];
    public final long[] sigMask = new long[65];
    public final long[] sigRestorer = new long[65];

    /** Called with the task's mm just before exit_mmap tears it down (introspection at exit). */
    private java.util.function.Consumer<MmStruct> beforeExitMm = mm -> {};
    private boolean exited;
    private int exitCode;
    private int termSignal;

    public Task(int pid, int tgid, int ppid, String comm) {
        this.pid = pid;
        this.tgid = tgid;
        this.ppid = ppid;
        this.comm = comm;
    }

    public int pid() {
        return pid;
    }

    /** The thread-group id: what getpid() returns. */
    public int tgid() {
        return tgid;
    }

    /** The parent's tgid: what getppid() returns. */
    public int ppid() {
        return ppid;
    }

    /** Reparenting (forget_original_parent()): orphans go to init, pid 1. */
    public void setPpid(int ppid) {
        this.ppid = ppid;
    }

    public MmStruct mm() {
        return mm;
    }

    public void setMm(MmStruct mm) {
        this.mm = mm;
    }

    public MappedFile exe() {
        return exe;
    }

    public void setExe(MappedFile exe) {
        this.exe = exe;
    }

    /** The command name (task->comm, 15 characters at most). */
    public String comm() {
        return comm;
    }

    public void setComm(String comm) {
        this.comm = comm.length() > 15 ? comm.substring(0, 15) : comm;
    }

    public boolean exited() {
        return exited;
    }

    /** Models do_exit() with an exit code: the mm goes away (exit_mm → mmput → exit_mmap). */
    public void exit(int code) {
        if (exited) return;
        exited = true;
        exitCode = code & 0xff;
        releaseMm();
    }

    /** Killed by signal {@code signo} (the default action of a fatal signal). */
    public void killBySignal(int signo) {
        if (exited) return;
        exited = true;
        termSignal = signo;
        releaseMm();
    }

    /** Sets what runs with the mm just before it is torn down at exit (e.g. --pmap). */
    public void setBeforeExitMm(java.util.function.Consumer<MmStruct> observer) {
        this.beforeExitMm = observer;
    }

    private void releaseMm() {
        if (mm != null) {
            beforeExitMm.accept(mm);
            mm.exitMmap();
            mm = null;
        }
    }

    public int exitCode() {
        return exitCode;
    }

    /** The signal that killed the task, or 0. */
    public int termSignal() {
        return termSignal;
    }

    /** The wait status as wait4() encodes it: code << 8, or the signal number. */
    public int waitStatus() {
        return termSignal != 0 ? termSignal : exitCode << 8;
    }

    /** The status a shell reports: the exit code, or 128 + the signal. */
    public int shellStatus() {
        return termSignal != 0 ? 128 + termSignal : exitCode;
    }
}
