package io.mmemu.tlb;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

/**
 * One CPU's paging-structure caches (SDM vol. 3A, 4.10.3): besides translations, a processor
 * may cache upper-level paging entries, so that a TLB miss need not read every level again.
 *
 * <ul>
 *   <li>A PML4E-cache entry is tagged with VA bits 47:39 and the PCID, and holds the physical
 *       address of the PDPT that PML4 entry references; a walk that hits it reads 3 entries.</li>
 *   <li>A PDPTE-cache entry is tagged with bits 47:30 and holds a page directory's address; a
 *       walk from it reads 2 entries.</li>
 *   <li>A PDE-cache entry is tagged with bits 47:21 and holds a page table's address; a walk
 *       from it reads only the PT entry.</li>
 * </ul>
 * Only entries that reference another table are cached (never one that maps a page: that is the
 * TLB's job), and only for the PCID current when they were read. A walk uses the deepest entry
 * that matches (SDM 4.10.3.2).
 *
 * <p>What this model does with them: it counts the entry reads they save and applies the
 * invalidation rules of SDM 4.10.4.1 (INVLPG and MOV to CR3 drop the cached entries of the PCID
 * concerned whatever their address; INVPCID types 2 and 3 and CR4 changes drop all). The walk
 * itself is still done by {@link io.mmemu.mm.pgtable.PageWalker} from CR3, so a cached entry that
 * went stale does not change a translation here; the stale-translation checker reports such
 * entries instead, which is exactly the hazard Linux's {@code freed_tables} shootdowns guard against.
 * The rights a real entry also caches (R/W, U/S, XD of its level) are not kept: Linux gives every
 * upper-level user entry the same permissive _PAGE_TABLE flags.
 *
 * <h2>Storage</h2>
 * One fully associative {@link TlbArray} per level, its tag the VA bits above the level's span
 * and its "frame" the table the cached entry references: the same search, LRU replacement and
 * invalidation bookkeeping as a TLB's.
 */
public final class PagingStructureCache {

    /** VA bit where each level's tag starts: PML4E 39, PDPTE 30, PDE 21. */
    private static final int[] TAG_SHIFT = {39, 30, 21};
    /** Names for the dump and the checker. */
    static final String[] NAMES = {"PML4E", "PDPTE", "PDE"};

    private final PscConfig config;
    /** One fully associative array per level, tagged like a TLB entry; the "frame" is the table referenced. */
    private final TlbArray[] levels = new TlbArray[3];

    /**
     * Empty caches of the sizes {@code config} gives.
     *
     * @param config the entries of each cache
     */
    public PagingStructureCache(PscConfig config) {
        this.config = config;
        for (int l = 0; l < 3; l++) levels[l] = new TlbArray(null, TAG_SHIFT[l], 1, config.entries(l));
    }

    /** {@return the entries of each cache} */
    public PscConfig config() {
        return config;
    }

    /** The entry of {@code a} caching tag {@code t} for {@code pcid}, or -1. */
    private static int find(TlbArray a, long t, int pcid) {
        return a.valid == 0 ? -1 : a.find(t, TlbArray.makeKey(t, pcid, false));
    }

    /**
     * The deepest cached level a walk of {@code vaddr} under {@code pcid} can start from, at most
     * {@code maxDepth}: 0 when nothing matches, 1 from a PML4E, 2 from a PDPTE, 3 from a PDE. This
     * is also the number of entry reads saved. Marks the entry used.
     *
     * @param vaddr    the virtual address walked
     * @param pcid     the current PCID
     * @param maxDepth the deepest level wanted (above 3 counts as 3)
     * @return the level to start from: 0 to {@code maxDepth}
     */
    public int probe(long vaddr, int pcid, int maxDepth) {
        for (int level = Math.min(maxDepth, 3) - 1; level >= 0; level--) {
            TlbArray a = levels[level];
            long t = a.vpn(vaddr);
            int i = find(a, t, pcid);
            if (i >= 0) {
                a.touch(i, t);
                return level + 1;
            }
        }
        return 0;
    }

    /**
     * The table address cached for {@code vaddr} at {@code level} under {@code pcid}, or -1. Changes nothing.
     *
     * @param level the paging level: 0 PML4E, 1 PDPTE, 2 PDE
     * @param vaddr the virtual address
     * @param pcid  the PCID
     * @return the table's physical address, or -1
     */
    public long peek(int level, long vaddr, int pcid) {
        TlbArray a = levels[level];
        int i = find(a, a.vpn(vaddr), pcid);
        return i < 0 ? -1 : a.pfn[i] << PAGE_SHIFT;
    }

