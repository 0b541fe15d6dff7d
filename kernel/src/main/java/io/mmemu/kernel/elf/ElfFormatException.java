package io.mmemu.kernel.elf;

/**
 * An executable that mmemu cannot load, with a one-line message naming the problem.
 *
 * <p>The CLI prints {@code mmemu: <file>: <message>} and exits 126, as a shell does for an exec
 * format error. {@link #reason()} classifies the problem for callers and tests; the message is
 * for people.
 */
public final class ElfFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the file, one constant per message family. */
    public enum Reason {
        /** The file could not be read at all (missing, a directory, permission, I/O error). */
        UNREADABLE,
        /** No ELF magic: an empty file, a script, some other format. */
        NOT_ELF,
        /** ELFCLASS32. */
        ELFCLASS32,
        /** ELFDATA2MSB. */
        BIG_ENDIAN,
        /** e_machine is not EM_X86_64. */
        WRONG_MACHINE,
        /** e_type is not ET_EXEC or ET_DYN (a relocatable object, a core dump...). */
        NOT_EXECUTABLE,
        /** The program has a PT_INTERP: it needs a dynamic linker. */
        DYNAMICALLY_LINKED,
        /** Something the headers describe lies past the end of the file. */
        TRUNCATED,
        /** There is no PT_LOAD program header. */
        NO_LOAD_SEGMENTS,
        /** A PT_LOAD's p_vaddr and p_offset differ modulo the page size, so mmap cannot map it. */
        MISALIGNED_SEGMENT,
        /** Any other inconsistency the kernel rejects, or input that broke the parser. */
        MALFORMED
    }

    /** The family of the problem, for callers that react to it. */
    private final Reason reason;

    /**
     * A file rejected for {@code reason}.
     *
     * @param reason  the family of the problem
     * @param message one line naming the problem, for people
     */
    public ElfFormatException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * A file rejected for {@code reason}, with the exception that revealed it.
     *
     * @param reason  the family of the problem
     * @param message one line naming the problem, for people
     * @param cause   the I/O error or parser failure behind it
     */
    public ElfFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * What is wrong with the file.
     *
     * @return the family of the problem, never null
     */
    public Reason reason() {
        return reason;
    }
}
