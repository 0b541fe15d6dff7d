package io.mmemu.mm.fault;

/**
 * si_code values, in one place: include/uapi/asm-generic/siginfo.h. Who sent a signal (kill(),
 * tkill(), the kernel), or, for a fault signal, why ({@link FaultResult.Signal#code}).
 */
public final class SiCode {
    private SiCode() {}

    /** Sent by kill(), by the kernel (force_sig()), by tkill() or tgkill(). */
    public static final int SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
    /** SIGSEGV: no mapping, no permission, a protection key forbids the access. */
    public static final int SEGV_MAPERR = 1, SEGV_ACCERR = 2, SEGV_PKUERR = 4;
    /** SIGBUS: BUS_ADRALN (alignment), BUS_ADRERR (no such physical address). */
    public static final int BUS_ADRALN = 1, BUS_ADRERR = 2;
    /** SIGILL: ILL_ILLOPN (illegal operand). */
    public static final int ILL_ILLOPN = 2;
    /** SIGFPE: FPE_INTDIV (integer divide by zero). */
    public static final int FPE_INTDIV = 1;
}
