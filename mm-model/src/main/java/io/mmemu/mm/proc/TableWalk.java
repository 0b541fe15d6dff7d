package io.mmemu.mm.proc;

import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.vma.MmStruct;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only walk of an address space's page tables for one address, as crash's {@code vtop} and
 * the debugger show it: each level's entry (its physical address and value) down to the leaf or
 * the first entry that is not present. It reads the tables only (no Accessed or Dirty bit set, no
 * TLB touched), unlike the hardware walker the CPUs use.
 *
 * @param vaddr   the address walked
 * @param entries the entries read, from PML4 down
 * @param leaf    the level that maps the page, or null when the walk stopped at a missing entry
 */
public record TableWalk(long vaddr, List<Entry> entries, Level leaf) {
    /**
     * One level's entry.
     *
     * @param level the paging level
     * @param pa    where the entry lives in physical memory
     * @param value the entry
     */
    public record Entry(Level level, long pa, long value) {}

    /**
     * Walks {@code mm}'s tables for {@code vaddr}.
     *
     * @param mm    the address space
     * @param vaddr the address
     * @return the walk
     */
    public static TableWalk of(MmStruct mm, long vaddr) {
        PhysicalMemory mem = mm.env().mem();
        List<Entry> entries = new ArrayList<>(4);
        long table = mm.pgd().cr3();
        for (Level level : Level.values()) {
            long pa = table + 8L * level.index(vaddr);
            long e = mem.getLong(pa);
            entries.add(new Entry(level, pa, e));
            if (!Pte.present(e)) return new TableWalk(vaddr, List.copyOf(entries), null);
            if (level == Level.PT || (level.canMapPage && (e & Pte.PS) != 0)) {
                return new TableWalk(vaddr, List.copyOf(entries), level);
            }
            table = e & Pte.ADDR_MASK;
        }
        throw new AssertionError("a walk ends at the PT level");
    }

    /** {@return whether the address is mapped by a present entry} */
    public boolean mapped() {
        return leaf != null;
    }

    /** {@return the leaf entry (the last one read)} */
    public long leafEntry() {
        return entries.getLast().value();
    }

    /** {@return the physical address {@code vaddr} translates to, or -1 when not mapped} */
    public long physical() {
        if (leaf == null) return -1;
        long span = leaf.entrySpan();
        return (leafEntry() & Pte.ADDR_MASK & ~(span - 1)) + (vaddr & (span - 1));
    }

    /**
     * {@return the physical address of {@code vaddr} in {@code mm}, or -1 when it is not mapped}
     *
     * @param mm    the address space
     * @param vaddr a user address
     */
    public static long translate(MmStruct mm, long vaddr) {
        return of(mm, vaddr).physical();
    }
}
