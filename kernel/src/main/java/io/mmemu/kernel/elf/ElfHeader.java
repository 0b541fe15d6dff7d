package io.mmemu.kernel.elf;

import java.nio.ByteBuffer;

/**
 * Models struct elf64_hdr, include/uapi/linux/elf.h: the fields load_elf_binary() reads.
 *
 * <p>Only constructed from a buffer of at least {@link #SIZE} bytes whose e_ident has already
 * been checked; the 16-bit fields are held unsigned.
 */
record ElfHeader(int type, int machine, long entry, long phoff, int phentsize, int phnum) {
    /** sizeof(struct elf64_hdr). */
    static final int SIZE = 64;
    static final int EI_CLASS = 4;
    static final int EI_DATA = 5;
    static final int ELFCLASS32 = 1;
    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ELFDATA2MSB = 2;
    static final int ET_NONE = 0;
    static final int ET_REL = 1;
    static final int ET_EXEC = 2;
    static final int ET_DYN = 3;
    static final int ET_CORE = 4;
    static final int EM_X86_64 = 62;

    /** Reads the header from a little-endian buffer positioned anywhere; uses absolute offsets. */
    static ElfHeader read(ByteBuffer le) {
        return new ElfHeader(
                Short.toUnsignedInt(le.getShort(16)),
                Short.toUnsignedInt(le.getShort(18)),
                le.getLong(24),
                le.getLong(32),
                Short.toUnsignedInt(le.getShort(54)),
                Short.toUnsignedInt(le.getShort(56)));
    }
}
