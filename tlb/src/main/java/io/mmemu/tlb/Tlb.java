package io.mmemu.tlb;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PageTypes;
import java.util.Arrays;

/**
 * One CPU's translation lookaside buffer (SDM vol. 3A, 4.10.2), caching the results of page
 * walks so that a hit answers without reading the paging structures, including a hit that the
 * paging structures no longer agree with: a stale entry stays until an invalidation removes it,
 * and showing that is what the model is for.
 *
 * <h2>What it models</h2>
 * <ul>
 *   <li>Three arrays, one per page size (4 KiB, 2 MiB, 1 GiB), as processors may keep separate
 *       TLBs per page size (SDM 4.10.2.3; CPUID leaf 18H reports them); each set-associative with the geometry of
 *       {@link TlbConfig}. The set is the low bits of the virtual page number.</li>
 *   <li>Entries tagged with the 12-bit PCID current when they were filled (SDM 4.10.1). A lookup
 *       uses an entry of its own PCID or a global one: a global entry may be used with any PCID
 *       (SDM 4.10.2.4).</li>
 *   <li>What an entry caches (SDM 4.10.2.2): the physical frame, the rights as the walk computed
 *       them (R/W as the AND of the levels, XD as the OR, and, from the walker, protection keys
 *       applied), the U/S AND, the dirty flag, and G. A write needs D in the entry: the walker only
 *       grants W once it has set D, so a first write to a clean page misses and walks again.</li>
 *   <li>An access the cached rights refuse is a miss: the model walks again and only the walk
 *       can fault. Hardware walks again for a write through an entry with D clear (SDM 4.8); for
 *       other refusals it may fault from the entry, and the fault invalidates it, so a right the
 *       paging structures granted since shows up as a "spurious" fault (SDM 4.10.4.3) that the
 *       handler finds nothing wrong with. The model folds that fault-and-retry into the re-walk.</li>
 *   <li>LRU replacement within a set: a fill takes an invalid way if the set has one, otherwise the
 *       way whose last fill or hit is oldest.</li>
 *   <li>The invalidations of SDM 4.10.4.1: INVLPG, INVPCID types 0 to 3, MOV to CR3 with and
 *       without NOFLUSH, MOV to CR4 changing PGE or clearing PCIDE; and Linux's choice between
 *       per-page and full flushes ({@link #flushTlbRange}).</li>
 * </ul>
 *
 * <h2>Algorithm</h2>
 * <ol>
 *   <li>{@link #lookup}: for each page size, find the entry whose tag is {@code vaddr >>> shift}
 *       and whose PCID is the current one (or that is global), as comparing every way of the set
 *       {@code vaddr >>> shift} selects would. At most one entry matches (step 2 keeps it so).
 *       If its rights allow the access, make it the set's most recently used and return its
 *       translation; otherwise, or with no match, return {@link #MISS}.</li>
 *   <li>{@link #fill}: first drop every entry that would also translate the new entry's addresses
 *       for the same PCID (same or other page size, its own PCID, or global on either side), so
 *       that one address never has two translations (the SDM lets a processor invalidate more
 *       than asked, 4.10.4.1, and this keeps hits unambiguous). A refill after a first write
 *       replaces the read-only entry this way. Then take the set's lowest invalid way, or evict
 *       its LRU way.</li>
 *   <li>Invalidations clear the valid bit of every entry in their scope; nothing else moves.</li>
 * </ol>
 *
 * <h2>Storage</h2>
 * One {@link TlbArray} per page size holds the entries, packed in primitive arrays, with a hash
 * index where sets are too large to scan and the LRU order of each set. Lookups and
 * fills allocate nothing. {@link TlbInvalidation} picks and clears the entries each invalidation
 * (and a fill's overlap check) removes; {@link TlbDump} renders the entries as text.
 *
 * <p>Not thread-safe: the model drives every CPU from one host thread (docs/architecture.md,
 * "Determinism"); a shootdown from another CPU is a plain call on the target's Tlb.
 */
public final class Tlb {

    /** What {@link #lookup} and {@link #peek} return when no entry serves the access. Never a walk result. */
    public static final long MISS = -1L;

