package io.mmemu.tlb.mmu;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.Tlb;

/**
 * One CPU's memory-management unit with Linux's page-fault handler behind it: the one loop every
 * user access of the guest goes through, whatever front end executes the instructions.
 *
 * <h2>{@link #translate}</h2>
 * <ol>
 *   <li>Look the address up in the CPU's TLB model ({@link CpuTlb}). A hit answers with the
 *       cached translation, stale or not, as the hardware's would: showing stale hits is what the
 *       model is for. PKRU is checked at each hit against the entry's key, as the hardware does
 *       ({@link PageWalker#checkPkru}): a denied access is a page fault like a failed walk. The
 *       walk folds PKRU into the rights it caches, so an entry cached under a stricter PKRU misses
 *       for the rights it lacks and is walked again (the hardware would cache the page's own
 *       rights and hit); this only happens with protection keys in use.</li>
 *   <li>A miss walks the current mm's page tables ({@link PageWalker}), which sets A and D and
 *       checks U/S, R/W, NX and protection keys.</li>
 *   <li>A failed walk is a page fault, handled at once by do_user_addr_fault() ({@link UserFault}):
 *       the instruction has not run yet, so resolving the fault and walking again is the same as
 *       restarting it. A fetch from a VMA without VM_EXEC faults twice (the page is mapped NX first,
 *       then refaults with PROT|INSTR); a third fault of one access is a model bug and throws.</li>
 *   <li>A fault that ends in a signal or the OOM path is returned as {@link #FAULT}, its
 *       {@link FaultResult} kept for {@link #fault()}: the caller decides how the CPU stops.</li>
 *   <li>A successful walk fills the TLB (the L1 array of the access's side and the second level)
 *       and is the answer.</li>
 * </ol>
 *
 * <p>This is the hot path of the emulator (every miss of the front end's own TLB lands here):
 * it allocates nothing (answers are packed {@link WalkResult} longs; the only allocation is the
 * signal do_user_addr_fault() builds for a fatal fault), every call is to a final class or a
 * static method, and counting is an array increment.
 *
 * <p>The mm and CR3 are the ones last given to {@link #switchMm}; the PCID comes from the TLB
 * model, which Linux's TLB management loads. Not thread-safe: one host thread drives every CPU.
 */
public final class Mmu {
    /**
     * What {@link #translate} returns for an access that faulted and was not resolved: never a
     * translation, whose bit 63 is clear.
     */
    public static final long FAULT = Long.MIN_VALUE;

    private final CpuTlb tlb;
    private final PageWalker walker;
    private final PagingControl control;
    /** Watch fills for capacity evictions ({@link #takeFillEviction}). */
    private final boolean watchEvictions;
    private final long[] stats = new long[MmuStat.values().length];

    private MmStruct mm;
    private long cr3;
    /** The outcome of the last access {@link #translate} answered with {@link #FAULT}. */
    private FaultResult fault;
    /** A fill by {@link #translate} evicted a valid entry since {@link #takeFillEviction} was last asked. */
    private boolean fillEvicted;

    /**
     * An MMU over one CPU's TLB, walking with {@code walker} and resolving faults through the
     * address space's fault handler.
     *
     * @param tlb     the CPU's TLB hierarchy
     * @param walker  the page walker
     * @param control the paging controls the walks obey
     * @param watchEvictions remember whether a fill evicts a valid entry ({@link #takeFillEviction}):
     *     a front end that caches translations itself must then forget the evicted one too
     */
    public Mmu(CpuTlb tlb, PageWalker walker, PagingControl control, boolean watchEvictions) {
        this.tlb = tlb;
        this.walker = walker;
        this.control = control;
        this.watchEvictions = watchEvictions;
    }

    /**
     * Makes {@code mm} the address space that misses walk and faults are handled in, with its
     * page-table root as CR3: the walker's half of a context switch (the TLB's half, the PCID and
     * what it flushes, is switch_mm_irqs_off()'s, in {@link io.mmemu.tlb.linux.TlbManagement}).
     *
     * @param mm the address space to run
     */
    public void switchMm(MmStruct mm) {
        this.mm = mm;
        this.cr3 = mm.pgd().cr3();
    }

    /** {@return the address space loaded by the last {@link #switchMm}, or null before the first} */
    public MmStruct mm() {
        return mm;
    }

    /** {@return the CR3 value of that address space's page tables, or 0 before the first switch} */
    public long cr3() {
        return cr3;
    }

