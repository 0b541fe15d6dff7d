package io.mmemu.emulator.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.lab.LabReport.Check;
import io.mmemu.mm.phys.PhysicalMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lab 1's grader: full marks for the reference walker, and each typical mistake failed with its name. */
class PageTableLabTest {
    private final PageTableLab lab = new PageTableLab();

    @Test
    void referenceSolutionGetsFullMarks() {
        LabFiles.assertFullMarks(lab, 10);
    }

    @Test
    void everyCheckSeesDozensOfCases() {
        try (PhysicalMemory mem = PhysicalMemory.reserve(2L << 20)) {
            Map<String, PageTableLab.Tally> t = PageTableLab.grade((m, cr3, va, type, user) -> null, mem);
            for (var e : t.entrySet()) {
                assertTrue(e.getValue().cases >= 40, e.getKey() + " has only " + e.getValue().cases + " cases");
                assertEquals(e.getValue().cases, e.getValue().wrong, "a walker answering nothing is wrong everywhere");
            }
        }
    }

    @Test
    void starterFileCompilesAndEarnsNothingForTranslations() {
        LabReport r = lab.check(LabFiles.labs().resolve(lab.directory()));
        assertTrue(r.score() < r.max());
        assertFalse(r.named(PageTableLab.PAGE_4K).passed());
        assertTrue(r.named(PageTableLab.PAGE_4K).message().contains("expected: physical address"), r.failures());
    }

    @Test
    void ignoringPsFailsHugePagesAndSaysSo(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageTableLab.HAND_IN, dir, "boolean leaf = level == 3 || (level > 0 && (entry & PS) != 0);",
                "boolean leaf = level == 3;");
        LabReport r = lab.check(dir);
        assertTrue(r.named(PageTableLab.PAGE_4K).passed(), r.failures());
        for (String huge : new String[] {PageTableLab.PAGE_2M, PageTableLab.PAGE_1G}) {
            Check c = r.named(huge);
            assertFalse(c.passed(), huge);
            assertTrue(c.message().contains("PS bit (7) set means it maps a"), c.message());
        }
        assertTrue(r.score() < r.max());
    }

    @Test
    void forgettingUserAndInstructionBitsFailsTheErrorCodes(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageTableLab.HAND_IN, dir, "int access = (type == AccessType.WRITE ? Translation.PF_WRITE : 0) | (user ? Translation.PF_USER : 0)\n"
                + "                | (type == AccessType.FETCH ? Translation.PF_INSTR : 0);",
                "int access = type == AccessType.WRITE ? Translation.PF_WRITE : 0;");
        LabReport r = lab.check(dir);
        assertTrue(r.named(PageTableLab.PAGE_4K).passed(), "translations are still right");
        Check us = r.named(PageTableLab.SUPERVISOR);
        assertFalse(us.passed());
        assertTrue(us.message().contains("the error code lacks U/S (bit 2"), us.message());
        Check nx = r.named(PageTableLab.NO_EXEC);
        assertFalse(nx.passed());
        assertTrue(nx.message().contains("I/D (bit 4"), nx.message());
    }

    @Test
    void aWrongIndexShiftIsNamed(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageTableLab.HAND_IN, dir, "{39, 30, 21, 12}", "{39, 30, 20, 12}");
        LabReport r = lab.check(dir);
        Check c = r.named(PageTableLab.PAGE_4K);
        assertFalse(c.passed());
        assertTrue(c.message().contains("wrong index: your walker read"), c.message());
        assertTrue(c.message().contains("for the PDE, but the PDE is at"), c.message());
        assertTrue(c.message().contains("bits 29:21"), c.message());
    }

    @Test
    void aWalkerWithClassesOfItsOwnIsLoadedWhole(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageTableLab.HAND_IN, dir, "long entry = mem.readLong(table + 8 * ((vaddr >>> SHIFT[level]) & 511));",
                "long entry = Reader.read(mem, table + 8 * ((vaddr >>> SHIFT[level]) & 511));");
        Path f = dir.resolve(PageTableLab.HAND_IN);
        Files.writeString(f, Files.readString(f).replaceFirst("\\}\\s*$",
                "    static final class Reader {\n        static long read(PhysRead m, long pa) {\n            return m.readLong(pa);\n"
                + "        }\n    }\n}\n"));
        LabReport r = lab.check(dir);
        assertEquals(r.max(), r.score(), r.failures());
    }

    @Test
    void aCompileErrorIsShownAndScoresZero(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageTableLab.HAND_IN, dir, "table = entry & ADDR;", "table = entry & ADDR");
        LabReport r = lab.check(dir);
        assertEquals(0, r.score());
        assertEquals(10, r.max());
        assertTrue(r.firstFailure().contains("does not compile"), r.firstFailure());
        assertTrue(r.firstFailure().contains("';' expected"), r.firstFailure());
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        LabReport r = lab.check(dir);
        assertEquals(0, r.score());
        assertTrue(r.firstFailure().contains("no file"), r.firstFailure());
        assertFalse(Files.exists(dir.resolve(PageTableLab.HAND_IN)));
    }
}
