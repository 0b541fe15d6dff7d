package io.mmemu.mm.slab;

import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.mm.page.FrameWriteHook;
import io.mmemu.mm.page.Gfp;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.SlabFlags;
import io.mmemu.slub.Slub;
import io.mmemu.trace.Tracer;

/**
 * The slab allocator of the kernel model and the caches of the kernel objects it keeps, created
 * at boot in the order Linux's start_kernel() creates them: kmem_cache_init() (the kmalloc
 * caches, made by {@link Slub}'s constructor), pid_idr_init() (pid), fork_init() (task_struct),
 * proc_caches_init() (sighand_cache, signal_cache, files_cache, mm_struct) and vma_state_init()
 * (vm_area_struct; proc_caches_init() in kernel/fork.c before 6.15).
 *
 * <p>Object sizes are the objsize column of the host's /proc/slabinfo (an x86-64 6.x kernel):
 * what sizeof() of each structure comes to with the host's configuration, already a multiple of
 * the cache line, so that the emulated caches lay out slabs with the same object size as the
 * host's. Flags are Linux's as far as the slub model has them: SLAB_HWCACHE_ALIGN where Linux
 * passes it, task_struct aligned to L1_CACHE_BYTES (64) as fork_init() asks. Not modelled:
 * SLAB_PANIC and SLAB_ACCOUNT (no memcg), and SLAB_TYPESAFE_BY_RCU with sighand_ctor() on
 * sighand_cache, so that every freed object's slab can go back at once.
 *
 * <p>The whole model runs on emulated CPU 0's binding, as the kernel model's work is done on
 * behalf of the task that runs on that CPU.
 *
 * <p>Every allocation of the model goes through {@link #alloc}, which is where slab_pre_alloc_hook()
 * asks should_failslab() ({@link Failslab}); the SLUB fast path itself stays untouched, and an
 * unarmed failslab costs {@link FaultInjector#armed} per kernel object allocated.
 */
public final class KernelSlab {
    /** sizeof(struct vm_area_struct). */
    public static final int VM_AREA_STRUCT_SIZE = 192;
    /** sizeof(struct mm_struct) + cpumask and mm_cid space (mm_cache_init()'s mm_size). */
    public static final int MM_STRUCT_SIZE = 1600;
    /** arch_task_struct_size: struct task_struct with the x86 FPU state behind it. */
    public static final int TASK_STRUCT_SIZE = 4288;
    /** sizeof(struct pid) with one upid level. */
    public static final int PID_SIZE = 192;
    /** sizeof(struct sighand_struct). */
    public static final int SIGHAND_SIZE = 2112;
    /** sizeof(struct signal_struct). */
    public static final int SIGNAL_SIZE = 1152;
    /** sizeof(struct files_struct). */
    public static final int FILES_SIZE = 704;
    /** L1_CACHE_BYTES on x86-64: fork_init()'s task_struct alignment. */
    static final int L1_CACHE_BYTES = 64;

    private final PageAllocatorPageSource pages;
    private final Slub slub;
    private final CpuBinding cpu;
    private final KmemCache pidCachep;
    private final KmemCache taskStructCachep;
    private final KmemCache sighandCachep;
    private final KmemCache signalCachep;
    private final KmemCache filesCachep;
    private final KmemCache mmCachep;
    private final KmemCache vmAreaCachep;
    private final FaultInjector faults;
    private final Failslab failslab;
    /** fail: slub_corrupt's flipped bits. */
    private final SlubCorruption corruption;

    /**
     * Builds the allocator over guest RAM and creates the caches (no slab page is taken until the
     * first allocation).
     *
     * @param mem       guest physical memory
     * @param allocator the buddy allocator slabs come from
     * @param frameWrites told before a frame becomes a slab (Java writes slab memory)
     */
    public KernelSlab(PhysicalMemory mem, PageAllocator allocator, FrameWriteHook frameWrites) {
        this(mem, allocator, frameWrites, new FaultInjector(0), null);
    }

    /**
     * Builds the allocator over guest RAM and creates the caches, with the machine's fault
     * injection consulted by every allocation (failslab) and no slub_debug.
     *
     * @param mem         guest physical memory
     * @param allocator   the buddy allocator slabs come from
     * @param frameWrites told before a frame becomes a slab (Java writes slab memory)
     * @param faults      the machine's fault injection
     */
    public KernelSlab(PhysicalMemory mem, PageAllocator allocator, FrameWriteHook frameWrites, FaultInjector faults) {
        this(mem, allocator, frameWrites, faults, null);
    }

    /**
     * Builds the allocator over guest RAM with the machine's fault injection (failslab,
     * slub_corrupt) and slub_debug= option, and creates the caches.
     *
     * @param mem         guest physical memory
     * @param allocator   the buddy allocator slabs come from
     * @param frameWrites told before a frame becomes a slab (Java writes slab memory)
     * @param faults      the machine's fault injection
     * @param slubDebug   slub_debug= (Linux's syntax: {@code FZPU}, {@code F,vm_area_struct}, ...), or null for none
     * @throws IllegalArgumentException when {@code slubDebug} does not parse
     */
    public KernelSlab(PhysicalMemory mem, PageAllocator allocator, FrameWriteHook frameWrites, FaultInjector faults,
            String slubDebug) {
        this.faults = faults;
        this.failslab = new Failslab(faults);
        this.pages = new PageAllocatorPageSource(allocator, mem.size(), frameWrites);
        this.slub = new Slub(pages, new PhysicalMemoryAdapter(mem), Slub.Config.defaults(1).withSlubDebug(slubDebug));
        this.corruption = new SlubCorruption(faults, mem);
        this.cpu = slub.bind(0, 0);
        long hw = SlabFlags.SLAB_HWCACHE_ALIGN;
        pidCachep = slub.kmemCacheCreate("pid", PID_SIZE, 0, hw, null);
        taskStructCachep = slub.kmemCacheCreate("task_struct", TASK_STRUCT_SIZE, L1_CACHE_BYTES, 0, null);
        sighandCachep = slub.kmemCacheCreate("sighand_cache", SIGHAND_SIZE, 0, hw, null);
        signalCachep = slub.kmemCacheCreate("signal_cache", SIGNAL_SIZE, 0, hw, null);
        filesCachep = slub.kmemCacheCreate("files_cache", FILES_SIZE, 0, hw, null);
        mmCachep = slub.kmemCacheCreate("mm_struct", MM_STRUCT_SIZE, 0, hw, null);
        vmAreaCachep = slub.kmemCacheCreate("vm_area_struct", VM_AREA_STRUCT_SIZE, 0, hw, null);
    }

