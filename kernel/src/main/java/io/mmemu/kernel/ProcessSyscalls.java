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
    /** clone3()'s flags beyond clone()'s 32 (CLONE_LEGACY_FLAGS), and CLONE_NEWTIME, CLONE_PIDFD. */
    static final long CLONE_LEGACY_FLAGS = 0xffff_ffffL, CLONE_CLEAR_SIGHAND = 0x1_0000_0000L,
            CLONE_INTO_CGROUP = 0x2_0000_0000L, CLONE_NEWTIME = 0x80, CLONE_PIDFD = 0x1000;
    /** sizeof(struct clone_args): CLONE_ARGS_SIZE_VER0 (the first 8 fields) and VER2 (all 11, with cgroup). */
    static final int CLONE_ARGS_SIZE_VER0 = 64, CLONE_ARGS_SIZE_VER2 = 88;
    /** MAX_PID_NS_LEVEL: the most entries clone3()'s set_tid may have. */
    static final int MAX_PID_NS_LEVEL = 32;
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
     * Models the clone() syscall, kernel/fork.c: copy_process()'s flag checks, then a thread
     * (CLONE_THREAD) or a process ({@link #copyProcess}). x86-64 passes (flags, newsp,
     * parent_tid, child_tid, tls). A caller asleep in wait_for_vfork_done() re-enters here.
     */
    long sysClone(ArchCpu cpu, PtRegs regs, Task task, long flags, long newsp, long parentTid, long childTid, long tls) {
        Processes.Proc self = procs.of(task);
        if (self.vforkChild != 0) return waitForVforkDone(task, self);
        // copy_process(): a thread needs the shared handlers, which need the shared mm.
        return kernelClone(cpu, regs, task, flags, newsp, parentTid, childTid, tls);
    }

    /** Models kernel_clone(): copy_process()'s first flag checks, then a thread or a process. */
    private long kernelClone(ArchCpu cpu, PtRegs regs, Task task, long flags, long newsp, long parentTid, long childTid,
            long tls) {
        if ((flags & CLONE_THREAD) != 0 && (flags & CLONE_SIGHAND) == 0) return -Errno.EINVAL;
        if ((flags & CLONE_SIGHAND) != 0 && (flags & CLONE_VM) == 0) return -Errno.EINVAL;
        if ((flags & CLONE_THREAD) != 0) return cloneThread(cpu, regs, task, flags, newsp, parentTid, childTid, tls);
        return copyProcess(cpu, regs, task, flags, newsp, parentTid, childTid, tls);
    }

    /**
     * Models the clone3() syscall, kernel/fork.c: copy_clone_args_from_user() (E2BIG above a
     * page or for non-zero bytes past the struct this kernel knows, EINVAL below
     * CLONE_ARGS_SIZE_VER0, EFAULT, then set_tid's and exit_signal's checks), clone3_args_valid()
     * (unknown flags, CLONE_DETACHED and the CSIGNAL bits, CLONE_SIGHAND with
     * CLONE_CLEAR_SIGHAND, an exit signal for CLONE_THREAD or CLONE_PARENT, the stack: its
     * size, access_ok(), the child's RSP at its top), then kernel_clone(). A specific pid
     * (set_tid), CLONE_INTO_CGROUP and CLONE_PIDFD are not modelled: EINVAL.
     */
    long sysClone3(ArchCpu cpu, PtRegs regs, Task task, long uargs, long usize) {
        Processes.Proc self = procs.of(task);
        if (self.vforkChild != 0) return waitForVforkDone(task, self);
        if (Long.compareUnsigned(usize, io.mmemu.mm.phys.PageTypes.PAGE_SIZE) > 0) return -Errno.E2BIG;
        if (usize < CLONE_ARGS_SIZE_VER0) return -Errno.EINVAL;
        MmStruct mm = task.mm();
        // copy_struct_from_user(): what lies past the kernel's struct must be zero.
        if (usize > CLONE_ARGS_SIZE_VER2) {
            byte[] rest = new byte[(int) usize - CLONE_ARGS_SIZE_VER2];
            if (uaccess.copyFromUser(mm, rest, 0, uargs + CLONE_ARGS_SIZE_VER2, rest.length) < 0) return -Errno.EFAULT;
            for (byte b : rest) if (b != 0) return -Errno.E2BIG;
        }
        byte[] raw = new byte[CLONE_ARGS_SIZE_VER2];
        if (uaccess.copyFromUser(mm, raw, 0, uargs, (int) Math.min(usize, CLONE_ARGS_SIZE_VER2)) < 0) return -Errno.EFAULT;
        java.nio.ByteBuffer a = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long flags = a.getLong(0), childTid = a.getLong(16), parentTid = a.getLong(24);
        long exitSignal = a.getLong(32), stack = a.getLong(40), stackSize = a.getLong(48), tls = a.getLong(56);
        long setTid = a.getLong(64), setTidSize = a.getLong(72), cgroup = a.getLong(80);
        if (Long.compareUnsigned(setTidSize, MAX_PID_NS_LEVEL) > 0) return -Errno.EINVAL;
        if ((setTid == 0) != (setTidSize == 0)) return -Errno.EINVAL;
        if ((exitSignal & ~CSIGNAL) != 0 || exitSignal > Signo._NSIG) return -Errno.EINVAL;
        if ((flags & CLONE_INTO_CGROUP) != 0 && (Long.compareUnsigned(cgroup, Integer.MAX_VALUE) > 0
                || usize < CLONE_ARGS_SIZE_VER2)) {
            return -Errno.EINVAL;
        }
        if (setTid != 0 && uaccess.copyFromUser(mm, new byte[(int) setTidSize * 4], 0, setTid, (int) setTidSize * 4) < 0) {
            return -Errno.EFAULT;
        }
        // clone3_args_valid()
        if ((flags & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) != 0) return -Errno.EINVAL;
        if ((flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) != 0) return -Errno.EINVAL;
        if ((flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) == (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) return -Errno.EINVAL;
        if ((flags & (CLONE_THREAD | CLONE_PARENT)) != 0 && exitSignal != 0) return -Errno.EINVAL;
        // clone3_stack_valid(): the child's stack pointer is the top of [stack, stack + stack_size).
        if (stack == 0) {
            if (stackSize != 0) return -Errno.EINVAL;
        } else {
            long top = stack + stackSize;
            if (stackSize == 0 || Long.compareUnsigned(top, stack) < 0 || Long.compareUnsigned(top, MmStruct.TASK_SIZE) > 0) {
                return -Errno.EINVAL;
            }
            stack = top;
        }
        if (setTid != 0 || (flags & (CLONE_INTO_CGROUP | CLONE_PIDFD)) != 0) {
            return -Errno.EINVAL; // not modelled
        }
        return kernelClone(cpu, regs, task, flags, stack, parentTid, childTid, tls);
    }

    /** Models the fork() syscall: kernel_clone() with SIGCHLD alone. */
    long sysFork(ArchCpu cpu, PtRegs regs, Task parent) {
        return copyProcess(cpu, regs, parent, Signo.SIGCHLD, 0, 0, 0, 0);
    }

    /**
     * Models the vfork() syscall: kernel_clone() with CLONE_VFORK | CLONE_VM | SIGCHLD, the child
     * on the parent's stack; the parent sleeps until the child execs or exits.
     */
    long sysVfork(ArchCpu cpu, PtRegs regs, Task parent) {
        Processes.Proc self = procs.of(parent);
        if (self.vforkChild != 0) return waitForVforkDone(parent, self);
        return copyProcess(cpu, regs, parent, CLONE_VFORK | CLONE_VM | Signo.SIGCHLD, 0, 0, 0, 0);
    }

    /**
     * Models kernel_clone() for a thread (copy_process() with CLONE_VM | CLONE_SIGHAND |
     * CLONE_THREAD): a new task of the caller's group on the same mm, starting at the
     * instruction after the syscall with RAX 0, its stack at {@code newsp} and, with
     * CLONE_SETTLS, its FS base at {@code tls}.
     */
    private long cloneThread(ArchCpu cpu, PtRegs regs, Task parent, long flags, long newsp, long parentTid,
            long childTid, long tls) {
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

    /**
     * Models kernel_clone() for a new process (copy_process() without CLONE_THREAD): its own
     * pid, signal handlers, descriptors (a copy) and limits; its memory a copy-on-write copy
     * (dup_mmap()), or with CLONE_VM the parent's own mm (one more mm_users). copy_thread()
     * starts it at the instruction after the syscall with RAX 0, on {@code newsp} when not 0,
     * with FS base {@code tls} under CLONE_SETTLS. CLONE_PARENT_SETTID stores the pid in the
     * parent, CLONE_CHILD_SETTID in the child (schedule_tail()), CLONE_CHILD_CLEARTID makes
     * the child's mm_release() clear that word. With CLONE_VFORK the parent then sleeps in
     * {@link #waitForVforkDone} until the child execs or exits. Other flags (CLONE_FILES,
     * CLONE_FS, namespaces, the exit signal in CSIGNAL: SIGCHLD is always sent) are not modelled
     * for a process and change nothing.
     */
    private long copyProcess(ArchCpu cpu, PtRegs regs, Task parent, long flags, long newsp, long parentTid,
            long childTid, long tls) {
        if ((flags & CLONE_SETTLS) != 0 && (tls < 0 || tls >= MmStruct.TASK_SIZE)) return -Errno.EPERM;
        // copy_process(): RLIMIT_NPROC and threads-max before anything is copied; the kernel
        // objects in its order, the mm (copy_mm()) between the signal_struct and the pid.
        Cred cred = cred(parent);
        long limit = procs.copyProcessLimits(cred, rlimits.cur(parent, Rlimits.RLIMIT_NPROC));
        if (limit < 0) return limit;
        int pid = procs.allocPid();
        if (pid < 0) return pid;
        Task child = new Task(pid, pid, parent.tgid(), parent.comm());
        child.setExe(parent.exe());
        child.fsBase = (flags & CLONE_SETTLS) != 0 ? tls : parent.fsBase;
        child.blocked = parent.blocked;
        System.arraycopy(parent.sigHandler, 0, child.sigHandler, 0, Signo._NSIG + 1);
        System.arraycopy(parent.sigFlags, 0, child.sigFlags, 0, Signo._NSIG + 1);
        System.arraycopy(parent.sigMask, 0, child.sigMask, 0, Signo._NSIG + 1);
        System.arraycopy(parent.sigRestorer, 0, child.sigRestorer, 0, Signo._NSIG + 1);
        Rseq.fork(parent, child, false);
        child.mempolicy = parent.mempolicy; // copy_process(): mpol_dup()
        // copy_sighand(): CLONE_CLEAR_SIGHAND resets the handled signals (flush_signal_handlers(p, 0)).
        if ((flags & CLONE_CLEAR_SIGHAND) != 0) {
            for (int sig = 1; sig <= Signo._NSIG; sig++) {
                if (child.sigHandler[sig] != Signals.SIG_IGN) child.sigHandler[sig] = Signals.SIG_DFL;
                child.sigFlags[sig] = 0;
                child.sigMask[sig] = 0;
            }
        }
        boolean shareMm = (flags & CLONE_VM) != 0;
        MmStruct[] childMm = new MmStruct[1];
        Processes.Proc p = procs.add(child, cred, () -> (childMm[0] = copyMm(parent.mm(), shareMm)) != null);
        if (p == null) {
            if (childMm[0] != null && childMm[0].mmput()) childMm[0].exitMmap();
            return -Errno.ENOMEM;
        }
        child.setMm(childMm[0]);
        // copy_process(): the child joins the parent's process group and session, leading neither.
        Processes.Proc parentLeader = procs.leaderOf(parent);
        p.pgid = parentLeader.pgid;
        p.sid = parentLeader.sid;
        files.forkFiles(parent, child);
        rlimits.fork(parent, child);
        // copy_process(): a CLONE_VM child that does not suspend its parent gets no alternate signal stack.
        if ((flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM) altStacks.fork(parent, child);
        if ((flags & CLONE_PARENT_SETTID) != 0) uaccess.putUserInt(parent.mm(), parentTid, pid);
        if ((flags & CLONE_CHILD_SETTID) != 0) uaccess.putUserInt(child.mm(), childTid, pid);
        if ((flags & CLONE_CHILD_CLEARTID) != 0) child.clearChildTid = childTid;
        copyThread(cpu, regs, p);
        if (newsp != 0) p.startRegs.rsp = newsp;
        if ((flags & CLONE_SETTLS) != 0) p.startRegs.fsBase = tls;
        scheduler.enqueueNew(p);
        if ((flags & CLONE_VFORK) == 0) return pid;
        // kernel_clone(): p->vfork_done is set before the child can run, then the parent waits.
        Processes.Proc self = procs.of(parent);
        p.vforkParent = self;
        self.vforkChild = pid;
        return waitForVforkDone(parent, self);
    }

    /** Models copy_mm(), kernel/fork.c: the parent's mm shared (CLONE_VM: mmget()) or duplicated (dup_mm()); null for ENOMEM. */
    private static MmStruct copyMm(MmStruct mm, boolean shareMm) {
        if (!shareMm) return mm.dupMmap();
        mm.mmget();
        return mm;
    }

    /**
     * Models wait_for_vfork_done(), kernel/fork.c, in the model's way of sleeping: the clone or
     * vfork syscall sleeps (and is re-executed when woken) until the child's mm_release() at
     * exec or exit completed its vfork_done ({@link Processes#completeVforkDone}); then it
     * returns the child's pid. The sleep is killable only: a pending SIGKILL ends it (with
     * vfork_done forgotten), other signals neither wake it nor are delivered before the return
     * ({@link Processes#wake}).
     */
    private long waitForVforkDone(Task parent, Processes.Proc self) {
        if (procs.inVforkWait(self)) return LinuxSyscalls.BLOCK;
        Processes.Proc child = procs.byPid(self.vforkChild);
        if (child != null && child.vforkParent == self) child.vforkParent = null; // killed: vfork_done forgotten
        int pid = self.vforkChild;
        self.vforkChild = 0;
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
        mmRelease(task);
        task.exit(code);
        procs.zapOtherThreads(task);
        return 0;
    }

    /**
     * Models mm_release(), kernel/fork.c, at a task's exit (exit_mm_release()) and exec
     * (exec_mm_release()), while it still has its mm: with CLONE_CHILD_CLEARTID, while other
     * tasks still use the mm, the tid word is zeroed and one waiter woken (what pthread_join
     * waits for); then a vfork parent waiting for this child is woken (complete_vfork_done()).
     */
    void mmRelease(Task task) {
        long tidptr = task.clearChildTid;
        task.clearChildTid = 0;
        MmStruct mm = task.mm();
        if (tidptr != 0 && mm != null && mm.mmUsers() > 1 && uaccess.putUserInt(mm, tidptr, 0) == 0) {
            futexes.futexWake(task, tidptr, false, 1, Futexes.FUTEX_BITSET_MATCH_ANY);
        }
        procs.completeVforkDone(procs.of(task));
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
