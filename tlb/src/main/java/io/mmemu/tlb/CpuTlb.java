package io.mmemu.tlb;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.trace.Tracer;
import java.util.Arrays;
import java.util.Locale;

/**
 * One CPU's whole translation-caching hardware: first-level instruction and data TLBs, a second
 * level behind them (Intel's unified STLB, or AMD's separate L2 iTLB and L2 dTLB), and the
 * paging-structure caches (SDM vol. 3A, 4.10.3). Each array is a {@link Tlb}; this class decides
 * which arrays an access consults, what a hit in the second level copies into the first, and
 * sends every invalidation to all of them.
 *
 * <h2>Lookup and fill</h2>
 * <ol>
 *   <li>A fetch asks the L1 iTLB, a read or write the L1 dTLB. A hit answers.</li>
 *   <li>On a miss it asks the second level of its side. A hit there is copied into the L1 array
 *       (as a smaller page if the L1 holds none of that size) and answers.</li>
 *   <li>A miss in both is {@link Tlb#MISS}: the CPU walks the paging structures
 *       ({@link io.mmemu.mm.pgtable.PageWalker}) and calls {@link #fill} with the outcome, which
 *       writes the translation into the L1 array of the access's side and into its second level
 *       (an inclusive fill; an L1 hit never refreshes the second level's LRU order).</li>
 *   <li>{@link #fill} also accounts the walk: it asks the paging-structure caches for the deepest
 *       entry the walk could have started from, counts the entry reads that saved
 *       ({@link WalkStat}), and caches the upper-level entries the walk read below that one:
 *       the tables the walker's last walk went through when it is given and that walk was of
 *       this page from the current CR3, else read again from physical memory.</li>
 * </ol>
 * An access a cached entry's rights refuse misses at that level, as in {@link Tlb}; only a walk
 * can fault.
 *
 * <h2>Invalidation</h2>
 * Every operation of SDM 4.10.4.1 reaches every array and the paging-structure caches: INVLPG,
 * INVPCID, MOV to CR3 (with or without NOFLUSH), MOV to CR4. The arrays keep their own copy of
 * CR4.PCIDE and the current PCID, always the same as this object's.
 *
 * <p>Lookups and fills allocate nothing. Not thread-safe: one host thread drives every CPU.
 */
public final class CpuTlb {

    private final TlbPreset preset;
    private final Tlb l1i, l1d, l2i, l2d;
    /** The distinct arrays, in dump order, and their names. */
    private final Tlb[] arrays;
    private final String[] names;
    /** Null when the preset has no paging-structure caches or no memory was given to read entries from. */
    private final PagingStructureCache psc;
    private final PhysicalMemory mem;
    /** Whole-hierarchy LOOKUP, HIT, MISS and FILL ({@link #stat(TlbStat)}). */
    private final long[] stats = new long[TlbStat.values().length];
    // Their indices, as constants so that counting on the lookup path is one increment.
    private static final int LOOKUP = TlbStat.LOOKUP.ordinal();
    private static final int HIT = TlbStat.HIT.ordinal();
    private static final int MISS = TlbStat.MISS.ordinal();
    private static final int FILL = TlbStat.FILL.ordinal();
    private final long[] walkStats = new long[WalkStat.values().length];

    private boolean pcide;
    private int currentPcid;
    /** Where misses and fills are traced, and as which CPU. */
    private Tracer tracer = Tracer.OFF;
    private int cpuId;
    /** The last CR3 loaded, without the NOFLUSH bit: the PML4 address and, with PCIDE, the PCID. */
    private long cr3;

