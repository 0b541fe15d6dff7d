package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.proc.Mem;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ptrace(2), kernel/ptrace.c and arch/x86/kernel/ptrace.c: a subset with Linux's semantics.
 *
 * <ol>
 *   <li>A tracer takes a tracee with PTRACE_TRACEME (the parent becomes the tracer),
 *       PTRACE_ATTACH (which sends the tracee SIGSTOP) or PTRACE_SEIZE (no signal, no options
 *       but PTRACE_O_EXITKILL); task->ptrace says the task is traced, {@link Tracee#tracer} is
 *       its task->parent while it is.</li>
 *   <li>A traced task stops at every signal it is about to get but SIGKILL (signal-delivery-stop,
 *       ptrace_signal()), and at PTRACE_INTERRUPT (a PTRACE_EVENT_STOP trap, seized tracees only):
 *       {@link #ptraceStop} parks it asleep in TASK_TRACED with the report in task->exit_code,
 *       sends the tracer SIGCHLD (CLD_TRAPPED) and wakes its wait; only a ptrace request of its
 *       tracer or SIGKILL ends the stop. The tracer's wait4() sees the stop as a child's
 *       (WIFSTOPPED, with or without WUNTRACED) and consumes the report (exit_code becomes 0). A
 *       traced task that is not seized gets SIGTRAP after a successful execve() (the legacy exec
 *       event), so it stops at the new program's first instruction.</li>
 *   <li>Requests need the tracee to be traced by the caller and (but for PTRACE_KILL and
 *       PTRACE_INTERRUPT) stopped: else ESRCH (ptrace_check_attach()). PTRACE_PEEK/POKE TEXT/DATA
 *       go through access_remote_vm() with FOLL_FORCE as /proc/PID/mem does ({@link Mem}); a word
 *       that cannot be moved whole (a hole, memfd_secret() memory) is EIO. PTRACE_PEEKUSER,
 *       PTRACE_GETREGS and PTRACE_SETREGS read and write the registers kept when the tracee
 *       stopped, which go back to its CPU when it runs again; PTRACE_GETREGSET and PTRACE_SETREGSET do
 *       the same with the register sets, the FPU state and PKRU among them ({@link PtraceRegsets}). PTRACE_CONT and PTRACE_DETACH set the
 *       signal the tracee gets when it leaves the stop (0 cancels the one it stopped for; a signal
 *       it blocks by then is queued again); PTRACE_KILL sends SIGKILL.</li>
 *   <li>When the tracer thread exits its tracees are detached (exit_ptrace()), keeping the signal
 *       they stopped for unless a wait consumed it: a tracee whose ATTACH stop the tracer waited
 *       for runs on (memfd_secret's case 5).</li>
 * </ol>
 *
 * <p>Not modelled (EIO, as Linux answers a request it does not know): PTRACE_SYSCALL,
 * PTRACE_SINGLESTEP, PTRACE_SINGLEBLOCK, PTRACE_SYSEMU*, PTRACE_SETOPTIONS and SEIZE options
 * other than PTRACE_O_EXITKILL (no fork/exec/exit/syscall events), PTRACE_LISTEN,
 * PTRACE_GETSIGINFO/SETSIGINFO/PEEKSIGINFO, PTRACE_GETEVENTMSG, PTRACE_GET/SETSIGMASK,
 * PTRACE_POKEUSER, PTRACE_GETFPREGS/SETFPREGS, the
 * PTRACE_GET_THREAD_AREA family, PTRACE_ARCH_PRCTL, PTRACE_GET_SYSCALL_INFO. Job control is not
 * modelled either: a SIGSTOP that reaches an untraced task is ignored (Linux stops the group), so
 * a tracee detached with its ATTACH stop still unconsumed runs on. A tracee that is not the
 * tracer's own child is detached when it exits: its parent learns of the exit, the tracer's wait
 * does not. A stop taken while the tracee was asleep in a syscall shows RIP at the syscall
 * instruction with RAX its number (the model re-executes the call when the task runs again) where
 * Linux shows RIP after it with -ERESTARTSYS in RAX.
 */
final class Ptrace {
    static final int PTRACE_TRACEME = 0, PTRACE_PEEKTEXT = 1, PTRACE_PEEKDATA = 2, PTRACE_PEEKUSR = 3,
            PTRACE_POKETEXT = 4, PTRACE_POKEDATA = 5, PTRACE_CONT = 7, PTRACE_KILL = 8, PTRACE_GETREGS = 12,
            PTRACE_SETREGS = 13, PTRACE_ATTACH = 16, PTRACE_DETACH = 17, PTRACE_SEIZE = 0x4206,
            PTRACE_INTERRUPT = 0x4207;
    /** task->ptrace bits, include/linux/ptrace.h. */
    static final int PT_PTRACED = 1, PT_SEIZED = 0x10000, PT_OPT_FLAG_SHIFT = 3;
    /** PTRACE_O_EXITKILL and PTRACE_O_MASK, include/uapi/linux/ptrace.h. */
    static final long PTRACE_O_EXITKILL = 1L << 20, PTRACE_O_MASK = 0xffL | PTRACE_O_EXITKILL | (1L << 21);
    static final int PT_EXITKILL = (int) (PTRACE_O_EXITKILL << PT_OPT_FLAG_SHIFT);
    /** PTRACE_EVENT_STOP: the trap PTRACE_INTERRUPT (and group stops of seized tracees) report. */
    static final int PTRACE_EVENT_STOP = 128;
    /** si_code of the SIGCHLD a ptrace stop sends its tracer. */
    static final int CLD_TRAPPED = 4;
    /** sizeof(struct user_regs_struct), sizeof(struct user) and offsetof(struct user, u_debugreg), x86-64. */
    static final int USER_REGS_SIZE = 27 * 8, USER_SIZE = 928, U_DEBUGREG = 848;
    /** The user code and stack selectors of a 64-bit task (__USER_CS, __USER_DS). */
    static final long USER_CS = 0x33, USER_DS = 0x2b;
    /** The eflags bits a tracer may change (FLAG_MASK, arch/x86/kernel/ptrace.c). */
    static final long FLAG_MASK = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x4000 | 0x200000;

    /** The ptrace side of a task that is or was traced: its tracer, its stop and what ends it. */
    static final class Tracee {
        /** task->parent while traced (the tracing thread), null once detached. */
        Processes.Proc tracer;
        /** In a ptrace stop (TASK_TRACED): asleep until its tracer resumes it or SIGKILL comes. */
        boolean stopped;
        /** task->exit_code: the stop's report until a wait consumes it, then the signal to resume with. */
        int exitCode;
        /** The stop is a trap (PTRACE_EVENT_STOP): the signal it is resumed with is ignored. */
        boolean eventStop;
        /** Left its stop and has not run since: finish ptrace_signal() with {@link #exitCode}. */
        boolean resumed;
        /** PTRACE_INTERRUPT asked for a trap stop (JOBCTL_TRAP_STOP). */
        boolean trapPending;
        /** The siginfo of the signal it stopped for. */
        SigInfo info;
        /** The registers it stopped with (task_pt_regs()), changed by PTRACE_SETREGS. */
        final PtRegs regs = new PtRegs();
        /** {@link #regs} were changed: they go back to the CPU when the task runs. */
        boolean regsDirty;
        /** The FPU state it stopped with (its fpstate), changed by PTRACE_SETREGSET. */
        final FpuState fpu = new FpuState();
        /** The XSAVE header's xfeatures of {@link #fpu}: the user components not in their init state. */
        long xfeatures;
        /** {@link #fpu} was changed (fpu_force_restore()): it goes back to the CPU when the task runs. */
        boolean fpuDirty;
    }

    private final UserAccess uaccess;
    private final Processes procs;
    private final PtraceRegsets regsets;
    /** Tasks that left a ptrace stop and have not run since: while 0, a return to user mode looks no further. */
    private int resumedTasks;
    /** The last kernel entry was a syscall: a stop taken on its way out shows orig_rax (else -1). */
    private long syscallNr = PtRegs.NO_SYSCALL;

    Ptrace(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
        this.regsets = new PtraceRegsets(uaccess);
    }

    /** Told of each syscall entry (its number) and of each return to user mode that follows a run (-1). */
    void setEntry(long nr) {
        syscallNr = nr;
    }

    /**
     * Models SYSCALL_DEFINE4(ptrace): PTRACE_TRACEME first; then the pid (ESRCH: find_get_task_by_vpid()),
     * PTRACE_ATTACH and PTRACE_SEIZE; then ptrace_check_attach() (ESRCH) and the request (EIO for one
     * not modelled).
     */
    long sysPtrace(Task caller, long request, long pid, long addr, long data) {
        if (request == PTRACE_TRACEME) return ptraceTraceme(caller);
        Processes.Proc child = (int) pid > 0 ? procs.byPid((int) pid) : null;
        if (child == null) return -Errno.ESRCH;
        if (request == PTRACE_ATTACH || request == PTRACE_SEIZE) return ptraceAttach(caller, child, request, addr, data);
        boolean ignoreState = request == PTRACE_KILL || request == PTRACE_INTERRUPT;
        if (!ptraceCheckAttach(caller, child, ignoreState)) return -Errno.ESRCH;
        Tracee tr = child.ptrace;
        return switch ((int) request) {
            case PTRACE_PEEKTEXT, PTRACE_PEEKDATA -> genericPtracePeekdata(caller, child, addr, data);
            case PTRACE_POKETEXT, PTRACE_POKEDATA -> genericPtracePokedata(child, addr, data);
            case PTRACE_PEEKUSR -> peekUser(caller, tr, addr, data);
            case PTRACE_GETREGS -> getRegs(caller, tr, data);
            case PTRACE_SETREGS -> setRegs(caller, tr, data);
            case PtraceRegsets.PTRACE_GETREGSET, PtraceRegsets.PTRACE_SETREGSET ->
                    regsets.ptraceRegset(caller, tr, caller.mm().env().osPke(), request, addr, data);
            case PTRACE_CONT -> ptraceResume(child, data);
            case PTRACE_DETACH -> ptraceDetach(child, data);
            case PTRACE_KILL -> {
                Signals.send(child.task, SigInfo.user(Signo.SIGKILL, SiCode.SI_USER, caller.tgid(), 0));
                procs.wake(child);
                yield 0;
            }
            case PTRACE_INTERRUPT -> ptraceInterrupt(child);
            default -> -Errno.EIO;
        };
    }

    /** Models ptrace_traceme(): EPERM when already traced; the real parent becomes the tracer. */
    private long ptraceTraceme(Task caller) {
        if (caller.ptrace != 0) return -Errno.EPERM;
        Processes.Proc me = procs.of(caller);
        // The notional init (the first program's parent) is no task of the model: traced by nobody, as by an init that never waits.
        ptraceLink(me, procs.byPid(caller.ppid()), PT_PTRACED);
        return 0;
    }

    /**
     * Models ptrace_attach(): PTRACE_SEIZE's addr and options (EIO), the caller's own thread group
     * (EPERM), __ptrace_may_access() (EPERM: another user's task without CAP_SYS_PTRACE), a task
     * exiting or already traced (EPERM); then the link and, for PTRACE_ATTACH, SIGSTOP to the task.
     */
    private long ptraceAttach(Task caller, Processes.Proc child, long request, long addr, long options) {
        int flags = PT_PTRACED;
        if (request == PTRACE_SEIZE) {
            if (addr != 0) return -Errno.EIO;
            if ((options & ~PTRACE_O_MASK) != 0) return -Errno.EIO;
            if ((options & ~PTRACE_O_EXITKILL) != 0) return -Errno.EIO; // event options are not modelled (see the class comment)
            flags |= PT_SEIZED | (int) (options << PT_OPT_FLAG_SHIFT);
        }
        if (child.task.tgid() == caller.tgid()) return -Errno.EPERM; // same_thread_group()
        if (!ptraceMayAccess(procs.of(caller).cred, child.cred)) return -Errno.EPERM;
        if (!child.alive() || child.zombie) return -Errno.EPERM; // task->exit_state
        if (child.task.ptrace != 0) return -Errno.EPERM;
        ptraceLink(child, procs.of(caller), flags);
        if (request == PTRACE_ATTACH) { // ptrace_set_stopped(): SEND_SIG_PRIV
            Signals.send(child.task, SigInfo.user(Signo.SIGSTOP, SiCode.SI_KERNEL, 0, 0));
            procs.wake(child);
        }
        return 0;
    }

    /**
     * Models __ptrace_may_access() for PTRACE_MODE_REALCREDS: the caller's real uid must be the
     * target's real, effective and saved uid (groups are root's for everyone here), or the caller
     * must hold CAP_SYS_PTRACE. No Yama (the host has none).
     */
    private static boolean ptraceMayAccess(Cred caller, Cred target) {
        if (caller.uid() == target.uid() && caller.uid() == target.euid() && caller.uid() == target.suid()) return true;
        return caller.capable(Cred.CAP_SYS_PTRACE);
    }

    /** Models ptrace_link(): {@code child} is traced by {@code tracer} (null: nobody the model has). */
    private static void ptraceLink(Processes.Proc child, Processes.Proc tracer, int flags) {
        if (child.ptrace == null) child.ptrace = new Tracee();
        child.ptrace.tracer = tracer;
        child.task.ptrace = flags;
    }

    /**
     * Models ptrace_check_attach(): the child is traced by the calling thread and, unless
     * {@code ignoreState}, stopped in a ptrace stop with no SIGKILL pending (ptrace_freeze_traced()).
     */
    private boolean ptraceCheckAttach(Task caller, Processes.Proc child, boolean ignoreState) {
        Tracee tr = child.ptrace;
        if (child.task.ptrace == 0 || tr == null || tr.tracer == null || tr.tracer.task != caller) return false;
        return ignoreState || tr.stopped && (child.task.pending & Signo.sigmask(Signo.SIGKILL)) == 0;
    }

    /** Models generic_ptrace_peekdata(): a word through ptrace_access_vm() (EIO unless all 8 bytes), stored at {@code data}. */
    private long genericPtracePeekdata(Task caller, Processes.Proc child, long addr, long data) {
        byte[] word = new byte[8];
        if (ptraceAccessVm(child, addr, word, false) != 8) return -Errno.EIO;
        long v = ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return uaccess.putUserLong(caller.mm(), data, v) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models generic_ptrace_pokedata(): {@code data} written through ptrace_access_vm() with FOLL_WRITE; EIO unless whole. */
    private long genericPtracePokedata(Processes.Proc child, long addr, long data) {
        byte[] word = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data).array();
        return ptraceAccessVm(child, addr, word, true) == 8 ? 0 : -Errno.EIO;
    }

    /** Models ptrace_access_vm(): access_remote_vm() with FOLL_FORCE on the tracee's mm (none: nothing moves). */
    private static int ptraceAccessVm(Processes.Proc child, long addr, byte[] buf, boolean write) {
        MmStruct mm = child.task.mm();
        if (!Mem.accessible(mm)) return 0;
        return Mem.accessRemoteVm(mm, addr, buf, 0, buf.length, write);
    }

    /**
     * Models arch_ptrace()'s PTRACE_PEEKUSR: an aligned offset into struct user (EIO otherwise);
     * the registers of struct user_regs_struct, 0 for the debug registers (no breakpoints) and
     * the rest; stored at {@code data} (EFAULT).
     */
    private long peekUser(Task caller, Tracee tr, long addr, long data) {
        if ((addr & 7) != 0 || Long.compareUnsigned(addr, USER_SIZE) >= 0) return -Errno.EIO;
        long v = addr < USER_REGS_SIZE ? userRegs(tr.regs)[(int) addr / 8] : 0;
        return uaccess.putUserLong(caller.mm(), data, v) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models PTRACE_GETREGS → copy_regset_to_user(REGSET_GENERAL): struct user_regs_struct at {@code data}. */
    private long getRegs(Task caller, Tracee tr, long data) {
        return uaccess.copyToUser(caller.mm(), data, PtraceRegsets.genregsGet(tr.regs), 0, USER_REGS_SIZE) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models PTRACE_SETREGS → copy_regset_from_user(REGSET_GENERAL) → genregs_set(): the whole
     * struct user_regs_struct from {@code data}, a word at a time through {@link #putreg}.
     */
    private long setRegs(Task caller, Tracee tr, long data) {
        return regsets.copyRegsetFromUser(caller.mm(), tr, false, PtraceRegsets.NT_PRSTATUS, data, USER_REGS_SIZE);
    }

    /**
     * Models putreg(), arch/x86/kernel/ptrace.c: the register at {@code offset} of struct
     * user_regs_struct becomes {@code v}; EIO for a base at or past TASK_SIZE_MAX or a segment
     * selector other than the one the 64-bit task has (the model runs 64-bit code only); eflags
     * changes only FLAG_MASK's bits.
     */
    static long putreg(PtRegs r, int offset, long v) {
        switch (offset / 8) {
            case 0 -> r.r15 = v;
            case 1 -> r.r14 = v;
            case 2 -> r.r13 = v;
            case 3 -> r.r12 = v;
            case 4 -> r.rbp = v;
            case 5 -> r.rbx = v;
            case 6 -> r.r11 = v;
            case 7 -> r.r10 = v;
            case 8 -> r.r9 = v;
            case 9 -> r.r8 = v;
            case 10 -> r.rax = v;
            case 11 -> r.rcx = v;
            case 12 -> r.rdx = v;
            case 13 -> r.rsi = v;
            case 14 -> r.rdi = v;
            case 15 -> r.origRax = v;
            case 16 -> r.rip = v;
            case 18 -> r.eflags = (r.eflags & ~FLAG_MASK) | (v & FLAG_MASK);
            case 19 -> r.rsp = v;
            case 21, 22 -> {
                if (Long.compareUnsigned(v, MmStruct.TASK_SIZE) >= 0) return -Errno.EIO;
                if (offset / 8 == 21) r.fsBase = v;
                else r.gsBase = v;
            }
            default -> { // cs, ss, ds, es, fs, gs
                if (v != userRegs(r)[offset / 8]) return -Errno.EIO;
            }
        }
        return 0;
    }

    /** struct user_regs_struct of the stopped registers: r15 … rdi, orig_rax, rip, cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs. */
    static long[] userRegs(PtRegs r) {
        return new long[] {r.r15, r.r14, r.r13, r.r12, r.rbp, r.rbx, r.r11, r.r10, r.r9, r.r8, r.rax, r.rcx, r.rdx, r.rsi,
            r.rdi, r.origRax, r.rip, USER_CS, r.eflags, r.rsp, USER_DS, r.fsBase, r.gsBase, 0, 0, 0, 0};
    }

    /** Models ptrace_resume() for PTRACE_CONT: EIO for an invalid signal; the tracee leaves its stop with {@code data}. */
    private long ptraceResume(Processes.Proc child, long data) {
        if (!Signo.validSignal(data)) return -Errno.EIO;
        leaveStop(child, (int) data);
        return 0;
    }

    /** Models ptrace_detach(): EIO for an invalid signal; the tracee is untraced and leaves its stop with {@code data}. */
    private long ptraceDetach(Processes.Proc child, long data) {
        if (!Signo.validSignal(data)) return -Errno.EIO;
        child.ptrace.exitCode = (int) data;
        ptraceUnlink(child);
        return 0;
    }

    /** Models PTRACE_INTERRUPT: EIO unless seized; a trap stop (JOBCTL_TRAP_STOP) at the tracee's next return to user mode. */
    private long ptraceInterrupt(Processes.Proc child) {
        if ((child.task.ptrace & PT_SEIZED) == 0) return -Errno.EIO;
        if (!child.ptrace.stopped) {
            child.ptrace.trapPending = true;
            procs.wake(child); // signal_wake_up()
        }
        return 0;
    }

    /** The tracee leaves TASK_TRACED: exit_code is what it resumes with (wake_up_state(__TASK_TRACED)). */
    private void leaveStop(Processes.Proc child, int exitCode) {
        Tracee tr = child.ptrace;
        tr.exitCode = exitCode;
        if (!tr.stopped) return;
        tr.stopped = false;
        tr.resumed = true;
        resumedTasks++;
        procs.wake(child);
    }

    /**
     * Whether a task in a ptrace stop is woken by a wake-up now: only when SIGKILL is pending
     * (signal_wake_up() with fatal), which ends the stop.
     */
    boolean fatalWake(Processes.Proc p) {
        if ((p.task.pending & Signo.sigmask(Signo.SIGKILL)) == 0) return false;
        p.ptrace.stopped = false;
        p.ptrace.resumed = true;
        resumedTasks++;
        return true;
    }

    /**
     * Models __ptrace_unlink() (from ptrace_detach() and exit_ptrace()): the task is untraced; a
     * stopped one is woken and goes on with the signal in its exit_code.
     */
    void ptraceUnlink(Processes.Proc child) {
        Tracee tr = child.ptrace;
        child.task.ptrace = 0;
        if (tr == null) return;
        tr.tracer = null;
        tr.trapPending = false;
        leaveStop(child, tr.exitCode);
    }

    /**
     * Models exit_ptrace(), kernel/ptrace.c, for a thread that exits: each of its tracees is
     * detached (__ptrace_detach()), killed first when it was seized with PTRACE_O_EXITKILL; a
     * traced task that exits itself is untraced too (see the class comment).
     */
    void exitPtrace(Processes.Proc dead) {
        for (Processes.Proc p : procs.all()) {
            if (p.ptrace == null || p.ptrace.tracer != dead || p.task.ptrace == 0) continue;
            if ((p.task.ptrace & PT_EXITKILL) != 0) Signals.send(p.task, SigInfo.user(Signo.SIGKILL, SiCode.SI_USER, 0, 0));
            ptraceUnlink(p);
        }
        if (dead.ptrace != null) {
            dead.task.ptrace = 0;
            dead.ptrace.tracer = null;
            dead.ptrace.stopped = false;
            if (dead.ptrace.resumed) {
                dead.ptrace.resumed = false;
                resumedTasks--;
            }
        }
    }

    /**
     * The first step of get_signal() for a task that left a ptrace stop: its registers as the
     * tracer left them go back to the CPU, and the signal it resumes with is returned (the rest
     * of ptrace_signal()), or null: none, a trap stop's, or one it blocks by now, which is
     * queued again as Linux does.
     */
    SigInfo finishStop(ArchCpu cpu, Task t) {
        if (resumedTasks == 0) return null;
        Processes.Proc p = procs.of(t);
        Tracee tr = p == null ? null : p.ptrace;
        if (tr == null || !tr.resumed) return null;
        tr.resumed = false;
        resumedTasks--;
        if (tr.regsDirty) {
            tr.regsDirty = false;
            cpu.regs().set(tr.regs);
        }
        if (tr.fpuDirty) {
            tr.fpuDirty = false;
            cpu.regs().setFpu(tr.fpu);
        }
        int sig = tr.exitCode;
        tr.exitCode = 0;
        if (sig == 0 || tr.eventStop) return null;
        // The tracer changed the signal: a new siginfo from the tracer (SI_USER), as ptrace_signal() makes.
        SigInfo info = tr.info != null && tr.info.signo() == sig ? tr.info
                : SigInfo.user(sig, SiCode.SI_USER, tr.tracer != null ? tr.tracer.task.tgid() : 0, 0);
        if ((t.blocked & Signo.sigmask(sig)) != 0 || (t.pending & Signo.sigmask(Signo.SIGKILL)) != 0) {
            Signals.send(t, info);
            return null;
        }
        return info;
    }

    /**
     * Models ptrace_event(PTRACE_EVENT_EXEC) at the end of a successful execve(): no event
     * options are modelled, so a task traced with ATTACH or TRACEME (not seized) gets the legacy
     * SIGTRAP, and stops for it at the new program's first instruction.
     */
    void ptraceEventExec(Task t) {
        if ((t.ptrace & (PT_PTRACED | PT_SEIZED)) == PT_PTRACED) {
            Signals.send(t, SigInfo.user(Signo.SIGTRAP, SiCode.SI_USER, t.tgid(), 0)); // send_sig(SIGTRAP, current, 0)
        }
    }

    /** Whether PTRACE_INTERRUPT left a trap stop for {@code t} to take now (JOBCTL_TRAP_STOP, before any signal). */
    boolean trapPending(Task t) {
        Processes.Proc p = procs.of(t);
        return t.ptrace != 0 && p.ptrace.trapPending;
    }

    /**
     * Models ptrace_stop(), kernel/signal.c: the task keeps its registers for the tracer, reports
     * {@code exitCode} (a signal, or SIGTRAP | PTRACE_EVENT_STOP &lt;&lt; 8 for a trap), sends its
     * tracer SIGCHLD with CLD_TRAPPED (do_notify_parent_cldstop(): not when the tracer ignores
     * SIGCHLD or set SA_NOCLDSTOP), wakes the tracer's wait, and gives up its CPU asleep until a
     * ptrace request or SIGKILL.
     */
    void ptraceStop(ArchCpu cpu, Task t, int exitCode, SigInfo info, boolean eventStop) {
        Processes.Proc p = procs.of(t);
        Tracee tr = p.ptrace;
        tr.trapPending = false;
        tr.exitCode = exitCode;
        tr.eventStop = eventStop;
        tr.info = info;
        tr.stopped = true;
        tr.regsDirty = false;
        tr.fpuDirty = false;
        cpu.regs().get(tr.regs);
        cpu.regs().getFpu(tr.fpu);
        // The user components XSAVE finds in use: x87 and SSE as the signal frame has them, PKRU unless 0.
        tr.xfeatures = PtraceRegsets.XFEATURE_MASK_FPSSE | (tr.fpu.pkru != 0 ? Signals.XFEATURE_MASK_PKRU : 0);
        tr.regs.origRax = syscallNr;
        p.sleeping = true;
        Processes.Proc tracer = tr.tracer;
        if (tracer != null && tracer.alive()) {
            Task leader = tracer.task;
            boolean ignored = leader.sigHandler[Signo.SIGCHLD] == Signals.SIG_IGN
                    || (leader.sigFlags[Signo.SIGCHLD] & Signals.SA_NOCLDSTOP) != 0;
            if (!ignored) {
                Processes.Proc target = procs.signalTarget(leader.tgid(), Signo.SIGCHLD);
                if (target != null) {
                    Signals.send(target.task, new SigInfo(Signo.SIGCHLD, CLD_TRAPPED, 0, t.pid(), 0, exitCode & 0x7f, 0, 0));
                }
            }
        }
        procs.wakeAll();
        cpu.requestReschedule();
    }
}
