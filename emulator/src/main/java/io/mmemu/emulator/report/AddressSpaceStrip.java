package io.mmemu.emulator.report;

import io.mmemu.mm.proc.Pmap;
import io.mmemu.mm.proc.Smaps;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.util.ArrayList;
import java.util.List;

/**
 * The address space as a vertical strip, high addresses at the top as /proc/PID/maps reads
 * from the bottom: one {@code rect.vma} per VMA, its height growing with the logarithm of its
 * size, and between VMAs the holes, each a short gap whatever its size, labelled with it. A VMA
 * is coloured by its permissions; a darker bar inside it shows the part that is resident (RSS,
 * as pmap -x counts it). Each VMA's tooltip has its range, flags, name and RSS.
 *
 * @param vmas the VMAs in address order
 */
record AddressSpaceStrip(List<Row> vmas) {
    /**
     * One VMA as pmap and maps show it.
     *
     * @param start    first address
     * @param end      first address after it
     * @param perms    maps' permissions, e.g. {@code r-xp}
     * @param name     maps' name column, or empty
     * @param rssKb    resident kB
     * @param dirtyKb  resident kB with D set
     * @param flags    the VM_* flags as smaps' VmFlags line names them
     */
    record Row(long start, long end, String perms, String name, long rssKb, long dirtyKb, String flags) {
        long bytes() {
            return end - start;
        }
    }

    private static final int BAR_X = 150;
    private static final int BAR_W = 90;
    private static final int HOLE_H = 22;

    /** Copies the VMAs of {@code mm} with their RSS, read from its page tables. */
    static AddressSpaceStrip capture(MmStruct mm) {
        List<Row> rows = new ArrayList<>();
        for (Vma v : mm.vmas()) {
            long[] rssDirty = Pmap.rssDirtyKb(mm.pgd(), v);
            String label = mm.label(v);
            rows.add(new Row(v.start(), v.end(), perms(v), label == null ? "" : label, rssDirty[0], rssDirty[1],
                    Smaps.vmFlags(v).strip()));
        }
        return new AddressSpaceStrip(List.copyOf(rows));
    }

    /** maps' four permission characters. */
    private static String perms(Vma v) {
        return "" + (v.has(VmFlags.VM_READ) ? 'r' : '-') + (v.has(VmFlags.VM_WRITE) ? 'w' : '-')
                + (v.has(VmFlags.VM_EXEC) ? 'x' : '-') + (v.has(VmFlags.VM_MAYSHARE) ? 's' : 'p');
    }

    /** Height of a VMA's rectangle: 14 px, plus 3 px per doubling above one page. */
    private static int height(long bytes) {
        int log = 63 - Long.numberOfLeadingZeros(Math.max(bytes >>> 12, 1));
        return 14 + 3 * log;
    }

    /** The CSS class of a VMA's permissions: exec wins, then write, then read, then none. */
    private static String permClass(String perms) {
        if (perms.charAt(2) == 'x') return "perm-x";
        if (perms.charAt(1) == 'w') return "perm-w";
        if (perms.charAt(0) == 'r') return "perm-r";
        return "perm-none";
    }

    /** A file's base name (the tooltip has the whole path); bracketed names as they are. */
    private static String shortName(String name) {
        int slash = name.lastIndexOf('/');
        return name.startsWith("[") || slash < 0 ? name : name.substring(slash + 1);
    }

    /** Appends the SVG. */
    void render(StringBuilder out) {
        if (vmas.isEmpty()) {
            out.append("<p class=\"empty\">no VMAs</p>\n");
            return;
        }
        StringBuilder body = new StringBuilder();
        int y = 10;
        // High addresses first, as a picture of the address space is usually drawn.
        for (int i = vmas.size() - 1; i >= 0; i--) {
            Row v = vmas.get(i);
            int h = height(v.bytes());
            String tip = Html.hex(v.start()) + "-" + Html.hex(v.end()) + " " + v.perms() + " " + Html.size(v.bytes())
                    + (v.name().isEmpty() ? "" : " " + v.name()) + "\nflags: " + v.flags() + "\nRSS " + v.rssKb()
                    + " kB, dirty " + v.dirtyKb() + " kB";
            body.append("<g class=\"vma-row\"><rect class=\"vma ").append(permClass(v.perms())).append("\" x=\"")
                    .append(BAR_X).append("\" y=\"").append(y).append("\" width=\"").append(BAR_W).append("\" height=\"")
                    .append(h).append("\" data-start=\"").append(Html.hex(v.start())).append("\"><title>")
                    .append(Html.esc(tip)).append("</title></rect>");
            double frac = Math.min(1.0, v.rssKb() * 1024.0 / v.bytes());
            if (frac > 0) {
                body.append("<rect class=\"rss\" x=\"").append(BAR_X + 3).append("\" y=\"").append(y + 3)
                        .append("\" width=\"").append(Html.num(Math.max(1, (BAR_W - 6) * frac))).append("\" height=\"")
                        .append(h - 6).append("\"><title>").append(Html.esc(tip)).append("</title></rect>");
            }
            body.append("<text class=\"addr\" x=\"").append(BAR_X - 6).append("\" y=\"").append(y + h)
                    .append("\" text-anchor=\"end\">").append(Html.hex(v.start())).append("</text>");
            body.append("<text x=\"").append(BAR_X + BAR_W + 8).append("\" y=\"").append(y + h / 2 + 4).append("\">")
                    .append(Html.esc(v.perms() + "  " + Html.size(v.bytes()) + "  RSS " + Html.size(v.rssKb() * 1024)
                            + (v.name().isEmpty() ? "" : "  " + shortName(v.name())))).append("</text></g>\n");
            y += h;
            if (i > 0) {
                long hole = v.start() - vmas.get(i - 1).end();
                if (hole > 0) {
                    body.append("<g class=\"hole\"><line x1=\"").append(BAR_X + BAR_W / 2).append("\" y1=\"").append(y + 2)
                            .append("\" x2=\"").append(BAR_X + BAR_W / 2).append("\" y2=\"").append(y + HOLE_H - 2)
                            .append("\"/><text x=\"").append(BAR_X + BAR_W + 8).append("\" y=\"").append(y + HOLE_H / 2 + 4)
                            .append("\">hole ").append(Html.size(hole)).append("</text></g>\n");
                    y += HOLE_H;
                } else {
                    y += 2;
                }
            }
        }
        out.append("<svg class=\"picture address-space\" xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"")
                .append(y + 10).append("\">\n").append(body).append("</svg>\n");
    }
}
