package io.mmemu.tlb;

/**
 * A hash index over the nonzero keys of entries {@code keys[0 .. n)}: which entry holds a given key. Open addressing with linear probing at a load of at most one quarter,
 * Fibonacci hashing (the top bits of {@code key × 2^64/φ}, so keys that differ only in their high
 * bits spread too) and backward-shift deletion, so there are no tombstones and nothing allocates
 * after construction.
 *
 * <p>Why not fastutil's {@code Long2IntOpenHashMap}: with the TLB's keys (the virtual page number
 * above 14 constant low bits) it measured 43 ns per put-and-remove pair and 17 ns per lookup, this
 * index about 7 ns for a lookup, a put and a remove together; and this one stores no second copy
 * of the keys.
 *
 * <p>Why a quarter: every fill of a full array removes one key and puts another, and the shorter
 * probe runs of a sparser table make that pair cheaper; on Zen 4's 72-entry L1 dTLB and 64-entry
 * PDE cache a miss-and-fill measured 86 ns of CPU time at one half, 81 ns at one quarter
 * ({@code TlbCpuTime amd-zen4}, missFillNoWalk). The slots of a 72-entry array take 2 KiB.
 *
 * <p>The owner keeps {@code keys} and the index in step: {@link #put} after writing a key,
 * {@link #remove} before clearing one. Keys must be unique among the indexed entries.
 */
final class KeyIndex {

    private static final long PHI = 0x9E37_79B9_7F4A_7C15L;

    private final long[] keys;
    /** Entry number plus one, or 0 for an empty slot. */
    private final int[] slots;
    private final int mask;
    private final int hashShift;

    /** An empty index for the entries {@code keys[0 .. n)}. */
    KeyIndex(long[] keys, int n) {
        this.keys = keys;
        int capacity = Integer.highestOneBit(Math.max(2, n) * 2 - 1) << 2; // a power of two, at least 4n
        slots = new int[capacity];
        mask = capacity - 1;
        hashShift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private int home(long key) {
        return (int) ((key * PHI) >>> hashShift);
    }

    /** The entry holding {@code key}, or -1. */
    int get(long key) {
        for (int p = home(key);; p = (p + 1) & mask) {
            int e = slots[p];
            if (e == 0) return -1;
            if (keys[e - 1] == key) return e - 1;
        }
    }

    /** Indexes entry {@code i}, whose key was just written. */
    void put(int i) {
        int p = home(keys[i]);
        while (slots[p] != 0) p = (p + 1) & mask;
        slots[p] = i + 1;
    }

    /** Forgets entry {@code i}, which is indexed and still holds its key. */
    void remove(int i) {
        int e = i + 1;
        int p = home(keys[i]);
        while (slots[p] != e) p = (p + 1) & mask;
        // Backward-shift deletion: move later members of the probe run into the hole when their
        // home slot does not lie (cyclically) between the hole and where they sit.
        for (int hole = p;;) {
            p = (p + 1) & mask;
            int f = slots[p];
            if (f == 0) {
                slots[hole] = 0;
                return;
            }
            int h = home(keys[f - 1]);
            boolean movable = hole <= p ? (h <= hole || h > p) : (h <= hole && h > p);
            if (movable) {
                slots[hole] = f;
                hole = p;
            }
        }
    }
}
