package io.mmemu.emulator.debug;

import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.proc.TableWalk;
import io.mmemu.mm.vma.MmStruct;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The debugger's {@code pte}: every level's entry of a walk with its flags spelled out (crash's
 * {@code vtop} is {@link io.mmemu.mm.proc.Vtop}). Reads the tables only.
 */
final class PageViews {
    private PageViews() {}

    /**
     * {@code pte ADDR}: the entry at every level of the walk for {@code vaddr}, its flags in words.
     *
     * @param mm    the address space
     * @param vaddr a user address
     * @return the text
     */
    static String pte(MmStruct mm, long vaddr) {
        TableWalk w = TableWalk.of(mm, vaddr);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "page walk of 0x%x from CR3 0x%x (the PML4 table's physical address)%n", vaddr,
                mm.pgd().cr3()));
        for (TableWalk.Entry e : w.entries()) {
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
}
