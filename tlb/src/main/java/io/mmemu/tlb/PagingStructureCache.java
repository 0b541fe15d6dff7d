package io.mmemu.tlb;

import java.util.Arrays;

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
 * Three fully associative arrays, one per level, laid end to end: entries of level {@code l}
 * start at {@code base[l]}. {@code meta} packs the PCID (bits 0..11) and the valid bit (31).
 */
public final class PagingStructureCache {

    /** VA bit where each level's tag starts: PML4E 39, PDPTE 30, PDE 21. */
    private static final int[] TAG_SHIFT = {39, 30, 21};
    /** Names for the dump and the checker. */
    static final String[] NAMES = {"PML4E", "PDPTE", "PDE"};
    private static final int VALID = 1 << 31;
    private static final long VA_MASK = (1L << 48) - 1;

    private final PscConfig config;
    private final int[] base = new int[3];
    private final int[] size = new int[3];
    /** VA bits 47..TAG_SHIFT[level], shifted down: what a walk compares with its address. */
    private final long[] tag;
    /** Physical address of the table the cached entry references: where the walk continues. */
    private final long[] table;
    /** PCID and valid bit: an entry serves only walks under its PCID. */
    private final int[] meta;
    /** The {@link #clock} of the entry's last fill or use: replacement takes the smallest. */
    private final long[] lastUse;
    private long clock;

    public PagingStructureCache(PscConfig config) {
        this.config = config;
        int n = 0;
        for (int l = 0; l < 3; l++) {
            base[l] = n;
            size[l] = config.entries(l);
            n += size[l];
        }
        tag = new long[n];
        table = new long[n];
        meta = new int[n];
        lastUse = new long[n];
    }

    public PscConfig config() {
        return config;
    }

    private static long tagOf(int level, long vaddr) {
        return (vaddr & VA_MASK) >>> TAG_SHIFT[level];
    }

    private int find(int level, long t, int pcid) {
        int want = VALID | pcid;
        for (int i = base[level], end = base[level] + size[level]; i < end; i++) {
            if (tag[i] == t && meta[i] == want) return i;
        }
        return -1;
    }

    /**
     * The deepest cached level a walk of {@code vaddr} under {@code pcid} can start from, at most
     * {@code maxDepth}: 0 when nothing matches, 1 from a PML4E, 2 from a PDPTE, 3 from a PDE. This
     * is also the number of entry reads saved. Marks the entry used.
     */
    public int probe(long vaddr, int pcid, int maxDepth) {
        for (int level = Math.min(maxDepth, 3) - 1; level >= 0; level--) {
            int i = find(level, tagOf(level, vaddr), pcid);
            if (i >= 0) {
                lastUse[i] = ++clock;
                return level + 1;
            }
        }
        return 0;
    }

    /** The table address cached for {@code vaddr} at {@code level} under {@code pcid}, or -1. Changes nothing. */
    public long peek(int level, long vaddr, int pcid) {
        int i = find(level, tagOf(level, vaddr), pcid);
        return i < 0 ? -1 : table[i];
    }

    /**
     * Caches that the entry of {@code level} for {@code vaddr} references the table at
     * {@code tablePa}. Returns false when that level has no cache.
     */
    public boolean fill(int level, long vaddr, int pcid, long tablePa) {
        if (size[level] == 0) return false;
        long t = tagOf(level, vaddr);
        int i = find(level, t, pcid);
        if (i < 0) {
            i = base[level];
            for (int j = base[level], end = base[level] + size[level]; j < end; j++) {
                if (meta[j] == 0) {
                    i = j;
                    break;
                }
                if (lastUse[j] < lastUse[i]) i = j;
            }
        }
        tag[i] = t;
        table[i] = tablePa;
        meta[i] = VALID | pcid;
        lastUse[i] = ++clock;
        return true;
    }

    /** Drops every entry of {@code pcid} (INVLPG, INVPCID types 0 and 1, MOV to CR3). Returns how many. */
    public int invalidatePcid(int pcid) {
        int n = 0;
        for (int i = 0; i < meta.length; i++) {
            if (meta[i] == (VALID | pcid)) {
                meta[i] = 0;
                n++;
            }
        }
        return n;
    }

    /** Drops every entry (INVPCID types 2 and 3, CR4.PGE or PCIDE changes). Returns how many. */
    public int invalidateAll() {
        int n = 0;
        for (int i = 0; i < meta.length; i++) {
            if (meta[i] != 0) n++;
        }
        Arrays.fill(meta, 0);
        return n;
    }

    /** Receives the valid entries ({@link #forEachEntry}). */
    @FunctionalInterface
    public interface EntryVisitor {
        /**
         * @param level 0 PML4E, 1 PDPTE, 2 PDE
         * @param vaddr the first virtual address the cached entry covers
         * @param tablePa the table it references
         */
        void visit(int level, int pcid, long vaddr, long tablePa);
    }

    /** Visits every valid entry, level by level. */
    public void forEachEntry(EntryVisitor visitor) {
        for (int level = 0; level < 3; level++) {
            for (int i = base[level], end = base[level] + size[level]; i < end; i++) {
                if (meta[i] == 0) continue;
                long va = tag[i] << TAG_SHIFT[level];
                if ((va & (1L << 47)) != 0) va |= ~VA_MASK; // canonical form
                visitor.visit(level, meta[i] & Tlb.MAX_PCID, va, table[i]);
            }
        }
    }

    /** Valid entries of all three caches. */
    public int validEntries() {
        int n = 0;
        for (int m : meta) {
            if (m != 0) n++;
        }
        return n;
    }

    /** The valid entries, one line each: cache, PCID, first virtual address covered, table referenced. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("paging-structure caches PML4E ").append(size[0]).append(", PDPTE ").append(size[1]).append(", PDE ")
                .append(size[2]).append(", ").append(validEntries()).append(" valid\n");
        forEachEntry((level, pcid, va, pa) -> sb.append(String.format("%-5s  0x%03x 0x%016x  -> table 0x%013x%n",
                NAMES[level], pcid, va, pa)));
        return sb.toString();
    }
}
