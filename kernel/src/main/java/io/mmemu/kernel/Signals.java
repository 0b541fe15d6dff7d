package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Pkeys;
import io.mmemu.trace.Tracer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Signals as x86-64 Linux delivers them (kernel/signal.c, arch/x86/kernel/signal.c, signal_64.c).
 *
 * <ol>
 *   <li>Sending sets the signal pending (standard signals do not queue: a second one while the
 *       first is pending is merged). force_sig_fault(), for a fault the task caused, first resets
 *       the handler to the default and unblocks the signal when it is blocked or ignored.</li>
 *   <li>At each return to user mode (exit_to_user_mode), get_signal() takes pending, unblocked
 *       signals, synchronous ones (the faults) first, then the lowest number; the default action
 *       kills, ignores (SIGCHLD, SIGURG, SIGWINCH, SIGCONT) or, for stop signals, is treated as
 *       ignored (no job control here).</li>
 *   <li>handle_signal() → setup_rt_frame(): below the red zone (or, for an SA_ONSTACK action
 *       when the task has an alternate stack and is not on it, at the top of that stack), the fxsave area (64-byte
 *       aligned), then struct rt_sigframe {pretcode, ucontext, siginfo} aligned so that RSP+8 is
 *       16-byte aligned at the handler; RDI = signo, RSI = &info, RDX = &uc, RAX = 0, RIP = the
 *       handler; the blocked set grows by sa_mask and the signal (unless SA_NODEFER);
 *       SA_RESETHAND resets the handler; SS_AUTODISARM disarms the alternate stack
 *       (signal_delivered()), whose settings the frame's uc_stack keeps.</li>
 *   <li>rt_sigreturn restores the registers, the SSE state and the blocked set from the frame, and
 *       the alternate stack from uc_stack (restore_altstack()).</li>
 * </ol>
 * On a CPU with XSAVE (the PKU model; qemu64 has none) the fpstate is an XSAVE image in the
 * standard format instead of the fxsave area: its sw_reserved bytes carry FP_XSTATE_MAGIC1 and
 * the layout (extended size, the features, the xstate size), FP_XSTATE_MAGIC2 follows it,
 * uc_flags has UC_FP_XSTATE, and the XSAVE header's xstate_bv has the PKRU component with the
 * thread's PKRU at its offset (update_pkru_in_sigframe()). The frame is written with PKRU 0
 * (sig_prepare_pkru(): the stack may be under a key), the handler runs with init_pkru_value
 * (fpu__clear_user_states()), and rt_sigreturn takes PKRU back from the image (XRSTOR: 0 when
 * the handler cleared the component's xstate_bv bit).
 * A frame that cannot be written (bad stack), or that would overflow the alternate stack it is
 * on or enters (get_sigframe()'s "always-bogus address"), ends in SIGSEGV, as force_sigsegv() does.
 */
final class Signals {
    static final long SIG_DFL = 0, SIG_IGN = 1;
    static final long SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_RESTORER = 0x04000000, SA_ONSTACK = 0x08000000,
            SA_RESTART = 0x10000000,
            SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000L;
    /** Signals handled before others when several are pending (SYNCHRONOUS_MASK). */
    static final long SYNCHRONOUS_MASK = Signo.sigmask(Signo.SIGSEGV) | Signo.sigmask(Signo.SIGBUS)
            | Signo.sigmask(Signo.SIGILL) | Signo.sigmask(Signo.SIGTRAP) | Signo.sigmask(Signo.SIGFPE)
            | Signo.sigmask(Signo.SIGSYS);
    static final long UNBLOCKABLE = Signo.sigmask(Signo.SIGKILL) | Signo.sigmask(Signo.SIGSTOP);

    /** struct rt_sigframe layout: pretcode, then struct ucontext (304 bytes), then siginfo (128). */
    static final int UC_OFFSET = 8, UC_MCONTEXT = 40, UC_SIGMASK = 296, INFO_OFFSET = 312, FRAME_SIZE = 440;
    static final int FXSAVE_SIZE = 512;
    /** uc_flags for 64-bit frames without XSAVE: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS. */
    static final long UC_FLAGS = 0x2 | 0x4;
    /** UC_FP_XSTATE: the fpstate is an XSAVE image. */
    static final long UC_FP_XSTATE = 0x1;
    /**
     * The XSAVE layout of the PKU model's user features, x87 | SSE | PKRU (XCR0 0x203: QEMU's
     * Skylake-Server without the AVX components TCG cannot run, which Linux then leaves off):
     * CPUID.(0xD,0).EBX, the standard-format size, is 0xa88, and CPUID.(0xD,9) puts PKRU's 8 bytes
     * at 0xa80.
     */
    static final int XSTATE_USER_SIZE = 0xa88, XSTATE_PKRU_OFFSET = 0xa80;
    static final long XFEATURES_USER = 0x203, XFEATURE_MASK_PKRU = 0x200;
    /** FP_XSTATE_MAGIC1 in sw_reserved (at byte 464 of the fxsave area), FP_XSTATE_MAGIC2 after the image. */
    static final int FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2 = 0x46505845, FP_XSTATE_MAGIC2_SIZE = 4;
    static final int SW_RESERVED = 464, XSAVE_HEADER = 512;

    /** struct sigcontext_64: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, then eflags, 8 bytes each. */
    static final int SIGCONTEXT_REGS = 18;
    /** The eflags bits sigreturn may restore (FIX_EFLAGS): AC OF DF TF SF ZF AF PF CF RF. */
    private static final long FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

    private final UserAccess uaccess;
    /** The registers of the task a signal is delivered to or returns from (one thread drives the machine). */
    private final PtRegs regs = new PtRegs();
    private final FpuState fpu = new FpuState();

    private final SigAltStacks altStacks;

    /** The machine's event stream. */
    Tracer tracer = Tracer.OFF;

    private final Ptrace ptrace;

    Signals(UserAccess uaccess, SigAltStacks altStacks, Ptrace ptrace) {
        this.uaccess = uaccess;
        this.altStacks = altStacks;
        this.ptrace = ptrace;
    }

    /**
     * Models send_signal_locked() for one task: pending unless ignored (prepare_signal()'s
     * sig_ignored(): SIG_IGN, or SIG_DFL of a signal whose default is to ignore, and not blocked;
     * a traced task gets ignored ones too: its tracer sees them); a pending standard signal is not
     * queued twice. An ignored signal is dropped at once, so it never makes signal_pending() true:
     * pause(), poll() or a pipe read are not interrupted by SIGCHLD when nobody handles it.
     */
    static void send(Task t, SigInfo info) {
        int sig = info.signo();
        boolean ignored = t.sigHandler[sig] == SIG_IGN || t.sigHandler[sig] == SIG_DFL && sigKernelIgnore(sig);
        if (sig == Signo.SIGKILL || sig == Signo.SIGSTOP || !ignored || (t.blocked & Signo.sigmask(sig)) != 0
                || t.ptrace != 0) {
            if ((t.pending & Signo.sigmask(sig)) == 0) t.pendingInfo[sig] = info;
            t.pending |= Signo.sigmask(sig);
        }
    }

    /** Models force_sig_fault(): a signal the task cannot block or ignore away. */
    static void forceSigFault(Task t, SigInfo info) {
        int sig = info.signo();
        if (t.sigHandler[sig] == SIG_IGN || (t.blocked & Signo.sigmask(sig)) != 0) {
            t.sigHandler[sig] = SIG_DFL;
            t.blocked &= ~Signo.sigmask(sig);
        }
        t.pendingInfo[sig] = info; // a fault's own siginfo wins over an earlier kill()
        t.pending |= Signo.sigmask(sig);
    }

    /**
     * Whether an unblocked pending signal will kill the task: SIGKILL, or one left at SIG_DFL whose
     * default action is to terminate (sig_fatal(), which complete_signal() turns into SIGKILL).
     */
    static boolean fatalSignalPending(Task t) {
        long deliverable = t.pending & ~(t.blocked & ~UNBLOCKABLE);
        for (long m = deliverable; m != 0; m &= m - 1) {
            int sig = Long.numberOfTrailingZeros(m) + 1;
            if (sig == Signo.SIGKILL || t.sigHandler[sig] == SIG_DFL && !defaultIgnores(sig)) return true;
        }
        return false;
    }

    /** sig_kernel_ignore(): the signals whose default action is to ignore them. */
    static boolean sigKernelIgnore(int sig) {
        return sig == Signo.SIGCONT || sig == Signo.SIGCHLD || sig == Signo.SIGWINCH || sig == Signo.SIGURG;
    }

    /** Whether a default action is to ignore (sig_kernel_ignore) — or stop, which is treated as ignore here. */
    static boolean defaultIgnores(int sig) {
        return sigKernelIgnore(sig) || sig == Signo.SIGSTOP || sig == Signo.SIGTSTP || sig == Signo.SIGTTIN
                || sig == Signo.SIGTTOU;
    }

    /**
     * Models get_signal() as exit_to_user_mode_loop() calls it: delivers every pending unblocked
     * signal. A traced task first finishes a ptrace stop it has just left (the signal its tracer
     * gave it), takes a trap stop PTRACE_INTERRUPT asked for, and stops for each signal but
     * SIGKILL before it is delivered (ptrace_signal(): {@link Ptrace#ptraceStop}, after which it
     * returns at once). Returns 0, or the signal whose default action kills the task (its siginfo
     * stays in pendingInfo).
     */
    int doSignal(ArchCpu cpu, Task t) {
        SigInfo resumed = ptrace.finishStop(cpu, t);
        if (resumed != null) {
            int r = handleSignal(cpu, t, resumed.signo(), resumed);
            if (r != 0) return r;
        }
        if (ptrace.trapPending(t)) { // do_jobctl_trap(): PTRACE_EVENT_STOP
            ptrace.ptraceStop(cpu, t, Signo.SIGTRAP | (Ptrace.PTRACE_EVENT_STOP << 8), null, true);
            return 0;
        }
        while (true) {
            long deliverable = t.pending & ~(t.blocked & ~UNBLOCKABLE);
            if (deliverable == 0) {
                // No handler ran: a call a signal interrupted restarts, and "we just put the saved
                // sigmask back" (arch_do_signal_or_restart()).
                if (t.syscallRestartNr >= 0) restartWithoutHandler(cpu, t);
                restoreSavedSigmask(t);
                return 0;
            }
            long sync = deliverable & SYNCHRONOUS_MASK;
            int sig = Long.numberOfTrailingZeros(sync != 0 ? sync : deliverable) + 1;
            t.pending &= ~Signo.sigmask(sig);
            SigInfo info = t.pendingInfo[sig];
            if (info == null) info = SigInfo.user(sig, SiCode.SI_KERNEL, 0, 0);
            if (t.ptrace != 0 && sig != Signo.SIGKILL) {
                t.pendingInfo[sig] = null;
                ptrace.ptraceStop(cpu, t, sig, info, false);
                return 0;
            }
            int r = handleSignal(cpu, t, sig, info);
            if (r != 0) return r;
        }
    }

    /**
     * The rest of get_signal() and handle_signal() for one dequeued signal: ignored, fatal (its
     * number returned), or a frame set up for its handler (0); a frame that cannot be written
     * forces SIGSEGV, fatal unless the task handles SIGSEGV.
     */
    private int handleSignal(ArchCpu cpu, Task t, int sig, SigInfo info) {
        long handler = sig == Signo.SIGKILL || sig == Signo.SIGSTOP ? SIG_DFL : t.sigHandler[sig];
        if (handler == SIG_IGN) return 0;
        if (handler == SIG_DFL) {
            if (defaultIgnores(sig)) return 0;
            t.pendingInfo[sig] = info;
            if (tracer.on(Tracer.SIGNAL)) tracer.signal(t.pid(), sig, info.code(), info.addr());
            return sig;
        }
        if (t.syscallRestartNr >= 0) restartForHandler(cpu, t, t.sigFlags[sig]); // the frame records the outcome
        if (!setupRtFrame(cpu, t, sig, info, handler)) {
            forceSigFault(t, SigInfo.fault(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0));
            if (t.sigHandler[Signo.SIGSEGV] != SIG_DFL && sig != Signo.SIGSEGV) return 0;
            t.pending &= ~Signo.sigmask(Signo.SIGSEGV);
            t.pendingInfo[Signo.SIGSEGV] = SigInfo.fault(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0);
            return Signo.SIGSEGV;
        }
        t.pendingInfo[sig] = null;
        if (tracer.on(Tracer.SIGNAL)) tracer.signal(t.pid(), sig, info.code(), info.addr());
        return 0;
    }

    /**
     * Models setup_rt_frame() / x64_setup_rt_frame() with get_sigframe()'s placement; false when
     * the frame cannot be written.
     */
    private boolean setupRtFrame(ArchCpu cpu, Task t, int sig, SigInfo info, long handler) {
        cpu.regs().get(regs);
        long flags = t.sigFlags[sig];
        boolean nestedAltstack = altStacks.onSigStack(t, regs.rsp);
        boolean enteringAltstack = false;
        long sp = regs.rsp - 128; // the red zone
        // The X/Open sanctioned signal stack switching.
        if ((flags & SA_ONSTACK) != 0 && altStacks.sasSsFlags(t, sp) == 0) {
            sp = altStacks.sp(t) + altStacks.size(t);
            enteringAltstack = true;
        }
        // use_xsave(): the PKU model is the one with XSAVE.
        boolean xsave = t.mm().env().osPke();
        sp -= xsave ? XSTATE_USER_SIZE + FP_XSTATE_MAGIC2_SIZE : FXSAVE_SIZE; // fpu__alloc_mathframe()
        long fpstate = sp & ~63L;
        sp = fpstate - FRAME_SIZE;
        long frame = (sp & ~15L) - 8;
        // A frame that would overflow the alternate stack is not written there: SIGSEGV.
        if ((nestedAltstack || enteringAltstack) && !altStacks.onSigStackRaw(t, frame)) return false;

        ByteBuffer f = ByteBuffer.allocate(FRAME_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        f.putLong(0, (flags & SA_RESTORER) != 0 ? t.sigRestorer[sig] : 0);
        f.putLong(UC_OFFSET, xsave ? UC_FLAGS | UC_FP_XSTATE : UC_FLAGS);
        f.putLong(UC_OFFSET + 8, 0); // uc_link
        // unsafe_save_altstack(): the stack as the task set it, for rt_sigreturn to restore.
        f.putLong(UC_OFFSET + 16, altStacks.sp(t)).putInt(UC_OFFSET + 24, altStacks.flags(t))
                .putLong(UC_OFFSET + 32, altStacks.size(t));
        int mc = UC_OFFSET + UC_MCONTEXT;
        putSigcontext(f, mc, regs);
        f.putShort(mc + 144, (short) 0x33).putShort(mc + 146, (short) 0).putShort(mc + 148, (short) 0)
                .putShort(mc + 150, (short) 0x2b); // cs gs fs ss
        f.putLong(mc + 152, info.isFault() ? info.errorCode() : 0);
        f.putLong(mc + 160, info.isFault() ? info.trapno() : 0);
        long saved = sigmaskToSave(t);
        f.putLong(mc + 168, saved); // oldmask
        f.putLong(mc + 176, info.signo() == Signo.SIGSEGV || info.signo() == Signo.SIGBUS ? info.addr() : 0); // cr2
        f.putLong(mc + 184, fpstate);
        f.putLong(UC_OFFSET + UC_SIGMASK, saved);
        writeSiginfo(f, INFO_OFFSET, info);

        cpu.regs().getFpu(fpu);
        byte[] fx = xsave ? saveXstate(fpu) : saveFpstate(fpu);
        PagingControl pkru = t.mm().env().pagingControl();
        if (xsave) pkru.pkru = 0; // sig_prepare_pkru()
        if (uaccess.copyToUser(t.mm(), fpstate, fx, 0, fx.length) < 0
                || uaccess.copyToUser(t.mm(), frame, f.array(), 0, FRAME_SIZE) < 0) {
            pkru.pkru = fpu.pkru; // the frame is not there: PKRU back as it was
            return false;
        }
        if (xsave) {
            fpu.pkru = Pkeys.INIT_PKRU_VALUE; // fpu__clear_user_states() → pkru_write_default()
            cpu.regs().setFpu(fpu);
        }

        // signal_setup_done(): the frame holds the saved mask now; block sa_mask and, unless
        // SA_NODEFER, the signal itself.
        t.restoreSigmask = false;
        t.blocked |= t.sigMask[sig] | ((flags & SA_NODEFER) != 0 ? 0 : Signo.sigmask(sig));
        t.blocked &= ~UNBLOCKABLE;
        if ((flags & SA_RESETHAND) != 0) t.sigHandler[sig] = SIG_DFL;
        if ((altStacks.flags(t) & SigAltStacks.SS_AUTODISARM) != 0) altStacks.sasSsReset(t); // signal_delivered()

        regs.rdi = sig;
        regs.rsi = frame + INFO_OFFSET;
        regs.rdx = frame + UC_OFFSET;
        regs.rax = 0;
        regs.rsp = frame;
        regs.rip = handler;
        regs.eflags &= ~(0x400L | 0x100L | 0x10000L); // clear DF TF RF
        cpu.regs().set(regs);
        return true;
    }

    /**
     * Models handle_signal()'s syscall restart: ERESTART_RESTARTBLOCK and ERESTARTNOHAND become
     * EINTR, as does ERESTARTSYS unless the handler has SA_RESTART; otherwise (and for
     * ERESTARTNOINTR) the syscall instruction runs again once the handler returns.
     */
    private void restartForHandler(ArchCpu cpu, Task t, long saFlags) {
        long nr = t.syscallRestartNr;
        t.syscallRestartNr = -1;
        cpu.regs().get(regs);
        long err = -regs.rax;
        if (err == Errno.ERESTART_RESTARTBLOCK || err == Errno.ERESTARTNOHAND
                || err == Errno.ERESTARTSYS && (saFlags & SA_RESTART) == 0) {
            regs.rax = -Errno.EINTR;
        } else {
            regs.rax = nr;
            regs.rip -= 2;
        }
        cpu.regs().set(regs);
    }

    /**
     * Models arch_do_signal_or_restart()'s restart when no handler ran: the syscall instruction
     * runs again (ERESTART_RESTARTBLOCK's restart_syscall() is the same call here: its timeout
     * starts afresh).
     */
    private void restartWithoutHandler(ArchCpu cpu, Task t) {
        cpu.regs().get(regs);
        regs.rax = t.syscallRestartNr;
        t.syscallRestartNr = -1;
        regs.rip -= 2;
        cpu.regs().set(regs);
    }

    /** Models sigmask_to_save(): the mask a frame records, the saved one while TIF_RESTORE_SIGMASK. */
    private static long sigmaskToSave(Task t) {
        return t.restoreSigmask ? t.savedSigmask : t.blocked;
    }

    /** Models restore_saved_sigmask(): puts back the mask a ppoll, pselect6 or rt_sigsuspend replaced. */
    static void restoreSavedSigmask(Task t) {
        if (!t.restoreSigmask) return;
        t.restoreSigmask = false;
        t.blocked = t.savedSigmask;
    }

    /**
     * Models set_user_sigmask()'s effect after the checks: the current mask is saved (once: a call
     * re-executed after a wake-up keeps the first one) and replaced for the call's duration.
     */
    static void setRestoreSigmask(Task t, long mask) {
        if (!t.restoreSigmask) {
            t.savedSigmask = t.blocked;
            t.restoreSigmask = true;
        }
        t.blocked = mask & ~UNBLOCKABLE;
    }

    /** Writes the registers of struct sigcontext_64 (in its order) at {@code at}. */
    private static void putSigcontext(ByteBuffer f, int at, PtRegs r) {
        long[] v = {r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rdi, r.rsi, r.rbp, r.rbx, r.rdx, r.rax, r.rcx,
                r.rsp, r.rip, r.eflags};
        for (int i = 0; i < SIGCONTEXT_REGS; i++) f.putLong(at + 8 * i, v[i]);
    }

    /** Reads the registers of struct sigcontext_64 at {@code at} into {@code r}, eflags as saved. */
    private static void getSigcontext(ByteBuffer f, int at, PtRegs r) {
        r.r8 = f.getLong(at);
        r.r9 = f.getLong(at + 8);
        r.r10 = f.getLong(at + 16);
        r.r11 = f.getLong(at + 24);
        r.r12 = f.getLong(at + 32);
        r.r13 = f.getLong(at + 40);
        r.r14 = f.getLong(at + 48);
        r.r15 = f.getLong(at + 56);
        r.rdi = f.getLong(at + 64);
        r.rsi = f.getLong(at + 72);
        r.rbp = f.getLong(at + 80);
        r.rbx = f.getLong(at + 88);
        r.rdx = f.getLong(at + 96);
        r.rax = f.getLong(at + 104);
        r.rcx = f.getLong(at + 112);
        r.rsp = f.getLong(at + 120);
        r.rip = f.getLong(at + 128);
        r.eflags = f.getLong(at + 136);
    }

    /** struct siginfo: signo, errno, code, then the union (si_addr, or si_pid/si_uid, or Signo.SIGCHLD's status). */
    private static void writeSiginfo(ByteBuffer f, int at, SigInfo info) {
        f.putInt(at, info.signo()).putInt(at + 4, 0).putInt(at + 8, info.code());
        if (info.isFault()) {
            f.putLong(at + 16, info.addr());
            if (info.code() == SiCode.SEGV_PKUERR && info.signo() == Signo.SIGSEGV) f.putInt(at + 32, info.pkey()); // si_pkey
        } else {
            f.putInt(at + 16, info.pid()).putInt(at + 20, info.uid());
            if (info.signo() == Signo.SIGCHLD) f.putInt(at + 24, info.status());
        }
    }

    /** The fxsave image (struct fxregs_state) of {@code fpu} (x87 registers left at their reset values). */
    static byte[] saveFpstate(FpuState fpu) {
        ByteBuffer b = ByteBuffer.allocate(FXSAVE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        putFxregs(b, fpu);
        return b.array();
    }

    /**
     * The XSAVE image of {@code fpu} with its trailer, as copy_fpstate_to_sigframe() leaves it:
     * the fxsave area with the sw_reserved bytes save_sw_bytes() fills, the header with
     * xstate_bv FP | SSE | PKRU, PKRU, then FP_XSTATE_MAGIC2.
     */
    static byte[] saveXstate(FpuState fpu) {
        ByteBuffer b = ByteBuffer.allocate(XSTATE_USER_SIZE + FP_XSTATE_MAGIC2_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        putFxregs(b, fpu);
        b.putInt(SW_RESERVED, FP_XSTATE_MAGIC1).putInt(SW_RESERVED + 4, XSTATE_USER_SIZE + FP_XSTATE_MAGIC2_SIZE)
                .putLong(SW_RESERVED + 8, XFEATURES_USER).putInt(SW_RESERVED + 16, XSTATE_USER_SIZE);
        b.putLong(XSAVE_HEADER, XFEATURES_USER); // xstate_bv; xcomp_bv 0: the standard format
        b.putInt(XSTATE_PKRU_OFFSET, fpu.pkru);
        b.putInt(XSTATE_USER_SIZE, FP_XSTATE_MAGIC2);
        return b.array();
    }

    /** Writes struct fxregs_state's fields the model keeps into {@code b} at 0. */
    private static void putFxregs(ByteBuffer b, FpuState fpu) {
        b.putShort(0, (short) fpu.fpcw);
        b.putShort(2, (short) fpu.fpsw);
        b.putInt(24, fpu.mxcsr);
        b.putInt(28, 0xffff); // MXCSR_MASK
        for (int i = 0; i < 16; i++) b.putLong(160 + 16 * i, fpu.xmm[2 * i]).putLong(168 + 16 * i, fpu.xmm[2 * i + 1]);
    }

    /** Reads XMM0-15 from struct fxregs_state in {@code b} at 0 (the inverse of putFxregs()'s XMM part). */
    static void loadXmm(FpuState fpu, ByteBuffer b) {
        for (int i = 0; i < 16; i++) {
            fpu.xmm[2 * i] = b.getLong(160 + 16 * i);
            fpu.xmm[2 * i + 1] = b.getLong(168 + 16 * i);
        }
    }

    /**
     * The PKRU rt_sigreturn loads from the XSAVE image at {@code fpstate} whose fxsave area is
     * {@code fx} (restore_fpregs_from_user()): the image's when sw_reserved describes a valid XSAVE
     * frame (check_xstate_in_sigframe()) and xstate_bv has the component, 0 (its init state) when
     * the bit is clear; an fxsave-only frame initialises PKRU from init_fpstate (init_pkru_value).
     * -1 when the image cannot be read.
     */
    private long restorePkru(Task t, long fpstate, ByteBuffer fx) {
        int xstateSize = fx.getInt(SW_RESERVED + 16);
        boolean fxOnly = fx.getInt(SW_RESERVED) != FP_XSTATE_MAGIC1 || xstateSize < XSAVE_HEADER + 64
                || xstateSize > XSTATE_USER_SIZE || xstateSize > fx.getInt(SW_RESERVED + 4);
        byte[] word = new byte[8];
        if (!fxOnly) {
            if (uaccess.copyFromUser(t.mm(), word, 0, fpstate + xstateSize, 4) < 0) return -1;
            fxOnly = ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != FP_XSTATE_MAGIC2;
        }
        if (fxOnly || (fx.getLong(SW_RESERVED + 8) & XFEATURE_MASK_PKRU) == 0) return Pkeys.INIT_PKRU_VALUE;
        if (uaccess.copyFromUser(t.mm(), word, 0, fpstate + XSAVE_HEADER, 8) < 0) return -1;
        if ((ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getLong(0) & XFEATURE_MASK_PKRU) == 0) return 0;
        if (uaccess.copyFromUser(t.mm(), word, 0, fpstate + XSTATE_PKRU_OFFSET, 4) < 0) return -1;
        return ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xffff_ffffL;
    }

    /**
     * Models SYSCALL_DEFINE0(rt_sigreturn): RSP points just past pretcode; restore the registers,
     * the SSE state and the blocked set saved in the frame. False when the frame is unreadable
     * (the task then gets SIGSEGV).
     */
    boolean rtSigreturn(ArchCpu cpu, Task t) {
        cpu.regs().get(regs);
        long frame = regs.rsp - 8;
        byte[] raw = new byte[FRAME_SIZE];
        if (uaccess.copyFromUser(t.mm(), raw, 0, frame, FRAME_SIZE) < 0) return false;
        ByteBuffer f = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int mc = UC_OFFSET + UC_MCONTEXT;
        long current = regs.eflags;
        getSigcontext(f, mc, regs);
        regs.eflags = (current & ~FIX_EFLAGS) | (regs.eflags & FIX_EFLAGS);
        long fpstate = f.getLong(mc + 184);
        if (fpstate != 0) {
            byte[] fx = new byte[FXSAVE_SIZE];
            if (uaccess.copyFromUser(t.mm(), fx, 0, fpstate, FXSAVE_SIZE) < 0) return false;
            ByteBuffer b = ByteBuffer.wrap(fx).order(ByteOrder.LITTLE_ENDIAN);
            // MXCSR and XMM0-15 come back from the image; the x87 control and status words stay
            // as the handler left them (Linux's fxrstor would restore them as well).
            cpu.regs().getFpu(fpu);
            if (t.mm().env().osPke()) { // use_xsave()
                long pkru = restorePkru(t, fpstate, b);
                if (pkru < 0) return false;
                fpu.pkru = (int) pkru;
            }
            fpu.mxcsr = b.getInt(24) & 0xffff;
            loadXmm(fpu, b);
            cpu.regs().setFpu(fpu);
        }
        cpu.regs().set(regs);
        t.blocked = f.getLong(UC_OFFSET + UC_SIGMASK) & ~UNBLOCKABLE;
        // restore_altstack(): do_sigaltstack() with the saved stack and the restored RSP; its errors are ignored.
        altStacks.doSigaltstack(t, f.getLong(UC_OFFSET + 16), f.getInt(UC_OFFSET + 24), f.getLong(UC_OFFSET + 32), regs.rsp);
        return true;
    }
}
