package io.mmemu.emulator.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The report's page: one self-contained HTML file with its CSS, its few lines of script and its
 * SVG inline, so that it opens from disk with no network (no external script, style sheet or
 * font). Sections come in the order they are added, each listed in the table of contents; text
 * tables (the output of --stats, --pmap, --vmstat, /proc/slabinfo) are {@code <pre>} blocks
 * beside the pictures.
 */
final class HtmlReport {
    private record Section(String id, String title, String html) {}

    private final String title;
    private final List<Section> sections = new ArrayList<>();

    HtmlReport(String title) {
        this.title = title;
    }

    /** Adds a section whose body is {@code html} (already escaped). */
    HtmlReport section(String id, String title, String html) {
        sections.add(new Section(id, title, html));
        return this;
    }

    /** The text of a command, escaped, in a {@code pre.text-table} with a caption. */
    static String textTable(String id, String caption, String text) {
        return "<figure class=\"text\"><figcaption>" + Html.esc(caption) + "</figcaption><pre class=\"text-table\" id=\""
                + id + "\">" + Html.esc(text) + "</pre></figure>\n";
    }

    /** {@return the whole page} */
    String page() {
        StringBuilder sb = new StringBuilder(1 << 16);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(Html.esc(title))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n</head><body>\n<h1>")
                .append(Html.esc(title)).append("</h1>\n<nav>");
        for (Section s : sections) {
            sb.append("<a href=\"#").append(s.id()).append("\">").append(Html.esc(s.title())).append("</a> ");
        }
        sb.append("</nav>\n");
        for (Section s : sections) {
            sb.append("<section id=\"").append(s.id()).append("\"><h2>").append(Html.esc(s.title())).append("</h2>\n")
                    .append(s.html()).append("</section>\n");
        }
        sb.append("<script>\n").append(SCRIPT).append("</script>\n</body></html>\n");
        return sb.toString();
    }

    /** A click on a page-table header opens or closes that table's body (entries and tables below). */
    private static final String SCRIPT = """
            document.addEventListener('click', function (e) {
              var head = e.target.closest('.pt-head');
              if (head) head.parentElement.classList.toggle('open');
            });
            """;

    private static final String CSS = """
            body { font: 13px/1.35 system-ui, sans-serif; margin: 16px 24px; color: #1d232a; background: #fbfbfa; }
            h1 { font-size: 20px; margin: 0 0 6px; } h2 { font-size: 16px; border-bottom: 1px solid #ccd; padding-bottom: 3px; }
            h3 { font-size: 14px; margin: 10px 0 2px; } h4 { font-size: 13px; margin: 8px 0 2px; }
            nav a { margin-right: 10px; } section { margin-bottom: 26px; }
            .row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
            .scroll { max-width: 100%; overflow-x: auto; }
            pre.text-table { font: 12px/1.25 ui-monospace, monospace; background: #f1f2f4; padding: 8px; margin: 0;
              border: 1px solid #dde; overflow-x: auto; max-width: 100%; }
            figure { margin: 0 0 8px; } figcaption { font-weight: 600; margin-bottom: 3px; }
            svg text { font: 11px ui-monospace, monospace; fill: #1d232a; }
            .empty { color: #777; font-style: italic; }
            .legend { display: inline-block; padding: 1px 6px; margin-right: 6px; border-radius: 3px; border: 1px solid #bbb; }
            rect.vma { stroke: #333; stroke-width: 1; } rect.rss { fill: #000; fill-opacity: .28; pointer-events: none; }
            .perm-x { fill: #e8a0a0; } .perm-w { fill: #9fd3a6; } .perm-r { fill: #a9c4e8; } .perm-none { fill: #d6d6d6; }
            .hole line { stroke: #999; stroke-dasharray: 3 3; } .hole text, text.addr { fill: #667; }
            .pt-node { margin-left: 18px; border-left: 1px solid #ccd; padding-left: 6px; }
            .pt-tree > .pt-node { margin-left: 0; }
            .pt-head { cursor: pointer; padding: 2px 0; user-select: none; }
            .pt-head:hover { background: #eef; }
            .twisty::before { content: '\\25B8'; display: inline-block; width: 14px; }
            .pt-node.open > .pt-head .twisty::before { content: '\\25BE'; }
            .pt-body { display: none; } .pt-node.open > .pt-body { display: flex; gap: 10px; align-items: flex-start; }
            .pt-grid { flex: none; } .pt-children { flex: 1; min-width: 0; }
            .pt-leaf { margin-left: 24px; color: #444; }
            rect.pt-bg { fill: #f0f0f0; stroke: #ccc; }
            .pte-table { fill: #6c8ebf; } .pte-1g { fill: #8e44ad; } .pte-2m { fill: #c0392b; }
            .pte-page { fill: #7fbf7f; } .pte-dirty { fill: #2e7d32; } .pte-np { fill: #f5b041; }
            .tlb-cpu { display: inline-block; vertical-align: top; margin: 0 22px 12px 0; }
            .tlb-array { margin-left: 8px; } .tlb-size { display: inline-block; margin-right: 14px; vertical-align: top; }
            .tlb-size figcaption { font-weight: normal; color: #555; }
            rect.tlb-empty { fill: #e3e3e3; stroke: #c8c8c8; stroke-width: .5; }
            rect.tlb-4K { stroke: #222; stroke-width: .6; }
            rect.tlb-2M { stroke: #000; stroke-width: 1.2; stroke-dasharray: 2 1; }
            rect.tlb-1G { stroke: #000; stroke-width: 2; }
            rect.tlb-global { fill: #fff; pointer-events: none; }
            line.lane { stroke: #ccc; }
            .tl-fault { fill: #e67e22; } .tl-flush { fill: #2980b9; } .tl-shootdown { fill: #c0392b; }
            .tl-shootdown_received { fill: #8e44ad; }
            span.tl-fault { background: #e67e22; color: #fff; } span.tl-flush { background: #2980b9; color: #fff; }
            span.tl-shootdown { background: #c0392b; color: #fff; } span.tl-shootdown_received { background: #8e44ad; color: #fff; }
            rect.obj-allocated { fill: #e67e22; } rect.obj-free { fill: #7dcea0; } rect.obj-poisoned { fill: #a569bd; }
            rect.rz { fill: #e74c3c; } rect.obj-damaged { stroke: #000; stroke-width: 1.5; }
            span.obj-allocated { background: #e67e22; } span.obj-free { background: #7dcea0; }
            span.obj-poisoned { background: #a569bd; color: #fff; } span.rz { background: #e74c3c; color: #fff; }
            span.pte-table { background: #6c8ebf; color: #fff; } span.pte-1g { background: #8e44ad; color: #fff; }
            span.pte-2m { background: #c0392b; color: #fff; } span.pte-page { background: #7fbf7f; }
            span.pte-dirty { background: #2e7d32; color: #fff; } span.pte-np { background: #f5b041; }
            span.perm-x { background: #e8a0a0; } span.perm-w { background: #9fd3a6; } span.perm-r { background: #a9c4e8; }
            span.perm-none { background: #d6d6d6; }
            """;
}
