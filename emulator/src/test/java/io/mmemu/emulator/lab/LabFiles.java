package io.mmemu.emulator.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's labs/ directory as the tests see it, and hand-ins made from its files. */
final class LabFiles {
    private LabFiles() {}

    /** labs/ of this checkout (tests run in the module's directory). */
    static Path labs() {
        Path p = Path.of("..", "labs").toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(p), "no labs/ at " + p);
        return p;
    }

    /** The lab's reference solution directory. */
    static Path solution(Lab lab) {
        return labs().resolve(lab.directory()).resolve("solution");
    }

    /** Grades the lab's reference solution and asserts full marks out of {@code max}; returns the report. */
    static LabReport assertFullMarks(Lab lab, int max) {
        LabReport r = lab.check(solution(lab));
        assertEquals(max, r.max());
        assertEquals(r.max(), r.score(), r.failures());
        return r;
    }

    /**
     * A hand-in in {@code dir}: the reference solution's {@code file} with {@code from} replaced by
     * {@code to} (which must occur, so that a mutant never silently equals the reference).
     */
    static Path mutant(Lab lab, String file, Path dir, String from, String to) throws IOException {
        String text = Files.readString(solution(lab).resolve(file));
        assertTrue(text.contains(from), "the reference " + file + " no longer contains: " + from);
        Files.writeString(dir.resolve(file), text.replace(from, to));
        return dir;
    }
}
