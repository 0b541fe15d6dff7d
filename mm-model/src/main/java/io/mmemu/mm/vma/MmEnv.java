package io.mmemu.mm.vma;

import io.mmemu.trace.FaultOutcome;
import io.mmemu.trace.Tracer;
import io.mmemu.fault.FaultInjector;
import io.mmemu.mm.huge.TransparentHugepage;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.FrameWriteHook;
import io.mmemu.mm.page.Gfp;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.slab.KernelSlab;

/**
 * What every address space shares: guest physical memory, the page allocator, the shared zero
 * page (ZERO_PAGE(0), mapped read-only for read faults on anonymous memory), the fault counters
 * (vm_event_item), the slab caches of the kernel objects ({@link KernelSlab}: every VMA, address
 * space and task owns an object in emulated memory), and the two hooks through which the model
 * reaches the layers above it: the CPUs' TLB flush ({@link TlbFlush}) and the warning that a
 * frame's contents are about to change ({@link FrameWriteHook}).
 *
 * <p>Construction follows boot: {@link Ram#reserve} makes RAM, the buddy allocator and the zero
 * page (what the TLB management needs for init_mm); then whoever owns the CPUs builds its hooks
 * over them; then the MmEnv, with the hooks given once and for all.
 *
 * <p>The machine's fault injection ({@link FaultInjector}) lives here too, as the memory model
 * holds most of its points (failslab, fail_page_alloc).
 */
public final class MmEnv {
    private final PhysicalMemory mem;
    private final PageAllocator allocator;
    private final FrameTable frames;
    private final long zeroPfn;
    private final long[] events = new long[VmEvent.values().length];
    private final TlbFlush tlbFlush;
    private final FrameWriteHook frameWrites;
    private final PagingControl pagingControl = new PagingControl();
    /** X86_FEATURE_OSPKE: the CPUs have PKU and Linux set CR4.PKE ({@link Pkeys}). */
    private boolean osPke;
    private final KernelSlab kernelSlab;
    private final FaultInjector faults;
    /** Transparent huge pages: the policy and the huge folios' PMD mappings. */
    private final TransparentHugepage thp = new TransparentHugepage();
    /** The machine's event stream; {@link Tracer#OFF} until a traced run sets one. */
    private Tracer tracer = Tracer.OFF;
    /** How the fault handle_mm_fault() is handling now ends, for the trace. */
    private FaultOutcome faultOutcome = FaultOutcome.SPURIOUS;
    /** The vm sysctls (vm.mmap_min_addr, vm.max_map_count, vm.overcommit_*), machine-wide. */
    private final VmSysctl vmSysctl = new VmSysctl();
    /** The address spaces alive (from mm_alloc() to exit_mmap()), in creation order: what vm_committed_as sums. */
    private final java.util.List<MmStruct> mms = new java.util.ArrayList<>();
    /** Inode numbers of shmem objects, in creation order (deterministic). */
    private long shmemIno = 1000;

    /**
     * Guest RAM at boot: physical memory, its buddy allocator (frame 0 reserved, as the BIOS
     * page) and the zero page, the allocator's first frame.
     *
     * @param mem       guest physical memory
     * @param allocator the buddy allocator over its frames
     * @param zeroPfn   the frame of ZERO_PAGE(0)
     */
    public record Ram(PhysicalMemory mem, PageAllocator allocator, long zeroPfn) {
        /**
         * Reserves {@code bytes} of guest RAM, builds the allocator over it and allocates ZERO_PAGE(0).
         *
         * @param bytes the size of guest RAM, a multiple of the page size
         * @return the RAM
         */
        public static Ram reserve(long bytes) {
            PhysicalMemory mem = PhysicalMemory.reserve(bytes);
            PageAllocator allocator = new PageAllocator(mem.nrPages(), 1);
            long zeroPfn = allocator.allocPages(0);
            if (zeroPfn == PageAllocator.NO_PAGE) throw new IllegalStateException("no memory for the zero page");
            FrameTable frames = allocator.frames();
            if (!frames.testAndClearFresh(zeroPfn)) mem.clearPage(zeroPfn);
            frames.setPageFlag(zeroPfn, PageFlag.ZERO_PAGE);
            return new Ram(mem, allocator, zeroPfn);
        }
    }