    /**
     * Translates a user-mode {@code access} ({@link io.mmemu.mm.pgtable.Access}) to {@code vaddr}:
     * TLB lookup, walk, page fault, walk again, TLB fill (see the class comment).
     *
     * @param vaddr  the virtual address
     * @param access the access type ({@link io.mmemu.mm.pgtable.Access})
     * @return the translation in the {@link WalkResult} layout, or {@link #FAULT} with the
     *     outcome in {@link #fault()}
     * @throws IllegalStateException when a handled fault still faults a third time (a model bug)
     */
    public long translate(long vaddr, int access) {
        int pcid = tlb.currentPcid();
        long r = tlb.lookup(vaddr, pcid, access);
        if (r != Tlb.MISS) {
            if (control.pkru == 0) return r;
            r = PageWalker.checkPkru(r, access, control);
            return WalkResult.isFault(r) ? pageFault(vaddr, access, r) : r;
        }
        r = walkResolvingFaults(vaddr, access);
        if (r == FAULT) return FAULT;
        if (tlb.fill(vaddr, pcid, access, r, walker) && watchEvictions) fillEvicted = true;
        return r;
    }

    /**
     * {@link #translate} without the TLB: the walk, resolving a fault on the way, for an access
     * whose lookup and fill the caller has already made (a front end that looks each instruction's
     * fetch up once, before it runs).
     *
     * @param vaddr  the virtual address
     * @param access the access type ({@link io.mmemu.mm.pgtable.Access})
     * @return the translation, or {@link #FAULT} with the outcome in {@link #fault()}
     */
    public long walkResolvingFaults(long vaddr, int access) {
        long r = walker.walk(cr3, vaddr, access, true, control);
        return WalkResult.isFault(r) ? pageFault(vaddr, access, r) : r;
    }

    /**
     * The hardware half alone: the TLB, on a miss a walk and the fill of a successful one. A fault
     * is not handled but returned as the walk's result ({@link WalkResult#isFault}), left to the
     * access itself; nothing is counted here.
     *
     * @param vaddr  the virtual address
     * @param access the access type ({@link io.mmemu.mm.pgtable.Access})
     * @return the translation or the walk's fault, as a walk result ({@link WalkResult} layout)
     */
    public long lookupOrWalk(long vaddr, int access) {
        int pcid = tlb.currentPcid();
        long r = tlb.lookup(vaddr, pcid, access);
        if (r != Tlb.MISS) return control.pkru == 0 ? r : PageWalker.checkPkru(r, access, control);
        r = walker.walk(cr3, vaddr, access, true, control);
        if (!WalkResult.isFault(r)) tlb.fill(vaddr, pcid, access, r, walker);
        return r;
    }

    /**
     * The slow path: do_user_addr_fault() for the failed walk {@code r}, then the walk again. A
     * handled fault restarts the access, which may fault once more; a third fault is a model bug.
     */
    private long pageFault(long vaddr, int access, long r) {
        for (int attempt = 0; ; attempt++) {
            if (attempt == 2) {
                throw new IllegalStateException("fault at 0x" + Long.toHexString(vaddr) + " handled twice but the walk "
                        + "still faults (error code 0x" + Integer.toHexString(WalkResult.errorCode(r)) + ")");
            }
            FaultResult f = UserFault.doUserAddrFault(mm, vaddr, WalkResult.errorCode(r));
            if (f != FaultResult.HANDLED) {
                stats[MmuStat.FAULTS_NOT_RESOLVED.ordinal()]++;
                fault = f;
                return FAULT;
            }
            stats[MmuStat.PAGE_FAULTS.ordinal()]++;
            r = walker.walk(cr3, vaddr, access, true, control);
            if (!WalkResult.isFault(r)) return r;
        }
    }


    /**
     * The outcome of the last access answered with {@link #FAULT}: a {@link FaultResult.Signal} or
     * {@link FaultResult.OutOfMemory}. Meaningless after an access that succeeded.
     *
     * @return the fault's outcome
     */
    public FaultResult fault() {
        return fault;
    }

    /**
     * Whether a fill by {@link #translate} evicted a valid entry (for capacity) since the last
     * call, and forgets it. Always false unless the MMU was built to watch evictions.
     *
     * @return whether a fill evicted a valid entry
     */
    public boolean takeFillEviction() {
        boolean evicted = fillEvicted;
        fillEvicted = false;
        return evicted;
    }

    /**
     * The value of one counter.
     *
     * @param s the counter
     * @return its value
     */
    public long stat(MmuStat s) {
        return stats[s.ordinal()];
    }
}
