package io.mmemu.slub;

import static io.mmemu.slub.PageSource.PAGE_SIZE;
import static io.mmemu.slub.SlabFlags.OBJECT_POISON;
import static io.mmemu.slub.SlabFlags.SLAB_HWCACHE_ALIGN;
import static io.mmemu.slub.SlabFlags.SLAB_KMALLOC;
import static io.mmemu.slub.SlabFlags.SLAB_POISON;
import static io.mmemu.slub.SlabFlags.SLAB_RED_ZONE;
import static io.mmemu.slub.SlabFlags.SLAB_STORE_USER;
import static io.mmemu.slub.SlabFlags.SLAB_TYPESAFE_BY_RCU;

/**
 * The geometry of a cache's objects and slabs, computed as calculate_sizes(),
 * calculate_order(), set_min_partial() and set_cpu_partial() do in mm/slub.c (Linux 6.8+).
 *
 * <p>One object slot of {@code size} bytes, from its start in the slab:
 * <pre>
 *   [left red zone: redLeftPad]   only with SLAB_RED_ZONE; the object pointer points after it
 *   [object: objectSize]          the caller's bytes; poisoned 0x6b…0xa5 while free (P)
 *   [right red zone / alignment]  up to inuse: 0xbb free / 0xcc allocated (Z), else 0x5a (P)
 *   [free pointer: 8]             only when it must not overlap the object (ctor, P, RCU, tiny Z)
 *   [alloc track: 32][free track: 32]   SLAB_STORE_USER (U)
 *   [orig_size: 4]                kmalloc caches with U: the size kmalloc() was asked for
 *   [right red zone: 8]           SLAB_RED_ZONE
 *   [padding to align]            0x5a (P)
 * </pre>
 * Otherwise the free pointer lives inside the free object at {@code offset}, the middle of
 * the object rounded down to a word, so that a small overrun of the previous object does
 * not hit it.
 *
 * @param objectSize   bytes the caller asked for (s->object_size)
 * @param size         bytes per object slot (s->size)
 * @param align        object alignment (s->align)
 * @param inuse        offset of the metadata after the object (s->inuse)
 * @param offset       offset of the free pointer from the object (s->offset)
 * @param redLeftPad   bytes of left red zone before each object (s->red_left_pad)
 * @param flags        flags after calculate_sizes() (OBJECT_POISON decided here)
 * @param order        slab order (oo_order(s->oo))
 * @param objects      objects per slab (oo_objects(s->oo))
 * @param minOrder     fallback order when the page allocator fails (oo_order(s->min))
 * @param minObjects   objects per fallback slab (oo_objects(s->min))
 * @param minPartial   empty slabs kept on each node partial list (s->min_partial)
 * @param cpuPartial   objects kept on per-CPU partial lists (s->cpu_partial)
 * @param cpuPartialSlabs slabs kept on per-CPU partial lists (s->cpu_partial_slabs)
 */