    /**
     * The memory model of one machine over {@code ram}, with the hooks of the CPUs that run on it.
     *
     * @param ram the guest RAM, from {@link Ram#reserve}
     * @param tlbFlush    how the CPUs drop translations of an address space
     * @param frameWrites told before a frame's contents change behind the guest's back
     */
    public MmEnv(Ram ram, TlbFlush tlbFlush, FrameWriteHook frameWrites) {
        this(ram, tlbFlush, frameWrites, new FaultInjector(0));
    }

    /**
     * The memory model of one machine over {@code ram}, with the hooks of the CPUs that run on it
     * and the machine's fault injection.
     *
     * @param ram         the guest RAM, from {@link Ram#reserve}
     * @param tlbFlush    how the CPUs drop translations of an address space
     * @param frameWrites told before a frame's contents change behind the guest's back
     * @param faults      the machine's fault injection
     */
    public MmEnv(Ram ram, TlbFlush tlbFlush, FrameWriteHook frameWrites, FaultInjector faults) {
        this(ram, tlbFlush, frameWrites, faults, null);
    }

    /**
     * The memory model of one machine over {@code ram}, with the hooks of the CPUs that run on it,
     * the machine's fault injection and the kernel's slub_debug= option.
     *
     * @param ram         the guest RAM, from {@link Ram#reserve}
     * @param tlbFlush    how the CPUs drop translations of an address space
     * @param frameWrites told before a frame's contents change behind the guest's back
     * @param faults      the machine's fault injection
     * @param slubDebug   slub_debug= for the kernel's caches (Linux's syntax), or null for none
     */
    public MmEnv(Ram ram, TlbFlush tlbFlush, FrameWriteHook frameWrites, FaultInjector faults, String slubDebug) {
        this.faults = faults;
        this.mem = ram.mem();
        this.allocator = ram.allocator();
        this.frames = allocator.frames();
        this.zeroPfn = ram.zeroPfn();
        this.tlbFlush = tlbFlush;
        this.frameWrites = frameWrites;
        this.kernelSlab = new KernelSlab(mem, allocator, frameWrites, faults, slubDebug);
        allocator.setFaults(faults);
    }

    /**
     * Guest RAM of {@code bytes} with no CPUs: no TLB to flush, nothing caching frame contents.
     *
     * @param bytes the size of guest RAM, a multiple of the page size
     * @return the environment
     */
    public static MmEnv boot(long bytes) {
        return new MmEnv(Ram.reserve(bytes), TlbFlush.NONE, FrameWriteHook.NONE);
    }

    /** {@return guest physical memory} */
    public PhysicalMemory mem() {
        return mem;
    }

    /** {@return the buddy allocator over guest RAM} */
    public PageAllocator allocator() {
        return allocator;
    }

    /** {@return the frame table: struct page of every frame} */
    public FrameTable frames() {
        return frames;
    }

    /** {@return the machine's fault injection: its points' attributes, decisions and record} */
    public FaultInjector faults() {
        return faults;
    }

    /** {@return the kernel's slab caches (vm_area_struct, mm_struct, task_struct, ...)} */
    public KernelSlab kernelSlab() {
        return kernelSlab;
    }

    /** {@return the frame of ZERO_PAGE(0), which read faults on anonymous memory map} */
    public long zeroPfn() {
        return zeroPfn;
    }

    /** {@return the machine's transparent-huge-page state: policy (default madvise) and PMD-mapped folios} */
    public TransparentHugepage thp() {
        return thp;
    }

    /** {@return the machine's vm sysctls} */
    public VmSysctl vmSysctl() {
        return vmSysctl;
    }

    /** {@return the address spaces alive, in creation order (read-only)} */
    public java.util.List<MmStruct> mms() {
        return java.util.Collections.unmodifiableList(mms);
    }

    void mmCreated(MmStruct mm) {
        mms.add(mm);
    }

    void mmExited(MmStruct mm) {
        mms.remove(mm);
    }

    /** {@return the control-register state page walks depend on (CR0.WP, EFER.NXE, CR4.PKE, PKRU)} */
    public PagingControl pagingControl() {
        return pagingControl;
    }

    /** {@return whether protection keys are on (cpu_feature_enabled(X86_FEATURE_OSPKE)): the CPUs have PKU} */
    public boolean osPke() {
        return osPke;
    }

