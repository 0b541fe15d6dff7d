package io.mmemu.tlb;

/**
 * Which entries of a {@link Tlb}'s arrays an invalidation removes, and removing them: the scopes
 * of SDM vol. 3A, 4.10.4.1 (INVLPG and INVPCID type 0 by address; INVPCID types 1 to 3, MOV to
 * CR3 and MOV to CR4 by context), and the invalidation a fill does first so that one address
 * never has two translations (the SDM lets a processor invalidate more than asked).
 *
 * <p>Each function takes the arrays, clears the valid bit of the entries in its scope and
 * returns how many it cleared, leaving the counting and the choice of scope (which instruction
 * ran, which PCID is current) to {@link Tlb}. Nothing else moves: LRU order and the other entries
 * stay. Static and allocation-free, since a fill on the TLB-fill hook's path calls
 * {@link #dropOverlapping}.
 */
final class TlbInvalidation {
    private TlbInvalidation() {
    }

    /** Scope: non-global entries of the given PCID (INVPCID types 0 and 1, MOV to CR3). */
    static final int SCOPE_PCID_NON_GLOBAL = 1;
    /** Scope: non-global entries of every PCID (INVPCID type 3). */
    static final int SCOPE_NON_GLOBAL = 2;
    /** Scope: every entry (INVPCID type 2, CR4.PGE toggle, CR4.PCIDE 1 to 0). */
    static final int SCOPE_ALL = 3;

    private static boolean inScope(int m, int scope, int pcid) {
        if (!TlbArray.metaValid(m)) return false;
        return switch (scope) {
            case SCOPE_PCID_NON_GLOBAL -> !TlbArray.metaGlobal(m) && TlbArray.metaPcid(m) == pcid;
            case SCOPE_NON_GLOBAL -> !TlbArray.metaGlobal(m);
            default -> true;
        };
    }

    /**
     * Invalidates the entries of every size that translate {@code vaddr} for {@code pcid}, and the
     * global ones for it when {@code withGlobal} (INVLPG's scope; INVPCID's spares them); returns
     * how many went.
     */
    static int invalidateAddress(TlbArray[] arrays, long vaddr, boolean withGlobal, int pcid) {
        int invalidated = 0;
        for (TlbArray a : arrays) {
            if (a.valid == 0) continue;
            long v = a.vpn(vaddr);
            int i = a.find(v, TlbArray.makeKey(v, pcid, false));
            if (i >= 0) {
                a.forget(i);
                invalidated++;
            }
            if (withGlobal && a.globals != 0) {
                i = a.find(v, TlbArray.makeKey(v, 0, true));
                if (i >= 0) {
                    a.forget(i);
                    invalidated++;
                }
            }
        }
        return invalidated;
    }

    /** Invalidates every entry in {@code scope}; returns how many went. */
    static int invalidateContext(TlbArray[] arrays, int scope, int pcid) {
        int invalidated = 0;
        for (TlbArray a : arrays) {
            for (int i = 0, end = a.meta.length; a.valid != 0 && i < end; i++) {
                if (inScope(a.meta[i], scope, pcid)) {
                    a.forget(i);
                    invalidated++;
                }
            }
        }
        return invalidated;
    }

    /**
     * Invalidates the entries that would translate some address of page {@code v} (size index
     * {@code s}) for the same lookups as the entry about to be filled; returns how many went.
     * {@code noneAtOrAbove}: the caller knows that no array of page size {@code s} or larger holds
     * such an entry (a lookup of the page just found none), so only smaller pages are searched.
     */
    static int dropOverlapping(TlbArray[] arrays, long v, int s, int pcid, boolean global, boolean noneAtOrAbove) {
        int replaced = 0;
        int shiftS = arrays[s].shift;
        for (TlbArray a : arrays) {
            if (a.valid == 0) continue; // nothing to drop
            if (a.shift >= shiftS) {
                if (noneAtOrAbove) continue;
                // Same or larger pages: only the one containing the new page can overlap.
                long av = v >>> (a.shift - shiftS);
                if (!global && a.globals == 0) {
                    // Only an entry of the same PCID can conflict, and find() knows where it would be.
                    int i = a.find(av, TlbArray.makeKey(av, pcid, false));
                    if (i >= 0) {
                        a.forget(i);
                        replaced++;
                    }
                    continue;
                }
                for (int i = a.firstOfSet(av), end = i + a.ways; i < end; i++) {
                    if (a.vpnOf(i) == av && conflicts(a.meta[i], pcid, global)) {
                        a.forget(i);
                        replaced++;
                    }
                }
            } else {
                // Smaller pages inside the new one may sit in any set of their array.
                int d = shiftS - a.shift;
                for (int i = 0, end = a.key.length; i < end; i++) {
                    if ((a.vpnOf(i) >>> d) == v && conflicts(a.meta[i], pcid, global)) {
                        a.forget(i);
                        replaced++;
                    }
                }
            }
        }
        return replaced;
    }

    private static boolean conflicts(int m, int pcid, boolean global) {
        return TlbArray.metaValid(m) && (global || TlbArray.metaGlobal(m) || TlbArray.metaPcid(m) == pcid);
    }
}
