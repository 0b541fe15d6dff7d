package io.mmemu.benchmarks.slub;

import io.mmemu.slub.PageSource;
import io.mmemu.slub.PhysMemory;

/**
 * Baseline: the simplest slab one would write with a lock. One freelist of fixed-size
 * objects threaded through emulated memory (the free pointer at offset 0), guarded by one
 * monitor; no per-CPU state. It grows by one page run at a time.
 */
final class LockedSlab {
    private final PhysMemory mem;
    private final PageSource pages;
    private final int size;
    private long freelist;

    LockedSlab(PhysMemory mem, PageSource pages, int size) {
        this.mem = mem;
        this.pages = pages;
        this.size = size;
    }

    synchronized long alloc() {
        long p = freelist;
        if (p == 0) {
            p = grow();
            if (p == 0) {
                return 0;
            }
        }
        freelist = mem.readLong(p);
        return p;
    }

    synchronized void free(long p) {
        mem.writeLong(p, freelist);
        freelist = p;
    }

    private long grow() {
        long base = pages.allocPages(0, 0);
        if (base == PageSource.NO_PAGE) {
            return 0;
        }
        int n = PageSource.PAGE_SIZE / size;
        for (int i = 0; i < n; i++) {
            long p = base + (long) i * size;
            mem.writeLong(p, i + 1 < n ? p + size : freelist);
        }
        freelist = base;
        return base;
    }
}
