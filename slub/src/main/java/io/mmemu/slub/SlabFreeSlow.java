package io.mmemu.slub;

import static io.mmemu.slub.SlubSwitches.SCHED_POINTS;

/**
 * The free slow path: __slab_free(), put_cpu_partial() and __put_partials(), mm/slub.c.
 *
 * <p>{@link KmemCache#doSlabFree} comes here when the object's slab is not this CPU's slab
 * (or the pair is BUSY). The object goes onto the slab's own freelist with the slab pair
 * exchange ({@link Slab#casFc}), so a remote free needs no lock unless the slab must change
 * lists. What the exchange saw decides where the slab goes:
 * <ul>
 *   <li>frozen (some CPU's slab): nothing more (FREE_FROZEN);</li>
 *   <li>was full: onto this CPU's partial list (put_cpu_partial(); CPU_PARTIAL_FREE), which,
 *       once it holds cpu_partial_slabs slabs, is drained to the node lists first
 *       (__put_partials(); CPU_PARTIAL_DRAIN);</li>
 *   <li>now empty and the node already has min_partial partial slabs: discarded (FREE_SLAB).</li>
 * </ul>
 * When the list may change, the node's list_lock is taken before the exchange, so that the
 * list state read with it stays true. Debug caches free under list_lock instead
 * ({@link SlubDebugPaths#freeToPartialList}).
 */
final class SlabFreeSlow {
    private SlabFreeSlow() {
    }

    /**
     * Models __slab_free(), mm/slub.c: frees to the slab's own freelist with the slab pair
     * exchange, and moves the slab between full, per-CPU partial, node partial and discarded.
     */
    static void slabFreeSlow(KmemCache s, Slab slab, long head, long tail, int cnt, CpuBinding b, long caller) {
        KmemCacheCpu c = s.cpuSlab[b.cpu()];
        s.stat(c, SlubStat.FREE_SLOWPATH);
        if (s.debug) {
            SlubDebugPaths.freeToPartialList(s, c, slab, head, tail, cnt, b, caller);
            return;
        }
        KmemCacheNode n = null;
        boolean onNodePartial = false;
        long old;
        long neu;
        long prior;
        boolean wasFrozen;
        int newInuse;
        for (;;) {
            if (n != null) {
                n.listLock.unlock();
                n = null;
            }
            old = slab.lvFc();
            prior = Slab.freelistOf(old);
            if (Slab.inuseOf(old) < cnt || (s.hardened && prior == head)) {
                // The kernel would underflow inuse or BUG_ON(object == fp); the model reports and drops the free.
                SlubReport.naiveDoubleFree(s, slab, head);
                return;
            }
            s.setFreepointer(tail, prior);
            newInuse = Slab.inuseOf(old) - cnt;
            wasFrozen = Slab.frozenOf(old);
            neu = Slab.withInuse(Slab.withFreelist(old, head), newInuse);
            if ((newInuse == 0 || prior == 0) && !wasFrozen) {
                if (!s.hasCpuPartial || prior != 0) {
                    n = s.node[slab.nid];
                    n.listLock.lock();        // speculatively: keeps list state stable across the exchange
                    onNodePartial = slab.onNodePartial;
                }
            }
            if (SCHED_POINTS && n == null && b.hook != null) {
                b.hook.at(SchedPoint.SLAB_FREE_BEFORE_CMPXCHG, s, b);
            }
            if (slab.casFc(old, neu)) {
                break;
            }
            s.stat(c, SlubStat.CMPXCHG_DOUBLE_FAIL);
        }
        if (n == null) {
            if (wasFrozen) {
                s.stat(c, SlubStat.FREE_FROZEN);
            } else if (s.hasCpuPartial && prior == 0) {
                putCpuPartial(s, c, slab, true);
                s.stat(c, SlubStat.CPU_PARTIAL_FREE);
            }
            return;
        }
        boolean discard = false;
        try {
            if (prior != 0 && !onNodePartial) {
                return;                         // on a per-CPU partial list: leave it there
            }
            if (newInuse == 0 && n.nrPartial >= s.minPartial) {
                if (prior != 0) {
                    n.removePartial(slab);
                    s.stat(c, SlubStat.FREE_REMOVE_PARTIAL);
                }
                discard = true;
                return;
            }
            if (!s.hasCpuPartial && prior == 0) {
                n.addPartial(slab, true);
                s.stat(c, SlubStat.FREE_ADD_PARTIAL);
            }
        } finally {
            n.listLock.unlock();
            if (discard) {
                s.stat(c, SlubStat.FREE_SLAB);
                SlabPages.discardSlab(s, slab);
            }
        }
    }

    /** Models __put_partials(), mm/slub.c: moves a per-CPU partial chain to the node lists, discarding surplus empty slabs. */
    static void putPartials(KmemCache s, KmemCacheCpu c, Slab partialSlab) {
        KmemCacheNode n = null;
        Slab toDiscard = null;
        try {
            while (partialSlab != null) {
                Slab slab = partialSlab;
                partialSlab = slab.next;
                slab.next = null;
                KmemCacheNode n2 = s.node[slab.nid];
                if (n != n2) {
                    if (n != null) {
                        n.listLock.unlock();
                    }
                    n = n2;
                    n.listLock.lock();
                }
                if (slab.inuse() == 0 && n.nrPartial >= s.minPartial) {
                    slab.next = toDiscard;
                    toDiscard = slab;
                } else {
                    n.addPartial(slab, true);
                    s.stat(c, SlubStat.FREE_ADD_PARTIAL);
                }
            }
        } finally {
            if (n != null) {
                n.listLock.unlock();
            }
        }
        while (toDiscard != null) {
            Slab slab = toDiscard;
            toDiscard = slab.next;
            slab.next = null;
            s.stat(c, SlubStat.DEACTIVATE_EMPTY);
            SlabPages.discardSlab(s, slab);
            s.stat(c, SlubStat.FREE_SLAB);
        }
    }

    /** Models put_cpu_partial(), mm/slub.c: puts a slab that just stopped being full on this CPU's partial list. */
    private static void putCpuPartial(KmemCache s, KmemCacheCpu c, Slab slab, boolean drain) {
        Slab toPut = null;
        c.lock.lock();
        try {
            Slab old = c.partial;
            int slabs = 0;
            if (old != null) {
                if (drain && old.slabs >= s.cpuPartialSlabs) {
                    toPut = old;       // full: move the existing set to the node, outside the lock
                    old = null;
                } else {
                    slabs = old.slabs;
                }
            }
            slab.slabs = slabs + 1;
            slab.next = old;
            c.partial = slab;
        } finally {
            c.lock.unlock();
        }
        if (toPut != null) {
            putPartials(s, c, toPut);
            s.stat(c, SlubStat.CPU_PARTIAL_DRAIN);
        }
    }
}
