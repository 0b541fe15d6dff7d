package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.arch.SyscallHandler;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.Mincore;
import io.mmemu.mm.vma.Mmap;
import io.mmemu.mm.vma.Mprotect;
import io.mmemu.mm.vma.Mremap;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.vma.MappedFile;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;

/**
 * The kernel's syscall table for this slice: the calls a static musl program needs to start,
 * print, allocate and exit, each with Linux's return values and errno. Everything else returns
 * -ENOSYS (named once per run with --verbose), as a kernel built without that call would.
 *
 * <p>Arguments arrive in the {@link PtRegs} the CPU filled: RDI, RSI, RDX, R10, R8, R9, and the
 * number in orig_rax; the result goes to RAX (the CPU has set RCX and R11 to the return address
 * and RFLAGS, as the syscall instruction does).
 */
public final class LinuxSyscalls implements SyscallHandler {

    static final int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
    static final int TIOCGWINSZ = 0x5413, TCGETS = 0x5401;

    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final Signals signals;
    private final Rlimits rlimits;
    private final CpuTimers cpuTimers;
    private final Credentials credentials;
    /** The run's instruction budget and stop requests ({@link #setRunLimits}). */
    private RunLimits runLimits;
    /** rt_sigreturn was called: restore the frame once the engine has stopped (see exitToUserMode). */
    private boolean sigreturnPending;
    private final PrintStream log;
    private final boolean verbose;
    private final Set<Long> reportedUnknown = new TreeSet<>();
    private final String nodename;

    /** What a syscall returns when the task must sleep: the syscall is re-executed when it is woken. */
    static final long BLOCK = Long.MIN_VALUE;

    /** execve()'s loader, owned by the machine (it knows the address-space layout and the run's generator). */
    interface Exec {
        /** Replaces the task's program; the registers are set by {@link #start} once the CPU stopped. Errno or 0. */
        long execve(Task task, String path, java.util.List<String> argv, java.util.List<String> envp);

        /** start_thread() for the program execve() just loaded. */
        void start(ArchCpu cpu, Task task);
    }

    private final Processes procs;
    private final Futexes futexes;
    /** Where new tasks are queued; set once the CPUs exist ({@link #setScheduler}). */
    private Scheduler scheduler;
    private final Exec exec;
    /** The registers of the task returning to user mode, for work that moves its RIP (preallocated). */
    private final PtRegs user = new PtRegs();
    /** The last syscall slept: rewind RIP to it once the engine has stopped, and give up the CPU. */
    private boolean restartPending;
    private boolean execPending;