    /** Linux's TLB_FLUSH_ALL, (-1UL): as {@code end} of {@link #flushTlbRange}, flush everything. */
    public static final long TLB_FLUSH_ALL = -1L;

    /** Linux's tlb_single_page_flush_ceiling default (arch/x86/mm/tlb.c), in pages. */
    public static final int TLB_SINGLE_PAGE_FLUSH_CEILING = 33;

    /** PAGE_SHIFT: the 4 KiB stride of an ordinary range flush. */
    public static final int PAGE_SHIFT = PageTypes.PAGE_SHIFT;

    /** PCIDs are 12 bits (CR3 bits 11:0 with CR4.PCIDE=1). */
    public static final int MAX_PCID = 0xFFF;

    /** CR3 bit 63 on a MOV to CR3 with CR4.PCIDE=1: keep the TLB entries of the PCID being loaded. */
    public static final long CR3_NOFLUSH = 1L << 63;

    // Walk-result layout (WalkResult's Javadoc): bits 12..51 page address, 0..2 prot, 3..4 size, 5 global,
    // 6..9 protection key.
    private static final long WALK_PA_MASK = 0x000F_FFFF_FFFF_F000L;
    private static final int WALK_SIZE_SHIFT = 3;
    private static final long WALK_GLOBAL = 1L << 5;
    private static final int WALK_PKEY_SHIFT = 6;

    // The counters on the lookup path, as constants so that counting is one increment.
    private static final int LOOKUP = TlbStat.LOOKUP.ordinal();
    private static final int HIT = TlbStat.HIT.ordinal();
    private static final int MISS_COUNT = TlbStat.MISS.ordinal();

    private static final PageSize[] SIZES = PageSize.values();
    /** One array per page size, in {@link PageSize} order. */
    private final TlbArray[] arrays = new TlbArray[SIZES.length];

    private final TlbConfig config;
    private final long[] stats = new long[TlbStat.values().length];

    /** CR4.PCIDE: when clear, every entry is filled for PCID 0 and MOV to CR3 takes no PCID. */
    private boolean pcide;
    /** The PCID of the CR3 last loaded (0 while CR4.PCIDE is clear): the one INVLPG acts on. */
    private int currentPcid;

    /**
     * {@link #missTag} of the last lookup that found no entry at all for its address and PCID
     * (not even one whose rights refused the access), or -1 once a fill has put an entry since.
     * Invalidations only remove entries, so until the next put no array holds an entry that
     * covers that address for that PCID, nor a global one: a fill of that address right after
     * (the fill after the walk, or L1's refill from a second-level hit) has no entry of its own
     * page size or a larger one to drop, and skips searching for it.
     */
    private long cleanMissTag = -1;

    /**
     * An empty TLB, as after reset: CR4.PCIDE clear, current PCID 0.
     *
     * @param config the array's geometry and replacement policy
     */
    public Tlb(TlbConfig config) {
        this.config = config;
        for (PageSize s : SIZES) arrays[s.ordinal()] = new TlbArray(s, config.sets(s), config.ways(s));
    }

    /** {@return the array's geometry and replacement policy} */
    public TlbConfig config() {
        return config;
    }

    /**
     * The value of one counter.
     *
     * @param s the counter
     * @return its value
     */
    public long stat(TlbStat s) {
        return stats[s.ordinal()];
    }

    private void count(TlbStat s) {
        stats[s.ordinal()]++;
    }

    private void count(TlbStat s, long n) {
        stats[s.ordinal()] += n;
    }

    /** {@return CR4.PCIDE as this TLB last saw it} */
    public boolean pcide() {
        return pcide;
    }

    /** {@return the PCID of the last MOV to CR3 (0 while CR4.PCIDE is clear)} */
    public int currentPcid() {
        return currentPcid;
    }

    // ------------------------------------------------------------------ translation

    /**
     * Counts {@code n} lookups that {@link #plainHit} said would hit, with nothing but such hits
     * reaching this TLB in between; their recency is {@link #touch}'s (precise mode counts such
     * repeats natively and replays each entry's last one).
     *
     * @param n the repeated hits
     */
    public void countRepeatedHits(long n) {
        stats[LOOKUP] += n;
        stats[HIT] += n;
    }

