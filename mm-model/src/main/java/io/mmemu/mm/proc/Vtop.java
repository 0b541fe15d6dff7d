package io.mmemu.mm.proc;

import static io.mmemu.mm.phys.PageTypes.PAGE_MASK;

import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.vma.MmStruct;
import java.util.Locale;

/**
 * crash's {@code vtop} for a user address: the physical address, each level's entry address and
 * value (PML4, PDPT, PD, PTE, as the SDM names them), the page, and the leaf's flags in crash's
 * words (PRESENT|RW|USER|ACCESSED|DIRTY|PSE|GLOBAL|NX). A read of the tables only: no A/D update.
 */
public final class Vtop {
    private Vtop() {}

    /**
     * The output of crash's {@code vtop} for {@code vaddr}.
     *
     * @param mm    the address space
     * @param vaddr a user address
     * @return the text
     */
    public static String vtop(MmStruct mm, long vaddr) {
        PhysicalMemory mem = mm.env().mem();
        StringBuilder levels = new StringBuilder();
        long tablePa = mm.pgd().cr3();
        long leaf = 0;
        long pagePa = -1;
        for (Level level : Level.values()) {
            long entryPa = tablePa + 8L * level.index(vaddr);
            long entry = mem.getLong(entryPa);
            levels.append(String.format(Locale.ROOT, "%7s: %x => %x%n", level == Level.PT ? "PTE" : level.name(), entryPa,
                    entry));
            if (!Pte.mapsPage(entry)) break;
            if (level == Level.PT || (level != Level.PML4 && (entry & Pte.PS) != 0)) {
                leaf = entry;
                long span = level.entrySpan();
                pagePa = (entry & Pte.ADDR_MASK & ~(span - 1)) + (vaddr & (span - 1) & PAGE_MASK);
                break;
            }
            tablePa = entry & Pte.ADDR_MASK;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("VIRTUAL           PHYSICAL\n");
        if (pagePa < 0 || !Pte.present(leaf)) {
            sb.append(String.format(Locale.ROOT, "%-17x (not mapped)%n%n", vaddr)).append(levels);
            if (pagePa >= 0) sb.append(String.format(Locale.ROOT, "%n      PTE           FLAGS%n%16x  (%s)%n", leaf,
                    Pte.describe(leaf)));
            return sb.toString();
        }
        sb.append(String.format(Locale.ROOT, "%-17x %x%n%n", vaddr, pagePa | PageTypes.offsetInPage(vaddr)));
        sb.append(levels);
        sb.append(String.format(Locale.ROOT, "%7s: %x%n%n", "PAGE", pagePa));
        sb.append(String.format(Locale.ROOT, "%16s  %-10s %s%n", "PTE", "PHYSICAL", "FLAGS"));
        sb.append(String.format(Locale.ROOT, "%16x  %-10x (%s)%n", leaf, pagePa, Pte.describe(leaf)));
        return sb.toString();
    }
}
