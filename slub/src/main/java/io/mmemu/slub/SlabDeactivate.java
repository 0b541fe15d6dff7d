package io.mmemu.slub;

/**
 * Giving a CPU slab back: deactivate_slab(), flush_slab() and flush_all(), mm/slub.c.
 *
 * <p>A CPU slab stops being one when the CPU needs a slab on another node, when its CPU is
 * flushed (cache validation, shrinking, destruction), or when a test forces it. The CPU's
 * leftover freelist is spliced onto the head of the slab's own freelist while the slab is
 * unfrozen, in one slab pair exchange, and the slab then goes where its counts say: the
 * node partial list (to the tail if other CPUs had freed into it), nowhere if full, or back
 * to the page allocator if empty and the node has min_partial partial slabs already. A wild
 * pointer on the CPU freelist is reported and the chain cut there (freelist_corrupted()).
 */
final class SlabDeactivate {
    private SlabDeactivate() {
    }

    /**
     * Models deactivate_slab(), mm/slub.c: unfreezes a former CPU slab, splicing the CPU's
     * leftover freelist onto the slab's own, and puts the slab where it belongs now.
     */
    static void deactivateSlab(KmemCache s, KmemCacheCpu c, Slab slab, long freelist) {
        KmemCacheNode n = s.node[slab.nid];
        boolean tail = false;
        if (slab.freelist() != 0) {
            s.stat(c, SlubStat.DEACTIVATE_REMOTE_FREES);
            tail = true;
        }
        // Stage one: count the CPU freelist and find its tail.
        int freeDelta = 0;
        long freelistTail = 0;
        long iter = freelist;
        int limit = slab.objects();
        while (iter != 0) {
            long nextfree = s.getFreepointer(iter);
            if (!s.checkValidPointer(slab, nextfree, limit) || freeDelta >= limit) {
                // freelist_corrupted(): isolate the rest rather than follow a wild pointer.
                SlubReport.freechainCorrupt(s, slab, iter, nextfree);
                s.setFreepointer(iter, 0);
                freelistTail = iter;
                freeDelta++;
                break;
            }
            freelistTail = iter;
            freeDelta++;
            iter = nextfree;
        }
        // Stage two: unfreeze while splicing the CPU freelist to the head of the slab's.
        long old;
        long neu;
        do {
            old = slab.lvFc();
            neu = Slab.withFrozen(old, false);
            if (freelistTail != 0) {
                neu = Slab.withInuse(neu, Slab.inuseOf(old) - freeDelta);
                s.setFreepointer(freelistTail, Slab.freelistOf(old));
                neu = Slab.withFreelist(neu, freelist);
            }
        } while (!slab.casFc(old, neu));
        // Stage three: list manipulation.
        if (Slab.inuseOf(neu) == 0 && n.nrPartial >= s.minPartial) {
            s.stat(c, SlubStat.DEACTIVATE_EMPTY);
            SlabPages.discardSlab(s, slab);
            s.stat(c, SlubStat.FREE_SLAB);
        } else if (Slab.freelistOf(neu) != 0) {
            n.listLock.lock();
            try {
                n.addPartial(slab, tail);
            } finally {
                n.listLock.unlock();
            }
            s.stat(c, tail ? SlubStat.DEACTIVATE_TO_TAIL : SlubStat.DEACTIVATE_TO_HEAD);
        } else {
            s.stat(c, SlubStat.DEACTIVATE_FULL);
        }
    }

    /** Models flush_slab() and put_partials_cpu() (via __flush_cpu_slab()), mm/slub.c: empties one CPU's slab and partial list. */
    static void flushCpuSlab(KmemCache s, int cpu) {
        KmemCacheCpu c = s.cpuSlab[cpu];
        s.lockCpuSlab(c);
        Slab slab = c.slab;
        long freelist = c.lockedFreelist;
        c.slab = null;
        c.lockedFreelist = 0;
        Slab partial = c.partial;
        c.partial = null;
        s.unlockCpuSlab(c);
        if (slab != null) {
            deactivateSlab(s, c, slab, freelist);
            s.stat(c, SlubStat.CPUSLAB_FLUSH);
        }
        if (partial != null) {
            SlabFreeSlow.putPartials(s, c, partial);
        }
    }

    /** Models flush_all(), mm/slub.c. */
    static void flushAll(KmemCache s) {
        for (int cpu = 0; cpu < s.cpuSlab.length; cpu++) {
            flushCpuSlab(s, cpu);
        }
    }
}
