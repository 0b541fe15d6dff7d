package io.mmemu.emulator.report;

import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.vma.MmStruct;
import java.util.ArrayList;
import java.util.List;

/**
 * The page-table tree of the populated part of an address space, read from emulated physical
 * memory from CR3 down as the page walker and crash's vtop read it (PML4 → PDPT → PD → PT). Each
 * table is a node: a header (level, physical address, the virtual range it covers, the entries
 * used) and a 32 × 16 grid of its 512 entries, each used entry coloured by what it is (a table
 * below, a 1 GiB or 2 MiB leaf, a 4 KiB page, clean or dirty, or a non-present entry that still
 * holds something) with its value and flags in a tooltip. Below the grid come the tables its
 * entries point to, and huge leaves as leaf lines. Only the PML4 is open at first; a click on a
 * header opens or closes that table.
 *
 * @param root      the PML4
 * @param tables    the tables found, the PML4 included
 * @param pgtables  the tables the mm accounts for (mm->pgtables_bytes / PAGE_SIZE), deposited ones included
 * @param deposited the tables deposited for huge PMDs (pgtable_trans_huge_deposit()): accounted, not reachable
 */
record PageTableTree(Node root, int tables, long pgtables, int deposited) {
    /**
     * One entry that is not zero.
     *
     * @param index its index in the table, 0..511
     * @param vaddr the first virtual address it covers
     * @param value the entry as stored
     * @param child the table it points to, or null for a leaf or a non-present entry
     */
    record Entry(int index, long vaddr, long value, Node child) {}

    /**
     * One table.
     *
     * @param level   its level
     * @param pa      its physical address
     * @param vaddr   the first virtual address it covers
     * @param entries its entries that are not zero, in index order
     */
    record Node(Level level, long pa, long vaddr, List<Entry> entries) {}

    private static final int CELL = 6;
    private static final int COLS = 32;

    /** Reads the tables of {@code mm} from physical memory; changes nothing (no A/D bits). */
    static PageTableTree capture(MmStruct mm) {
        PhysicalMemory mem = mm.env().mem();
        int[] count = {0};
        Node root = read(mem, Level.PML4, mm.pgd().cr3(), 0, count);
        return new PageTableTree(root, count[0], mm.pgd().nrTables(), mm.pgd().nrDeposited());
    }

    /** One table and, depth first, the tables below it. */
    private static Node read(PhysicalMemory mem, Level level, long pa, long base, int[] count) {
        count[0]++;
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            long e = mem.getLong(pa + 8L * i);
            if (e == 0) continue;
            long va = canonical(base + ((long) i << level.shift));
            boolean table = level != Level.PT && Pte.present(e) && (level == Level.PML4 || (e & Pte.PS) == 0);
            Node child = table ? read(mem, level.next(), e & Pte.ADDR_MASK, va, count) : null;
            entries.add(new Entry(i, va, e, child));
        }
        return new Node(level, pa, base, List.copyOf(entries));
    }

    /** Bit 47 copied into bits 48..63, as the PML4's upper half addresses the kernel. */
    private static long canonical(long va) {
        return (va << 16) >> 16;
    }

    /** What an entry is, as the CSS class of its cell. */
    private static String kind(Level level, long e) {
        if (!Pte.present(e)) return "pte-np";
        if (level == Level.PT) return (e & Pte.D) != 0 ? "pte-dirty" : "pte-page";
        if (level != Level.PML4 && (e & Pte.PS) != 0) return level == Level.PDPT ? "pte-1g" : "pte-2m";
        return "pte-table";
    }

    private static String entryTip(Level level, Entry en) {
        long span = level.entrySpan();
        String what = switch (kind(level, en.value())) {
            case "pte-np" -> "not present";
            case "pte-1g" -> "1 GiB page at " + Html.hex(en.value() & Pte.ADDR_MASK & ~(span - 1));
            case "pte-2m" -> "2 MiB page at " + Html.hex(en.value() & Pte.ADDR_MASK & ~(span - 1));
            case "pte-table" -> level.next().name() + " at " + Html.hex(en.value() & Pte.ADDR_MASK);
            default -> "4 KiB page at " + Html.hex(en.value() & Pte.ADDR_MASK);
        };
        return level.name() + "[" + en.index() + "] " + Html.hex(en.vaddr()) + "-" + Html.hex(en.vaddr() + span)
                + "\nvalue " + Html.hex(en.value()) + ": " + what + "\nflags " + Pte.describe(en.value());
    }

    /** Appends the tree as nested HTML nodes, each with an SVG grid of its entries. */
    void render(StringBuilder out) {
        out.append("<p id=\"pt-count\">").append(tables).append(" page table(s) reachable from CR3; the mm accounts for ")
                .append(pgtables).append(" (mm->pgtables_bytes / 4096), ").append(deposited)
                .append(" of them deposited for huge PMDs. Click a table to open or close it.</p>\n");
        out.append("<div class=\"pt-tree\">\n");
        node(out, root, "");
        out.append("</div>\n");
    }

    private void node(StringBuilder out, Node n, String via) {
        long span = n.level().entrySpan() * 512;
        out.append("<div class=\"pt-node").append(n.level() == Level.PML4 ? " open" : "").append("\" data-level=\"")
                .append(n.level().name()).append("\">");
        out.append("<div class=\"pt-head\"><span class=\"twisty\"></span>").append(via).append("<b>")
                .append(n.level().name()).append("</b> at ").append(Html.hex(n.pa())).append(" — covers ")
                .append(Html.hex(canonical(n.vaddr()))).append(" + ").append(Html.size(span)).append(", ")
                .append(n.entries().size()).append(" of 512 entries used</div>\n");
        out.append("<div class=\"pt-body\">");
        grid(out, n);
        out.append("<div class=\"pt-children\">");
        for (Entry en : n.entries()) {
            String label = n.level().name() + "[" + en.index() + "] " + Html.hex(en.vaddr()) + " <code>"
                    + Html.esc(Pte.describe(en.value())) + "</code> → ";
            if (en.child() != null) {
                node(out, en.child(), label);
            } else if (n.level() != Level.PT) {
                out.append("<div class=\"pt-leaf\">").append(label).append(Html.esc(entryTip(n.level(), en)
                        .split("\n")[1])).append("</div>\n");
            }
        }
        out.append("</div></div></div>\n");
    }

    /** The 512 entries as a 32 × 16 grid; unused ones are plain cells. */
    private static void grid(StringBuilder out, Node n) {
        out.append("<svg class=\"pt-grid\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(COLS * CELL + 1)
                .append("\" height=\"").append(512 / COLS * CELL + 1).append("\"><rect class=\"pt-bg\" width=\"")
                .append(COLS * CELL).append("\" height=\"").append(512 / COLS * CELL).append("\"/>");
        for (Entry en : n.entries()) {
            out.append("<rect class=\"pt-entry ").append(kind(n.level(), en.value())).append("\" x=\"")
                    .append(en.index() % COLS * CELL).append("\" y=\"").append(en.index() / COLS * CELL)
                    .append("\" width=\"").append(CELL - 1).append("\" height=\"").append(CELL - 1).append("\"><title>")
                    .append(Html.esc(entryTip(n.level(), en))).append("</title></rect>");
        }
        out.append("</svg>\n");
    }
}
