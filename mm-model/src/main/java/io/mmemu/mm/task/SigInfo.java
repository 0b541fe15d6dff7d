package io.mmemu.mm.task;

import io.mmemu.mm.fault.Signo;

/**
 * A kernel_siginfo, reduced to the fields the delivered signals use: the fault address for
 * SIGSEGV/SIGBUS/SIGILL/SIGFPE (with the x86 error code and trap number that go into the
 * signal frame's sigcontext), the sender for kill(), the child's status for SIGCHLD. Its
 * numbers are {@link Signo}'s and {@link io.mmemu.mm.fault.SiCode}'s.
 *
 * @param signo     si_signo: the signal number
 * @param code      si_code
 * @param addr      si_addr, for the fault signals
 * @param pid       si_pid: the sender, or the child for SIGCHLD
 * @param uid       si_uid: the sender's user id
 * @param status    si_status: the child's exit code or signal, for SIGCHLD
 * @param errorCode the x86 error code, for the signal frame's sigcontext
 * @param trapno    the x86 trap number, for the signal frame's sigcontext
 * @param pkey      si_pkey, for SEGV_PKUERR: the protection key of the VMA the access was refused in
 */
public record SigInfo(int signo, int code, long addr, int pid, int uid, int status, long errorCode, int trapno,
        int pkey) {
    /**
     * A siginfo without si_pkey.
     *
     * @param signo     si_signo: the signal number
     * @param code      si_code
     * @param addr      si_addr, for the fault signals
     * @param pid       si_pid: the sender, or the child for SIGCHLD
     * @param uid       si_uid: the sender's user id
     * @param status    si_status: the child's exit code or signal, for SIGCHLD
     * @param errorCode the x86 error code, for the signal frame's sigcontext
     * @param trapno    the x86 trap number, for the signal frame's sigcontext
     */
    public SigInfo(int signo, int code, long addr, int pid, int uid, int status, long errorCode, int trapno) {
        this(signo, code, addr, pid, uid, status, errorCode, trapno, 0);
    }

    /**
     * The siginfo of a fault signal (force_sig_fault()).
     *
     * @param signo     the signal number
     * @param code      the si_code
     * @param addr      the faulting address
     * @param errorCode the x86 error code
     * @param trapno    the x86 trap number
     * @return the siginfo
     */
    public static SigInfo fault(int signo, int code, long addr, long errorCode, int trapno) {
        return new SigInfo(signo, code, addr, 0, 0, 0, errorCode, trapno);
    }

    /**
     * The siginfo of a protection-key fault (force_sig_pkuerr()): SIGSEGV, SEGV_PKUERR, si_pkey.
     *
     * @param addr      the faulting address
     * @param errorCode the x86 error code
     * @param trapno    the x86 trap number
     * @param pkey      the key of the VMA the access was refused in
     * @return the siginfo
     */
    public static SigInfo pkuerr(long addr, long errorCode, int trapno, int pkey) {
        return new SigInfo(Signo.SIGSEGV, io.mmemu.mm.fault.SiCode.SEGV_PKUERR, addr, 0, 0, 0, errorCode, trapno, pkey);
    }

    /**
     * The siginfo of a signal a task sent (kill(), tgkill()).
     *
     * @param signo the signal number
     * @param code  the si_code: {@link io.mmemu.mm.fault.SiCode#SI_USER} or {@link io.mmemu.mm.fault.SiCode#SI_TKILL}
     * @param pid   the sender's tgid
     * @param uid   the sender's user id
     * @return the siginfo
     */
    public static SigInfo user(int signo, int code, int pid, int uid) {
        return new SigInfo(signo, code, 0, pid, uid, 0, 0, 0);
    }

    /** {@return whether the siginfo carries si_addr (the fault signals) rather than a sender} */
    public boolean isFault() {
        return signo == Signo.SIGILL || signo == Signo.SIGTRAP || signo == Signo.SIGBUS || signo == Signo.SIGFPE
                || signo == Signo.SIGSEGV;
    }
}
