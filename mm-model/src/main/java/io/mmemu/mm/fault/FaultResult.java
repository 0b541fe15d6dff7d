package io.mmemu.mm.fault;

/**
 * What a user page fault came to: handled (the access can be retried), or the signal the task
 * gets. Handled is a singleton, so the common path allocates nothing.
 */
public sealed interface FaultResult {
    /** Signal numbers (x86-64, include/uapi/asm-generic/signal.h). */
    int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11;
    /** si_code values for SIGSEGV (include/uapi/asm-generic/siginfo.h). */
    int SEGV_MAPERR = 1, SEGV_ACCERR = 2, SEGV_PKUERR = 4;
    /** si_code values for SIGBUS: BUS_ADRALN (alignment), BUS_ADRERR (no such physical address). */
    int BUS_ADRALN = 1, BUS_ADRERR = 2;
    /** si_code for SIGILL: ILL_ILLOPN (illegal operand); for SIGFPE: FPE_INTDIV (integer divide by zero). */
    int ILL_ILLOPN = 2, FPE_INTDIV = 1;
    /** si_code of a signal the kernel sends with force_sig(): SI_KERNEL. */
    int SI_KERNEL = 0x80;

    /** The one {@link Handled} value. */
    Handled HANDLED = new Handled();

    /** The fault was resolved; restart the instruction. */
    record Handled() implements FaultResult {}

    /**
     * The task gets signal {@code signo} with {@code code} and si_addr {@code addr}; {@code
     * errorCode} is the x86 error code, {@code pkey} the protection key for SEGV_PKUERR.
     *
     * @param signo     the signal number (SIGSEGV, SIGBUS, ...)
     * @param code      the si_code
     * @param addr      the si_addr: the faulting address
     * @param errorCode the x86 #PF error code ({@link io.mmemu.mm.pgtable.PfErr}), or 0
     * @param pkey      the protection key, for SEGV_PKUERR
     * @param why       what went wrong, for people
     */
    record Signal(int signo, int code, long addr, int errorCode, int pkey, String why) implements FaultResult {}

    /**
     * No memory to resolve the fault: the OOM path decides (pagefault_out_of_memory()).
     *
     * @param addr the faulting address
     */
    record OutOfMemory(long addr) implements FaultResult {}
}
