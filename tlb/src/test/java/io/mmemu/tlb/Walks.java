package io.mmemu.tlb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.mm.pgtable.WalkResult;

/**
 * Builds successful walk results in {@link WalkResult}'s documented layout (its constructor is
 * package-private to mm-model), and assertions that print the TLB when they fail.
 */
final class Walks {
    private Walks() {}

    static final int R = WalkResult.PROT_READ, W = WalkResult.PROT_WRITE, X = WalkResult.PROT_EXEC;
    static final long K4 = 1L << 12, M2 = 1L << 21, G1 = 1L << 30;

    /** A successful walk whose 4 KiB sub-page is at {@code subPagePa}. */
    static long ok(long subPagePa, int prot, PageSize size, boolean global) {
        return subPagePa | prot | (long) size.walkCode << 3 | (global ? 1L << 5 : 0);
    }

    /** A 4 KiB, non-global walk. */
    static long ok4k(long pagePa, int prot) {
        return ok(pagePa, prot, PageSize.SIZE_4K, false);
    }

    static String hex(long v) {
        return v == Tlb.MISS ? "MISS" : "0x" + Long.toHexString(v);
    }

    static void assertResult(Tlb tlb, long expected, long actual, String what) {
        assertEquals(expected, actual, () -> what + ": expected " + hex(expected) + ", got " + hex(actual) + "\n" + tlb.dump());
    }

    static void assertStat(Tlb tlb, TlbStat stat, long expected) {
        assertEquals(expected, tlb.stat(stat), () -> stat + "\n" + tlb.statsDump() + tlb.dump());
    }
}
