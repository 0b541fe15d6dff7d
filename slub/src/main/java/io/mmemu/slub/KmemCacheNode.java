package io.mmemu.slub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-node state of one cache ({@code struct kmem_cache_node}, mm/slub.c): the partial
 * list under {@link #listLock}, and for debug caches the full list.
 *
 * <p>Lock order: a CPU's local lock, then a node's list_lock, then the page allocator.
 * {@code nrSlabs} and {@code totalObjects} are atomics updated without the list lock,
 * as the kernel's atomic_long_t nr_slabs and total_objects.
 */
final class KmemCacheNode {
    private static final VarHandle NR_SLABS;
    private static final VarHandle TOTAL_OBJECTS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NR_SLABS = l.findVarHandle(KmemCacheNode.class, "nrSlabs", long.class);
            TOTAL_OBJECTS = l.findVarHandle(KmemCacheNode.class, "totalObjects", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int nid;
    final ReentrantLock listLock = new ReentrantLock();
    /** Partial list head and tail (n->partial). */
    Slab partialHead;
    Slab partialTail;
    /** n->nr_partial. */
    int nrPartial;
    /** Full list (n->full), kept for debug caches. */
    Slab fullHead;
    Slab fullTail;
    int nrFull;
    /** node_nr_slabs(): slabs of this node. Accessed through NR_SLABS only. */
    @SuppressWarnings("unused")
    private long nrSlabs;
    /** node_nr_objs(): objects in slabs of this node. Accessed through TOTAL_OBJECTS only. */
    @SuppressWarnings("unused")
    private long totalObjects;

    long lvNrSlabs() {
        return (long) NR_SLABS.getVolatile(this);
    }

    long lvTotalObjects() {
        return (long) TOTAL_OBJECTS.getVolatile(this);
    }

    /** atomic_long_add() on nr_slabs and total_objects together (inc_slabs_node()/dec_slabs_node()). */
    void faaSlabs(long slabs, long objects) {
        NR_SLABS.getAndAdd(this, slabs);
        TOTAL_OBJECTS.getAndAdd(this, objects);
    }

    KmemCacheNode(int nid) {
        this.nid = nid;
    }

    /** Models __add_partial(), mm/slub.c. */
    void addPartial(Slab slab, boolean tail) {
        nrPartial++;
        if (tail) {
            slab.listPrev = partialTail;
            slab.listNext = null;
            if (partialTail != null) partialTail.listNext = slab; else partialHead = slab;
            partialTail = slab;
        } else {
            slab.listNext = partialHead;
            slab.listPrev = null;
            if (partialHead != null) partialHead.listPrev = slab; else partialTail = slab;
            partialHead = slab;
        }
        slab.onNodePartial = true;
    }

    /** Models remove_partial(), mm/slub.c. */
    void removePartial(Slab slab) {
        if (slab.listPrev != null) slab.listPrev.listNext = slab.listNext; else partialHead = slab.listNext;
        if (slab.listNext != null) slab.listNext.listPrev = slab.listPrev; else partialTail = slab.listPrev;
        slab.listPrev = slab.listNext = null;
        slab.onNodePartial = false;
        nrPartial--;
    }

    /** Models add_full(), mm/slub.c. */
    void addFull(Slab slab) {
        slab.listPrev = fullTail;
        slab.listNext = null;
        if (fullTail != null) fullTail.listNext = slab; else fullHead = slab;
        fullTail = slab;
        slab.onFull = true;
        nrFull++;
    }

    /** Models remove_full(), mm/slub.c. */
    void removeFull(Slab slab) {
        if (!slab.onFull) {
            return;
        }
        if (slab.listPrev != null) slab.listPrev.listNext = slab.listNext; else fullHead = slab.listNext;
        if (slab.listNext != null) slab.listNext.listPrev = slab.listPrev; else fullTail = slab.listPrev;
        slab.listPrev = slab.listNext = null;
        slab.onFull = false;
        nrFull--;
    }
}
