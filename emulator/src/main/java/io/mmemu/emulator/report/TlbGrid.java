package io.mmemu.emulator.report;

import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.PageSize;
import io.mmemu.tlb.Tlb;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Each CPU's TLB hierarchy as grids: for every array of the preset (L1 dTLB, STLB, ...) and every
 * page size it holds, one cell per way of each set, sets across and ways down (wrapped every
 * {@value #SETS_PER_BAND} sets). A valid way is filled with its PCID's colour; its outline says
 * the page size (thin for 4 KiB, dashed for 2 MiB, thick for 1 GiB) and a white corner marks a
 * global entry. Empty ways are grey. A tooltip gives the set, way, LRU rank, PCID, the page and
 * frame, and the cached rights.
 *
 * @param cpus each CPU's hierarchy, by CPU number
 */
record TlbGrid(List<CpuView> cpus) {
    /**
     * One way of one set.
     *
     * @param set    the set
     * @param way    the way
     * @param valid  whether it holds an entry
     * @param pcid   its PCID
     * @param vaddr  its virtual page
     * @param pagePa its frame
     * @param rights its cached rights and flags, as the TLB dump prints them
     * @param global G
     * @param lru    its LRU rank among the set's valid ways, -1 if empty
     */
    record Slot(int set, int way, boolean valid, int pcid, long vaddr, long pagePa, String rights, boolean global, int lru) {}

    /**
     * One page size's array within a TLB.
     *
     * @param size  its page size
     * @param sets  sets
     * @param ways  ways per set
     * @param slots every slot, in set and way order
     */
    record SizeArray(PageSize size, int sets, int ways, List<Slot> slots) {}

    /**
     * One TLB of the hierarchy.
     *
     * @param name   its name (L1 dTLB, STLB, ...)
     * @param arrays its arrays by page size, those with ways only
     */
    record ArrayView(String name, List<SizeArray> arrays) {}

    /**
     * One CPU.
     *
     * @param cpu         its number
     * @param preset      the preset's name
     * @param currentPcid the PCID of its CR3
     * @param arrays      its TLBs, L1 first
     */
    record CpuView(int cpu, String preset, int currentPcid, List<ArrayView> arrays) {}

    private static final int CELL = 9;
    private static final int SETS_PER_BAND = 64;

    /**
     * Copies the contents of the CPUs' TLBs; reading them changes nothing.
     *
     * @param ids  the CPU numbers
     * @param tlbs their TLB hierarchies, in the same order
     */
    static TlbGrid capture(List<Integer> ids, List<CpuTlb> tlbs) {
        List<CpuView> cpus = new ArrayList<>();
        for (int c = 0; c < tlbs.size(); c++) {
            CpuTlb t = tlbs.get(c);
            List<ArrayView> arrays = new ArrayList<>();
            for (int a = 0; a < t.arrayCount(); a++) {
                Tlb tlb = t.array(a);
                List<List<Slot>> bySize = new ArrayList<>();
                for (int s = 0; s < PageSize.values().length; s++) bySize.add(new ArrayList<>());
                tlb.forEachSlot((size, set, way, valid, pcid, va, pa, prot, user, global, lru) ->
                        bySize.get(size.ordinal()).add(new Slot(set, way, valid, pcid, va, pa, rights(prot, user), global, lru)));
                List<SizeArray> sizes = new ArrayList<>();
                for (PageSize s : PageSize.values()) {
                    if (tlb.config().holds(s)) {
                        sizes.add(new SizeArray(s, tlb.config().sets(s), tlb.config().ways(s),
                                List.copyOf(bySize.get(s.ordinal()))));
                    }
                }
                arrays.add(new ArrayView(t.arrayName(a), List.copyOf(sizes)));
            }
            cpus.add(new CpuView(ids.get(c), t.preset().name(), t.currentPcid(), List.copyOf(arrays)));
        }
        return new TlbGrid(List.copyOf(cpus));
    }

    private static String rights(int prot, boolean user) {
        return ((prot & WalkResult.PROT_READ) != 0 ? "R" : "-") + ((prot & WalkResult.PROT_WRITE) != 0 ? "W" : "-")
                + ((prot & WalkResult.PROT_EXEC) != 0 ? "X" : "-") + (user ? "U" : "-");
    }

    /** Appends a legend of the PCIDs present, then one block per CPU, one SVG per array and page size. */
    void render(StringBuilder out) {
        TreeSet<Integer> pcids = new TreeSet<>();
        for (CpuView c : cpus) {
            for (ArrayView a : c.arrays()) {
                for (SizeArray s : a.arrays()) {
                    for (Slot slot : s.slots()) if (slot.valid()) pcids.add(slot.pcid());
                }
            }
        }
        out.append("<p>PCIDs: ");
        for (int pcid : pcids) {
            out.append("<span class=\"legend\" style=\"background:").append(Html.pcidColour(pcid)).append("\">PCID ")
                    .append(pcid).append("</span>");
        }
        out.append(pcids.isEmpty() ? "none (every TLB is empty)" : "").append("</p>\n");
        for (CpuView c : cpus) {
            long valid = c.arrays().stream().flatMap(a -> a.arrays().stream()).flatMap(s -> s.slots().stream())
                    .filter(Slot::valid).count();
            out.append("<div class=\"tlb-cpu\" data-cpu=\"").append(c.cpu()).append("\"><h3>CPU ").append(c.cpu())
                    .append("</h3><p>preset ").append(Html.esc(c.preset())).append(", current PCID ").append(c.currentPcid())
                    .append(", ").append(valid).append(" valid entries</p>\n");
            for (ArrayView a : c.arrays()) {
                out.append("<div class=\"tlb-array\"><h4>").append(Html.esc(a.name())).append("</h4>");
                for (SizeArray s : a.arrays()) grid(out, c.cpu(), a.name(), s);
                out.append("</div>\n");
            }
            out.append("</div>\n");
        }
    }

    private static void grid(StringBuilder out, int cpu, String array, SizeArray s) {
        int bands = (s.sets() + SETS_PER_BAND - 1) / SETS_PER_BAND;
        int cols = Math.min(s.sets(), SETS_PER_BAND);
        int bandH = s.ways() * CELL + 6;
        out.append("<figure class=\"tlb-size\"><figcaption>").append(s.size().label).append(" pages: ").append(s.sets())
                .append(" sets × ").append(s.ways()).append(" ways</figcaption>");
        out.append("<svg class=\"tlb-grid\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(cols * CELL + 2)
                .append("\" height=\"").append(bands * bandH).append("\">");
        for (Slot slot : s.slots()) {
            int x = 1 + slot.set() % SETS_PER_BAND * CELL;
            int y = 1 + slot.set() / SETS_PER_BAND * bandH + slot.way() * CELL;
            out.append("<rect class=\"tlb-way ");
            if (slot.valid()) {
                out.append("tlb-").append(s.size().label).append("\" style=\"fill:").append(Html.pcidColour(slot.pcid()))
                        .append("\"");
            } else {
                out.append("tlb-empty\"");
            }
            out.append(" x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"").append(CELL - 2)
                    .append("\" height=\"").append(CELL - 2).append("\"><title>");
            String where = "CPU " + cpu + " " + array + " " + s.size().label + " set " + slot.set() + " way " + slot.way();
            out.append(Html.esc(slot.valid() ? where + " (LRU rank " + slot.lru() + ")\nPCID " + slot.pcid() + ": "
                    + Html.hex(slot.vaddr()) + " → " + Html.hex(slot.pagePa()) + " " + slot.rights()
                    + (slot.global() ? " G" : "") : where + ": empty")).append("</title></rect>");
            if (slot.valid() && slot.global()) {
                out.append("<rect class=\"tlb-global\" x=\"").append(x).append("\" y=\"").append(y)
                        .append("\" width=\"3\" height=\"3\"/>");
            }
        }
        out.append("</svg></figure>\n");
    }
}
