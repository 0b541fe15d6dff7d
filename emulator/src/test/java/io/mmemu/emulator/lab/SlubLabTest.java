package io.mmemu.emulator.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.lab.SlubScenario.Bug;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lab 4: the scenario's report names what the answers need, and the grader tells right from typical wrong answers. */
class SlubLabTest {
    private final SlubLab lab = new SlubLab();
    private static final Pattern FIRST_BAD = Pattern.compile("^\\[[^]]+] 0x([0-9a-f]+)-", Pattern.MULTILINE);
    private static final Pattern OBJECT = Pattern.compile("^Object 0x([0-9a-f]+) @offset=(\\d+)", Pattern.MULTILINE);

    private static long group(Pattern p, String text, int g) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), p + " not in:\n" + text);
        return Long.parseLong(m.group(1 + g - 1), g == 2 ? 10 : 16);
    }

    /** The answers a student reading the slub_debug report of {@code seed} would write. */
    static String answersFromReport(long seed) {
        String t = SlubScenario.of(seed).run("FZPU").transcript();
        String bug = t.contains("Object already free") ? "double-free"
                : t.contains("[Poison overwritten]") ? "use-after-free"
                : t.contains("[Right Redzone overwritten]") ? "redzone-overrun" : "?";
        Matcher m = Pattern.compile("^BUG (\\S+) ", Pattern.MULTILINE).matcher(t);
        assertTrue(m.find(), t);
        String offset = bug.equals("double-free") ? "none" : String.valueOf(group(FIRST_BAD, t, 1) - group(OBJECT, t, 1));
        return "seed: " + seed + "\nbug: " + bug + "\ncache: " + m.group(1) + "\noffset: " + offset + "\n";
    }

    @Test
    void referenceSolutionGetsFullMarks() throws IOException {
        LabFiles.assertFullMarks(lab, 10);
        assertEquals(SlubLab.parse(Files.readAllLines(LabFiles.solution(lab).resolve(SlubLab.HAND_IN))),
                SlubLab.parse(answersFromReport(1).lines().toList()), "the reference answers are what the report says");
    }

    @Test
    void everyBugIsPlantedAndReadableFromTheReport(@TempDir Path dir) throws IOException {
        Set<Bug> seen = EnumSet.noneOf(Bug.class);
        for (long seed = 1; seed <= 24; seed++) {
            SlubScenario s = SlubScenario.of(seed);
            seen.add(s.bug());
            Files.writeString(dir.resolve(SlubLab.HAND_IN), answersFromReport(seed));
            LabReport r = lab.check(dir);
            assertEquals(r.max(), r.score(), "seed " + seed + " " + s + "\n" + r.failures());
            String quiet = s.run("").transcript();
            if (s.bug() != Bug.DOUBLE_FREE) {
                assertTrue(quiet.contains("printed nothing"), "without slub_debug the corruption goes unseen:\n" + quiet);
            }
        }
        assertEquals(EnumSet.allOf(Bug.class), seen);
    }

    @Test
    void theScenarioIsTheSameEveryRun() {
        assertEquals(SlubScenario.of(4).run("FZPU").transcript(), SlubScenario.of(4).run("FZPU").transcript());
    }

    private static long seedWith(Bug bug) {
        for (long seed = 1; ; seed++) if (SlubScenario.of(seed).bug() == bug) return seed;
    }

    @Test
    void poisonTakenForARedZoneIsNamed(@TempDir Path dir) throws IOException {
        long seed = seedWith(Bug.USE_AFTER_FREE);
        Files.writeString(dir.resolve(SlubLab.HAND_IN), answersFromReport(seed).replace("use-after-free", "redzone-overrun"));
        LabReport r = lab.check(dir);
        assertEquals(6, r.score(), r.failures());
        assertTrue(r.failures().contains("expected use-after-free, got redzone-overrun: the report says \"Poison overwritten\""),
                r.failures());
    }

    @Test
    void theSlabOffsetInsteadOfTheObjectOffsetIsNamed(@TempDir Path dir) throws IOException {
        long seed = seedWith(Bug.USE_AFTER_FREE);
        String t = SlubScenario.of(seed).run("FZPU").transcript();
        Matcher m = Pattern.compile("@offset=(\\d+)\\. First byte").matcher(t);
        assertTrue(m.find(), t);
        String answers = answersFromReport(seed).replaceAll("offset: \\d+", "offset: " + m.group(1));
        Files.writeString(dir.resolve(SlubLab.HAND_IN), answers);
        LabReport r = lab.check(dir);
        assertEquals(7, r.score(), r.failures());
        assertTrue(r.failures().contains("that looks like the report's @offset=, which counts from the start of the slab"),
                r.failures());
    }

    @Test
    void aDoubleFreeHasNoOffsetAndAWrongCacheIsNamed(@TempDir Path dir) throws IOException {
        long seed = seedWith(Bug.DOUBLE_FREE);
        SlubScenario s = SlubScenario.of(seed);
        String other = s.cache().equals("dentry") ? "filp" : "dentry";
        Files.writeString(dir.resolve(SlubLab.HAND_IN), answersFromReport(seed).replace("cache: " + s.cache(), "cache: " + other)
                .replace("offset: none", "offset: 0"));
        LabReport r = lab.check(dir);
        assertEquals(4, r.score(), r.failures());
        assertTrue(r.failures().contains("expected " + s.cache() + ", got " + other), r.failures());
        assertTrue(r.failures().contains("expected none: a double free corrupts no byte"), r.failures());
        assertFalse(r.checks().getFirst().message().contains("expected"), "the bug itself was right");
    }
}
