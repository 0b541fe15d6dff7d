package io.mmemu.slub;

/**
 * Allocation and free for debug caches (any of slub_debug's F, Z, P, U), as Linux 6.2+ does
 * them: no per-CPU freelists and no frozen slabs; every object is allocated and freed one at
 * a time under the node's list_lock (alloc_single_from_partial(), alloc_single_from_new_slab(),
 * free_to_partial_list(), mm/slub.c), so that {@link SlubDebug}'s checks see a stable slab.
 * Full slabs are kept on the node's full list so that validation finds them.
 *
 * <p>A failed check takes the slab out of service (all objects marked used) rather than
 * hand out a corrupted object.
 */
final class SlubDebugPaths {
    private SlubDebugPaths() {
    }

    /** Models ___slab_alloc() for debug caches: one object at a time from a partial or new slab, under list_lock. */
    static long slabAllocDebug(KmemCache s, CpuBinding b, int nid, long caller, int origSize) {
        KmemCacheCpu c = s.cpuSlab[b.cpu()];
        s.stat(c, SlubStat.ALLOC_SLOWPATH);
        for (;;) {
            long object = getPartialDebug(s, c, nid, origSize);
            if (object == 0) {
                Slab slab = SlabPages.newSlab(s, c, nid);
                if (slab == null) {
                    SlubReport.slabOutOfMemory(s, nid);
                    return 0;
                }
                s.stat(c, SlubStat.ALLOC_SLAB);
                object = allocSingleFromNewSlab(s, slab, origSize);
                if (object == 0) {
                    continue;
                }
            }
            if ((s.flags & SlabFlags.SLAB_STORE_USER) != 0) {
                SlubDebug.setTrack(s, object, false, caller, b);
            }
            return object;
        }
    }

    private static long getPartialDebug(KmemCache s, KmemCacheCpu c, int nid, int origSize) {
        int search = nid == KmemCache.NUMA_NO_NODE ? s.cpuToNode(c.cpu) : nid;
        for (int i = 0; i < s.node.length; i++) {
            KmemCacheNode n = s.node[(search + i) % s.node.length];
            if (i > 0 && (nid != KmemCache.NUMA_NO_NODE || n.nrPartial <= s.minPartial)) {
                continue;
            }
            n.listLock.lock();
            try {
                Slab slab = n.partialHead;
                while (slab != null) {
                    Slab slab2 = slab.listNext;
                    long object = allocSingleFromPartial(s, n, slab, origSize);
                    if (object != 0) {
                        return object;
                    }
                    slab = slab2;
                }
            } finally {
                n.listLock.unlock();
            }
        }
        return 0;
    }

    /** Models alloc_single_from_partial(), mm/slub.c. Called with n->list_lock held. */
    private static long allocSingleFromPartial(KmemCache s, KmemCacheNode n, Slab slab, int origSize) {
        long fc = slab.lvFc();
        long object = Slab.freelistOf(fc);
        long next = s.checkValidPointer(slab, object, Slab.objectsOf(fc)) ? s.getFreepointer(object) : 0;
        int used = Slab.inuseOf(fc) + 1;
        slab.soFc(Slab.withInuse(Slab.withFreelist(fc, next), used));
        if (!SlubDebug.allocDebugProcessing(s, slab, object, origSize)) {
            if (slab.onNodePartial) {
                n.removePartial(slab);
            }
            return 0;
        }
        if (used == Slab.objectsOf(fc)) {
            n.removePartial(slab);
            n.addFull(slab);
        }
        return object;
    }

    /** Models alloc_single_from_new_slab(), mm/slub.c. */
    private static long allocSingleFromNewSlab(KmemCache s, Slab slab, int origSize) {
        KmemCacheNode n = s.node[slab.nid];
        long fc = slab.lvFc();
        long object = Slab.freelistOf(fc);
        slab.soFc(Slab.withInuse(Slab.withFreelist(fc, s.getFreepointer(object)), 1));
        if (!SlubDebug.allocDebugProcessing(s, slab, object, origSize)) {
            return 0;
        }
        n.listLock.lock();
        try {
            if (Slab.objectsOf(fc) == 1) {
                n.addFull(slab);
            } else {
                n.addPartial(slab, false);
            }
            SlabPages.incSlabsNode(s, slab.nid, Slab.objectsOf(fc));
        } finally {
            n.listLock.unlock();
        }
        return object;
    }

    /** Models free_to_partial_list(), mm/slub.c. */
    static void freeToPartialList(KmemCache s, KmemCacheCpu c, Slab slab, long head, long tail, int cnt, CpuBinding b, long caller) {
        KmemCacheNode n = s.node[slab.nid];
        boolean free = false;
        n.listLock.lock();
        try {
            if (SlubDebug.freeDebugProcessing(s, slab, head, tail, cnt, caller, b)) {
                long fc = slab.lvFc();
                long prior = Slab.freelistOf(fc);
                int used = Slab.inuseOf(fc) - cnt;
                s.setFreepointer(tail, prior);
                slab.soFc(Slab.withInuse(Slab.withFreelist(fc, head), used));
                if (used == 0 && n.nrPartial >= s.minPartial) {
                    free = true;
                }
                if (prior == 0) {
                    n.removeFull(slab);
                    if (!free) {
                        n.addPartial(slab, true);
                        s.stat(c, SlubStat.FREE_ADD_PARTIAL);
                    }
                } else if (free) {
                    n.removePartial(slab);
                    s.stat(c, SlubStat.FREE_REMOVE_PARTIAL);
                }
            }
            if (free) {
                SlabPages.decSlabsNode(s, slab.nid, slab.objects());
            }
        } finally {
            n.listLock.unlock();
        }
        if (free) {
            s.stat(c, SlubStat.FREE_SLAB);
            SlabPages.freeSlab(s, slab);
        }
    }
}
