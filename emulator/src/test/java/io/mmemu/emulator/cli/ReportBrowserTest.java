package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.report.HeadlessChromium;
import io.mmemu.emulator.report.TimelineLegend;
import io.mmemu.emulator.trace.TraceSummaryTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * {@code mmemu run --report} opened in a real browser (headless Chromium, bin/setup browser): two
 * reports of real guest programs, one of touch-pages on one CPU with slub_debug's red zones and
 * poisoning and transparent huge pages, one of the threaded mt-munmap-shootdown on 4 CPUs. Each
 * picture must be there with as many elements as the run's own text views count, taken in the
 * same run: one {@code rect.vma} per line of --pmap, one TLB cell per way of every set that
 * --tlb-dump's geometry lines give, per CPU; one slab object per object /proc/slabinfo counts;
 * one page-table node per table the mm accounts for; as many timeline markers as events it
 * counts. The console must stay free of errors, a click on a collapsed page-table node must show
 * the tables below it, and screenshots of the whole page and of each picture go to
 * target/report-screenshots/ for a person to look at.
 */
class ReportBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "report-screenshots");
    private static HeadlessChromium browser;

    @BeforeAll
    static void startBrowser() throws Exception {
        assertNull(HeadlessChromium.missing(), HeadlessChromium.missing());
        browser = HeadlessChromium.start(Path.of("target", "chromium-profile-" + ProcessHandle.current().pid()), 1400, 1000);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) browser.close();
    }

    @Test
    void oneCpuWithRedZonesPoisonAndHugePages(@TempDir Path dir) throws Exception {
        Run run = report(dir, "one-cpu", "touch-pages", "--slub-debug", "FZP", "--thp", "always");
        checkReport(run, false);
        // slub_debug=FZP: every object has its two red zones, free objects are poisoned.
        long objects = browser.count("rect.obj");
        assertEquals(2 * objects, browser.count("rect.rz"), "two red zones per object");
        assertTrue(browser.count("rect.obj-poisoned") > 0, "free objects are poisoned");
        assertEquals(0, browser.count("rect.obj-free"), "with P no free object is unpoisoned");
        assertTrue(browser.count("rect.pte-2m") > 0, "touch-pages' 8 MiB with THP always: 2 MiB leaves");
        // Open the tables down to the first 2 MiB leaf, outermost first: then it shows.
        WebElement leaf = browser.one("rect.pte-2m");
        assertFalse(leaf.isDisplayed(), "the leaf's page directory starts closed");
        for (WebElement node : leaf.findElements(By.xpath("ancestor::div[contains(@class,'pt-node')]"))) {
            if (!node.getAttribute("class").contains("open")) node.findElement(By.cssSelector(".pt-head")).click();
        }
        assertTrue(leaf.isDisplayed(), "the 2 MiB leaf shows once its tables are open");
        String tip = leaf.findElement(By.tagName("title")).getAttribute("textContent");
        assertTrue(tip.startsWith("PD[") && tip.contains(": 2 MiB page at ") && tip.contains("PSE"), tip);
        screenshots("one-cpu");
    }

    @Test
    void fourCpusThreadedShootdowns(@TempDir Path dir) throws Exception {
        Run run = report(dir, "four-cpus", "mt-munmap-shootdown", "--cpus", "4");
        checkReport(run, true); // its workers take SIGSEGV by design
        assertEquals(4, browser.count(".tlb-cpu"), "one TLB block per CPU");
        assertEquals(0, browser.count("rect.rz"), "no red zones without slub_debug");
        assertEquals(0, browser.count("rect.obj-poisoned"), "no poison without slub_debug");
        assertTrue(browser.count("rect.obj-free") > 0, "free objects");
        screenshots("four-cpus");
    }

    /** The report of one run, with what --pmap and --tlb-dump printed in the same run. */
    private record Run(Path html, String log) {}

    private static Run report(Path dir, String name, String program, String... options) throws Exception {
        Path html = dir.resolve(name + ".html");
        List<String> args = new ArrayList<>(List.of("--report", html.toString(), "--pmap", "--tlb-dump", "--trace-summary"));
        args.addAll(List.of(options));
        InProcessRun r = InProcessRun.run(args, program);
        String text = r.log();
        int status = r.status();
        assertEquals(0, status, program + " exits 0; mmemu said:\n" + text);
        assertTrue(Files.size(html) > 0, "the report was written");
        String page = Files.readString(html);
        assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(page).find(), "nothing loaded from the network");
        browser.open(html);
        return new Run(html, text);
    }

    private static void checkReport(Run run, boolean signals) {
        assertEquals(List.of(), browser.severeConsoleEntries(), "console errors");
        for (String id : List.of("summary", "address-space", "page-tables", "tlb", "timeline", "slabs")) {
            assertTrue(browser.one("section#" + id).isDisplayed(), "section " + id);
        }

        // Address space: one rect.vma per VMA, at the addresses pmap lists.
        List<String> pmapStarts = pmapStarts(run.log());
        List<String> vmaStarts = new ArrayList<>();
        for (WebElement r : browser.all("rect.vma")) vmaStarts.add(r.getAttribute("data-start"));
        assertEquals(pmapStarts, vmaStarts.reversed(), "VMAs drawn (top = highest) vs --pmap:\n" + run.log());

        // TLBs: one cell per way of every set of every array, per CPU, as --tlb-dump's geometry says.
        TreeMap<Integer, Integer> ways = tlbWays(run.log());
        assertEquals(ways.size(), (int) browser.count(".tlb-cpu"), "CPUs in --tlb-dump vs the report");
        for (var cpu : ways.entrySet()) {
            assertEquals(cpu.getValue().longValue(), browser.count(".tlb-cpu[data-cpu=\"" + cpu.getKey() + "\"] rect.tlb-way"),
                    "TLB cells of CPU " + cpu.getKey());
        }
        assertTrue(browser.count("rect.tlb-way:not(.tlb-empty)") > 0, "some TLB entries were valid at exit");

        // Slabs: one rect.obj per object of every slab, as /proc/slabinfo (same moment) counts them.
        long numObjs = 0;
        for (String line : browser.one("#slabinfo-text").getAttribute("textContent").split("\n")) {
            if (line.isBlank() || line.startsWith("slabinfo") || line.startsWith("#")) continue;
            numObjs += Long.parseLong(line.trim().split("\\s+")[2]);
        }
        assertTrue(numObjs > 0, "slabinfo lists objects");
        assertEquals(numObjs, browser.count("rect.obj"), "slab objects drawn vs slabinfo's num_objs");
        // Every VMA of the address space is one allocated vm_area_struct.
        assertEquals(pmapStarts.size(), browser.count(".slab-cache[data-cache=\"vm_area_struct\"] rect.obj-allocated"),
                "allocated vm_area_structs vs VMAs");

        // Page tables: one node per table, as many as the mm accounts for; clicking opens one.
        Matcher m = Pattern.compile("(\\d+) page table\\(s\\) reachable from CR3; the mm accounts for (\\d+) .*?, (\\d+) of")
                .matcher(browser.one("#pt-count").getText());
        assertTrue(m.find(), browser.one("#pt-count").getText());
        long reachable = Long.parseLong(m.group(1));
        assertEquals(Long.parseLong(m.group(2)) - Long.parseLong(m.group(3)), reachable, "tables walked vs accounted");
        assertEquals(reachable, browser.count(".pt-node"), "page-table nodes");
        WebElement pdpt = browser.one(".pt-node[data-level=\"PDPT\"]");
        WebElement pd = pdpt.findElement(By.cssSelector(".pt-node[data-level=\"PD\"]"));
        assertTrue(pdpt.isDisplayed(), "the PML4 is open: its PDPTs show");
        assertFalse(pd.isDisplayed(), "a PDPT starts closed");
        pdpt.findElement(By.cssSelector(".pt-head")).click();
        assertTrue(pd.isDisplayed(), "clicking the PDPT shows its page directories");
        WebElement pt = pd.findElements(By.cssSelector(".pt-node[data-level=\"PT\"]")).stream()
                .findFirst().orElse(null);
        if (pt != null) {
            pd.findElement(By.cssSelector(".pt-head")).click();
            assertTrue(pt.isDisplayed(), "clicking the PD shows its page tables");
        }

        // Timeline: one marker per fault, shootdown sent and IPI received, as --trace-summary counts them.
        Map<String, Long> totals = TraceSummaryTest.summaryTotals(run.log());
        assertEquals(totals.get("faults") + totals.get("segv"), browser.count("circle.tl-fault"), "fault markers");
        assertEquals(totals.get("shootdown"), browser.count("path.tl-shootdown"), "shootdown markers");
        assertEquals(totals.get("received"), browser.count("path.tl-shootdown_received"), "received IPI markers");
        assertTrue(browser.count("rect.tl-flush") > 0, "local flushes");
        checkTimeline(signals);
        assertEquals(List.of(), browser.severeConsoleEntries(), "console errors after clicking");
    }

    /**
     * The timeline shows what fed it ({@link TimelineLegend#check}); with events, one fault marker
     * per page fault /proc/vmstat counts (pgfault) when the program takes no fault that ends in a
     * signal (those never reach handle_mm_fault(), which counts pgfault), else at least as many.
     */
    private static void checkTimeline(boolean signals) {
        Map<String, Long> perKind = TimelineLegend.check(browser);
        boolean dropped = browser.one("#timeline").getText().contains("dropped");
        if (perKind.values().stream().mapToLong(Long::longValue).sum() > 0 && !dropped) {
            Matcher m = Pattern.compile("(?m)^pgfault (\\d+)$").matcher(browser.one("#vmstat-text")
                    .getAttribute("textContent"));
            assertTrue(m.find(), "pgfault in /proc/vmstat");
            long pgfault = Long.parseLong(m.group(1));
            long faults = perKind.get("tl-fault");
            assertTrue(signals ? faults >= pgfault : faults == pgfault, "fault markers " + faults + " vs pgfault " + pgfault);
        }
    }

    /** The start addresses of --pmap's VMA lines, lowest first, as 0x... */
    private static List<String> pmapStarts(String log) {
        List<String> starts = new ArrayList<>();
        boolean in = false;
        for (String line : log.split("\n")) {
            if (line.startsWith("Address ")) {
                in = true;
            } else if (line.startsWith("----")) {
                in = false;
            } else if (in) {
                starts.add("0x" + Long.toHexString(Long.parseUnsignedLong(line.substring(0, 16), 16)));
            }
        }
        assertFalse(starts.isEmpty(), "--pmap printed VMAs:\n" + log);
        return starts;
    }

    /** Per CPU of --tlb-dump, the ways of all sets of all its arrays (TLB 4K 16x4, 2M 8x4, 1G 1x4 ...). */
    private static TreeMap<Integer, Integer> tlbWays(String log) {
        TreeMap<Integer, Integer> ways = new TreeMap<>();
        Pattern geometry = Pattern.compile("(\\d+[KMG]) (\\d+)x(\\d+)");
        int cpu = -1;
        for (String line : log.split("\n")) {
            Matcher c = Pattern.compile("^mmemu: cpu (\\d+) TLB").matcher(line);
            if (c.find()) {
                cpu = Integer.parseInt(c.group(1));
                ways.put(cpu, 0);
            } else if (line.startsWith("TLB ") && cpu >= 0) {
                Matcher g = geometry.matcher(line);
                while (g.find()) ways.merge(cpu, Integer.parseInt(g.group(2)) * Integer.parseInt(g.group(3)), Integer::sum);
            }
        }
        assertFalse(ways.isEmpty(), "--tlb-dump printed each CPU's TLB:\n" + log);
        return ways;
    }

    private static void screenshots(String name) throws Exception {
        browser.screenshot(null, SCREENSHOTS.resolve(name + "-page.png"));
        for (String id : List.of("address-space", "page-tables", "tlb", "timeline", "slabs")) {
            browser.screenshot("section#" + id, SCREENSHOTS.resolve(name + "-" + id + ".png"));
        }
        assertNotNull(browser.one("body"));
    }
}
