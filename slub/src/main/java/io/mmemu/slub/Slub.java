package io.mmemu.slub;

import io.mmemu.slub.SlubLog.Kind;
import io.mmemu.slub.SlubLog.SlabError;
import io.mmemu.trace.Tracer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The SLUB allocator of one emulated machine: the list of caches ({@code slab_caches}
 * under {@code slab_mutex}, mm/slab_common.c), the kmalloc size classes ({@link Kmalloc}), and
 * the page map that turns a physical address back into its slab.
 *
 * <p>Everything the allocator stores about objects lives in emulated physical memory
 * ({@link PhysMemory}); slabs are pages from a {@link PageSource}. The allocator is used
 * from host threads, each passing the {@link CpuBinding} of the emulated CPU it runs on.
 *
 * <p>Configuration is fixed at construction ({@link Config}): CPU count, slub_debug=,
 * slub_min_objects=, slub_max_order=, CONFIG_SLAB_FREELIST_HARDENED, and the seed from
 * which every random value (the per-cache freelist XOR keys) derives, so that two runs with
 * the same seed lay out memory identically. Time (jiffies, for allocation tracking) comes
 * from {@link Config#clock}, by default a logical clock that ticks on every reading.
 *
 * <p>Locks: {@code slabMutex} protects the cache list and refcounts; it is taken before any
 * per-cache lock. RCU-deferred slab frees are kept under this object's monitor.
 */
public final class Slub {
    /** kmalloc(0) result: a non-NULL pointer that must not be dereferenced (ZERO_SIZE_PTR). */
    public static final long ZERO_SIZE_PTR = 16;
    /** Largest kmalloc served by a size class (KMALLOC_MAX_CACHE_SIZE, 2 pages). */
    public static final int KMALLOC_MAX_CACHE_SIZE = 2 * PageSource.PAGE_SIZE;

    /**
     * Allocator configuration.
     *
     * @param nrCpus          emulated CPUs (nr_cpu_ids)
     * @param slubDebug       the slub_debug= option, or null (see {@link SlabFlags.SlubDebug#parse})
     * @param slubMinObjects  slub_min_objects= (0: from the CPU count)
     * @param slubMaxOrder    slub_max_order= (default 3)
     * @param slubMinOrder    slub_min_order= (default 0)
     * @param freelistHardened CONFIG_SLAB_FREELIST_HARDENED
     * @param seed            seed of all randomness
     * @param clock           jiffies, or null for a logical clock
     * @param symbolizer      turns a caller address into text for %pS, or null for hex
     */
    public record Config(int nrCpus, String slubDebug, int slubMinObjects, int slubMaxOrder, int slubMinOrder,
                         boolean freelistHardened, long seed, LongSupplier clock, LongFunction<String> symbolizer) {
        /**
         * Checks the CPU count and the slab orders.
         *
         * @throws IllegalArgumentException if {@code nrCpus} is outside 1..4096 or the orders are not
         *         {@code 0 <= slubMinOrder <= slubMaxOrder <= 10}
         */
        public Config {
            if (nrCpus < 1 || nrCpus > 4096) {
                throw new IllegalArgumentException("nrCpus out of range (expected: 1..4096, got " + nrCpus + ")");
            }
            if (slubMaxOrder < 0 || slubMaxOrder > CacheLayout.MAX_PAGE_ORDER || slubMinOrder < 0 || slubMinOrder > slubMaxOrder) {
                throw new IllegalArgumentException("slub orders out of range (expected: 0 <= min <= max <= 10, got min="
                        + slubMinOrder + " max=" + slubMaxOrder + ")");
            }
        }

        /**
         * Defaults for {@code nrCpus} CPUs: no debugging, not hardened, seed 0.
         *
         * @param nrCpus emulated CPUs (nr_cpu_ids)
         * @return the default configuration
         */
        public static Config defaults(int nrCpus) {
            return new Config(nrCpus, null, 0, 3, 0, false, 0, null, null);
        }

        /**
         * A copy with another slub_debug= option.
         *
         * @param option the slub_debug= option, or null for no debugging
         * @return the new configuration
         */
        public Config withSlubDebug(String option) {
            return new Config(nrCpus, option, slubMinObjects, slubMaxOrder, slubMinOrder, freelistHardened, seed, clock, symbolizer);
        }

        /**
         * A copy with CONFIG_SLAB_FREELIST_HARDENED on or off.
         *
         * @param on whether free pointers are hardened
         * @return the new configuration
         */
        public Config withHardened(boolean on) {
            return new Config(nrCpus, slubDebug, slubMinObjects, slubMaxOrder, slubMinOrder, on, seed, clock, symbolizer);
        }

        /**
         * A copy with another seed.
         *
         * @param s the seed of all randomness
         * @return the new configuration
         */
        public Config withSeed(long s) {
            return new Config(nrCpus, slubDebug, slubMinObjects, slubMaxOrder, slubMinOrder, freelistHardened, s, clock, symbolizer);
        }

        /**
         * A copy with other slab-order tunables.
         *
         * @param minObjects slub_min_objects= (0: from the CPU count)
         * @param minOrder   slub_min_order=
         * @param maxOrder   slub_max_order=
         * @return the new configuration
         */
        public Config withOrders(int minObjects, int minOrder, int maxOrder) {
            return new Config(nrCpus, slubDebug, minObjects, maxOrder, minOrder, freelistHardened, seed, clock, symbolizer);
        }

        /**
         * A copy with another jiffies clock.
         *
         * @param c jiffies, or null for a logical clock
         * @return the new configuration
         */
        public Config withClock(LongSupplier c) {
            return new Config(nrCpus, slubDebug, slubMinObjects, slubMaxOrder, slubMinOrder, freelistHardened, seed, c, symbolizer);
        }

        /**
         * A copy with another symbolizer.
         *
         * @param sym turns a caller address into text for %pS, or null for hex
         * @return the new configuration
         */
        public Config withSymbolizer(LongFunction<String> sym) {
            return new Config(nrCpus, slubDebug, slubMinObjects, slubMaxOrder, slubMinOrder, freelistHardened, seed, clock, sym);
        }
    }

    /**
     * Outcome of {@link #kmemCacheDestroy}.
     *
     * @param cache     the cache's name
     * @param destroyed whether the cache is gone (false: still referenced, or objects leaked)
     * @param leaked    physical addresses of the objects still allocated, in address order
     */
    public record LeakReport(String cache, boolean destroyed, List<Long> leaked) {
    }

    final PageSource pages;
    final PhysMemory mem;
    final int nrCpus;
    final int nrNodes;
    final boolean hardened;
    final PageMap pageMap;
    final SlubLog log = new SlubLog();
    private final Config config;
    private final SlabFlags.SlubDebug slubDebug;
    private final CacheLayout.OrderTunables tunables;
    private final SplittableRandom random;
    private final LongSupplier clock;
    private final AtomicLong logicalJiffies = new AtomicLong();
    private final LongFunction<String> symbolizer;
    private final ReentrantLock slabMutex = new ReentrantLock();
    /** slab_caches: newest first, as list_add() leaves it. Guarded by slabMutex. */
    private final List<KmemCache> caches = new ArrayList<>();
    /** Slabs of SLAB_TYPESAFE_BY_RCU caches waiting for a grace period. Guarded by this. */
    private final List<Slab> rcuPending = new ArrayList<>();
    /** The kmalloc size classes and the calls on their objects. */
    private final Kmalloc kmalloc;

    /**
     * Creates the allocator and its kmalloc caches (create_kmalloc_caches()), taking slabs from
     * {@code pages} and reading and writing objects in {@code mem}.
     *
     * @param pages  the page allocator that backs the slabs; its physical limit must be below 32 GiB
     * @param mem    the physical memory holding the objects and their metadata
     * @param config the allocator's configuration
     */
    public Slub(PageSource pages, PhysMemory mem, Config config) {
        if (pages.physLimit() > (1L << 35)) {
            throw new IllegalArgumentException("physical memory must end below 32 GiB (expected: physLimit <= 2^35, got "
                    + pages.physLimit() + ")");
        }
        this.pages = pages;
        this.mem = mem;
        this.config = config;
        this.nrCpus = config.nrCpus();
        this.nrNodes = Math.max(1, pages.nodeCount());
        this.hardened = config.freelistHardened();
        this.pageMap = new PageMap(pages.physLimit());
        this.slubDebug = SlabFlags.SlubDebug.parse(config.slubDebug());
        this.tunables = new CacheLayout.OrderTunables(config.slubMinOrder(), config.slubMaxOrder(), config.slubMinObjects(), nrCpus);
        this.random = new SplittableRandom(config.seed());
        this.clock = config.clock();
        this.symbolizer = config.symbolizer();
        this.kmalloc = new Kmalloc(this);
    }

    /**
     * A binding of a task to emulated CPU {@code cpu}, with pid 0.
     *
     * @param cpu the emulated CPU, 0 to {@code nrCpus() - 1}
     * @return the binding to pass to the allocation and free calls
     */
    public CpuBinding bind(int cpu) {
        return new CpuBinding(nrCpus, cpu, 0);
    }

    /**
     * A binding of task {@code pid} to emulated CPU {@code cpu}.
     *
     * @param cpu the emulated CPU, 0 to {@code nrCpus() - 1}
     * @param pid the task's pid, as debug tracking records it
     * @return the binding to pass to the allocation and free calls
     */
    public CpuBinding bind(int cpu, int pid) {
        return new CpuBinding(nrCpus, cpu, pid);
    }

    /** {@return the number of emulated CPUs (nr_cpu_ids)} */
    public int nrCpus() {
        return nrCpus;
    }

    /** {@return the number of NUMA nodes: the page source's, at least 1} */
    public int nrNodes() {
        return nrNodes;
    }

    /** {@return the configuration this allocator was created with} */
    public Config config() {
        return config;
    }

    /** {@return the kernel log: reports of every detected problem} */
    public SlubLog log() {
        return log;
    }

    /**
     * The NUMA node of a CPU (cpu_to_node()): CPUs are split into equal consecutive blocks.
     *
     * @param cpu the CPU, 0 to {@code nrCpus() - 1}
     * @return its node, 0 to {@code nrNodes() - 1}
     */
    public int cpuToNode(int cpu) {
        return (int) ((long) cpu * nrNodes / nrCpus);
    }

    long jiffies() {
        return clock != null ? clock.getAsLong() : logicalJiffies.incrementAndGet();
    }

    String symbolize(long addr) {
        return symbolizer != null ? symbolizer.apply(addr) : String.format("0x%x", addr);
    }

    /** The machine's event stream; set before the caches are used from more than one thread. */
    Tracer tracer = Tracer.OFF;

    /**
     * Traces every cache's allocations and frees to {@code tracer}.
     *
     * @param tracer the machine's tracer
     */
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
    }

    // ---------------------------------------------------------------- caches

    /**
     * Models kmem_cache_create(), mm/slab_common.c. Debug flags from slub_debug= are added for
     * matching names. Names must be unique (the kernel checks this under CONFIG_DEBUG_VM).
     *
     * @param name  the cache's name, unique among live caches
     * @param size  the object size in bytes
     * @param align the minimum alignment in bytes (0: the default)
     * @param flags SLAB_* flags ({@link SlabFlags})
     * @param ctor  the constructor run on each object when a slab is allocated, or null
     * @return the new cache
     */
    public KmemCache kmemCacheCreate(String name, int size, int align, long flags, Ctor ctor) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("cache name must be non-empty");
        }
        slabMutex.lock();
        try {
            for (KmemCache c : caches) {
                if (c.name.equals(name)) {
                    throw new IllegalArgumentException("duplicate cache name (expected: unique, got " + name + ")");
                }
            }
            long f = flags | slubDebug.flagsFor(name);
            CacheLayout layout = CacheLayout.calculateSizes(size, align, f, ctor != null, tunables);
            KmemCache s = new KmemCache(this, name, layout, ctor, random.nextLong());
            caches.addFirst(s);
            return s;
        } finally {
            slabMutex.unlock();
        }
    }

    /**
     * The live cache named {@code name}, or null (the kernel model looks caches up by name).
     *
     * @param name the cache's name
     * @return the live cache of that name, or null
     */
    public KmemCache findCache(String name) {
        slabMutex.lock();
        try {
            for (KmemCache c : caches) {
                if (c.name.equals(name)) {
                    return c;
                }
            }
            return null;
        } finally {
            slabMutex.unlock();
        }
    }

    /** {@return the live caches, newest first (the order of /proc/slabinfo)} */
    public List<KmemCache> caches() {
        slabMutex.lock();
        try {
            return List.copyOf(caches);
        } finally {
            slabMutex.unlock();
        }
    }

    /**
     * {@link KmemCache#validate} for every live cache, in {@link #caches}' order, with one walk of
     * the page map for them all. Call it when the caches are quiescent.
     *
     * @return the number of problems found over all caches
     */
    public int validateCaches() {
        return SlubDebug.validateSlabCaches(this, caches());
    }

    /**
     * Models kmem_cache_destroy() with __kmem_cache_shutdown(), mm/slab_common.c and mm/slub.c:
     * flushes every CPU, frees empty slabs, and if objects remain reports each of them
     * ("Objects remaining on __kmem_cache_shutdown()") and keeps the cache; it also fails, as
     * the kernel's does, when a node still counts slabs (nr_partial or nr_slabs nonzero). Unlike the kernel,
     * which only sees partial slabs, the report also names objects in full slabs, and a failed
     * destroy leaves the refcount at 1 so that the caller may free the leaks and retry.
     *
     * @param s      the cache to destroy
     * @param caller the caller's address, recorded in the report
     * @return what was left behind: nothing when the cache is gone, else the leaked objects
     */
    public LeakReport kmemCacheDestroy(KmemCache s, long caller) {
        slabMutex.lock();
        try {
            if (!caches.contains(s)) {
                throw new IllegalStateException("kmem_cache_destroy of a cache that is not live: " + s.name);
            }
            if (--s.refcount > 0) {
                return new LeakReport(s.name, false, List.of());
            }
            s.flushAll();
            List<Slab> discard = new ArrayList<>();
            for (KmemCacheNode n : s.node) {
                n.listLock.lock();
                try {
                    for (Slab slab = n.partialHead; slab != null; ) {
                        Slab next = slab.listNext;
                        if (slab.inuse() == 0) {
                            n.removePartial(slab);
                            discard.add(slab);
                        }
                        slab = next;
                    }
                } finally {
                    n.listLock.unlock();
                }
            }
            for (Slab slab : discard) {
                SlabPages.discardSlab(s, slab);
            }
            List<Long> leaked = new ArrayList<>();
            pageMap.forEachSlab(s, slab -> {
                if (!isRcuPending(slab)) {
                    listSlabObjects(s, slab, leaked);
                }
            });
            boolean slabsLeft = false;
            for (KmemCacheNode n : s.node) {
                slabsLeft |= n.nrPartial != 0 || n.lvNrSlabs() != 0;
            }
            if (!leaked.isEmpty() || slabsLeft) {
                String msg = String.format("kmem_cache_destroy %s: Slab cache still has objects when called from %s",
                        s.name, symbolize(caller));
                log.line(msg);
                s.refcount = 1;
                return new LeakReport(s.name, false, List.copyOf(leaked));
            }
            caches.remove(s);
            if ((s.flags & SlabFlags.SLAB_TYPESAFE_BY_RCU) != 0) {
                rcuBarrier();
            }
            return new LeakReport(s.name, true, List.of());
        } finally {
            slabMutex.unlock();
        }
    }

    /** Models list_slab_objects(), mm/slub.c. */
    private void listSlabObjects(KmemCache s, Slab slab, List<Long> leaked) {
        java.util.BitSet free = SlubDebug.freeMap(s, slab);
        SlubReport.slabBug(s, "Objects remaining on __kmem_cache_shutdown()");
        int objects = slab.objects();
        for (int i = 0; i < objects; i++) {
            if (!free.get(i)) {
                long p = s.layout.objectAddress(slab.address, i);
                leaked.add(p);
                String msg = String.format("Object %s @offset=%d", SlubReport.ptr(p), p - slab.address);
                log.error(new SlabError(Kind.LEAK, s.name, slab.address, p, 0, msg));
                log.line(msg);
                SlubReport.printTracking(s, p);
            }
        }
        SlubReport.printSlabInfo(s, slab);
    }

    // ---------------------------------------------------------------- RCU

    /** Models call_rcu(&slab->rcu_head, rcu_free_slab): the pages wait for a grace period. */
    synchronized void callRcuFreeSlab(Slab slab) {
        rcuPending.add(slab);
    }

    synchronized boolean isRcuPending(Slab slab) {
        for (Slab s : rcuPending) {
            if (s == slab) {
                return true;
            }
        }
        return false;
    }

    /** Models rcu_barrier(): ends the grace period, freeing every slab of a SLAB_TYPESAFE_BY_RCU cache waiting for it. */
    public void rcuBarrier() {
        List<Slab> done;
        synchronized (this) {
            done = new ArrayList<>(rcuPending);
            rcuPending.clear();
        }
        for (Slab slab : done) {
            SlabPages.freeSlabPages(slab.slabCache, slab);
        }
    }

    // ---------------------------------------------------------------- kmalloc

    /**
     * Models kmalloc_index(), include/linux/slab.h: the index of {@code size}'s size class.
     *
     * @param size a request size in bytes, 1 to {@link #KMALLOC_MAX_CACHE_SIZE}
     * @return the index of the smallest size class that fits it
     */
    public static int kmallocIndex(long size) {
        return Kmalloc.kmallocIndex(size);
    }

    /**
     * The kmalloc cache serving {@code size} bytes (kmalloc_slab()).
     *
     * @param size a request size in bytes, 1 to {@link #KMALLOC_MAX_CACHE_SIZE}
     * @return the cache of the smallest size class that fits it
     */
    public KmemCache kmallocSlab(long size) {
        return kmalloc.kmallocSlab(size);
    }

    /**
     * Models kmalloc(), include/linux/slab.h. Returns a physical address, {@link #ZERO_SIZE_PTR} for 0 bytes, or 0.
     *
     * @param size the request size in bytes
     * @param b    the task and CPU allocating
     * @return the object's physical address, {@link #ZERO_SIZE_PTR} for 0 bytes, or 0 on failure
     */
    public long kmalloc(long size, CpuBinding b) {
        return kmallocNode(size, KmemCache.NUMA_NO_NODE, b, 0);
    }

    /**
     * Models kmalloc_node() with the caller recorded.
     *
     * @param size   the request size in bytes
     * @param nid    the preferred NUMA node, or -1 (NUMA_NO_NODE) for any
     * @param b      the task and CPU allocating
     * @param caller the caller's address, recorded by debug tracking
     * @return the object's physical address, {@link #ZERO_SIZE_PTR} for 0 bytes, or 0 on failure
     */
    public long kmallocNode(long size, int nid, CpuBinding b, long caller) {
        return kmalloc.kmallocNode(size, nid, b, caller);
    }

    /**
     * Models kzalloc().
     *
     * @param size the request size in bytes
     * @param b    the task and CPU allocating
     * @return the zeroed object's physical address, {@link #ZERO_SIZE_PTR} for 0 bytes, or 0 on failure
     */
    public long kzalloc(long size, CpuBinding b) {
        return kmalloc.kzalloc(size, b);
    }

    /**
     * Models kfree(), mm/slub.c.
     *
     * @param object the object's physical address; 0 and {@link #ZERO_SIZE_PTR} are ignored
     * @param b      the task and CPU freeing
     */
    public void kfree(long object, CpuBinding b) {
        kfree(object, b, 0);
    }

    /**
     * Models kfree() with the caller recorded.
     *
     * @param object the object's physical address; 0 and {@link #ZERO_SIZE_PTR} are ignored
     * @param b      the task and CPU freeing
     * @param caller the caller's address, recorded by debug tracking
     */
    public void kfree(long object, CpuBinding b, long caller) {
        kmalloc.kfree(object, b, caller);
    }

    /**
     * Models ksize() (__ksize() and slab_ksize()), mm/slub.c: usable bytes at {@code object}.
     *
     * @param object an object's physical address
     * @return the bytes usable at {@code object}, or 0 if no slab or large kmalloc holds it
     */
    public long ksize(long object) {
        return kmalloc.ksize(object);
    }

    /**
     * Models krealloc(), mm/slab_common.c: keeps the block when it is large enough, else moves the contents.
     *
     * @param p       the old object's physical address, or 0 (then like kmalloc())
     * @param newSize the new size in bytes; 0 frees {@code p} and returns {@link #ZERO_SIZE_PTR}
     * @param b       the task and CPU allocating
     * @return the new object's physical address, or 0 on failure (the old object stays)
     */
    public long krealloc(long p, long newSize, CpuBinding b) {
        return kmalloc.krealloc(p, newSize, b);
    }

    /**
     * Models virt_to_slab(): the slab holding {@code object}, or null.
     *
     * @param object a physical address
     * @return the slab holding it, or null
     */
    public Slab virtToSlab(long object) {
        return pageMap.lookup(object) instanceof Slab s ? s : null;
    }

    /**
     * Models kmem_cache_alloc().
     *
     * @param s the cache to allocate from
     * @param b the task and CPU allocating
     * @return the object's physical address, or 0 on failure
     */
    public long kmemCacheAlloc(KmemCache s, CpuBinding b) {
        return s.slabAllocNode(b, KmemCache.NUMA_NO_NODE, 0, s.objectSize);
    }

    /**
     * Models kmem_cache_free().
     *
     * @param s      the cache the object belongs to
     * @param object the object's physical address
     * @param b      the task and CPU freeing
     */
    public void kmemCacheFree(KmemCache s, long object, CpuBinding b) {
        s.free(object, b);
    }

    /** {@return the /proc/slabinfo text} */
    public String slabinfo() {
        return SlabInfo.slabinfo(this);
    }
}
