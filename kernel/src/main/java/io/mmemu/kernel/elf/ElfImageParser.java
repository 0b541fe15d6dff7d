package io.mmemu.kernel.elf;

import static io.mmemu.kernel.elf.ElfFormatException.Reason.BIG_ENDIAN;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.DYNAMICALLY_LINKED;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.ELFCLASS32;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.MALFORMED;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.MISALIGNED_SEGMENT;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.NOT_ELF;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.NOT_EXECUTABLE;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.NO_LOAD_SEGMENTS;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.TRUNCATED;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.WRONG_MACHINE;

import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks load_elf_binary() (fs/binfmt_elf.c) makes before it maps anything, in its order,
 * each turned into one exact message, plus mmemu's own refusals.
 *
 * <p>Steps:
 * <ol>
 *   <li>e_ident: the magic, then ELFCLASS64 and ELFDATA2LSB (the kernel's elf_check_arch() only
 *       looks at e_machine, and a 32-bit file would go to compat_binfmt_elf instead).</li>
 *   <li>e_type ET_EXEC or ET_DYN, then e_machine EM_X86_64.</li>
 *   <li>load_elf_phdrs(): e_phentsize 56, 1..73 entries (at most ELF_MIN_ALIGN bytes), the table
 *       inside the file.</li>
 *   <li>PT_INTERP: mmemu has no dynamic linker, so any interpreter is refused, naming it.</li>
 *   <li>PT_GNU_STACK (the last one wins, as in the kernel's loop) and PT_TLS.</li>
 *   <li>Each PT_LOAD as the mapping loop checks it: p_filesz &lt;= p_memsz and the segment below
 *       TASK_SIZE (the kernel's -EINVAL), p_vaddr and p_offset congruent modulo the page size
 *       (elf_map()'s vm_mmap() fails with -EINVAL otherwise), and, mmemu's addition, the file
 *       bytes inside the file (the kernel would map them and SIGBUS on first touch).</li>
 * </ol>
 * Section headers are never read.
 */
final class ElfImageParser {
    /** ELF_MIN_ALIGN on x86-64: PAGE_SIZE. */
    static final long ELF_MIN_ALIGN = PageTypes.PAGE_SIZE;
    /** TASK_SIZE_MAX with 4-level paging: (1 &lt;&lt; 47) - PAGE_SIZE, arch/x86/include/asm/page_64_types.h. */
    static final long TASK_SIZE = MmStruct.TASK_SIZE;
    /** PATH_MAX, include/uapi/linux/limits.h: the longest interpreter path the kernel reads. */
    static final int PATH_MAX = 4096;

    private static final byte[] ELFMAG = {0x7f, 'E', 'L', 'F'};

    private ElfImageParser() {
    }

    /** Parses {@code file}; any exception other than ElfFormatException becomes MALFORMED. */
    static ElfImage parse(byte[] file, Path path) throws ElfFormatException {
        try {
            return parseChecked(file, path);
        } catch (RuntimeException e) {
            throw new ElfFormatException(MALFORMED, "malformed ELF: " + e, e);
        }
    }

    private static ElfImage parseChecked(byte[] file, Path path) throws ElfFormatException {
        checkIdent(file);
        ByteBuffer le = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        ElfHeader ehdr = ElfHeader.read(le);
        ElfType type = checkType(ehdr.type());
        if (ehdr.machine() != ElfHeader.EM_X86_64) {
            throw new ElfFormatException(WRONG_MACHINE, "ELF for %s (e_machine %d), expected x86-64"
                    .formatted(ElfMachine.name(ehdr.machine()), ehdr.machine()));
        }
        List<ProgramHeader> phdrs = loadElfPhdrs(ehdr, le, file.length);
        rejectInterpreter(phdrs, file);

        ExecutableStack exStack = ExecutableStack.DEFAULT;
        boolean hasTls = false;
        for (ProgramHeader ph : phdrs) {
            if (ph.type() == ProgramHeader.PT_GNU_STACK) {
                exStack = (ph.flags() & ProgramHeader.PF_X) != 0
                        ? ExecutableStack.ENABLE_X : ExecutableStack.DISABLE_X;
            } else if (ph.type() == ProgramHeader.PT_TLS) {
                hasTls = true;
            }
        }

        List<LoadSegment> loads = new ArrayList<>();
        long phdrVaddr = 0;
        for (ProgramHeader ph : phdrs) {
            if (ph.type() != ProgramHeader.PT_LOAD) {
                continue;
            }
            checkLoad(ph, file.length);
            loads.add(new LoadSegment(ph.index(), ph.vaddr(), ph.memsz(), ph.offset(), ph.filesz(),
                    ph.align(), ph.makeProt()));
            // "Figure out which segment in the file contains the Program Header table": the
            // kernel ignores PT_PHDR (since 5.18) and the last containing PT_LOAD wins.
            if (Long.compareUnsigned(ph.offset(), ehdr.phoff()) <= 0
                    && Long.compareUnsigned(ehdr.phoff() - ph.offset(), ph.filesz()) < 0) {
                phdrVaddr = ehdr.phoff() - ph.offset() + ph.vaddr();
            }
        }
        if (loads.isEmpty()) {
            throw new ElfFormatException(NO_LOAD_SEGMENTS, "no PT_LOAD segments: nothing to map");
        }
        ElfImage image = new ElfImage(path, file, type, ehdr.entry(), loads, phdrVaddr,
                ehdr.phentsize(), ehdr.phnum(), exStack, hasTls);
        if (type == ElfType.DYN && image.totalMappingSize() == 0) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: the PT_LOAD segments map nothing (total mapping size 0)");
        }
        if (type == ElfType.EXEC && Long.compareUnsigned(ehdr.entry(), TASK_SIZE) >= 0) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: entry point 0x%x is outside the user address space (below 0x%x)"
                            .formatted(ehdr.entry(), TASK_SIZE));
        }
        return image;
    }

    private static void checkIdent(byte[] file) throws ElfFormatException {
        if (file.length == 0) {
            throw new ElfFormatException(NOT_ELF, "not an ELF file (empty file)");
        }
        for (int i = 0; i < Math.min(file.length, ELFMAG.length); i++) {
            if (file[i] != ELFMAG[i]) {
                boolean script = file.length >= 2 && file[0] == '#' && file[1] == '!';
                throw new ElfFormatException(NOT_ELF, script
                        ? "not an ELF file (a #! script; mmemu runs ELF executables)"
                        : "not an ELF file (no ELF magic number)");
            }
        }
        if (file.length <= ElfHeader.EI_DATA) {
            throw truncatedHeader(file.length);
        }
        int elfClass = file[ElfHeader.EI_CLASS] & 0xff;
        if (elfClass == ElfHeader.ELFCLASS32) {
            throw new ElfFormatException(ELFCLASS32,
                    "32-bit ELF (ELFCLASS32) not supported; mmemu runs x86-64 (ELFCLASS64) executables");
        }
        if (elfClass != ElfHeader.ELFCLASS64) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: invalid EI_CLASS %d (expected 2, ELFCLASS64)".formatted(elfClass));
        }
        int data = file[ElfHeader.EI_DATA] & 0xff;
        if (data == ElfHeader.ELFDATA2MSB) {
            throw new ElfFormatException(BIG_ENDIAN,
                    "big-endian ELF (ELFDATA2MSB) not supported; x86-64 executables are little-endian");
        }
        if (data != ElfHeader.ELFDATA2LSB) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: invalid EI_DATA %d (expected 1, ELFDATA2LSB)".formatted(data));
        }
        if (file.length < ElfHeader.SIZE) {
            throw truncatedHeader(file.length);
        }
    }

    private static ElfFormatException truncatedHeader(int length) {
        return new ElfFormatException(TRUNCATED, "truncated: the file has %d bytes, an ELF64 header needs %d"
                .formatted(length, ElfHeader.SIZE));
    }

    private static ElfType checkType(int type) throws ElfFormatException {
        return switch (type) {
            case ElfHeader.ET_EXEC -> ElfType.EXEC;
            case ElfHeader.ET_DYN -> ElfType.DYN;
            case ElfHeader.ET_REL -> throw new ElfFormatException(NOT_EXECUTABLE,
                    "not an executable: relocatable object file (ET_REL); link it into an executable");
            case ElfHeader.ET_CORE -> throw new ElfFormatException(NOT_EXECUTABLE,
                    "not an executable: core dump (ET_CORE)");
            case ElfHeader.ET_NONE -> throw new ElfFormatException(NOT_EXECUTABLE,
                    "not an executable: no file type (ET_NONE)");
            default -> throw new ElfFormatException(NOT_EXECUTABLE,
                    "not an executable: unknown e_type 0x%x".formatted(type));
        };
    }

    /** Models load_elf_phdrs(), fs/binfmt_elf.c. */
    private static List<ProgramHeader> loadElfPhdrs(ElfHeader ehdr, ByteBuffer le, int fileSize)
            throws ElfFormatException {
        if (ehdr.phentsize() != ProgramHeader.SIZE) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: e_phentsize is %d, expected %d (sizeof(Elf64_Phdr))"
                            .formatted(ehdr.phentsize(), ProgramHeader.SIZE));
        }
        if (ehdr.phnum() == 0) {
            throw new ElfFormatException(NO_LOAD_SEGMENTS, "no program headers (e_phnum 0): nothing to map");
        }
        long size = (long) ehdr.phnum() * ProgramHeader.SIZE;
        if (size > ELF_MIN_ALIGN) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: %d program headers, the kernel reads at most %d (%d bytes)"
                            .formatted(ehdr.phnum(), ELF_MIN_ALIGN / ProgramHeader.SIZE, ELF_MIN_ALIGN));
        }
        if (!within(ehdr.phoff(), size, fileSize)) {
            throw new ElfFormatException(TRUNCATED,
                    "truncated: the program header table (%d entries at offset 0x%x) ends past the end of the file (%d bytes)"
                            .formatted(ehdr.phnum(), ehdr.phoff(), fileSize));
        }
        List<ProgramHeader> phdrs = new ArrayList<>(ehdr.phnum());
        for (int i = 0; i < ehdr.phnum(); i++) {
            phdrs.add(ProgramHeader.read(le, ehdr.phoff(), i));
        }
        return phdrs;
    }

    private static void rejectInterpreter(List<ProgramHeader> phdrs, byte[] file) throws ElfFormatException {
        for (ProgramHeader ph : phdrs) {
            if (ph.type() != ProgramHeader.PT_INTERP) {
                continue;
            }
            if (!within(ph.offset(), ph.filesz(), file.length)) {
                throw new ElfFormatException(TRUNCATED,
                        "truncated: the PT_INTERP path (program header %d, 0x%x bytes at offset 0x%x) lies past the end of the file (%d bytes)"
                                .formatted(ph.index(), ph.filesz(), ph.offset(), file.length));
            }
            String interpreter = printable(file, (int) ph.offset(), (int) Math.min(ph.filesz(), PATH_MAX));
            throw new ElfFormatException(DYNAMICALLY_LINKED,
                    "dynamically linked (interpreter %s); mmemu runs static executables — link with -static"
                            .formatted(interpreter));
        }
    }

    /** The NUL-terminated string at {@code from}, at most {@code max} bytes, with non-printables as \xNN. */
    private static String printable(byte[] file, int from, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < from + max && file[i] != 0; i++) {
            int c = file[i] & 0xff;
            if (c >= 0x20 && c < 0x7f) {
                s.append((char) c);
            } else {
                s.append("\\x%02x".formatted(c));
            }
        }
        return s.toString();
    }

    private static void checkLoad(ProgramHeader ph, int fileSize) throws ElfFormatException {
        if (Long.compareUnsigned(ph.filesz(), ph.memsz()) > 0) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: program header %d (PT_LOAD) has p_filesz 0x%x larger than p_memsz 0x%x"
                            .formatted(ph.index(), ph.filesz(), ph.memsz()));
        }
        if (Long.compareUnsigned(ph.vaddr(), TASK_SIZE) >= 0
                || Long.compareUnsigned(ph.memsz(), TASK_SIZE) > 0
                || Long.compareUnsigned(TASK_SIZE - ph.memsz(), ph.vaddr()) < 0) {
            throw new ElfFormatException(MALFORMED,
                    "malformed ELF: program header %d (PT_LOAD) at 0x%x, 0x%x bytes, does not fit below the user address space limit 0x%x"
                            .formatted(ph.index(), ph.vaddr(), ph.memsz(), TASK_SIZE));
        }
        if (ph.filesz() == 0) {
            return; // elf_load() maps such a segment anonymously: no file range, no alignment rule
        }
        if (!within(ph.offset(), ph.filesz(), fileSize)) {
            throw new ElfFormatException(TRUNCATED,
                    "truncated: program header %d (PT_LOAD) needs file bytes 0x%x-0x%x, but the file ends at 0x%x"
                            .formatted(ph.index(), ph.offset(), ph.offset() + ph.filesz(), fileSize));
        }
        if (((ph.vaddr() - ph.offset()) & (ELF_MIN_ALIGN - 1)) != 0) {
            throw new ElfFormatException(MISALIGNED_SEGMENT,
                    "misaligned segment: program header %d (PT_LOAD) has p_vaddr 0x%x and p_offset 0x%x, which differ modulo the page size (%d)"
                            .formatted(ph.index(), ph.vaddr(), ph.offset(), ELF_MIN_ALIGN));
        }
    }

    /** Whether [offset, offset + length) lies inside a file of {@code size} bytes; both unsigned. */
    static boolean within(long offset, long length, long size) {
        return Long.compareUnsigned(offset, size) <= 0 && Long.compareUnsigned(length, size - offset) <= 0;
    }
}
