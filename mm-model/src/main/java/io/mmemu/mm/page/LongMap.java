package io.mmemu.mm.page;

import java.util.Arrays;

/**
 * A map from {@code long} keys (frame numbers, physical addresses: never negative) to {@code
 * long} values, without boxing, for state the fault path keeps per huge page: open addressing
 * with linear probing and backward-shift deletion, so that a lookup, an insertion or a removal
 * allocates nothing (only growing the table does, once per doubling). Never iterated: nothing
 * here can make a run depend on hash order.
 */
public final class LongMap {
    private static final long EMPTY = -1;
    private long[] keys;
    private long[] values;
    private int size;

    /** An empty map. */
    public LongMap() {
        keys = new long[16];
        values = new long[16];
        Arrays.fill(keys, EMPTY);
    }

    private static int hash(long key, int mask) {
        long h = key * 0x9E37_79B9_7F4A_7C15L; // Fibonacci hashing: the high bits are well mixed
        return (int) (h >>> 40) & mask;
    }

    private int slotOf(long key) {
        int mask = keys.length - 1;
        for (int i = hash(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key || keys[i] == EMPTY) return i;
        }
    }

    /** {@return the number of keys} */
    public int size() {
        return size;
    }

    /**
     * The value of {@code key}, or {@code absent}.
     *
     * @param key    a key, not negative
     * @param absent what to return when the key is not in the map
     * @return the value
     */
    public long get(long key, long absent) {
        int i = slotOf(checkKey(key));
        return keys[i] == key ? values[i] : absent;
    }

    /**
     * Sets the value of {@code key}.
     *
     * @param key   a key, not negative
     * @param value its value
     */
    public void put(long key, long value) {
        int i = slotOf(checkKey(key));
        if (keys[i] != key) {
            if (2 * (size + 1) > keys.length) {
                grow();
                i = slotOf(key);
            }
            keys[i] = key;
            size++;
        }
        values[i] = value;
    }

    /**
     * Removes {@code key}, shifting back the entries its slot displaced so that lookups need no tombstones.
     *
     * @param key a key, not negative
     * @return whether it was there
     */
    public boolean remove(long key) {
        int mask = keys.length - 1;
        int hole = slotOf(checkKey(key));
        if (keys[hole] != key) return false;
        for (int i = (hole + 1) & mask; keys[i] != EMPTY; i = (i + 1) & mask) {
            int home = hash(keys[i], mask);
            // Move the entry at i into the hole when its home does not lie in (hole, i] (cyclically).
            boolean homeBetween = hole <= i ? hole < home && home <= i : hole < home || home <= i;
            if (!homeBetween) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                hole = i;
            }
        }
        keys[hole] = EMPTY;
        size--;
        return true;
    }

    private void grow() {
        long[] oldKeys = keys, oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] == EMPTY) continue;
            int i = slotOf(oldKeys[j]);
            keys[i] = oldKeys[j];
            values[i] = oldValues[j];
        }
    }

    private static long checkKey(long key) {
        if (key < 0) throw new IllegalArgumentException("keys must not be negative (got " + key + ")");
        return key;
    }
}