    /**
     * Caches that the entry of {@code level} for {@code vaddr} references the table at
     * {@code tablePa}. Returns false when that level has no cache.
     *
     * @param level   the paging level: 0 PML4E, 1 PDPTE, 2 PDE
     * @param vaddr   the virtual address walked
     * @param pcid    the current PCID
     * @param tablePa the table the entry references
     * @return whether the entry was cached
     */
    public boolean fill(int level, long vaddr, int pcid, long tablePa) {
        TlbArray a = levels[level];
        if (a.ways == 0) return false;
        long t = a.vpn(vaddr);
        int i = find(a, t, pcid);
        if (i >= 0) {
            a.pfn[i] = tablePa >>> PAGE_SHIFT;
            a.touch(i, t);
            return true;
        }
        insert(a, t, pcid, tablePa);
        return true;
    }

    /**
     * {@link #fill} of a level that {@link #probe} has just searched for {@code vaddr} under
     * {@code pcid} and found without an entry (a level deeper than the one it returned), with no
     * fill in between: the entry is known to be absent, so the search fill starts with is skipped.
     */
    boolean fillAfterProbeMiss(int level, long vaddr, int pcid, long tablePa) {
        TlbArray a = levels[level];
        if (a.ways == 0) return false;
        insert(a, a.vpn(vaddr), pcid, tablePa);
        return true;
    }

    /** Puts the absent entry for tag {@code t} and {@code pcid} into {@code a}, evicting its LRU entry if full. */
    private static void insert(TlbArray a, long t, int pcid, long tablePa) {
        a.fill(t, pcid, tablePa >>> PAGE_SHIFT, TlbArray.makeMeta(pcid, 0, false, false, false, 0));
    }

    /**
     * Drops every entry of {@code pcid} (INVLPG, INVPCID types 0 and 1, MOV to CR3). Returns how many.
     *
     * @param pcid the PCID
     * @return the number of entries dropped
     */
    public int invalidatePcid(int pcid) {
        return drop(pcid);
    }

    /**
     * Drops every entry (INVPCID types 2 and 3, CR4.PGE or PCIDE changes). Returns how many.
     *
     * @return the number of entries dropped
     */
    public int invalidateAll() {
        return drop(-1);
    }

    /** Drops the entries of {@code pcid}, or every entry for -1. Returns how many. */
    private int drop(int pcid) {
        int n = 0;
        for (TlbArray a : levels) {
            for (int i = 0; a.valid != 0 && i < a.key.length; i++) {
                if (a.key[i] != 0 && (pcid < 0 || TlbArray.metaPcid(a.meta[i]) == pcid)) {
                    a.forget(i);
                    n++;
                }
            }
        }
        return n;
    }

    /** Receives the valid entries ({@link #forEachEntry}). */
    @FunctionalInterface
    public interface EntryVisitor {
        /**
         * Receives one valid entry.
         *
         * @param pcid the PCID it was cached under
         * @param level 0 PML4E, 1 PDPTE, 2 PDE
         * @param vaddr the first virtual address the cached entry covers
         * @param tablePa the table it references
         */
        void visit(int level, int pcid, long vaddr, long tablePa);
    }

    /**
     * Visits every valid entry, level by level.
     *
     * @param visitor receives each entry
     */
    public void forEachEntry(EntryVisitor visitor) {
        for (int level = 0; level < 3; level++) {
            TlbArray a = levels[level];
            for (int i = 0; i < a.key.length; i++) {
                if (a.key[i] != 0) visitor.visit(level, TlbArray.metaPcid(a.meta[i]), a.vaddrOf(i), a.pfn[i] << PAGE_SHIFT);
            }
        }
    }

    /** {@return the number of valid entries of all three caches} */
    public int validEntries() {
        return levels[0].valid + levels[1].valid + levels[2].valid;
    }

    /**
     * The valid entries, one line each: cache, PCID, first virtual address covered, table referenced.
     *
     * @return the dump as text
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("paging-structure caches PML4E ").append(levels[0].ways).append(", PDPTE ").append(levels[1].ways)
                .append(", PDE ").append(levels[2].ways).append(", ").append(validEntries()).append(" valid\n");
        forEachEntry((level, pcid, va, pa) -> sb.append(String.format("%-5s  0x%03x 0x%016x  -> table 0x%013x%n",
                NAMES[level], pcid, va, pa)));
        return sb.toString();
    }
}