    /**
     * What a user-mode {@link #lookup} of {@code vaddr} now would return if it hit with nothing
     * more to do than count and make its entry the most recently used of its set: the
     * translation when the first matching entry allows the access, else {@link #MISS} (a miss,
     * or a refusal the lookup would count). Changes nothing itself. Under LRU a run of such hits
     * leaves the sets as {@link #touch} of each entry's last one, in their order, would.
     *
     * @param vaddr  the virtual address
     * @param pcid   the current PCID
     * @param access the access type ({@link Access})
     * @return the translation a repeat would hit on ({@link #countRepeatedHits}), or {@link #MISS}
     */
    public long plainHit(long vaddr, int pcid, int access) {
        int need = rightsNeeded(access, true);
        for (TlbArray a : arrays) {
            if (a.valid == 0) continue;
            long v = a.vpn(vaddr);
            int i = a.find(v, pcid);
            if (i < 0) continue;
            return (a.meta[i] & need) == need ? translation(a, i, vaddr) : MISS;
        }
        return MISS;
    }

    /**
     * Makes the entry a {@link #plainHit} of {@code vaddr} under {@code pcid} would find the most
     * recently used of its set, as the hit would, counting nothing; no entry, no change.
     *
     * @param vaddr the virtual address
     * @param pcid  the PCID the entry was found under
     */
    public void touch(long vaddr, int pcid) {
        for (TlbArray a : arrays) {
            if (a.valid == 0) continue;
            long v = a.vpn(vaddr);
            int i = a.find(v, pcid);
            if (i < 0) continue;
            a.touch(i, v);
            return;
        }
    }

    /**
     * The array and set of the one entry that holds {@code vaddr} under {@code pcid}: a lookup or
     * fill of another address that leaves that set alone cannot change what a lookup of this one
     * does. Changes nothing.
     *
     * @param vaddr the virtual address
     * @param pcid  the PCID to look under
     * @return the array's index above bit 32 and the set's below, or -1 when no entry or more than
     *     one (in arrays of different page sizes) holds it
     */
    public long setOf(long vaddr, int pcid) {
        long found = -1;
        for (int k = 0; k < arrays.length; k++) {
            TlbArray a = arrays[k];
            if (a.valid == 0) continue;
            long v = a.vpn(vaddr);
            if (a.find(v, pcid) < 0) continue;
            if (found != -1) return -1;
            found = (long) k << 32 | a.setOf(v);
        }
        return found;
    }

    /**
     * Translates {@code vaddr} for a user-mode {@code access} ({@link Access}) with {@code pcid}
     * current: what the emulator's TLB-fill hook asks, since guest code runs at CPL 3.
     *
     * @param vaddr  the virtual address
     * @param pcid   the current PCID
     * @param access the access type ({@link Access})
     * @return a walk result ({@link WalkResult} layout: the 4 KiB sub-page's physical address,
     *     rights, size code, global) or {@link #MISS}
     */
    public long lookup(long vaddr, int pcid, int access) {
        return lookup(vaddr, pcid, access, true);
    }

    /**
     * Translates {@code vaddr} for {@code access} ({@link Access}) from user mode ({@code user})
     * or supervisor mode, with {@code pcid} current. A hit needs an entry of {@code pcid} or a
     * global one that covers the address and whose cached rights allow the access (a write also
     * needs the cached D; a user access needs the cached U/S). Anything else is {@link #MISS}: the
     * CPU walks the paging structures again and fills with the outcome.
     *
     * @param vaddr  the virtual address
     * @param pcid   the current PCID
     * @param access the access type ({@link Access})
     * @param user   whether the access is from user mode (CPL 3)
     * @return a walk result ({@link WalkResult} layout), or {@link #MISS}
     */
    public long lookup(long vaddr, int pcid, int access, boolean user) {
        checkPcid(pcid);
        int need = rightsNeeded(access, user);
        stats[LOOKUP]++;
        boolean refused = false;
        for (TlbArray a : arrays) {
            if (a.valid == 0) continue;
            long v = a.vpn(vaddr);
            int i = a.find(v, pcid);
            if (i < 0) continue;
            if ((a.meta[i] & need) == need) {
                a.touch(i, v);
                stats[HIT]++;
                return translation(a, i, vaddr);
            }
            refused = true;
        }
        stats[MISS_COUNT]++;
        if (refused) {
            count(TlbStat.MISS_PERMISSION);
        } else {
            cleanMissTag = missTag(vaddr, pcid);
        }
        return MISS;
    }

