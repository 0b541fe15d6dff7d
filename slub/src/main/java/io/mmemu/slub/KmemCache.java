package io.mmemu.slub;

import static io.mmemu.slub.SlubSwitches.PAIR_SHIFT;
import static io.mmemu.slub.SlubSwitches.SCHED_POINTS;
import static io.mmemu.slub.SlubSwitches.STATS;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One slab cache ({@code struct kmem_cache}, mm/slub.c) and the SLUB algorithms on it.
 *
 * <h2>What it models</h2>
 * Objects of one size live in slabs (runs of 2^order pages of emulated physical memory).
 * Each free object holds, at {@code offset}, a pointer to the next free object of its
 * freelist (XOR-encoded with CONFIG_SLAB_FREELIST_HARDENED). Every CPU owns a CPU slab and
 * a private freelist taken from it, plus a short list of partial slabs; every node has a
 * list of partial slabs. Debug caches (any of F, Z, P, U) bypass the per-CPU freelists and
 * allocate and free one object at a time under the node's list_lock, as Linux 6.2+ does.
 *
 * <h2>The per-CPU (freelist, tid) pair</h2>
 * {@link #pairs} holds, for CPU {@code c} at index {@code c << PAIR_SHIFT}, one long:
 * <pre>
 *   bits 63..32  freelist  physical address of the first free object / 8; 0 = NULL
 *   bits 31..0   tid       [sequence | BUSY | cpu]:
 *                            bits 0 .. cpuBits-1  the CPU number (init_tid(cpu) = cpu)
 *                            bit  cpuBits         BUSY: the CPU's local lock holds the pair
 *                            bits above           a sequence; next_tid() adds tidStep = 2 &lt;&lt; cpuBits
 * </pre>
 * Objects are 8-byte aligned and physical memory ends below 2^35, so address / 8 fits in
 * 32 bits. The fast paths read tid, read the freelist, compute the new head and install
 * (new head, next_tid(tid)) with one compare-and-exchange of the whole long, expecting
 * (old head, tid). The exchange is ABA-safe because every successful change of a pair also
 * advances its tid: if any operation on that CPU completed in between (an allocation and a
 * free that put the same object back at the head, a refill, a flush), the tid differs and
 * the exchange fails. An exchange begun on another CPU fails too, because this_cpu_cmpxchg
 * acts on the CPU the task is on at that instant, and that CPU's tid carries a different
 * CPU number in its low bits. The guarantee holds until the 32-bit tid wraps, which takes
 * 2^(31 - cpuBits) operations on one CPU while a task sits between its tid read and its
 * exchange (2^28 with 8 CPUs); the kernel's 64-bit tid makes the same argument with more
 * room.
 *
 * <h2>Locks and what they protect</h2>
 * Lock order: CPU local lock ({@link KmemCacheCpu#lock}) → node list_lock
 * ({@link KmemCacheNode#listLock}) → page allocator. No lock is held at a {@link SchedPoint}.
 * <ol>
 *   <li>The local lock protects c->slab and c->partial. To change c->slab or c->freelist the
 *       holder also marks the pair BUSY (freelist NULL, BUSY bit set) and keeps c->freelist
 *       privately until it unlocks, which publishes (freelist, tid + step) with a release
 *       store. A fast allocation that sees BUSY finds NULL and takes the slow path (and the
 *       lock); a fast free that sees BUSY goes to __slab_free(), which needs no CPU state.
 *       So the fast paths need no lock, and nothing can complete an exchange on a BUSY pair.</li>
 *   <li>list_lock protects a node's partial (and, for debug caches, full) list and
 *       nr_partial, and serialises all slab freelist changes of debug caches.</li>
 *   <li>A slab's (freelist, counters) word changes only by compare-and-exchange
 *       (slab_update_freelist()), so remote frees need no lock unless a list changes.</li>
 * </ol>
 *
 * <h2>Frozen slabs</h2>
 * A frozen slab is some CPU's CPU slab: only that CPU allocates from it, frees by others
 * go onto the slab's own freelist without any list work (FREE_FROZEN), and it is on no list.
 * Unfrozen slabs are on the node partial list, a per-CPU partial list, or (full) on none.
 *
 * <h2>Allocation failure</h2>
 * Returns 0, the NULL physical address: the page source never hands out page 0.
 */
public final class KmemCache {
    static final VarHandle PAIR = MethodHandles.arrayElementVarHandle(long[].class);
    static final int NUMA_NO_NODE = -1;
    private static final long TID_MASK = 0xffffffffL;

    final Slub slub;
    final PhysMemory mem;
    final String name;
    final CacheLayout layout;
    final int objectSize;
    final int size;
    final int inuse;
    final int offset;
    final int redLeftPad;
    final long flags;
    final Ctor ctor;
    /** kmem_cache_debug(): any debug flag set. */
    final boolean debug;
    final boolean hardened;
    /** s->random for CONFIG_SLAB_FREELIST_HARDENED. */
    final long random;
    final int minPartial;
    final int cpuPartialSlabs;
    final boolean hasCpuPartial;
    /** Per-CPU (freelist, tid) pairs, CPU c at c << PAIR_SHIFT; layout in the class comment. */
    final long[] pairs;
    final KmemCacheCpu[] cpuSlab;
    final KmemCacheNode[] node;
    final long tidBusy;
    final long tidStep;
    final long tidCpuMask;
    /** Guarded by the Slub's slab_mutex. */
    int refcount = 1;

    KmemCache(Slub slub, String name, CacheLayout layout, Ctor ctor, long random) {
        this.slub = slub;
        this.mem = slub.mem;
        this.name = name;
        this.layout = layout;
        this.objectSize = layout.objectSize();
        this.size = layout.size();
        this.inuse = layout.inuse();
        this.offset = layout.offset();
        this.redLeftPad = layout.redLeftPad();
        this.flags = layout.flags();
        this.ctor = ctor;
        this.debug = (flags & SlabFlags.SLAB_DEBUG_FLAGS) != 0;
        this.hardened = slub.hardened;
        this.random = hardened ? random : 0;
        this.minPartial = layout.minPartial();
        this.cpuPartialSlabs = layout.cpuPartialSlabs();
        this.hasCpuPartial = !debug;
        int nrCpus = slub.nrCpus;
        int cpuBits = nrCpus <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(nrCpus - 1);
        this.tidCpuMask = (1L << cpuBits) - 1;
        this.tidBusy = 1L << cpuBits;
        this.tidStep = 2L << cpuBits;
        this.pairs = new long[((nrCpus - 1) << PAIR_SHIFT) + 1];
        this.cpuSlab = new KmemCacheCpu[nrCpus];
        for (int c = 0; c < nrCpus; c++) {
            cpuSlab[c] = new KmemCacheCpu(c);
            pairs[c << PAIR_SHIFT] = pairOf(0, c);   // init_tid(cpu) = cpu
        }
        this.node = new KmemCacheNode[slub.nrNodes];
        for (int n = 0; n < node.length; n++) {
            node[n] = new KmemCacheNode(n);
        }
    }

    // ---------------------------------------------------------------- pair accessors

    private long lvPair(int idx) {
        return (long) PAIR.getVolatile(pairs, idx);
    }

    private void soPair(int idx, long v) {
        PAIR.setRelease(pairs, idx, v);
    }

    private boolean casPair(int idx, long expect, long update) {
        return PAIR.compareAndSet(pairs, idx, expect, update);
    }

    static long pairOf(long freelist, long tid) {
        return ((freelist >>> 3) << 32) | tid;
    }

    static long freelistOfPair(long pair) {
        return (pair >>> 32) << 3;
    }

    static long tidOfPair(long pair) {
        return pair & TID_MASK;
    }

    /** Models next_tid(), mm/slub.c. */
    long nextTid(long tid) {
        return (tid + tidStep) & TID_MASK;
    }

    /** Models tid_to_cpu(), mm/slub.c. */
    int tidToCpu(long tid) {
        return (int) (tid & tidCpuMask);
    }

    // ---------------------------------------------------------------- free pointers

    /** Models get_freepointer(), mm/slub.c (freelist_ptr_decode() when hardened). */
    long getFreepointer(long object) {
        long ptrAddr = object + offset;
        long v = mem.readLong(ptrAddr);
        return hardened ? v ^ random ^ Long.reverseBytes(ptrAddr) : v;
    }

    /** Models set_freepointer(), mm/slub.c (freelist_ptr_encode() when hardened). */
    void setFreepointer(long object, long fp) {
        long ptrAddr = object + offset;
        mem.writeLong(ptrAddr, hardened ? fp ^ random ^ Long.reverseBytes(ptrAddr) : fp);
    }

    /** The raw stored bytes of a free pointer, as a dump tool would read them. */
    long rawFreepointer(long object) {
        return mem.readLong(object + offset);
    }

    /** Models check_valid_pointer(), mm/slub.c: NULL or the start of an object of the slab. */
    boolean checkValidPointer(Slab slab, long object, int objects) {
        if (object == 0) {
            return true;
        }
        long p = object - redLeftPad;
        return p >= slab.address && p < slab.address + (long) objects * size && (p - slab.address) % size == 0;
    }

    // ---------------------------------------------------------------- stats

    void stat(KmemCacheCpu c, SlubStat item) {
        if (STATS) {
            c.stat[item.ordinal()]++;
        }
    }

    private void stat(int cpu, SlubStat item) {
        if (STATS) {
            cpuSlab[cpu].stat[item.ordinal()]++;
        }
    }

    int cpuToNode(int cpu) {
        return slub.cpuToNode(cpu);
    }

    // ================================================================ allocation fast path

    /**
     * Models slab_alloc_node(), mm/slub.c: the lock-free fast path. Allocates an object,
     * preferring {@code nid} (or any node for -1), and returns its physical address, or 0.
     * {@code origSize} is the size asked for (kmalloc), which debug kmalloc caches red-zone beyond.
     */
    long slabAllocNode(CpuBinding b, int nid, long caller, int origSize) {
        if (debug) {
            return slabAllocDebug(b, nid, caller, origSize);
        }
        final long[] pairs = this.pairs;
        for (;;) {
            int cpu = b.cpu();
            int idx = cpu << PAIR_SHIFT;
            long tid = tidOfPair((long) PAIR.getVolatile(pairs, idx));          // tid = READ_ONCE(c->tid)
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.ALLOC_AFTER_TID, this, b);
            }
            long object = freelistOfPair((long) PAIR.getVolatile(pairs, idx));  // object = c->freelist
            if (object == 0 || (nid != NUMA_NO_NODE && !nodeMatch(cpuSlab[cpu].slab, nid))) {
                return slabAllocSlow(b, nid, caller);
            }
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.ALLOC_AFTER_FREELIST, this, b);
            }
            long next = getFreepointer(object);                                 // get_freepointer_safe()
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.ALLOC_BEFORE_CMPXCHG, this, b);
            }
            int now = b.cpu();                                                  // this_cpu_cmpxchg: the CPU we are on now
            if (PAIR.compareAndSet(pairs, now << PAIR_SHIFT, pairOf(object, tid), pairOf(next, nextTid(tid)))) {
                stat(now, SlubStat.ALLOC_FASTPATH);
                return object;
            }
            noteCmpxchgFailure(now, tid);
        }
    }

    private static boolean nodeMatch(Slab slab, int nid) {
        return slab != null && slab.nid == nid;
    }

    /** Models note_cmpxchg_failure(), mm/slub.c. */
    private void noteCmpxchgFailure(int cpuNow, long tid) {
        if (STATS) {
            long actual = tidOfPair(lvPair(cpuNow << PAIR_SHIFT));
            stat(cpuNow, tidToCpu(actual) != tidToCpu(tid) ? SlubStat.CMPXCHG_DOUBLE_CPU_FAIL : SlubStat.CMPXCHG_DOUBLE_FAIL);
        }
    }

    // ================================================================ free fast path

    /** Models slab_free(), mm/slub.c: frees {@code object} of {@code slab}. */
    void slabFree(Slab slab, long object, CpuBinding b, long caller) {
        if (debug) {
            slabFreeSlow(slab, object, object, 1, b, caller);
            return;
        }
        doSlabFree(slab, object, object, 1, b, caller);
    }

    /**
     * Models do_slab_free(), mm/slub.c: pushes the chain {@code head … tail} of {@code cnt}
     * objects onto the per-CPU freelist if {@code slab} is this CPU's slab, else hands it to
     * __slab_free().
     */
    void doSlabFree(Slab slab, long head, long tail, int cnt, CpuBinding b, long caller) {
        final long[] pairs = this.pairs;
        for (;;) {
            int cpu = b.cpu();
            int idx = cpu << PAIR_SHIFT;
            long tid = tidOfPair((long) PAIR.getVolatile(pairs, idx));          // acquire: c->slab below is at least this new
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.FREE_AFTER_TID, this, b);
            }
            if (slab != cpuSlab[cpu].slab || (tid & tidBusy) != 0) {
                slabFreeSlow(slab, head, tail, cnt, b, caller);
                return;
            }
            long freelist = freelistOfPair((long) PAIR.getVolatile(pairs, idx));
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.FREE_AFTER_FREELIST, this, b);
            }
            if (hardened && freelist == head) {
                SlubDebug.naiveDoubleFree(this, slab, head);
                return;
            }
            setFreepointer(tail, freelist);
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.FREE_BEFORE_CMPXCHG, this, b);
            }
            int now = b.cpu();
            if (PAIR.compareAndSet(pairs, now << PAIR_SHIFT, pairOf(freelist, tid), pairOf(head, nextTid(tid)))) {
                stat(now, SlubStat.FREE_FASTPATH);
                return;
            }
            noteCmpxchgFailure(now, tid);
        }
    }

    // ================================================================ local lock

    /**
     * local_lock_irqsave(&s->cpu_slab->lock) before changing c->slab or c->freelist: takes the
     * lock, then marks the pair BUSY and moves c->freelist into {@link KmemCacheCpu#lockedFreelist}.
     */
    private void lockCpuSlab(KmemCacheCpu c) {
        c.lock.lock();
        int idx = c.cpu << PAIR_SHIFT;
        long old;
        do {
            old = lvPair(idx);
        } while (!casPair(idx, old, pairOf(0, tidOfPair(old) | tidBusy)));
        c.lockedFreelist = freelistOfPair(old);
    }

    /** local_unlock_irqrestore(): publishes (c->freelist, next_tid(tid)) and releases the lock. */
    private void unlockCpuSlab(KmemCacheCpu c) {
        int idx = c.cpu << PAIR_SHIFT;
        long busyTid = tidOfPair(lvPair(idx));
        soPair(idx, pairOf(c.lockedFreelist, nextTid(busyTid & ~tidBusy)));   // release: publishes c->slab and the freelist
        c.lockedFreelist = 0;
        c.lock.unlock();
    }

    // ================================================================ allocation slow path

    /** Enters ___slab_alloc() on the task's current CPU; from here on the task does not migrate. */
    private long slabAllocSlow(CpuBinding b, int nid, long caller) {
        KmemCacheCpu c = cpuSlab[b.cpu()];
        stat(c, SlubStat.ALLOC_SLOWPATH);
        lockCpuSlab(c);
        try {
            return slabAllocLocked(c, nid);
        } finally {
            unlockCpuSlab(c);
        }
    }

    /**
     * Models ___slab_alloc(), mm/slub.c, for non-debug caches. Called with the CPU's local lock
     * held and the pair BUSY for the whole slow path: the kernel drops the lock around the page
     * allocator because that may sleep; this model's page allocator does not.
     */
    private long slabAllocLocked(KmemCacheCpu c, int nid) {
        Slab slab = c.slab;
        if (slab != null) {
            if (nid != NUMA_NO_NODE && slab.nid != nid) {
                stat(c, SlubStat.ALLOC_NODE_MISMATCH);
                long freelist = c.lockedFreelist;                 // deactivate_slab:
                c.slab = null;
                c.lockedFreelist = 0;
                deactivateSlab(c, slab, freelist);
            } else {
                long freelist = c.lockedFreelist;
                if (freelist != 0) {
                    return loadFreelist(c, freelist);
                }
                freelist = getFreelist(slab);
                if (freelist == 0) {
                    c.slab = null;
                    stat(c, SlubStat.DEACTIVATE_BYPASS);
                } else {
                    stat(c, SlubStat.ALLOC_REFILL);
                    return loadFreelist(c, freelist);
                }
            }
        }
        // new_slab: the per-CPU partial list first.
        while (c.partial != null) {
            Slab p = c.partial;
            c.partial = p.next;                                   // slub_set_percpu_partial()
            p.next = null;
            if (nid == NUMA_NO_NODE || p.nid == nid) {
                c.slab = p;
                long freelist = getFreelist(p);
                stat(c, SlubStat.CPU_PARTIAL_ALLOC);
                return loadFreelist(c, freelist);
            }
            putPartials(c, p);
        }
        // new_objects: the node partial lists.
        slab = getPartial(c, nid);
        if (slab != null) {
            long freelist = freezeSlab(slab);
            c.slab = slab;                                        // retry_load_slab: c->slab is NULL here
            return loadFreelist(c, freelist);
        }
        slab = newSlab(c, nid);
        if (slab == null) {
            SlubDebug.slabOutOfMemory(this, nid);
            return 0;
        }
        stat(c, SlubStat.ALLOC_SLAB);
        long fc = slab.lvFc();
        long freelist = Slab.freelistOf(fc);
        // No other reference to the slab yet: muck around with it freely.
        slab.soFc(Slab.pack(0, Slab.objectsOf(fc), Slab.objectsOf(fc), true));
        incSlabsNode(slab.nid, Slab.objectsOf(fc));
        c.slab = slab;
        return loadFreelist(c, freelist);
    }

    /** load_freelist: hands out the first object; the rest becomes c->freelist. */
    private long loadFreelist(KmemCacheCpu c, long freelist) {
        c.lockedFreelist = getFreepointer(freelist);
        return freelist;
    }

    /** Models get_freelist(), mm/slub.c: takes the CPU slab's whole freelist; an empty slab is unfrozen. */
    private long getFreelist(Slab slab) {
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
    private long freezeSlab(Slab slab) {
        for (;;) {
            long old = slab.lvFc();
            long neu = Slab.pack(0, Slab.objectsOf(old), Slab.objectsOf(old), true);
            if (slab.casFc(old, neu)) {
                return Slab.freelistOf(old);
            }
        }
    }

    /** Models get_partial(), mm/slub.c: this node first, then get_any_partial(). */
    private Slab getPartial(KmemCacheCpu c, int nid) {
        int search = nid == NUMA_NO_NODE ? cpuToNode(c.cpu) : nid;
        Slab slab = getPartialNode(c, node[search]);
        if (slab != null || nid != NUMA_NO_NODE) {
            return slab;
        }
        return getAnyPartial(c, search);
    }

    /**
     * Models get_any_partial(), mm/slub.c: other nodes in order, only those with more than
     * min_partial partial slabs. The kernel also skips the search at random
     * (remote_node_defrag_ratio against get_cycles()); this model always searches, to stay
     * deterministic.
     */
    private Slab getAnyPartial(KmemCacheCpu c, int skip) {
        for (int i = 1; i < node.length; i++) {
            KmemCacheNode n = node[(skip + i) % node.length];
            if (n.nrPartial > minPartial) {
                Slab slab = getPartialNode(c, n);
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
    private Slab getPartialNode(KmemCacheCpu c, KmemCacheNode n) {
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
                    stat(c, SlubStat.ALLOC_FROM_PARTIAL);
                    if (cpuPartialSlabs == 0) {
                        break;
                    }
                } else {
                    Slab old = c.partial;
                    slab.slabs = (old == null ? 0 : old.slabs) + 1;
                    slab.next = old;
                    c.partial = slab;
                    stat(c, SlubStat.CPU_PARTIAL_NODE);
                    if (++partialSlabs > cpuPartialSlabs / 2) {
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

    // ================================================================ new and discarded slabs

    /** Models allocate_slab() and new_slab(), mm/slub.c. Returns null when the page allocator fails. */
    Slab newSlab(KmemCacheCpu c, int nid) {
        int order = layout.order();
        int objects = layout.objects();
        int want = nid == NUMA_NO_NODE ? cpuToNode(c.cpu) : nid;
        long addr = slub.pages.allocPages(order, want);
        if (addr == PageSource.NO_PAGE) {
            order = layout.minOrder();
            objects = layout.minObjects();
            addr = slub.pages.allocPages(order, want);
            if (addr == PageSource.NO_PAGE) {
                return null;
            }
            stat(c, SlubStat.ORDER_FALLBACK);
        }
        Slab slab = new Slab(this, addr, order, slub.pages.pageToNid(addr));
        if ((flags & SlabFlags.SLAB_POISON) != 0) {
            mem.fill(addr, PageSource.PAGE_SIZE << order, SlabFlags.POISON_INUSE);   // setup_slab_debug()
        }
        long start = addr + redLeftPad;                                            // fixup_red_left()
        setupObject(start);
        long p = start;
        for (int idx = 0; idx < objects - 1; idx++) {
            long next = p + size;
            setupObject(next);
            setFreepointer(p, next);
            p = next;
        }
        setFreepointer(p, 0);
        slab.soFc(Slab.pack(start, 0, objects, false));
        slub.pageMap.set(addr, order, slab);
        return slab;
    }

    /** Models setup_object(), mm/slub.c. */
    private void setupObject(long object) {
        if (debug) {
            SlubDebug.initObject(this, object, SlabFlags.SLUB_RED_INACTIVE);
            SlubDebug.initTracking(this, object);
        }
        if (ctor != null) {
            ctor.construct(mem, object);
        }
    }

    void incSlabsNode(int nid, int objects) {
        node[nid].faaSlabs(1, objects);
    }

    void decSlabsNode(int nid, int objects) {
        node[nid].faaSlabs(-1, -objects);
    }

    /** Models discard_slab(), mm/slub.c. */
    void discardSlab(Slab slab) {
        decSlabsNode(slab.nid, slab.objects());
        freeSlab(slab);
    }

    /** Models free_slab(), mm/slub.c: checks a debug slab one last time, then frees it (after a grace period for RCU caches). */
    void freeSlab(Slab slab) {
        if ((flags & SlabFlags.SLAB_CONSISTENCY_CHECKS) != 0) {
            SlubDebug.slabPadCheck(this, slab);
            int objects = slab.objects();
            for (int i = 0; i < objects; i++) {
                SlubDebug.checkObject(this, slab, slab.address + redLeftPad + (long) i * size, SlabFlags.SLUB_RED_INACTIVE);
            }
        }
        if ((flags & SlabFlags.SLAB_TYPESAFE_BY_RCU) != 0) {
            slub.callRcuFreeSlab(slab);
        } else {
            freeSlabPages(slab);
        }
    }

    /** Models __free_slab(), mm/slub.c. */
    void freeSlabPages(Slab slab) {
        slub.pageMap.set(slab.address, slab.order, null);
        slub.pages.freePages(slab.address, slab.order);
    }

    // ================================================================ deactivation and partial lists

    /**
     * Models deactivate_slab(), mm/slub.c: unfreezes a former CPU slab, splicing the CPU's
     * leftover freelist onto the slab's own, and puts the slab where it belongs now.
     */
    void deactivateSlab(KmemCacheCpu c, Slab slab, long freelist) {
        KmemCacheNode n = node[slab.nid];
        boolean tail = false;
        if (slab.freelist() != 0) {
            stat(c, SlubStat.DEACTIVATE_REMOTE_FREES);
            tail = true;
        }
        // Stage one: count the CPU freelist and find its tail.
        int freeDelta = 0;
        long freelistTail = 0;
        long iter = freelist;
        int limit = slab.objects();
        while (iter != 0) {
            long nextfree = getFreepointer(iter);
            if (!checkValidPointer(slab, nextfree, limit) || freeDelta >= limit) {
                // freelist_corrupted(): isolate the rest rather than follow a wild pointer.
                SlubDebug.freechainCorrupt(this, slab, iter, nextfree);
                setFreepointer(iter, 0);
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
                setFreepointer(freelistTail, Slab.freelistOf(old));
                neu = Slab.withFreelist(neu, freelist);
            }
        } while (!slab.casFc(old, neu));
        // Stage three: list manipulation.
        if (Slab.inuseOf(neu) == 0 && n.nrPartial >= minPartial) {
            stat(c, SlubStat.DEACTIVATE_EMPTY);
            discardSlab(slab);
            stat(c, SlubStat.FREE_SLAB);
        } else if (Slab.freelistOf(neu) != 0) {
            n.listLock.lock();
            try {
                n.addPartial(slab, tail);
            } finally {
                n.listLock.unlock();
            }
            stat(c, tail ? SlubStat.DEACTIVATE_TO_TAIL : SlubStat.DEACTIVATE_TO_HEAD);
        } else {
            stat(c, SlubStat.DEACTIVATE_FULL);
        }
    }

    /** Models __put_partials(), mm/slub.c: moves a per-CPU partial chain to the node lists, discarding surplus empty slabs. */
    void putPartials(KmemCacheCpu c, Slab partialSlab) {
        KmemCacheNode n = null;
        Slab toDiscard = null;
        try {
            while (partialSlab != null) {
                Slab slab = partialSlab;
                partialSlab = slab.next;
                slab.next = null;
                KmemCacheNode n2 = node[slab.nid];
                if (n != n2) {
                    if (n != null) {
                        n.listLock.unlock();
                    }
                    n = n2;
                    n.listLock.lock();
                }
                if (slab.inuse() == 0 && n.nrPartial >= minPartial) {
                    slab.next = toDiscard;
                    toDiscard = slab;
                } else {
                    n.addPartial(slab, true);
                    stat(c, SlubStat.FREE_ADD_PARTIAL);
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
            stat(c, SlubStat.DEACTIVATE_EMPTY);
            discardSlab(slab);
            stat(c, SlubStat.FREE_SLAB);
        }
    }

    /** Models put_cpu_partial(), mm/slub.c: puts a slab that just stopped being full on this CPU's partial list. */
    private void putCpuPartial(KmemCacheCpu c, Slab slab, boolean drain) {
        Slab toPut = null;
        c.lock.lock();
        try {
            Slab old = c.partial;
            int slabs = 0;
            if (old != null) {
                if (drain && old.slabs >= cpuPartialSlabs) {
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
            putPartials(c, toPut);
            stat(c, SlubStat.CPU_PARTIAL_DRAIN);
        }
    }

    // ================================================================ free slow path

    /**
     * Models __slab_free(), mm/slub.c: frees to the slab's own freelist with the slab pair
     * exchange, and moves the slab between full, per-CPU partial, node partial and discarded.
     */
    void slabFreeSlow(Slab slab, long head, long tail, int cnt, CpuBinding b, long caller) {
        KmemCacheCpu c = cpuSlab[b.cpu()];
        stat(c, SlubStat.FREE_SLOWPATH);
        if (debug) {
            freeToPartialList(c, slab, head, tail, cnt, b, caller);
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
            if (Slab.inuseOf(old) < cnt || (hardened && prior == head)) {
                // The kernel would underflow inuse or BUG_ON(object == fp); the model reports and drops the free.
                SlubDebug.naiveDoubleFree(this, slab, head);
                return;
            }
            setFreepointer(tail, prior);
            newInuse = Slab.inuseOf(old) - cnt;
            wasFrozen = Slab.frozenOf(old);
            neu = Slab.withInuse(Slab.withFreelist(old, head), newInuse);
            if ((newInuse == 0 || prior == 0) && !wasFrozen) {
                if (!hasCpuPartial || prior != 0) {
                    n = node[slab.nid];
                    n.listLock.lock();        // speculatively: keeps list state stable across the exchange
                    onNodePartial = slab.onNodePartial;
                }
            }
            if (SCHED_POINTS && n == null && b.hook != null) {
                b.hook.at(SchedPoint.SLAB_FREE_BEFORE_CMPXCHG, this, b);
            }
            if (slab.casFc(old, neu)) {
                break;
            }
            stat(c, SlubStat.CMPXCHG_DOUBLE_FAIL);
        }
        if (n == null) {
            if (wasFrozen) {
                stat(c, SlubStat.FREE_FROZEN);
            } else if (hasCpuPartial && prior == 0) {
                putCpuPartial(c, slab, true);
                stat(c, SlubStat.CPU_PARTIAL_FREE);
            }
            return;
        }
        boolean discard = false;
        try {
            if (prior != 0 && !onNodePartial) {
                return;                         // on a per-CPU partial list: leave it there
            }
            if (newInuse == 0 && n.nrPartial >= minPartial) {
                if (prior != 0) {
                    n.removePartial(slab);
                    stat(c, SlubStat.FREE_REMOVE_PARTIAL);
                }
                discard = true;
                return;
            }
            if (!hasCpuPartial && prior == 0) {
                n.addPartial(slab, true);
                stat(c, SlubStat.FREE_ADD_PARTIAL);
            }
        } finally {
            n.listLock.unlock();
            if (discard) {
                stat(c, SlubStat.FREE_SLAB);
                discardSlab(slab);
            }
        }
    }

    // ================================================================ debug caches

    /** Models ___slab_alloc() for debug caches: one object at a time from a partial or new slab, under list_lock. */
    private long slabAllocDebug(CpuBinding b, int nid, long caller, int origSize) {
        KmemCacheCpu c = cpuSlab[b.cpu()];
        stat(c, SlubStat.ALLOC_SLOWPATH);
        for (;;) {
            long object = getPartialDebug(c, nid, origSize);
            if (object == 0) {
                Slab slab = newSlab(c, nid);
                if (slab == null) {
                    SlubDebug.slabOutOfMemory(this, nid);
                    return 0;
                }
                stat(c, SlubStat.ALLOC_SLAB);
                object = allocSingleFromNewSlab(slab, origSize);
                if (object == 0) {
                    continue;
                }
            }
            if ((flags & SlabFlags.SLAB_STORE_USER) != 0) {
                SlubDebug.setTrack(this, object, false, caller, b);
            }
            return object;
        }
    }

    private long getPartialDebug(KmemCacheCpu c, int nid, int origSize) {
        int search = nid == NUMA_NO_NODE ? cpuToNode(c.cpu) : nid;
        for (int i = 0; i < node.length; i++) {
            KmemCacheNode n = node[(search + i) % node.length];
            if (i > 0 && (nid != NUMA_NO_NODE || n.nrPartial <= minPartial)) {
                continue;
            }
            n.listLock.lock();
            try {
                Slab slab = n.partialHead;
                while (slab != null) {
                    Slab slab2 = slab.listNext;
                    long object = allocSingleFromPartial(n, slab, origSize);
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
    private long allocSingleFromPartial(KmemCacheNode n, Slab slab, int origSize) {
        long fc = slab.lvFc();
        long object = Slab.freelistOf(fc);
        long next = checkValidPointer(slab, object, Slab.objectsOf(fc)) ? getFreepointer(object) : 0;
        int used = Slab.inuseOf(fc) + 1;
        slab.soFc(Slab.withInuse(Slab.withFreelist(fc, next), used));
        if (!SlubDebug.allocDebugProcessing(this, slab, object, origSize)) {
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
    private long allocSingleFromNewSlab(Slab slab, int origSize) {
        KmemCacheNode n = node[slab.nid];
        long fc = slab.lvFc();
        long object = Slab.freelistOf(fc);
        slab.soFc(Slab.withInuse(Slab.withFreelist(fc, getFreepointer(object)), 1));
        if (!SlubDebug.allocDebugProcessing(this, slab, object, origSize)) {
            return 0;
        }
        n.listLock.lock();
        try {
            if (Slab.objectsOf(fc) == 1) {
                n.addFull(slab);
            } else {
                n.addPartial(slab, false);
            }
            incSlabsNode(slab.nid, Slab.objectsOf(fc));
        } finally {
            n.listLock.unlock();
        }
        return object;
    }

    /** Models free_to_partial_list(), mm/slub.c. */
    private void freeToPartialList(KmemCacheCpu c, Slab slab, long head, long tail, int cnt, CpuBinding b, long caller) {
        KmemCacheNode n = node[slab.nid];
        boolean free = false;
        n.listLock.lock();
        try {
            if (SlubDebug.freeDebugProcessing(this, slab, head, tail, cnt, caller, b)) {
                long fc = slab.lvFc();
                long prior = Slab.freelistOf(fc);
                int used = Slab.inuseOf(fc) - cnt;
                setFreepointer(tail, prior);
                slab.soFc(Slab.withInuse(Slab.withFreelist(fc, head), used));
                if (used == 0 && n.nrPartial >= minPartial) {
                    free = true;
                }
                if (prior == 0) {
                    n.removeFull(slab);
                    if (!free) {
                        n.addPartial(slab, true);
                        stat(c, SlubStat.FREE_ADD_PARTIAL);
                    }
                } else if (free) {
                    n.removePartial(slab);
                    stat(c, SlubStat.FREE_REMOVE_PARTIAL);
                }
            }
            if (free) {
                decSlabsNode(slab.nid, slab.objects());
            }
        } finally {
            n.listLock.unlock();
        }
        if (free) {
            stat(c, SlubStat.FREE_SLAB);
            freeSlab(slab);
        }
    }

    // ================================================================ flushing

    /** Models flush_slab() and put_partials_cpu() (via __flush_cpu_slab()), mm/slub.c: empties one CPU's slab and partial list. */
    public void flushCpuSlab(int cpu) {
        KmemCacheCpu c = cpuSlab[cpu];
        lockCpuSlab(c);
        Slab slab = c.slab;
        long freelist = c.lockedFreelist;
        c.slab = null;
        c.lockedFreelist = 0;
        Slab partial = c.partial;
        c.partial = null;
        unlockCpuSlab(c);
        if (slab != null) {
            deactivateSlab(c, slab, freelist);
            stat(c, SlubStat.CPUSLAB_FLUSH);
        }
        if (partial != null) {
            putPartials(c, partial);
        }
    }

    /** Models flush_all(), mm/slub.c. */
    public void flushAll() {
        for (int cpu = 0; cpu < cpuSlab.length; cpu++) {
            flushCpuSlab(cpu);
        }
    }

    // ================================================================ public surface

    /** Models kmem_cache_alloc(), mm/slub.c. Returns the object's physical address, or 0. */
    public long alloc(CpuBinding b) {
        return slabAllocNode(b, NUMA_NO_NODE, 0, objectSize);
    }

    /** Models kmem_cache_alloc() with the caller's address recorded (_RET_IP_). */
    public long alloc(CpuBinding b, long caller) {
        return slabAllocNode(b, NUMA_NO_NODE, caller, objectSize);
    }

    /**
     * Models kmalloc_trace() (__kmalloc_cache_noprof()), include/linux/slab.h: a kmalloc of
     * {@code size} bytes served by this cache, remembered for the kmalloc red zone.
     */
    public long kmallocTrace(CpuBinding b, int size, long caller) {
        if (size <= 0 || size > objectSize) {
            throw new IllegalArgumentException("size out of range (expected: 1.." + objectSize + ", got " + size + ")");
        }
        return slabAllocNode(b, NUMA_NO_NODE, caller, size);
    }

    /** Models kmem_cache_alloc_node(), mm/slub.c. */
    public long allocNode(CpuBinding b, int nid, long caller) {
        if (nid != NUMA_NO_NODE && (nid < 0 || nid >= node.length)) {
            throw new IllegalArgumentException("node out of range (expected: -1 or 0.." + (node.length - 1) + ", got " + nid + ")");
        }
        return slabAllocNode(b, nid, caller, objectSize);
    }

    /** Models kmem_cache_free(), mm/slub.c. */
    public void free(long object, CpuBinding b) {
        free(object, b, 0);
    }

    /** Models kmem_cache_free() with the caller's address recorded. */
    public void free(long object, CpuBinding b, long caller) {
        if (object == 0) {
            return;
        }
        Slab slab = slub.virtToSlab(object);
        if (slab == null) {
            SlubDebug.freeNonSlab(slub, "kmem_cache_free", object);
            return;
        }
        if (slab.slabCache != this) {        // cache_from_obj()
            SlubDebug.wrongCache(this, slab, object);
            slab.slabCache.slabFree(slab, object, b, caller);
            return;
        }
        slabFree(slab, object, b, caller);
    }

    /** Models validate_slab_cache(), mm/slub.c. Returns the number of errors it reported (kunit count). */
    public int validate() {
        return SlubDebug.validateSlabCache(this);
    }

    public String name() {
        return name;
    }

    /** The cache geometry (object_size, size, offset, order …). */
    public CacheLayout layout() {
        return layout;
    }

    public long flags() {
        return flags;
    }

    /** Whether this cache bypasses the per-CPU freelists for debugging (kmem_cache_debug()). */
    public boolean isDebug() {
        return debug;
    }

    /** SLUB_STATS counter summed over CPUs. */
    public long stat(SlubStat item) {
        long sum = 0;
        for (KmemCacheCpu c : cpuSlab) {
            sum += c.stat[item.ordinal()];
        }
        return sum;
    }

    /** SLUB_STATS counter of one CPU. */
    public long stat(SlubStat item, int cpu) {
        return cpuSlab[cpu].stat[item.ordinal()];
    }

    /** Slabs of this cache on node {@code nid} (node_nr_slabs()). */
    public long nrSlabs(int nid) {
        return node[nid].lvNrSlabs();
    }

    /** Objects in slabs of this cache on node {@code nid} (node_nr_objs()). */
    public long totalObjects(int nid) {
        return node[nid].lvTotalObjects();
    }

    /** Slabs on the partial list of node {@code nid} (n->nr_partial). */
    public int nrPartial(int nid) {
        node[nid].listLock.lock();
        try {
            return node[nid].nrPartial;
        } finally {
            node[nid].listLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "KmemCache[" + name + ", object_size=" + objectSize + ", size=" + size + "]";
    }
}