    /**
     * An empty hierarchy, as after reset (CR4.PCIDE clear, CR3 0). {@code mem} is where the
     * paging-structure caches read upper-level entries from on a fill; null leaves them out.
     *
     * @param preset the CPU model: its arrays, their geometry and its paging-structure caches
     * @param mem    the physical memory holding the page tables, or null
     */
    public CpuTlb(TlbPreset preset, PhysicalMemory mem) {
        this.preset = preset;
        this.mem = mem;
        l1i = new Tlb(preset.l1i());
        l1d = preset.unifiedL1() ? l1i : new Tlb(preset.l1d());
        if (preset.hasL2()) {
            l2i = new Tlb(preset.l2i());
            l2d = preset.unifiedL2() ? l2i : new Tlb(preset.l2d());
        } else {
            l2i = l2d = null;
        }
        Tlb[] a = new Tlb[4];
        String[] n = new String[4];
        int k = 0;
        if (preset.unifiedL1()) {
            a[k] = l1i;
            n[k++] = "L1 TLB";
        } else {
            a[k] = l1i;
            n[k++] = "L1 iTLB";
            a[k] = l1d;
            n[k++] = "L1 dTLB";
        }
        if (preset.hasL2() && preset.unifiedL2()) {
            a[k] = l2i;
            n[k++] = "STLB";
        } else if (preset.hasL2()) {
            a[k] = l2i;
            n[k++] = "L2 iTLB";
            a[k] = l2d;
            n[k++] = "L2 dTLB";
        }
        arrays = Arrays.copyOf(a, k);
        names = Arrays.copyOf(n, k);
        psc = preset.psc().any() && mem != null ? new PagingStructureCache(preset.psc()) : null;
    }

    /**
     * Traces this hierarchy's misses and fills to {@code tracer} as those of CPU {@code cpu}.
     *
     * @param tracer the machine's tracer
     * @param cpu    the CPU this hierarchy belongs to
     */
    public void setTracer(Tracer tracer, int cpu) {
        this.tracer = tracer;
        this.cpuId = cpu;
    }

    /**
     * A hierarchy without paging-structure caches (or whose preset has none).
     *
     * @param preset the CPU model: its arrays and their geometry
     */
    public CpuTlb(TlbPreset preset) {
        this(preset, null);
    }

    /** {@return the CPU model this hierarchy was built from} */
    public TlbPreset preset() {
        return preset;
    }

    /**
     * The array at {@code level}, or null when the preset has no second level.
     *
     * @param level a level of the hierarchy
     * @return its array, or null
     */
    public Tlb level(TlbLevel level) {
        return switch (level) {
            case L1I -> l1i;
            case L1D -> l1d;
            case L2I -> l2i;
            case L2D -> l2d;
        };
    }

    /** {@return the paging-structure caches, or null when there are none} */
    public PagingStructureCache pagingStructureCache() {
        return psc;
    }

    /** {@return the number of distinct arrays (2 to 4)} */
    public int arrayCount() {
        return arrays.length;
    }

    /**
     * Distinct array {@code i} (L1 first).
     *
     * @param i an array index, 0 to {@code arrayCount() - 1}
     * @return that array
     */
    public Tlb array(int i) {
        return arrays[i];
    }

    /**
     * Name of distinct array {@code i}: "L1 iTLB", "L1 dTLB", "L1 TLB", "STLB", "L2 iTLB", "L2 dTLB".
     *
     * @param i an array index, 0 to {@code arrayCount() - 1}
     * @return its name
     */
    public String arrayName(int i) {
        return names[i];
    }

    /** {@return CR4.PCIDE as this hierarchy last saw it} */
    public boolean pcide() {
        return pcide;
    }

    /** {@return the PCID of the last MOV to CR3 (0 while CR4.PCIDE is clear)} */
    public int currentPcid() {
        return currentPcid;
    }

    /** {@return the last CR3 loaded, without bit 63 (NOFLUSH)} */
    public long cr3() {
        return cr3;
    }

    // ------------------------------------------------------------------ translation

    /**
     * {@link #lookup(long, int, int, boolean)} for a user-mode access.
     *
     * @param vaddr  the virtual address
     * @param pcid   the current PCID
     * @param access the access type ({@link Access})
     * @return a walk result ({@link WalkResult} layout), or {@link Tlb#MISS}
     */
    public long lookup(long vaddr, int pcid, int access) {
        return lookup(vaddr, pcid, access, true);
    }