    /** The meta bits an entry must have to serve {@code access} ({@link Access}), U/S too for a user-mode one. */
    private static int rightsNeeded(int access, boolean user) {
        int need = switch (access) {
            case Access.READ -> TlbArray.M_R;
            case Access.WRITE -> TlbArray.M_W | TlbArray.M_D;
            case Access.FETCH -> TlbArray.M_X;
            default -> throw new IllegalArgumentException(
                    "access must be Access.READ, WRITE or FETCH (expected: 0, 1 or 2, got " + access + ")");
        };
        return user ? need | TlbArray.M_U : need;
    }

    /** The 4 KiB page of {@code vaddr} (48 bits, as the arrays compare it) and {@code pcid} in one long, never -1. */
    private static long missTag(long vaddr, int pcid) {
        return vaddr & TlbArray.VA_MASK & ~0xFFFL | pcid;
    }

    /**
     * What this TLB holds for {@code vaddr} under {@code pcid}, whatever the access: the same
     * result as a lookup that hits, or {@link #MISS}. Changes neither the LRU order nor the
     * counters, so that a debugger or a test can look without disturbing.
     *
     * @param vaddr the virtual address
     * @param pcid  the PCID to look under
     * @return a walk result ({@link WalkResult} layout), or {@link #MISS}
     */
    public long peek(long vaddr, int pcid) {
        checkPcid(pcid);
        for (TlbArray a : arrays) {
            if (a.valid == 0) continue;
            int i = a.find(a.vpn(vaddr), pcid);
            if (i >= 0) return translation(a, i, vaddr);
        }
        return MISS;
    }

    /** Entry {@code i}'s translation of {@code vaddr} in the walk-result layout. */
    private static long translation(TlbArray a, int i, long vaddr) {
        long subPage = vaddr & ((1L << a.shift) - 1) & ~0xFFFL;
        int m = a.meta[i];
        return ((a.pfn[i] << PAGE_SHIFT) + subPage) & WALK_PA_MASK
                | TlbArray.metaProt(m)
                | (long) a.size.walkCode << WALK_SIZE_SHIFT
                | (TlbArray.metaGlobal(m) ? WALK_GLOBAL : 0)
                | (long) TlbArray.metaPkey(m) << WALK_PKEY_SHIFT;
    }

    // ------------------------------------------------------------------ fill

    /**
     * Caches a successful walk of {@code vaddr} by a user-mode access with {@code pcid} current:
     * the walk only succeeded if U/S was set at every level, so the entry allows user accesses.
     *
     * @param vaddr      the virtual address walked
     * @param pcid       the current PCID
     * @param walkResult the successful walk's result ({@link WalkResult} layout)
     * @return whether the fill evicted a valid entry for capacity ({@link TlbStat#EVICTION})
     */
    public boolean fill(long vaddr, int pcid, long walkResult) {
        return fill(vaddr, pcid, walkResult, true);
    }

