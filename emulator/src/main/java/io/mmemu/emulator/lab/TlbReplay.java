package io.mmemu.emulator.lab;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.TlbLevel;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.TlbStat;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Lab 2's model answer: replays a data-access trace on one CPU's {@link CpuTlb} of the
 * {@code teaching} preset, as the MMU loop does (lookup; on a miss, a page walk and a fill), and
 * says for each access where it hit and which entries it evicted from which array.
 *
 * <p>Every page of the trace is mapped to its own frame, user, writable, already Accessed and
 * Dirty (so a write after a read does not walk again to set D, SDM vol. 3A 4.8).
 */
final class TlbReplay {
    private TlbReplay() {}

    /** One access of a trace: R or W and a virtual address. */
    record Step(char kind, long vaddr) {
        @Override
        public String toString() {
            return kind + " " + hex(vaddr);
        }
    }

    /**
     * What one access did: {@code L1} (hit in the L1 dTLB), {@code STLB} (L1 miss, STLB hit, copied
     * into L1) or {@code MISS} (page walk, filled into both), and the pages evicted, each as
     * "L1:0x…" or "STLB:0x…" (the evicted entry's virtual page).
     *
     * @param outcome   L1, STLB or MISS
     * @param evictions the evicted entries, in the order L1 then STLB, by address within each
     */
    record Outcome(String outcome, List<String> evictions) {
        /** The line an answers file carries for {@code step}. */
        String line(Step step) {
            return step + " " + outcome + (evictions.isEmpty() ? "" : " evict " + String.join(" ", evictions));
        }
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** Parses a trace: one access a line ("R 0x1000", "W 0x7000"), '#' comments and blank lines skipped. */
    static List<Step> parseTrace(List<String> lines) {
        List<Step> steps = new ArrayList<>();
        for (String raw : lines) {
            String line = stripComment(raw);
            if (line.isEmpty()) continue;
            String[] f = line.split("\\s+");
            steps.add(new Step(Character.toUpperCase(f[0].charAt(0)), Long.decode(f[1])));
        }
        return steps;
    }

    static String stripComment(String raw) {
        int hash = raw.indexOf('#');
        return (hash >= 0 ? raw.substring(0, hash) : raw).strip();
    }

    /** The model's outcome of each access of {@code trace}, from an empty TLB. */
    static List<Outcome> replay(List<Step> trace) {
        try (PhysicalMemory mem = PhysicalMemory.reserve(2L << 20)) {
            long cr3 = mapPages(mem, trace);
            CpuTlb tlb = new CpuTlb(TlbPreset.TEACHING, mem);
            tlb.movToCr3(cr3);
            PageWalker walker = new PageWalker(mem);
            PagingControl ctl = new PagingControl();
            List<Outcome> out = new ArrayList<>();
            for (Step s : trace) {
                int access = s.kind() == 'W' ? Access.WRITE : Access.READ;
                Set<String> before = entries(tlb);
                long l1Hits = tlb.stat(TlbLevel.L1D, TlbStat.HIT);
                long r = tlb.lookup(s.vaddr(), access);
                String outcome;
                if (r != Tlb.MISS) {
                    outcome = tlb.stat(TlbLevel.L1D, TlbStat.HIT) > l1Hits ? "L1" : "STLB";
                } else {
                    long w = walker.walk(cr3, s.vaddr(), access, true, ctl);
                    if (WalkResult.isFault(w)) throw new IllegalStateException("the lab's page tables do not map " + s);
                    tlb.fill(s.vaddr(), tlb.currentPcid(), access, w, walker);
                    outcome = "MISS";
                }
                Set<String> gone = new LinkedHashSet<>(before);
                gone.removeAll(entries(tlb));
                out.add(new Outcome(outcome, List.copyOf(gone)));
            }
            return out;
        }
    }

    /** The valid entries of the L1 dTLB and the STLB, as "L1:0x…" and "STLB:0x…", sorted by array then address. */
    private static Set<String> entries(CpuTlb tlb) {
        List<long[]> all = new ArrayList<>();
        tlb.forEachEntry((array, size, pcid, va, pa, prot, user, global) -> {
            String name = tlb.arrayName(array);
            if (name.equals("L1 dTLB")) all.add(new long[] {0, va});
            else if (name.equals("STLB")) all.add(new long[] {1, va});
        });
        all.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compareUnsigned(a[1], b[1]));
        Set<String> s = new LinkedHashSet<>();
        for (long[] e : all) s.add((e[0] == 0 ? "L1:" : "STLB:") + hex(e[1]));
        return s;
    }

    /** Builds 4-level tables mapping every page of the trace to a frame of its own; returns CR3. */
    private static long mapPages(PhysicalMemory mem, List<Step> trace) {
        long[] next = {1};
        long pml4 = next[0]++ << 12;
        long frame = 0x100;
        Set<Long> mapped = new LinkedHashSet<>();
        for (Step s : trace) {
            long page = s.vaddr() & ~0xFFFL;
            if (!mapped.add(page)) continue;
            long table = pml4;
            for (Level level : Level.values()) {
                long slot = table + 8L * level.index(page);
                if (level == Level.PT) {
                    mem.putLong(slot, Pte.make(frame++, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D));
                    break;
                }
                long e = mem.getLong(slot);
                if ((e & Pte.P) == 0) {
                    e = Pte.make(next[0]++, Pte.PAGE_TABLE);
                    mem.putLong(slot, e);
                }
                table = e & Pte.ADDR_MASK;
            }
        }
        return pml4;
    }
}
