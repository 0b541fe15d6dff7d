package io.mmemu.kernel;

/** x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) that the kernel model knows by name. */
final class Sysno {
    private Sysno() {}

    static final int READ = 0, WRITE = 1, OPEN = 2, CLOSE = 3, FSTAT = 5, LSEEK = 8, MMAP = 9, MPROTECT = 10,
            MUNMAP = 11, BRK = 12, RT_SIGACTION = 13, RT_SIGPROCMASK = 14, IOCTL = 16, PREAD64 = 17, READV = 19,
            WRITEV = 20, MREMAP = 25, MINCORE = 27, MADVISE = 28, GETPID = 39, EXIT = 60, UNAME = 63, GETUID = 102, GETGID = 104,
            GETEUID = 107, GETEGID = 108, GETPPID = 110, ARCH_PRCTL = 158, GETTID = 186, SET_TID_ADDRESS = 218,
            EXIT_GROUP = 231, STAT = 4, LSTAT = 6, FCNTL = 72, GETCWD = 79, READLINK = 89, OPENAT = 257,
            NEWFSTATAT = 262, READLINKAT = 267, RT_SIGRETURN = 15, KILL = 62, TKILL = 200, TGKILL = 234,
            DUP = 32, DUP2 = 33, DUP3 = 292, FORK = 57, VFORK = 58, CLONE = 56, WAIT4 = 61, PAUSE = 34, SCHED_YIELD = 24,
            NANOSLEEP = 35, CLOCK_NANOSLEEP = 230, CLOCK_GETTIME = 228, GETTIMEOFDAY = 96, GETRUSAGE = 98, PIPE = 22, PIPE2 = 293, EXECVE = 59, GETRLIMIT = 97, SETRLIMIT = 160, PRLIMIT64 = 302, CAPSET = 126,
            FUTEX = 202, SET_ROBUST_LIST = 273, GET_ROBUST_LIST = 274, CLONE3 = 435, SETUID = 105, SETRESUID = 117,
            GETRESUID = 118, CAPGET = 125, CLOCK_GETRES = 229;

    /** The file calls of the tmpfs at /tmp. */
    static final int PWRITE64 = 18, MSYNC = 26, FSYNC = 74, FDATASYNC = 75, TRUNCATE = 76, FTRUNCATE = 77, RMDIR = 84,
            CREAT = 85, UNLINK = 87, CHMOD = 90, FCHMOD = 91, UNLINKAT = 263, FCHMODAT = 268;

    /** Names for --verbose reports of unknown syscalls. */
    static String name(long nr) {
        return switch ((int) nr) {
            case 2 -> "open";
            case 3 -> "close";
            case 4 -> "stat";
            case 5 -> "fstat";
            case 8 -> "lseek";
            case 10 -> "mprotect";
            case 17 -> "pread64";
            case 25 -> "mremap";
            case 28 -> "madvise";
            case 6 -> "lstat";
            case 7 -> "poll";
            case 13 -> "rt_sigaction";
            case 15 -> "rt_sigreturn";
            case 21 -> "access";
            case 24 -> "sched_yield";
            case 27 -> "mincore";
            case 9 -> "mmap";
            case 11 -> "munmap";
            case 12 -> "brk";
            case 60 -> "exit";
            case 77 -> "ftruncate";
            case 231 -> "exit_group";
            case 35 -> "nanosleep";
            case 56 -> "clone";
            case 57 -> "fork";
            case 59 -> "execve";
            case 61 -> "wait4";
            case 62 -> "kill";
            case 72 -> "fcntl";
            case 79 -> "getcwd";
            case 89 -> "readlink";
            case 96 -> "gettimeofday";
            case 97 -> "getrlimit";
            case 131 -> "sigaltstack";
            case 202 -> "futex";
            case 228 -> "clock_gettime";
            case 257 -> "openat";
            case 262 -> "newfstatat";
            case 273 -> "set_robust_list";
            case 302 -> "prlimit64";
            case 318 -> "getrandom";
            case 334 -> "rseq";
            case 435 -> "clone3";
            default -> "syscall " + nr;
        };
    }
}