    public LinuxSyscalls(UserAccess uaccess, Vfs vfs, InputStream stdin, OutputStream stdout, OutputStream stderr,
            PrintStream log, boolean verbose, Processes procs, Exec exec) {
        this.uaccess = uaccess;
        this.procs = procs;
        this.futexes = new Futexes(uaccess, procs);
        this.exec = exec;
        this.cpuTimers = new CpuTimers(procs);
        this.rlimits = new Rlimits(uaccess, procs.maxThreads(), process -> cpuTimers.arm());
        this.credentials = new Credentials(uaccess, procs);
        this.files = new FileSyscalls(uaccess, vfs, stdin, stdout, stderr, new FileSyscalls.Sleeping() {
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
                Signals.send(task, SigInfo.user(sig, SigInfo.SI_USER, task.tgid(), 0));
            }
        }, rlimits::nofile);
        this.signals = new Signals(uaccess);
        this.log = log;
        this.verbose = verbose;
        this.nodename = "mmemu";
    }

    /** Runs the stale-translation checker after a TLB-changing syscall, named (off: does nothing). */
    private java.util.function.Consumer<String> tlbChecker = op -> {};

    void setTlbChecker(java.util.function.Consumer<String> checker) {
        this.tlbChecker = checker;
    }

    /** The syscalls after which a CPU's TLB may hold a translation the tables no longer allow. */
    private static boolean changesTranslations(int nr) {
        return nr == Sysno.MUNMAP || nr == Sysno.MPROTECT || nr == Sysno.MREMAP || nr == Sysno.MADVISE || nr == Sysno.BRK
                || nr == Sysno.MMAP || nr == Sysno.EXIT || nr == Sysno.EXIT_GROUP || nr == Sysno.EXECVE
                || nr == Sysno.FORK || nr == Sysno.CLONE || nr == Sysno.FTRUNCATE;
    }

    void setScheduler(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    void setRunLimits(RunLimits runLimits) {
        this.runLimits = runLimits;
    }

    CpuTimers cpuTimers() {
        return cpuTimers;
    }

    Rlimits rlimits() {
        return rlimits;
    }

    Futexes futexes() {
        return futexes;
    }

    @Override
    public boolean syscall(ArchCpu cpu, Task task, PtRegs regs) {
        long nr = regs.origRax;
        long ret = dispatch(cpu, task, regs, nr, regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9);
        if (changesTranslations((int) nr)) tlbChecker.accept(Sysno.name(nr));
        if (task.exited()) return true;
        if (ret == BLOCK) {
            // The task sleeps; RAX keeps the number so that the rewound syscall is the same call.
            ret = nr;
            restartPending = true;
            procs.of(task).sleeping = true;
        }
        // A task woken (or created) by this call may run: the scheduler looks again at once.
        if (procs.takeWakeups()) cpu.requestReschedule();
        regs.rax = ret;
        // Work that rewrites RIP, and signal delivery, happen once the CPU has stopped
        // (exitToUserMode): the CPU loads back only the result registers from here.
        return sigreturnPending || restartPending || execPending || cpu.rescheduleRequested() || signalPending(task);
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
    public void forceSigFault(Task task, io.mmemu.mm.fault.FaultResult.Signal s, int trapno, long ip) {
        Signals.forceSigFault(task, SigInfo.fault(s.signo(), s.code(), s.addr(), s.errorCode(), trapno));
    }

    @Override
    public int exitToUserMode(ArchCpu cpu, Task task) {
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
            return 0;
        }
        if (execPending) {
            execPending = false;
            exec.start(cpu, task);
        }
        if (sigreturnPending) {
            sigreturnPending = false;
            if (!signals.rtSigreturn(cpu, task)) Signals.forceSigFault(task, SigInfo.fault(Signals.SIGSEGV, SigInfo.SI_KERNEL, 0, 0, 0));
        }
        return signals.doSignal(cpu, task);
    }

    @Override
    public void outOfMemory(ArchCpu cpu, Task task) {
        Processes.Proc victim = null;
        long worst = -1;
        for (Processes.Proc p : procs.alive()) {
            MmStruct m = p.task.mm();
            if (m == null) continue;
            if ((p.task.pending & Signals.bit(Signals.SIGKILL)) != 0) {
                // A victim is already dying: let it run and free its memory (the OOM reaper's job).
                cpu.requestReschedule();
                return;
            }
            long badness = oomBadness(m);
            if (badness > worst) {
                worst = badness;
                victim = p;
            }
        }
        if (victim == null) victim = procs.of(task);
        Task v = victim.task;
        MmStruct m = v.mm();
        log.printf("mmemu: Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, "
                        + "shmem-rss:%dkB, UID:0 pgtables:%dkB oom_score_adj:0%n", v.tgid(), v.comm(), m.totalVm() * 4,
                m.rss(RssStat.MM_ANONPAGES) * 4, m.rss(RssStat.MM_FILEPAGES) * 4, m.rss(RssStat.MM_SHMEMPAGES) * 4,
                m.pgd().nrTables() * 4);
        Signals.forceSigFault(v, SigInfo.user(Signals.SIGKILL, SigInfo.SI_KERNEL, 0, 0));
        procs.wakeAll();
        if (v != task) cpu.requestReschedule();
    }

    /** Models oom_badness(): resident pages, swap entries and page-table pages (oom_score_adj 0). */
    static long oomBadness(MmStruct m) {
        return m.rss(RssStat.MM_ANONPAGES) + m.rss(RssStat.MM_FILEPAGES) + m.rss(RssStat.MM_SHMEMPAGES)
                + m.rss(RssStat.MM_SWAPENTS) + m.pgd().nrTables();
    }

    @Override
    public SigInfo killInfo(Task task, int signo) {
        SigInfo si = task.pendingInfo[signo];
        return si != null ? si : SigInfo.user(signo, SigInfo.SI_KERNEL, 0, 0);
    }

    private long dispatch(ArchCpu cpu, Task task, PtRegs regs, long nr, long a0, long a1, long a2, long a3, long a4,
            long a5) {
        MmStruct mm = task.mm();
        return switch ((int) nr) {
            case Sysno.READ -> files.read(task, a0, a1, a2);
            case Sysno.WRITE -> files.write(task, a0, a1, a2);
            case Sysno.READV -> files.readv(task, a0, a1, a2);
            case Sysno.WRITEV -> sysWritev(task, a0, a1, a2);
            case Sysno.OPEN -> files.openat(task, FileSyscalls.AT_FDCWD, a0, (int) a1, (int) a2);
            case Sysno.OPENAT -> files.openat(task, (int) a0, a1, (int) a2, (int) a3);
            case Sysno.CREAT -> files.openat(task, FileSyscalls.AT_FDCWD, a0, 0x241, (int) a1); // O_CREAT|O_WRONLY|O_TRUNC
            case Sysno.PWRITE64 -> files.pwrite64(task, a0, a1, a2, a3);
            case Sysno.FTRUNCATE -> files.ftruncate(task, a0, a1);
            case Sysno.TRUNCATE -> files.truncate(task, a0, a1);
            case Sysno.UNLINK -> files.unlinkat(task, FileSyscalls.AT_FDCWD, a0, 0);
            case Sysno.RMDIR -> files.unlinkat(task, FileSyscalls.AT_FDCWD, a0, FileSyscalls.AT_REMOVEDIR);
            case Sysno.UNLINKAT -> files.unlinkat(task, (int) a0, a1, (int) a2);
            case Sysno.CHMOD -> files.fchmodat(task, FileSyscalls.AT_FDCWD, a0, (int) a1);
            case Sysno.FCHMODAT -> files.fchmodat(task, (int) a0, a1, (int) a2);
            case Sysno.FCHMOD -> files.fchmod(task, a0, (int) a1);
            case Sysno.FSYNC, Sysno.FDATASYNC -> files.fsync(task, a0);
            case Sysno.MSYNC -> io.mmemu.mm.vma.Msync.sysMsync(mm, a0, a1, (int) a2);
            case Sysno.CLOSE -> files.close(task, a0);
            case Sysno.STAT -> files.newfstatat(task, FileSyscalls.AT_FDCWD, a0, a1, 0);
            case Sysno.LSTAT -> files.newfstatat(task, FileSyscalls.AT_FDCWD, a0, a1, FileSyscalls.AT_SYMLINK_NOFOLLOW);
            case Sysno.FSTAT -> files.fstat(task, a0, a1);
            case Sysno.NEWFSTATAT -> files.newfstatat(task, (int) a0, a1, a2, (int) a3);
            case Sysno.LSEEK -> files.lseek(task, a0, a1, (int) a2);
            case Sysno.PREAD64 -> files.pread64(task, a0, a1, a2, a3);
            case Sysno.FCNTL -> files.fcntl(task, a0, (int) a1, a2);
            case Sysno.READLINK -> files.readlinkat(task, FileSyscalls.AT_FDCWD, a0, a1, (int) a2);
            case Sysno.READLINKAT -> files.readlinkat(task, (int) a0, a1, a2, (int) a3);
            case Sysno.GETCWD -> files.getcwd(task, a0, a1);
            case Sysno.DUP -> files.fcntl(task, a0, FileSyscalls.F_DUPFD, 0);
            case Sysno.DUP2 -> files.dup3(task, a0, a1, 0, true);
            case Sysno.DUP3 -> files.dup3(task, a0, a1, (int) a2, false);
            case Sysno.GETRLIMIT -> rlimits.getrlimit(task, (int) a0, a1);
            case Sysno.SETRLIMIT -> limitsChanged(cpu, rlimits.setrlimit(task, cred(task), (int) a0, a1));
            case Sysno.PRLIMIT64 -> limitsChanged(cpu, sysPrlimit64(task, (int) a0, (int) a1, a2, a3));
            case Sysno.CAPGET -> credentials.capget(task, a0, a1);
            case Sysno.CAPSET -> credentials.capset(task, a0, a1);
            case Sysno.SETUID -> credentials.setuid(task, (int) a0);
            case Sysno.SETRESUID -> credentials.setresuid(task, (int) a0, (int) a1, (int) a2);
            case Sysno.GETRESUID -> credentials.getresuid(task, a0, a1, a2);
            case Sysno.EXIT -> {
                mmRelease(task);
                task.exit((int) a0);
                yield 0;
            }
            case Sysno.EXIT_GROUP -> {
                task.exit((int) a0);
                procs.zapOtherThreads(task);
                yield 0;
            }
            case Sysno.BRK -> mm.sysBrk(a0);
            case Sysno.MMAP -> sysMmap(task, a0, a1, (int) a2, (int) a3, (int) a4, a5);
            case Sysno.MUNMAP -> mm.doMunmap(a0, a1);
            case Sysno.MPROTECT -> Mprotect.doMprotect(mm, a0, a1, (int) a2);
            case Sysno.MADVISE -> Madvise.doMadvise(mm, a0, a1, (int) a2, uaccess::faultIn);
            case Sysno.MREMAP -> Mremap.doMremap(mm, a0, a1, a2, (int) a3, a4);
            case Sysno.MINCORE -> sysMincore(mm, a0, a1, a2);
            case Sysno.ARCH_PRCTL -> sysArchPrctl(regs, task, (int) a0, a1);
            case Sysno.SET_TID_ADDRESS -> {
                task.clearChildTid = a0;
                yield task.pid();
            }
            case Sysno.GETPID -> task.tgid();
            case Sysno.GETTID -> task.pid();
            case Sysno.GETPPID -> task.ppid();
            case Sysno.GETUID -> cred(task).uid();
            case Sysno.GETEUID -> cred(task).euid();
            // Group ids stay root's (see Credentials).
            case Sysno.GETGID, Sysno.GETEGID -> 0;
            case Sysno.UNAME -> sysUname(mm, a0);
            case Sysno.IOCTL -> sysIoctl((int) a0, (int) a1);
            case Sysno.RT_SIGPROCMASK -> sysRtSigprocmask(task, mm, (int) a0, a1, a2, a3);
            case Sysno.RT_SIGACTION -> sysRtSigaction(task, mm, (int) a0, a1, a2, a3);
            case Sysno.RT_SIGRETURN -> {
                sigreturnPending = true;
                yield 0; // replaced by the restored RAX
            }
            case Sysno.KILL -> sysKill(task, (int) a0, (int) a1, SigInfo.SI_USER);
            case Sysno.FORK, Sysno.VFORK -> sysFork(cpu, regs, task);
            case Sysno.CLONE -> (a0 & (CLONE_VM | CLONE_THREAD)) == 0 || (a0 & CLONE_VFORK) != 0
                    ? sysFork(cpu, regs, task) : sysCloneThread(cpu, regs, task, a0, a1, a2, a3, a4);
            case Sysno.FUTEX -> futexes.doFutex(procs.of(task), a0, (int) a1, a2, a3, a4, a5, signalPending(task),
                    nowNanos(1));
            case Sysno.SET_ROBUST_LIST -> {
                if (a1 != 24) yield -Errno.EINVAL; // sizeof(struct robust_list_head)
                task.robustList = a0;
                yield 0;
            }
            case Sysno.WAIT4 -> procs.wait4(task, (int) a0, a1, (int) a2, a3, signalPending(task));
            case Sysno.PAUSE -> signalPending(task) ? -Errno.EINTR : BLOCK;
            case Sysno.SCHED_YIELD, Sysno.NANOSLEEP, Sysno.CLOCK_NANOSLEEP -> {
                // No time passes in the model; sleeping gives the CPU to the others, as a yield.
                procs.of(task).yielded = true;
                cpu.requestReschedule();
                yield 0;
            }
            case Sysno.GETRUSAGE -> sysGetrusage(mm, (int) a0, a1);
            case Sysno.CLOCK_GETTIME -> sysClockGettime(task, (int) a0, a1, false);
            case Sysno.CLOCK_GETRES -> sysClockGettime(task, (int) a0, a1, true);
            case Sysno.GETTIMEOFDAY -> sysGettimeofday(mm, a0, a1);
            case Sysno.PIPE -> files.pipe2(task, a0, 0);
            case Sysno.PIPE2 -> files.pipe2(task, a0, (int) a1);
            case Sysno.EXECVE -> sysExecve(task, a0, a1, a2);
            case Sysno.TKILL -> sysTgkill(task, -1, (int) a0, (int) a1);
            case Sysno.TGKILL -> sysTgkill(task, (int) a0, (int) a1, (int) a2);
            default -> {
                if (verbose && reportedUnknown.add(nr)) {
                    String name = Sysno.name(nr);
                    log.println("mmemu: " + (name.startsWith("syscall ") ? name : name + " (" + nr + ")")
                            + " is not implemented: -ENOSYS");
                }
                yield -Errno.ENOSYS;
            }
        };
    }

    /** The task's credentials. */
    private Cred cred(Task task) {
        return procs.of(task).cred;
    }

    /** Models prlimit64() for the process of {@code pid} (0: the caller); see {@link Rlimits#prlimit64}. */
    private long sysPrlimit64(Task task, int pid, int resource, long newAddr, long oldAddr) {
        Processes.Proc target = pid == 0 ? procs.of(task) : pid > 0 ? procs.byPid(pid) : null;
        if (target != null && !target.alive()) target = null; // find_task_by_vpid() finds no exited task
        return rlimits.prlimit64(task, cred(task), target == null ? null : target.task,
                target == null ? null : target.cred, resource, newAddr, oldAddr);
    }

    /**
     * After a successful setrlimit() or prlimit64(): while a finite RLIMIT_CPU exists the CPUs
     * count instructions (started between runs) and every run is a time slice ending at the next
     * limit, so this CPU gives way at once and the scheduler sets that up.
     */
    private long limitsChanged(ArchCpu cpu, long result) {
        if (result == 0 && cpuTimers.armed()) cpu.requestReschedule();
        return result;
    }

    /** Models do_writev(): an array of struct iovec {base, len} gathered into one write; IOV_MAX 1024. */
    private long sysWritev(Task task, long fd, long iov, long iovcnt) {
        MmStruct mm = task.mm();
        var f = files.writable(task, fd);
        if (f == null) return -Errno.EBADF;
        if (iovcnt < 0 || iovcnt > 1024) return -Errno.EINVAL;
        byte[] vec = new byte[(int) iovcnt * 16];
        if (uaccess.copyFromUser(mm, vec, 0, iov, vec.length) < 0) return -Errno.EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(vec).order(ByteOrder.LITTLE_ENDIAN);
        long total = 0;
        for (int i = 0; i < iovcnt; i++) {
            long len = bb.getLong(16 * i + 8);
            if (len < 0 || total + len < 0) return -Errno.EINVAL;
            total += len;
        }
        // The iovecs that can be read whole, in order, up to MAX_RW_COUNT; copied only as the file takes them.
        long room = Math.min(total, FileSyscalls.MAX_RW_COUNT);
        long[] bases = new long[(int) iovcnt], lens = new long[(int) iovcnt];
        FileSyscalls.UserBytes data = files.new UserBytes(mm, bases, lens);
        int off = 0;
        for (int i = 0; i < iovcnt && off < room; i++) {
            bases[i] = bb.getLong(16 * i);
            lens[i] = Math.min(bb.getLong(16 * i + 8), room - off);
            if (lens[i] > 0 && !data.readable(i)) {
                lens[i] = 0;
                if (off == 0) return -Errno.EFAULT;
                break;
            }
            off += (int) lens[i];
        }
        return files.emit(task, f, data, off);
    }

    /**
     * Models x86's sys_mmap() → ksys_mmap_pgoff() → vm_mmap_pgoff(): the offset's alignment, the
     * descriptor (EBADF before any length is looked at), then {@link Mmap#doMmap} with what the
     * open file allows, and mm_populate() when asked.
     */
    private long sysMmap(Task task, long addr, long len, int prot, int flags, int fd, long off) {
        MmStruct mm = task.mm();
        if ((off & 4095) != 0) return -Errno.EINVAL;
        Mmap.MapFile file = null;
        if ((flags & Mmap.MAP_ANONYMOUS) == 0) {
            OpenFile f = files.files(task).get(fd);
            if (f == null) return -Errno.EBADF;
            int accMode = f.flags() & 3;
            file = new Mmap.MapFile(accMode != FileSyscalls.O_WRONLY, accMode == FileSyscalls.O_RDWR,
                    f.content() instanceof OpenFile.Device, f.content() instanceof OpenFile.Device d && d.zero(), f.mappable());
        }
        long r = Mmap.doMmap(mm, file, addr, len, prot, flags, off >>> 12, cred(task).capable(Cred.CAP_SYS_RAWIO));
        if (r >= 0 && Mmap.populates(flags)) uaccess.mmPopulate(mm, r, MmStruct.pageAlign(len));
        return r;
    }

    /**
     * The clock the guest sees: virtual and deterministic, as everything that affects a run must
     * be. It starts at VIRTUAL_EPOCH (for CLOCK_REALTIME; 0 for the others) and advances by one
     * microsecond at every syscall, so time moves forward and differences are positive.
     */
    static final long VIRTUAL_EPOCH_SECONDS = 1_767_225_600L; // 2026-01-01T00:00:00Z
    private long clockTicks;

    /** The machine's clock jumps forward to {@code monotonicNanos} (nothing could run before it). */
    void advanceClockTo(long monotonicNanos) {
        clockTicks = Math.max(clockTicks, (monotonicNanos + 999) / 1000);
    }

    private long nowNanos(int clock) {
        clockTicks++;
        long ns = clockTicks * 1000;
        return clock == 0 || clock == 8 || clock == 11 ? VIRTUAL_EPOCH_SECONDS * 1_000_000_000L + ns : ns;
    }

    /** CPUCLOCK_* of a CPU clock id (include/linux/posix-timers.h): the low two bits, then PERTHREAD. */
    private static final int CPUCLOCK_MAX = 3, CPUCLOCK_PERTHREAD_MASK = 4, CLOCKFD = 3, CLOCKFD_MASK = 7;

    /**
     * Models posix_cpu_clock_get()'s validation (pid_for_clock()) of a negative clock id: ~pid
     * above the low three bits, which name PROF, VIRT or SCHED (3 is none) of a process or, with
     * the PERTHREAD bit, of a thread; pid 0 is the caller. A thread's clock must be one of the
     * caller's threads; a process's, a process (the caller's own tid names its process too).
     * False for ids that name no clock, and for the descriptor-based ids (CLOCKFD), as no file
     * here is a posix clock.
     */
    private boolean validCpuClock(Task task, int clock) {
        if ((clock & CLOCKFD_MASK) == CLOCKFD) return false;
        if ((clock & 3) >= CPUCLOCK_MAX) return false;
        int pid = ~clock >> 3;
        if (pid == 0) return true;
        Processes.Proc p = procs.byPid(pid);
        if (p == null) return false;
        if ((clock & CPUCLOCK_PERTHREAD_MASK) != 0) return p.task.tgid() == task.tgid();
        return pid == task.pid() || p.task.isGroupLeader();
    }

    /**
     * Models clock_gettime() and clock_getres(): clockid_to_kclock() first (EINVAL for an id that
     * names no clock: 8 to 10 are the alarm clocks, which need an RTC, and the removed SGI cycle
     * counter; 12 and up are none), then the clock's own checks (a CPU clock's pid), then the
     * copy (EFAULT; clock_getres() copies nothing to NULL). Static ids: REALTIME 0, MONOTONIC 1,
     * PROCESS/THREAD_CPUTIME 2/3, MONOTONIC_RAW 4, *_COARSE 5/6, BOOTTIME 7, TAI 11. Resolutions
     * are 1 ns, and a jiffy (4 ms, CONFIG_HZ 250) for the coarse clocks.
     */
    private long sysClockGettime(Task task, int clock, long tp, boolean getres) {
        if (clock < 0 ? !validCpuClock(task, clock) : clock > 11 || clock == 8 || clock == 9 || clock == 10) {
            return -Errno.EINVAL;
        }
        long ns;
        if (getres) {
            if (tp == 0) return 0;
            ns = clock == 5 || clock == 6 ? 4_000_000 : 1;
        } else {
            ns = nowNanos(clock < 0 ? 2 : clock);
        }
        byte[] b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(ns / 1_000_000_000L)
                .putLong(ns % 1_000_000_000L).array();
        return uaccess.copyToUser(task.mm(), tp, b, 0, 16) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models gettimeofday(): the time to {@code tv}, then sys_tz (zeros) to {@code tz}, each unless NULL. */
    private long sysGettimeofday(MmStruct mm, long tv, long tz) {
        if (tv != 0) {
            long ns = nowNanos(0);
            // Two put_user()s: the seconds may be written when the microseconds cannot.
            if (uaccess.putUserLong(mm, tv, ns / 1_000_000_000L) < 0
                    || uaccess.putUserLong(mm, tv + 8, ns % 1_000_000_000L / 1000) < 0) {
                return -Errno.EFAULT;
            }
        }
        if (tz != 0 && uaccess.copyToUser(mm, tz, new byte[8], 0, 8) < 0) return -Errno.EFAULT;
        return 0;
    }

    static final int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;

    /**
     * Models sys_getrusage(): EINVAL for an unknown {@code who} before anything is copied; the
     * usage (all zeros here) is copied even to NULL.
     */
    private long sysGetrusage(MmStruct mm, int who, long ru) {
        if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -Errno.EINVAL;
        return uaccess.copyToUser(mm, ru, new byte[144], 0, 144) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models the mincore() syscall: the residency vector copied to {@code vec}, a round at a time. */
    private long sysMincore(MmStruct mm, long start, long len, long vec) {
        return Mincore.sysMincore(mm, start, len, vec, (uaddr, src, n) -> uaccess.copyToUser(mm, uaddr, src, 0, n));
    }

    /** Models do_arch_prctl_64(): the bases go to the CPU with the syscall's result. */
    private long sysArchPrctl(PtRegs regs, Task task, int option, long arg) {
        switch (option) {
            case ARCH_SET_FS -> {
                if (arg < 0 || arg >= MmStruct.TASK_SIZE) return -Errno.EPERM;
                task.fsBase = arg;
                regs.fsBase = arg;
                return 0;
            }
            case ARCH_SET_GS -> {
                if (arg < 0 || arg >= MmStruct.TASK_SIZE) return -Errno.EPERM;
                regs.gsBase = arg;
                return 0;
            }
            case ARCH_GET_FS -> {
                return uaccess.putUserLong(task.mm(), arg, regs.fsBase);
            }
            case ARCH_GET_GS -> {
                return uaccess.putUserLong(task.mm(), arg, regs.gsBase);
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
    }

    /** Models newuname(): struct new_utsname, six fields of 65 bytes. */
    private long sysUname(MmStruct mm, long buf) {
        String[] fields = {"Linux", nodename, "6.18.0-mmemu", "#1 SMP PREEMPT_DYNAMIC mmemu", "x86_64", "(none)"};
        byte[] uts = new byte[6 * 65];
        for (int i = 0; i < fields.length; i++) {
            byte[] b = fields[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, uts, 65 * i, Math.min(b.length, 64));
        }
        return uaccess.copyToUser(mm, buf, uts, 0, uts.length) < 0 ? -Errno.EFAULT : 0;
    }

    /** fds 0-2 are not terminals here: tty ioctls return -ENOTTY, other fds -EBADF. */
    private long sysIoctl(int fd, int cmd) {
        if (fd < 0 || fd > 2) return -Errno.EBADF;
        return -Errno.ENOTTY;
    }

    /** Models sigprocmask(): SIG_BLOCK 0, SIG_UNBLOCK 1, SIG_SETMASK 2; SIGKILL and SIGSTOP never blocked. */
    private long sysRtSigprocmask(Task task, MmStruct mm, int how, long set, long oldset, long sigsetsize) {
        if (sigsetsize != 8) return -Errno.EINVAL;
        long old = task.blocked;
        if (set != 0) {
            byte[] b = new byte[8];
            if (uaccess.copyFromUser(mm, b, 0, set, 8) < 0) return -Errno.EFAULT;
            long s = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
            s &= ~((1L << 8) | (1L << 18)); // sigmask(SIGKILL) | sigmask(SIGSTOP): bits signo-1
            switch (how) {
                case 0 -> task.blocked |= s;
                case 1 -> task.blocked &= ~s;
                case 2 -> task.blocked = s;
                default -> {
                    return -Errno.EINVAL;
                }
            }
        }
        if (oldset != 0 && uaccess.putUserLong(mm, oldset, old) < 0) return -Errno.EFAULT;
        return 0;
    }

    static final long CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
            CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_SYSVSEM = 0x40000,
            CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
            CLONE_DETACHED = 0x400000, CLONE_CHILD_SETTID = 0x1000000;
    /** The clone flags a thread may carry here (what musl's pthread_create passes, and a few harmless ones). */
    private static final long THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
            | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED
            | CLONE_CHILD_SETTID | 0xff;

    /**
     * Models kernel_clone() for a thread (copy_process() with CLONE_VM | CLONE_SIGHAND |
     * CLONE_THREAD): a new task of the caller's group on the same mm, starting at the
     * instruction after the syscall with RAX 0, its stack at {@code newsp} and, with
     * CLONE_SETTLS, its FS base at {@code tls}; x86-64 passes (flags, newsp, parent_tid, child_tid, tls).
     */
    private long sysCloneThread(ArchCpu cpu, PtRegs regs, Task parent, long flags, long newsp, long parentTid,
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

    /** Models do_tkill() for tgkill() and, with tgid -1, tkill(): a signal to one thread. */
    private long sysTgkill(Task task, int tgid, int tid, int sig) {
        if (tid <= 0 || (tgid != -1 && tgid <= 0)) return -Errno.EINVAL;
        if (sig < 0 || sig > 64) return -Errno.EINVAL;
        Processes.Proc p = procs.byPid(tid);
        if (p == null || !p.alive() || (tgid != -1 && p.task.tgid() != tgid)) return -Errno.ESRCH;
        if (sig == 0) return 0;
        Signals.send(p.task, SigInfo.user(sig, SigInfo.SI_TKILL, task.tgid(), 0));
        procs.wakeAll();
        return 0;
    }

    /** Models kill_something_info(): one process, or all of them (one process group here) for 0 and -1. */
    private long sysKill(Task task, int pid, int sig, int code) {
        if (sig < 0 || sig > 64) return -Errno.EINVAL;
        java.util.List<Task> targets = new java.util.ArrayList<>();
        if (pid > 0) {
            Processes.Proc p = procs.byPid(pid); // a thread's id names its process too (find_vpid())
            if (p == null) return -Errno.ESRCH;
            Processes.Proc target = procs.signalTarget(p.task.tgid(), sig);
            if (target == null) return 0; // a zombie: the signal is accepted and goes nowhere
            targets.add(target.task);
        } else {
            java.util.SortedSet<Integer> groups = new java.util.TreeSet<>();
            for (Processes.Proc p : procs.alive()) if (pid != -1 || p.task.tgid() != task.tgid()) groups.add(p.task.tgid());
            for (int tgid : groups) targets.add(procs.signalTarget(tgid, sig).task);
            if (targets.isEmpty()) return -Errno.ESRCH;
        }
        if (sig == 0) return 0;
        for (Task t : targets) Signals.send(t, SigInfo.user(sig, code, task.tgid(), 0));
        procs.wakeAll();
        return 0;
    }

    /** Models kernel_clone() for fork: a copy of the process, its memory copy-on-write, sharing its open files. */
    private long sysFork(ArchCpu cpu, PtRegs regs, Task parent) {
        // copy_process(): RLIMIT_NPROC and threads-max before anything is copied, the pid after the mm.
        Cred cred = cred(parent);
        long limit = procs.copyProcessLimits(cred, rlimits.cur(parent, Rlimits.RLIMIT_NPROC));
        if (limit < 0) return limit;
        MmStruct childMm = parent.mm().dupMmap();
        if (childMm == null) return -Errno.ENOMEM;
        int pid = procs.allocPid();
        if (pid < 0) {
            childMm.exitMmap();
            return pid;
        }
        Task child = new Task(pid, pid, parent.tgid(), parent.comm());
        child.setMm(childMm);
        child.setExe(parent.exe());
        child.fsBase = parent.fsBase;
        child.blocked = parent.blocked;
        System.arraycopy(parent.sigHandler, 0, child.sigHandler, 0, 65);
        System.arraycopy(parent.sigFlags, 0, child.sigFlags, 0, 65);
        System.arraycopy(parent.sigMask, 0, child.sigMask, 0, 65);
        System.arraycopy(parent.sigRestorer, 0, child.sigRestorer, 0, 65);
        Processes.Proc p = procs.add(child, cred); // task_struct and the rest of copy_process()'s objects
        if (p == null) {
            childMm.exitMmap();
            return -Errno.ENOMEM;
        }
        files.forkFiles(parent, child);
        rlimits.fork(parent, child);
        copyThread(cpu, regs, p);
        scheduler.enqueueNew(p);
        return pid;
    }

    /** Models do_execveat_common(): reads the path, argv and envp, then the machine loads the program. */
    private long sysExecve(Task task, long pathAddr, long argvAddr, long envpAddr) {
        MmStruct mm = task.mm();
        byte[] path = uaccess.strncpyFromUser(mm, pathAddr, FileSyscalls.PATH_MAX);
        if (path == null) return -Errno.EFAULT;
        long[] budget = {EXEC_STRINGS_MAX};
        java.util.List<String> argv = userStrings(mm, argvAddr, budget);
        java.util.List<String> envp = argv == null ? null : userStrings(mm, envpAddr, budget);
        if (argv == null || envp == null) return budget[0] < 0 ? -Errno.E2BIG : -Errno.EFAULT;
        long r = exec.execve(task, new String(path, java.nio.charset.StandardCharsets.UTF_8), argv, envp);
        if (r == 0) {
            files.execFiles(task);
            credentials.execve(task);
            execPending = true;
        }
        return r;
    }

    /**
     * Strings and pointers of argv and envp beyond this are E2BIG whatever RLIMIT_STACK is
     * (bprm_stack_limits() caps their room at 3/4 of _STK_LIM), so reading them stops there: the
     * same 128 KiB string named 65,535 times would otherwise cost the host 8 GiB.
     */
    static final long EXEC_STRINGS_MAX = io.mmemu.kernel.elf.InitialStack.STK_LIM / 4 * 3;

    /**
     * A NULL-terminated array of string pointers from user memory, or null on EFAULT, or null
     * with {@code budget[0]} negative once the strings and pointers read so far exceed it (E2BIG).
     */
    private java.util.List<String> userStrings(MmStruct mm, long addr, long[] budget) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (addr == 0) return out;
        for (int i = 0; i < 0x10000; i++) {
            long p = uaccess.getUserLong(mm, addr + 8L * i, -1);
            if (p == -1) return null;
            if (p == 0) return out;
            byte[] b = uaccess.strncpyFromUser(mm, p, 128 * 1024);
            if (b == null) return null;
            budget[0] -= b.length + 1 + 8;
            if (budget[0] < 0) return null;
            out.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
        }
        return null;
    }

    /**
     * The sa_flags the kernel knows (UAPI_SA_FLAGS: SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO,
     * SA_EXPOSE_TAGBITS, SA_RESTORER, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND); others are
     * cleared, so that a program can see which flags are supported.
     */
    static final long UAPI_SA_FLAGS = 0xdc000807L;

    /**
     * Models sys_rt_sigaction() and do_sigaction(): struct kernel_sigaction {handler, flags,
     * restorer, mask}. The sigset size first, then the new action is copied in (EFAULT before
     * the signal number is looked at), then the signal number (EINVAL; SIGKILL and SIGSTOP only
     * without a new action); unknown flags are dropped; the old action is copied out last.
     */
    private long sysRtSigaction(Task task, MmStruct mm, int sig, long act, long oact, long sigsetsize) {
        if (sigsetsize != 8) return -Errno.EINVAL;
        byte[] a = null;
        if (act != 0) {
            a = new byte[32];
            if (uaccess.copyFromUser(mm, a, 0, act, 32) < 0) return -Errno.EFAULT;
        }
        if (sig < 1 || sig > 64 || ((sig == 9 || sig == 19) && act != 0)) return -Errno.EINVAL;
        byte[] old = new byte[32];
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
                task.pending &= ~Signals.bit(sig);
            }
        }
        if (oact != 0 && uaccess.copyToUser(mm, oact, old, 0, 32) < 0) return -Errno.EFAULT;
        return 0;
    }
}