    /**
     * Traces the kernel caches' allocations and frees to {@code tracer}.
     *
     * @param tracer the machine's tracer
     */
    public void setTracer(Tracer tracer) {
        slub.setTracer(tracer);
    }

    /** {@return the SLUB allocator behind the caches} */
    public Slub slub() {
        return slub;
    }

    /** {@return the binding every allocation of the model uses (emulated CPU 0)} */
    public CpuBinding cpu() {
        return cpu;
    }

    /** {@return vm_area_cachep: the vm_area_struct cache} */
    public KmemCache vmAreaCachep() {
        return vmAreaCachep;
    }

    /** {@return mm_cachep: the mm_struct cache} */
    public KmemCache mmCachep() {
        return mmCachep;
    }

    /** {@return task_struct_cachep: the task_struct cache} */
    public KmemCache taskStructCachep() {
        return taskStructCachep;
    }

    /** {@return pid_cachep (init_struct_pid's cache of one-level pids)} */
    public KmemCache pidCachep() {
        return pidCachep;
    }

    /** {@return sighand_cachep: the sighand_struct cache} */
    public KmemCache sighandCachep() {
        return sighandCachep;
    }

    /** {@return signal_cachep: the signal_struct cache} */
    public KmemCache signalCachep() {
        return signalCachep;
    }

    /** {@return files_cachep: the files_struct cache} */
    public KmemCache filesCachep() {
        return filesCachep;
    }

    /** {@return failslab's filters of this allocator (SLAB_FAILSLAB marks of /sys/kernel/slab/CACHE/failslab)} */
    public Failslab failslab() {
        return failslab;
    }

    /**
     * Models kmem_cache_alloc(s, GFP_KERNEL) on the model's CPU: the object's physical address,
     * or 0. slab_pre_alloc_hook() asks should_failslab() first: an injected failure returns 0
     * before SLUB is entered, as in Linux.
     *
     * @param s the cache
     * @return the object's physical address, or 0
     */
    public long alloc(KmemCache s) {
        if (faults.armed(FaultPoint.FAILSLAB) && failslab.shouldFailslab(s, Gfp.KERNEL)) return 0;
        long object;
        try {
            object = s.alloc(cpu);
        } catch (IndexOutOfBoundsException e) {
            // The fast path followed a free pointer out of guest memory.
            throw KernelOops.wildObject(s, -1);
        }
        if (object == 0) return 0;
        if (!s.isObject(object)) throw KernelOops.wildObject(s, object);
        if (corruption.armed()) corruption.afterAlloc(s, object);
        return object;
    }

    /**
     * Models kmem_cache_free() on the model's CPU; freeing 0 does nothing, as kmem_cache_free(s, NULL).
     *
     * @param s      the cache
     * @param object the object's physical address, or 0
     */
    public void free(KmemCache s, long object) {
        if (object == 0) return;
        s.free(object, cpu);
        if (corruption.armed()) corruption.afterFree(s, object);
    }

    /** {@return the frames held by slabs} */
    public long nrSlabPages() {
        return pages.nrSlabPages();
    }

    /** {@return the /proc/slabinfo text (version 2.1)} */
    public String slabinfo() {
        return slub.slabinfo();
    }

    /**
     * Empties every cache's CPU slabs back to the node lists (flush_all() of each cache, as
     * kmem_cache_shrink() begins), so that /proc/slabinfo's active counts become exact: it counts
     * the free objects of a CPU slab as active.
     */
    public void flushAll() {
        for (KmemCache c : slub.caches()) c.flushAll();
    }

    /**
     * validate_slab_cache() of every cache (what writing 1 to /sys/kernel/slab/CACHE/validate
     * does for each): the problems found, reported on the SLUB log as Linux reports them. It
     * flushes the CPU slabs first, so call it when the run is over or quiescent.
     *
     * @return the number of problems found over all caches
     */
    public int validate() {
        return slub.validateCaches();
    }

    /**
     * The objects of {@code s} in use, exactly: flushes the cache's CPU slabs first (flush_all(),
     * as kmem_cache_shrink() does), because /proc/slabinfo counts the free objects of a CPU slab
     * as active. For tests and introspection; it changes which slabs are partial.
     *
     * @param s the cache
     * @return the number of objects in use
     */
    public long activeObjects(KmemCache s) {
        s.flushAll();
        String prefix = s.name() + " ";
        for (String line : slub.slabinfo().split("\n")) {
            if (line.startsWith(prefix)) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[1]);
            }
        }
        throw new IllegalStateException("cache " + s.name() + " missing from /proc/slabinfo:\n" + slub.slabinfo());
    }
}
