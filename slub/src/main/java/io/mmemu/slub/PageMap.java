package io.mmemu.slub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a physical page frame holds, from the slab layer's point of view: the role of
 * {@code struct page} for virt_to_slab() and kfree(). Every pfn of a slab maps to its
 * {@link Slab} (the compound head), every pfn of a large kmalloc to its
 * {@link LargeKmalloc}, anything else to null.
 *
 * <p>Two levels: a directory indexed by {@code pfn >>> 12} of leaves of 4096 entries,
 * created on first use under this object's monitor and published with a release store.
 * Entries are set before a slab's objects can be handed out and cleared before its pages
 * go back to the page allocator; readers use acquire loads.
 */
final class PageMap {
    private static final VarHandle DIR = MethodHandles.arrayElementVarHandle(Object[][].class);
    private static final VarHandle LEAF = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final int LEAF_SHIFT = 12;
    private static final int LEAF_MASK = (1 << LEAF_SHIFT) - 1;

    /** A kmalloc() block too large for a size class, straight from the page allocator. */
    record LargeKmalloc(long address, int order) {
    }

    private final Object[][] dir;

    PageMap(long physLimit) {
        long pfns = (physLimit + PageSource.PAGE_SIZE - 1) >>> PageSource.PAGE_SHIFT;
        dir = new Object[(int) ((pfns + LEAF_MASK) >>> LEAF_SHIFT)][];
    }

    /** The owner of the page holding {@code phys}, or null. */
    Object lookup(long phys) {
        long pfn = phys >>> PageSource.PAGE_SHIFT;
        int d = (int) (pfn >>> LEAF_SHIFT);
        if (phys < 0 || d >= dir.length) {
            return null;
        }
        Object[] leaf = lvLeafDir(d);
        return leaf == null ? null : LEAF.getAcquire(leaf, (int) (pfn & LEAF_MASK));
    }

    /** Marks 2^order pages from {@code phys} as owned by {@code owner} (null clears). */
    void set(long phys, int order, Object owner) {
        long pfn = phys >>> PageSource.PAGE_SHIFT;
        for (long i = 0; i < (1L << order); i++) {
            long p = pfn + i;
            Object[] leaf = leaf((int) (p >>> LEAF_SHIFT));
            LEAF.setRelease(leaf, (int) (p & LEAF_MASK), owner);
        }
    }

    private Object[] lvLeafDir(int d) {
        return (Object[]) DIR.getAcquire(dir, d);
    }

    private Object[] leaf(int d) {
        Object[] leaf = lvLeafDir(d);
        if (leaf != null) {
            return leaf;
        }
        synchronized (this) {
            leaf = lvLeafDir(d);
            if (leaf == null) {
                leaf = new Object[1 << LEAF_SHIFT];
                DIR.setRelease(dir, d, leaf);   // release: publishes the empty leaf
            }
            return leaf;
        }
    }

    /** Calls {@code visitor} for every slab of {@code cache} (of every cache if null), once each, in address order. */
    void forEachSlab(KmemCache cache, java.util.function.Consumer<Slab> visitor) {
        for (int d = 0; d < dir.length; d++) {
            Object[] leaf = lvLeafDir(d);
            if (leaf == null) {
                continue;
            }
            for (int i = 0; i < leaf.length; i++) {
                Object o = LEAF.getAcquire(leaf, i);
                if (o instanceof Slab s && (cache == null || s.slabCache == cache)
                        && s.address == (((long) d << LEAF_SHIFT) + i) << PageSource.PAGE_SHIFT) {
                    visitor.accept(s);
                }
            }
        }
    }
}
