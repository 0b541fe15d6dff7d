package io.mmemu.slub;

/**
 * The allocation slow path of a non-debug cache: ___slab_alloc() and what it calls, mm/slub.c.
 *
 * <p>{@link KmemCache#slabAllocNode} comes here when the CPU's freelist is empty (or the
 * pair is BUSY, or the CPU slab is on the wrong node). The task takes its CPU's local lock
 * ({@link KmemCache#lockCpuSlab}), which marks the pair BUSY, and keeps it for the whole slow
 * path; the order in which a new CPU freelist is found is the kernel's:
 * <ol>
 *   <li>the CPU slab's own freelist, holding the objects other CPUs freed into it
 *       (get_freelist(); ALLOC_REFILL), or the CPU slab is dropped as full;</li>
 *   <li>a slab from the per-CPU partial list (CPU_PARTIAL_ALLOC);</li>
 *   <li>a slab from the node partial list, this node first and then any other with more than
 *       min_partial slabs, taking up to half of cpu_partial_slabs more onto the per-CPU list
 *       (get_partial(); ALLOC_FROM_PARTIAL, CPU_PARTIAL_NODE);</li>
 *   <li>a new slab from the page allocator ({@link SlabPages#newSlab}; ALLOC_SLAB).</li>
 * </ol>
 * The first object is handed out and the rest becomes c->freelist, published by the unlock.
 * Lock order: the CPU's local lock, then a node's list_lock, then the page allocator.
 */
final class SlabAllocSlow {
    private SlabAllocSlow() {
    }

    /** Enters ___slab_alloc() on the task's current CPU; from here on the task does not migrate. */
    static long slabAllocSlow(KmemCache s, CpuBinding b, int nid, long caller) {
        KmemCacheCpu c = s.cpuSlab[b.cpu()];
        s.stat(c, SlubStat.ALLOC_SLOWPATH);
        s.lockCpuSlab(c);
        try {
            return slabAllocLocked(s, c, nid);
        } finally {
            s.unlockCpuSlab(c);
        }
    }

    /**
     * Models ___slab_alloc(), mm/slub.c, for non-debug caches. Called with the CPU's local lock
     * held and the pair BUSY for the whole slow path: the kernel drops the lock around the page
     * allocator because that may sleep; this model's page allocator does not.
     */
    private static long slabAllocLocked(KmemCache s, KmemCacheCpu c, int nid) {
        Slab slab = c.slab;
        if (slab != null) {
            if (nid != KmemCache.NUMA_NO_NODE && slab.nid != nid) {
                s.stat(c, SlubStat.ALLOC_NODE_MISMATCH);
                long freelist = c.lockedFreelist;                 // deactivate_slab:
                c.slab = null;
                c.lockedFreelist = 0;
                SlabDeactivate.deactivateSlab(s, c, slab, freelist);
            } else {
                long freelist = c.lockedFreelist;
                if (freelist != 0) {
                    return loadFreelist(s, c, freelist);
                }
                freelist = getFreelist(s, slab);
                if (freelist == 0) {
                    c.slab = null;
                    s.stat(c, SlubStat.DEACTIVATE_BYPASS);
                } else {
                    s.stat(c, SlubStat.ALLOC_REFILL);
                    return loadFreelist(s, c, freelist);
                }
            }
        }
        // new_slab: the per-CPU partial list first.
        while (c.partial != null) {
            Slab p = c.partial;
            c.partial = p.next;                                   // slub_set_percpu_partial()
            p.next = null;
            if (nid == KmemCache.NUMA_NO_NODE || p.nid == nid) {
                c.slab = p;
                long freelist = getFreelist(s, p);
                s.stat(c, SlubStat.CPU_PARTIAL_ALLOC);
                return loadFreelist(s, c, freelist);
            }
            SlabFreeSlow.putPartials(s, c, p);
        }
        // new_objects: the node partial lists.
        slab = getPartial(s, c, nid);
        if (slab != null) {
            long freelist = freezeSlab(s, slab);
            c.slab = slab;                                        // retry_load_slab: c->slab is NULL here
            return loadFreelist(s, c, freelist);
        }
        slab = SlabPages.newSlab(s, c, nid);
        if (slab == null) {
            SlubReport.slabOutOfMemory(s, nid);
            return 0;
        }
        s.stat(c, SlubStat.ALLOC_SLAB);
        long fc = slab.lvFc();
        long freelist = Slab.freelistOf(fc);
        // No other reference to the slab yet: muck around with it freely.
        slab.soFc(Slab.pack(0, Slab.objectsOf(fc), Slab.objectsOf(fc), true));
        SlabPages.incSlabsNode(s, slab.nid, Slab.objectsOf(fc));
        c.slab = slab;
        return loadFreelist(s, c, freelist);
    }

