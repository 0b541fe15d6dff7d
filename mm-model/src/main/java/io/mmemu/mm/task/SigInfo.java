package io.mmemu.mm.task;

import io.mmemu.mm.fault.Signo;

/**
 * A kernel_siginfo, reduced to the fields the delivered signals use: the fault address for
 * SIGSEGV/SIGBUS/SIGILL/SIGFPE (with the x86 error code and trap number that go into the
 * signal frame's sigcontext), the sender for kill(), the child's status for SIGCHLD. Its
 * numbers are {@link Signo}'s and {@link io.mmemu.mm.fault.SiCode}'s.
 */
public record SigInfo(int signo, int code, long addr, int pid, int uid, int status, long errorCode, int trapno) {
    public static SigInfo fault(int signo, int code, long addr, long errorCode, int trapno) {
        return new SigInfo(signo, code, addr, 0, 0, 0, errorCode, trapno);
    }

    public static SigInfo user(int signo, int code, int pid, int uid) {
        return new SigInfo(signo, code, 0, pid, uid, 0, 0, 0);
    }

    /** Whether the siginfo carries si_addr (the fault signals) rather than a sender. */
    public boolean isFault() {
        return signo == Signo.SIGILL || signo == Signo.SIGTRAP || signo == Signo.SIGBUS || signo == Signo.SIGFPE
                || signo == Signo.SIGSEGV;
    }
}
