package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.elf.InitialStack;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The process syscalls: fork, vfork and clone (kernel/fork.c), exit and exit_group
 * (kernel/exit.c), execve's argument reading (fs/exec.c), set_tid_address and set_robust_list.
 * The task table and wait4 are {@link Processes}'; a new task is queued on the {@link Scheduler}.
 */
final class ProcessSyscalls {
    static final long CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
            CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_SYSVSEM = 0x40000,
            CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
            CLONE_DETACHED = 0x400000, CLONE_CHILD_SETTID = 0x1000000;
    /** CSIGNAL: the low byte of clone's flags is the exit signal. */
    static final long CSIGNAL = 0xff;
    /** The clone flags a thread may carry here (what musl's pthread_create passes, and a few harmless ones). */
    private static final long THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
            | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED
            | CLONE_CHILD_SETTID | CSIGNAL;
    /** sizeof(struct robust_list_head). */
    static final long ROBUST_LIST_HEAD_SIZE = 24;
    /**
     * Strings and pointers of argv and envp beyond this are E2BIG whatever RLIMIT_STACK is
     * (bprm_stack_limits() caps their room at 3/4 of _STK_LIM), so reading them stops there: the
     * same 128 KiB string named 65,535 times would otherwise cost the host 8 GiB.
     */
    static final long EXEC_STRINGS_MAX = InitialStack.STK_LIM / 4 * 3;
    /** MAX_ARG_STRINGS here: how many pointers one array may hold before it is refused. */
    static final int MAX_ARG_STRINGS = 0x10000;

    private final UserAccess uaccess;
    private final Processes procs;
    private final FileSyscalls files;
    private final Rlimits rlimits;
    private final Futexes futexes;
    /** Where new tasks are queued; set once the CPUs exist ({@link #setScheduler}). */
    private Scheduler scheduler;

    /** The tasks' alternate signal stacks: fork copies them, execve forgets them. */
    private final SigAltStacks altStacks;

    ProcessSyscalls(UserAccess uaccess, Processes procs, FileSyscalls files, Rlimits rlimits, Futexes futexes,
            SigAltStacks altStacks) {
        this.altStacks = altStacks;
        this.uaccess = uaccess;
        this.procs = procs;
        this.files = files;
        this.rlimits = rlimits;
        this.futexes = futexes;
    }

