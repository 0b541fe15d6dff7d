package io.mmemu.emulator.report;

import java.util.List;
import java.util.Locale;

/**
 * The {@link Timeline} as one lane per CPU, time running left to right over the span of the
 * events kept: a fault is a circle, a local flush a square, a shootdown sent an upward triangle
 * and one received a downward triangle, each with a tooltip (kind, time, address, what happened).
 * Without events it says so.
 */
final class TimelineChart {
    private static final int LANE_H = 34;
    private static final int LEFT = 70;
    private static final int WIDTH = 900;

    private TimelineChart() {}

    /**
     * Appends the chart.
     *
     * @param out  the page
     * @param t    the events
     * @param cpus the run's CPU numbers, one lane each
     */
    static void render(StringBuilder out, Timeline t, List<Integer> cpus) {
        out.append("<p>");
        for (TimelineKind k : TimelineKind.values()) {
            out.append("<span class=\"legend tl-").append(k.name().toLowerCase(Locale.ROOT)).append("\">")
                    .append(k.label).append(": ").append(t.count(k)).append("</span> ");
        }
        if (t.dropped() > 0) out.append(" (first ").append(t.size()).append(" shown, ").append(t.dropped())
                .append(" dropped)");
        out.append("</p>\n");
        if (t.size() == 0) {
            out.append("<p class=\"empty\" id=\"timeline-empty\">no events recorded</p>\n");
            return;
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < t.size(); i++) {
            min = Math.min(min, t.event(i).time());
            max = Math.max(max, t.event(i).time());
        }
        double scale = max == min ? 0 : (WIDTH - LEFT - 20) / (double) (max - min);
        int height = cpus.size() * LANE_H + 30;
        out.append("<svg class=\"picture timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
                .append("\" height=\"").append(height).append("\">\n");
        for (int lane = 0; lane < cpus.size(); lane++) {
            int y = 10 + lane * LANE_H + LANE_H / 2;
            out.append("<text x=\"4\" y=\"").append(y + 4).append("\">CPU ").append(cpus.get(lane)).append("</text>")
                    .append("<line class=\"lane\" x1=\"").append(LEFT).append("\" y1=\"").append(y).append("\" x2=\"")
                    .append(WIDTH - 10).append("\" y2=\"").append(y).append("\"/>\n");
        }
        for (int i = 0; i < t.size(); i++) {
            Timeline.Event e = t.event(i);
            int lane = cpus.indexOf(e.cpu());
            if (lane < 0) lane = 0;
            double x = LEFT + 10 + (e.time() - min) * scale;
            int y = 10 + lane * LANE_H + LANE_H / 2;
            String cls = "tl-event tl-" + e.kind().name().toLowerCase(Locale.ROOT);
            String tip = e.kind().label + " on CPU " + e.cpu() + " at " + e.time() + (e.address() != 0 ? " "
                    + Html.hex(e.address()) : "") + (e.label() != null ? "\n" + e.label() : "");
            String shape = switch (e.kind()) {
                case FAULT -> "<circle class=\"" + cls + "\" cx=\"" + Html.num(x) + "\" cy=\"" + y + "\" r=\"4\">";
                case FLUSH -> "<rect class=\"" + cls + "\" x=\"" + Html.num(x - 4) + "\" y=\"" + (y - 4)
                        + "\" width=\"8\" height=\"8\">";
                case SHOOTDOWN -> "<path class=\"" + cls + "\" d=\"M" + Html.num(x) + " " + (y - 7) + " l6 10 h-12 z\">";
                case SHOOTDOWN_RECEIVED -> "<path class=\"" + cls + "\" d=\"M" + Html.num(x) + " " + (y + 7)
                        + " l6 -10 h-12 z\">";
            };
            out.append(shape).append("<title>").append(Html.esc(tip)).append("</title>")
                    .append(e.kind() == TimelineKind.FAULT ? "</circle>" : e.kind() == TimelineKind.FLUSH ? "</rect>" : "</path>")
                    .append('\n');
        }
        out.append("<text x=\"").append(LEFT).append("\" y=\"").append(height - 6).append("\">").append(min)
                .append("</text><text x=\"").append(WIDTH - 10).append("\" y=\"").append(height - 6)
                .append("\" text-anchor=\"end\">").append(max).append("</text>\n</svg>\n");
    }
}
