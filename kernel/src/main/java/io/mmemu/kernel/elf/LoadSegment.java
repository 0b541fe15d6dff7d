package io.mmemu.kernel.elf;

/**
 * One PT_LOAD program header, unrelocated, as make_prot() and elf_load() in fs/binfmt_elf.c see it.
 *
 * @param index      the program header's index in the table (for messages and tracing)
 * @param vaddr      p_vaddr
 * @param memsz      p_memsz
 * @param fileOffset p_offset
 * @param filesz     p_filesz (never more than memsz)
 * @param align      p_align as written in the file (not validated, as the kernel does not)
 * @param prot       PROT_READ | PROT_WRITE | PROT_EXEC from PF_R, PF_W, PF_X
 */
public record LoadSegment(int index, long vaddr, long memsz, long fileOffset, long filesz, long align, int prot) {
    /** mmap()'s PROT_READ: the segment may be read (from PF_R). */
    public static final int PROT_READ = 1;
    /** mmap()'s PROT_WRITE: the segment may be written (from PF_W). */
    public static final int PROT_WRITE = 2;
    /** mmap()'s PROT_EXEC: the segment may be executed (from PF_X). */
    public static final int PROT_EXEC = 4;

    /**
     * Whether the segment is mapped readable.
     *
     * @return whether {@code prot} has {@link #PROT_READ}
     */
    public boolean read() {
        return (prot & PROT_READ) != 0;
    }

    /**
     * Whether the segment is mapped writable.
     *
     * @return whether {@code prot} has {@link #PROT_WRITE}
     */
    public boolean write() {
        return (prot & PROT_WRITE) != 0;
    }

    /**
     * Whether the segment is mapped executable.
     *
     * @return whether {@code prot} has {@link #PROT_EXEC}
     */
    public boolean exec() {
        return (prot & PROT_EXEC) != 0;
    }

    /**
     * The first address after the segment in memory.
     *
     * @return vaddr + memsz, unrelocated
     */
    public long end() {
        return vaddr + memsz;
    }

    @Override
    public String toString() {
        return "LoadSegment[#%d vaddr=0x%x memsz=0x%x offset=0x%x filesz=0x%x align=0x%x %s]".formatted(
                index, vaddr, memsz, fileOffset, filesz, align,
                (read() ? "r" : "-") + (write() ? "w" : "-") + (exec() ? "x" : "-"));
    }
}
