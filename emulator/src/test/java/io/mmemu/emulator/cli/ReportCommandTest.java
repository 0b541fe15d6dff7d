package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --report} at the edges, without a browser: a run mmemu stops before the program exits is
 * pictured as mmemu tears the program down, and the page says why; a report that cannot be written is said so without changing the run's exit
 * status; and asking for a report changes nothing the program or the counters show.
 */
class ReportCommandTest {
    @Test
    void aRunStoppedBeforeExitIsPicturedAsMmemuTearsItDown(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("stopped.html");
        InProcessRun o = InProcessRun.run(List.of("--report", html.toString(), "--max-instructions", "20000"), "touch-pages");
        assertEquals(124, o.status(), o.log());
        String page = Files.readString(html);
        String detail = o.log().substring(o.log().lastIndexOf(": ") + 2).strip();
        assertTrue(page.contains("The run was stopped before the program exited (" + detail + ")"), detail + "\n" + page);
        assertTrue(Pattern.compile("<rect class=\"vma ").matcher(page).results().count() > 3, "VMAs drawn");
        assertTrue(page.contains("class=\"pt-node open\" data-level=\"PML4\""), "the page-table tree");
    }

    @Test
    void anUnwritableReportIsSaidAndTheStatusStaysTheProgramsOwn(@TempDir Path dir) {
        Path html = dir.resolve("no-such-dir").resolve("r.html");
        InProcessRun o = InProcessRun.run(List.of("--report", html.toString()), "hello");
        assertEquals(InProcessRun.run(List.of(), "hello").status(), o.status(), o.log());
        assertEquals("mmemu: --report " + html + ": cannot write: no such directory\n", o.log());
        assertFalse(Files.exists(html));
    }

    @Test
    void aReportChangesNothingTheCountersShow(@TempDir Path dir) {
        List<String> stats = List.of("--stats", "--vmstat", "--slabinfo");
        String without = figures(InProcessRun.run(stats, "malloc-churn").log());
        List<String> with = new ArrayList<>(stats);
        with.addAll(List.of("--report", dir.resolve("r.html").toString()));
        assertEquals(without, figures(InProcessRun.run(with, "malloc-churn").log()));
    }

    /** mmemu's messages without the wall time (the one figure host time sets). */
    private static String figures(String log) {
        return log.lines().filter(l -> !l.contains("wall time")).reduce("", (a, b) -> a + b + "\n");
    }
}
