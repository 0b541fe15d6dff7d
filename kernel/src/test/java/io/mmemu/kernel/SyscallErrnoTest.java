package io.mmemu.kernel;

import static io.mmemu.kernel.Syscall.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.vma.Errno;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every syscall handler's argument checks and errno paths, driven through the CPU boundary without
 * Unicorn: one row per (syscall, bad argument, expected errno), named after the Linux 6.x function
 * and condition that returns it. When several arguments are bad, the row says which check Linux
 * makes first. {@link #everyImplementedSyscallHasItsErrnoPathsTested} fails for a table entry that
 * has neither a row nor a place in {@link #NO_ERRNO_PATH}.
 *
 * <p>Arguments that must point to user memory use stand-ins resolved per test: {@code BUF}, a page
 * of fresh anonymous memory; {@code UNMAPPED}, an address nothing maps; strings ({@code S_TMPF}
 * "/tmp/f", which exists, {@code S_NOENT}, {@code S_EMPTY}, {@code S_REL} a relative name,
 * {@code S_HELLO} a guest program, {@code S_LONG} with no NUL in PATH_MAX bytes); descriptors ({@code FD_RO}, {@code FD_WO} on /tmp/f, {@code FD_PIPE_R},
 * {@code FD_PIPE_W}).
 */
class SyscallErrnoTest {
    static final long BUF = -0x1000_0001L, UNMAPPED = -0x1000_0002L, S_TMPF = -0x1000_0003L, S_NOENT = -0x1000_0004L,
            S_EMPTY = -0x1000_0005L, S_LONG = -0x1000_0006L, FD_RO = -0x1000_0007L, FD_WO = -0x1000_0008L,
            FD_PIPE_R = -0x1000_0009L, FD_PIPE_W = -0x1000_000aL, SELF = -0x1000_000bL, S_HELLO = -0x1000_000cL,
            BUF_ODD = -0x1000_000dL, S_REL = -0x1000_000fL;

    /** Calls that return no errno whatever their arguments (ids, getpgrp, yields, exits, brk's "current break", rt_sigreturn's SIGSEGV, munlockall, umask). */
    static final Set<Syscall> NO_ERRNO_PATH = EnumSet.of(GETPID, GETTID, GETPPID, GETUID, GETEUID, GETGID, GETEGID,
            SCHED_YIELD, NANOSLEEP, CLOCK_NANOSLEEP, SET_TID_ADDRESS, EXIT, EXIT_GROUP, RT_SIGRETURN, BRK, MUNLOCKALL, GETPGRP, UMASK);

    record Row(Syscall call, String linux, long expected, long[] args, Consumer<KernelHarness> setup) {
        @Override
        public String toString() {
            return call.linuxName + ": " + linux;
        }
    }

    static Row row(Syscall call, String linux, long expected, long... args) {
        return new Row(call, linux, expected, args, h -> {});
    }

    static Row row(Consumer<KernelHarness> setup, Syscall call, String linux, long expected, long... args) {
        return new Row(call, linux, expected, args, setup);
    }

    static final long EINVAL = -Errno.EINVAL, EBADF = -Errno.EBADF, EFAULT = -Errno.EFAULT, ENOENT = -Errno.ENOENT,
            ESRCH = -Errno.ESRCH, ENOMEM = -Errno.ENOMEM, EPERM = -Errno.EPERM, ESPIPE = -Errno.ESPIPE;
    static final int ANON = KernelHarness.MAP_PRIVATE_ANONYMOUS, RW = KernelHarness.PROT_RW;

    /** Where {@link #iovecAt} puts its struct iovec. */
    static final long IOVEC = 0x3_0000_0000L;

    /** Maps a page at {@link #IOVEC} and writes one struct iovec {base, len} at its start. */
    static void iovecAt(KernelHarness h, long base, long len) {
        h.syscall(MMAP, IOVEC, 4096, RW, 0x32, -1, 0);
        h.writeLong(IOVEC, base);
        h.writeLong(IOVEC + 8, len);
    }

    /** Maps a page at 0x2_0000_0000 and registers it as the task's rseq area with signature 7. */
    static void registerRseq(KernelHarness h) {
        h.syscall(MMAP, 0x2_0000_0000L, 4096, RW, 0x32, -1, 0);
        assertEquals(0, h.syscall(RSEQ, 0x2_0000_0000L, 32, 0, 7));
    }

    static Stream<Row> rows() {
        List<Row> r = new ArrayList<>();
        // fs/read_write.c
        r.add(row(READ, "ksys_read: fdget_pos() finds no file", EBADF, 99, BUF, 1));
        r.add(row(READ, "vfs_read: no FMODE_READ (O_WRONLY)", EBADF, FD_WO, BUF, 1));
        r.add(row(READ, "vfs_read: access_ok() of a negative count", EFAULT, FD_RO, BUF, -1));
        r.add(row(READ, "vfs_read: access_ok() past TASK_SIZE", EFAULT, FD_RO, 0x7fff_ffff_f000L, 0x2000));
        r.add(row(h -> h.syscall(PWRITE64, FD_WO_VALUE, h.mmap(4096), 16, 0), READ, "copy_to_user() fails: nothing read",
                EFAULT, FD_RO, UNMAPPED, 16));
        r.add(row(WRITE, "ksys_write: fdget_pos() finds no file", EBADF, 99, BUF, 1));
        r.add(row(WRITE, "vfs_write: no FMODE_WRITE (O_RDONLY)", EBADF, FD_RO, BUF, 1));
        r.add(row(WRITE, "vfs_write: no FMODE_WRITE (stdin)", EBADF, 0, BUF, 1));
        r.add(row(WRITE, "vfs_write: access_ok() of a negative count", EFAULT, FD_WO, BUF, -1));
        r.add(row(WRITE, "copy_from_user() fails: nothing written", EFAULT, FD_WO, UNMAPPED, 8));
        r.add(row(h -> h.syscall(CLOSE, FD_PIPE_R_VALUE), WRITE, "pipe_write: no reader left (EPIPE, and SIGPIPE)",
                -Errno.EPIPE, FD_PIPE_W, BUF, 1));
        r.add(row(PREAD64, "ksys_pread64: pos < 0, before the descriptor", EINVAL, 99, BUF, 1, -1));
        r.add(row(PREAD64, "ksys_pread64: fdget() finds no file", EBADF, 99, BUF, 1, 0));
        r.add(row(PREAD64, "ksys_pread64: no FMODE_PREAD (a pipe)", ESPIPE, FD_PIPE_R, BUF, 1, 0));
        r.add(row(PREAD64, "vfs_read: no FMODE_READ", EBADF, FD_WO, BUF, 1, 0));
        r.add(row(PREAD64, "vfs_read: access_ok() of a negative count", EFAULT, FD_RO, BUF, -1, 0));
        r.add(row(PWRITE64, "ksys_pwrite64: pos < 0, before the descriptor", EINVAL, 99, BUF, 1, -1));
        r.add(row(PWRITE64, "ksys_pwrite64: fdget() finds no file", EBADF, 99, BUF, 1, 0));
        r.add(row(PWRITE64, "ksys_pwrite64: no FMODE_PWRITE (a pipe)", ESPIPE, FD_PIPE_W, BUF, 1, 0));
        r.add(row(PWRITE64, "vfs_write: no FMODE_WRITE", EBADF, FD_RO, BUF, 1, 0));
        r.add(row(PWRITE64, "vfs_write: access_ok() of a negative count", EFAULT, FD_WO, BUF, -1, 0));
        r.add(row(PWRITE64, "generic_write_check_limits: past s_maxbytes", -Errno.EFBIG, FD_WO, BUF, 2, Long.MAX_VALUE - 1));
        r.add(row(READV, "vfs_readv: no FMODE_READ, before the iovecs", EBADF, 99, UNMAPPED, 1));
        r.add(row(READV, "import_iovec: nr_segs > UIO_MAXIOV", EINVAL, FD_RO, BUF, 1025));
        r.add(row(READV, "import_iovec: a negative nr_segs is > UIO_MAXIOV", EINVAL, FD_RO, BUF, -1));
        r.add(row(READV, "import_iovec: copy_from_user() of the iovecs", EFAULT, FD_RO, UNMAPPED, 1));
        r.add(row(WRITEV, "vfs_writev: no FMODE_WRITE", EBADF, FD_RO, BUF, 1));
        r.add(row(WRITEV, "import_iovec: nr_segs > UIO_MAXIOV", EINVAL, FD_WO, BUF, 1025));
        r.add(row(WRITEV, "import_iovec: copy_from_user() of the iovecs", EFAULT, FD_WO, UNMAPPED, 1));
        r.add(row(LSEEK, "ksys_lseek: fdget_pos() finds no file", EBADF, 99, 0, 0));
        r.add(row(LSEEK, "no_llseek: a pipe", ESPIPE, FD_PIPE_R, 0, 0));
        r.add(row(LSEEK, "generic_file_llseek_size: whence 3 (SEEK_DATA unsupported here) and up", EINVAL, FD_RO, 0, 7));
        r.add(row(LSEEK, "vfs_setpos: a negative position", EINVAL, FD_RO, -1, 0));
        // fs/open.c, fs/namei.c, fs/stat.c, fs/fcntl.c, fs/file.c, fs/ioctl.c, fs/pipe.c
        r.add(row(OPEN, "getname: an empty name", ENOENT, S_EMPTY, 0, 0));
        r.add(row(OPEN, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, 0, 0));
        r.add(row(OPEN, "getname: no NUL within PATH_MAX", -Errno.ENAMETOOLONG, S_LONG, 0, 0));
        r.add(row(OPEN, "path_openat: no such file", ENOENT, S_NOENT, 0, 0));
        r.add(row(OPEN, "build_open_flags: O_CREAT | O_DIRECTORY", EINVAL, S_TMPF, 0x10040, 0600));
        r.add(row(OPEN, "build_open_flags: O_TMPFILE read-only", EINVAL, S_TMPF, 0x410000, 0));
        r.add(row(OPEN, "do_open: O_CREAT | O_EXCL of an existing file", -Errno.EEXIST, S_TMPF, 0xc2, 0600));
        r.add(row(OPENAT, "path_init: a relative name and a dirfd that is no file", EBADF, 99, S_REL, 0, 0));
        r.add(row(OPENAT, "path_init: a relative name and a dirfd that is no directory", -Errno.ENOTDIR, 1, S_REL, 0, 0));
        r.add(row(CREAT, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, 0600));
        r.add(row(CREAT, "deny_write_access: the running program's own file", -26, S_HELLO, 0600));
        r.add(row(CLOSE, "close_fd: not open", EBADF, 99));
        r.add(row(STAT, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, BUF));
        r.add(row(STAT, "filename_lookup: no such file", ENOENT, S_NOENT, BUF));
        r.add(row(STATFS, "user_statfs: getname() faults", EFAULT, UNMAPPED, BUF));
        r.add(row(STATFS, "user_statfs: no such file", ENOENT, S_NOENT, BUF));
        r.add(row(STATFS, "do_statfs_native: copy_to_user() faults", EFAULT, S_TMPF, UNMAPPED));
        r.add(row(FSTATFS, "fd_statfs: no such descriptor", EBADF, 99, BUF));
        r.add(row(FSTATFS, "do_statfs_native: copy_to_user() faults", EFAULT, FD_RO, UNMAPPED));
        r.add(row(CHDIR, "getname: the name faults", EFAULT, UNMAPPED));
        r.add(row(CHDIR, "getname: an empty name", ENOENT, S_EMPTY));
        r.add(row(CHDIR, "user_path_at: no such directory", ENOENT, S_NOENT));
        r.add(row(CHDIR, "user_path_at: a regular file with LOOKUP_DIRECTORY", -Errno.ENOTDIR, S_TMPF));
        r.add(row(FCHDIR, "fchdir: no such descriptor", EBADF, 99));
        r.add(row(FCHDIR, "fchdir: not a directory", -Errno.ENOTDIR, FD_RO));
        r.add(row(ACCESS, "do_faccessat: mode beyond S_IRWXO, before the name", EINVAL, UNMAPPED, 8));
        r.add(row(ACCESS, "getname: the name faults", EFAULT, UNMAPPED, 0));
        r.add(row(ACCESS, "getname: an empty name", ENOENT, S_EMPTY, 0));
        r.add(row(ACCESS, "getname: no NUL within PATH_MAX", -Errno.ENAMETOOLONG, S_LONG, 0));
        r.add(row(ACCESS, "user_path_at: no such file", ENOENT, S_NOENT, 0));
        r.add(row(ACCESS, "generic_permission: root executes only with an x bit", -Errno.EACCES, S_TMPF, 1));
        r.add(row(h -> h.syscall(SETUID, 1000), ACCESS, "generic_permission: write to a root file without w for others",
                -Errno.EACCES, S_TMPF, 2));
        r.add(row(FACCESSAT, "user_path_at: a bad dirfd for a relative name", EBADF, 99, S_REL, 0));
        r.add(row(FACCESSAT, "do_faccessat: mode beyond S_IRWXO", EINVAL, -100, S_TMPF, 8));
        r.add(row(FACCESSAT2, "do_faccessat: an unknown flag", EINVAL, -100, S_TMPF, 0, 4));
        r.add(row(FACCESSAT2, "user_path_at: AT_EMPTY_PATH on a bad descriptor", EBADF, 99, S_EMPTY, 0, 0x1000));
        r.add(row(STAT, "cp_new_stat: copy_to_user() faults", EFAULT, S_TMPF, UNMAPPED));
        r.add(row(LSTAT, "filename_lookup: no such file", ENOENT, S_NOENT, BUF));
        r.add(row(FSTAT, "vfs_fstat: fdget_raw() finds no file", EBADF, 99, BUF));
        r.add(row(FSTAT, "cp_new_stat: copy_to_user() faults", EFAULT, 1, UNMAPPED));
        r.add(row(NEWFSTATAT, "vfs_fstatat: an empty name without AT_EMPTY_PATH", ENOENT, -100, S_EMPTY, BUF, 0));
        r.add(row(NEWFSTATAT, "getname: strncpy_from_user() faults", EFAULT, -100, UNMAPPED, BUF, 0));
        r.add(row(NEWFSTATAT, "path_init: a relative name and a bad dirfd", EBADF, 99, S_REL, BUF, 0));
        r.add(row(FCNTL, "fcntl: fdget_raw() finds no file", EBADF, 99, 1, 0));
        r.add(row(FCNTL, "do_fcntl: an unknown command", EINVAL, 1, 0x7777, 0));
        r.add(row(FCNTL, "f_dupfd: from >= RLIMIT_NOFILE", EINVAL, 1, 0, 1 << 20));
        r.add(row(FCNTL, "memfd_add_seals: no FMODE_WRITE", EPERM, FD_RO, 1033, 1));
        r.add(row(FCNTL, "memfd_add_seals: a seal beyond F_ALL_SEALS", EINVAL, FD_WO, 1033, 0x40));
        r.add(row(FCNTL, "memfd_add_seals: a pipe has no seals", EINVAL, FD_PIPE_W, 1033, 1));
        r.add(row(FCNTL, "memfd_add_seals: a /tmp file is born F_SEAL_SEAL", EPERM, FD_WO, 1033, 2));
        r.add(row(FCNTL, "memfd_get_seals: a pipe has no seals", EINVAL, FD_PIPE_R, 1034, 0));
        // mm/memfd.c
        r.add(row(MEMFD_CREATE, "sanitize_flags: an unknown flag", EINVAL, S_TMPF, 0x100));
        r.add(row(MEMFD_CREATE, "sanitize_flags: MFD_EXEC with MFD_NOEXEC_SEAL", EINVAL, S_TMPF, 0x18));
        r.add(row(MEMFD_CREATE, "alloc_name: strncpy_from_user() faults", EFAULT, UNMAPPED, 0));
        r.add(row(MEMFD_CREATE, "alloc_name: a name longer than MFD_NAME_MAX_LEN", EINVAL, S_LONG, 0));
        r.add(row(MEMFD_CREATE, "sanitize_flags: huge page size bits without MFD_HUGETLB", EINVAL, S_TMPF, 21 << 26));
        r.add(row(MEMFD_CREATE, "hugetlb_file_setup: no hstate of 32 MiB", -Errno.ENODEV, S_TMPF, 0x4 | 25 << 26));
        r.add(row(DUP, "ksys_dup: fget_raw() finds no file", EBADF, 99));
        r.add(row(DUP2, "ksys_dup2: oldfd not open", EBADF, 99, 5));
        r.add(row(DUP2, "do_dup2: newfd >= RLIMIT_NOFILE", EBADF, 1, 1 << 20));
        r.add(row(DUP3, "ksys_dup3: flags other than O_CLOEXEC", EINVAL, 1, 5, 1));
        r.add(row(DUP3, "ksys_dup3: oldfd == newfd", EINVAL, 1, 1, 0));
        r.add(row(DUP3, "ksys_dup3: oldfd not open", EBADF, 99, 5, 0));
        r.add(row(IOCTL, "ksys_ioctl: fdget() finds no file", EBADF, 99, 0x5401));
        r.add(row(IOCTL, "vfs_ioctl: a tmpfs file is no terminal", -Errno.ENOTTY, FD_RO, 0x5401));
        r.add(row(IOCTL, "vfs_ioctl: the console is no terminal here", -Errno.ENOTTY, 1, 0x5413));
        r.add(row(PIPE, "do_pipe2: copy_to_user() of the fds faults", EFAULT, UNMAPPED));
        r.add(row(PIPE2, "do_pipe2: flags other than O_CLOEXEC, O_NONBLOCK, O_DIRECT", EINVAL, BUF, 1));
        r.add(row(PIPE2, "do_pipe2: copy_to_user() of the fds faults", EFAULT, UNMAPPED, 0));
        // net/socket.c, net/unix/af_unix.c (FD_PIPE_R stands for a file that is no socket)
        r.add(row(SOCKETPAIR, "__sys_socketpair: type flags other than SOCK_CLOEXEC, SOCK_NONBLOCK", EINVAL, 1, 0x1001, 0, BUF));
        r.add(row(SOCKETPAIR, "__sys_socketpair: put_user() of the fds, before the family", EFAULT, 200, 1, 0, UNMAPPED));
        r.add(row(SOCKETPAIR, "__sock_create: family >= NPROTO", -UnixSockets.EAFNOSUPPORT, 200, 1, 0, BUF));
        r.add(row(SOCKETPAIR, "__sock_create: type >= SOCK_MAX", EINVAL, 1, 11, 0, BUF));
        r.add(row(SOCKETPAIR, "sock_no_socketpair: AF_INET pairs nothing", -Errno.EOPNOTSUPP, 2, 1, 0, BUF));
        r.add(row(SOCKETPAIR, "unix_create: a protocol other than 0 or PF_UNIX", -UnixSockets.EPROTONOSUPPORT, 1, 1, 2, BUF));
        r.add(row(SOCKETPAIR, "unix_create: SOCK_RDM", -UnixSockets.ESOCKTNOSUPPORT, 1, 4, 0, BUF));
        r.add(row(SENDTO, "import_ubuf: access_ok() fails, before the descriptor", EFAULT, 99, 0x7fff_ffff_f000L, 0x2000, 0, 0, 0));
        r.add(row(SENDTO, "sockfd_lookup_light: no file", EBADF, 99, BUF, 1, 0, 0, 0));
        r.add(row(SENDTO, "sockfd_lookup_light: not a socket", -UnixSockets.ENOTSOCK, FD_PIPE_W, BUF, 1, 0, 0, 0));
        r.add(row(RECVFROM, "sockfd_lookup_light: no file", EBADF, 99, BUF, 1, 0, 0, 0));
        r.add(row(RECVFROM, "sockfd_lookup_light: not a socket", -UnixSockets.ENOTSOCK, FD_PIPE_R, BUF, 1, 0, 0, 0));
        r.add(row(SENDMSG, "sockfd_lookup_light: no file", EBADF, 99, BUF, 0));
        r.add(row(SENDMSG, "sockfd_lookup_light: not a socket", -UnixSockets.ENOTSOCK, FD_PIPE_W, BUF, 0));
        r.add(row(RECVMSG, "sockfd_lookup_light: no file", EBADF, 99, BUF, 0));
        r.add(row(RECVMSG, "sockfd_lookup_light: not a socket", -UnixSockets.ENOTSOCK, FD_PIPE_R, BUF, 0));
        r.add(row(SHUTDOWN, "sockfd_lookup_light: no file", EBADF, 99, 0));
        r.add(row(SHUTDOWN, "sockfd_lookup_light: not a socket", -UnixSockets.ENOTSOCK, FD_PIPE_R, 0));
        r.add(row(GETDENTS64, "getdents64: fdget_pos() finds no file", EBADF, 99, BUF, 4096));
        r.add(row(GETDENTS64, "iterate_dir: no iterate_shared (a regular file)", -Errno.ENOTDIR, FD_RO, BUF, 4096));
        r.add(row(GETDENTS64, "iterate_dir: no iterate_shared (a pipe)", -Errno.ENOTDIR, FD_PIPE_R, BUF, 4096));
        r.add(row(GETDENTS, "getdents: fdget_pos() finds no file", EBADF, 99, BUF, 4096));
        r.add(row(GETDENTS, "iterate_dir: no iterate_shared (a regular file)", -Errno.ENOTDIR, FD_RO, BUF, 4096));
        r.add(row(FSYNC, "do_fsync: fdget() finds no file", EBADF, 99));
        r.add(row(FSYNC, "vfs_fsync_range: a pipe has no fsync", EINVAL, FD_PIPE_R));
        r.add(row(FDATASYNC, "do_fsync: fdget() finds no file", EBADF, 99));
        r.add(row(TRUNCATE, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, 0));
        r.add(row(TRUNCATE, "do_sys_truncate: no such file", ENOENT, S_NOENT, 0));
        r.add(row(FTRUNCATE, "do_sys_ftruncate: fdget() finds no file", EBADF, 99, 0));
        r.add(row(FTRUNCATE, "do_sys_ftruncate: a negative length", EINVAL, FD_WO, -1));
        r.add(row(FTRUNCATE, "do_sys_ftruncate: not open for writing", EINVAL, FD_RO, 0));
        r.add(row(FALLOCATE, "ksys_fallocate: fdget() finds no file", EBADF, 99, 0, 0, 4096));
        r.add(row(FALLOCATE, "vfs_fallocate: a negative offset", EINVAL, FD_WO, 0, -1, 4096));
        r.add(row(FALLOCATE, "vfs_fallocate: a length of 0", EINVAL, FD_WO, 0, 0, 0));
        r.add(row(FALLOCATE, "vfs_fallocate: an unknown mode bit", -Errno.EOPNOTSUPP, FD_WO, 0x100, 0, 4096));
        r.add(row(FALLOCATE, "vfs_fallocate: PUNCH_HOLE without KEEP_SIZE", -Errno.EOPNOTSUPP, FD_WO, 2, 0, 4096));
        r.add(row(FALLOCATE, "vfs_fallocate: no FMODE_WRITE", EBADF, FD_RO, 0, 0, 4096));
        r.add(row(FALLOCATE, "vfs_fallocate: a pipe", ESPIPE, FD_PIPE_W, 0, 0, 4096));
        r.add(row(GETCWD, "getcwd: the buffer is shorter than \"/\"", -Errno.ERANGE, BUF, 1));
        r.add(row(GETCWD, "getcwd: copy_to_user() faults", EFAULT, UNMAPPED, 64));
        r.add(row(RMDIR, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED));
        r.add(row(RMDIR, "do_rmdir: no such directory", ENOENT, S_NOENT));
        r.add(row(UNLINK, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED));
        r.add(row(UNLINK, "do_unlinkat: no such file", ENOENT, S_NOENT));
        r.add(row(UNLINKAT, "unlinkat: flags other than AT_REMOVEDIR", EINVAL, -100, S_TMPF, 1));
        r.add(row(MKDIR, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, 0755));
        r.add(row(MKDIR, "getname: an empty name", ENOENT, S_EMPTY, 0755));
        r.add(row(MKDIR, "filename_create: the name exists", -Errno.EEXIST, S_TMPF, 0755));
        r.add(row(MKDIRAT, "filename_create: no such descriptor", EBADF, 99, S_REL, 0755));
        r.add(row(MKDIRAT, "filename_create: the descriptor is no directory", -Errno.ENOTDIR, FD_RO, S_REL, 0755));
        r.add(row(RENAME, "getname: the old name faults", EFAULT, UNMAPPED, S_REL));
        r.add(row(RENAME, "do_renameat2: the parents on two mounts, before the names are looked up", -Errno.EXDEV, S_NOENT,
                S_TMPF));
        r.add(row(RENAME, "do_renameat2: no such old name", ENOENT, S_NOENT, S_REL));
        r.add(row(RENAMEAT, "filename_parentat: no such descriptor", EBADF, 99, S_REL, -100, S_REL));
        r.add(row(RENAMEAT2, "do_renameat2: RENAME_EXCHANGE with RENAME_NOREPLACE", EINVAL, -100, S_TMPF, -100, S_REL, 3));
        r.add(row(RENAMEAT2, "do_renameat2: RENAME_NOREPLACE and the new name exists", -Errno.EEXIST, -100, S_TMPF, -100, S_TMPF,
                1));
        r.add(row(LINK, "getname: the old name faults", EFAULT, UNMAPPED, S_REL));
        r.add(row(LINK, "do_linkat: no such old name", ENOENT, S_NOENT, S_REL));
        r.add(row(LINK, "filename_create: the new name exists", -Errno.EEXIST, S_TMPF, S_TMPF));
        r.add(row(LINK, "do_linkat: the names on two mounts", -Errno.EXDEV, S_TMPF, S_NOENT));
        r.add(row(LINKAT, "do_linkat: flags other than AT_SYMLINK_FOLLOW and AT_EMPTY_PATH", EINVAL, -100, S_TMPF, -100, S_REL, 1));
        r.add(row(LINKAT, "do_linkat: AT_EMPTY_PATH on a descriptor that is not open", EBADF, 99, S_EMPTY, -100, S_REL, 0x1000));
        r.add(row(LINKAT, "do_linkat: AT_EMPTY_PATH of a /tmp file to a name of the root file system", -Errno.EXDEV, FD_RO,
                S_EMPTY, -100, S_REL, 0x1000));
        r.add(row(SYMLINK, "getname: the target faults", EFAULT, UNMAPPED, S_REL));
        r.add(row(SYMLINK, "getname: an empty target", ENOENT, S_EMPTY, S_REL));
        r.add(row(SYMLINK, "filename_create: the name exists", -Errno.EEXIST, S_REL, S_TMPF));
        r.add(row(SYMLINKAT, "filename_create: no such descriptor", EBADF, S_REL, 99, S_REL));
        r.add(row(READLINK, "do_readlinkat: bufsiz <= 0, before the name", EINVAL, UNMAPPED, BUF, 0));
        r.add(row(READLINK, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, BUF, 64));
        r.add(row(READLINK, "do_readlinkat: no such file", ENOENT, S_NOENT, BUF, 64));
        r.add(row(READLINK, "do_readlinkat: not a symbolic link", EINVAL, S_TMPF, BUF, 64));
        r.add(row(READLINKAT, "do_readlinkat: an empty name on a dirfd that is no file", EBADF, 99, S_EMPTY, BUF, 64));
        r.add(row(CHMOD, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, 0600));
        r.add(row(CHMOD, "do_fchmodat: no such file", ENOENT, S_NOENT, 0600));
        r.add(row(FCHMODAT, "getname: strncpy_from_user() faults", EFAULT, -100, UNMAPPED, 0600));
        r.add(row(FCHMOD, "fchmod: fdget() finds no file", EBADF, 99, 0600));
        // mm/
        r.add(row(MMAP, "ksys_mmap_pgoff (x86 sys_mmap): an offset not page aligned", EINVAL, 0, 4096, RW, 0x02, 3, 100));
        r.add(row(MMAP, "do_mmap: length 0", EINVAL, 0, 0, RW, ANON, -1, 0));
        r.add(row(MMAP, "ksys_mmap_pgoff: a bad descriptor before the length", EBADF, 0, 0, RW, 0x02, 99, 0));
        r.add(row(MMAP, "do_mmap: neither MAP_SHARED nor MAP_PRIVATE", EINVAL, 0, 4096, RW, 0x20, -1, 0));
        r.add(row(h -> h.syscall(SETUID, 1000), MMAP, "security_mmap_addr: MAP_FIXED below mmap_min_addr without CAP_SYS_RAWIO",
                EPERM, 0, 4096, RW, ANON | 0x10, -1, 0));
        r.add(row(MMAP, "do_mmap: a length that overflows PAGE_ALIGN", ENOMEM, 0, -4096, RW, ANON, -1, 0));
        r.add(row(MMAP, "do_mmap: PROT_WRITE of a file opened read-only, shared", -Errno.EACCES, 0, 4096, RW, 0x01, FD_RO, 0));
        r.add(row(h -> h.mm().mdwe = 1, MMAP, "mmap_region: map_deny_write_exec() of a writable executable mapping",
                -Errno.EACCES, 0, 4096, 7, ANON, -1, 0));
        r.add(row(h -> h.mm().mdwe = 1, MPROTECT, "do_mprotect_pkey: map_deny_write_exec() of an exec gain", -Errno.EACCES,
                BUF, 4096, 5));
        r.add(row(MMAP, "do_mmap: MAP_DROPPABLE of a file", EINVAL, 0, 4096, 1, 0x08, FD_RO, 0));
        r.add(row(MMAP, "do_mmap: MAP_DROPPABLE with MAP_LOCKED", EINVAL, 0, 4096, RW, 0x2028, -1, 0));
        r.add(row(MMAP, "do_mmap: MAP_DROPPABLE with MAP_GROWSDOWN", EINVAL, 0, 4096, RW, 0x128, -1, 0));
        r.add(row(MMAP, "do_mmap: MAP_SHARED_VALIDATE with MAP_SYNC on a file without FOP_MMAP_SYNC", -95, 0, 4096, 1,
                0x80003, FD_RO, 0));
        r.add(row(h -> h.syscall(MMAP, 0x2_0000_0000L, 4096, RW, 0x38, -1, 0), MADVISE,
                "madvise_vma_behavior: MADV_KEEPONFORK on a VM_DROPPABLE VMA", EINVAL, 0x2_0000_0000L, 4096, 19));
        r.add(row(MPROTECT, "do_mprotect_pkey: start not page aligned", EINVAL, BUF_ODD, 4096, 1));
        r.add(row(MPROTECT, "do_mprotect_pkey: unknown prot bits", EINVAL, BUF, 4096, 0x100));
        r.add(row(MPROTECT, "do_mprotect_pkey: no VMA at start", ENOMEM, UNMAPPED, 4096, 1));
        r.add(row(MUNMAP, "__do_munmap: length 0", EINVAL, BUF, 0));
        r.add(row(MUNMAP, "__do_munmap: an unaligned address", EINVAL, BUF_ODD, 4096));
        r.add(row(MREMAP, "do_mremap: addr not page aligned", EINVAL, BUF_ODD, 4096, 8192, 1, 0));
        r.add(row(MREMAP, "do_mremap: new_len 0", EINVAL, BUF, 4096, 0, 1, 0));
        r.add(row(MREMAP, "do_mremap: unknown flags", EINVAL, BUF, 4096, 8192, 0x80, 0));
        r.add(row(MREMAP, "do_mremap: MREMAP_FIXED without MREMAP_MAYMOVE", EINVAL, BUF, 4096, 8192, 2, 0x4000_0000));
        r.add(row(MREMAP, "vma_to_resize: no VMA at addr", -Errno.EFAULT, UNMAPPED, 4096, 8192, 1, 0));
        r.add(row(MSYNC, "msync: unknown flags", EINVAL, BUF, 4096, 8));
        r.add(row(MSYNC, "msync: start not page aligned", EINVAL, BUF_ODD, 4096, 1));
        r.add(row(MSYNC, "msync: MS_ASYNC and MS_SYNC", EINVAL, BUF, 4096, 5));
        r.add(row(MSYNC, "msync: part of the range unmapped", ENOMEM, UNMAPPED, 4096, 4));
        r.add(row(MINCORE, "do_mincore: start not page aligned", EINVAL, BUF_ODD, 4096, BUF));
        r.add(row(MINCORE, "do_mincore: no VMA at start", ENOMEM, UNMAPPED, 4096, BUF));
        r.add(row(MINCORE, "mincore: copy_to_user() of the vector faults", EFAULT, BUF, 4096, UNMAPPED));
        r.add(row(MADVISE, "madvise_should_skip: start not page aligned", EINVAL, BUF_ODD, 4096, 4));
        r.add(row(MADVISE, "madvise_valid_behavior: an unknown advice", EINVAL, BUF, 4096, 999));
        r.add(row(MADVISE, "madvise_walk_vmas: part of the range unmapped", ENOMEM, UNMAPPED, 4096, 4));
        r.add(row(h -> h.syscall(MMAP, 0x2_0000_0000L, 2L << 20, RW, 0x32, -1, 0), MADVISE,
                "madvise_collapse: no page table in the 2 MiB (SCAN_PMD_NULL)", EINVAL, 0x2_0000_0000L, 2L << 20, 25));
        r.add(row(MMAP, "ksys_mmap_pgoff: MAP_HUGETLB of a file not on hugetlbfs", EINVAL, 0, 4096, 1, 0x40002, FD_RO, 0));
        r.add(row(MMAP, "ksys_mmap_pgoff: MAP_HUGETLB of an unknown size (hstate_sizelog())", EINVAL, 0, 2L << 20, RW,
                ANON | 0x40000 | 25 << 26, -1, 0));
        r.add(row(MMAP, "hugetlb_reserve_pages: MAP_HUGETLB with no free huge page", ENOMEM, 0, 2L << 20, RW,
                ANON | 0x40000, -1, 0));
        // mm/mlock.c (the fixture is root with CAP_IPC_LOCK; setuid(1000) drops it)
        r.add(row(MLOCK, "apply_vma_lock_flags: no VMA at start", ENOMEM, UNMAPPED, 4096));
        r.add(row(MLOCK, "apply_vma_lock_flags: a hole after the first VMA", ENOMEM, BUF, 0x10_0000));
        r.add(row(h -> setMemlock(h, 0), MLOCK, "can_do_mlock: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK", EPERM, BUF, 4096));
        r.add(row(h -> setMemlock(h, 4096), MLOCK, "do_mlock: two pages above a one-page RLIMIT_MEMLOCK", ENOMEM, BUF, 8192));
        r.add(row(MLOCK2, "mlock2: flags beyond MLOCK_ONFAULT", EINVAL, BUF, 4096, 2));
        r.add(row(h -> setMemlock(h, 0), MLOCK2, "can_do_mlock: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK", EPERM, BUF, 4096, 1));
        r.add(row(MUNLOCK, "apply_vma_lock_flags: start + len wraps", EINVAL, BUF, -4096));
        r.add(row(MUNLOCK, "apply_vma_lock_flags: no VMA at start", ENOMEM, UNMAPPED, 4096));
        r.add(row(MLOCKALL, "mlockall: no flags", EINVAL, 0));
        r.add(row(MLOCKALL, "mlockall: MCL_ONFAULT alone", EINVAL, 4));
        r.add(row(MLOCKALL, "mlockall: an unknown flag", EINVAL, 8));
        r.add(row(h -> setMemlock(h, 0), MLOCKALL, "can_do_mlock: RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK", EPERM, 2));
        r.add(row(h -> setMemlock(h, 4096), MLOCKALL, "mlockall: total_vm above RLIMIT_MEMLOCK with MCL_CURRENT", ENOMEM, 1));
        // mm/mseal.c
        r.add(row(MSEAL, "can_do_mseal: flags", EINVAL, BUF, 4096, 1));
        r.add(row(MSEAL, "do_mseal: start not page aligned", EINVAL, BUF_ODD, 4096, 0));
        r.add(row(MSEAL, "do_mseal: start + len wraps", EINVAL, BUF, -8192, 0));
        r.add(row(MSEAL, "check_mm_seal: no VMA at start", ENOMEM, UNMAPPED, 4096, 0));
        // kernel/signal.c, arch/x86/kernel/process_64.c
        r.add(row(RT_SIGACTION, "do_sigaction: a new action for SIGKILL", EINVAL, 9, BUF, 0, 8));
        r.add(row(RT_SIGACTION, "do_sigaction: a new action for SIGSTOP", EINVAL, 19, BUF, 0, 8));
        r.add(row(RT_SIGACTION, "do_sigaction: SIGKILL's action may be read", 0, 9, 0, BUF, 8));
        r.add(row(RT_SIGACTION, "do_sigaction: !valid_signal(65)", EINVAL, 65, 0, BUF, 8));
        r.add(row(RT_SIGACTION, "do_sigaction: signal 0", EINVAL, 0, 0, BUF, 8));
        r.add(row(RT_SIGACTION, "rt_sigaction: sigsetsize != sizeof(sigset_t)", EINVAL, 10, 0, BUF, 4));
        r.add(row(RT_SIGACTION, "rt_sigaction: the action copied in before the number is checked", EFAULT, 65, UNMAPPED, 0, 8));
        r.add(row(RT_SIGACTION, "rt_sigaction: copy_to_user() of the old action", EFAULT, 10, 0, UNMAPPED, 8));
        r.add(row(RT_SIGPROCMASK, "sigprocmask: an unknown how", EINVAL, 3, BUF, 0, 8));
        r.add(row(RT_SIGPROCMASK, "rt_sigprocmask: sigsetsize != sizeof(sigset_t)", EINVAL, 0, BUF, 0, 4));
        r.add(row(RT_SIGPROCMASK, "rt_sigprocmask: copy_from_user() of the set", EFAULT, 0, UNMAPPED, 0, 8));
        r.add(row(RT_SIGPROCMASK, "rt_sigprocmask: copy_to_user() of the old set", EFAULT, 0, 0, UNMAPPED, 8));
        r.add(row(KILL, "check_kill_permission: !valid_signal(65)", EINVAL, SELF, 65));
        r.add(row(KILL, "kill_proc_info: no such process, whatever the signal", ESRCH, 4000, 65));
        r.add(row(KILL, "kill_proc_info: no such process", ESRCH, 4000, 0));
        r.add(row(KILL, "kill_something_info: pid INT_MIN", ESRCH, Integer.MIN_VALUE, 0));
        r.add(row(KILL, "kill_something_info: -1 with no other process", ESRCH, -1, 0));
        r.add(row(TKILL, "tkill: pid <= 0", EINVAL, 0, 0));
        r.add(row(TKILL, "do_send_specific: no such thread, whatever the signal", ESRCH, 4000, 65));
        r.add(row(TKILL, "check_kill_permission: !valid_signal(65)", EINVAL, SELF, 65));
        r.add(row(TGKILL, "tgkill: tgid <= 0", EINVAL, 0, SELF, 0));
        r.add(row(TGKILL, "do_send_specific: the thread is not in that group", ESRCH, 4000, SELF, 0));
        r.add(row(TGKILL, "check_kill_permission: !valid_signal(-1)", EINVAL, SELF, SELF, -1));
        r.add(row(SIGALTSTACK, "sigaltstack: copy_from_user() of the new stack faults", EFAULT, UNMAPPED, 0));
        r.add(row(SIGALTSTACK, "do_sigaltstack: ss_size 0 is below MINSIGSTKSZ", ENOMEM, BUF, 0));
        r.add(row(SIGALTSTACK, "sigaltstack: copy_to_user() of the old stack faults", EFAULT, 0, UNMAPPED));
        r.add(row(h -> h.task().pending |= Signo.sigmask(Signo.SIGCHLD), PAUSE,
                "pause: a signal is pending (ERESTARTNOHAND: EINTR once its handler runs)", -Errno.ERESTARTNOHAND));
        r.add(row(RT_SIGSUSPEND, "rt_sigsuspend: sigsetsize is not sizeof(sigset_t)", EINVAL, BUF, 4));
        r.add(row(RT_SIGSUSPEND, "rt_sigsuspend: copy_from_user() of the mask faults", EFAULT, UNMAPPED, 8));
        // fs/select.c
        r.add(row(POLL, "do_sys_poll: nfds above rlimit(RLIMIT_NOFILE)", EINVAL, BUF, 1025, 0));
        r.add(row(POLL, "do_sys_poll: copy_from_user() of the pollfds faults", EFAULT, UNMAPPED, 1, 0));
        r.add(row(PPOLL, "ppoll: get_timespec64() faults", EFAULT, BUF, 0, UNMAPPED, 0, 8));
        r.add(row(PPOLL, "set_user_sigmask: sigsetsize is not sizeof(sigset_t)", EINVAL, BUF, 0, 0, BUF, 4));
        r.add(row(PPOLL, "set_user_sigmask: copy_from_user() of the mask faults", EFAULT, BUF, 0, 0, UNMAPPED, 8));
        r.add(row(SELECT, "core_sys_select: n < 0", EINVAL, -1, 0, 0, 0, BUF));
        r.add(row(SELECT, "kern_select: copy_from_user() of the timeval faults", EFAULT, 1, 0, 0, 0, UNMAPPED));
        r.add(row(SELECT, "get_fd_set: copy_from_user() of the read set faults", EFAULT, 1, UNMAPPED, 0, 0, BUF));
        r.add(row(PSELECT6, "get_sigset_argpack: the {sigset, size} pair faults", EFAULT, 1, 0, 0, 0, BUF, UNMAPPED));
        r.add(row(ARCH_PRCTL, "do_arch_prctl_64: an FS base past TASK_SIZE_MAX", EPERM, 0x1002, -4096L));
        r.add(row(ARCH_PRCTL, "do_arch_prctl_64: a GS base past TASK_SIZE_MAX", EPERM, 0x1001, 1L << 47));
        r.add(row(ARCH_PRCTL, "do_arch_prctl_64: an unknown option", EINVAL, 0x1005, 0));
        r.add(row(ARCH_PRCTL, "do_arch_prctl_64: put_user() of ARCH_GET_FS faults", EFAULT, 0x1003, UNMAPPED));
        r.add(row(ARCH_PRCTL, "do_arch_prctl_64: put_user() of ARCH_GET_GS faults", EFAULT, 0x1004, UNMAPPED));
        r.add(row(TIME, "sys_time: put_user() of the seconds faults", EFAULT, UNMAPPED));
        r.add(row(TIMES, "sys_times: copy_to_user() of struct tms faults", EFAULT, UNMAPPED));
        r.add(row(SYSINFO, "sysinfo: copy_to_user() of struct sysinfo faults", EFAULT, UNMAPPED));
        // mm/mempolicy.c
        r.add(row(SET_MEMPOLICY, "sanitize_mpol_flags: mode >= MPOL_MAX", EINVAL, 7, BUF, 64));
        r.add(row(SET_MEMPOLICY, "sanitize_mpol_flags: STATIC and RELATIVE together", EINVAL, 2 | 0xc000, BUF, 64));
        r.add(row(SET_MEMPOLICY, "get_nodes: maxnode beyond a page of bits", EINVAL, 2, BUF, 40000));
        r.add(row(SET_MEMPOLICY, "get_bitmap: the mask faults", EFAULT, 2, UNMAPPED, 64));
        r.add(row(SET_MEMPOLICY, "mpol_new: BIND with an empty mask", EINVAL, 2, 0, 0));
        r.add(row(GET_MEMPOLICY, "kernel_get_mempolicy: maxnode below nr_node_ids", EINVAL, 0, BUF, 0, 0, 0));
        r.add(row(GET_MEMPOLICY, "do_get_mempolicy: unknown flags", EINVAL, 0, 0, 0, 0, 8));
        r.add(row(GET_MEMPOLICY, "do_get_mempolicy: MPOL_F_ADDR on no VMA", EFAULT, 0, 0, 0, UNMAPPED, 2));
        r.add(row(GET_MEMPOLICY, "do_get_mempolicy: addr without MPOL_F_ADDR", EINVAL, 0, 0, 0, BUF, 0));
        r.add(row(GET_MEMPOLICY, "do_get_mempolicy: MPOL_F_NODE without an interleave policy", EINVAL, BUF, 0, 0, 0, 1));
        r.add(row(GET_MEMPOLICY, "kernel_get_mempolicy: put_user() of the mode faults", EFAULT, UNMAPPED, 0, 0, 0, 0));
        r.add(row(MBIND, "do_mbind: unknown flags", EINVAL, BUF, 4096, 0, 0, 0, 8));
        r.add(row(h -> h.syscall(SETUID, 1000), MBIND, "do_mbind: MPOL_MF_MOVE_ALL without CAP_SYS_NICE", EPERM, BUF, 4096,
                0, 0, 0, 4));
        r.add(row(MBIND, "do_mbind: start not page aligned", EINVAL, BUF_ODD, 4096, 0, 0, 0, 0));
        r.add(row(MBIND, "queue_pages_range: the whole range in a hole", EFAULT, UNMAPPED, 4096, 0, 0, 0, 0));
        // kernel/sched/membarrier.c, kernel/rseq.c
        r.add(row(MEMBARRIER, "sys_membarrier: flags on a command other than PRIVATE_EXPEDITED_RSEQ", EINVAL, 8, 1, 0));
        r.add(row(MEMBARRIER, "sys_membarrier: an unknown command", EINVAL, 3, 0, 0));
        r.add(row(MEMBARRIER, "membarrier_private_expedited: not registered", EPERM, 8, 0, 0));
        r.add(row(MEMBARRIER, "membarrier_private_expedited: RSEQ not registered", EPERM, 128, 1, 0));
        r.add(row(RSEQ, "sys_rseq: unknown flags", EINVAL, BUF, 32, 2, 0));
        r.add(row(RSEQ, "sys_rseq: rseq_len below ORIG_RSEQ_SIZE", EINVAL, BUF, 16, 0, 0));
        r.add(row(RSEQ, "sys_rseq: an area not aligned to 32", EINVAL, BUF_ODD, 32, 0, 0));
        r.add(row(RSEQ, "sys_rseq: unregister with nothing registered", EINVAL, BUF, 32, 1, 0));
        r.add(row(RSEQ, "rseq_get_rseq_cs_ptr_val: the area faults", EFAULT, UNMAPPED, 32, 0, 0));
        r.add(row(SyscallErrnoTest::registerRseq, RSEQ, "sys_rseq: registered again", -Errno.EBUSY,
                0x2_0000_0000L, 32, 0, 7));
        r.add(row(SyscallErrnoTest::registerRseq, RSEQ, "sys_rseq: registered again, another signature",
                EPERM, 0x2_0000_0000L, 32, 0, 8));
        r.add(row(SyscallErrnoTest::registerRseq, RSEQ, "sys_rseq: unregister with another signature",
                EPERM, 0x2_0000_0000L, 32, 1, 8));
        // kernel/sys.c process groups and sessions
        r.add(row(SETPGID, "setpgid: pgid < 0", EINVAL, 0, -1));
        r.add(row(SETPGID, "setpgid: find_task_by_vpid() finds no task", ESRCH, 4000, 0));
        r.add(row(SETPGID, "setpgid: no process group pgid in the session", EPERM, 0, 4000));
        r.add(row(h -> h.syscall(SETSID), SETPGID, "setpgid: p->signal->leader (a session leader)", EPERM, 0, 0));
        r.add(row(GETPGID, "do_getpgid: find_task_by_vpid() finds no task", ESRCH, 4000));
        r.add(row(GETSID, "getsid: find_task_by_vpid() finds no task", ESRCH, 4000));
        r.add(row(h -> h.syscall(SETSID), SETSID, "ksys_setsid: already a session leader", EPERM));
        // kernel/sys.c prctl()
        r.add(row(PRCTL, "sys_prctl: an unknown option", EINVAL, 1000, 0, 0, 0, 0));
        r.add(row(PRCTL, "PR_SET_NAME: strncpy_from_user() faults", EFAULT, 15, UNMAPPED, 0, 0, 0));
        r.add(row(PRCTL, "PR_GET_NAME: copy_to_user() faults", EFAULT, 16, UNMAPPED, 0, 0, 0));
        r.add(row(PRCTL, "prctl_set_mdwe: an unknown bit", EINVAL, 65, 4, 0, 0, 0));
        r.add(row(PRCTL, "prctl_set_mdwe: NO_INHERIT without REFUSE_EXEC_GAIN", EINVAL, 65, 2, 0, 0, 0));
        r.add(row(PRCTL, "prctl_set_mdwe: arg3 not 0", EINVAL, 65, 1, 1, 0, 0));
        r.add(row(h -> h.mm().mdwe = 1, PRCTL, "prctl_set_mdwe: set bits cannot be cleared", EPERM, 65, 0, 0, 0, 0));
        r.add(row(PRCTL, "prctl_get_mdwe: arg2 not 0", EINVAL, 66, 1, 0, 0, 0));
        r.add(row(PRCTL, "prctl_set_vma without CONFIG_ANON_VMA_NAME", EINVAL, 0x53564d41, 0, BUF, 4096, S_HELLO));
        // kernel/fork.c, kernel/exit.c, fs/exec.c, kernel/futex/
        r.add(row(WAIT4, "do_wait: no child", -Errno.ECHILD, -1, 0, 0, 0));
        r.add(row(WAIT4, "kernel_wait4: unknown options", EINVAL, -1, 0, 0x1000, 0));
        r.add(row(CLONE, "copy_process: CLONE_THREAD without CLONE_SIGHAND", EINVAL, 0x10100, 0, 0, 0, 0));
        r.add(row(CLONE, "copy_process: CLONE_SIGHAND without CLONE_VM", EINVAL, 0x10800, 0, 0, 0, 0));
        r.add(row(CLONE, "do_arch_prctl_64 via copy_thread: CLONE_SETTLS past TASK_SIZE_MAX", EPERM, 0x90f00, 0, 0, 0,
                -4096L));
        r.add(row(CLONE3, "copy_clone_args_from_user: usize > PAGE_SIZE, before reading", -Errno.E2BIG, UNMAPPED, 4097));
        r.add(row(CLONE3, "copy_clone_args_from_user: usize < CLONE_ARGS_SIZE_VER0", EINVAL, BUF, 63));
        r.add(row(CLONE3, "copy_struct_from_user: the args fault", EFAULT, UNMAPPED, 88));
        r.add(row(cloneArgs(0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 1L << 16), CLONE3,
                "copy_struct_from_user: a non-zero byte past struct clone_args", -Errno.E2BIG, CLONE_ARGS_AT, 96));
        r.add(row(cloneArgs(0, 0, 0, 0, 17, 0, 0, 0, 1, 33), CLONE3,
                "copy_clone_args_from_user: set_tid_size > MAX_PID_NS_LEVEL", EINVAL, CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(0, 0, 0, 0, 17, 0, 0, 0, 0, 1), CLONE3, "copy_clone_args_from_user: set_tid_size without set_tid",
                EINVAL, CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(0, 0, 0, 0, 65), CLONE3, "copy_clone_args_from_user: exit_signal not valid_signal()", EINVAL,
                CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(17, 0, 0, 0, 17), CLONE3, "clone3_args_valid: CSIGNAL bits in flags", EINVAL, CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(1L << 40, 0, 0, 0, 17), CLONE3, "clone3_args_valid: an unknown flag", EINVAL, CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(0x1_0000_0900L, 0, 0, 0, 17), CLONE3, "clone3_args_valid: CLONE_SIGHAND with CLONE_CLEAR_SIGHAND",
                EINVAL, CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(0x10900, 0, 0, 0, 17), CLONE3, "clone3_args_valid: CLONE_THREAD with an exit signal", EINVAL,
                CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(0, 0, 0, 0, 17, CLONE_ARGS_AT, 0), CLONE3, "clone3_stack_valid: a stack without a size",
                EINVAL, CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(0, 0, 0, 0, 17, 0x7fff_ffff_e000L, 0x2000 + 0x1000), CLONE3,
                "clone3_stack_valid: access_ok() of a stack past TASK_SIZE_MAX", EINVAL, CLONE_ARGS_AT, 88));
        r.add(row(cloneArgs(0x800, 0, 0, 0, 17), CLONE3, "copy_process: CLONE_SIGHAND without CLONE_VM", EINVAL,
                CLONE_ARGS_AT, 88));
        r.add(row(h -> setNproc(h), FORK, "copy_process: RLIMIT_NPROC reached (uid 1000)", -Errno.EAGAIN));
        r.add(row(h -> setNproc(h), VFORK, "copy_process: RLIMIT_NPROC reached (uid 1000)", -Errno.EAGAIN));
        r.add(row(EXECVE, "getname: strncpy_from_user() faults", EFAULT, UNMAPPED, 0, 0));
        r.add(row(EXECVE, "do_open_execat: no such file", ENOENT, S_NOENT, 0, 0));
        r.add(row(EXECVE, "get_user_arg_ptr: argv unreadable", EFAULT, S_HELLO, UNMAPPED, 0));
        r.add(row(EXECVE, "do_open_execat: a tmpfs file is not executable", -Errno.EACCES, S_TMPF, 0, 0));
        r.add(row(SET_ROBUST_LIST, "set_robust_list: len != sizeof(*head)", EINVAL, BUF, 23));
        r.add(row(FUTEX, "get_futex_key: uaddr not 4-byte aligned", EINVAL, BUF_ODD, 0x80 | 1, 1, 0, 0, 0));
        r.add(row(FUTEX, "do_futex: an unknown op", -Errno.ENOSYS, BUF, 0x80 | 99, 0, 0, 0, 0));
        r.add(row(FUTEX, "futex_wait_setup: the word differs from val", -Errno.EAGAIN, BUF, 0x80, 1, 0, 0, 0));
        r.add(row(FUTEX, "get_futex_key: a shared word that is not mapped", EFAULT, UNMAPPED, 1, 1, 0, 0, 0));
        r.add(row(FUTEX, "futex_wait_setup: get_futex_value_locked() faults", EFAULT, UNMAPPED, 0x80, 0, 0, 0, 0));
        r.add(row(FUTEX, "futex_cmd_has_timeout: FUTEX_CLOCK_REALTIME on FUTEX_WAKE", -Errno.ENOSYS, BUF, 0x181, 1, 0, 0, 0));
        r.add(row(FUTEX, "do_futex: FUTEX_WAIT_BITSET with a bitset of 0", EINVAL, BUF, 0x89, 0, 0, 0, 0));
        // kernel/sys.c, kernel/time/, kernel/capability.c
        r.add(row(UNAME, "newuname: copy_to_user() faults", EFAULT, UNMAPPED));
        r.add(row(GETCPU, "getcpu: put_user(cpu) faults", EFAULT, UNMAPPED, 0));
        r.add(row(GETCPU, "getcpu: put_user(node) faults", EFAULT, BUF, UNMAPPED));
        r.add(row(GETRUSAGE, "getrusage: an unknown who", EINVAL, 5, BUF));
        r.add(row(GETRUSAGE, "getrusage: copy_to_user() faults", EFAULT, 0, UNMAPPED));
        r.add(row(GETRLIMIT, "do_prlimit: resource >= RLIM_NLIMITS", EINVAL, 99, BUF));
        r.add(row(GETRLIMIT, "getrlimit: copy_to_user() faults", EFAULT, 0, UNMAPPED));
        r.add(row(SETRLIMIT, "setrlimit: copy_from_user() faults", EFAULT, 0, UNMAPPED));
        r.add(row(SETRLIMIT, "do_prlimit: resource >= RLIM_NLIMITS", EINVAL, 99, BUF));
        r.add(row(SETRLIMIT, "do_prlimit: rlim_cur > rlim_max", EINVAL, 0, BUF_CUR_GT_MAX));
        r.add(row(PRLIMIT64, "prlimit64: no such process", ESRCH, 4000, 0, 0, BUF));
        r.add(row(PRLIMIT64, "do_prlimit: resource >= RLIM_NLIMITS", EINVAL, 0, 99, 0, BUF));
        r.add(row(SETUID, "__sys_setuid: uid -1 is invalid", EINVAL, -1));
        r.add(row(h -> h.syscall(SETUID, 1000), SETUID, "__sys_setuid: without CAP_SETUID, another uid", EPERM, 0));
        r.add(row(h -> h.syscall(SETUID, 1000), SETRESUID, "__sys_setresuid: without CAP_SETUID, another uid", EPERM, 0, 0, 0));
        r.add(row(GETRESUID, "getresuid: put_user() faults", EFAULT, UNMAPPED, BUF, BUF));
        r.add(row(CAPGET, "cap_validate_magic: get_user() of the header faults", EFAULT, UNMAPPED, BUF));
        r.add(row(CAPSET, "cap_validate_magic: get_user() of the header faults", EFAULT, UNMAPPED, BUF));
        r.add(row(GETTIMEOFDAY, "gettimeofday: put_user() of tv faults", EFAULT, UNMAPPED, 0));
        r.add(row(GETTIMEOFDAY, "gettimeofday: copy_to_user() of tz faults", EFAULT, 0, UNMAPPED));
        r.add(row(CLOCK_GETTIME, "clockid_to_kclock: clock 12 names nothing", EINVAL, 12, BUF));
        r.add(row(CLOCK_GETTIME, "clockid_to_kclock: the alarm clocks need an RTC", EINVAL, 8, BUF));
        r.add(row(CLOCK_GETTIME, "put_timespec64: copy_to_user() faults", EFAULT, 1, UNMAPPED));
        r.add(row(CLOCK_GETTIME, "pid_for_clock: a CPU clock of no process", EINVAL, ~(4000 << 3), BUF));
        r.add(row(CLOCK_GETRES, "clockid_to_kclock: clock 12 names nothing", EINVAL, 12, BUF));
        r.add(row(CLOCK_GETRES, "put_timespec64: copy_to_user() faults", EFAULT, 1, UNMAPPED));
        r.add(row(GETRANDOM, "sys_getrandom: a flag beyond NONBLOCK|RANDOM|INSECURE", EINVAL, BUF, 16, 8));
        r.add(row(GETRANDOM, "sys_getrandom: GRND_INSECURE with GRND_RANDOM", EINVAL, BUF, 16, 6));
        r.add(row(GETRANDOM, "get_random_bytes_user: nothing copied before the fault", EFAULT, UNMAPPED, 16, 0));
        // mm/mprotect.c: protection keys on a CPU without PKU (arch_max_pkey() 1, no OSPKE)
        r.add(row(PKEY_ALLOC, "pkey_alloc: flags", EINVAL, 1, 0));
        r.add(row(PKEY_ALLOC, "pkey_alloc: init_val beyond PKEY_ACCESS_MASK", EINVAL, 0, 4));
        r.add(row(PKEY_ALLOC, "arch_set_user_pkey_access: no OSPKE (key 0 taken for good)", EINVAL, 0, 0));
        r.add(row(h -> h.syscall(PKEY_ALLOC, 0, 0), PKEY_ALLOC, "mm_pkey_alloc: all arch_max_pkey() keys taken", -Errno.ENOSPC, 0, 0));
        r.add(row(PKEY_FREE, "mm_pkey_free: key 0 is the execute-only key", EINVAL, 0));
        r.add(row(PKEY_FREE, "mm_pkey_free: beyond arch_max_pkey()", EINVAL, 1));
        r.add(row(PKEY_MPROTECT, "do_mprotect_pkey: an unaligned start, before the key", EINVAL, BUF_ODD, 4096, 1, 5));
        r.add(row(PKEY_MPROTECT, "do_mprotect_pkey: the key was not allocated", EINVAL, BUF, 4096, 1, 0));
        r.add(row(PKEY_MPROTECT, "do_mprotect_pkey: nothing mapped there (key -1)", -Errno.ENOMEM, UNMAPPED, 4096, 1, -1));
        // fs/userfaultfd.c (as root: CAP_SYS_PTRACE, so no EPERM; the guest sys-userfaultfd drops it)
        r.add(row(USERFAULTFD, "new_userfaultfd: a flag beyond O_CLOEXEC, O_NONBLOCK and UFFD_USER_MODE_ONLY", EINVAL, 2));
        r.add(row(USERFAULTFD, "new_userfaultfd: O_RDWR is no userfaultfd flag", EINVAL, 2 | 0x800));
        // mm/secretmem.c, mm/process_vm_access.c
        r.add(row(MEMFD_SECRET, "memfd_secret: a flag beyond O_CLOEXEC", EINVAL, 1));
        r.add(row(MEMFD_SECRET, "memfd_secret: O_NONBLOCK is no secretmem flag", EINVAL, 0x800));
        r.add(row(PROCESS_VM_READV, "process_vm_rw: flags", EINVAL, SELF, BUF, 1, BUF, 1, 1));
        r.add(row(PROCESS_VM_READV, "import_iovec: more than UIO_MAXIOV", EINVAL, SELF, BUF, 1025, BUF, 1, 0));
        r.add(row(PROCESS_VM_READV, "import_iovec: the local iovecs cannot be read", EFAULT, SELF, UNMAPPED, 1, BUF, 1, 0));
        r.add(row(PROCESS_VM_WRITEV, "a local iovec of length 0: nothing to copy, 0 before the pid", 0, 4000, BUF, 1, BUF, 1, 0));
        r.add(row(h -> {
            long at = 0x3_0000_0000L;
            h.syscall(MMAP, at, 4096, RW, 0x32, -1, 0);
            h.writeLong(at, at + 0x800); // {base, 16} twice: a local and a remote iovec
            h.writeLong(at + 8, 16);
        }, PROCESS_VM_READV, "find_get_task_by_vpid: no such process", ESRCH, 4000, 0x3_0000_0000L, 1, 0x3_0000_0000L, 1, 0));
        r.add(row(h -> {
            long at = 0x3_0000_0000L;
            h.syscall(MMAP, at, 4096, RW, 0x32, -1, 0);
            h.writeLong(at, at + 0x800);
            h.writeLong(at + 8, 16);
            h.writeLong(at + 16, 0x10_0000); // a remote iovec nothing maps
            h.writeLong(at + 24, 16);
        }, PROCESS_VM_WRITEV, "process_vm_rw_single_vec: pin_user_pages_remote() pins nothing", EFAULT, SELF,
                0x3_0000_0000L, 1, 0x3_0000_0010L, 1, 0));
        // kernel/ptrace.c
        r.add(row(PTRACE, "ptrace_attach: the caller's own thread group", EPERM, 16, SELF, 0, 0));
        r.add(row(PTRACE, "find_get_task_by_vpid: no such pid", ESRCH, 16, 4000, 0, 0));
        r.add(row(PTRACE, "find_get_task_by_vpid: pid 0", ESRCH, 2, 0, 0, 0));
        r.add(row(PTRACE, "ptrace_check_attach: not traced by the caller", ESRCH, 2, SELF, BUF, BUF));
        r.add(row(PTRACE, "ptrace_check_attach before the request: an unknown request on an untraced task", ESRCH, 0x4242, SELF, 0, 0));
        r.add(row(PTRACE, "ptrace_check_attach before the iovec: PTRACE_GETREGSET NT_X86_XSTATE on an untraced task", ESRCH,
                0x4204, SELF, 0x202, UNMAPPED));
        r.add(row(PTRACE, "ptrace_check_attach before the regset lookup: PTRACE_SETREGSET of an unknown type", ESRCH,
                0x4205, SELF, 0x999, BUF));
        r.add(row(h -> assertEquals(0, h.syscall(PTRACE, 0, 0, 0, 0), h.failure()), PTRACE,
                "ptrace_traceme: already traced", EPERM, 0, 0, 0, 0));
        // fs/splice.c
        r.add(row(TEE, "tee: flags beyond SPLICE_F_ALL, before the descriptors", EINVAL, 99, 99, 1, 0x10));
        r.add(row(TEE, "tee: length 0 is 0 before the descriptors", 0, 99, 99, 0, 0));
        r.add(row(TEE, "tee: fdget() of the input finds no file", EBADF, 99, FD_PIPE_W, 1, 0));
        r.add(row(TEE, "do_tee: the input has no FMODE_READ", EBADF, FD_PIPE_W, FD_PIPE_W, 1, 0));
        r.add(row(TEE, "do_tee: the output is no pipe", EINVAL, FD_PIPE_R, FD_WO, 1, 0));
        r.add(row(TEE, "do_tee: both ends of one pipe", EINVAL, FD_PIPE_R, FD_PIPE_W, 1, 0));
        r.add(row(VMSPLICE, "vmsplice: flags beyond SPLICE_F_ALL, before the descriptor", EINVAL, 99, BUF, 1, 0x10));
        r.add(row(VMSPLICE, "vmsplice: fdget() finds no file", EBADF, 99, BUF, 1, 0));
        r.add(row(VMSPLICE, "import_iovec: nr_segs > UIO_MAXIOV", EINVAL, FD_PIPE_W, BUF, 1025, 0));
        r.add(row(VMSPLICE, "import_iovec: copy_from_user() of the iovecs", EFAULT, FD_PIPE_W, UNMAPPED, 1, 0));
        r.add(row(VMSPLICE, "nothing to move: 0 on a file that is no pipe", 0, FD_WO, BUF, 0, 0));
        r.add(row(h -> iovecAt(h, IOVEC + 0x800, 16), VMSPLICE, "vmsplice_to_pipe: get_pipe_info() of a file that is no pipe",
                EBADF, FD_WO, IOVEC, 1, 0));
        r.add(row(h -> iovecAt(h, 0x10_0000, 16), VMSPLICE, "iter_to_pipe: get_user_pages_fast() pins nothing (a hole)",
                EFAULT, FD_PIPE_W, IOVEC, 1, 0));
        r.add(row(h -> iovecAt(h, IOVEC + 0x800, 16), VMSPLICE, "splice_from_pipe_next: an empty pipe with SPLICE_F_NONBLOCK",
                -Errno.EAGAIN, FD_PIPE_R, IOVEC, 1, 2));
        r.add(row(h -> {
            iovecAt(h, IOVEC + 0x800, 16);
            h.syscall(CLOSE, FD_PIPE_R_VALUE);
        }, VMSPLICE, "wait_for_space: no reader left (EPIPE, and SIGPIPE)", -Errno.EPIPE, FD_PIPE_W, IOVEC, 1, 0));
        // kernel/pid.c, mm/oom_kill.c
        r.add(row(PIDFD_OPEN, "pidfd_open: a flag beyond PIDFD_NONBLOCK|PIDFD_THREAD", EINVAL, SELF, 1));
        r.add(row(PIDFD_OPEN, "pidfd_open: pid <= 0", EINVAL, 0, 0));
        r.add(row(PIDFD_OPEN, "pidfd_open: find_get_pid() finds none", ESRCH, 4000, 0));
        r.add(row(PROCESS_MRELEASE, "process_mrelease: flags", EINVAL, 99, 1));
        r.add(row(PROCESS_MRELEASE, "pidfd_get_task: fdget() finds no file", EBADF, 99, 0));
        r.add(row(PROCESS_MRELEASE, "pidfd_get_task: pidfd_pid() of a pipe", EBADF, FD_PIPE_R, 0));
        r.add(row(h -> assertEquals(FD_PIPE_W_VALUE + 1, h.syscall(PIDFD_OPEN, h.task().pid(), 0), h.failure()),
                PROCESS_MRELEASE, "task_will_free_mem: the process is not exiting", EINVAL, FD_PIPE_W_VALUE + 1, 0));
        return r.stream();
    }

    /** The descriptors the fixture opens, in order after 0-2: what FD_RO, FD_WO and the pipe become. */
    static final int FD_RW_VALUE = 3, FD_RO_VALUE = 4, FD_WO_VALUE = 5, FD_PIPE_R_VALUE = 6, FD_PIPE_W_VALUE = 7;
    /** A struct rlimit {cur 2, max 1} the fixture writes into BUF + 0x100. */
    static final long BUF_CUR_GT_MAX = -0x1000_000eL;

    /** Where {@link #cloneArgs} puts clone3()'s struct clone_args. */
    static final long CLONE_ARGS_AT = 0x6000_0000L;

    /** A setup that maps a page at {@link #CLONE_ARGS_AT} holding {@code fields}, the u64s of a struct clone_args (the rest zero). */
    static Consumer<KernelHarness> cloneArgs(long... fields) {
        return h -> {
            assertEquals(CLONE_ARGS_AT, h.syscall(MMAP, CLONE_ARGS_AT, 4096, 3, 0x32, -1, 0), h.failure());
            for (int i = 0; i < fields.length; i++) h.writeLong(CLONE_ARGS_AT + 8L * i, fields[i]);
        };
    }

    static void setNproc(KernelHarness h) {
        long rl = h.mmap(4096);
        h.writeLong(rl, 0);
        h.writeLong(rl + 8, 0);
        assertEquals(0, h.syscall(SETRLIMIT, Rlimits.RLIMIT_NPROC, rl), h.failure());
        assertEquals(0, h.syscall(SETUID, 1000), h.failure());
    }

    /** RLIMIT_MEMLOCK set to {@code bytes}, then uid 1000, which loses CAP_IPC_LOCK (cap_emulate_setxuid()). */
    static void setMemlock(KernelHarness h, long bytes) {
        long rl = h.mmap(4096);
        h.writeLong(rl, bytes);
        h.writeLong(rl + 8, bytes);
        assertEquals(0, h.syscall(SETRLIMIT, Rlimits.RLIMIT_MEMLOCK, rl), h.failure());
        assertEquals(0, h.syscall(SETUID, 1000), h.failure());
    }

    KernelHarness h;
    long buf, strings, longName;

    @BeforeEach
    void setUp() throws Exception {
        h = new KernelHarness("hello");
        buf = h.mmap(4096);
        strings = h.mmap(4096);
        // A name of PATH_MAX bytes and more without a NUL, the page after it unmapped.
        longName = h.mmap(3 * 4096);
        h.write(longName, "a".repeat(2 * 4096).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        h.syscall(MUNMAP, longName + 2 * 4096, 4096);
        h.writeString(strings, "/tmp/f");
        h.writeString(strings + 0x100, "/nonexistent");
        h.writeString(strings + 0x200, "");
        h.writeString(strings + 0x300, "/hello");
        h.writeString(strings + 0x400, "x"); // a relative name
        h.writeLong(buf + 0x100, 2);
        h.writeLong(buf + 0x108, 1);
        assertEquals(FD_RW_VALUE, h.syscall(OPEN, strings, 0x42, 0600), h.failure());
        assertEquals(FD_RO_VALUE, h.syscall(OPEN, strings, 0, 0), h.failure());
        assertEquals(FD_WO_VALUE, h.syscall(OPEN, strings, 1, 0), h.failure());
        assertEquals(0, h.syscall(PIPE, buf + 0x200), h.failure());
        assertEquals(FD_PIPE_R_VALUE, h.read(buf + 0x200, 1)[0], h.failure());
        h.write(buf + 0x200, new byte[8]);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    long resolve(long arg) {
        if (arg == BUF) return buf;
        if (arg == BUF_ODD) return buf + 1;
        if (arg == UNMAPPED) return 0x10_0000; // below the program: nothing there
        if (arg == S_TMPF) return strings;
        if (arg == S_NOENT) return strings + 0x100;
        if (arg == S_EMPTY) return strings + 0x200;
        if (arg == S_HELLO) return strings + 0x300;
        if (arg == S_LONG) return longName;
        if (arg == S_REL) return strings + 0x400;
        if (arg == FD_RO) return FD_RO_VALUE;
        if (arg == FD_WO) return FD_WO_VALUE;
        if (arg == FD_PIPE_R) return FD_PIPE_R_VALUE;
        if (arg == FD_PIPE_W) return FD_PIPE_W_VALUE;
        if (arg == SELF) return h.task().pid();
        if (arg == BUF_CUR_GT_MAX) return buf + 0x100;
        return arg;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void errno(Row row) {
        row.setup().accept(h);
        long[] args = Arrays.stream(row.args()).map(this::resolve).toArray();
        assertEquals(row.expected(), h.syscall(row.call(), args), row + " " + row.call().linuxName
                + Arrays.toString(args) + h.failure());
    }

    /** Every implemented entry of the table has its errno paths here, or none at all. */
    @Test
    void everyImplementedSyscallHasItsErrnoPathsTested() {
        Set<Syscall> tested = EnumSet.copyOf(NO_ERRNO_PATH);
        rows().forEach(r -> tested.add(r.call()));
        Set<String> missing = new TreeSet<>();
        for (Syscall s : Syscall.values()) if (s.implemented() && !tested.contains(s)) missing.add(s.linuxName);
        assertTrue(missing.isEmpty(), "syscalls without errno rows (add rows, or list them in NO_ERRNO_PATH): " + missing);
        for (Syscall s : NO_ERRNO_PATH) assertTrue(s.implemented(), s.linuxName + " is listed but not implemented");
    }

    /** A number the table does not implement is -ENOSYS, named in the --verbose log once (Linux's name if the table has it). */
    @Test
    void unknownSyscallsAreEnosys() {
        assertEquals(-Errno.ENOSYS, h.syscall(EPOLL_CREATE1, 0), h.failure());
        assertEquals(-Errno.ENOSYS, h.syscall(999), h.failure());
        assertEquals(-Errno.ENOSYS, h.syscall(-1L), h.failure());
    }

    /** arch_prctl(ARCH_SET_FS) reaches the CPU's FS base with the result; ARCH_GET_FS reads it back. */
    @Test
    void archPrctlSetsTheFsBaseOfTheCpu() {
        assertEquals(0, h.syscall(ARCH_PRCTL, 0x1002, 0x7000_1234), h.failure());
        assertEquals(0x7000_1234, h.cpu.regs.fsBase, h.failure());
        assertEquals(0x7000_1234, h.task().fsBase, "thread_struct.fsbase" + h.failure());
        assertEquals(0, h.syscall(ARCH_PRCTL, 0x1001, 0x7000_5678), h.failure());
        assertEquals(0x7000_5678, h.cpu.regs.gsBase, h.failure());
        assertEquals(0, h.syscall(ARCH_PRCTL, 0x1003, buf), h.failure());
        assertEquals(0x7000_1234, h.readLong(buf), "ARCH_GET_FS" + h.failure());
    }

    /** The syscall instruction's own clobbers: RCX the return address, R11 the flags; the other registers kept. */
    @Test
    void aSyscallClobbersRcxAndR11Only() {
        h.cpu.regs.rbx = 0xb0b0;
        h.cpu.regs.eflags = 0x283;
        long rip = h.cpu.regs.rip;
        long pid = h.syscall(GETPID);
        assertEquals(Kernel.FIRST_PID, pid, h.failure());
        assertEquals(rip + 2, h.cpu.regs.rcx, h.failure());
        assertEquals(0x283, h.cpu.regs.r11, h.failure());
        assertEquals(0xb0b0, h.cpu.regs.rbx, h.failure());
    }
}
