package io.mmemu.mm.proc;

import static io.mmemu.mm.phys.PageTypes.PAGE_MASK;
import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;
import java.util.Locale;

/**
 * crash's {@code vtop} for a user address: the physical address; PML4 DIRECTORY (the table CR3
 * points at) and PAGE DIRECTORY (its entry), then the PUD, PMD and PTE entries as "entry address
 * => value"; the page and the leaf's flags in crash's words (PRESENT|RW|USER|ACCESSED|DIRTY|PSE|
 * GLOBAL|NX); the VMA holding the address; and the page's struct-page line (its address in
 * vmemmap, index, reference count, map count, flags). A read of the tables only: no A/D update.
 * Used by {@code run --vtop} and the debugger's {@code vtop}.
 */
public final class Vtop {
    /** Where Linux x86-64 maps the struct page array (vmemmap_base without KASLR); a struct page is 64 bytes. */
    static final long VMEMMAP_BASE = 0xffffea0000000000L;
    private static final long STRUCT_PAGE_SIZE = 64;

    private Vtop() {}

    /**
     * The output of crash's {@code vtop} for {@code vaddr}.
     *
     * @param mm    the address space
     * @param vaddr a user address
     * @return the text
     */
    public static String vtop(MmStruct mm, long vaddr) {
        StringBuilder levels = new StringBuilder();
        levels.append(String.format(Locale.ROOT, "   PML4 DIRECTORY: %x%n", mm.pgd().cr3()));
        TableWalk walk = TableWalk.of(mm, vaddr);
        for (TableWalk.Entry e : walk.entries()) {
            if (e.level() == Level.PML4) levels.append(String.format(Locale.ROOT, "   PAGE DIRECTORY: %x%n", e.value()));
            else levels.append(String.format(Locale.ROOT, "%9s: %x => %x%n", e.level().linuxName, e.pa(), e.value()));
        }
        long leaf = walk.mapped() ? walk.leafEntry() : 0;
        long pagePa = walk.mapped() ? walk.physical() & PAGE_MASK : -1;
        StringBuilder sb = new StringBuilder("VIRTUAL           PHYSICAL\n");
        if (pagePa < 0) {
            sb.append(String.format(Locale.ROOT, "%-17x (not mapped)%n%n", vaddr)).append(levels);
        } else {
            sb.append(String.format(Locale.ROOT, "%-17x %x%n%n", vaddr, pagePa | PageTypes.offsetInPage(vaddr))).append(levels);
            sb.append(String.format(Locale.ROOT, "%9s: %x%n%n", "PAGE", pagePa));
            sb.append(String.format(Locale.ROOT, "%16s  %-10s %s%n", "PTE", "PHYSICAL", "FLAGS"));
            sb.append(String.format(Locale.ROOT, "%16x  %-10x (%s)%n", leaf, pagePa, Pte.describe(leaf)));
        }
        Vma vma = mm.findVma(vaddr);
        boolean inVma = vma != null && vma.start() <= vaddr;
        if (inVma) {
            sb.append(String.format(Locale.ROOT, "%n%16s  %-12s %-12s %8s %s%n", "VMA", "START", "END", "FLAGS", "FILE"));
            sb.append(String.format(Locale.ROOT, "%16x  %-12x %-12x %8x %s%n", vma.object(), vma.start(), vma.end(),
                    vma.flags(), name(mm, vma)));
        } else {
            sb.append("\n(no VMA: the address is outside every mapping; an access is SIGSEGV)\n");
        }
        if (pagePa >= 0) {
            long pfn = pagePa >>> PAGE_SHIFT;
            FrameTable frames = mm.env().frames();
            String dump = frames.dumpPage(pfn);
            sb.append(String.format(Locale.ROOT, "%n%16s  %-10s %8s %4s %4s %s%n", "PAGE", "PHYSICAL", "INDEX", "CNT", "MAP",
                    "FLAGS"));
            sb.append(String.format(Locale.ROOT, "%16x  %-10x %8x %4d %4d %s%n", VMEMMAP_BASE + pfn * STRUCT_PAGE_SIZE,
                    pagePa, inVma ? vma.pageIndex(vaddr) : 0, frames.pageRefCount(pfn), frames.pageMapcount(pfn),
                    dump.substring(dump.indexOf("flags:") + "flags:".length())));
        }
        return sb.toString();
    }

    /** The VMA's name as /proc/PID/maps shows it: the file, [heap], [stack], or "" for plain anonymous memory. */
    private static String name(MmStruct mm, Vma vma) {
        String label = mm.label(vma);
        if (label == null && vma.file() != null) label = vma.file().displayPath();
        return label == null ? "" : label;
    }
}