    /**
     * Caches a successful walk of {@code vaddr} with {@code pcid} current. A large page becomes
     * one entry covering the whole page. {@code user}: the walk was for a user-mode access, so it
     * proved U/S set at every level; a supervisor walk's result does not say, and the entry then
     * serves supervisor accesses only (a later user access misses and walks, as a TLB that
     * cached U/S=0 would make it).
     *
     * @param vaddr      the virtual address walked
     * @param pcid       the current PCID
     * @param walkResult the successful walk's result ({@link WalkResult} layout)
     * @param user       whether the entry allows user-mode accesses
     * @return whether the fill evicted a valid entry for capacity ({@link TlbStat#EVICTION})
     * @throws IllegalArgumentException for a fault result, or a result whose page address does not
     *     belong to {@code vaddr} (a large page's frame not aligned to the page size)
     */
    public boolean fill(long vaddr, int pcid, long walkResult, boolean user) {
        checkPcid(pcid);
        if (WalkResult.isFault(walkResult)) {
            throw new IllegalArgumentException("fill needs a successful walk (got a fault, error code 0x"
                    + Integer.toHexString(WalkResult.errorCode(walkResult)) + ")");
        }
        PageSize size = PageSize.ofWalkCode(WalkResult.sizeCode(walkResult));
        int s = size.ordinal();
        long subPage = vaddr & (size.bytes() - 1) & ~0xFFFL;
        long pageBase = WalkResult.pagePa(walkResult) - subPage;
        if ((pageBase & (size.bytes() - 1)) != 0) {
            throw new IllegalArgumentException("walk result does not translate 0x" + Long.toHexString(vaddr)
                    + ": its 4K sub-page 0x" + Long.toHexString(WalkResult.pagePa(walkResult)) + " puts the "
                    + size.label + " page at 0x" + Long.toHexString(pageBase) + " (expected: a multiple of 0x"
                    + Long.toHexString(size.bytes()) + ")");
        }
        if (arrays[s].ways == 0) {
            // No ways for this size: cache the largest smaller page this array holds that covers
            // vaddr (SDM 4.10.2.3). 4 KiB always has ways, so the loop ends.
            do s--; while (arrays[s].ways == 0);
            subPage = vaddr & ((1L << arrays[s].shift) - 1) & ~0xFFFL;
            pageBase = WalkResult.pagePa(walkResult) - subPage;
            count(TlbStat.FILL_SPLINTERED);
        }
        TlbArray a = arrays[s];
        int prot = WalkResult.prot(walkResult);
        boolean global = WalkResult.global(walkResult);
        long v = a.vpn(vaddr);

        // A non-global entry after a lookup of the same page that found nothing: only entries
        // of smaller pages inside the new one can overlap it (cleanMissTag's comment).
        // A 4 KiB page after such a lookup overlaps nothing: there are no smaller pages.
        boolean noneAtOrAbove = !global && cleanMissTag == missTag(vaddr, pcid);
        if (s != 0 || !noneAtOrAbove) {
            count(TlbStat.FILL_REPLACED, TlbInvalidation.dropOverlapping(arrays, v, s, pcid, global, noneAtOrAbove));
        }
        cleanMissTag = -1; // the fill below adds an entry
        // D is known set only when the walk granted W (WalkResult grants W only after setting D).
        boolean evicted = a.fill(v, pcid, pageBase >>> PAGE_SHIFT, TlbArray.makeMeta(pcid, prot, user,
                (prot & WalkResult.PROT_WRITE) != 0, global, WalkResult.pkey(walkResult)));
        if (evicted) count(TlbStat.EVICTION);
        count(TlbStat.FILL);
        if (a.shift == PageTypes.PMD_SHIFT) count(TlbStat.FILL_2M);
        return evicted;
    }

    // ------------------------------------------------------------------ invalidation (SDM 4.10.4.1)

    /** Invalidates {@code vaddr}'s entries for {@code pcid} ({@link TlbInvalidation#invalidateAddress}), counted. */
    private void invalidateAddress(long vaddr, boolean withGlobal, int pcid) {
        count(TlbStat.FLUSH_SINGLE);
        count(TlbStat.ENTRIES_INVALIDATED, TlbInvalidation.invalidateAddress(arrays, vaddr, withGlobal, pcid));
    }

    /** Invalidates every entry in {@code scope} ({@link TlbInvalidation#invalidateContext}), counted. */
    private void invalidateContext(int scope, int pcid) {
        count(TlbStat.FLUSH_FULL);
        count(TlbStat.ENTRIES_INVALIDATED, TlbInvalidation.invalidateContext(arrays, scope, pcid));
    }

