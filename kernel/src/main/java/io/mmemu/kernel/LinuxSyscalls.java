package io.mmemu.kernel;

import io.mmemu.fault.FaultInjector;
import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.arch.SyscallHandler;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.slab.KernelOops;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.trace.Tracer;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The kernel's side of the CPU boundary: syscall entry (do_syscall_64()), the return to user mode
 * (exit_to_user_mode()) and the faults and OOM kills a CPU reports. The calls themselves are the
 * {@link Syscall} table's; their implementations sit in one class per Linux file ({@link
 * FileSyscalls}, {@link ReadWrite}, {@link Pipes}, {@link UnixSockets}, {@link SignalSyscalls}, {@link
 * ProcessSyscalls}, {@link TimeSyscalls}, {@link SysSyscalls}, {@link MmSyscalls}, {@link
 * ArchPrctl}), which this class owns and the table's handlers reach through it. A call the model
 * does not implement returns -ENOSYS, named once per run with --verbose.
 *
 * <p>Arguments arrive in the {@link PtRegs} the CPU filled: RDI, RSI, RDX, R10, R8, R9, and the
 * number in orig_rax; the result goes to RAX (the CPU has set RCX and R11 to the return address
 * and RFLAGS, as the syscall instruction does). Work that moves RIP (a restarted sleep,
 * rt_sigreturn, execve's start, a signal frame) waits for {@link #exitToUserMode}, once the
 * engine has stopped.
 */
public final class LinuxSyscalls implements SyscallHandler {
    /** What a syscall returns when the task must sleep: the syscall is re-executed when it is woken. */
    static final long BLOCK = Long.MIN_VALUE;

    /** execve()'s loader, owned by the machine (it knows the address-space layout and the run's generator). */
    interface Exec {
        /** Replaces the task's program; the registers are set by {@link #start} once the CPU stopped. Errno or 0. */
        long execve(Task task, String path, List<String> argv, List<String> envp);

        /** start_thread() for the program execve() just loaded. */
        void start(ArchCpu cpu, Task task);
    }

    // The state the table's handlers and the scheduler reach (package-private for Syscall's lambdas).
    final UserAccess uaccess;
    final Processes procs;
    final FileSyscalls files;
    final ReadWrite rw;
    final Pipes pipes;
    final Splice splice;
    final UnixSockets sockets;
    final SignalSyscalls signal;
    final ProcessSyscalls proc;
    final TimeSyscalls time;
    final Prctl prctl;
    final Rseq rseq;
    final MempolicySyscalls mempolicy;
    final SysSyscalls sys;
    private final Vsyscall vsyscall;
    final MmSyscalls mem;
    final Rlimits rlimits;
    final CpuTimers cpuTimers;
    final Credentials credentials;
    final Futexes futexes;
    final RandomSyscalls random;
    final Memfd memfd;
    final Pidfds pidfds;
    final Poll poll;
    final ProcessVmAccess processVm;
    final Ptrace ptrace;
    final SigAltStacks altStacks;
    final Userfaultfds userfaultfds;
    /** The run's recorder or replayer, or null (the usual case: one null check per kernel entry). */
    RunEvents events;

    private final Signals signals;
    private final OomKiller oomKiller;
    private final Exec exec;
    private final PrintStream log;
    private final boolean verbose;
    /** Unknown syscall numbers already reported (--verbose names each once). */
    private final Set<Long> reportedUnknown = new TreeSet<>();
    /** The run's instruction budget and stop requests ({@link #setRunLimits}). */
    /** Syscalls and returns to user mode so far ({@link #kernelEntries()}). */
    private long kernelEntries;
    private RunLimits runLimits;
    /** The registers of the task returning to user mode, for work that moves its RIP (preallocated). */
    private final PtRegs user = new PtRegs();
    /** rt_sigreturn was called: restore the frame once the engine has stopped (see exitToUserMode). */
    private boolean sigreturnPending;
    /** The last syscall slept: rewind RIP to it once the engine has stopped, and give up the CPU. */
    private boolean restartPending;
    /** execve() loaded a program: start it once the engine has stopped. */
    private boolean execPending;
    /** Runs the stale-translation checker after a TLB-changing syscall, named (off: does nothing). */
    private Consumer<String> tlbChecker = op -> {};

    /** The syscall layer of a {@link Kernel}, over its processes, its file namespace and the guest's streams. */
    LinuxSyscalls(UserAccess uaccess, Vfs vfs, InputStream stdin, OutputStream stdout, OutputStream stderr,
            PrintStream log, boolean verbose, Processes procs, Exec exec, long seed) {
        this.uaccess = uaccess;
        this.procs = procs;
        this.exec = exec;
        this.log = log;
        this.verbose = verbose;
        this.futexes = new Futexes(uaccess, procs);
        this.cpuTimers = new CpuTimers(procs);
        this.rlimits = new Rlimits(uaccess, procs.maxThreads(), process -> cpuTimers.arm());
        this.credentials = new Credentials(uaccess, procs);
        FileSyscalls.Sleeping sleeping = new FileSyscalls.Sleeping() {
            @Override
            public void wakeAll() {
                procs.wakeAll();
            }

            @Override
            public boolean signalPending(Task task) {
                return LinuxSyscalls.signalPending(task);
            }

            @Override
            public void send(Task task, int sig) {
                Signals.send(task, SigInfo.user(sig, SiCode.SI_USER, task.tgid(), 0));
            }
        };
        this.files = new FileSyscalls(uaccess, vfs, sleeping, rlimits::nofile);
        this.pipes = new Pipes(uaccess, files, sleeping, rlimits::nofile);
        this.sockets = new UnixSockets(uaccess, files, sleeping, rlimits::nofile);
        this.splice = new Splice(files, sockets, pipes);
        this.userfaultfds = new Userfaultfds(uaccess, files, procs);
        this.rw = new ReadWrite(uaccess, files, pipes, sockets, userfaultfds, stdin, stdout, stderr);
        this.altStacks = new SigAltStacks(uaccess);
        this.ptrace = new Ptrace(uaccess, procs);
        procs.setPtrace(ptrace);
        this.signals = new Signals(uaccess, altStacks, ptrace);
        this.signal = new SignalSyscalls(uaccess, procs);
        this.proc = new ProcessSyscalls(uaccess, procs, files, rlimits, futexes, altStacks);
        this.time = new TimeSyscalls(uaccess, procs);
        // Built without CONFIG_ANON_VMA_NAME, as the reference host's kernel that the differential suite compares with.
        this.prctl = new Prctl(uaccess, false);
        this.rseq = new Rseq(uaccess, procs);
        this.mempolicy = new MempolicySyscalls(uaccess);
        this.random = new RandomSyscalls(uaccess, seed);
        this.sys = new SysSyscalls(uaccess, procs, rlimits, cpuTimers);
        this.vsyscall = new Vsyscall(uaccess, time, sys);
        sys.setShmemPages(() -> vfs.tmpfs().nrLinkedPages() + vfs.overlay().nrLinkedPages());
        this.mem = new MmSyscalls(uaccess, files, procs, rlimits);
        this.memfd = new Memfd(uaccess, files, vfs.tmpfs());
        this.oomKiller = new OomKiller(procs, log);
        this.pidfds = new Pidfds(files, procs);
        this.processVm = new ProcessVmAccess(uaccess, procs);
        this.poll = new Poll(uaccess, files, procs, time, rlimits);
    }

    void setTlbChecker(Consumer<String> checker) {
        this.tlbChecker = checker;
    }

    /** The machine's event stream. */
    Tracer tracer = Tracer.OFF;

    /** Sends syscall entries and exits, and signal deliveries, to {@code tracer} from now on. */
    void setTracer(Tracer tracer) {
        this.tracer = tracer;
        signals.tracer = tracer;
    }

    /** Tells {@code events} (or nobody, when null) of every kernel entry, clock reading and getrandom() from now on. */
    void setRunEvents(RunEvents events) {
        this.events = events;
        time.setRunEvents(events);
        random.setRunEvents(events);
        procs.setRunEvents(events);
    }

    void setScheduler(Scheduler scheduler) {
        proc.setScheduler(scheduler);
    }

    /**
     * Kernel entries so far: syscalls and returns to user mode (after each syscall, page fault and
     * time slice). A position in the run that costs nothing to keep, for fault records.
     */
    long kernelEntries() {
        return kernelEntries;
    }

    /** Told of each kernel entry by the CPU's number (fail_ipi's delayed flush IPIs wait for them). */
    private java.util.function.IntConsumer kernelEntryHook = cpu -> { };

    void setKernelEntryHook(java.util.function.IntConsumer hook) {
        this.kernelEntryHook = hook;
    }

    void setRunLimits(RunLimits runLimits) {
        this.runLimits = runLimits;
    }

    /** Models do_syscall_64(): the table's entry for orig_rax, or -ENOSYS. */
    @Override
    public boolean syscall(ArchCpu cpu, Task task, PtRegs regs) {
        kernelEntries++;
        if (events != null) events.kernelEntry(cpu, regs);
        kernelEntryHook.accept(cpu.id());
        long nr = regs.origRax;
        task.syscallSleeping = false; // a woken sleeper's call runs again: it is no longer asleep in it
        task.syscallRestartNr = -1;
        Syscall call = Syscall.byNumber((int) nr);
        Tracer tracer = this.tracer;
        if (tracer.enabled()) {
            tracer.syscallEnter((int) nr, call == null ? null : call.linuxName, regs.rdi, regs.rsi, regs.rdx, regs.r10,
                    regs.r8, regs.r9);
        }
        long ret;
        try {
            uaccess.takeUserfault(); // one left by an access outside this call (a signal frame) is not this call's
            ret = call != null && call.implemented() ? call.handler.call(this, cpu, task, regs) : niSyscall(nr, call);
            // A copy that reached a userfaultfd and failed the call: wait for the handler, run the call again.
            FaultResult.Userfault uf = uaccess.takeUserfault();
            if (uf != null && ret == -Errno.EFAULT && userfaultfds.waitInSyscall(task, uf)) ret = BLOCK;
        } catch (KernelOops oops) {
            // die() then make_task_dead(SIGSEGV): the oops is printed and the task goes.
            log.println("mmemu: Oops: " + oops.getMessage() + " in " + (call == null ? "syscall " + nr : call.linuxName)
                    + ", pid " + task.pid() + " (" + task.comm() + ") killed");
            task.sigHandler[Signo.SIGSEGV] = Signals.SIG_DFL;
            Signals.forceSigFault(task, SigInfo.fault(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0));
            return true;
        }
        if (call != null && call.changesTranslations) tlbChecker.accept(call.linuxName);
        if (tracer.enabled()) tracer.syscallExit(ret, ret == BLOCK && !task.exited());
        if (task.exited()) return true;
        if (ret == BLOCK) {
            // The task sleeps; RAX keeps the number so that the rewound syscall is the same call.
            ret = nr;
            restartPending = true;
            task.syscallSleeping = true;
            procs.of(task).sleeping = true;
        } else if (isRestartCode(ret)) {
            // A signal interrupted the call: delivery decides between EINTR and a restart.
            task.syscallRestartNr = nr;
        }
        // A task woken (or created) by this call may run: the scheduler looks again at once.
        if (procs.takeWakeups()) cpu.requestReschedule();
        regs.rax = ret;
        // Work that rewrites RIP, and signal delivery, happen once the CPU has stopped
        // (exitToUserMode): the CPU loads back only the result registers from here.
        boolean stop = sigreturnPending || restartPending || execPending || cpu.rescheduleRequested() || signalPending(task)
                || task.syscallRestartNr >= 0;
        ptrace.setEntry(stop ? nr : PtRegs.NO_SYSCALL); // orig_rax for a ptrace stop on the way out
        return stop;
    }

    /** Whether a syscall's result is one of the kernel-internal restart codes (ERESTARTSYS and the others). */
    static boolean isRestartCode(long ret) {
        return ret == -Errno.ERESTARTSYS || ret == -Errno.ERESTARTNOINTR || ret == -Errno.ERESTARTNOHAND
                || ret == -Errno.ERESTART_RESTARTBLOCK;
    }

    /** Models sys_ni_syscall(): -ENOSYS, reported once per number with --verbose (by Linux's name when the table knows it). */
    private long niSyscall(long nr, Syscall known) {
        if (verbose && reportedUnknown.add(nr)) {
            log.println("mmemu: " + (known == null ? "syscall " + nr : known.linuxName + " (" + nr + ")")
                    + " is not implemented: -ENOSYS");
        }
        return -Errno.ENOSYS;
    }

    /** rt_sigreturn(): the frame is restored once the engine has stopped; RAX then comes from it. */
    long rtSigreturn() {
        sigreturnPending = true;
        return 0;
    }

    /** execve(): on success the new program starts once the engine has stopped. */
    long execve(Task task, long pathAddr, long argvAddr, long envpAddr) {
        long r = proc.sysExecve(task, pathAddr, argvAddr, envpAddr, exec, credentials);
        if (r == 0) {
            execPending = true;
            ptrace.ptraceEventExec(task);
        }
        return r;
    }

    /** The task's credentials. */
    Cred cred(Task task) {
        return procs.of(task).cred;
    }

    /** signal_pending(): an unblocked signal waits for delivery. */
    static boolean signalPending(Task task) {
        return (task.pending & ~(task.blocked & ~Signals.UNBLOCKABLE)) != 0;
    }

    /** exit_files() and the rest of a process's kernel state when it dies (its limits and CPU time). */
    void exitProcess(Task task) {
        files.exitFiles(task);
        rlimits.exit(task);
        cpuTimers.exit(task);
    }

    @Override
    public boolean emulateVsyscall(ArchCpu cpu, Task task, long address, int errorCode) {
        return vsyscall.emulateVsyscall(cpu, task, address, errorCode);
    }

    @Override
    public void forceSigFault(Task task, FaultResult.Signal s, int trapno, long ip) {
        // __bad_area(): a protection-key violation goes through force_sig_pkuerr(), with si_pkey.
        Signals.forceSigFault(task, s.code() == SiCode.SEGV_PKUERR && s.signo() == Signo.SIGSEGV
                ? SigInfo.pkuerr(s.addr(), s.errorCode(), trapno, s.pkey())
                : SigInfo.fault(s.signo(), s.code(), s.addr(), s.errorCode(), trapno));
    }

    @Override
    public int exitToUserMode(ArchCpu cpu, Task task) {
        kernelEntries++;
        if (events != null) events.kernelEntry(cpu, null);
        kernelEntryHook.accept(cpu.id());
        // A task back from handle_userfault()'s sleep leaves the userfaultfd's queues.
        if (task.userfaultWait != null && !procs.of(task).sleeping) Userfaultfds.finishWait(task);
        // The tick's work, done whenever the engine stops: CPU time, RLIMIT_CPU, the run's limits.
        cpuTimers.account(cpu, task);
        if (cpuTimers.armed()) cpuTimers.checkProcessTimers(task, rlimits);
        if (runLimits != null && runLimits.mustStop()) cpu.requestReschedule();
        if (restartPending) {
            restartPending = false;
            // The syscall instruction runs again (RAX holds its number again): as the kernel's
            // restart does with regs->ip -= 2.
            cpu.regs().get(user);
            user.rip -= 2;
            cpu.regs().set(user);
            cpu.requestReschedule();
            ptrace.setEntry(PtRegs.NO_SYSCALL);
            return 0;
        }
        if (execPending) {
            execPending = false;
            exec.start(cpu, task);
        }
        if (sigreturnPending) {
            sigreturnPending = false;
            if (!signals.rtSigreturn(cpu, task)) Signals.forceSigFault(task, SigInfo.fault(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0));
        }
        // A woken sleeper runs its call again first: a signal that woke it interrupts the call, and
        // the handler runs after. A fatal one needs no call to end first: Linux's complete_signal()
        // turns it into SIGKILL for the whole group, which never runs user code again.
        if (task.syscallSleeping && !Signals.fatalSignalPending(task)) return 0;
        // rseq_signal_deliver() before a frame is set up, rseq_handle_notify_resume() after a switch.
        boolean signal = signalPending(task);
        if (rseq.needsResume(cpu, task, signal)) {
            cpu.regs().get(user);
            if (rseq.handleNotifyResume(cpu, task, user) > 0) cpu.regs().set(user);
        }
        int fatal = signals.doSignal(cpu, task);
        ptrace.setEntry(PtRegs.NO_SYSCALL);
        return fatal;
    }

    @Override
    public void handleUserfault(ArchCpu cpu, Task task, FaultResult.Userfault fault) {
        userfaultfds.handleUserfault(cpu, task, fault);
    }

    /** Models vfs_ioctl(): a userfaultfd's ioctls and /dev/userfaultfd's, else the tty ioctls no file here answers. */
    long ioctl(Task task, int fd, int cmd, long arg) {
        OpenFile f = files.files(task).get(fd);
        if (f != null && f.content() instanceof OpenFile.Userfaultfd u) {
            return u.ctx() == null ? userfaultfds.devIoctl(task, cmd, arg) : userfaultfds.ioctl(task, u.ctx(), cmd, arg);
        }
        return files.ioctl(task, fd, cmd);
    }

    @Override
    public void outOfMemory(ArchCpu cpu, Task task) {
        oomKiller.pagefaultOutOfMemory(cpu, task);
    }

    /**
     * Gives the syscalls the machine's fault injection: fail_futex for the futexes, and the page
     * allocator whose injected failures the #PF OOM path tells from exhaustion.
     */
    void setFaults(FaultInjector faults, PageAllocator allocator) {
        futexes.setFaults(faults);
        oomKiller.setAllocator(allocator);
        sys.setAllocator(allocator);
    }

    @Override
    public SigInfo killInfo(Task task, int signo) {
        SigInfo si = task.pendingInfo[signo];
        return si != null ? si : SigInfo.user(signo, SiCode.SI_KERNEL, 0, 0);
    }
}