    void setScheduler(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    private Cred cred(Task task) {
        return procs.of(task).cred;
    }

    /**
     * clone(): a process (no CLONE_VM and no CLONE_THREAD, or CLONE_VFORK) as fork; a thread
     * otherwise. x86-64 passes (flags, newsp, parent_tid, child_tid, tls).
     */
    long sysClone(ArchCpu cpu, PtRegs regs, Task task, long flags, long newsp, long parentTid, long childTid, long tls) {
        if ((flags & (CLONE_VM | CLONE_THREAD)) == 0 || (flags & CLONE_VFORK) != 0) return sysFork(cpu, regs, task);
        return cloneThread(cpu, regs, task, flags, newsp, parentTid, childTid, tls);
    }

    /**
     * Models kernel_clone() for a thread (copy_process() with CLONE_VM | CLONE_SIGHAND |
     * CLONE_THREAD): a new task of the caller's group on the same mm, starting at the
     * instruction after the syscall with RAX 0, its stack at {@code newsp} and, with
     * CLONE_SETTLS, its FS base at {@code tls}.
     */
    private long cloneThread(ArchCpu cpu, PtRegs regs, Task parent, long flags, long newsp, long parentTid,
            long childTid, long tls) {
        // copy_process()'s checks: a thread needs the shared handlers, which need the shared mm.
        if ((flags & CLONE_THREAD) != 0 && (flags & CLONE_SIGHAND) == 0) return -Errno.EINVAL;
        if ((flags & CLONE_SIGHAND) != 0 && (flags & CLONE_VM) == 0) return -Errno.EINVAL;
        if ((flags & ~THREAD_FLAGS) != 0 || (flags & (CLONE_THREAD | CLONE_FILES)) != (CLONE_THREAD | CLONE_FILES)) {
            return -Errno.EINVAL; // a CLONE_VM process of its own, or a thread with its own files: not modelled
        }
        if ((flags & CLONE_SETTLS) != 0 && (tls < 0 || tls >= MmStruct.TASK_SIZE)) return -Errno.EPERM;
        Cred cred = cred(parent);
        long limit = procs.copyProcessLimits(cred, rlimits.cur(parent, Rlimits.RLIMIT_NPROC));
        if (limit < 0) return limit;
        int tid = procs.allocPid();
        if (tid < 0) return tid;
        Task child = new Task(tid, parent);
        child.blocked = parent.blocked;
        child.fsBase = (flags & CLONE_SETTLS) != 0 ? tls : parent.fsBase;
        Processes.Proc p = procs.add(child, cred);
        if (p == null) {
            child.exit(0); // gives the mm reference back
            return -Errno.ENOMEM;
        }
        MmStruct mm = parent.mm();
        if ((flags & CLONE_PARENT_SETTID) != 0) uaccess.putUserInt(mm, parentTid, tid);
        if ((flags & CLONE_CHILD_SETTID) != 0) uaccess.putUserInt(mm, childTid, tid);
        if ((flags & CLONE_CHILD_CLEARTID) != 0) child.clearChildTid = childTid;
        copyThread(cpu, regs, p);
        if (newsp != 0) p.startRegs.rsp = newsp;
        p.startRegs.fsBase = child.fsBase;
        scheduler.enqueueNew(p);
        cpu.requestReschedule();
        return tid;
    }

    /** Models kernel_clone() for fork: a copy of the process, its memory copy-on-write, sharing its open files. */
    long sysFork(ArchCpu cpu, PtRegs regs, Task parent) {
        // copy_process(): RLIMIT_NPROC and threads-max before anything is copied; the kernel
        // objects in its order, the mm (dup_mmap()) between the signal_struct and the pid.
        Cred cred = cred(parent);
        long limit = procs.copyProcessLimits(cred, rlimits.cur(parent, Rlimits.RLIMIT_NPROC));
        if (limit < 0) return limit;
        int pid = procs.allocPid();
        if (pid < 0) return pid;
        Task child = new Task(pid, pid, parent.tgid(), parent.comm());
        child.setExe(parent.exe());
        child.fsBase = parent.fsBase;
        child.blocked = parent.blocked;
        System.arraycopy(parent.sigHandler, 0, child.sigHandler, 0, Signo._NSIG + 1);
        System.arraycopy(parent.sigFlags, 0, child.sigFlags, 0, Signo._NSIG + 1);
        System.arraycopy(parent.sigMask, 0, child.sigMask, 0, Signo._NSIG + 1);
        System.arraycopy(parent.sigRestorer, 0, child.sigRestorer, 0, Signo._NSIG + 1);
        Rseq.fork(parent, child, false);
        child.mempolicy = parent.mempolicy; // copy_process(): mpol_dup()
        MmStruct[] childMm = new MmStruct[1];
        Processes.Proc p = procs.add(child, cred, () -> (childMm[0] = parent.mm().dupMmap()) != null);
        if (p == null) {
            if (childMm[0] != null) childMm[0].exitMmap();
            return -Errno.ENOMEM;
        }
        child.setMm(childMm[0]);
        // copy_process(): the child joins the parent's process group and session, leading neither.
        Processes.Proc parentLeader = procs.leaderOf(parent);
        p.pgid = parentLeader.pgid;
        p.sid = parentLeader.sid;
        files.forkFiles(parent, child);
        rlimits.fork(parent, child);
        altStacks.fork(parent, child);
        copyThread(cpu, regs, p);
        scheduler.enqueueNew(p);
        return pid;
    }

    /**
     * Models copy_thread(), arch/x86/kernel/process.c, with fpu_clone(): the child starts from
     * ret_from_fork with the parent's registers at the syscall (its return address in RIP and
     * RCX, RFLAGS in R11) and RAX 0, and with a copy of the parent's FPU state; they are loaded
     * at its first switch. The caller adjusts the stack and TLS for clone().
     */
    private static void copyThread(ArchCpu cpu, PtRegs regs, Processes.Proc child) {
        PtRegs childRegs = regs.copy();
        childRegs.rax = 0;
        FpuState fpu = new FpuState();
        cpu.regs().getFpu(fpu);
        child.startRegs = childRegs;
        child.startFpu = fpu;
    }

    /** Models exit(): mm_release() then do_exit() of this thread. */
    long sysExit(Task task, int code) {
        mmRelease(task);
        task.exit(code);
        return 0;
    }

    /** Models exit_group(): do_group_exit(), the other threads of the group die too. */
    long sysExitGroup(Task task, int code) {
        task.exit(code);
        procs.zapOtherThreads(task);
        return 0;
    }

    /**
     * Models mm_release(), kernel/fork.c, at a thread's exit: with CLONE_CHILD_CLEARTID, while
     * other tasks still use the mm, the tid word is zeroed and one waiter woken (what
     * pthread_join waits for).
     */
    private void mmRelease(Task task) {
        if (task.clearChildTid == 0 || task.mm() == null || task.mm().mmUsers() <= 1) return;
        if (uaccess.putUserInt(task.mm(), task.clearChildTid, 0) == 0) {
            futexes.futexWake(task, task.clearChildTid, false, 1, Futexes.FUTEX_BITSET_MATCH_ANY);
        }
        task.clearChildTid = 0;
    }

    /** Models set_tid_address(), kernel/fork.c: remembers the word to clear at exit; returns the caller's tid. */
    long setTidAddress(Task task, long tidptr) {
        task.clearChildTid = tidptr;
        return task.pid();
    }

    /** Models set_robust_list(), kernel/futex/syscalls.c: only the size of the head is checked. */
    long setRobustList(Task task, long head, long len) {
        if (len != ROBUST_LIST_HEAD_SIZE) return -Errno.EINVAL;
        task.robustList = head;
        return 0;
    }

    /**
     * Models do_execveat_common(), fs/exec.c: reads the path, argv and envp (EFAULT, E2BIG), then
     * {@code exec} loads the program; on success the descriptors marked close-on-exec are closed
     * and the credentials follow the new program.
     */
    long sysExecve(Task task, long pathAddr, long argvAddr, long envpAddr, LinuxSyscalls.Exec exec,
            Credentials credentials) {
        MmStruct mm = task.mm();
        byte[] path = uaccess.strncpyFromUser(mm, pathAddr, FileSyscalls.PATH_MAX);
        if (path == null) return -Errno.EFAULT;
        long[] budget = {EXEC_STRINGS_MAX};
        List<String> argv = userStrings(mm, argvAddr, budget);
        List<String> envp = argv == null ? null : userStrings(mm, envpAddr, budget);
        if (argv == null || envp == null) return budget[0] < 0 ? -Errno.E2BIG : -Errno.EFAULT;
        // A relative name is looked up from the working directory (the new program's AT_EXECFN then
        // shows the joined path where Linux keeps the name as given).
        long r = exec.execve(task, files.fromCwd(task, new String(path, StandardCharsets.UTF_8)), argv, envp);
        if (r == 0) {
            files.execFiles(task);
            credentials.execve(task);
            altStacks.exec(task);
        }
        return r;
    }

    /**
     * A NULL-terminated array of string pointers from user memory, or null on EFAULT, or null
     * with {@code budget[0]} negative once the strings and pointers read so far exceed it (E2BIG).
     */
    private List<String> userStrings(MmStruct mm, long addr, long[] budget) {
        List<String> out = new ArrayList<>();
        if (addr == 0) return out;
        for (int i = 0; i < MAX_ARG_STRINGS; i++) {
            long p = uaccess.getUserLong(mm, addr + 8L * i, -1);
            if (p == -1) return null;
            if (p == 0) return out;
            byte[] b = uaccess.strncpyFromUser(mm, p, InitialStack.MAX_ARG_STRLEN);
            if (b == null) return null;
            budget[0] -= b.length + 1 + 8;
            if (budget[0] < 0) return null;
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return null;
    }
}