    /**
     * INVLPG: invalidates the entries for the page containing {@code vaddr} that belong to the
     * current PCID, and global entries for it whatever their PCID (SDM 4.10.4.1). A large-page
     * entry is invalidated by any address inside it. Linux's __flush_tlb_one_user() without PTI.
     *
     * @param vaddr an address in the page to invalidate
     */
    public void invlpg(long vaddr) {
        invalidateAddress(vaddr, true, currentPcid);
    }

    /**
     * INVPCID type 0 (individual-address): invalidates the non-global entries of {@code pcid} for
     * the page containing {@code vaddr}. Unlike INVLPG it spares global entries and takes any PCID.
     *
     * @param pcid  the PCID whose entry goes
     * @param vaddr an address in the page to invalidate
     */
    public void invpcidAddress(int pcid, long vaddr) {
        checkPcid(pcid);
        invalidateAddress(vaddr, false, pcid);
    }

    /**
     * INVPCID type 1 (single-context): invalidates every non-global entry of {@code pcid}.
     *
     * @param pcid the PCID whose non-global entries go
     */
    public void invpcidSingleContext(int pcid) {
        checkPcid(pcid);
        invalidateContext(TlbInvalidation.SCOPE_PCID_NON_GLOBAL, pcid);
    }

    /** INVPCID type 3 (all-context except global): invalidates every non-global entry of every PCID. */
    public void invpcidAllContext() {
        invalidateContext(TlbInvalidation.SCOPE_NON_GLOBAL, 0);
    }

    /**
     * Invalidates the non-global entries of {@code pcid}: what a MOV to CR3 without NOFLUSH does
     * to the PCID it loads (SDM 4.10.4.1). Entries of other PCIDs, including the PCID being left,
     * stay. With CR4.PCIDE clear every entry has PCID 0, so this is the whole non-global TLB.
     *
     * @param pcid the PCID whose non-global entries go
     */
    public void flushAllNonGlobal(int pcid) {
        checkPcid(pcid);
        invalidateContext(TlbInvalidation.SCOPE_PCID_NON_GLOBAL, pcid);
    }

    /**
     * Invalidates every entry, global ones included: a MOV to CR4 that toggles PGE (Linux's
     * native_flush_tlb_global() without INVPCID) or INVPCID type 2.
     */
    public void flushAll() {
        invalidateContext(TlbInvalidation.SCOPE_ALL, 0);
    }

    /**
     * MOV to CR3 (SDM 4.10.4.1). With CR4.PCIDE set, bits 11:0 are the new PCID and, unless bit 63
     * (NOFLUSH) is set, that PCID's non-global entries are invalidated; bit 63 is not stored. With
     * PCIDE clear, the PCID is 0 and the non-global entries of PCID 0 are invalidated.
     *
     * @param cr3 the value written: page-table base, PCID in bits 11:0, NOFLUSH in bit 63
     * @throws IllegalArgumentException for NOFLUSH with PCIDE clear (the model only accepts it with PCIDE set)
     */
    public void movToCr3(long cr3) {
        boolean noflush = (cr3 & CR3_NOFLUSH) != 0;
        int pcid;
        if (pcide) {
            pcid = (int) (cr3 & MAX_PCID);
        } else {
            if (noflush) {
                throw new IllegalArgumentException("CR3 bit 63 (NOFLUSH) is only defined with CR4.PCIDE=1 (got cr3 0x"
                        + Long.toHexString(cr3) + " with PCIDE=0)");
            }
            pcid = 0; // bits 3 and 4 are PWT and PCD here, not a PCID
        }
        currentPcid = pcid;
        if (!noflush) flushAllNonGlobal(pcid);
    }

    /**
     * MOV to CR4 writing PCIDE. Clearing it invalidates every entry, global ones included
     * (SDM 4.10.4.1), and makes PCID 0 current; setting it invalidates nothing (the CPU requires
     * CR3[11:0] = 0 then, so the current PCID is 0 either way).
     *
     * @param enable the new value of CR4.PCIDE
     */
    public void movToCr4Pcide(boolean enable) {
        if (pcide == enable) return;
        if (!enable) flushAll();
        pcide = enable;
        currentPcid = 0;
    }

    // ------------------------------------------------------------------ Linux's range flush

