package io.mmemu.kernel.elf;

/** The two e_type values load_elf_binary() accepts. */
public enum ElfType {
    /** ET_EXEC: linked at fixed addresses; the load bias is 0. */
    EXEC,
    /** ET_DYN without PT_INTERP: a static PIE, placed by the kernel like an mmap without a hint. */
    DYN
}
