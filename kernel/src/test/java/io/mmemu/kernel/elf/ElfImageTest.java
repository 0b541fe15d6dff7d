package io.mmemu.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.testprograms.Toolchain;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Real static binaries, checked against readelf and against what the host kernel tells them. */
class ElfImageTest {
    private static final Pattern PROBE_OUTPUT = Pattern.compile(
            "phdr=(\\p{XDigit}+) phent=(\\d+) phnum=(\\d+) entry=(\\p{XDigit}+)\\n");

    /** What the host kernel put in the probe's auxv. */
    private record KernelSays(long phdr, long phent, long phnum, long entry) {
        static KernelSays run(Path binary) {
            String out = new String(Toolchain.run(List.of(binary.toString()), Map.of()), StandardCharsets.UTF_8);
            Matcher m = PROBE_OUTPUT.matcher(out);
            assertTrue(m.matches(), "probe output: " + out);
            return new KernelSays(Long.parseUnsignedLong(m.group(1), 16), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)), Long.parseUnsignedLong(m.group(4), 16));
        }
    }

    @Test
    void staticExecutableMatchesReadelfAndTheHostKernel() throws ElfFormatException {
        Path file = Fixtures.staticExec();
        ElfImage image = ElfImage.parse(file);
        ReadElf readelf = ReadElf.of(file);

        assertEquals(ElfType.EXEC, image.type());
        assertSameAsReadelf(readelf, image);
        assertTrue(image.hasTls(), "the probe has a _Thread_local: " + image);
        assertEquals(ExecutableStack.DISABLE_X, image.executableStack());
        assertFalse(image.stackExecutable());

        KernelSays kernel = KernelSays.run(file);
        assertEquals(kernel.phdr(), image.phdrVaddr(), "AT_PHDR of an ET_EXEC is unrelocated: " + image);
        assertEquals(kernel.entry(), image.entry());
        assertEquals(kernel.phent(), image.phent());
        assertEquals(kernel.phnum(), image.phnum());
    }

    @Test
    void staticPieMatchesReadelfAndTheHostKernel() throws ElfFormatException {
        Path file = Fixtures.staticPie();
        ElfImage image = ElfImage.parse(file);
        ReadElf readelf = ReadElf.of(file);

        assertEquals(ElfType.DYN, image.type());
        assertEquals(null, readelf.interpreter(), "fixture must have no PT_INTERP: " + readelf.types());
        assertSameAsReadelf(readelf, image);
        assertTrue(image.hasTls());

        KernelSays kernel = KernelSays.run(file);
        long loadBias = kernel.entry() - image.entry();
        assertEquals(0, loadBias % 4096, "load bias 0x%x".formatted(loadBias));
        assertTrue(loadBias != 0, "a static PIE is placed by get_unmapped_area, never at 0");
        assertEquals(kernel.phdr() - loadBias, image.phdrVaddr(), image.toString());
        assertEquals(kernel.phnum(), image.phnum());
    }

    @Test
    void sectionHeadersAreNotNeeded() throws ElfFormatException {
        // What `llvm-objcopy --strip-sections` leaves: no section header table at all. The kernel
        // runs such files (jelf 0.9.0 refuses them: "e_shnum is SHN_UNDEF(0)").
        byte[] bytes = Fixtures.bytes(Fixtures.staticExec());
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        le.putLong(40, 0).putShort(58, (short) 0).putShort(60, (short) 0).putShort(62, (short) 0);
        ElfImage stripped = ElfImage.parse(bytes);
        ElfImage original = ElfImage.parse(Fixtures.staticExec());
        assertEquals(original.loadSegments(), stripped.loadSegments());
        assertEquals(original.phdrVaddr(), stripped.phdrVaddr());
    }

    @Test
    void executableStackFromPtGnuStack() throws ElfFormatException {
        ElfImage image = ElfImage.parse(Fixtures.tinyExecStack());
        assertEquals(ExecutableStack.ENABLE_X, image.executableStack(), image.toString());
        assertTrue(image.stackExecutable());
        assertFalse(image.hasTls());
        assertSameAsReadelf(ReadElf.of(Fixtures.tinyExecStack()), image);
    }

    @Test
    void noPtGnuStackIsExstackDefault() throws ElfFormatException {
        byte[] bytes = Fixtures.bytes(Fixtures.staticExec());
        ElfMutations.Phdrs phdrs = ElfMutations.phdrs(bytes);
        int gnuStack = phdrs.indexOf(ProgramHeader.PT_GNU_STACK);
        phdrs.setType(gnuStack, 0); // PT_NULL
        ElfImage image = ElfImage.parse(bytes);
        assertEquals(ExecutableStack.DEFAULT, image.executableStack());
        assertFalse(image.stackExecutable(), "EXSTACK_DEFAULT is not executable on x86-64");
    }

    @Test
    void segmentContentsAreTheFileBytes() throws ElfFormatException {
        byte[] bytes = Fixtures.bytes(Fixtures.staticExec());
        ElfImage image = ElfImage.parse(Fixtures.staticExec());
        assertEquals(Fixtures.staticExec(), image.path().orElseThrow());
        assertEquals(bytes.length, image.fileSize());
        for (LoadSegment s : image.loadSegments()) {
            ByteBuffer contents = image.contents(s);
            assertTrue(contents.isReadOnly());
            assertEquals(s.filesz(), contents.remaining());
            byte[] got = new byte[contents.remaining()];
            contents.get(got);
            byte[] expected = java.util.Arrays.copyOfRange(bytes, (int) s.fileOffset(),
                    (int) (s.fileOffset() + s.filesz()));
            assertArrayEquals(expected, got, s.toString());
        }
        LoadSegment foreign = new LoadSegment(0, 0, 1, 0, 1, 4096, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> image.contents(foreign));
        assertTrue(e.getMessage().startsWith("segment is not one of this image's PT_LOAD segments (expected one of"),
                e.getMessage());
    }

    @Test
    void readFileReadsZerosPastTheEnd() throws ElfFormatException {
        byte[] bytes = Fixtures.bytes(Fixtures.staticExec());
        ElfImage image = ElfImage.parse(bytes);
        byte[] page = new byte[4096];
        java.util.Arrays.fill(page, (byte) 0x55);
        long lastPage = (bytes.length - 1) & -4096L;
        image.readFile(lastPage, page, 0, page.length);
        int inFile = (int) (bytes.length - lastPage);
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, (int) lastPage, bytes.length),
                java.util.Arrays.copyOf(page, inFile));
        for (int i = inFile; i < page.length; i++) {
            assertEquals(0, page[i], "byte " + i + " past the end of the file");
        }
        image.readFile(bytes.length + 8192L, page, 10, 20);
        assertEquals(0, page[10]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> image.readFile(-1, page, 0, 1));
        assertEquals("fileOffset must not be negative (expected: >= 0, got -1)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> image.readFile(0, page, 4000, 200));
    }

    @Test
    void parseOfBytesCopiesTheArray() throws ElfFormatException {
        byte[] bytes = Fixtures.bytes(Fixtures.staticExec());
        ElfImage image = ElfImage.parse(bytes);
        LoadSegment first = image.loadSegments().getFirst();
        byte before = image.contents(first).get(0);
        bytes[(int) first.fileOffset()] = (byte) ~bytes[(int) first.fileOffset()];
        assertEquals(before, image.contents(first).get(0));
        assertTrue(image.path().isEmpty());
    }

    static void assertSameAsReadelf(ReadElf readelf, ElfImage image) {
        assertEquals(readelf.entry(), image.entry(), "e_entry");
        assertEquals(readelf.phnum(), image.phnum(), "e_phnum");
        assertEquals(56, image.phent());
        assertEquals(readelf.loads(), image.loadSegments(), "PT_LOAD segments, readelf -lW:\n" + readelf);
        long lowest = readelf.loads().stream().mapToLong(LoadSegment::vaddr).min().orElseThrow() & -4096L;
        long highest = readelf.loads().stream().mapToLong(LoadSegment::end).max().orElseThrow();
        assertEquals(highest, image.elfBrk());
        assertEquals(lowest, image.mappingStart());
        assertEquals((highest + 4095) & -4096L, image.mappingEnd());
        assertEquals(highest - lowest, image.totalMappingSize());
        // the kernel's phdr_addr rule, from readelf's numbers
        long phdr = 0;
        for (LoadSegment s : readelf.loads()) {
            if (s.fileOffset() <= readelf.phoff() && readelf.phoff() < s.fileOffset() + s.filesz()) {
                phdr = readelf.phoff() - s.fileOffset() + s.vaddr();
            }
        }
        assertEquals(phdr, image.phdrVaddr(), "program headers at file offset " + readelf.phoff());
    }
}
