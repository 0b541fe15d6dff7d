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
import static io.mmemu.kernel.elf.ElfFormatException.Reason.UNREADABLE;
import static io.mmemu.kernel.elf.ElfFormatException.Reason.WRONG_MACHINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmemu.kernel.elf.ElfFormatException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each way a file can fail to load, made by breaking a real static binary on purpose, with the
 * exact message it must produce.
 */
class ElfFormatErrorsTest {
    private static final long TASK_SIZE = 0x7ffffffff000L;

    /** One broken file: what to do to the real binary, and what the parser must say. */
    private record Case(String name, Function<byte[], byte[]> breakIt, Reason reason,
            Function<byte[], String> message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case fixed(String name, byte[] contents, Reason reason, String message) {
        return new Case(name, b -> contents, reason, b -> message);
    }

    private static Case edit(String name, java.util.function.Consumer<byte[]> edit, Reason reason,
            Function<byte[], String> message) {
        return new Case(name, b -> {
            edit.accept(b);
            return b;
        }, reason, message);
    }

    private static Case truncateAt(String name, Function<byte[], Integer> length, Reason reason,
            Function<byte[], String> message) {
        return new Case(name, b -> Arrays.copyOf(b, length.apply(b)), reason, message);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                fixed("empty file", new byte[0], NOT_ELF, "not an ELF file (empty file)"),
                fixed("shell script", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII), NOT_ELF,
                        "not an ELF file (a #! script; mmemu runs ELF executables)"),
                fixed("text", "hello, world\n".getBytes(StandardCharsets.US_ASCII), NOT_ELF,
                        "not an ELF file (no ELF magic number)"),
                fixed("one byte that is not the magic", new byte[] {0x7e}, NOT_ELF,
                        "not an ELF file (no ELF magic number)"),
                truncateAt("truncated inside the magic", b -> 3, TRUNCATED,
                        b -> "truncated: the file has 3 bytes, an ELF64 header needs 64"),
                truncateAt("truncated inside the header", b -> 40, TRUNCATED,
                        b -> "truncated: the file has 40 bytes, an ELF64 header needs 64"),
                truncateAt("truncated after the header", b -> 64, TRUNCATED, ElfFormatErrorsTest::tableTruncated),
                truncateAt("truncated inside the program headers",
                        b -> (int) ElfMutations.phoff(b) + ElfMutations.phnum(b) * 56 - 1, TRUNCATED,
                        ElfFormatErrorsTest::tableTruncated),
                truncateAt("truncated inside the last PT_LOAD", b -> lastLoadEnd(b) - 1, TRUNCATED,
                        ElfFormatErrorsTest::loadTruncated),
                truncateAt("truncated halfway", b -> b.length / 2, TRUNCATED, ElfFormatErrorsTest::loadTruncated),
                edit("EI_CLASS 32-bit", b -> b[4] = 1, ELFCLASS32,
                        b -> "32-bit ELF (ELFCLASS32) not supported; mmemu runs x86-64 (ELFCLASS64) executables"),
                edit("EI_CLASS none", b -> b[4] = 0, MALFORMED,
                        b -> "malformed ELF: invalid EI_CLASS 0 (expected 2, ELFCLASS64)"),
                edit("EI_DATA big-endian", b -> b[5] = 2, BIG_ENDIAN,
                        b -> "big-endian ELF (ELFDATA2MSB) not supported; x86-64 executables are little-endian"),
                edit("EI_DATA 7", b -> b[5] = 7, MALFORMED,
                        b -> "malformed ELF: invalid EI_DATA 7 (expected 1, ELFDATA2LSB)"),
                edit("e_machine AArch64", b -> ElfMutations.le(b).putShort(18, (short) 183), WRONG_MACHINE,
                        b -> "ELF for AArch64 (e_machine 183), expected x86-64"),
                edit("e_machine i386", b -> ElfMutations.le(b).putShort(18, (short) 3), WRONG_MACHINE,
                        b -> "ELF for i386 (e_machine 3), expected x86-64"),
                edit("e_machine RISC-V", b -> ElfMutations.le(b).putShort(18, (short) 243), WRONG_MACHINE,
                        b -> "ELF for RISC-V (e_machine 243), expected x86-64"),
                edit("e_machine unknown", b -> ElfMutations.le(b).putShort(18, (short) 0xbeef), WRONG_MACHINE,
                        b -> "ELF for an unknown machine (e_machine 48879), expected x86-64"),
                edit("e_type ET_REL", b -> ElfMutations.le(b).putShort(16, (short) 1), NOT_EXECUTABLE,
                        b -> "not an executable: relocatable object file (ET_REL); link it into an executable"),
                edit("e_type ET_CORE", b -> ElfMutations.le(b).putShort(16, (short) 4), NOT_EXECUTABLE,
                        b -> "not an executable: core dump (ET_CORE)"),
                edit("e_type ET_NONE", b -> ElfMutations.le(b).putShort(16, (short) 0), NOT_EXECUTABLE,
                        b -> "not an executable: no file type (ET_NONE)"),
                edit("e_type OS-specific", b -> ElfMutations.le(b).putShort(16, (short) 0xfe00), NOT_EXECUTABLE,
                        b -> "not an executable: unknown e_type 0xfe00"),
                edit("e_phentsize 32", b -> ElfMutations.le(b).putShort(54, (short) 32), MALFORMED,
                        b -> "malformed ELF: e_phentsize is 32, expected 56 (sizeof(Elf64_Phdr))"),
                edit("e_phnum 0", b -> ElfMutations.le(b).putShort(56, (short) 0), NO_LOAD_SEGMENTS,
                        b -> "no program headers (e_phnum 0): nothing to map"),
                edit("e_phnum 74", b -> ElfMutations.le(b).putShort(56, (short) 74), MALFORMED,
                        b -> "malformed ELF: 74 program headers, the kernel reads at most 73 (4096 bytes)"),
                edit("e_phnum 65535", b -> ElfMutations.le(b).putShort(56, (short) 0xffff), MALFORMED,
                        b -> "malformed ELF: 65535 program headers, the kernel reads at most 73 (4096 bytes)"),
                edit("e_phoff past the end", b -> ElfMutations.le(b).putLong(32, b.length - 100L), TRUNCATED,
                        ElfFormatErrorsTest::tableTruncated),
                edit("e_phoff huge", b -> ElfMutations.le(b).putLong(32, -64L), TRUNCATED,
                        ElfFormatErrorsTest::tableTruncated),
                edit("no PT_LOAD", ElfFormatErrorsTest::removeLoads, NO_LOAD_SEGMENTS,
                        b -> "no PT_LOAD segments: nothing to map"),
                edit("PT_LOAD p_vaddr off by one", b -> {
                    var p = ElfMutations.phdrs(b);
                    p.setVaddr(p.load(1), p.vaddr(p.load(1)) + 1);
                }, MISALIGNED_SEGMENT, b -> {
                    var p = ElfMutations.phdrs(b);
                    int i = p.load(1);
                    return ("misaligned segment: program header %d (PT_LOAD) has p_vaddr 0x%x and p_offset 0x%x, "
                            + "which differ modulo the page size (4096)").formatted(i, p.vaddr(i), p.offset(i));
                }),
                edit("PT_LOAD p_filesz > p_memsz", b -> {
                    var p = ElfMutations.phdrs(b);
                    p.setMemsz(p.lastLoad(), p.filesz(p.lastLoad()) - 1);
                }, MALFORMED, b -> {
                    var p = ElfMutations.phdrs(b);
                    int i = p.lastLoad();
                    return "malformed ELF: program header %d (PT_LOAD) has p_filesz 0x%x larger than p_memsz 0x%x"
                            .formatted(i, p.filesz(i), p.memsz(i));
                }),
                edit("PT_LOAD above the user address space", b -> {
                    var p = ElfMutations.phdrs(b);
                    p.setVaddr(p.load(0), 0x800000000000L);
                }, MALFORMED, b -> addressSpace(b, ElfMutations.phdrs(b).load(0))),
                edit("PT_LOAD ending past the user address space", b -> {
                    var p = ElfMutations.phdrs(b);
                    p.setVaddr(p.load(0), TASK_SIZE - 4096);
                    p.setMemsz(p.load(0), 8192);
                }, MALFORMED, b -> addressSpace(b, ElfMutations.phdrs(b).load(0))),
                edit("PT_LOAD p_memsz wraps around", b -> ElfMutations.phdrs(b).setMemsz(
                        ElfMutations.phdrs(b).load(0), -1L), MALFORMED,
                        b -> addressSpace(b, ElfMutations.phdrs(b).load(0))),
                edit("PT_LOAD p_offset huge", b -> {
                    var p = ElfMutations.phdrs(b);
                    p.setOffset(p.load(0), 0xffff_ffff_ffff_0000L);
                    p.setVaddr(p.load(0), 0x400000);
                }, TRUNCATED, b -> {
                    var p = ElfMutations.phdrs(b);
                    int i = p.load(0);
                    return "truncated: program header %d (PT_LOAD) needs file bytes 0x%x-0x%x, but the file ends at 0x%x"
                            .formatted(i, p.offset(i), p.offset(i) + p.filesz(i), b.length);
                }),
                edit("e_entry above the user address space", b -> ElfMutations.le(b).putLong(24, TASK_SIZE),
                        MALFORMED, b -> "malformed ELF: entry point 0x7ffffffff000 is outside the user address space "
                                + "(below 0x7ffffffff000)"),
                new Case("PT_INTERP with a musl interpreter", b -> addInterp(b, "/lib/ld-musl-x86_64.so.1\0"),
                        DYNAMICALLY_LINKED, b -> "dynamically linked (interpreter /lib/ld-musl-x86_64.so.1); "
                                + "mmemu runs static executables — link with -static"),
                new Case("PT_INTERP with unprintable bytes", b -> addInterp(b, "/tmp/a\nb\u0001\0"),
                        DYNAMICALLY_LINKED, b -> "dynamically linked (interpreter /tmp/a\\x0ab\\x01); "
                                + "mmemu runs static executables — link with -static"),
                new Case("PT_INTERP without NUL", b -> addInterp(b, "/lib/ld"),
                        DYNAMICALLY_LINKED, b -> "dynamically linked (interpreter /lib/ld); "
                                + "mmemu runs static executables — link with -static"),
                edit("PT_INTERP past the end", b -> {
                    var p = ElfMutations.phdrs(b);
                    int i = p.indexOf(ProgramHeader.PT_GNU_STACK);
                    p.setType(i, ProgramHeader.PT_INTERP);
                    p.setOffset(i, b.length - 4L);
                    p.setFilesz(i, 26);
                }, TRUNCATED, b -> {
                    int i = ElfMutations.phdrs(b).indexOf(ProgramHeader.PT_INTERP);
                    return ("truncated: the PT_INTERP path (program header %d, 0x1a bytes at offset 0x%x) lies past "
                            + "the end of the file (%d bytes)").formatted(i, b.length - 4L, b.length);
                }))
                .map(c -> Arguments.of(c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenFileIsRejectedWithItsOwnMessage(Case c) {
        byte[] broken = c.breakIt().apply(Fixtures.bytes(Fixtures.staticExec()));
        String expected = c.message().apply(broken.clone());
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> ElfImage.parse(broken));
        assertEquals(expected, e.getMessage(), c.name());
        assertEquals(c.reason(), e.reason(), c.name());
    }

    @Test
    void everyReasonHasACase() {
        Set<Reason> covered = new HashSet<>();
        cases().forEach(a -> covered.add(((Case) a.get()[0]).reason()));
        covered.add(UNREADABLE); // by parse(Path) below
        covered.add(DYNAMICALLY_LINKED);
        assertEquals(Set.of(Reason.values()), covered);
    }

    @Test
    void dynamicallyLinkedGccProgramNamesItsInterpreter() {
        Path dynamic = Fixtures.dynamic();
        String interpreter = ReadElf.of(dynamic).interpreter();
        assertEquals("/lib64/ld-linux-x86-64.so.2", interpreter, "gcc's default interpreter on x86-64");
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> ElfImage.parse(dynamic));
        assertEquals("dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2); "
                + "mmemu runs static executables — link with -static", e.getMessage());
        assertEquals(DYNAMICALLY_LINKED, e.reason());
    }

