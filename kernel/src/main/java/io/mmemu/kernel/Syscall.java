package io.mmemu.kernel;

import static io.mmemu.kernel.Syscall.Translations.CHANGED;
import static io.mmemu.kernel.Syscall.Translations.KEPT;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Mprotect;
import io.mmemu.mm.vma.Mlock;
import io.mmemu.mm.vma.Mseal;
import io.mmemu.mm.vma.Msync;
import io.mmemu.mm.vma.Pkeys;
import java.util.Locale;

/**
 * The syscall table, modelled on arch/x86/entry/syscalls/syscall_64.tbl: one entry per call the
 * kernel knows, carrying its number, its handler and whether it can change translations. The
 * entry's name is Linux's (the constant in lower case).
 *
 * <p>{@link LinuxSyscalls#syscall} looks the entry up by number in an array (as
 * do_syscall_x64() indexes sys_call_table: the number as an {@code int}, nothing allocated) and
 * calls its handler with the arguments the CPU left in {@link PtRegs}: RDI, RSI, RDX, R10, R8, R9.
 * A number without an entry, or an entry without a handler (a call Linux has and the model does
 * not implement, kept so that --verbose names it), returns -ENOSYS, as a kernel built without
 * that call would.
 *
 * <p>{@link Translations#CHANGED} marks the calls after which a CPU's TLB may hold a translation
 * the page tables no longer allow (an unmap, a protection change, a COW copy at fork, an mm
 * dropped at exit or exec, a truncated file's pages unmapped): --check-tlb runs the
 * stale-translation checker after each of them, and after no other call.
 *
 * <h2>How to add a syscall</h2>
 * <ol>
 *   <li>Implement it beside its Linux file: a method {@code long sysFoo(...)} (or Linux's own
 *       name, e.g. {@code doMprotect}) in the class that models that file ({@link FileSyscalls}
 *       fs/open.c, {@link ReadWrite} fs/read_write.c, {@link SignalSyscalls} kernel/signal.c,
 *       {@link ProcessSyscalls} kernel/fork.c and exit.c, {@link TimeSyscalls} kernel/time/,
 *       {@link SysSyscalls} kernel/sys.c, {@link MmSyscalls} mm/), returning the result or a
 *       negative errno ({@code -Errno.EINVAL}), or {@link LinuxSyscalls#BLOCK} to sleep and be
 *       re-executed when woken. Check the arguments in the order Linux does: the first failing
 *       check decides the errno.</li>
 *   <li>Add one entry here, in number order: {@code NAME(nr, KEPT or CHANGED, (k, cpu, t, r) ->
 *       ...)}, converting each argument as the C prototype declares it ({@code (int) r.rsi} for an
 *       {@code int}). A call that may leave a stale translation anywhere is {@code CHANGED}.</li>
 *   <li>Add its errno paths to {@code SyscallErrnoTest} (one row per bad argument, citing the
 *       Linux line that returns it); its coverage test fails until every entry with a handler has
 *       a row or is listed as having no error path.</li>
 * </ol>
 */