    /**
     * Turns protection keys on for a machine whose CPUs have PKU (Linux sets CR4.PKE at boot when
     * CPUID says so); only before the first address space is made.
     *
     * @param on whether the CPUs have PKU
     */
    public void setOsPke(boolean on) {
        osPke = on;
    }

    /** {@return how the CPUs drop translations of an address space} */
    public TlbFlush tlbFlush() {
        return tlbFlush;
    }

    /** {@return the hook told before a frame's contents change outside the guest's own execution} */
    public FrameWriteHook frameWrites() {
        return frameWrites;
    }

    /**
     * {@return the next inode number for a shmem object (shmem_zero_setup() of a shared anonymous mapping): 1001, 1002, ...}
     */
    public long nextShmemIno() {
        return ++shmemIno;
    }

    /**
     * Counts one occurrence of a /proc/vmstat event (count_vm_event()).
     *
     * @param event the event
     */
    public void count(VmEvent event) {
        events[event.ordinal()]++;
    }

    /** Told of every address space about to be torn down, with its process; see {@link #setBeforeExitMmap}. */
    private java.util.function.ObjIntConsumer<MmStruct> beforeExitMmap = (mm, tgid) -> {};

    /**
     * Tells {@code observer} of every process's address space as its last user lets it go, before
     * exit_mmap() tears it down (a view of a process other than the one a run started, as crash's
     * {@code vtop -c PID} takes one).
     *
     * @param observer receives the process's thread-group id and its address space
     */
    public void setBeforeExitMmap(java.util.function.BiConsumer<Integer, MmStruct> observer) {
        this.beforeExitMmap = (mm, tgid) -> observer.accept(tgid, mm);
    }

    /**
     * An address space's last user is letting it go.
     *
     * @param mm   the address space
     * @param tgid its process
     */
    public void beforeExitMmap(MmStruct mm, int tgid) {
        beforeExitMmap.accept(mm, tgid);
    }

    /** {@return the machine's event stream} */
    public Tracer tracer() {
        return tracer;
    }

    /**
     * Traces this memory model's faults, page allocations and kernel slab caches to {@code tracer}.
     *
     * @param tracer the machine's tracer
     */
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
        allocator.setTracer(tracer);
        kernelSlab.setTracer(tracer);
    }

    /**
     * The path handle_mm_fault() took for the fault in progress (a field store: it costs nothing
     * when nobody traces).
     *
     * @param outcome the path
     */
    public void setFaultOutcome(FaultOutcome outcome) {
        this.faultOutcome = outcome;
    }

    /** {@return the path the last fault took} */
    public FaultOutcome faultOutcome() {
        return faultOutcome;
    }

    /**
     * The count of a /proc/vmstat event.
     *
     * @param event the event
     * @return how often it happened
     */
    public long event(VmEvent event) {
        return events[event.ordinal()];
    }

    /**
     * {@return a zeroed page for user memory (refcount 1), or NO_PAGE; fresh frames are known zero and not cleared}
     */
    public long allocZeroedUserPage() {
        long pfn = allocator.allocPages(0, Gfp.HIGHUSER_MOVABLE);
        if (pfn == PageAllocator.NO_PAGE) return pfn;
        if (!frames.testAndClearFresh(pfn)) mem.clearPage(pfn);
        return pfn;
    }

    /**
     * {@return a page for user memory whose contents the caller overwrites at once (refcount 1), or NO_PAGE}
     */
    public long allocUserPage() {
        long pfn = allocator.allocPages(0, Gfp.HIGHUSER_MOVABLE);
        if (pfn != PageAllocator.NO_PAGE) frames.testAndClearFresh(pfn);
        return pfn;
    }

    /**
     * Drops a reference to a user page, freeing it on the last (put_page()).
     *
     * @param pfn the page's frame number
     */
    public void putPage(long pfn) {
        if (!frames.putPage(pfn)) return;
        frameWrites.beforeFrameWrite(pfn); // its next owner writes it
        frames.clearPageFlag(pfn, PageFlag.ANON);
        frames.clearPageFlag(pfn, PageFlag.ANON_EXCLUSIVE);
        frames.clearPageFlag(pfn, PageFlag.DIRTY);
        frames.clearPageFlag(pfn, PageFlag.SHMEM);
        allocator.freePages(pfn, 0);
    }
}
