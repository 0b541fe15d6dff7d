package io.mmemu.slub;

import static io.mmemu.slub.Slub.KMALLOC_MAX_CACHE_SIZE;
import static io.mmemu.slub.Slub.ZERO_SIZE_PTR;

import io.mmemu.slub.PageMap.LargeKmalloc;

/**
 * The kmalloc interface of one {@link Slub}: the size classes and their caches
 * ({@code kmalloc_caches[]}, kmalloc_index(), kmalloc_slab(), create_kmalloc_caches(),
 * mm/slab_common.c and include/linux/slab.h), requests above {@link Slub#KMALLOC_MAX_CACHE_SIZE}
 * served with whole pages from the page allocator (__kmalloc_large_node(), mm/slub.c), and the
 * calls that take an object address and find its slab or large block through the page map
 * (kfree(), ksize(), krealloc()).
 *
 * <p>{@link Slub} keeps the public methods and delegates here; the fast path of kmalloc() is one
 * index computation and the cache's {@link KmemCache#slabAllocNode}, allocating nothing.
 */
final class Kmalloc {
    /** The kmalloc size classes in creation order (create_kmalloc_caches()). */
    static final int[] KMALLOC_SIZES = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};

    private final Slub slub;
    /** kmalloc_caches[]: one cache per size class, indexed by {@link #kmallocIndex}. */
    private final KmemCache[] caches = new KmemCache[KMALLOC_SIZES.length];

    /** Models create_kmalloc_caches(), mm/slab_common.c: one cache per size class, smallest first. */
    Kmalloc(Slub slub) {
        this.slub = slub;
        for (int i = 0; i < KMALLOC_SIZES.length; i++) {
            caches[i] = slub.kmemCacheCreate(kmallocName(KMALLOC_SIZES[i]), KMALLOC_SIZES[i], 0, SlabFlags.SLAB_KMALLOC, null);
        }
    }

    /** The kmalloc cache name for a size class (kmalloc-96, kmalloc-1k, kmalloc-8k). */
    static String kmallocName(int size) {
        return size >= 1024 ? "kmalloc-" + (size / 1024) + "k" : "kmalloc-" + size;
    }

    /** Models kmalloc_index(), include/linux/slab.h: the index in {@link #KMALLOC_SIZES} of the smallest class that fits. */
    static int kmallocIndex(long size) {
        if (size <= 0 || size > KMALLOC_MAX_CACHE_SIZE) {
            throw new IllegalArgumentException("size out of kmalloc cache range (expected: 1.." + KMALLOC_MAX_CACHE_SIZE + ", got " + size + ")");
        }
        if (size <= 8) return 0;
        if (size <= 16) return 1;
        if (size <= 32) return 2;
        if (size <= 64) return 3;
        if (size <= 96) return 4;
        if (size <= 128) return 5;
        if (size <= 192) return 6;
        if (size <= 256) return 7;
        if (size <= 512) return 8;
        if (size <= 1024) return 9;
        if (size <= 2048) return 10;
        if (size <= 4096) return 11;
        return 12;
    }

    /** Models kmalloc_slab(), mm/slab_common.c: the cache serving {@code size} bytes. */
    KmemCache kmallocSlab(long size) {
        return caches[kmallocIndex(size)];
    }

    /** Models kmalloc_node(), include/linux/slab.h. */
    long kmallocNode(long size, int nid, CpuBinding b, long caller) {
        if (size == 0) {
            return ZERO_SIZE_PTR;
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative (expected: >= 0, got " + size + ")");
        }
        if (size > KMALLOC_MAX_CACHE_SIZE) {
            return kmallocLarge(size, nid, b);
        }
        return caches[kmallocIndex(size)].slabAllocNode(b, nid, caller, (int) size);
    }

    /** Models kzalloc(), include/linux/slab.h. */
    long kzalloc(long size, CpuBinding b) {
        long p = kmallocNode(size, KmemCache.NUMA_NO_NODE, b, 0);
        if (p > ZERO_SIZE_PTR) {
            slub.mem.fill(p, size, (byte) 0);
        }
        return p;
    }

    /** Models __kmalloc_large_node(), mm/slub.c: whole pages straight from the page allocator. */
    private long kmallocLarge(long size, int nid, CpuBinding b) {
        int order = CacheLayout.getOrder(size);
        if (order > CacheLayout.MAX_PAGE_ORDER) {
            return 0;
        }
        long addr = slub.pages.allocPages(order, nid == KmemCache.NUMA_NO_NODE ? slub.cpuToNode(b.cpu()) : nid);
        if (addr == PageSource.NO_PAGE) {
            return 0;
        }
        slub.pageMap.set(addr, order, new LargeKmalloc(addr, order));
        return addr;
    }

    /** Models kfree(), mm/slub.c. */
    void kfree(long object, CpuBinding b, long caller) {
        if (object <= ZERO_SIZE_PTR) {                 // ZERO_OR_NULL_PTR()
            return;
        }
        Object owner = slub.pageMap.lookup(object);
        if (owner instanceof Slab slab) {
            slab.slabCache.slabFree(slab, object, b, caller);
        } else if (owner instanceof LargeKmalloc large && large.address() == object) {
            slub.pageMap.set(large.address(), large.order(), null);   // free_large_kmalloc()
            slub.pages.freePages(large.address(), large.order());
        } else {
            SlubReport.freeNonSlab(slub, "kfree", object);
        }
    }

    /** Models ksize() (__ksize() and slab_ksize()), mm/slub.c. */
    long ksize(long object) {
        if (object <= ZERO_SIZE_PTR) {
            return 0;
        }
        Object owner = slub.pageMap.lookup(object);
        if (owner instanceof Slab slab) {
            KmemCache s = slab.slabCache;
            if ((s.flags & (SlabFlags.SLAB_RED_ZONE | SlabFlags.SLAB_POISON)) != 0) {
                return s.objectSize;
            }
            if ((s.flags & (SlabFlags.SLAB_TYPESAFE_BY_RCU | SlabFlags.SLAB_STORE_USER)) != 0) {
                return s.inuse;
            }
            return s.size;
        }
        if (owner instanceof LargeKmalloc large) {
            return (long) PageSource.PAGE_SIZE << large.order();
        }
        return 0;
    }

    /** Models krealloc(), mm/slab_common.c. */
    long krealloc(long p, long newSize, CpuBinding b) {
        if (newSize == 0) {
            kfree(p, b, 0);
            return ZERO_SIZE_PTR;
        }
        long ks = 0;
        if (p > ZERO_SIZE_PTR) {
            ks = ksize(p);
            if (ks >= newSize) {
                // Move the kmalloc red zone to the new request size.
                Slab slab = slub.virtToSlab(p);
                if (slab != null && CacheLayout.debugOrigSize(slab.slabCache.flags)) {
                    KmemCache s = slab.slabCache;
                    SlubDebug.setOrigSize(s, p, (int) newSize);
                    if ((s.flags & SlabFlags.SLAB_RED_ZONE) != 0 && newSize < ks) {
                        slub.mem.fill(p + newSize, ks - newSize, SlabFlags.SLUB_RED_ACTIVE);
                    }
                }
                return p;
            }
        }
        long ret = kmallocNode(newSize, KmemCache.NUMA_NO_NODE, b, 0);
        if (ret != 0 && p > ZERO_SIZE_PTR) {
            slub.mem.copy(p, ret, ks);
            kfree(p, b, 0);
        }
        return ret;
    }
}
