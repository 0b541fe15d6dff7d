package io.mmemu.mm.fault;


/**
 * Models the signal each x86 exception vector sends a user task, arch/x86/kernel/traps.c: one
 * table from vector (Linux's X86_TRAP_* numbers, arch/x86/include/asm/trapnr.h) to signal and
 * si_code, so that the CPU front end names an exception and never spells a signal.
 *
 * <p>Rows follow the handlers: #DE is do_error_trap(SIGFPE, FPE_INTDIV); #DB and #BP
 * force_sig(SIGTRAP), whose si_code is SI_KERNEL; #UD SIGILL/ILL_ILLOPN; #AC do_trap(SIGBUS,
 * BUS_ADRALN); #MF and #XM math_error(), whose si_code comes from the FPU status word, which the
 * model does not decode (0). Every other vector, and every software interrupt ({@code int N}
 * through a gate user mode may not use), is SIGSEGV with SI_KERNEL as #GP sends it. Two rows
 * differ from Linux on purpose, kept as mmemu has always answered them: #NP and #SS send SIGBUS
 * there (the emulated CPU raises neither for 64-bit user code; a non-canonical stack access is a #GP here).
 * #PF is not in the table: do_user_addr_fault() chooses its signal ({@link UserFault}).
 */
public final class TrapSignals {
    private TrapSignals() {}

    /** Exception vectors, Linux's names. */
    public static final int X86_TRAP_DE = 0, X86_TRAP_DB = 1, X86_TRAP_NMI = 2, X86_TRAP_BP = 3, X86_TRAP_OF = 4,
            X86_TRAP_BR = 5, X86_TRAP_UD = 6, X86_TRAP_NM = 7, X86_TRAP_DF = 8, X86_TRAP_OLD_MF = 9,
            X86_TRAP_TS = 10, X86_TRAP_NP = 11, X86_TRAP_SS = 12, X86_TRAP_GP = 13, X86_TRAP_PF = 14,
            X86_TRAP_MF = 16, X86_TRAP_AC = 17, X86_TRAP_MC = 18, X86_TRAP_XF = 19;

    /** The rows that are not #GP's answer: vector, signal, si_code. */
    private static final int[][] ROWS = {
        {X86_TRAP_DE, Signo.SIGFPE, SiCode.FPE_INTDIV},
        {X86_TRAP_DB, Signo.SIGTRAP, SiCode.SI_KERNEL},
        {X86_TRAP_BP, Signo.SIGTRAP, SiCode.SI_KERNEL},
        {X86_TRAP_UD, Signo.SIGILL, SiCode.ILL_ILLOPN},
        {X86_TRAP_MF, Signo.SIGFPE, 0},
        {X86_TRAP_AC, Signo.SIGBUS, SiCode.BUS_ADRALN},
        {X86_TRAP_XF, Signo.SIGFPE, 0},
    };

    /** Vectors 0 to 31 are exceptions; from 32 on, interrupts (and the rows' default). */
    private static final int EXCEPTION_VECTORS = 32;
    private static final int[] SIGNO = new int[EXCEPTION_VECTORS];
    private static final int[] CODE = new int[EXCEPTION_VECTORS];

    static {
        java.util.Arrays.fill(SIGNO, Signo.SIGSEGV);
        java.util.Arrays.fill(CODE, SiCode.SI_KERNEL);
        for (int[] row : ROWS) {
            SIGNO[row[0]] = row[1];
            CODE[row[0]] = row[2];
        }
    }

    /**
     * The signal vector {@code trapnr} sends a user task.
     *
     * @param trapnr an x86 exception vector
     * @return the signal number
     */
    public static int signo(int trapnr) {
        return trapnr >= 0 && trapnr < EXCEPTION_VECTORS ? SIGNO[trapnr] : Signo.SIGSEGV;
    }

    /**
     * The si_code it sends with it.
     *
     * @param trapnr an x86 exception vector
     * @return the si_code
     */
    public static int code(int trapnr) {
        return trapnr >= 0 && trapnr < EXCEPTION_VECTORS ? CODE[trapnr] : SiCode.SI_KERNEL;
    }

    /**
     * The signal of vector {@code trapnr} with si_addr {@code addr} (no error code, no pkey).
     *
     * @param trapnr an x86 exception vector
     * @param addr   the si_addr
     * @param why    what went wrong, for people
     * @return the signal
     */
    public static FaultResult.Signal signal(int trapnr, long addr, String why) {
        return new FaultResult.Signal(signo(trapnr), code(trapnr), addr, 0, 0, why);
    }
}