public record CacheLayout(int objectSize, int size, int align, int inuse, int offset, int redLeftPad, long flags,
                          int order, int objects, int minOrder, int minObjects, int minPartial,
                          int cpuPartial, int cpuPartialSlabs) {

    /** Cache line size on x86-64 (cache_line_size()). */
    public static final int CACHE_LINE_SIZE = 64;
    /** Word size: free pointers and minimum alignment (sizeof(void *)). */
    public static final int WORD = 8;
    /** Bytes of one struct track: addr 8, handle 4, cpu 4, pid 4, pad 4, when 8. */
    public static final int TRACK_SIZE = 32;
    /** Limit of objects per slab: the counters word keeps 15 bits (MAX_OBJS_PER_PAGE). */
    public static final int MAX_OBJS_PER_PAGE = 32767;
    /** Bounds of s->min_partial. */
    public static final int MIN_PARTIAL = 5;
    public static final int MAX_PARTIAL = 10;
    /** Largest slab order the page allocator can satisfy (MAX_PAGE_ORDER). */
    public static final int MAX_PAGE_ORDER = 10;

    /**
     * Tunables of calculate_order() (slub_min_order=, slub_max_order=, slub_min_objects=).
     *
     * @param slubMinOrder   slub_min_order=: the smallest slab order tried
     * @param slubMaxOrder   slub_max_order=: the largest slab order tried
     * @param slubMinObjects slub_min_objects= (0: from the CPU count)
     * @param nrCpus         emulated CPUs, from which the default minimum object count follows
     */
    public record OrderTunables(int slubMinOrder, int slubMaxOrder, int slubMinObjects, int nrCpus) {
        /**
         * Defaults: min order 0, max order PAGE_ALLOC_COSTLY_ORDER (3), min objects from the CPU count.
         *
         * @param nrCpus emulated CPUs (nr_cpu_ids)
         * @return the default tunables
         */
        public static OrderTunables defaults(int nrCpus) {
            return new OrderTunables(0, 3, 0, nrCpus);
        }
    }

    /**
     * Models calculate_sizes(), mm/slub.c, with calculate_alignment() and the order and partial tunables.
     *
     * @param objectSize the object size in bytes (s->object_size)
     * @param alignArg   the requested alignment in bytes (0: the default)
     * @param flags      the cache's SLAB_* flags
     * @param hasCtor    whether the cache has a constructor (then poison cannot overlay the free pointer)
     * @param t          the order tunables
     * @return the cache's layout
     */
    public static CacheLayout calculateSizes(int objectSize, int alignArg, long flags, boolean hasCtor, OrderTunables t) {
        if (objectSize <= 0) {
            throw new IllegalArgumentException("object size must be positive (expected: > 0, got " + objectSize + ")");
        }
        int align = calculateAlignment(flags, alignArg, objectSize);
        int size = alignUp(objectSize, WORD);

        if ((flags & SLAB_POISON) != 0 && (flags & SLAB_TYPESAFE_BY_RCU) == 0 && !hasCtor) {
            flags |= OBJECT_POISON;
        } else {
            flags &= ~OBJECT_POISON;
        }
        // A word of right red zone when the object fills its words exactly.
        if ((flags & SLAB_RED_ZONE) != 0 && size == objectSize) {
            size += WORD;
        }
        int inuse = size;
        int offset;
        if ((flags & SLAB_TYPESAFE_BY_RCU) != 0 || (flags & SLAB_POISON) != 0 || hasCtor
                || ((flags & SLAB_RED_ZONE) != 0 && (objectSize < WORD || debugOrigSize(flags)))) {
            // The object must stay intact while free: the free pointer goes after it.
            offset = size;
            size += WORD;
        } else {
            offset = alignDown(objectSize / 2, WORD);
        }
        if ((flags & SLAB_STORE_USER) != 0) {
            size += 2 * TRACK_SIZE;
            if ((flags & SLAB_KMALLOC) != 0) {
                size += 4;                   // the original kmalloc request size
            }
        }
        int redLeftPad = 0;
        if ((flags & SLAB_RED_ZONE) != 0) {
            size += WORD;
            redLeftPad = alignUp(WORD, align);
            size += redLeftPad;
        }
        size = alignUp(size, align);

        int order = calculateOrder(size, t);
        if (order < 0) {
            throw new IllegalArgumentException("object too large for any slab order (expected: size <= "
                    + ((PAGE_SIZE << MAX_PAGE_ORDER)) + ", got " + size + ")");
        }
        int objects = orderObjects(order, size);
        int minOrder = getOrder(size);
        int minObjects = orderObjects(minOrder, size);

        int minPartial = Math.min(MAX_PARTIAL, Math.max(MIN_PARTIAL, ilog2(size) / 2));
        boolean debug = (flags & SlabFlags.SLAB_DEBUG_FLAGS) != 0;
        int cpuPartial;
        if (debug) {
            cpuPartial = 0;
        } else if (size >= PAGE_SIZE) {
            cpuPartial = 6;
        } else if (size >= 1024) {
            cpuPartial = 24;
        } else if (size >= 256) {
            cpuPartial = 52;
        } else {
            cpuPartial = 120;
        }
        int cpuPartialSlabs = cpuPartial == 0 ? 0 : ceilDiv(cpuPartial * 2, objects);
        return new CacheLayout(objectSize, size, align, inuse, offset, redLeftPad, flags, order, objects,
                minOrder, minObjects, minPartial, cpuPartial, cpuPartialSlabs);
    }

    /** Models slub_debug_orig_size(), mm/slub.c: kmalloc caches with U keep each object's requested size. */
    static boolean debugOrigSize(long flags) {
        return (flags & SLAB_STORE_USER) != 0 && (flags & SLAB_KMALLOC) != 0;
    }

    /**
     * {@return where the kmalloc request size is kept, as an offset from the object (after the two tracks)}
     */
    public int origSizeOffset() {
        return infoEnd() + 2 * TRACK_SIZE;
    }

    /**
     * Models calculate_alignment(), mm/slab_common.c.
     *
     * @param flags the cache's SLAB_* flags (SLAB_HWCACHE_ALIGN widens the alignment)
     * @param align the requested alignment in bytes
     * @param size  the object size in bytes
     * @return the alignment in bytes
     */
    public static int calculateAlignment(long flags, int align, int size) {
        if (align != 0 && Integer.bitCount(align) != 1) {
            throw new IllegalArgumentException("align must be a power of two (expected: 0 or 2^k, got " + align + ")");
        }
        if ((flags & SLAB_HWCACHE_ALIGN) != 0) {
            int ralign = CACHE_LINE_SIZE;
            while (size <= ralign / 2) {
                ralign /= 2;
            }
            align = Math.max(align, ralign);
        }
        align = Math.max(align, WORD);    // ARCH_SLAB_MINALIGN
        return alignUp(align, WORD);
    }

    /**
     * Models calculate_order(), mm/slub.c. Returns -1 when no order fits.
     *
     * @param size the slot size in bytes (s->size)
     * @param t    the order tunables
     * @return the slab order, or -1 when no order fits
     */
    public static int calculateOrder(int size, OrderTunables t) {
        int minObjects = t.slubMinObjects();
        if (minObjects == 0) {
            minObjects = 4 * (fls(t.nrCpus()) + 1);
        }
        int maxObjects = Math.max(orderObjects(t.slubMaxOrder(), size), 1);
        minObjects = Math.min(minObjects, maxObjects);

        int minOrder = Math.max(t.slubMinOrder(), getOrder((long) minObjects * size));
        if (orderObjects(minOrder, size) > MAX_OBJS_PER_PAGE) {
            return getOrder((long) size * MAX_OBJS_PER_PAGE) - 1;
        }
        for (int fraction = 16; fraction > 1; fraction /= 2) {
            int order = calcSlabOrder(size, minOrder, t.slubMaxOrder(), fraction);
            if (order <= t.slubMaxOrder()) {
                return order;
            }
        }
        int order = getOrder(size);
        return order <= MAX_PAGE_ORDER ? order : -1;
    }

    /**
     * Models calc_slab_order(), mm/slub.c: the first order whose leftover is at most 1/fraction.
     *
     * @param size     the slot size in bytes
     * @param minOrder the smallest order to try
     * @param maxOrder the largest order to try
     * @param fraction the leftover allowed: at most 1/fraction of the slab
     * @return the order found, or {@code maxOrder + 1} when none fits
     */
    public static int calcSlabOrder(int size, int minOrder, int maxOrder, int fraction) {
        int order;
        for (order = minOrder; order <= maxOrder; order++) {
            int slabSize = PAGE_SIZE << order;
            int rem = slabSize % size;
            if (rem <= slabSize / fraction) {
                break;
            }
        }
        return order;
    }

    /**
     * Models order_objects(), mm/slub.c.
     *
     * @param order the slab order
     * @param size  the slot size in bytes
     * @return the number of slots in a slab of that order
     */
    public static int orderObjects(int order, int size) {
        return (int) (((long) PAGE_SIZE << order) / size);
    }

    /**
     * Models get_order(), include/asm-generic/getorder.h.
     *
     * @param size a size in bytes
     * @return the smallest order whose block (PAGE_SIZE &lt;&lt; order) holds {@code size}
     */
    public static int getOrder(long size) {
        int order = 0;
        while (((long) PAGE_SIZE << order) < size) {
            order++;
        }
        return order;
    }

    /** {@return the slab size in bytes (PAGE_SIZE &lt;&lt; order)} */
    public int slabSize() {
        return PAGE_SIZE << order;
    }

    /** {@return whether the free pointer lies after the object (freeptr_outside_object())} */
    public boolean freeptrOutsideObject() {
        return offset >= inuse;
    }

    /**
     * Models get_info_end(), mm/slub.c.
     *
     * @return the offset from the object at which tracking data starts
     */
    public int infoEnd() {
        return freeptrOutsideObject() ? inuse + WORD : inuse;
    }

    /**
     * Models size_from_object(), mm/slub.c.
     *
     * @return the slot size measured from the object (without the left red zone)
     */
    public int sizeFromObject() {
        return (flags & SLAB_RED_ZONE) != 0 ? size - redLeftPad : size;
    }

    /**
     * The address of object {@code i} of a slab: fixup_red_left() of the slot's start, mm/slub.c.
     *
     * @param slabAddress the slab's first byte
     * @param i           the object's index, 0 to objects - 1
     * @return the object's address
     */
    public long objectAddress(long slabAddress, int i) {
        return slabAddress + redLeftPad + (long) i * size;
    }

    /**
     * Models obj_to_index() with check_valid_pointer()'s test, mm/slub.c: the index of the object
     * starting at {@code p} in a slab of {@code objects} objects, or -1 if no object starts there.
     *
     * @param slabAddress the slab's first byte
     * @param objects     the slab's object count
     * @param p           an address
     * @return the object's index, or -1
     */
    public int objectIndex(long slabAddress, int objects, long p) {
        long off = p - redLeftPad - slabAddress;
        if (off < 0 || off >= (long) objects * size || off % size != 0) {
            return -1;
        }
        return (int) (off / size);
    }

    /** {@return whether kmalloc() may use this layout as a size class} */
    public boolean isKmalloc() {
        return (flags & SLAB_KMALLOC) != 0;
    }

    static int alignUp(int v, int a) {
        return (v + a - 1) & -a;
    }

    static int alignDown(int v, int a) {
        return v & -a;
    }

    static int fls(int x) {
        return 32 - Integer.numberOfLeadingZeros(x);
    }

    static int ilog2(int x) {
        return 31 - Integer.numberOfLeadingZeros(x);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