    /**
     * {@link #flushTlbRange(int, long, long, int)} with a 4 KiB stride (PAGE_SHIFT).
     *
     * @param pcid  the PCID of the mm being flushed
     * @param start the first address of the range
     * @param end   the end of the range, exclusive, or {@link Tlb#TLB_FLUSH_ALL}
     * @return true when the full flush was chosen
     */
    public boolean flushTlbRange(int pcid, long start, long end) {
        return flushTlbRange(pcid, start, end, PAGE_SHIFT);
    }

    /**
     * Models the local flush of flush_tlb_mm_range() → flush_tlb_func(), arch/x86/mm/tlb.c, for
     * the mm loaded with {@code pcid}: when {@code (end - start) >> strideShift} exceeds
     * tlb_single_page_flush_ceiling (33), or {@code end} is {@link #TLB_FLUSH_ALL}, one full flush
     * of the loaded PCID (local_flush_tlb(), a CR3 rewrite) counted as nr_tlb_local_flush_all;
     * otherwise one INVLPG per stride from {@code start} below {@code end}, counted per page as
     * nr_tlb_local_flush_one. The tlb_gen bookkeeping that can also force a full flush belongs to
     * the caller.
     *
     * @param pcid        the PCID of the mm being flushed
     * @param start       the first address of the range
     * @param end         the end of the range, exclusive, or {@link #TLB_FLUSH_ALL}
     * @param strideShift log2 of the stride: 12, 21 or 30 (4 KiB, 2 MiB or 1 GiB pages)
     * @return true when the full flush was chosen
     * @throws IllegalArgumentException when {@code pcid} is not the current PCID (flush_tlb_func
     *     only flushes the loaded mm; other ASIDs are flushed at their next switch_mm), or the
     *     range is not stride-aligned
     */
    public boolean flushTlbRange(int pcid, long start, long end, int strideShift) {
        checkPcid(pcid);
        if (pcid != currentPcid) {
            throw new IllegalArgumentException("flush_tlb_func flushes the loaded mm's PCID (expected: current PCID "
                    + currentPcid + ", got " + pcid + ")");
        }
        if (strideShift != PAGE_SHIFT && strideShift != PageSize.SIZE_2M.shift && strideShift != PageSize.SIZE_1G.shift) {
            throw new IllegalArgumentException("stride shift must be a page size (expected: 12, 21 or 30, got " + strideShift + ")");
        }
        if (end != TLB_FLUSH_ALL) {
            long stride = 1L << strideShift;
            if (((start | end) & (stride - 1)) != 0 || Long.compareUnsigned(start, end) > 0) {
                throw new IllegalArgumentException("range must be stride-aligned with start <= end (expected: multiples of 0x"
                        + Long.toHexString(stride) + ", got [0x" + Long.toHexString(start) + ", 0x"
                        + Long.toHexString(end) + "))");
            }
        }
        long nrPages = (end - start) >>> strideShift;
        if (end == TLB_FLUSH_ALL || Long.compareUnsigned(nrPages, TLB_SINGLE_PAGE_FLUSH_CEILING) > 0) {
            flushAllNonGlobal(currentPcid);
            count(TlbStat.NR_TLB_LOCAL_FLUSH_ALL);
            return true;
        }
        for (long addr = start; addr != end; addr += 1L << strideShift) {
            invlpg(addr);
        }
        count(TlbStat.NR_TLB_LOCAL_FLUSH_ONE, nrPages);
        return false;
    }

    // ------------------------------------------------------------------ inspection

    /** Receives the valid entries of a TLB, one call each ({@link #forEachEntry}). */
    @FunctionalInterface
    public interface EntryVisitor {
        /**
         * Receives one valid entry.
         *
         * @param size the entry's page size
         * @param pcid the PCID it was filled under (any PCID may use it when {@code global})
         * @param vaddr the first virtual address of the page it translates
         * @param pagePa the physical address of the page's first byte
         * @param prot the cached rights ({@link WalkResult#PROT_READ} etc.); W only with D cached
         * @param user the cached U/S: user-mode accesses may use it
         * @param global G: survives CR3 writes and serves every PCID
         */
        void visit(PageSize size, int pcid, long vaddr, long pagePa, int prot, boolean user, boolean global);
    }