    /**
     * {@link #lookup(long, int, int, boolean)} for a user-mode access under the current PCID.
     *
     * @param vaddr  the virtual address
     * @param access the access type ({@link Access})
     * @return a walk result ({@link WalkResult} layout), or {@link Tlb#MISS}
     */
    public long lookup(long vaddr, int access) {
        return lookup(vaddr, currentPcid, access, true);
    }

    /**
     * Whether a user-mode instruction fetch lookup of {@code vaddr} under the current PCID now
     * would hit in the L1 iTLB with nothing more to do than count and make its entry the most
     * recently used of its set ({@link Tlb#plainHit}). Changes nothing itself.
     *
     * @param vaddr the virtual address
     * @return whether a repeat of that lookup is {@link #countRepeatedFetchHits} and {@link #touchFetch}
     */
    public boolean fetchPlainHit(long vaddr) {
        return l1i.plainHit(vaddr, currentPcid, Access.FETCH) != Tlb.MISS;
    }

    /**
     * Counts {@code n} fetch lookups that each hit as {@link #fetchPlainHit} said, with nothing but
     * such hits reaching this TLB in between (precise mode counts them natively).
     *
     * @param n the repeated hits
     */
    public void countRepeatedFetchHits(long n) {
        stats[LOOKUP] += n;
        stats[HIT] += n;
        l1i.countRepeatedHits(n);
    }

    /**
     * The recency a {@link #fetchPlainHit} of {@code vaddr} under {@code pcid} gave ({@link Tlb#touch}).
     *
     * @param vaddr the virtual address
     * @param pcid  the PCID it hit under
     */
    public void touchFetch(long vaddr, int pcid) {
        l1i.touch(vaddr, pcid);
    }

    /**
     * What a user-mode data lookup of {@code vaddr} for {@code access} under the current PCID now
     * would return if it hit in the L1 dTLB with nothing more to do than count and make its entry
     * the most recently used of its set ({@link Tlb#plainHit}). Changes nothing itself.
     *
     * @param vaddr  the virtual address
     * @param access {@link Access#READ} or {@link Access#WRITE}
     * @return the translation a repeat would hit on ({@link #countRepeatedDataHits}, {@link #touchData}), or {@link Tlb#MISS}
     */
    public long dataPlainHit(long vaddr, int access) {
        return l1d.plainHit(vaddr, currentPcid, access);
    }

    /**
     * The recency a {@link #dataPlainHit} of {@code vaddr} under {@code pcid} gave ({@link Tlb#touch}).
     *
     * @param vaddr the virtual address
     * @param pcid  the PCID it hit under
     */
    public void touchData(long vaddr, int pcid) {
        l1d.touch(vaddr, pcid);
    }

    /**
     * Whether fetch lookups leave the L1 dTLB alone (a split L1): then what
     * {@link #dataPlainHit} answers cannot change by one, whatever it hits, walks or fills.
     *
     * @return false when instructions and data share one L1 array
     */
    public boolean fetchLookupsLeaveL1dAlone() {
        return l1i != l1d;
    }

    /**
     * Where in the L1 dTLB the entry that holds {@code vaddr} under the current PCID sits
     * ({@link Tlb#setOf}): a lookup or fill of another page that leaves that set alone cannot
     * change what a lookup of this one does there.
     *
     * @param vaddr the virtual address
     * @return the array and the set, or -1 when no entry or more than one holds it
     */
    public long dataSetOf(long vaddr) {
        return l1d.setOf(vaddr, currentPcid);
    }

    /**
     * Counts {@code n} data lookups that each hit as {@link #dataPlainHit} said when they came,
     * with nothing but such hits reaching the L1 dTLB in between (precise mode counts them
     * natively).
     *
     * @param n the repeated hits
     */
    public void countRepeatedDataHits(long n) {
        stats[LOOKUP] += n;
        stats[HIT] += n;
        l1d.countRepeatedHits(n);
    }

