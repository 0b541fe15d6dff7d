package io.mmemu.tlb.linux;

import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.TlbFlush;
import io.mmemu.tlb.Tlb;
import java.util.function.IntSupplier;

/**
 * The memory model's {@link TlbFlush} implemented by Linux's TLB management: mm-model calls
 * flushTlbMmRange after zapping or changing PTEs, and this runs flush_tlb_mm_range() on the CPU
 * that is executing the kernel operation ({@code currentCpu}).
 */
public final class LinuxTlbFlush implements TlbFlush {
    private final TlbManagement tlb;
    private final MmContexts contexts;
    private final IntSupplier currentCpu;

    /**
     * TLB flushes of the memory model, turned into flush_tlb_mm_range() on the current CPU.
     *
     * @param tlb      the TLB management of every CPU
     * @param contexts the TLB contexts of the address spaces
     * @param currentCpu the CPU executing the kernel operation that asks for the flush (the
     *     scheduler's, which may not exist yet when this is built: it is asked at each flush)
     */
    public LinuxTlbFlush(TlbManagement tlb, MmContexts contexts, IntSupplier currentCpu) {
        this.tlb = tlb;
        this.contexts = contexts;
        this.currentCpu = currentCpu;
    }

    /** Models flush_tlb_mm_range() with a 4 KiB stride, from the current CPU. */
    @Override
    public void flushTlbMmRange(MmStruct mm, long start, long end, boolean freedTables) {
        tlb.flushTlbMmRange(currentCpu.getAsInt(), contexts.contextOf(mm), start, end, Tlb.PAGE_SHIFT, freedTables);
    }

    /**
     * Models destroy_context() once exit_mmap() has torn {@code mm} down. Every CPU still on it
     * runs nothing of it any more (its last task exited: exit_mm() calls enter_lazy_tlb()), so it
     * is first made lazy; then the context goes, moving lazy CPUs to init_mm.
     */
    @Override
    public void destroyContext(MmStruct mm) {
        TlbMm ctx = contexts.existing(mm);
        if (ctx == null) return;
        for (int cpu = 0; cpu < tlb.nrCpus(); cpu++) {
            if (tlb.cpu(cpu).loadedMm() == ctx && !tlb.cpu(cpu).isLazy()) tlb.enterLazyTlb(cpu);
        }
        contexts.destroyContext(mm);
    }
}
