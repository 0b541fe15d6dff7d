package io.mmemu.slub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One slab: 2^order pages from the page allocator holding objects of one cache
 * ({@code struct slab}, mm/slab.h). The pages themselves live in emulated memory; this
 * object holds the metadata the kernel keeps in {@code struct page}.
 *
 * <p>The slab's freelist and counters change together by one compare-and-exchange of
 * {@link #fc}, as cmpxchg_double on (slab->freelist, slab->counters) does in the kernel.
 * Bit layout of {@code fc}:
 * <pre>
 *   bits 63..32  freelist   physical address of the first free object / 8; 0 = NULL
 *   bit  31      reserved   always 0
 *   bit  30      frozen     the slab is a CPU slab: only its CPU allocates from it
 *   bits 29..15  objects    objects in the slab (at most 32767)
 *   bits 14..0   inuse      objects not on the slab's own freelist
 * </pre>
 * Read it only through {@link #freelistOf}, {@link #inuseOf}, {@link #objectsOf},
 * {@link #frozenOf}; build it only with {@link #pack}.
 *
 * <p>List fields: {@code listPrev/listNext/onNodePartial} belong to the node's
 * {@code list_lock}; {@code next/slabs} (the per-CPU partial chain) to the owning CPU's
 * local lock.
 */
public final class Slab {
    private static final VarHandle FC;

    static {
        try {
            FC = MethodHandles.lookup().findVarHandle(Slab.class, "fc", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final long INUSE_MASK = 0x7fffL;
    private static final int OBJECTS_SHIFT = 15;
    private static final long FROZEN_BIT = 1L << 30;
    private static final int FREELIST_SHIFT = 32;

    final KmemCache slabCache;
    final long address;
    final int order;
    final int nid;
    /** Freelist and counters, packed as documented above. Accessed through FC only. */
    @SuppressWarnings("unused")
    private long fc;

    // struct list_head slab_list, under the node's list_lock.
    Slab listPrev;
    Slab listNext;
    /** On the node partial list (slab_test_node_partial()). */
    boolean onNodePartial;
    /** On the node full list (debug caches only). */
    boolean onFull;
    // Per-CPU partial chain (slab->next, slab->slabs), under the CPU's local lock.
    Slab next;
    int slabs;

    Slab(KmemCache slabCache, long address, int order, int nid) {
        this.slabCache = slabCache;
        this.address = address;
        this.order = order;
        this.nid = nid;
    }

    /** Volatile load of the packed word. */
    long lvFc() {
        return (long) FC.getVolatile(this);
    }

    /** Ordered store of the packed word; only where no other writer can race (list_lock held, or unpublished slab). */
    void soFc(long v) {
        FC.setRelease(this, v);
    }

    /** The slab pair exchange (slab_update_freelist()). */
    boolean casFc(long expect, long update) {
        return FC.compareAndSet(this, expect, update);
    }

    static long pack(long freelist, int inuse, int objects, boolean frozen) {
        return ((freelist >>> 3) << FREELIST_SHIFT) | (frozen ? FROZEN_BIT : 0)
                | ((long) objects << OBJECTS_SHIFT) | inuse;
    }

    static long freelistOf(long fc) {
        return (fc >>> FREELIST_SHIFT) << 3;
    }

    static int inuseOf(long fc) {
        return (int) (fc & INUSE_MASK);
    }

    static int objectsOf(long fc) {
        return (int) ((fc >>> OBJECTS_SHIFT) & INUSE_MASK);
    }

    static boolean frozenOf(long fc) {
        return (fc & FROZEN_BIT) != 0;
    }

    static long withFreelist(long fc, long freelist) {
        return (fc & 0xffffffffL) | ((freelist >>> 3) << FREELIST_SHIFT);
    }

    static long withInuse(long fc, int inuse) {
        return (fc & ~INUSE_MASK) | inuse;
    }

    static long withFrozen(long fc, boolean frozen) {
        return frozen ? fc | FROZEN_BIT : fc & ~FROZEN_BIT;
    }

    /** {@return the cache this slab belongs to (slab->slab_cache)} */
    public KmemCache cache() {
        return slabCache;
    }

    /** {@return the physical address of the first page (slab_address())} */
    public long address() {
        return address;
    }

    /** {@return the slab's order: it spans 2^order pages (slab_order())} */
    public int order() {
        return order;
    }

    /** {@return the NUMA node of the pages (slab_nid())} */
    public int nid() {
        return nid;
    }

    /** {@return the slab's size in bytes (slab_size())} */
    public int slabSize() {
        return PageSource.PAGE_SIZE << order;
    }

    /** {@return the first free object on the slab's own freelist, 0 if none} */
    public long freelist() {
        return freelistOf(lvFc());
    }

    /** {@return the objects in use (slab->inuse): all but those on the slab's own freelist} */
    public int inuse() {
        return inuseOf(lvFc());
    }

    /** {@return the number of object slots (slab->objects)} */
    public int objects() {
        return objectsOf(lvFc());
    }

    /** {@return whether the slab is frozen: a CPU slab, whose freelist only its CPU takes from} */
    public boolean frozen() {
        return frozenOf(lvFc());
    }

    @Override
    public String toString() {
        long v = lvFc();
        return String.format("Slab[0x%x order=%d nid=%d objects=%d inuse=%d frozen=%b freelist=0x%x]",
                address, order, nid, objectsOf(v), inuseOf(v), frozenOf(v), freelistOf(v));
    }
}
