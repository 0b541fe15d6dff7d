package io.mmemu.emulator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timeline keeps its first events and counts the rest; its chart draws one marker per kept
 * event on its CPU's lane, and a headless Chromium shows them (synthetic events: the run's event
 * stream feeds it elsewhere).
 */
class TimelineTest {
    @Test
    void keepsTheFirstCapacityEventsAndCountsTheDropped() {
        Timeline t = new Timeline(3);
        t.add(0, 10, TimelineKind.FAULT, 0x1000, "new anon page");
        t.add(1, 11, TimelineKind.FLUSH, 0x2000, "munmap");
        t.add(0, 12, TimelineKind.SHOOTDOWN, 0x2000, "to CPU 1");
        t.add(1, 13, TimelineKind.SHOOTDOWN_RECEIVED, 0x2000, null);
        t.add(1, 14, TimelineKind.FAULT, 0x3000, null);
        assertEquals(3, t.size());
        assertEquals(2, t.dropped());
        assertEquals(2, t.count(TimelineKind.FAULT), "counts include dropped events");
        assertEquals(new Timeline.Event(1, 11, TimelineKind.FLUSH, 0x2000, "munmap"), t.event(1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.event(3));
        assertThrows(IllegalArgumentException.class, () -> new Timeline(0));
    }

    @Test
    void anEmptyTimelineSaysSo() {
        StringBuilder out = new StringBuilder();
        TimelineChart.render(out, new Timeline(4), List.of(0));
        assertTrue(out.toString().contains("no events recorded"), out.toString());
        assertTrue(!out.toString().contains("<svg"), out.toString());
    }

    @Test
    void theChartDrawsEachKeptEventOnItsCpusLaneInABrowser(@TempDir Path dir) throws Exception {
        Timeline t = synthetic();
        StringBuilder body = new StringBuilder();
        TimelineChart.render(body, t, List.of(0, 1, 2, 3));
        String html = new HtmlReport("timeline").section("timeline", "Timeline", body.toString()).page();
        assertEquals(t.size(), Pattern.compile("class=\"tl-event ").matcher(html).results().count(), "markers in the HTML");
        Path file = dir.resolve("timeline.html");
        Files.writeString(file, html);
        try (HeadlessChromium browser = HeadlessChromium.start(Path.of("target", "chromium-profile-timeline-"
                + ProcessHandle.current().pid()), 1000, 400)) {
            browser.open(file);
            assertEquals(List.of(), browser.severeConsoleEntries());
            assertEquals(t.size(), browser.count(".tl-event"));
            assertEquals(Map.of("tl-fault", 40L, "tl-flush", 8L, "tl-shootdown", 8L, "tl-shootdown_received", 24L),
                    TimelineLegend.check(browser), "the legend's counts");
            assertEquals(t.count(TimelineKind.SHOOTDOWN), browser.count(".tl-event.tl-shootdown"));
            assertEquals(3 * t.count(TimelineKind.SHOOTDOWN), browser.count(".tl-event.tl-shootdown_received"));
            // Each marker sits on its CPU's lane: lane k's centre is 10 + 34k + 17.
            for (var e : browser.all(".tl-event.tl-fault")) {
                double cy = Double.parseDouble(e.getAttribute("cy"));
                assertEquals(0, (cy - 27) % 34, 1e-9, "a fault off its lane: " + cy);
            }
            browser.screenshot(null, Path.of("target", "report-screenshots", "timeline-synthetic.png"));
        }
    }

    /** A fault on each CPU now and then, and every fifth step a flush and a shootdown from CPU 0 to the others. */
    private static Timeline synthetic() {
        Timeline t = new Timeline(1000);
        for (int step = 0; step < 40; step++) {
            int cpu = step % 4;
            t.add(cpu, step * 100L, TimelineKind.FAULT, 0x400000L + step * 4096L, "new anon page");
            if (step % 5 == 4) {
                t.add(0, step * 100L + 30, TimelineKind.FLUSH, 0x400000L, "munmap");
                t.add(0, step * 100L + 40, TimelineKind.SHOOTDOWN, 0x400000L, "to CPUs 1-3");
                for (int r = 1; r < 4; r++) t.add(r, step * 100L + 45 + r, TimelineKind.SHOOTDOWN_RECEIVED, 0x400000L, null);
            }
        }
        return t;
    }
}