    /**
     * Visits every valid entry, arrays in page-size order and ways in set order. Changes nothing.
     *
     * @param visitor receives each entry
     */
    public void forEachEntry(EntryVisitor visitor) {
        for (TlbArray a : arrays) {
            for (int i = 0; i < a.meta.length; i++) {
                int m = a.meta[i];
                if (!TlbArray.metaValid(m)) continue;
                visitor.visit(a.size, TlbArray.metaPcid(m), a.vaddrOf(i), a.pfn[i] << PAGE_SHIFT, TlbArray.metaProt(m), (m & TlbArray.M_U) != 0,
                        TlbArray.metaGlobal(m));
            }
        }
    }

    /** Receives every slot of a TLB, valid or not, with its place in the array ({@link #forEachSlot}). */
    @FunctionalInterface
    public interface SlotVisitor {
        /**
         * Receives one way of one set.
         *
         * @param size   the page size of the array the slot belongs to
         * @param set    the set, 0 to {@code config().sets(size) - 1}
         * @param way    the way within the set, 0 to {@code config().ways(size) - 1}
         * @param valid  whether the slot holds an entry; the other arguments are 0 or false when not
         * @param pcid   the PCID it was filled under
         * @param vaddr  the first virtual address of the page it translates
         * @param pagePa the physical address of the page's first byte
         * @param prot   the cached rights ({@link WalkResult#PROT_READ} etc.)
         * @param user   the cached U/S
         * @param global G
         * @param lru    the entry's recency rank among the set's valid ways, 0 the most recently used; -1 when empty
         */
        void visit(PageSize size, int set, int way, boolean valid, int pcid, long vaddr, long pagePa, int prot, boolean user,
                   boolean global, int lru);
    }

    /**
     * Visits every slot of every array (sets × ways of each page size, in page-size, set and
     * way order), empty ones too: the geometry of the TLB with its contents, for a picture of it.
     * Changes nothing.
     *
     * @param visitor receives each slot
     */
    public void forEachSlot(SlotVisitor visitor) {
        for (TlbArray a : arrays) {
            for (int i = 0; i < a.meta.length; i++) {
                int m = a.meta[i];
                if (TlbArray.metaValid(m)) {
                    visitor.visit(a.size, i / a.ways, i % a.ways, true, TlbArray.metaPcid(m), a.vaddrOf(i),
                            a.pfn[i] << PAGE_SHIFT, TlbArray.metaProt(m), (m & TlbArray.M_U) != 0, TlbArray.metaGlobal(m),
                            a.lruRank(i));
                } else {
                    visitor.visit(a.size, i / a.ways, i % a.ways, false, 0, 0, 0, 0, false, false, -1);
                }
            }
        }
    }

    /** {@return the number of valid entries of all sizes} */
    public int validEntries() {
        int n = 0;
        for (TlbArray a : arrays) n += a.valid;
        return n;
    }

    /**
     * Valid entries of one page size.
     *
     * @param size a page size
     * @return the number of valid entries of that size
     */
    public int validEntries(PageSize size) {
        return arrays[size.ordinal()].valid;
    }

    /**
     * The valid entries as a table, one line each, arrays in page-size order and ways in set
     * order ({@link TlbDump} has the format).
     *
     * @return the table as text
     */
    public String dump() {
        return TlbDump.dump(this, arrays);
    }

    /** {@return the counters, one {@code name value} per line, for a failure message or a lab's report} */
    public String statsDump() {
        StringBuilder sb = new StringBuilder();
        for (TlbStat s : TlbStat.values()) {
            sb.append(s.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(stats[s.ordinal()]).append('\n');
        }
        return sb.toString();
    }

    /** Zeroes every counter. */
    public void resetStats() {
        Arrays.fill(stats, 0);
    }

    @Override
    public String toString() {
        return dump();
    }

    private static void checkPcid(int pcid) {
        if ((pcid & ~MAX_PCID) != 0) {
            throw new IllegalArgumentException("pcid must be 12 bits (expected: 0..4095, got " + pcid + ")");
        }
    }
}
