package io.mmemu.tlb.check;

import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.PageSize;
import io.mmemu.tlb.PagingStructureCache;
import io.mmemu.tlb.linux.CpuTlbState;
import io.mmemu.tlb.linux.TlbContext;
import io.mmemu.tlb.linux.TlbManagement;
import io.mmemu.tlb.linux.TlbMm;
import java.util.ArrayList;
import java.util.List;

/**
 * After a kernel operation that changed page tables and flushed TLBs has completed, finds every
 * CPU whose hardware TLB model still holds a translation the page tables no longer allow, and
 * that the CPU could still use. A dropped shootdown shows up here; a correct run reports nothing.
 *
 * <h2>Which entries count</h2>
 * Linux lets some stale entries live on, because they cannot be used before a flush:
 * <ul>
 *   <li>An entry under the PCID of an ASID slot whose ctx_id names no live mm: nothing will ever
 *       load that slot for it again without a flush.</li>
 *   <li>An entry of an mm whose slot generation is behind the mm's tlb_gen, unless that slot is
 *       loaded on a CPU that is not lazy: the next switch to it flushes (choose_new_asid() sees
 *       the old generation), and a lazy CPU catches up when it leaves lazy mode.</li>
 * </ul>
 * Every other entry (the running mm's, and those of slots that claim to be up to date) is
 * compared with a read-only walk of its mm's page tables ({@link PageTablePeek}): the frame must
 * be the same and the cached rights no more than the tables grant (W also needs D). A
 * paging-structure cache entry of the loaded slot counts even on a lazy CPU, since speculative
 * walks use it: it must still reference the table the paging structures reference.
 *
 * <p>Read-only: neither the TLBs, nor the LRU order, nor guest memory change.
 */
public final class StaleTranslationChecker {
    private final TlbManagement tlb;
    private final PhysicalMemory mem;

    /**
     * A checker over every CPU of {@code tlb}, reading the paging structures from {@code mem}.
     *
     * @param tlb the TLB management of every CPU
     * @param mem the physical memory holding the page tables
     */
    public StaleTranslationChecker(TlbManagement tlb, PhysicalMemory mem) {
        this.tlb = tlb;
        this.mem = mem;
    }

    /**
     * Every usable stale translation on every CPU, in CPU then structure order, named after {@code operation}.
     *
     * @param operation what just ran, named in each finding
     * @return the findings, empty when there are none
     */
    public List<StaleTranslation> check(String operation) {
        List<StaleTranslation> out = new ArrayList<>();
        for (int c = 0; c < tlb.nrCpus(); c++) checkCpu(tlb.cpu(c), operation, out);
        return out;
    }

    /**
     * The findings as lines, or "no stale translations".
     *
     * @param findings the findings of {@link #check}
     * @return the lines as text
     */
    public static String describe(List<StaleTranslation> findings) {
        if (findings.isEmpty()) return "no stale translations\n";
        StringBuilder sb = new StringBuilder();
        for (StaleTranslation f : findings) sb.append(f).append('\n');
        return sb.toString();
    }

    /** The live mm whose entries PCID {@code pcid} carries on this CPU, if the CPU could use them; else null. */
    private TlbMm usableMm(CpuTlbState s, int pcid, boolean speculativeToo) {
        int asid = tlb.asidOfPcid(pcid);
        if (asid < 0) return null;
        TlbContext ctx = s.ctx(asid);
        TlbMm mm = tlb.liveContext(ctx.ctxId());
        if (mm == null) return null;
        boolean loaded = asid == s.loadedMmAsid() && s.loadedMm() == mm;
        if (loaded && (speculativeToo || !s.isLazy())) return mm;
        return ctx.tlbGen() >= mm.tlbGen() ? mm : null;
    }

    private void checkCpu(CpuTlbState s, String op, List<StaleTranslation> out) {
        CpuTlb hw = s.hardware();
        hw.forEachEntry((array, size, pcid, va, pa, prot, user, global) -> {
            TlbMm mm = usableMm(s, pcid, false);
            if (mm == null) return;
            String problem = compare(mm, size, va, pa, prot, user);
            if (problem != null) {
                out.add(new StaleTranslation(op, s.cpu(), hw.arrayName(array), pcid, tlb.asidOfPcid(pcid), mm.label(), va,
                        size.label, "frame 0x" + Long.toHexString(pa) + " " + PageTablePeek.rights(prot, user), problem));
            }
        });
        PagingStructureCache psc = hw.pagingStructureCache();
        if (psc == null) return;
        psc.forEachEntry((level, pcid, va, tablePa) -> {
            TlbMm mm = usableMm(s, pcid, true);
            if (mm == null) return;
            long now = PageTablePeek.tableAt(mem, mm.pgdPa(), va, level);
            if (now == tablePa) return;
            String[] names = {"PML4E cache", "PDPTE cache", "PDE cache"};
            String[] spans = {"512G", "1G", "2M"};
            out.add(new StaleTranslation(op, s.cpu(), names[level], pcid, tlb.asidOfPcid(pcid), mm.label(), va,
                    spans[level], "table 0x" + Long.toHexString(tablePa),
                    now < 0 ? "no table (not present or a large page)" : "table 0x" + Long.toHexString(now)));
        });
    }

    /** Null when the tables allow what the entry caches, else what the tables say. */
    private String compare(TlbMm mm, PageSize size, long va, long pa, int prot, boolean user) {
        long w = PageTablePeek.walk(mem, mm.pgdPa(), va);
        if (w == PageTablePeek.NOT_MAPPED) return "not present";
        long walkBytes = 1L << PageSize.ofWalkCode((int) ((w >>> 3) & 3)).shift;
        if (walkBytes >= size.bytes()) return compareOne(w, pa, prot, user);
        // The tables now map the entry's range with smaller pages: every one must agree.
        for (long off = 0; off < size.bytes(); off += walkBytes) {
            long wi = off == 0 ? w : PageTablePeek.walk(mem, mm.pgdPa(), va + off);
            if (wi == PageTablePeek.NOT_MAPPED) return "not present at +0x" + Long.toHexString(off);
            String p = compareOne(wi, pa + off, prot, user);
            if (p != null) return p + (off == 0 ? "" : " at +0x" + Long.toHexString(off));
        }
        return null;
    }

    private static String compareOne(long w, long pa, int prot, boolean user) {
        long wpa = w & 0x000F_FFFF_FFFF_F000L;
        int wprot = (int) (w & 7);
        boolean wuser = (w & PageTablePeek.USER) != 0;
        if (wpa != pa || (prot & ~wprot) != 0 || (user && !wuser)) {
            return "frame 0x" + Long.toHexString(wpa) + " " + PageTablePeek.rights(wprot, wuser);
        }
        return null;
    }
}
