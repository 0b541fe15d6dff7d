package io.mmemu.emulator.lab;

import io.mmemu.emulator.lab.SlubScenario.Bug;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Lab 4, SLUB: the student runs the kernel-object scenario of their seed ({@code lab scenario 4
 * --seed N}), finds its planted bug with slub_debug, and hands in an answers file naming the bug,
 * the cache and the offset in the object of the first corrupted byte; the grader compares them
 * with the scenario ({@link SlubScenario}).
 */
final class SlubLab implements Lab {
    /** The hand-in's file. */
    static final String HAND_IN = "answers.txt";

    static final String BUG = "the bug", CACHE = "the cache", OFFSET = "the offset in the object";
    static final Map<String, Integer> CHECKS = Map.of(BUG, 4, CACHE, 3, OFFSET, 3);

    @Override
    public int number() {
        return 4;
    }

    @Override
    public String directory() {
        return "4-slub";
    }

    @Override
    public String title() {
        return "SLUB: find a planted use-after-free, double free or red-zone overrun with slub_debug";
    }

    /** Parses "key: value" lines, '#' comments skipped; keys in lower case. */
    static Map<String, String> parse(List<String> lines) {
        Map<String, String> m = new HashMap<>();
        for (String raw : lines) {
            String line = TlbReplay.stripComment(raw);
            int colon = line.indexOf(':');
            if (colon > 0) m.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return m;
    }

    @Override
    public LabReport check(Path dir) {
        LabReport report = new LabReport("Lab 4: " + title());
        Map<String, Integer> checks = new LinkedHashMap<>();
        checks.put(BUG, CHECKS.get(BUG));
        checks.put(CACHE, CHECKS.get(CACHE));
        checks.put(OFFSET, CHECKS.get(OFFSET));
        Map<String, String> a;
        try {
            a = parse(Files.readAllLines(dir.resolve(HAND_IN)));
        } catch (IOException e) {
            report.unusable("cannot read " + dir.resolve(HAND_IN) + " (" + e.getMessage() + ")", checks);
            return report;
        }
        long seed;
        try {
            seed = Long.decode(a.getOrDefault("seed", "1"));
        } catch (NumberFormatException e) {
            report.unusable("seed: must be the number your scenario was run with (got " + a.get("seed") + ")", checks);
            return report;
        }
        SlubScenario s = SlubScenario.of(seed);
        report.check(BUG, checks.get(BUG), bugMessage(s, a.get("bug")));
        report.check(CACHE, checks.get(CACHE), cacheMessage(s, a.get("cache")));
        report.check(OFFSET, checks.get(OFFSET), offsetMessage(s, a.get("offset")));
        return report;
    }

    private static String bugMessage(SlubScenario s, String answer) {
        if (answer == null) return "no 'bug:' line (expected one of use-after-free, double-free, redzone-overrun)";
        Bug got = Bug.byAnswer(answer);
        if (got == null) return "bug: '" + answer + "' is not one of use-after-free, double-free, redzone-overrun";
        if (got == s.bug()) return null;
        String why = switch (s.bug()) {
            case USE_AFTER_FREE -> "the report says \"Poison overwritten\": bytes of a free object (poisoned with 0x6b, "
                    + "ending in 0xa5) were written after kfree, a use-after-free";
            case DOUBLE_FREE -> "the report says \"Object already free\": the object was on its slab's freelist when it "
                    + "was freed again, a double free";
            case REDZONE_OVERRUN -> "the report says \"Right Redzone overwritten\": a byte past the end of an allocated "
                    + "object (0xcc while in use) was written, an overrun into the red zone";
        };
        return "expected " + s.bug().answer + ", got " + got.answer + ": " + why;
    }

    private static String cacheMessage(SlubScenario s, String answer) {
        if (answer == null) return "no 'cache:' line (expected the name of the slab cache the report names)";
        if (answer.equals(s.cache())) return null;
        return "expected " + s.cache() + ", got " + answer + ": the cache is named in the report's BUG line "
                + "(\"BUG " + s.cache() + " (...): ...\")";
    }

    private static String offsetMessage(SlubScenario s, String answer) {
        if (s.bug() == Bug.DOUBLE_FREE) {
            if (answer != null && answer.equalsIgnoreCase("none")) return null;
            return "expected none: a double free corrupts no byte of the object (got " + answer + ")";
        }
        if (answer == null) return "no 'offset:' line (expected the offset in the object of the first corrupted byte)";
        long got;
        try {
            got = Long.decode(answer);
        } catch (NumberFormatException e) {
            return "offset: '" + answer + "' is not a number (decimal or 0x hex)";
        }
        if (got == s.offset()) return null;
        String why = got > s.offset() + 256
                ? ": that looks like the report's @offset=, which counts from the start of the slab (the page); the "
                + "object's offset is the first bad byte's address minus the object's address (\"Object 0x…\" in the report)"
                : ": the first corrupted byte's address minus the object's address";
        return "expected " + s.offset() + ", got " + got + why;
    }
}