    /**
     * Translates {@code vaddr} for {@code access} ({@link Access}) under {@code pcid}: the L1 array
     * of the access's side, then the second level, whose hit is copied into L1. Returns the
     * translation in the walk-result layout, or {@link Tlb#MISS} when the CPU must walk.
     *
     * @param vaddr  the virtual address
     * @param pcid   the current PCID
     * @param access the access type ({@link Access})
     * @param user   whether the access is from user mode (CPL 3)
     * @return a walk result ({@link WalkResult} layout), or {@link Tlb#MISS}
     */
    public long lookup(long vaddr, int pcid, int access, boolean user) {
        stats[LOOKUP]++;
        boolean fetch = access == Access.FETCH;
        Tlb l1 = fetch ? l1i : l1d;
        long r = l1.lookup(vaddr, pcid, access, user);
        if (r != Tlb.MISS) {
            stats[HIT]++;
            return r;
        }
        return lookupSecondLevel(fetch ? l2i : l2d, l1, vaddr, pcid, access, user);
    }

    /** The L1 missed: ask the second level and refill L1 from it. */
    private long lookupSecondLevel(Tlb l2, Tlb l1, long vaddr, int pcid, int access, boolean user) {
        long r = l2 == null ? Tlb.MISS : l2.lookup(vaddr, pcid, access, user);
        if (r == Tlb.MISS) {
            stats[MISS]++;
            if (tracer.on(Tracer.TLB)) tracer.tlbMiss(cpuId, pcid, vaddr, peek(vaddr, pcid) != Tlb.MISS);
            return r;
        }
        // The hit carries the rights the access needed, global, size and frame; U/S is only
        // known when the lookup was a user one, so a supervisor hit refills a supervisor-only entry.
        l1.fill(vaddr, pcid, r, user);
        stats[HIT]++;
        return r;
    }

    /**
     * What the hierarchy holds for {@code vaddr} under {@code pcid}, from the first array that has
     * it (L1 data, L1 instruction, then the second level), or {@link Tlb#MISS}. Changes nothing.
     *
     * @param vaddr the virtual address
     * @param pcid  the PCID to look under
     * @return a walk result ({@link WalkResult} layout), or {@link Tlb#MISS}
     */
    public long peek(long vaddr, int pcid) {
        for (Tlb t : arrays) {
            long r = t.peek(vaddr, pcid);
            if (r != Tlb.MISS) return r;
        }
        return Tlb.MISS;
    }

    /**
     * {@link #fill(long, int, int, long, boolean)} for a user-mode walk.
     *
     * @param vaddr      the virtual address walked
     * @param pcid       the current PCID
     * @param access     the access type that walked ({@link Access})
     * @param walkResult the successful walk's result ({@link WalkResult} layout)
     * @return whether an array evicted a valid entry for capacity to make room
     */
    public boolean fill(long vaddr, int pcid, int access, long walkResult) {
        return fill(vaddr, pcid, access, walkResult, true);
    }

    /**
     * Caches a successful walk of {@code vaddr} for {@code access} under {@code pcid} in the L1
     * array of the access's side and in the second level, and accounts the walk against the
     * paging-structure caches (see the class comment).
     *
     * @param vaddr      the virtual address walked
     * @param pcid       the current PCID
     * @param access     the access type that walked ({@link Access})
     * @param walkResult the successful walk's result ({@link WalkResult} layout)
     * @param user       whether the walk was for a user-mode access
     * @return whether an array evicted a valid entry for capacity to make room (a front end that
     *     caches translations itself must then forget the evicted one too)
     */
    public boolean fill(long vaddr, int pcid, int access, long walkResult, boolean user) {
        return fill(vaddr, pcid, access, walkResult, user, null);
    }

    /**
     * {@link #fill(long, int, int, long, boolean)} of a user-mode walk {@code walker} has just made:
     * the paging-structure caches take the tables that walk went through instead of reading the
     * upper-level entries again, as the hardware caches what its walk read. When {@code walker}'s
     * last successful walk was of another page or from another root, they are read as without it.
     *
     * @param vaddr      the virtual address walked
     * @param pcid       the current PCID
     * @param access     the access type that walked ({@link Access})
     * @param walkResult the successful walk's result ({@link WalkResult} layout)
     * @param walker     the walker that produced {@code walkResult}
     * @return whether an array evicted a valid entry for capacity to make room
     */
    public boolean fill(long vaddr, int pcid, int access, long walkResult, PageWalker walker) {
        return fill(vaddr, pcid, access, walkResult, true, walker);
    }

