package io.mmemu.slub;

/**
 * Slabs coming from and going back to the page allocator: allocate_slab(), new_slab(),
 * setup_object(), discard_slab(), free_slab() and __free_slab(), mm/slub.c, with the node
 * counters nr_slabs and total_objects they keep.
 *
 * <p>A new slab is 2^order pages (the minimum order if the preferred one is not available,
 * ORDER_FALLBACK) whose objects are chained into its freelist in address order; debug caches
 * poison and red-zone every object and the leftover first. The page map learns the slab
 * before any object is handed out and forgets it before its pages go back. Slabs of
 * SLAB_TYPESAFE_BY_RCU caches wait in the {@link Slub} for a grace period.
 */
final class SlabPages {
    private SlabPages() {
    }

    /** Models allocate_slab() and new_slab(), mm/slub.c. Returns null when the page allocator fails. */
    static Slab newSlab(KmemCache s, KmemCacheCpu c, int nid) {
        int order = s.layout.order();
        int objects = s.layout.objects();
        int want = nid == KmemCache.NUMA_NO_NODE ? s.cpuToNode(c.cpu) : nid;
        long addr = s.slub.pages.allocPages(order, want);
        if (addr == PageSource.NO_PAGE) {
            order = s.layout.minOrder();
            objects = s.layout.minObjects();
            addr = s.slub.pages.allocPages(order, want);
            if (addr == PageSource.NO_PAGE) {
                return null;
            }
            s.stat(c, SlubStat.ORDER_FALLBACK);
        }
        Slab slab = new Slab(s, addr, order, s.slub.pages.pageToNid(addr));
        if ((s.flags & SlabFlags.SLAB_POISON) != 0) {
            s.mem.fill(addr, PageSource.PAGE_SIZE << order, SlabFlags.POISON_INUSE);   // setup_slab_debug()
        }
        long start = addr + s.redLeftPad;                                            // fixup_red_left()
        setupObject(s, start);
        long p = start;
        for (int idx = 0; idx < objects - 1; idx++) {
            long next = p + s.size;
            setupObject(s, next);
            s.setFreepointer(p, next);
            p = next;
        }
        s.setFreepointer(p, 0);
        slab.soFc(Slab.pack(start, 0, objects, false));
        s.slub.pageMap.set(addr, order, slab);
        return slab;
    }

    /** Models setup_object(), mm/slub.c. */
    private static void setupObject(KmemCache s, long object) {
        if (s.debug) {
            SlubDebug.initObject(s, object, SlabFlags.SLUB_RED_INACTIVE);
            SlubDebug.initTracking(s, object);
        }
        if (s.ctor != null) {
            s.ctor.construct(s.mem, object);
        }
    }

    /** Models inc_slabs_node(), mm/slub.c. */
    static void incSlabsNode(KmemCache s, int nid, int objects) {
        s.node[nid].faaSlabs(1, objects);
    }

    /** Models dec_slabs_node(), mm/slub.c. */
    static void decSlabsNode(KmemCache s, int nid, int objects) {
        s.node[nid].faaSlabs(-1, -objects);
    }

    /** Models discard_slab(), mm/slub.c. */
    static void discardSlab(KmemCache s, Slab slab) {
        decSlabsNode(s, slab.nid, slab.objects());
        freeSlab(s, slab);
    }

    /** Models free_slab(), mm/slub.c: checks a debug slab one last time, then frees it (after a grace period for RCU caches). */
    static void freeSlab(KmemCache s, Slab slab) {
        if ((s.flags & SlabFlags.SLAB_CONSISTENCY_CHECKS) != 0) {
            SlubDebug.slabPadCheck(s, slab);
            int objects = slab.objects();
            for (int i = 0; i < objects; i++) {
                SlubDebug.checkObject(s, slab, s.layout.objectAddress(slab.address, i), SlabFlags.SLUB_RED_INACTIVE);
            }
        }
        if ((s.flags & SlabFlags.SLAB_TYPESAFE_BY_RCU) != 0) {
            s.slub.callRcuFreeSlab(slab);
        } else {
            freeSlabPages(s, slab);
        }
    }

    /** Models __free_slab(), mm/slub.c. */
    static void freeSlabPages(KmemCache s, Slab slab) {
        s.slub.pageMap.set(slab.address, slab.order, null);
        s.slub.pages.freePages(slab.address, slab.order);
    }
}