enum Syscall {
    READ(0, KEPT, (k, c, t, r) -> k.rw.read(t, r.rdi, r.rsi, r.rdx)),
    WRITE(1, KEPT, (k, c, t, r) -> k.rw.write(t, r.rdi, r.rsi, r.rdx)),
    OPEN(2, KEPT, (k, c, t, r) -> k.files.openat(t, FileSyscalls.AT_FDCWD, r.rdi, (int) r.rsi, (int) r.rdx)),
    CLOSE(3, KEPT, (k, c, t, r) -> k.files.close(t, r.rdi)),
    STAT(4, KEPT, (k, c, t, r) -> k.files.newfstatat(t, FileSyscalls.AT_FDCWD, r.rdi, r.rsi, 0)),
    FSTAT(5, KEPT, (k, c, t, r) -> k.files.fstat(t, r.rdi, r.rsi)),
    LSTAT(6, KEPT, (k, c, t, r) -> k.files.newfstatat(t, FileSyscalls.AT_FDCWD, r.rdi, r.rsi,
            FileSyscalls.AT_SYMLINK_NOFOLLOW)),
    POLL(7, KEPT, (k, c, t, r) -> k.poll.poll(t, r.rdi, r.rsi, (int) r.rdx)),
    LSEEK(8, KEPT, (k, c, t, r) -> k.rw.lseek(t, r.rdi, r.rsi, (int) r.rdx)),
    MMAP(9, CHANGED, (k, c, t, r) -> k.mem.sysMmap(t, r.rdi, r.rsi, (int) r.rdx, (int) r.r10, (int) r.r8, r.r9)),
    MPROTECT(10, CHANGED, (k, c, t, r) -> Mprotect.doMprotect(t.mm(), r.rdi, r.rsi, (int) r.rdx)),
    MUNMAP(11, CHANGED, (k, c, t, r) -> t.mm().doMunmap(r.rdi, r.rsi)),
    BRK(12, CHANGED, (k, c, t, r) -> k.mem.sysBrk(t, r.rdi)),
    RT_SIGACTION(13, KEPT, (k, c, t, r) -> k.signal.rtSigaction(t, (int) r.rdi, r.rsi, r.rdx, r.r10)),
    RT_SIGPROCMASK(14, KEPT, (k, c, t, r) -> k.signal.rtSigprocmask(t, (int) r.rdi, r.rsi, r.rdx, r.r10)),
    RT_SIGRETURN(15, KEPT, (k, c, t, r) -> k.rtSigreturn()),
    IOCTL(16, CHANGED, (k, c, t, r) -> k.ioctl(t, (int) r.rdi, (int) r.rsi, r.rdx)),
    PREAD64(17, KEPT, (k, c, t, r) -> k.rw.pread64(t, r.rdi, r.rsi, r.rdx, r.r10)),
    PWRITE64(18, KEPT, (k, c, t, r) -> k.rw.pwrite64(t, r.rdi, r.rsi, r.rdx, r.r10)),
    READV(19, KEPT, (k, c, t, r) -> k.rw.readv(t, r.rdi, r.rsi, r.rdx)),
    WRITEV(20, KEPT, (k, c, t, r) -> k.rw.writev(t, r.rdi, r.rsi, r.rdx)),
    ACCESS(21, KEPT, (k, c, t, r) -> k.files.faccessat(t, k.cred(t), FileSyscalls.AT_FDCWD, r.rdi, (int) r.rsi, 0)),
    PIPE(22, KEPT, (k, c, t, r) -> k.pipes.pipe2(t, r.rdi, 0)),
    SELECT(23, KEPT, (k, c, t, r) -> k.poll.select(t, (int) r.rdi, r.rsi, r.rdx, r.r10, r.r8)),
    SCHED_YIELD(24, KEPT, (k, c, t, r) -> k.time.schedYield(c, t)),
    MREMAP(25, CHANGED, (k, c, t, r) -> k.mem.sysMremap(t, r.rdi, r.rsi, r.rdx, (int) r.r10, r.r8)),
    MSYNC(26, KEPT, (k, c, t, r) -> Msync.sysMsync(t.mm(), r.rdi, r.rsi, (int) r.rdx)),
    MINCORE(27, KEPT, (k, c, t, r) -> k.mem.sysMincore(t.mm(), r.rdi, r.rsi, r.rdx)),
    MADVISE(28, CHANGED, (k, c, t, r) -> k.mem.doMadvise(t.mm(), r.rdi, r.rsi, (int) r.rdx)),
    DUP(32, KEPT, (k, c, t, r) -> k.files.fcntl(t, r.rdi, FileSyscalls.F_DUPFD, 0)),
    DUP2(33, KEPT, (k, c, t, r) -> k.files.dup3(t, r.rdi, r.rsi, 0, true)),
    PAUSE(34, KEPT, (k, c, t, r) -> LinuxSyscalls.signalPending(t) ? -Errno.ERESTARTNOHAND : LinuxSyscalls.BLOCK),
    NANOSLEEP(35, KEPT, (k, c, t, r) -> k.time.schedYield(c, t)),
    GETPID(39, KEPT, (k, c, t, r) -> t.tgid()),
    SENDTO(44, KEPT, (k, c, t, r) -> k.sockets.sendto(t, (int) r.rdi, r.rsi, r.rdx, (int) r.r10, r.r8, (int) r.r9)),
    RECVFROM(45, KEPT, (k, c, t, r) -> k.sockets.recvfrom(t, (int) r.rdi, r.rsi, r.rdx, (int) r.r10, r.r8, r.r9)),
    SENDMSG(46, KEPT, (k, c, t, r) -> k.sockets.sendmsgSyscall(t, (int) r.rdi, r.rsi, (int) r.rdx)),
    RECVMSG(47, KEPT, (k, c, t, r) -> k.sockets.recvmsgSyscall(t, (int) r.rdi, r.rsi, (int) r.rdx)),
    SHUTDOWN(48, KEPT, (k, c, t, r) -> k.sockets.shutdown(t, (int) r.rdi, (int) r.rsi)),
    SOCKETPAIR(53, KEPT, (k, c, t, r) -> k.sockets.socketpair(t, (int) r.rdi, (int) r.rsi, (int) r.rdx, r.r10)),
    CLONE(56, CHANGED, (k, c, t, r) -> k.proc.sysClone(c, r, t, r.rdi, r.rsi, r.rdx, r.r10, r.r8)),
    FORK(57, CHANGED, (k, c, t, r) -> k.proc.sysFork(c, r, t)),
    VFORK(58, CHANGED, (k, c, t, r) -> k.proc.sysVfork(c, r, t)),
    EXECVE(59, CHANGED, (k, c, t, r) -> k.execve(t, r.rdi, r.rsi, r.rdx)),
    EXIT(60, CHANGED, (k, c, t, r) -> k.proc.sysExit(t, (int) r.rdi)),
    WAIT4(61, KEPT, (k, c, t, r) -> k.procs.wait4(t, (int) r.rdi, r.rsi, (int) r.rdx, r.r10, LinuxSyscalls.signalPending(t))),
    KILL(62, KEPT, (k, c, t, r) -> k.signal.sysKill(t, (int) r.rdi, (int) r.rsi, SiCode.SI_USER)),
    UNAME(63, KEPT, (k, c, t, r) -> k.sys.newuname(t.mm(), r.rdi)),
    FCNTL(72, KEPT, (k, c, t, r) -> k.files.fcntl(t, r.rdi, (int) r.rsi, r.rdx)),
    FSYNC(74, KEPT, (k, c, t, r) -> k.files.fsync(t, r.rdi)),
    FDATASYNC(75, KEPT, (k, c, t, r) -> k.files.fsync(t, r.rdi)),
    TRUNCATE(76, CHANGED, (k, c, t, r) -> k.files.truncate(t, r.rdi, r.rsi)),
    FTRUNCATE(77, CHANGED, (k, c, t, r) -> k.files.ftruncate(t, r.rdi, r.rsi)),
    GETDENTS(78, KEPT, (k, c, t, r) -> k.files.getdents(t, r.rdi & 0xffff_ffffL, r.rsi, r.rdx & 0xffff_ffffL, true)),
    GETCWD(79, KEPT, (k, c, t, r) -> k.files.getcwd(t, r.rdi, r.rsi)),
    CHDIR(80, KEPT, (k, c, t, r) -> k.files.chdir(t, k.cred(t), r.rdi)),
    FCHDIR(81, KEPT, (k, c, t, r) -> k.files.fchdir(t, k.cred(t), r.rdi)),
    RENAME(82, KEPT, (k, c, t, r) -> k.files.renameat2(t, FileSyscalls.AT_FDCWD, r.rdi, FileSyscalls.AT_FDCWD, r.rsi, 0)),
    MKDIR(83, KEPT, (k, c, t, r) -> k.files.mkdirat(t, FileSyscalls.AT_FDCWD, r.rdi, (int) r.rsi)),
    RMDIR(84, KEPT, (k, c, t, r) -> k.files.unlinkat(t, FileSyscalls.AT_FDCWD, r.rdi, FileSyscalls.AT_REMOVEDIR)),
    CREAT(85, KEPT, (k, c, t, r) -> k.files.openat(t, FileSyscalls.AT_FDCWD, r.rdi, FileSyscalls.CREAT_FLAGS,
            (int) r.rsi)),
    LINK(86, KEPT, (k, c, t, r) -> k.files.linkat(t, FileSyscalls.AT_FDCWD, r.rdi, FileSyscalls.AT_FDCWD, r.rsi, 0)),
    UNLINK(87, KEPT, (k, c, t, r) -> k.files.unlinkat(t, FileSyscalls.AT_FDCWD, r.rdi, 0)),
    SYMLINK(88, KEPT, (k, c, t, r) -> k.files.symlinkat(t, r.rdi, FileSyscalls.AT_FDCWD, r.rsi)),
    READLINK(89, KEPT, (k, c, t, r) -> k.files.readlinkat(t, FileSyscalls.AT_FDCWD, r.rdi, r.rsi, (int) r.rdx)),
    CHMOD(90, KEPT, (k, c, t, r) -> k.files.fchmodat(t, FileSyscalls.AT_FDCWD, r.rdi, (int) r.rsi)),
    FCHMOD(91, KEPT, (k, c, t, r) -> k.files.fchmod(t, r.rdi, (int) r.rsi)),
    UMASK(95, KEPT, (k, c, t, r) -> k.files.umask(t, (int) r.rdi)),
    GETTIMEOFDAY(96, KEPT, (k, c, t, r) -> k.time.gettimeofday(t.mm(), r.rdi, r.rsi)),
    GETRLIMIT(97, KEPT, (k, c, t, r) -> k.rlimits.getrlimit(t, (int) r.rdi, r.rsi)),
    GETRUSAGE(98, KEPT, (k, c, t, r) -> k.sys.getrusage(t.mm(), (int) r.rdi, r.rsi)),
    SYSINFO(99, KEPT, (k, c, t, r) -> k.sys.sysinfo(t, r.rdi, k.time.nowNanos(TimeSyscalls.CLOCK_BOOTTIME))),
    TIMES(100, KEPT, (k, c, t, r) -> k.time.times(t.mm(), r.rdi, k.cpuTimers.cputimeNs(t))),
    PTRACE(101, CHANGED, (k, c, t, r) -> k.ptrace.sysPtrace(t, r.rdi, r.rsi, r.rdx, r.r10)),
    GETUID(102, KEPT, (k, c, t, r) -> k.cred(t).uid()),
    // Group ids stay root's (see Credentials).
    GETGID(104, KEPT, (k, c, t, r) -> 0),
    SETUID(105, KEPT, (k, c, t, r) -> k.credentials.setuid(t, (int) r.rdi)),
    GETEUID(107, KEPT, (k, c, t, r) -> k.cred(t).euid()),
    GETEGID(108, KEPT, (k, c, t, r) -> 0),
    SETPGID(109, KEPT, (k, c, t, r) -> k.sys.setpgid(t, (int) r.rdi, (int) r.rsi)),
    GETPPID(110, KEPT, (k, c, t, r) -> t.ppid()),
    GETPGRP(111, KEPT, (k, c, t, r) -> k.sys.getpgid(t, 0)),
    SETSID(112, KEPT, (k, c, t, r) -> k.sys.setsid(t)),
    SETRESUID(117, KEPT, (k, c, t, r) -> k.credentials.setresuid(t, (int) r.rdi, (int) r.rsi, (int) r.rdx)),
    GETRESUID(118, KEPT, (k, c, t, r) -> k.credentials.getresuid(t, r.rdi, r.rsi, r.rdx)),
    GETPGID(121, KEPT, (k, c, t, r) -> k.sys.getpgid(t, (int) r.rdi)),
    GETSID(124, KEPT, (k, c, t, r) -> k.sys.getsid(t, (int) r.rdi)),
    CAPGET(125, KEPT, (k, c, t, r) -> k.credentials.capget(t, r.rdi, r.rsi)),
    CAPSET(126, KEPT, (k, c, t, r) -> k.credentials.capset(t, r.rdi, r.rsi)),
    RT_SIGSUSPEND(130, KEPT, (k, c, t, r) -> k.signal.rtSigsuspend(t, r.rdi, r.rsi)),
    SIGALTSTACK(131, KEPT, (k, c, t, r) -> k.altStacks.sysSigaltstack(t, r.rdi, r.rsi, r.rsp)),
    STATFS(137, KEPT, (k, c, t, r) -> k.files.statfs(t, r.rdi, r.rsi)),
    FSTATFS(138, KEPT, (k, c, t, r) -> k.files.fstatfs(t, r.rdi, r.rsi)),
    MLOCK(149, KEPT, (k, c, t, r) -> k.mem.sysMlock2(t, r.rdi, r.rsi, 0)),
    MUNLOCK(150, KEPT, (k, c, t, r) -> k.mem.sysMunlock(t, r.rdi, r.rsi)),
    MLOCKALL(151, KEPT, (k, c, t, r) -> k.mem.sysMlockall(t, (int) r.rdi)),
    MUNLOCKALL(152, KEPT, (k, c, t, r) -> Mlock.sysMunlockall(t.mm())),
    PRCTL(157, KEPT, (k, c, t, r) -> k.prctl.sysPrctl(t, (int) r.rdi, r.rsi, r.rdx, r.r10, r.r8)),
    ARCH_PRCTL(158, KEPT, (k, c, t, r) -> ArchPrctl.doArchPrctl64(k.uaccess, r, t, (int) r.rdi, r.rsi)),
    SETRLIMIT(160, KEPT, (k, c, t, r) -> k.sys.limitsChanged(c, k.rlimits.setrlimit(t, k.cred(t), (int) r.rdi, r.rsi))),
    GETTID(186, KEPT, (k, c, t, r) -> t.pid()),
    TKILL(200, KEPT, (k, c, t, r) -> k.signal.doTkill(t, -1, (int) r.rdi, (int) r.rsi)),
    TIME(201, KEPT, (k, c, t, r) -> k.time.time(t.mm(), r.rdi)),
    FUTEX(202, KEPT, (k, c, t, r) -> k.futexes.doFutex(k.procs.of(t), r.rdi, (int) r.rsi, r.rdx, r.r10, r.r8, r.r9,
            LinuxSyscalls.signalPending(t), k.time.nowNanos(TimeSyscalls.CLOCK_MONOTONIC))),
    GETDENTS64(217, KEPT, (k, c, t, r) -> k.files.getdents(t, r.rdi & 0xffff_ffffL, r.rsi, r.rdx & 0xffff_ffffL, false)),
    SET_TID_ADDRESS(218, KEPT, (k, c, t, r) -> k.proc.setTidAddress(t, r.rdi)),
    CLOCK_GETTIME(228, KEPT, (k, c, t, r) -> k.time.clockGettime(t, (int) r.rdi, r.rsi, false)),
    CLOCK_GETRES(229, KEPT, (k, c, t, r) -> k.time.clockGettime(t, (int) r.rdi, r.rsi, true)),
    CLOCK_NANOSLEEP(230, KEPT, (k, c, t, r) -> k.time.schedYield(c, t)),
    EXIT_GROUP(231, CHANGED, (k, c, t, r) -> k.proc.sysExitGroup(t, (int) r.rdi)),
    TGKILL(234, KEPT, (k, c, t, r) -> k.signal.doTkill(t, (int) r.rdi, (int) r.rsi, (int) r.rdx)),
    MBIND(237, KEPT, (k, c, t, r) -> k.mempolicy.mbind(t, k.cred(t), r.rdi, r.rsi, (int) r.rdx, r.r10, r.r8, (int) r.r9)),
    SET_MEMPOLICY(238, KEPT, (k, c, t, r) -> k.mempolicy.setMempolicy(t, (int) r.rdi, r.rsi, r.rdx)),
    GET_MEMPOLICY(239, KEPT, (k, c, t, r) -> k.mempolicy.getMempolicy(t, r.rdi, r.rsi, r.rdx, r.r10, r.r8)),
    OPENAT(257, KEPT, (k, c, t, r) -> k.files.openat(t, (int) r.rdi, r.rsi, (int) r.rdx, (int) r.r10)),
    MKDIRAT(258, KEPT, (k, c, t, r) -> k.files.mkdirat(t, (int) r.rdi, r.rsi, (int) r.rdx)),
    NEWFSTATAT(262, KEPT, (k, c, t, r) -> k.files.newfstatat(t, (int) r.rdi, r.rsi, r.rdx, (int) r.r10)),
    UNLINKAT(263, KEPT, (k, c, t, r) -> k.files.unlinkat(t, (int) r.rdi, r.rsi, (int) r.rdx)),
    RENAMEAT(264, KEPT, (k, c, t, r) -> k.files.renameat2(t, (int) r.rdi, r.rsi, (int) r.rdx, r.r10, 0)),
    LINKAT(265, KEPT, (k, c, t, r) -> k.files.linkat(t, (int) r.rdi, r.rsi, (int) r.rdx, r.r10, (int) r.r8)),
    SYMLINKAT(266, KEPT, (k, c, t, r) -> k.files.symlinkat(t, r.rdi, (int) r.rsi, r.rdx)),
    READLINKAT(267, KEPT, (k, c, t, r) -> k.files.readlinkat(t, (int) r.rdi, r.rsi, r.rdx, (int) r.r10)),
    FCHMODAT(268, KEPT, (k, c, t, r) -> k.files.fchmodat(t, (int) r.rdi, r.rsi, (int) r.rdx)),
    FACCESSAT(269, KEPT, (k, c, t, r) -> k.files.faccessat(t, k.cred(t), (int) r.rdi, r.rsi, (int) r.rdx, 0)),
    PSELECT6(270, KEPT, (k, c, t, r) -> k.poll.pselect6(t, (int) r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9)),
    PPOLL(271, KEPT, (k, c, t, r) -> k.poll.ppoll(t, r.rdi, r.rsi, r.rdx, r.r10, r.r8)),
    SET_ROBUST_LIST(273, KEPT, (k, c, t, r) -> k.proc.setRobustList(t, r.rdi, r.rsi)),
    TEE(276, KEPT, (k, c, t, r) -> k.splice.tee(t, (int) r.rdi, (int) r.rsi, r.rdx, (int) r.r10)),
    VMSPLICE(278, KEPT, (k, c, t, r) -> k.splice.vmsplice(t, (int) r.rdi, r.rsi, r.rdx, (int) r.r10)),
    FALLOCATE(285, KEPT, (k, c, t, r) -> k.files.fallocate(t, r.rdi, (int) r.rsi, r.rdx, r.r10)),
    EPOLL_CREATE1(291),
    DUP3(292, KEPT, (k, c, t, r) -> k.files.dup3(t, r.rdi, r.rsi, (int) r.rdx, false)),
    PIPE2(293, KEPT, (k, c, t, r) -> k.pipes.pipe2(t, r.rdi, (int) r.rsi)),
    PRLIMIT64(302, KEPT, (k, c, t, r) -> k.sys.limitsChanged(c, k.sys.prlimit64(t, (int) r.rdi, (int) r.rsi, r.rdx, r.r10))),
    GETCPU(309, KEPT, (k, c, t, r) -> k.sys.getcpu(c, t, r.rdi, r.rsi)),
    PROCESS_VM_READV(310, KEPT, (k, c, t, r) -> k.processVm.processVmRw(t, (int) r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9, false)),
    PROCESS_VM_WRITEV(311, KEPT, (k, c, t, r) -> k.processVm.processVmRw(t, (int) r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9, true)),
    RENAMEAT2(316, KEPT, (k, c, t, r) -> k.files.renameat2(t, (int) r.rdi, r.rsi, (int) r.rdx, r.r10, (int) r.r8)),
    GETRANDOM(318, KEPT, (k, c, t, r) -> k.random.getrandom(t, r.rdi, r.rsi, (int) r.rdx)),
    MEMFD_CREATE(319, KEPT, (k, c, t, r) -> k.memfd.sysMemfdCreate(t, r.rdi, (int) r.rsi)),
    USERFAULTFD(323, KEPT, (k, c, t, r) -> k.userfaultfds.sysUserfaultfd(t, k.cred(t), (int) r.rdi)),
    MEMBARRIER(324, KEPT, (k, c, t, r) -> Membarrier.sysMembarrier(t.mm(), (int) r.rdi, (int) r.rsi)),
    MLOCK2(325, KEPT, (k, c, t, r) -> k.mem.sysMlock2(t, r.rdi, r.rsi, (int) r.rdx)),
    PKEY_MPROTECT(329, CHANGED, (k, c, t, r) -> Mprotect.doMprotectPkey(t.mm(), r.rdi, r.rsi, (int) r.rdx, (int) r.r10)),
    PKEY_ALLOC(330, KEPT, (k, c, t, r) -> Pkeys.sysPkeyAlloc(t.mm(), r.rdi, r.rsi)),
    PKEY_FREE(331, KEPT, (k, c, t, r) -> Pkeys.sysPkeyFree(t.mm(), (int) r.rdi)),
    RSEQ(334, KEPT, (k, c, t, r) -> k.rseq.sysRseq(c, t, r.rdi, (int) r.rsi, (int) r.rdx, (int) r.r10)),
    PIDFD_OPEN(434, KEPT, (k, c, t, r) -> k.pidfds.sysPidfdOpen(t, (int) r.rdi, (int) r.rsi)),
    CLONE3(435, CHANGED, (k, c, t, r) -> k.proc.sysClone3(c, r, t, r.rdi, r.rsi)),
    FACCESSAT2(439, KEPT, (k, c, t, r) -> k.files.faccessat(t, k.cred(t), (int) r.rdi, r.rsi, (int) r.rdx, (int) r.r10)),
    MEMFD_SECRET(447, KEPT, (k, c, t, r) -> k.memfd.sysMemfdSecret(t, (int) r.rdi)),
    PROCESS_MRELEASE(448, CHANGED, (k, c, t, r) -> k.pidfds.sysProcessMrelease(t, (int) r.rdi, (int) r.rsi)),
    MSEAL(462, KEPT, (k, c, t, r) -> Mseal.doMseal(t.mm(), r.rdi, r.rsi, r.rdx));