    private boolean fill(long vaddr, int pcid, int access, long walkResult, boolean user, PageWalker walker) {
        boolean fetch = access == Access.FETCH;
        boolean evicted = (fetch ? l1i : l1d).fill(vaddr, pcid, walkResult, user);
        Tlb l2 = fetch ? l2i : l2d;
        if (l2 != null) evicted |= l2.fill(vaddr, pcid, walkResult, user);
        stats[FILL]++;
        int sizeCode = WalkResult.sizeCode(walkResult);
        if (tracer.on(Tracer.TLB)) {
            long size = PageSize.ofWalkCode(sizeCode).bytes();
            tracer.tlbFill(cpuId, pcid, vaddr & -size, sizeCode + 1, size);
        }
        accountWalk(vaddr, pcid, sizeCode, walker);
        return evicted;
    }

    /** Counts the walk's entry reads, less those a paging-structure cache hit saves, and caches the upper levels it read. */
    private void accountWalk(long vaddr, int pcid, int sizeCode, PageWalker walker) {
        int levels = 4 - sizeCode; // entries read down to the leaf: PT 4, PD 3, PDPT 2
        int saved = 0;
        if (psc != null) {
            saved = psc.probe(vaddr, pcid, levels - 1);
            if (saved > 0) walkStats[WalkStat.PSC_HIT_PML4E.ordinal() + saved - 1]++;
            if (pcid == currentPcid && saved < levels - 1) {
                long root = cr3 & Pte.ADDR_MASK;
                if (walker != null && walker.walked(root, vaddr)) {
                    cacheWalkedTables(vaddr, pcid, saved, levels - 1, walker);
                } else {
                    fillPagingStructureCaches(vaddr, pcid, saved, levels - 1);
                }
            }
        }
        walkStats[WalkStat.WALKS.ordinal()]++;
        walkStats[WalkStat.WALK_REFS.ordinal()] += levels - saved;
        walkStats[WalkStat.WALK_REFS_SAVED.ordinal()] += saved;
    }

    /**
     * Reads the walk's upper-level entries from CR3 down and caches those below the level the walk
     * started from ({@code fromLevel}, the paging-structure-cache hit) that reference a table: a
     * walk that starts from a cached entry never reads, so never caches, the entries above it.
     * {@link PagingStructureCache#probe} has just found those levels without an entry for
     * {@code vaddr} and {@code pcid}, so they are filled without searching again.
     */
    private void fillPagingStructureCaches(long vaddr, int pcid, int fromLevel, int upperLevels) {
        long table = cr3 & Pte.ADDR_MASK;
        Level level = Level.PML4;
        for (int l = 0; l < upperLevels; l++, level = level.next()) {
            long pa = table + 8L * level.index(vaddr);
            if (pa + 8 > mem.size()) return;
            long e = mem.getLong(pa);
            if (!Pte.present(e) || (l > 0 && (e & Pte.PS) != 0)) return;
            table = e & Pte.ADDR_MASK;
            if (l >= fromLevel && psc.fillAfterProbeMiss(l, vaddr, pcid, table)) walkStats[WalkStat.PSC_FILL.ordinal()]++;
        }
    }

    /**
     * {@link #fillPagingStructureCaches} from the tables {@code walker}'s last walk of {@code vaddr}
     * went through: no entry read again.
     */
    private void cacheWalkedTables(long vaddr, int pcid, int fromLevel, int upperLevels, PageWalker walker) {
        for (int l = fromLevel; l < upperLevels; l++) {
            long table = walker.walkedTable(l);
            if (table < 0) return;
            if (psc.fillAfterProbeMiss(l, vaddr, pcid, table)) walkStats[WalkStat.PSC_FILL.ordinal()]++;
        }
    }

    // ------------------------------------------------------------------ invalidation

    private void pscDropPcid(int pcid) {
        if (psc != null) walkStats[WalkStat.PSC_INVALIDATED.ordinal()] += psc.invalidatePcid(pcid);
    }

