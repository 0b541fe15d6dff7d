package io.mmemu.emulator.debug;

import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.kernel.arch.PtRegs;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.StringJoiner;

/** The {@code regs} view and the {@code $reg} operands: a CPU's user registers, CR3 and CR2. */
final class Registers {
    private Registers() {}

    /** {@return the registers of {@code cpu}'s task} */
    static PtRegs of(Cpu cpu) {
        PtRegs r = new PtRegs();
        cpu.regs().get(r);
        return r;
    }

    /** {@code regs}: every general register, RIP with its symbol, RFLAGS with its set flags named, CR3 and CR2. */
    static String regs(Cpu cpu, Symbols symbols, long cr2) {
        PtRegs r = of(cpu);
        StringBuilder b = new StringBuilder();
        String[] names = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
                "r14", "r15"};
        for (String n : names) {
            long v = value(r, n).orElseThrow();
            b.append(String.format(Locale.ROOT, "%-7s 0x%016x  %d%n", n, v, v));
        }
        b.append(String.format(Locale.ROOT, "%-7s 0x%016x  %s%n", "rip", r.rip, symbols.describe(r.rip)));
        b.append(String.format(Locale.ROOT, "%-7s 0x%016x  [ %s ]%n", "eflags", r.eflags, flags(r.eflags)));
        b.append(String.format(Locale.ROOT, "%-7s 0x%016x%n", "fs_base", r.fsBase));
        long cr3 = cpu.tlb().cr3();
        b.append(String.format(Locale.ROOT, "%-7s 0x%016x  (PML4 table at 0x%x, PCID %d)%n", "cr3", cr3,
                cr3 & 0x000f_ffff_ffff_f000L, cr3 & 0xfff));
        b.append(String.format(Locale.ROOT, "%-7s 0x%016x  (the last page fault's address)%n", "cr2", cr2));
        return b.toString();
    }

    /** The names of RFLAGS' set status and control flags, as gdb prints them. */
    static String flags(long f) {
        StringJoiner j = new StringJoiner(" ");
        String[] names = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF"};
        for (int i = 0; i < names.length; i++) if (!names[i].isEmpty() && (f & (1L << i)) != 0) j.add(names[i]);
        return j.toString();
    }

    /**
     * The value of register {@code name} ({@code rax} ... {@code r15}, {@code rip}, {@code eflags},
     * {@code fs_base}, {@code cr3}; {@code cr2} is the caller's), if there is one of that name.
     */
    static OptionalLong named(Cpu cpu, String name) {
        if (name.equals("cr3")) return OptionalLong.of(cpu.tlb().cr3());
        return value(of(cpu), name);
    }

    private static OptionalLong value(PtRegs r, String n) {
        return switch (n) {
            case "rax" -> OptionalLong.of(r.rax);
            case "rbx" -> OptionalLong.of(r.rbx);
            case "rcx" -> OptionalLong.of(r.rcx);
            case "rdx" -> OptionalLong.of(r.rdx);
            case "rsi" -> OptionalLong.of(r.rsi);
            case "rdi" -> OptionalLong.of(r.rdi);
            case "rbp" -> OptionalLong.of(r.rbp);
            case "rsp" -> OptionalLong.of(r.rsp);
            case "r8" -> OptionalLong.of(r.r8);
            case "r9" -> OptionalLong.of(r.r9);
            case "r10" -> OptionalLong.of(r.r10);
            case "r11" -> OptionalLong.of(r.r11);
            case "r12" -> OptionalLong.of(r.r12);
            case "r13" -> OptionalLong.of(r.r13);
            case "r14" -> OptionalLong.of(r.r14);
            case "r15" -> OptionalLong.of(r.r15);
            case "rip", "pc" -> OptionalLong.of(r.rip);
            case "eflags", "rflags" -> OptionalLong.of(r.eflags);
            case "fs_base" -> OptionalLong.of(r.fsBase);
            default -> OptionalLong.empty();
        };
    }
}
