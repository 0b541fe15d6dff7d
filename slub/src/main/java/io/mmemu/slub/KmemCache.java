package io.mmemu.slub;

import static io.mmemu.slub.SlubSwitches.PAIR_SHIFT;
import static io.mmemu.slub.SlubSwitches.SCHED_POINTS;
import static io.mmemu.slub.SlubSwitches.STATS;

import io.mmemu.trace.Tracer;
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
 *
 * <h2>Where the code lives</h2>
 * This class holds the cache's fields, the pair and its local lock, free pointers, and the
 * two lock-free fast paths, {@link #slabAllocNode} (slab_alloc_node()) and
 * {@link #doSlabFree} (do_slab_free()), which read on their own. Everything else is in
 * static functions over a cache, split as mm/slub.c's own sections are:
 * {@link SlabAllocSlow} (___slab_alloc(), get_partial()), {@link SlabFreeSlow} (__slab_free(),
 * the per-CPU partial list), {@link SlabDeactivate} (deactivate_slab(), flushing),
 * {@link SlabPages} (new and discarded slabs), {@link SlubDebugPaths} (allocation and free of
 * debug caches) and {@link SlubDebug} (the checks and reports of slub_debug).
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

    /**
     * The fast paths' read of a pair: tid and freelist in one load, with acquire. Acquire is
     * all the exchange needs: the read must see what the lock holder published with its
     * release store (c->slab, the freelist's objects), and needs no order against other
     * variables, because the compare-and-exchange checks the whole (freelist, tid) word again.
     * One read for both halves is the interleaving of the kernel's two reads (c->tid, then
     * c->freelist) in which nothing runs between them; with a {@link SchedHook} installed the
     * fast paths read again after the scheduling point, so the hook still sees the two reads.
     */
    private static long lvPairFast(long[] pairs, int idx) {
        return (long) PAIR.getAcquire(pairs, idx);
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
        return object == 0 || layout.objectIndex(slab.address, objects, object) >= 0;
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
            return SlubDebugPaths.slabAllocDebug(this, b, nid, caller, origSize);
        }
        final long[] pairs = this.pairs;
        for (;;) {
            int cpu = b.cpu();
            int idx = cpu << PAIR_SHIFT;
            long pair = lvPairFast(pairs, idx);                                 // tid = READ_ONCE(c->tid)
            long tid = tidOfPair(pair);
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.ALLOC_AFTER_TID, this, b);
                pair = lvPairFast(pairs, idx);                                  // c->freelist, read after the preemption point
            }
            long object = freelistOfPair(pair);                                 // object = c->freelist
            if (object == 0 || (nid != NUMA_NO_NODE && !nodeMatch(cpuSlab[cpu].slab, nid))) {
                return SlabAllocSlow.slabAllocSlow(this, b, nid, caller);
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
            SlabFreeSlow.slabFreeSlow(this, slab, object, object, 1, b, caller);
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
            long pair = lvPairFast(pairs, idx);                                 // acquire: c->slab below is at least this new
            long tid = tidOfPair(pair);
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.FREE_AFTER_TID, this, b);
            }
            if (slab != cpuSlab[cpu].slab || (tid & tidBusy) != 0) {
                SlabFreeSlow.slabFreeSlow(this, slab, head, tail, cnt, b, caller);
                return;
            }
            if (SCHED_POINTS && b.hook != null) {
                pair = lvPairFast(pairs, idx);                                  // c->freelist, read after the preemption point
            }
            long freelist = freelistOfPair(pair);
            if (SCHED_POINTS && b.hook != null) {
                b.hook.at(SchedPoint.FREE_AFTER_FREELIST, this, b);
            }
            if (hardened && freelist == head) {
                SlubReport.naiveDoubleFree(this, slab, head);
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
    void lockCpuSlab(KmemCacheCpu c) {
        c.lock.lock();
        int idx = c.cpu << PAIR_SHIFT;
        long old;
        do {
            old = lvPair(idx);
        } while (!casPair(idx, old, pairOf(0, tidOfPair(old) | tidBusy)));
        c.lockedFreelist = freelistOfPair(old);
    }

    /** local_unlock_irqrestore(): publishes (c->freelist, next_tid(tid)) and releases the lock. */
    void unlockCpuSlab(KmemCacheCpu c) {
        int idx = c.cpu << PAIR_SHIFT;
        long busyTid = tidOfPair(lvPair(idx));
        soPair(idx, pairOf(c.lockedFreelist, nextTid(busyTid & ~tidBusy)));   // release: publishes c->slab and the freelist
        c.lockedFreelist = 0;
        c.lock.unlock();
    }

    // ================================================================ flushing

    /**
     * Models flush_slab() and put_partials_cpu() (via __flush_cpu_slab()), mm/slub.c: empties one CPU's slab and partial list.
     *
     * @param cpu the CPU whose slab and partial list are flushed
     */
    public void flushCpuSlab(int cpu) {
        SlabDeactivate.flushCpuSlab(this, cpu);
    }

    /** Models flush_all(), mm/slub.c. */
    public void flushAll() {
        SlabDeactivate.flushAll(this);
    }

    // ================================================================ public surface

    /**
     * Models kmem_cache_alloc(), mm/slub.c. Returns the object's physical address, or 0.
     *
     * @param b the task and CPU allocating
     * @return the object's physical address, or 0 on failure
     */
    public long alloc(CpuBinding b) {
        return alloc(b, 0);
    }

    /**
     * Models kmem_cache_alloc() with the caller's address recorded (_RET_IP_).
     *
     * @param b      the task and CPU allocating
     * @param caller the caller's address, recorded by debug tracking
     * @return the object's physical address, or 0 on failure
     */
    public long alloc(CpuBinding b, long caller) {
        if (slub.tracer.on(Tracer.SLAB)) return tracedAlloc(b, NUMA_NO_NODE, caller, objectSize);
        return slabAllocNode(b, NUMA_NO_NODE, caller, objectSize);
    }

    /** An allocation with its event: fast or slow path and cmpxchg failures, read from the counters around it. */
    private long tracedAlloc(CpuBinding b, int nid, long caller, int size) {
        long fast = stat(SlubStat.ALLOC_FASTPATH);
        long fails = cmpxchgFailures();
        long object = slabAllocNode(b, nid, caller, size);
        slub.tracer.slab(name, object, true, stat(SlubStat.ALLOC_FASTPATH) != fast, (int) (cmpxchgFailures() - fails));
        return object;
    }

    /** cmpxchg-double failures on every CPU so far, for the trace of one operation (its difference). */
    private long cmpxchgFailures() {
        return stat(SlubStat.CMPXCHG_DOUBLE_FAIL) + stat(SlubStat.CMPXCHG_DOUBLE_CPU_FAIL);
    }

    /**
     * Models kmalloc_trace() (__kmalloc_cache_noprof()), include/linux/slab.h: a kmalloc of
     * {@code size} bytes served by this cache, remembered for the kmalloc red zone.
     *
     * @param b      the task and CPU allocating
     * @param size   the kmalloc request size in bytes, at most the object size
     * @param caller the caller's address, recorded by debug tracking
     * @return the object's physical address, or 0 on failure
     */
    public long kmallocTrace(CpuBinding b, int size, long caller) {
        if (size <= 0 || size > objectSize) {
            throw new IllegalArgumentException("size out of range (expected: 1.." + objectSize + ", got " + size + ")");
        }
        if (slub.tracer.on(Tracer.SLAB)) return tracedAlloc(b, NUMA_NO_NODE, caller, size);
        return slabAllocNode(b, NUMA_NO_NODE, caller, size);
    }

    /**
     * Models kmem_cache_alloc_node(), mm/slub.c.
     *
     * @param b      the task and CPU allocating
     * @param nid    the NUMA node to allocate from, or -1 (NUMA_NO_NODE) for any
     * @param caller the caller's address, recorded by debug tracking
     * @return the object's physical address, or 0 on failure
     */
    public long allocNode(CpuBinding b, int nid, long caller) {
        if (nid != NUMA_NO_NODE && (nid < 0 || nid >= node.length)) {
            throw new IllegalArgumentException("node out of range (expected: -1 or 0.." + (node.length - 1) + ", got " + nid + ")");
        }
        if (slub.tracer.on(Tracer.SLAB)) return tracedAlloc(b, nid, caller, objectSize);
        return slabAllocNode(b, nid, caller, objectSize);
    }

    /**
     * Models kmem_cache_free(), mm/slub.c.
     *
     * @param object the object's physical address
     * @param b      the task and CPU freeing
     */
    public void free(long object, CpuBinding b) {
        free(object, b, 0);
    }

    /**
     * Models kmem_cache_free() with the caller's address recorded.
     *
     * @param object the object's physical address
     * @param b      the task and CPU freeing
     * @param caller the caller's address, recorded by debug tracking
     */
    public void free(long object, CpuBinding b, long caller) {
        if (object == 0) {
            return;
        }
        if (slub.tracer.on(Tracer.SLAB)) {
            long fast = stat(SlubStat.FREE_FASTPATH);
            long fails = cmpxchgFailures();
            kmemCacheFree(object, b, caller);
            slub.tracer.slab(name, object, false, stat(SlubStat.FREE_FASTPATH) != fast, (int) (cmpxchgFailures() - fails));
            return;
        }
        kmemCacheFree(object, b, caller);
    }

    /** Models kmem_cache_free()'s body, after the NULL check. */
    private void kmemCacheFree(long object, CpuBinding b, long caller) {
        Slab slab = slub.virtToSlab(object);
        if (slab == null) {
            SlubReport.freeNonSlab(slub, "kmem_cache_free", object);
            return;
        }
        if (slab.slabCache != this) {        // cache_from_obj()
            SlubReport.wrongCache(this, slab, object);
            slab.slabCache.slabFree(slab, object, b, caller);
            return;
        }
        slabFree(slab, object, b, caller);
    }

    /**
     * A copy of this cache's structure (CPU slabs and freelists, partial lists, counters, every
     * slab's freelist) for checkers and views; changes nothing. Take it while the cache is quiescent.
     *
     * @return the snapshot
     */
    public CacheSnapshot snapshot() {
        return CacheSnapshot.take(this);
    }

    /**
     * Models validate_slab_cache(), mm/slub.c. Returns the number of errors it reported (kunit count), its flush's included.
     *
     * @return the number of errors reported
     */
    public int validate() {
        return SlubDebug.validateSlabCache(this);
    }

    /**
     * Whether {@code address} is the start of an object slot of a slab of this cache (what the
     * kernel model checks before it uses an object the fast path handed out).
     *
     * @param address a physical address
     * @return true for an object of this cache, allocated or not
     */
    public boolean isObject(long address) {
        Slab slab = slub.virtToSlab(address);
        return slab != null && slab.slabCache == this && layout.objectIndex(slab.address, slab.objects(), address) >= 0;
    }

    /** {@return the cache's name, as /proc/slabinfo shows it} */
    public String name() {
        return name;
    }

    /** {@return the cache geometry (object_size, size, offset, order …)} */
    public CacheLayout layout() {
        return layout;
    }

    /** {@return the cache's SLAB_* flags, slub_debug= flags included} */
    public long flags() {
        return flags;
    }

    /** {@return whether this cache bypasses the per-CPU freelists for debugging (kmem_cache_debug())} */
    public boolean isDebug() {
        return debug;
    }

    /**
     * SLUB_STATS counter summed over CPUs.
     *
     * @param item the counter
     * @return its value summed over CPUs
     */
    public long stat(SlubStat item) {
        long sum = 0;
        for (KmemCacheCpu c : cpuSlab) {
            sum += c.stat[item.ordinal()];
        }
        return sum;
    }

    /**
     * SLUB_STATS counter of one CPU.
     *
     * @param item the counter
     * @param cpu  the CPU
     * @return its value on that CPU
     */
    public long stat(SlubStat item, int cpu) {
        return cpuSlab[cpu].stat[item.ordinal()];
    }

    /**
     * Slabs of this cache on node {@code nid} (node_nr_slabs()).
     *
     * @param nid a NUMA node
     * @return the number of slabs
     */
    public long nrSlabs(int nid) {
        return node[nid].lvNrSlabs();
    }

    /**
     * Objects in slabs of this cache on node {@code nid} (node_nr_objs()).
     *
     * @param nid a NUMA node
     * @return the number of objects, free and allocated
     */
    public long totalObjects(int nid) {
        return node[nid].lvTotalObjects();
    }

    /**
     * Slabs on the partial list of node {@code nid} (n->nr_partial).
     *
     * @param nid a NUMA node
     * @return the number of partial slabs
     */
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
