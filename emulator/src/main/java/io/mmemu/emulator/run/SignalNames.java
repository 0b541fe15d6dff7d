package io.mmemu.emulator.run;

import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;

/** Signal and si_code names as strsignal()/psiginfo() print them. */
public final class SignalNames {
    private SignalNames() {}

    /**
     * A signal's name.
     *
     * @param signo the signal number
     * @return e.g. "SIGSEGV", or "signal N" for one without a name here
     */
    public static String name(int signo) {
        return switch (signo) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 10 -> "SIGUSR1";
            case 12 -> "SIGUSR2";
            case 13 -> "SIGPIPE";
            case 14 -> "SIGALRM";
            case 15 -> "SIGTERM";
            case 5 -> "SIGTRAP";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 24 -> "SIGXCPU";
            default -> "signal " + signo;
        };
    }

    /**
     * An si_code's name.
     *
     * @param signo the signal
     * @param code  its si_code
     * @return e.g. "SEGV_MAPERR"
     */
    public static String codeName(int signo, int code) {
        if (code == 0x80) return "SI_KERNEL";
        if (code == 0) return "SI_USER";
        if (code == -6) return "SI_TKILL";
        return switch (signo) {
            case 11 -> switch (code) {
                case SiCode.SEGV_MAPERR -> "SEGV_MAPERR";
                case SiCode.SEGV_ACCERR -> "SEGV_ACCERR";
                case SiCode.SEGV_PKUERR -> "SEGV_PKUERR";
                default -> "code " + code;
            };
            case 4 -> code == 2 ? "ILL_ILLOPN" : "code " + code;
            case 7 -> code == 2 ? "BUS_ADRERR" : code == 1 ? "BUS_ADRALN" : "code " + code;
            case 8 -> code == 1 ? "FPE_INTDIV" : "code " + code;
            default -> "code " + code;
        };
    }

    /**
     * How a killed run ended, in one phrase.
     *
     * @param o the outcome
     * @return "SIGSEGV (SEGV_MAPERR at 0x10000, ip 0x401005: no VMA)"
     */
    public static String describe(RunOutcome o) {
        FaultResult.Signal s = o.info();
        StringBuilder sb = new StringBuilder(name(o.signal()));
        if (s != null) {
            sb.append(" (").append(codeName(s.signo(), s.code()));
            if (s.signo() == 11 || s.signo() == 7) sb.append(" at 0x").append(Long.toHexString(s.addr()));
            sb.append(", ip 0x").append(Long.toHexString(o.ip()));
            if (s.why() != null) sb.append(": ").append(s.why());
            sb.append(')');
        }
        return sb.toString();
    }
}