    /** Whether a call can leave a CPU's TLB holding a translation the page tables no longer allow. */
    enum Translations {
        KEPT, CHANGED
    }

    /** A syscall's implementation: {@code k} the kernel's syscall state, {@code r} the registers at entry (the result goes to RAX). */
    @FunctionalInterface
    interface Handler {
        long call(LinuxSyscalls k, ArchCpu cpu, Task task, PtRegs r);
    }

    /** The number in syscall_64.tbl (orig_rax at entry). */
    final int nr;
    /** Linux's name of the call ("rt_sigaction"). */
    final String linuxName;
    final boolean changesTranslations;
    /** Null for a call the model does not implement (-ENOSYS). */
    final Handler handler;

    Syscall(int nr, Translations translations, Handler handler) {
        this.nr = nr;
        this.linuxName = name().toLowerCase(Locale.ROOT);
        this.changesTranslations = translations == CHANGED;
        this.handler = handler;
    }

    /** A call Linux has and the model does not implement: named in --verbose reports, -ENOSYS. */
    Syscall(int nr) {
        this(nr, KEPT, null);
    }

    /** sys_call_table: the entry of each number, null where the model knows no call. */
    private static final Syscall[] TABLE;

    static {
        int max = 0;
        for (Syscall s : values()) max = Math.max(max, s.nr);
        TABLE = new Syscall[max + 1];
        for (Syscall s : values()) {
            if (TABLE[s.nr] != null) throw new ExceptionInInitializerError("syscall " + s.nr + " twice: " + TABLE[s.nr] + ", " + s);
            TABLE[s.nr] = s;
        }
    }

    /** The entry of syscall number {@code nr}, or null (do_syscall_x64(): the number as an unsigned int below NR_syscalls). */
    static Syscall byNumber(int nr) {
        return nr >= 0 && nr < TABLE.length ? TABLE[nr] : null;
    }

    /** Whether the model implements the call (otherwise it returns -ENOSYS). */
    boolean implemented() {
        return handler != null;
    }
}