    /** load_freelist: hands out the first object; the rest becomes c->freelist. */
    private static long loadFreelist(KmemCache s, KmemCacheCpu c, long freelist) {
        c.lockedFreelist = s.getFreepointer(freelist);
        return freelist;
    }

    /** Models get_freelist(), mm/slub.c: takes the CPU slab's whole freelist; an empty slab is unfrozen. */
    private static long getFreelist(KmemCache s, Slab slab) {
        for (;;) {
            long old = slab.lvFc();
            long freelist = Slab.freelistOf(old);
            long neu = Slab.pack(0, Slab.objectsOf(old), Slab.objectsOf(old), freelist != 0);
            if (slab.casFc(old, neu)) {
                return freelist;
            }
        }
    }

    /** Models freeze_slab(), mm/slub.c. */
    private static long freezeSlab(KmemCache s, Slab slab) {
        for (;;) {
            long old = slab.lvFc();
            long neu = Slab.pack(0, Slab.objectsOf(old), Slab.objectsOf(old), true);
            if (slab.casFc(old, neu)) {
                return Slab.freelistOf(old);
            }
        }
    }

    /** Models get_partial(), mm/slub.c: this node first, then get_any_partial(). */
    private static Slab getPartial(KmemCache s, KmemCacheCpu c, int nid) {
        int search = nid == KmemCache.NUMA_NO_NODE ? s.cpuToNode(c.cpu) : nid;
        Slab slab = getPartialNode(s, c, s.node[search]);
        if (slab != null || nid != KmemCache.NUMA_NO_NODE) {
            return slab;
        }
        return getAnyPartial(s, c, search);
    }

    /**
     * Models get_any_partial(), mm/slub.c: other nodes in order, only those with more than
     * min_partial partial slabs. The kernel also skips the search at random
     * (remote_node_defrag_ratio against get_cycles()); this model always searches, to stay
     * deterministic.
     */
    private static Slab getAnyPartial(KmemCache s, KmemCacheCpu c, int skip) {
        for (int i = 1; i < s.node.length; i++) {
            KmemCacheNode n = s.node[(skip + i) % s.node.length];
            if (n.nrPartial > s.minPartial) {
                Slab slab = getPartialNode(s, c, n);
                if (slab != null) {
                    return slab;
                }
            }
        }
        return null;
    }

    /**
     * Models get_partial_node(), mm/slub.c: takes the first partial slab for the CPU and moves
     * up to half of cpu_partial_slabs more onto the per-CPU partial list (put_cpu_partial()
     * without drain; the caller already holds the local lock).
     */
    private static Slab getPartialNode(KmemCache s, KmemCacheCpu c, KmemCacheNode n) {
        if (n.nrPartial == 0) {
            return null;
        }
        Slab partial = null;
        int partialSlabs = 0;
        n.listLock.lock();
        try {
            Slab slab = n.partialHead;
            while (slab != null) {
                Slab slab2 = slab.listNext;
                n.removePartial(slab);
                if (partial == null) {
                    partial = slab;
                    s.stat(c, SlubStat.ALLOC_FROM_PARTIAL);
                    if (s.cpuPartialSlabs == 0) {
                        break;
                    }
                } else {
                    Slab old = c.partial;
                    slab.slabs = (old == null ? 0 : old.slabs) + 1;
                    slab.next = old;
                    c.partial = slab;
                    s.stat(c, SlubStat.CPU_PARTIAL_NODE);
                    if (++partialSlabs > s.cpuPartialSlabs / 2) {
                        break;
                    }
                }
                slab = slab2;
            }
        } finally {
            n.listLock.unlock();
        }
        return partial;
    }
}
