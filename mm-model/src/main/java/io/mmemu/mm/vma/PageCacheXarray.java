package io.mmemu.mm.vma;

import java.util.Arrays;

/**
 * A file's page cache index, mapping->i_pages (an xarray in Linux): file page index to the frame
 * caching it. It is sparse because a shmem file is: ftruncate() to a terabyte or a pwrite() far
 * past the end allocates nothing in between, so a flat array indexed by page would not do.
 *
 * <p>Layout: chunks of {@link #CHUNK} slots (an xarray node's 64 slots, coarser), found by binary
 * search over their sorted first indices. Lookups allocate nothing (the fault path calls them);
 * a store into a new chunk inserts one. {@link #nrpages} counts the occupied slots
 * (mapping->nrpages), which tmpfs reports as st_blocks.
 */
final class PageCacheXarray {
    /** Slots per chunk: 512 pages, 2 MiB of file. */
    static final int CHUNK_SHIFT = 9, CHUNK = 1 << CHUNK_SHIFT;

    /** First page index of each chunk (a multiple of CHUNK), ascending; valid up to {@link #nrChunks}. */
    private long[] keys = new long[0];
    private long[][] chunks = new long[0][];
    private int nrChunks;
    private long nrpages;

    /** Models xa_load(): the frame at {@code index}, or -1. */
    long load(long index) {
        int c = find(index >>> CHUNK_SHIFT << CHUNK_SHIFT);
        return c < 0 ? -1L : chunks[c][(int) (index & (CHUNK - 1))];
    }

    /** Models xa_store(): {@code pfn} at {@code index}; -1 erases (xa_erase()). */
    void store(long index, long pfn) {
        long key = index >>> CHUNK_SHIFT << CHUNK_SHIFT;
        int c = find(key);
        if (c < 0) {
            if (pfn < 0) return;
            c = insert(-c - 1, key);
        }
        int slot = (int) (index & (CHUNK - 1));
        long old = chunks[c][slot];
        if (old < 0 && pfn >= 0) nrpages++;
        else if (old >= 0 && pfn < 0) nrpages--;
        chunks[c][slot] = pfn;
    }

    /** Occupied slots (mapping->nrpages). */
    long nrpages() {
        return nrpages;
    }

    /**
     * The first occupied index at or after {@code from}, or -1: the xas_find() step of a range
     * walk such as truncate_inode_pages_range().
     */
    long findFrom(long from) {
        int c = find(from >>> CHUNK_SHIFT << CHUNK_SHIFT);
        if (c < 0) c = -c - 1;
        for (; c < nrChunks; c++) {
            long base = keys[c];
            for (int i = (int) Math.max(0, from - base); i < CHUNK; i++) {
                if (chunks[c][i] >= 0) return base + i;
            }
        }
        return -1;
    }

    /** Binary search for the chunk starting at {@code key}: its position, or -(insertion point) - 1. */
    private int find(long key) {
        return Arrays.binarySearch(keys, 0, nrChunks, key);
    }

    private int insert(int at, long key) {
        if (nrChunks == keys.length) {
            int n = Math.max(4, nrChunks * 2);
            keys = Arrays.copyOf(keys, n);
            chunks = Arrays.copyOf(chunks, n);
        }
        System.arraycopy(keys, at, keys, at + 1, nrChunks - at);
        System.arraycopy(chunks, at, chunks, at + 1, nrChunks - at);
        long[] chunk = new long[CHUNK];
        Arrays.fill(chunk, -1L);
        keys[at] = key;
        chunks[at] = chunk;
        nrChunks++;
        return at;
    }
}