    private void pscDropAll() {
        if (psc != null) walkStats[WalkStat.PSC_INVALIDATED.ordinal()] += psc.invalidateAll();
    }

    /**
     * INVLPG in every array ({@link Tlb#invlpg}); also drops the paging-structure-cache entries of the current PCID.
     *
     * @param vaddr an address in the page to invalidate
     */
    public void invlpg(long vaddr) {
        for (Tlb t : arrays) t.invlpg(vaddr);
        pscDropPcid(currentPcid);
    }

    /**
     * INVPCID type 0 in every array; also drops the paging-structure-cache entries of {@code pcid}.
     *
     * @param pcid  the PCID whose entries go
     * @param vaddr an address in the page to invalidate
     */
    public void invpcidAddress(int pcid, long vaddr) {
        for (Tlb t : arrays) t.invpcidAddress(pcid, vaddr);
        pscDropPcid(pcid);
    }

    /**
     * INVPCID type 1 in every array and the paging-structure caches.
     *
     * @param pcid the PCID whose non-global entries go
     */
    public void invpcidSingleContext(int pcid) {
        for (Tlb t : arrays) t.invpcidSingleContext(pcid);
        pscDropPcid(pcid);
    }

    /** INVPCID type 3 in every array; drops every paging-structure-cache entry. */
    public void invpcidAllContext() {
        for (Tlb t : arrays) t.invpcidAllContext();
        pscDropAll();
    }

    /**
     * The non-global entries of {@code pcid}, everywhere ({@link Tlb#flushAllNonGlobal}).
     *
     * @param pcid the PCID whose non-global entries go
     */
    public void flushAllNonGlobal(int pcid) {
        for (Tlb t : arrays) t.flushAllNonGlobal(pcid);
        pscDropPcid(pcid);
    }

    /** Every entry, global ones included, and every paging-structure-cache entry. */
    public void flushAll() {
        for (Tlb t : arrays) t.flushAll();
        pscDropAll();
    }

    /**
     * MOV to CR3 ({@link Tlb#movToCr3}) on every array; without NOFLUSH the new PCID's cached paging entries go too.
     *
     * @param newCr3 the value written: page-table base, PCID in bits 11:0, NOFLUSH in bit 63
     */
    public void movToCr3(long newCr3) {
        for (Tlb t : arrays) t.movToCr3(newCr3);
        currentPcid = l1i.currentPcid();
        cr3 = newCr3 & ~Tlb.CR3_NOFLUSH;
        if ((newCr3 & Tlb.CR3_NOFLUSH) == 0) pscDropPcid(currentPcid);
    }

    /**
     * MOV to CR4 writing PCIDE ({@link Tlb#movToCr4Pcide}); clearing it empties the paging-structure caches too.
     *
     * @param enable the new value of CR4.PCIDE
     */
    public void movToCr4Pcide(boolean enable) {
        if (pcide == enable) return;
        for (Tlb t : arrays) t.movToCr4Pcide(enable);
        if (!enable) pscDropAll();
        pcide = enable;
        currentPcid = 0;
    }

    /**
     * {@link Tlb#flushTlbRange(int, long, long)} on every array: the existing single-array API, for the whole hierarchy.
     *
     * @param pcid  the PCID of the mm being flushed
     * @param start the first address of the range
     * @param end   the end of the range, exclusive, or {@link Tlb#TLB_FLUSH_ALL}
     * @return true when the full flush was chosen (see {@link Tlb#flushTlbRange(int, long, long, int)})
     */
    public boolean flushTlbRange(int pcid, long start, long end) {
        boolean full = false;
        for (Tlb t : arrays) full = t.flushTlbRange(pcid, start, end);
        if (start != end) pscDropPcid(pcid);
        return full;
    }

    // ------------------------------------------------------------------ counters and dump

    /**
     * A counter of the whole hierarchy. LOOKUP, HIT (served by any level), MISS (the CPU had to
     * walk) and FILL (walk results cached) count accesses to the hierarchy; every other counter
     * is the sum over the distinct arrays. Per-level counters: {@link #stat(TlbLevel, TlbStat)}.
     *
     * @param s the counter
     * @return its value
     */
    public long stat(TlbStat s) {
        return switch (s) {
            case LOOKUP, HIT, MISS, FILL -> stats[s.ordinal()];
            default -> {
                long n = 0;
                for (Tlb t : arrays) n += t.stat(s);
                yield n;
            }
        };
    }

