package io.mmemu.emulator.report;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.mm.proc.Pmap;
import io.mmemu.mm.proc.Vmstat;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.tlb.CpuTlb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mmemu run --report FILE.html}: the pictures of one run, taken in two steps.
 *
 * <ol>
 *   <li>{@link #captureAddressSpace} copies the machine's state just before the program's last
 *       user of its mm drops it (Task's before-exit hook, the moment --pmap prints): the VMAs,
 *       the page tables, every CPU's TLB, the slab caches, and the text of pmap -x and
 *       /proc/slabinfo. Nothing is flushed or changed, so the run goes on exactly as without
 *       a report. A run that mmemu stops (--timeout, --max-instructions) tears the program down
 *       the same way, so it is captured at that moment.</li>
 *   <li>{@link #write} adds the end-of-run counters (the text of --stats and --vmstat) and the
 *       timeline, and writes the file.</li>
 * </ol>
 *
 * The capture runs inside the exit syscall, under a native hook: it never throws; a failure is
 * kept and reported by {@link #write}.
 */
public final class RunReport {
    /** Events the timeline keeps; the rest are counted. */
    public static final int TIMELINE_CAPACITY = 20_000;

    private final Path file;
    private final String cmdline;
    private final Timeline timeline = new Timeline(TIMELINE_CAPACITY);
    private Snapshot snapshot;
    private Throwable captureFailure;

    /** What the first step copies. */
    private record Snapshot(String moment, AddressSpaceStrip vmas, PageTableTree pageTables, TlbGrid tlbs,
                            SlabPicture slabs, String pmap, String slabinfo) {}

    /**
     * A report of a run, written at its end.
     *
     * @param file    where to write it
     * @param cmdline the program's command line, for the title and pmap's header
     */
    public RunReport(Path file, String cmdline) {
        this.file = file;
        this.cmdline = cmdline;
    }

    /** {@return the timeline the run's events go to} */
    public Timeline timeline() {
        return timeline;
    }

    /**
     * Copies the machine's state while {@code mm} is still intact; the first call wins. Never throws.
     *
     * @param machine the machine
     * @param mm      the program's address space, about to be torn down
     * @param pid     the program's pid
     */
    public void captureAddressSpace(Machine machine, MmStruct mm, int pid) {
        if (snapshot != null) return;
        try {
            snapshot = capture(machine, mm, pid, "just before the program's address space was torn down (exit_mmap)");
        } catch (Throwable e) { // under a native hook: nothing may escape; write() reports it
            captureFailure = e;
        }
    }

    private Snapshot capture(Machine machine, MmStruct mm, int pid, String moment) {
        List<Integer> ids = new ArrayList<>();
        List<CpuTlb> tlbs = new ArrayList<>();
        for (Cpu c : machine.cpus()) {
            ids.add(c.id());
            tlbs.add(c.tlb());
        }
        return new Snapshot(moment, AddressSpaceStrip.capture(mm), PageTableTree.capture(mm), TlbGrid.capture(ids, tlbs),
                SlabPicture.capture(machine.env().kernelSlab().slub()), Pmap.pmapX(mm, pid, cmdline) + Vmstat.rss(mm),
                machine.env().kernelSlab().slabinfo());
    }

    /**
     * Writes the report.
     *
     * @param machine the machine, its run over
     * @param stats   the text of --stats
     * @param stopped why mmemu stopped the run before the program exited, or empty
     * @throws IOException when the file cannot be written
     */
    public void write(Machine machine, String stats, String stopped) throws IOException {
        if (captureFailure != null) throw new IllegalStateException("capturing the run's state failed", captureFailure);
        Files.writeString(file, html(machine, stats, stopped), StandardCharsets.UTF_8);
    }

    private String html(Machine machine, String stats, String stopped) {
        List<Integer> ids = new ArrayList<>();
        for (Cpu c : machine.cpus()) ids.add(c.id());
        HtmlReport page = new HtmlReport("mmemu report: " + cmdline);
        StringBuilder intro = new StringBuilder("<p>");
        if (!stopped.isEmpty()) {
            intro.append("The run was stopped before the program exited (").append(Html.esc(stopped)).append(").<br>");
        }
        if (snapshot == null) {
            intro.append("The program's address space was gone before it could be copied: only the counters are shown.");
        } else {
            intro.append("The pictures show the machine ").append(Html.esc(snapshot.moment()))
                    .append("; the counters are those at the end of the run. Hover over any element for its details.");
        }
        intro.append("</p>\n<div class=\"row\">").append(HtmlReport.textTable("stats-text", "--stats", stats))
                .append(HtmlReport.textTable("vmstat-text", "--vmstat (/proc/vmstat)", Vmstat.vmstat(machine.env())))
                .append("</div>\n");
        page.section("summary", "Counters", intro.toString());
        if (snapshot != null) {
            StringBuilder as = new StringBuilder("<p>Legend: ").append(legend("perm-x", "executable"))
                    .append(legend("perm-w", "writable")).append(legend("perm-r", "read-only"))
                    .append(legend("perm-none", "no access"))
                    .append(" the dark bar inside a VMA is its resident part (RSS).</p>\n<div class=\"row\"><div class=\"scroll\">");
            snapshot.vmas().render(as);
            as.append("</div>").append(HtmlReport.textTable("pmap-text", "--pmap (pmap -x)", snapshot.pmap()))
                    .append("</div>\n");
            page.section("address-space", "Address space", as.toString());
            StringBuilder pt = new StringBuilder("<p>Legend: ").append(legend("pte-table", "points to a table"))
                    .append(legend("pte-1g", "1 GiB page")).append(legend("pte-2m", "2 MiB page"))
                    .append(legend("pte-page", "4 KiB page")).append(legend("pte-dirty", "4 KiB page, dirty"))
                    .append(legend("pte-np", "not present, not empty")).append("</p>\n");
            snapshot.pageTables().render(pt);
            page.section("page-tables", "Page tables", pt.toString());
            StringBuilder tlb = new StringBuilder("<p>Each cell is one way of one set; its colour is the entry's PCID, ")
                    .append("its outline the page size (thin 4 KiB, dashed 2 MiB, thick 1 GiB), a white corner a global ")
                    .append("entry; grey cells are empty.</p>\n");
            snapshot.tlbs().render(tlb);
            page.section("tlb", "TLBs", tlb.toString());
        }
        StringBuilder tl = new StringBuilder();
        TimelineChart.render(tl, timeline, ids);
        page.section("timeline", "Timeline", tl.toString());
        if (snapshot != null) {
            StringBuilder slab = new StringBuilder("<p>Legend: ").append(legend("obj-allocated", "allocated"))
                    .append(legend("obj-free", "free")).append(legend("obj-poisoned", "free, poisoned"))
                    .append(legend("rz", "red zone")).append("</p>\n<div class=\"row\"><div>");
            snapshot.slabs().render(slab);
            slab.append("</div>").append(HtmlReport.textTable("slabinfo-text", "/proc/slabinfo", snapshot.slabinfo()))
                    .append("</div>\n");
            page.section("slabs", "Slab caches", slab.toString());
        }
        return page.page();
    }

    private static String legend(String cls, String text) {
        return "<span class=\"legend " + cls + "\">" + Html.esc(text) + "</span>";
    }
}
