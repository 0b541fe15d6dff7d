package io.mmemu.kernel.elf;

import static org.junit.jupiter.api.Assertions.fail;

import io.mmemu.testprograms.Toolchain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** binutils' readelf as an independent oracle for what ElfImage reads. */
record ReadElf(long entry, long phoff, int phnum, List<LoadSegment> loads, String interpreter, List<String> types) {
    private static final Pattern ENTRY = Pattern.compile("Entry point address:\\s+0x(\\p{XDigit}+)");
    private static final Pattern PHDRS = Pattern.compile(
            "There (?:are|is) (\\d+) program headers?, starting at offset (\\d+)");
    private static final Pattern PHDR_LINE = Pattern.compile(
            "^\\s+([A-Z_]+|LOOS\\+0x\\p{XDigit}+)\\s+0x(\\p{XDigit}+) 0x(\\p{XDigit}+) 0x(\\p{XDigit}+) "
                    + "0x(\\p{XDigit}+) 0x(\\p{XDigit}+) ([RWE ]{3}) 0x(\\p{XDigit}+)$", Pattern.MULTILINE);
    private static final Pattern INTERP = Pattern.compile("\\[Requesting program interpreter: (.*)]");

    static ReadElf of(Path file) {
        String header = Toolchain.runText(List.of("readelf", "-hW", file.toString()));
        String phdrs = Toolchain.runText(List.of("readelf", "-lW", file.toString()));
        Matcher e = ENTRY.matcher(header);
        Matcher p = PHDRS.matcher(phdrs);
        if (!e.find() || !p.find()) {
            fail("unexpected readelf output:\n" + header + phdrs);
        }
        List<LoadSegment> loads = new ArrayList<>();
        List<String> types = new ArrayList<>();
        Matcher line = PHDR_LINE.matcher(phdrs);
        int index = 0;
        while (line.find()) {
            types.add(line.group(1));
            if (line.group(1).equals("LOAD")) {
                String flags = line.group(7);
                int prot = (flags.charAt(0) == 'R' ? 1 : 0) | (flags.charAt(1) == 'W' ? 2 : 0)
                        | (flags.charAt(2) == 'E' ? 4 : 0);
                loads.add(new LoadSegment(index, hex(line.group(3)), hex(line.group(6)), hex(line.group(2)),
                        hex(line.group(5)), hex(line.group(8)), prot));
            }
            index++;
        }
        Matcher i = INTERP.matcher(phdrs);
        return new ReadElf(hex(e.group(1)), Long.parseLong(p.group(2)), Integer.parseInt(p.group(1)), loads,
                i.find() ? i.group(1) : null, types);
    }

    private static long hex(String s) {
        return Long.parseUnsignedLong(s, 16);
    }
}