    @Test
    void missingFileIsUnreadable(@TempDir Path dir) {
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> ElfImage.parse(dir.resolve("nope")));
        assertEquals("cannot read file: no such file", e.getMessage());
        assertEquals(UNREADABLE, e.reason());
    }

    @Test
    void directoryIsUnreadable(@TempDir Path dir) {
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> ElfImage.parse(dir));
        assertEquals("cannot read file: Is a directory", e.getMessage());
        assertEquals(UNREADABLE, e.reason());
    }

    @Test
    void emptyFileOnDiskIsNotElf(@TempDir Path dir) throws IOException {
        Path empty = Files.createFile(dir.resolve("empty"));
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> ElfImage.parse(empty));
        assertEquals("not an ELF file (empty file)", e.getMessage());
    }

    private static String tableTruncated(byte[] b) {
        return "truncated: the program header table (%d entries at offset 0x%x) ends past the end of the file (%d bytes)"
                .formatted(ElfMutations.phnum(b), ElfMutations.phoff(b), b.length);
    }

    private static int lastLoadEnd(byte[] b) {
        var p = ElfMutations.phdrs(b);
        int i = p.lastLoad();
        return (int) (p.offset(i) + p.filesz(i));
    }

    /** The first PT_LOAD whose file bytes a file of {@code b.length} bytes no longer holds. */
    private static String loadTruncated(byte[] b) {
        int length = b.length;
        var p = ElfMutations.phdrs(b);
        for (int i = 0; i < p.count(); i++) {
            if (p.type(i) == ProgramHeader.PT_LOAD && p.filesz(i) > 0 && p.offset(i) + p.filesz(i) > length) {
                return "truncated: program header %d (PT_LOAD) needs file bytes 0x%x-0x%x, but the file ends at 0x%x"
                        .formatted(i, p.offset(i), p.offset(i) + p.filesz(i), length);
            }
        }
        throw new AssertionError("no PT_LOAD reaches past " + length);
    }

    private static String addressSpace(byte[] b, int i) {
        var p = ElfMutations.phdrs(b);
        return ("malformed ELF: program header %d (PT_LOAD) at 0x%x, 0x%x bytes, does not fit below the user "
                + "address space limit 0x7ffffffff000").formatted(i, p.vaddr(i), p.memsz(i));
    }

    private static void removeLoads(byte[] b) {
        var p = ElfMutations.phdrs(b);
        for (int i = 0; i < p.count(); i++) {
            if (p.type(i) == ProgramHeader.PT_LOAD) {
                p.setType(i, 0);
            }
        }
    }

    /** Appends {@code path} to the file and turns PT_GNU_STACK into a PT_INTERP pointing at it. */
    private static byte[] addInterp(byte[] b, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.ISO_8859_1);
        byte[] grown = Arrays.copyOf(b, b.length + bytes.length);
        System.arraycopy(bytes, 0, grown, b.length, bytes.length);
        var p = ElfMutations.phdrs(grown);
        int i = p.indexOf(ProgramHeader.PT_GNU_STACK);
        p.setType(i, ProgramHeader.PT_INTERP);
        p.setOffset(i, b.length);
        p.setFilesz(i, bytes.length);
        return grown;
    }
}