    /**
     * A counter of one level's array (0 when the preset has no such level).
     *
     * @param level a level of the hierarchy
     * @param s     the counter
     * @return its value
     */
    public long stat(TlbLevel level, TlbStat s) {
        Tlb t = level(level);
        return t == null ? 0 : t.stat(s);
    }

    /**
     * A counter of the walks accounted against the paging-structure caches.
     *
     * @param s the counter
     * @return its value
     */
    public long stat(WalkStat s) {
        return walkStats[s.ordinal()];
    }

    /** Zeroes every counter of the hierarchy and its arrays. */
    public void resetStats() {
        Arrays.fill(stats, 0);
        Arrays.fill(walkStats, 0);
        for (Tlb t : arrays) t.resetStats();
    }

    /** {@return the number of valid entries over all arrays (an entry held in L1 and L2 counts twice)} */
    public int validEntries() {
        int n = 0;
        for (Tlb t : arrays) n += t.validEntries();
        return n;
    }

    /**
     * Visits every valid entry of every array; {@code arrayIndex} names it through {@link #arrayName}.
     *
     * @param visitor receives each entry
     */
    public void forEachEntry(HierarchyVisitor visitor) {
        for (int i = 0; i < arrays.length; i++) {
            int a = i;
            arrays[i].forEachEntry((size, pcid, va, pa, prot, user, global) -> visitor.visit(a, size, pcid, va, pa, prot,
                    user, global));
        }
    }

    /** {@link Tlb.EntryVisitor} with the array the entry sits in. */
    @FunctionalInterface
    public interface HierarchyVisitor {
        /**
         * Receives one valid entry.
         *
         * @param arrayIndex the array holding it, 0 to {@code arrayCount() - 1}
         * @param size       the entry's page size
         * @param pcid       the PCID it was filled under
         * @param vaddr      the first virtual address of the page it translates
         * @param pagePa     the physical address of the page's first byte
         * @param prot       the cached rights ({@link WalkResult#PROT_READ} etc.)
         * @param user       the cached U/S: user-mode accesses may use it
         * @param global     G: survives CR3 writes and serves every PCID
         */
        void visit(int arrayIndex, PageSize size, int pcid, long vaddr, long pagePa, int prot, boolean user, boolean global);
    }

    /**
     * The contents for {@code --tlb-dump}: a header with the preset and CR3, then each array's
     * table ({@link Tlb#dump}: size, set, way, LRU rank, PCID, virtual page, frame, flags) and the
     * paging-structure caches.
     *
     * @return the dump as text
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("CPU TLB preset ").append(preset.name()).append(", CR3 0x").append(Long.toHexString(cr3))
                .append(", CR4.PCIDE=").append(pcide ? 1 : 0).append(", current PCID ").append(currentPcid).append('\n');
        for (int i = 0; i < arrays.length; i++) {
            sb.append("-- ").append(names[i]).append('\n').append(arrays[i].dump());
        }
        if (psc != null) sb.append("-- ").append(psc.dump());
        return sb.toString();
    }

    /** {@return the counters as text: one column per array, then the walk counters} */
    public String statsDump() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-22s", "counter"));
        for (String n : names) sb.append(String.format(" %12s", n));
        sb.append(String.format(" %12s%n", "hierarchy"));
        for (TlbStat s : TlbStat.values()) {
            sb.append(String.format("%-22s", s.name().toLowerCase(Locale.ROOT)));
            for (Tlb t : arrays) sb.append(String.format(" %12d", t.stat(s)));
            sb.append(String.format(" %12d%n", stat(s)));
        }
        for (WalkStat s : WalkStat.values()) {
            sb.append(String.format("%-22s %12d%n", s.name().toLowerCase(Locale.ROOT), walkStats[s.ordinal()]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return dump();
    }
}
