package io.mmemu.testkit;

import io.mmemu.slub.testing.ArenaPhysMemory;
import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.SlabFlags;
import io.mmemu.slub.Slub;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A SLUB allocator over test memory ({@link ArenaPhysMemory}: physical pages in a host arena,
 * on one or more NUMA nodes), with a ledger of the objects it has handed out.
 *
 * <pre>{@code
 * try (SlubSandbox s = SlubSandbox.create()) {          // 4 CPUs, 2 nodes, caches objA and objB
 *     long a = s.alloc(0, 1, null);                     // kmem_cache_alloc(objA) on CPU 1
 *     s.free(a, 2, new Migration(SchedPoint.FREE_AFTER_TID, 3)); // freed from CPU 2, moved to 3 mid-call
 *     assertEquals(List.of(), s.drainAndDestroy());     // every page comes back
 * }
 * }</pre>
 *
 * <p>The ledger is what a test would keep by hand: every allocation is recorded with a tag
 * written into the object's first word, and fails the step ({@link AssertionError}) if the
 * address is already live; every free checks the tag is still there (no one wrote into a live
 * object) before the object goes back. Each call runs on a fresh {@link CpuBinding} of the CPU
 * it names (task pid 100 + cpu), so that a migration lasts for that call only.
 */
public final class SlubSandbox implements Sandbox {
    /** CPUs of {@link #create()}. */
    public static final int DEFAULT_CPUS = 4;
    /** NUMA nodes of {@link #create()}. */
    public static final int DEFAULT_NODES = 2;
    /** Memory of {@link #create()}. */
    public static final long DEFAULT_MEMORY = 8L << 20;

    /**
     * An object the ledger holds as allocated.
     *
     * @param address its address
     * @param cache the cache it came from with kmem_cache_alloc(), or null for kmalloc()
     * @param size the bytes asked for
     * @param tag what was written into its first word (objects of 8 bytes or more)
     */
    public record LiveObject(long address, KmemCache cache, long size, long tag) {
        /** As a failure message shows it. */
        @Override
        public String toString() {
            return String.format("0x%x (%s, %d bytes)", address, cache == null ? "kmalloc" : cache.name(), size);
        }
    }

    private final ArenaPhysMemory memory;
    private final Slub slub;
    private final List<KmemCache> caches = new ArrayList<>();
    private final Map<Long, LiveObject> live = new LinkedHashMap<>();
    private long nextTag = 0x7a6b000000000000L;

    private SlubSandbox(Slub.Config config, int nodes, long bytes) {
        memory = new ArenaPhysMemory(1L << 20, bytes, nodes);
        slub = new Slub(memory, memory, config);
    }

    /**
     * {@value #DEFAULT_CPUS} CPUs on {@value #DEFAULT_NODES} nodes over 8 MiB, with small slabs
     * (slub_min_objects=4, slub_max_order=1: slabs fill and drain often) and two caches: objA
     * (512 bytes) and objB (300 bytes, SLAB_HWCACHE_ALIGN).
     *
     * @return the sandbox
     */
    public static SlubSandbox create() {
        SlubSandbox s = create(Slub.Config.defaults(DEFAULT_CPUS).withOrders(4, 0, 1), DEFAULT_NODES, DEFAULT_MEMORY);
        s.createCache("objA", 512, 0);
        s.createCache("objB", 300, SlabFlags.SLAB_HWCACHE_ALIGN);
        return s;
    }

    /**
     * An allocator of the given configuration (CPUs, slub_debug, orders, hardening, seed) over
     * {@code bytes} of memory on {@code nodes} nodes, with only the kmalloc caches.
     *
     * @param config the allocator's configuration
     * @param nodes NUMA nodes, at least 1
     * @param bytes memory, a multiple of the page size
     * @return the sandbox
     */
    public static SlubSandbox create(Slub.Config config, int nodes, long bytes) {
        return new SlubSandbox(config, nodes, bytes);
    }

    /**
     * kmem_cache_create(name, size, 0, flags, NULL); the cache joins {@link #caches()}.
     *
     * @param name the cache's name
     * @param size the object size
     * @param flags SLAB_* flags ({@link SlabFlags})
     * @return the cache
     */
    public KmemCache createCache(String name, int size, long flags) {
        KmemCache c = slub.kmemCacheCreate(name, size, 0, flags, null);
        caches.add(c);
        return c;
    }

    /**
     * The allocator.
     *
     * @return the allocator
     */
    public Slub slub() {
        return slub;
    }

    /**
     * The test memory (pages in use, reads and writes of objects).
     *
     * @return the memory
     */
    public ArenaPhysMemory memory() {
        return memory;
    }

    /**
     * The caches made with {@link #createCache}, in the order they were made (the kmalloc caches
     * are {@code slub().caches()}' others).
     *
     * @return the caches
     */
    public List<KmemCache> caches() {
        return Collections.unmodifiableList(caches);
    }

    /**
     * The objects allocated and not freed, in allocation order.
     *
     * @return the live objects
     */
    public List<LiveObject> live() {
        return List.copyOf(live.values());
    }

