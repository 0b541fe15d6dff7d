package io.mmemu.mm.task;

/**
 * A kernel_siginfo, reduced to the fields the delivered signals use: the fault address for
 * SIGSEGV/SIGBUS/SIGILL/SIGFPE (with the x86 error code and trap number that go into the
 * signal frame's sigcontext), the sender for kill(), the child's status for SIGCHLD.
 */
public record SigInfo(int signo, int code, long addr, int pid, int uid, int status, long errorCode, int trapno) {
    /** si_code values (include/uapi/asm-generic/siginfo.h). */
    public static final int SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;

    public static SigInfo fault(int signo, int code, long addr, long errorCode, int trapno) {
        return new SigInfo(signo, code, addr, 0, 0, 0, errorCode, trapno);
    }

    public static SigInfo user(int signo, int code, int pid, int uid) {
        return new SigInfo(signo, code, 0, pid, uid, 0, 0, 0);
    }

    /** Whether the siginfo carries si_addr (the fault signals) rather than a sender. */
    public boolean isFault() {
        return signo == 4 || signo == 5 || signo == 7 || signo == 8 || signo == 11;
    }
}
