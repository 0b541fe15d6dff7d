package io.mmemu.tlb;

import io.mmemu.mm.pgtable.WalkResult;

/**
 * The entries of one page size in a {@link Tlb}, or of one level of the
 * {@link PagingStructureCache}: {@code sets × ways}, entry {@code set * ways + way}, the set
 * being the low bits of the virtual page number. This class stores entries and finds them;
 * which entries an operation touches is its owner's business.
 *
 * <h2>Storage</h2>
 * Three primitive arrays. {@code key[i]} packs what a lookup compares, so that finding an entry
 * reads one long per way:
 * <pre>
 * bit  0       valid (0 for an invalid entry: the whole key is 0)
 * bits 1..13   the PCID the entry serves, or KEY_GLOBAL for a global entry (which serves every PCID)
 * bits 14..49  virtual page number of the 48-bit address ((vaddr &amp; VA_MASK) &gt;&gt;&gt; shift)
 * </pre>
 * {@code meta[i]} packs what is checked once the entry is found (PCID filled under, rights, U/S,
 * D, G, valid); {@code pfn[i]} is the frame. Sets of more than {@link #SCAN_WAYS} ways also keep
 * a {@link KeyIndex}, so that a fully associative array of 72 entries is searched as fast as a
 * 4-way set, as the hardware's parallel compare is; smaller sets are scanned, which is cheaper
 * than hashing. Each set keeps its ways in a doubly linked recency list, most recently used
 * first, for LRU replacement: a fill into a full set takes the list's tail without looking at the
 * other ways, and a hit moves its entry to the head (nothing when it is there already). Stamping
 * each use with a clock instead makes a hit one store but every fill into a full set a scan of
 * all its ways' stamps: measured with TlbBench, Zen 4's 72-way L1 dTLB, 24-way L2 dTLB and 64-entry
 * PDE cache made a miss-and-fill cost 347 ns that way. {@code used[set]} counts the valid ways, so
 * a fill into a full set skips the search for a free way. Nothing allocates after construction.
 */
final class TlbArray {

    /**
     * Sets with at most this many ways are searched by comparing every way; larger ones through
     * the index. Measured with TlbBench: below about 32 ways the index's upkeep on every fill and
     * eviction costs more than the scan it saves (Golden Cove's 16-way STLB missed in 262 ns
     * scanned, 306 ns indexed); Zen 4's 72-entry L1s gain (hit 14 ns scanned, 11 ns indexed).
     */
    static final int SCAN_WAYS = 32;

    static final long VA_MASK = (1L << 48) - 1;
    private static final int KEY_VPN_SHIFT = 14;
    private static final int KEY_GLOBAL = 1 << 12;

    // meta[i]:
    // bits  0..11  PCID
    // bits 12..14  rights: 1 R, 2 W, 4 X (WalkResult's prot, shifted by RIGHTS_SHIFT)
    // bit  15      U/S
    // bit  16      D
    // bit  17      G
    // bits 18..21  protection key of a user page (WalkResult's): PKRU is checked against it at each access
    // bit  31      valid
    static final int PCID_MASK = 0xFFF;
    static final int RIGHTS_SHIFT = 12;
    static final int M_R = WalkResult.PROT_READ << RIGHTS_SHIFT;
    static final int M_W = WalkResult.PROT_WRITE << RIGHTS_SHIFT;
    static final int M_X = WalkResult.PROT_EXEC << RIGHTS_SHIFT;
    static final int M_U = 1 << 15;
    static final int M_D = 1 << 16;
    static final int M_G = 1 << 17;
    static final int M_VALID = 1 << 31;
    private static final int PKEY_SHIFT = 18;

    /** The page size of the entries, or null in a paging-structure cache. */
    final PageSize size;
    /** log2 of the span of one entry: the virtual page number is {@code (vaddr & VA_MASK) >>> shift}. */
    final int shift;
    final int sets;
    final int ways;
    private final int setMask;

    /** Virtual page, PCID or G, valid ({@link #makeKey}): what the hardware compares with the access. */
    final long[] key;
    /** Physical frame number of the page's first 4 KiB (page address >>> 12): where the hardware sends the access. */
    final long[] pfn;
    /** PCID, rights, U/S, D, G and valid, as laid out above: what the hardware checks before using the entry. */
    final int[] meta;
    /**
     * The recency lists, one per set: node {@code i < sets * ways} is entry {@code i}, node
     * {@code sets * ways + set} the set's head (its {@code lruNext} is the most recently used way,
     * its {@code lruPrev} the least). Every way of a set is on its list, valid or not; a fill or a
     * hit moves its way to the front, so among valid ways the order is that of their last fill or
     * hit, and once the set is full the tail is its LRU way.
     */
    private final int[] lruNext;
    private final int[] lruPrev;
    /** Null when the sets are small enough to scan. */
    private final KeyIndex index;
    /** Valid ways per set. */
    private final int[] used;
    /** Valid entries, and valid global ones: an array with none is not searched. */
    int valid;
    int globals;

    /** The array of {@code size} pages in a TLB. */
    TlbArray(PageSize size, int sets, int ways) {
        this(size, size.shift, sets, ways);
    }

