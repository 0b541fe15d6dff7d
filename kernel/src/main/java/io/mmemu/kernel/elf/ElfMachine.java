package io.mmemu.kernel.elf;

import java.util.Map;

/** Names for common e_machine values (EM_* in include/uapi/linux/elf-em.h), for error messages. */
final class ElfMachine {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(2, "SPARC"),
            Map.entry(3, "i386"),
            Map.entry(8, "MIPS"),
            Map.entry(20, "PowerPC"),
            Map.entry(21, "PowerPC64"),
            Map.entry(22, "s390"),
            Map.entry(40, "ARM"),
            Map.entry(42, "SuperH"),
            Map.entry(43, "SPARC64"),
            Map.entry(50, "IA-64"),
            Map.entry(62, "x86-64"),
            Map.entry(183, "AArch64"),
            Map.entry(243, "RISC-V"),
            Map.entry(247, "BPF"),
            Map.entry(258, "LoongArch"));

    private ElfMachine() {
    }

    /** "AArch64" for 183; "an unknown machine" when the value is not in the table. */
    static String name(int machine) {
        return NAMES.getOrDefault(machine, "an unknown machine");
    }
}
