package io.mmemu.mm.vma;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.slab.KernelSlab;

/**
 * What every address space shares: guest physical memory, the page allocator, the shared zero
 * page (ZERO_PAGE(0), mapped read-only for read faults on anonymous memory), the fault counters
 * (vm_event_item), the CPUs' TLB-flush entry point, and the slab caches of the kernel objects
 * ({@link KernelSlab}: every VMA, address space and task owns an object in emulated memory).
 */
public final class MmEnv {
    private final PhysicalMemory mem;
    private final PageAllocator allocator;
    private final FrameTable frames;
    private final long zeroPfn;
    private final long[] events = new long[VmEvent.values().length];
    private TlbFlush tlbFlush = TlbFlush.NONE;
    private final PagingControl pagingControl = new PagingControl();
    private final KernelSlab kernelSlab;

    public MmEnv(PhysicalMemory mem, PageAllocator allocator) {
        this.mem = mem;
        this.allocator = allocator;
        this.frames = allocator.frames();
        this.zeroPfn = allocator.allocPages(0);
        if (zeroPfn == PageAllocator.NO_PAGE) throw new IllegalStateException("no memory for the zero page");
        if (!frames.testAndClearFresh(zeroPfn)) mem.clearPage(zeroPfn);
        frames.setPageFlag(zeroPfn, PageFlag.ZERO_PAGE);
        this.kernelSlab = new KernelSlab(mem, allocator, () -> this.tlbFlush.flushTranslatedCode());
    }

    /** Reserves guest RAM of {@code bytes} and builds the allocator over it (frame 0 reserved, as the BIOS page). */
    public static MmEnv boot(long bytes) {
        PhysicalMemory mem = PhysicalMemory.reserve(bytes);
        return new MmEnv(mem, new PageAllocator(mem.nrPages(), 1));
    }

    public PhysicalMemory mem() {
        return mem;
    }

    public PageAllocator allocator() {
        return allocator;
    }

    public FrameTable frames() {
        return frames;
    }

    /** The kernel's slab caches (vm_area_struct, mm_struct, task_struct, ...). */
    public KernelSlab kernelSlab() {
        return kernelSlab;
    }

    public long zeroPfn() {
        return zeroPfn;
    }

    public PagingControl pagingControl() {
        return pagingControl;
    }

    public TlbFlush tlbFlush() {
        return tlbFlush;
    }

    public void setTlbFlush(TlbFlush tlbFlush) {
        this.tlbFlush = tlbFlush;
    }

    public void count(VmEvent event) {
        events[event.ordinal()]++;
    }

    public long event(VmEvent event) {
        return events[event.ordinal()];
    }

    /** A zeroed page for user memory (refcount 1), or NO_PAGE. Fresh frames are known zero and not cleared. */
    public long allocZeroedUserPage() {
        long pfn = allocator.allocPages(0);
        if (pfn == PageAllocator.NO_PAGE) return pfn;
        if (!frames.testAndClearFresh(pfn)) mem.clearPage(pfn);
        return pfn;
    }

    /** A page for user memory whose contents the caller overwrites at once (refcount 1), or NO_PAGE. */
    public long allocUserPage() {
        long pfn = allocator.allocPages(0);
        if (pfn != PageAllocator.NO_PAGE) frames.testAndClearFresh(pfn);
        return pfn;
    }

    /** Drops a reference to a user page, freeing it on the last (put_page()). */
    public void putPage(long pfn) {
        if (!frames.putPage(pfn)) return;
        if (frames.testAndClearPageFlag(pfn, PageFlag.EVER_EXEC)) tlbFlush.flushTranslatedCode();
        frames.clearPageFlag(pfn, PageFlag.ANON);
        frames.clearPageFlag(pfn, PageFlag.DIRTY);
        frames.clearPageFlag(pfn, PageFlag.SHMEM);
        allocator.freePages(pfn, 0);
    }
}
