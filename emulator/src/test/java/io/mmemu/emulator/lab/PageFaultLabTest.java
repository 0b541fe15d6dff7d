package io.mmemu.emulator.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.lab.LabReport.Check;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import com.google.gson.JsonObject;
import io.mmemu.emulator.run.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lab 3: the reference program has exactly the pattern; off-by-one pages and writes before reads are named. */
class PageFaultLabTest {
    private final PageFaultLab lab = new PageFaultLab();

    @Test
    void theStarterFileIsTheBaseline() throws IOException {
        assertEquals(PageFaultLab.BASELINE, Files.readString(LabFiles.labs().resolve(lab.directory()).resolve(PageFaultLab.HAND_IN)));
    }

    @Test
    void referenceSolutionGetsFullMarks() {
        LabFiles.assertFullMarks(lab, 10);
    }

    @Test
    void theStarterFileScoresOnlyForRunning() {
        LabReport r = lab.check(LabFiles.labs().resolve(lab.directory()));
        assertEquals(1, r.score(), r.failures());
        assertTrue(r.named(PageFaultLab.ZERO).message().startsWith("expected 4 zero-page maps beyond the starter file as given, got 0"),
                r.failures());
    }

    @Test
    void offByOnePageIsNamed(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageFaultLab.HAND_IN, dir, "for (int i = 0; i < 4; i++) sum += p[i * PAGE];",
                "for (int i = 0; i < 3; i++) sum += p[i * PAGE];");
        LabReport r = lab.check(dir);
        Check zero = r.named(PageFaultLab.ZERO);
        assertFalse(zero.passed());
        assertTrue(zero.message().contains("got 3\n  off by one page"), zero.message());
        assertTrue(r.named(PageFaultLab.COPIES).passed(), r.failures());
    }

    @Test
    void writesBeforeReadsAreNamed(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageFaultLab.HAND_IN, dir,
                "    for (int i = 0; i < 4; i++) sum += p[i * PAGE];  /* 4 reads of untouched pages: 4 zero-page maps */\n"
                + "    for (int i = 0; i < 3; i++) p[i * PAGE] = 1;     /* 3 writes to zero-page mappings: 3 COW copies */\n",
                "    for (int i = 0; i < 3; i++) p[i * PAGE] = 1;\n    for (int i = 0; i < 4; i++) sum += p[i * PAGE];\n");
        LabReport r = lab.check(dir);
        assertTrue(r.named(PageFaultLab.ZERO).message().contains("read first, then write"), r.failures());
        assertTrue(r.named(PageFaultLab.COPIES).message().contains("(writes before reads)"), r.failures());
        assertTrue(r.named(PageFaultLab.REUSES).passed(), r.failures());
        assertTrue(r.named(PageFaultLab.STACK).passed(), r.failures());
    }

    /** Issue 16's teaching defaults: a 16 MiB machine with the teaching TLB counts the same faults. */
    @Test
    void theTeachingMachineCountsTheSame(@TempDir Path dir) throws IOException {
        Path bin = dir.resolve("faults");
        assertEquals(null, PageFaultLab.build(LabFiles.solution(lab).resolve(PageFaultLab.HAND_IN), bin));
        RunConfig defaults = RunConfig.defaults(bin, List.of());
        JsonObject small = defaults.toJson();
        small.addProperty("ramBytes", 16L << 20);
        small.addProperty("tlbPreset", "teaching");
        FaultCounts onDefault = FaultCounts.of(defaults, 60);
        FaultCounts onSmall = FaultCounts.of(RunConfig.fromJson(small), 60);
        assertEquals(0, onSmall.status(), onSmall.output());
        assertEquals(onDefault.toString(), onSmall.toString());
        assertEquals(4, onSmall.zeroPageMap(), onSmall.toString()); // libc's start maps no zero page
        assertEquals(1, onSmall.stackExpand(), onSmall.toString());
    }

    @Test
    void aCompileErrorIsShown(@TempDir Path dir) throws IOException {
        LabFiles.mutant(lab, PageFaultLab.HAND_IN, dir, "return sum;", "return sum");
        LabReport r = lab.check(dir);
        assertEquals(0, r.score());
        assertTrue(r.firstFailure().contains("does not compile"), r.firstFailure());
    }
}