    /** An array whose entries each span {@code 1 << shift} bytes; {@code size} may be null. */
    TlbArray(PageSize size, int shift, int sets, int ways) {
        this.size = size;
        this.shift = shift;
        this.sets = sets;
        this.ways = ways;
        this.setMask = sets - 1;
        int n = sets * ways;
        key = new long[n];
        pfn = new long[n];
        meta = new int[n];
        lruNext = new int[n + sets];
        lruPrev = new int[n + sets];
        for (int set = 0; set < sets; set++) {
            // Ways in order from the head: the order of never-filled ways does not matter, as a
            // fill takes an invalid way by number and a full set has filled every way.
            int head = n + set;
            int prev = head;
            for (int w = 0; w < ways; w++) {
                int i = set * ways + w;
                lruNext[prev] = i;
                lruPrev[i] = prev;
                prev = i;
            }
            lruNext[prev] = head;
            lruPrev[head] = prev;
        }
        index = ways > SCAN_WAYS ? new KeyIndex(key, n) : null;
        used = new int[sets];
    }

    static long makeKey(long v, int pcid, boolean global) {
        return v << KEY_VPN_SHIFT | (long) (global ? KEY_GLOBAL : pcid) << 1 | 1;
    }

    static int makeMeta(int pcid, int prot, boolean user, boolean dirty, boolean global, int pkey) {
        return M_VALID | pcid | prot << RIGHTS_SHIFT | (user ? M_U : 0) | (dirty ? M_D : 0) | (global ? M_G : 0)
                | pkey << PKEY_SHIFT;
    }

    static int metaPkey(int m) {
        return (m >>> PKEY_SHIFT) & 0xf;
    }

    static boolean metaGlobal(int m) {
        return (m & M_G) != 0;
    }

    static int metaPcid(int m) {
        return m & PCID_MASK;
    }

    static int metaProt(int m) {
        return (m >>> RIGHTS_SHIFT) & 7;
    }

    static boolean metaValid(int m) {
        return m < 0; // M_VALID is the sign bit
    }

    /** The virtual page number of {@code vaddr} in this array. */
    long vpn(long vaddr) {
        return (vaddr & VA_MASK) >>> shift;
    }

    /** The virtual page number entry {@code i} translates (0 if invalid). */
    long vpnOf(int i) {
        return key[i] >>> KEY_VPN_SHIFT;
    }

    /** The first virtual address entry {@code i} translates, in canonical form. */
    long vaddrOf(int i) {
        long va = vpnOf(i) << shift;
        return (va & (1L << 47)) != 0 ? va | ~VA_MASK : va;
    }

    int setOf(long v) {
        return (int) (v & setMask);
    }

    /** The first entry of the set page {@code v} maps to. */
    int firstOfSet(long v) {
        return setOf(v) * ways;
    }

    /** The entry holding exactly {@code wantKey} ({@link #makeKey}) for page {@code v}, or -1. */
    int find(long v, long wantKey) {
        if (index != null) return index.get(wantKey);
        long[] k = key;
        for (int i = firstOfSet(v), end = i + ways; i < end; i++) {
            if (k[i] == wantKey) return i;
        }
        return -1;
    }

    /** The entry translating page {@code v} for {@code pcid}, or a global one for it, or -1. */
    int find(long v, int pcid) {
        int i = find(v, makeKey(v, pcid, false));
        if (i < 0 && globals != 0) i = find(v, makeKey(v, 0, true));
        return i;
    }

    /** The recency list's head node of the set page {@code v} maps to. */
    private int lruHead(long v) {
        return key.length + setOf(v);
    }

    /** Makes entry {@code i}, of the set page {@code v} maps to, its set's most recently used. */
    void touch(int i, long v) {
        int head = lruHead(v);
        if (lruNext[head] == i) return; // already first: a hit on the same page as the last
        // Unlink i, then insert it after the head.
        int prev = lruPrev[i];
        int next = lruNext[i];
        lruNext[prev] = next;
        lruPrev[next] = prev;
        int first = lruNext[head];
        lruNext[i] = first;
        lruPrev[i] = head;
        lruPrev[first] = i;
        lruNext[head] = i;
    }

    /**
     * Writes a new entry for page {@code v} into the way a fill takes: its set's lowest invalid
     * way, else its LRU way (the recency list's tail), whose valid entry it evicts. The new entry
     * becomes the set's most recently used. One pass instead of finding the way, invalidating it
     * and writing it: a full set's way stays valid, so its count does not change.
     *
     * @return whether a valid entry was evicted
     */
    boolean fill(long v, int pcid, long frame, int m) {
        int set = setOf(v);
        int i;
        boolean evict = used[set] == ways;
        if (evict) {
            i = lruPrev[key.length + set];
            if (metaGlobal(meta[i])) globals--;
            if (index != null) index.remove(i);
        } else {
            i = set * ways;
            while (key[i] != 0) i++;
            used[set]++;
            valid++;
        }
        boolean global = metaGlobal(m);
        key[i] = makeKey(v, pcid, global);
        pfn[i] = frame;
        meta[i] = m;
        if (index != null) index.put(i);
        if (global) globals++;
        touch(i, v);
        return evict;
    }

    /** Makes valid entry {@code i} invalid. */
    void forget(int i) {
        valid--;
        if (metaGlobal(meta[i])) globals--;
        if (index != null) index.remove(i);
        used[setOf(vpnOf(i))]--;
        key[i] = 0;
        meta[i] = 0;
    }

    /** How many valid ways of valid entry {@code i}'s set were used more recently (0: the most recent). */
    int lruRank(int i) {
        int rank = 0;
        for (int j = lruNext[lruHead(vpnOf(i))]; j != i; j = lruNext[j]) {
            if (key[j] != 0) rank++;
        }
        return rank;
    }
}
