package io.mmemu.emulator.debug;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The page-table views: {@code pte} (every level's entry with its flags spelled out) and crash's
 * {@code vtop} (PML4 DIRECTORY, PAGE DIRECTORY, PUD, PMD, PTE, the page, its VMA and its
 * struct-page line), used by {@code debug} and by {@code run --vtop}. Both only read the tables.
 */
public final class PageViews {
    /** Where Linux x86-64 maps the struct page array (vmemmap_base without KASLR); a struct page is 64 bytes. */
    static final long VMEMMAP_BASE = 0xffffea0000000000L;
    private static final long STRUCT_PAGE_SIZE = 64;

    private PageViews() {}

    /**
     * {@code pte ADDR}: the entry at every level of the walk for {@code vaddr}, its flags in words.
     *
     * @param mm    the address space
     * @param vaddr a user address
     * @return the text
     */
    static String pte(MmStruct mm, long vaddr) {
        PageWalk w = PageWalk.of(mm, vaddr);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "page walk of 0x%x from CR3 0x%x (the PML4 table's physical address)%n", vaddr,
                mm.pgd().cr3()));
        for (PageWalk.Entry e : w.entries()) {
            b.append(String.format(Locale.ROOT, "  %-4s (%-3s) entry %3d at pa 0x%09x = 0x%016x  %s%n", e.level().name(),
                    e.level().linuxName.toLowerCase(Locale.ROOT), e.level().index(vaddr), e.pa(), e.value(),
                    flagWords(e.level(), e.value(), e.level() == w.leaf())));
        }
        if (w.mapped()) {
            b.append(String.format(Locale.ROOT, "  => %s page, physical address 0x%x%n", pageSize(w.leaf()), w.physical()));
        } else {
            b.append(String.format(Locale.ROOT, "  => not mapped: the walk stops at the %s level (an access faults)%n",
                    w.entries().getLast().level().name()));
        }
        return b.toString();
    }

    /** The VMA's name as /proc/PID/maps shows it: the file, [heap], [stack], or "" for plain anonymous memory. */
    static String vmaName(MmStruct mm, Vma vma) {
        String label = mm.label(vma);
        if (label == null && vma.file() != null) label = vma.file().displayPath();
        return label == null ? "" : label;
    }

    /** A page size in words: 4 KiB, 2 MiB, 1 GiB. */
    static String pageSize(Level leaf) {
        return switch (leaf) {
            case PDPT -> "1 GiB";
            case PD -> "2 MiB";
            default -> "4 KiB";
        };
    }

    /**
     * An entry's flags in words: present, writable or read-only, user or supervisor, accessed,
     * dirty, page size (PS), global, no-execute, and where it points.
     */
    static String flagWords(Level level, long e, boolean leaf) {
        if (!Pte.present(e)) {
            return e == 0 ? "not present (empty)" : "not present (PROT_NONE, swap or migration entry)";
        }
        StringJoiner j = new StringJoiner(" ");
        j.add("present");
        j.add((e & Pte.RW) != 0 ? "writable" : "read-only");
        j.add((e & Pte.US) != 0 ? "user" : "supervisor");
        if ((e & Pte.PWT) != 0) j.add("write-through");
        if ((e & Pte.PCD) != 0) j.add("cache-disabled");
        if ((e & Pte.A) != 0) j.add("accessed");
        if ((e & Pte.D) != 0) j.add("dirty");
        if (level != Level.PT && (e & Pte.PS) != 0) j.add("page-size(PS)");
        if ((e & Pte.G) != 0 && leaf) j.add("global");
        j.add((e & Pte.NX) != 0 ? "no-execute" : "executable");
        if (leaf && Pte.pkey(e) != 0) j.add("pkey=" + Pte.pkey(e));
        j.add(leaf ? String.format(Locale.ROOT, "-> page 0x%x", e & Pte.ADDR_MASK & ~(level.entrySpan() - 1))
                : String.format(Locale.ROOT, "-> table 0x%x", e & Pte.ADDR_MASK));
        return j.toString();
    }

    /**
     * crash's {@code vtop} for a user address: the translation, each level's entry (PML4 DIRECTORY
     * and PAGE DIRECTORY, then PUD, PMD and PTE as "entry address => value"), the page and the
     * leaf's flags, the VMA the address lies in, and the page's struct-page line (its address in
     * vmemmap, physical address, index, reference count, map count and flags).
     *
     * @param mm    the address space
     * @param vaddr a user address
     * @return the text
     */
    public static String vtop(MmStruct mm, long vaddr) {
        PageWalk w = PageWalk.of(mm, vaddr);
        StringBuilder b = new StringBuilder("VIRTUAL           PHYSICAL\n");
        if (w.mapped()) b.append(String.format(Locale.ROOT, "%-17x %x%n%n", vaddr, w.physical()));
        else b.append(String.format(Locale.ROOT, "%-17x (not mapped)%n%n", vaddr));
        b.append(String.format(Locale.ROOT, "   PML4 DIRECTORY: %x%n", mm.pgd().cr3()));
        for (PageWalk.Entry e : w.entries()) {
            if (e.level() == Level.PML4) {
                b.append(String.format(Locale.ROOT, "   PAGE DIRECTORY: %x%n", e.value()));
            } else {
                b.append(String.format(Locale.ROOT, "%9s: %x => %x%n", e.level().linuxName, e.pa(), e.value()));
            }
        }
        if (w.mapped()) {
            long page = w.physical() & ~(w.leaf().entrySpan() - 1);
            b.append(String.format(Locale.ROOT, "%9s: %x%n%n", "PAGE", page));
            b.append(String.format(Locale.ROOT, "%16s  %-10s %s%n", "PTE", "PHYSICAL", "FLAGS"));
            b.append(String.format(Locale.ROOT, "%16x  %-10x (%s)%n", w.leafEntry(), page, Pte.describe(w.leafEntry())));
        }
        Vma vma = mm.findVma(vaddr);
        if (vma != null && vma.start() <= vaddr) {
            b.append(String.format(Locale.ROOT, "%n%16s  %-12s %-12s %8s %s%n", "VMA", "START", "END", "FLAGS", "FILE"));
            b.append(String.format(Locale.ROOT, "%16x  %-12x %-12x %8x %s%n", vma.object(), vma.start(), vma.end(),
                    vma.flags(), vmaName(mm, vma)));
        } else {
            b.append("\n(no VMA: the address is outside every mapping; an access is SIGSEGV)\n");
        }
        if (w.mapped()) {
            long pfn = w.physical() >>> 12;
            FrameTable frames = mm.env().frames();
            b.append(String.format(Locale.ROOT, "%n%16s  %-10s %8s %4s %4s %s%n", "PAGE", "PHYSICAL", "INDEX", "CNT", "MAP",
                    "FLAGS"));
            String dump = frames.dumpPage(pfn);
            String flags = dump.substring(dump.indexOf("flags:") + "flags:".length());
            b.append(String.format(Locale.ROOT, "%16x  %-10x %8x %4d %4d %s%n", VMEMMAP_BASE + pfn * STRUCT_PAGE_SIZE,
                    pfn << 12, vma != null && vma.start() <= vaddr ? vma.pageIndex(vaddr) : 0, frames.pageRefCount(pfn),
                    frames.pageMapcount(pfn), flags));
        }
        return b.toString();
    }
}
