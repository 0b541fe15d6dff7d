package io.mmemu.kernel.elf;

import java.nio.ByteBuffer;

/** Models struct elf64_phdr, include/uapi/linux/elf.h. p_type and p_flags are raw 32-bit values. */
record ProgramHeader(int index, int type, int flags, long offset, long vaddr, long filesz, long memsz, long align) {
    /** sizeof(struct elf64_phdr). */
    static final int SIZE = 56;
    static final int PT_LOAD = 1;
    static final int PT_INTERP = 3;
    static final int PT_PHDR = 6;
    static final int PT_TLS = 7;
    static final int PT_GNU_STACK = 0x6474e551;
    static final int PF_X = 1;
    static final int PF_W = 2;
    static final int PF_R = 4;

    /** Reads program header {@code index} of the table at {@code phoff}; the caller checked the bounds. */
    static ProgramHeader read(ByteBuffer le, long phoff, int index) {
        int at = Math.toIntExact(phoff + (long) index * SIZE);
        return new ProgramHeader(index, le.getInt(at), le.getInt(at + 4), le.getLong(at + 8),
                le.getLong(at + 16), le.getLong(at + 32), le.getLong(at + 40), le.getLong(at + 48));
    }

    /** Models make_prot(), fs/binfmt_elf.c (x86 has no arch_elf_adjust_prot()). */
    int makeProt() {
        int prot = 0;
        if ((flags & PF_R) != 0) {
            prot |= LoadSegment.PROT_READ;
        }
        if ((flags & PF_W) != 0) {
            prot |= LoadSegment.PROT_WRITE;
        }
        if ((flags & PF_X) != 0) {
            prot |= LoadSegment.PROT_EXEC;
        }
        return prot;
    }
}