    /**
     * Live object number {@code pick} modulo their number, or null when none is live: how an
     * action names an object before it knows which exist.
     *
     * @param pick any non-negative number
     * @return the object, or null
     */
    public LiveObject pick(int pick) {
        if (live.isEmpty()) return null;
        int idx = Math.floorMod(pick, live.size());
        for (LiveObject o : live.values()) {
            if (idx-- == 0) return o;
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * kmem_cache_alloc() from cache number {@code cache} of {@link #caches()} (modulo their
     * number) on {@code cpu}.
     *
     * @param cache the cache's index
     * @param cpu the CPU the call starts on
     * @param migration a migration inside the call, or null
     * @return the object, or 0 when the allocation failed
     * @throws AssertionError if the object is already live
     */
    public long alloc(int cache, int cpu, Migration migration) {
        if (caches.isEmpty()) throw new IllegalStateException("no cache: createCache() first");
        KmemCache s = caches.get(Math.floorMod(cache, caches.size()));
        CpuBinding b = bind(cpu, migration);
        try {
            return admit(s.alloc(b), s, s.layout().objectSize());
        } finally {
            Migration.disarm(b);
        }
    }

    /**
     * kmalloc(size) on {@code cpu}.
     *
     * @param size bytes
     * @param cpu the CPU the call starts on
     * @param migration a migration inside the call, or null
     * @return the object, or 0 when the allocation failed
     * @throws AssertionError if the object is already live
     */
    public long kmalloc(long size, int cpu, Migration migration) {
        CpuBinding b = bind(cpu, migration);
        try {
            return admit(slub.kmalloc(size, b), null, size);
        } finally {
            Migration.disarm(b);
        }
    }

    /**
     * Frees a live object as it was allocated: kmem_cache_free() to its cache, or kfree().
     *
     * @param object a live object's address
     * @param cpu the CPU the call starts on
     * @param migration a migration inside the call, or null
     * @throws AssertionError if the object was written into while live
     * @throws IllegalArgumentException if the ledger does not hold it as live
     */
    public void free(long object, int cpu, Migration migration) {
        release(object, cpu, migration, false);
    }

    /**
     * kfree() of a live object, whichever way it was allocated.
     *
     * @param object a live object's address
     * @param cpu the CPU the call starts on
     * @param migration a migration inside the call, or null
     * @throws AssertionError if the object was written into while live
     * @throws IllegalArgumentException if the ledger does not hold it as live
     */
    public void kfree(long object, int cpu, Migration migration) {
        release(object, cpu, migration, true);
    }

    /**
     * Flushes {@code cpu}'s CPU slab of every cache (flush_slab()), as CPU hotplug or
     * kmem_cache_shrink() would.
     *
     * @param cpu the CPU
     */
    public void flush(int cpu) {
        int c = Math.floorMod(cpu, slub.nrCpus());
        for (KmemCache s : slub.caches()) s.flushCpuSlab(c);
    }

    /**
     * Frees every live object (on CPU 0), then destroys every cache, kmalloc's included: what
     * must leave no page in use.
     *
     * @return what stayed behind (a cache that would not go, pages still in use); empty when all came back
     */
    public List<String> drainAndDestroy() {
        for (LiveObject o : List.copyOf(live.values())) free(o.address(), 0, null);
        List<String> left = new ArrayList<>();
        for (KmemCache s : slub.caches()) {
            Slub.LeakReport r = slub.kmemCacheDestroy(s, 0);
            if (!r.destroyed()) left.add("kmem_cache_destroy(" + s.name() + ") failed: " + r);
        }
        caches.clear();
        if (memory.pagesInUse() != 0) {
            left.add(memory.pagesInUse() + " pages still in use after every object was freed and every cache destroyed"
                    + " (expected: 0)");
        }
        return left;
    }

    private CpuBinding bind(int cpu, Migration migration) {
        int c = Math.floorMod(cpu, slub.nrCpus());
        CpuBinding b = slub.bind(c, 100 + c);
        if (migration != null) migration.arm(b, slub.nrCpus());
        return b;
    }

    private long admit(long object, KmemCache cache, long size) {
        if (object == 0) return 0;
        LiveObject o = new LiveObject(object, cache, size, nextTag++);
        LiveObject prev = live.putIfAbsent(object, o);
        if (prev != null) throw new AssertionError(String.format("0x%x handed out twice (already held as %s)", object, prev));
        if (size >= 8) memory.writeLong(object, o.tag());
        return object;
    }

    private void release(long object, int cpu, Migration migration, boolean viaKfree) {
        LiveObject o = live.get(object);
        if (o == null) throw new IllegalArgumentException(String.format("0x%x is not a live object", object));
        if (o.size() >= 8 && memory.readLong(object) != o.tag()) {
            throw new AssertionError(String.format("object %s was overwritten while allocated: first word 0x%x (expected:"
                    + " its tag 0x%x)", o, memory.readLong(object), o.tag()));
        }
        live.remove(object);
        CpuBinding b = bind(cpu, migration);
        try {
            if (o.cache() != null && !viaKfree) o.cache().free(object, b);
            else slub.kfree(object, b);
        } finally {
            Migration.disarm(b);
        }
    }

    /** /proc/slabinfo, the live objects (up to 40) and every report SLUB logged. */
    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder(slub.slabinfo());
        sb.append(live.size()).append(" live objects, ").append(memory.pagesInUse()).append(" pages in use\n");
        int shown = 0;
        for (LiveObject o : live.values()) {
            if (shown++ == 40) {
                sb.append("  ...\n");
                break;
            }
            sb.append("  ").append(o).append('\n');
        }
        String log = slub.log().text();
        if (!log.isEmpty()) sb.append("--- SLUB log ---\n").append(log);
        return sb.toString();
    }

    /** Releases the test memory. */
    @Override
    public void close() {
        memory.close();
    }
}
