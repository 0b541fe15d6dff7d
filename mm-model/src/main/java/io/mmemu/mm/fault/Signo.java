package io.mmemu.mm.fault;

/**
 * x86-64 Linux signal numbers, in one place: arch/x86/include/uapi/asm/signal.h (the generic
 * numbering). Signal masks use bit {@code signo - 1} ({@link #sigmask}). The si_code values that
 * go with them live in {@link SiCode}, the errno values in {@link io.mmemu.mm.vma.Errno}.
 */
public final class Signo {
    private Signo() {}

    /** The standard signals 1 to 31 (signal(7) for what each means; the real-time ones follow, up to {@link #_NSIG}). */
    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
            SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
            SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21,
            SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28,
            SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
    /** _NSIG: signals are 1 to 64 (32 and up are the real-time ones); arrays indexed by signo have _NSIG + 1 slots. */
    public static final int _NSIG = 64;

    /**
     * Models valid_signal(): 0 (no signal, for permission checks) to _NSIG.
     *
     * @param sig a signal number as a syscall received it
     * @return whether it names a signal or is 0
     */
    public static boolean validSignal(long sig) {
        return sig >= 0 && sig <= _NSIG;
    }

    /**
     * Models sigmask(): the bit of {@code sig} in a sigset_t.
     *
     * @param sig a signal number, 1 to {@link #_NSIG}
     * @return its bit
     */
    public static long sigmask(int sig) {
        return 1L << (sig - 1);
    }
}
