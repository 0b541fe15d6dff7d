package io.mmemu.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.kernel.elf.SyntheticElf.Phdr;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The image's derived layout values on hand-made program-header tables. */
class ElfImageLayoutTest {

    /** One table and what the kernel would compute from it. */
    private record Layout(String name, long phoff, List<Phdr> phdrs, long phdrVaddr, long mappingStart,
            long elfBrk, long totalMappingSize, long mappingEnd, long maximumAlignment) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Phdr load(long offset, long vaddr, long filesz, long memsz, long align) {
        return Phdr.load(offset, vaddr, filesz, memsz, align);
    }

    static Stream<Arguments> layouts() {
        return Stream.of(
                new Layout("one page-aligned segment", 64, List.of(load(0, 0x400000, 0x200, 0x200, 0x1000)),
                        0x400040, 0x400000, 0x400200, 0x200, 0x401000, 0x1000),
                new Layout("bss and an unaligned start", 64, List.of(
                        load(0, 0x400000, 0x1000, 0x1000, 0x1000),
                        load(0x1f00, 0x402f00, 0x100, 0x5000, 0x1000)),
                        0x400040, 0x400000, 0x407f00, 0x7f00, 0x408000, 0x1000),
                new Layout("segments out of address order", 64, List.of(
                        load(0x2000, 0x600000, 0x100, 0x100, 0x1000),
                        load(0, 0x400000, 0x1000, 0x1000, 0x1000)),
                        0x400040, 0x400000, 0x600100, 0x200100, 0x601000, 0x1000),
                new Layout("table in the second segment, PT_PHDR ignored", 0x1040, List.of(
                        new Phdr(ProgramHeader.PT_PHDR, 4, 0x1040, 0x999000, 0x70, 0x70, 8),
                        load(0, 0x400000, 0x1000, 0x1000, 0x1000),
                        load(0x1000, 0x401000, 0x1000, 0x1000, 0x1000)),
                        0x401040, 0x400000, 0x402000, 0x2000, 0x402000, 0x1000),
                new Layout("table covered twice: the last segment wins", 64, List.of(
                        load(0, 0x400000, 0x1000, 0x1000, 0x1000),
                        load(0, 0x800000, 0x1000, 0x1000, 0x1000)),
                        0x800040, 0x400000, 0x801000, 0x401000, 0x801000, 0x1000),
                new Layout("table in no segment: AT_PHDR is the bias", 64, List.of(
                        load(0x1000, 0x401000, 0x100, 0x100, 0x1000)),
                        0, 0x401000, 0x401100, 0x100, 0x402000, 0x1000),
                new Layout("2 MiB alignment, non-power-of-two ignored", 64, List.of(
                        load(0, 0, 0x1000, 0x1000, 0x200000),
                        load(0x1000, 0x201000, 0x10, 0x10, 0x300000)),
                        0x40, 0, 0x201010, 0x201010, 0x202000, 0x200000),
                new Layout("no power-of-two alignment: 0, as ELF_PAGEALIGN(0) is", 64,
                        List.of(load(0, 0x10000, 0x100, 0x100, 0)),
                        0x10040, 0x10000, 0x10100, 0x100, 0x11000, 0),
                new Layout("alignment 1 rounds up to a page", 64, List.of(load(0, 0x10000, 0x100, 0x100, 1)),
                        0x10040, 0x10000, 0x10100, 0x100, 0x11000, 0x1000),
                new Layout("file-less segment needs no congruence", 64, List.of(
                        load(0, 0x400000, 0x1000, 0x1000, 0x1000),
                        load(0x123, 0x500010, 0, 0x10, 0x1000)),
                        0x400040, 0x400000, 0x500020, 0x100020, 0x501000, 0x1000))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void layout(Layout l) throws ElfFormatException {
        SyntheticElf elf = new SyntheticElf().phoff(l.phoff()).entry(0x400000);
        l.phdrs().forEach(elf::add);
        ElfImage image = ElfImage.parse(elf.bytes());
        String state = image.toString();
        assertEquals(l.phdrVaddr(), image.phdrVaddr(), "phdrVaddr " + state);
        assertEquals(l.mappingStart(), image.mappingStart(), "mappingStart " + state);
        assertEquals(l.elfBrk(), image.elfBrk(), "elfBrk " + state);
        assertEquals(l.totalMappingSize(), image.totalMappingSize(), "totalMappingSize " + state);
        assertEquals(l.mappingEnd(), image.mappingEnd(), "mappingEnd " + state);
        assertEquals(l.maximumAlignment(), image.maximumAlignment(), "maximumAlignment " + state);
        assertEquals(l.phdrs().stream().filter(p -> p.type() == ProgramHeader.PT_LOAD).count(),
                image.loadSegments().size());
    }
}
