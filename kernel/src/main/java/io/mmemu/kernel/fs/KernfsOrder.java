package io.mmemu.kernel.fs;

import java.util.Comparator;

/**
 * The order in which kernfs (sysfs) lists a directory: its children sit in a red-black tree
 * sorted by kernfs_name_hash(), then by name (kernfs_name_compare(), fs/kernfs/dir.c), and
 * readdir walks that tree. Programs that take the first entries of /sys/kernel/mm/hugepages or
 * print them in readdir order see this order on Linux.
 */
final class KernfsOrder {
    private KernfsOrder() {}

    /** Readdir order: by {@link #kernfsNameHash}, then by name. */
    static final Comparator<String> READDIR =
            Comparator.comparingInt(KernfsOrder::kernfsNameHash).thenComparing(Comparator.naturalOrder());

    /** GOLDEN_RATIO_64, include/linux/hash.h. */
    private static final long GOLDEN_RATIO_64 = 0x61C8864680B583EBL;

    /**
     * Models kernfs_name_hash(), fs/kernfs/dir.c, for a name without namespace: full_name_hash()'s
     * byte-wise partial_name_hash() steps, end_name_hash() (hash_long(hash, 32) on 64-bit), kept
     * to 31 bits and clear of the values 0, 1 and INT_MAX that readdir reserves.
     *
     * @param name a directory entry's name
     * @return its hash, 2 to INT_MAX - 1
     */
    static int kernfsNameHash(String name) {
        long hash = 0; // init_name_hash(ns) with ns NULL
        for (byte b : name.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            long c = b & 0xff;
            hash = (hash + (c << 4) + (c >>> 4)) * 11; // partial_name_hash()
        }
        int h = (int) ((hash * GOLDEN_RATIO_64) >>> 32) & 0x7fffffff;
        if (h < 2) h += 2;
        if (h >= Integer.MAX_VALUE) h = Integer.MAX_VALUE - 1;
        return h;
    }
}
