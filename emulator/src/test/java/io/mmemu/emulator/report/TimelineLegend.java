package io.mmemu.emulator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.openqa.selenium.WebElement;

/** What a page's timeline says it holds, read in the browser, checked against the markers drawn. */
public final class TimelineLegend {
    private TimelineLegend() {}

    /**
     * Reads the legend's count of each kind and checks the markers: none when every count is 0
     * (and the page says "no events recorded"), else, unless some were dropped, one marker per
     * event of each kind.
     *
     * @param browser a browser showing a page with a {@code #timeline} section
     * @return the counts, by the kind's CSS class (tl-fault, tl-flush, tl-shootdown, tl-shootdown_received)
     */
    public static Map<String, Long> check(HeadlessChromium browser) {
        Map<String, Long> perKind = new LinkedHashMap<>();
        long total = 0;
        for (WebElement legend : browser.all("#timeline span.legend")) {
            long n = Long.parseLong(legend.getText().replaceAll(".*: ", ""));
            perKind.put(legend.getAttribute("class").replace("legend ", ""), n);
            total += n;
        }
        assertEquals(TimelineKind.values().length, perKind.size(), "a count per kind: " + perKind);
        if (total == 0) {
            assertEquals("no events recorded", browser.one("#timeline-empty").getText());
            assertEquals(0, browser.count(".tl-event"));
        } else {
            assertEquals(0, browser.count("#timeline-empty"), "events, yet 'no events recorded'");
            if (!browser.one("#timeline").getText().contains("dropped")) {
                assertEquals(total, browser.count(".tl-event"), "one marker per event: " + perKind);
                for (var k : perKind.entrySet()) {
                    assertEquals(k.getValue().longValue(), browser.count(".tl-event." + k.getKey()), k.getKey());
                }
            }
        }
        return perKind;
    }
}
