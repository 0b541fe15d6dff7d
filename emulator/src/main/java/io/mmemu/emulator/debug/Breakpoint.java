package io.mmemu.emulator.debug;

import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.trace.FaultOutcome;
import java.util.List;
import java.util.Locale;

/**
 * One breakpoint, catchpoint or watchpoint of the session, numbered as gdb numbers them.
 *
 * @param number    its number ({@code delete N})
 * @param kind      what it stops on
 * @param address   the code address (ADDRESS), the watched address (WATCH), else 0
 * @param lo        FAULT: the lowest faulting address that stops (0 for any)
 * @param hi        FAULT: one past the highest (-1 for any)
 * @param what      FAULT: the kind of fault (read, write, fetch, or an outcome such as cow-copy), or null for any;
 *                  SYSCALL: the syscall's name; SLAB: the cache's name; WATCH: r, w or rw
 * @param temporary whether it goes once hit ({@code next}, {@code until})
 */
record Breakpoint(int number, Kind kind, long address, long lo, long hi, String what, boolean temporary) {
    /** What a breakpoint stops on. */
    enum Kind {
        /** Execution reaching a code address (a Unicorn code hook there). */
        ADDRESS,
        /** A page fault (do_user_addr_fault()) in a range, of a kind. */
        FAULT,
        /** A syscall by name. */
        SYSCALL,
        /** A TLB flush: local (one page, a range, the whole context) or a shootdown. */
        FLUSH,
        /** A SLUB allocation or free in one cache. */
        SLAB,
        /** A guest data access to an address (a Unicorn memory hook on its frame). */
        WATCH
    }

    /** The names a fault's kind may be given by: its access, or what handled it. */
    static final List<String> FAULT_KINDS = List.of("read", "write", "fetch", "user", "not-present", "protection",
            "zero-page", "anon", "cow-copy", "cow-reuse", "file", "huge", "sigsegv", "sigbus", "oom");

    /** Whether a fault matches this FAULT breakpoint. */
    boolean matchesFault(long address, int errorCode, FaultOutcome outcome) {
        if (address < lo || (hi != -1 && address >= hi)) return false;
        if (what == null) return true;
        return switch (what) {
            case "read" -> (errorCode & (PfErr.WRITE | PfErr.INSTR)) == 0;
            case "write" -> (errorCode & PfErr.WRITE) != 0;
            case "fetch" -> (errorCode & PfErr.INSTR) != 0;
            case "user" -> (errorCode & PfErr.USER) != 0;
            case "not-present" -> (errorCode & PfErr.PROT) == 0;
            case "protection" -> (errorCode & PfErr.PROT) != 0;
            case "zero-page" -> outcome == FaultOutcome.ZERO_PAGE;
            case "anon" -> outcome == FaultOutcome.ANON_NEW;
            case "cow-copy" -> outcome == FaultOutcome.COW_COPY;
            case "cow-reuse" -> outcome == FaultOutcome.COW_REUSE;
            case "file" -> outcome == FaultOutcome.FILE_PAGE;
            case "huge" -> outcome == FaultOutcome.HUGE_PAGE;
            case "sigsegv" -> outcome == FaultOutcome.SIGNAL;
            case "sigbus" -> outcome == FaultOutcome.SIGBUS;
            case "oom" -> outcome == FaultOutcome.OOM;
            default -> false;
        };
    }

    /** Whether {@code kind} names a fault kind {@link #matchesFault} knows. */
    static boolean isFaultKind(String kind) {
        return FAULT_KINDS.contains(kind);
    }

    /** The line {@code info breakpoints} prints for it. */
    String describe(Symbols symbols) {
        return String.format(Locale.ROOT, "%-4d %-11s %-4s %s", number, type(), temporary ? "del" : "keep", where(symbols));
    }

    /** What the session says when it is set: "Breakpoint 1: 0x401000 <main>". */
    String announce(Symbols symbols) {
        return Character.toUpperCase(type().charAt(0)) + type().substring(1) + " " + number + ": " + where(symbols);
    }

    /** {@return gdb's word for it: breakpoint (code), watchpoint (data) or catchpoint (an event)} */
    String type() {
        return switch (kind) {
            case ADDRESS -> "breakpoint";
            case WATCH -> "watchpoint";
            default -> "catchpoint";
        };
    }

    private String where(Symbols symbols) {
        return switch (kind) {
            case ADDRESS -> String.format(Locale.ROOT, "0x%x %s", address, symbols.describe(address)).strip();
            case FAULT -> "page fault" + (lo == 0 && hi == -1 ? "" : String.format(Locale.ROOT, " in 0x%x-0x%x", lo, hi))
                    + (what == null ? "" : ", " + what);
            case SYSCALL -> "syscall " + what;
            case FLUSH -> "TLB flush or shootdown";
            case SLAB -> "slab alloc/free in " + what;
            case WATCH -> String.format(Locale.ROOT, "%s of 8 bytes at 0x%x %s",
                    what.equals("r") ? "read" : what.equals("w") ? "write" : "read or write", address,
                    symbols.describe(address)).strip();
        };
    }
}
