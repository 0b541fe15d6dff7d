package io.mmemu.emulator.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mmemu lab}: the score line, what a failed check prints, the exit status, and where a hand-in is looked for. */
class LabCommandTest {
    private static String run(int lab, Path dir, int expectedStatus) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = LabCommand.check(lab, dir, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, text);
        return text;
    }

    @Test
    void fullMarksPrintTheScoreAndExitZero() {
        String text = run(4, LabFiles.solution(Labs.byNumber(4)), 0);
        assertTrue(text.startsWith("Lab 4: SLUB"), text);
        assertTrue(text.contains("[ok] the bug"), text);
        assertTrue(text.strip().endsWith("score: 10/10"), text);
    }

    @Test
    void aFailedCheckShowsWhatWasExpected(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("answers.txt"), "seed: 1\nbug: use-after-free\ncache: filp\noffset: 256\n");
        String text = run(4, dir, 1);
        assertTrue(text.contains("[FAIL] the bug"), text);
        assertTrue(text.contains("expected redzone-overrun, got use-after-free: the report says \"Right Redzone overwritten\""), text);
        assertTrue(text.strip().endsWith("score: 6/10"), text);
    }

    @Test
    void theStarterFilesAreFoundFromTheCheckout() {
        Path lab2 = Labs.defaultDir(Labs.byNumber(2), Path.of(""));
        assertEquals(LabFiles.labs().resolve("2-tlb"), lab2);
        String text = run(2, null, 1);
        assertTrue(text.strip().endsWith("score: 0/21"), text);
        assertTrue(text.contains("expected: R 0x1000 MISS\n              got: (no line)"), text);
    }

    @Test
    void anUnknownLabIsRefused() {
        String text = run(9, null, 2);
        assertTrue(text.contains("no lab 9 (expected one of: 1, 2, 3, 4)"), text);
    }

    @Test
    void theCommandLineHasTheLabCommand() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.execute("lab", "list"));
            assertEquals(0, Main.execute("lab", "check", "2", LabFiles.solution(Labs.byNumber(2)).toString()));
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("3  labs/3-page-faults"), text);
        assertTrue(text.contains("score: 21/21"), text);
    }
}
