package io.mmemu.emulator.cpu;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.mmemu.emulator.unicorn.Hooks;
import io.mmemu.emulator.unicorn.Uc;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.emulator.unicorn.UnicornException;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.ArchRegs;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.kernel.arch.SyscallHandler;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.vma.UserfaultfdCtx;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.fault.TrapSignals;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.linux.MmContexts;
import io.mmemu.tlb.linux.TlbManagement;
import io.mmemu.tlb.mmu.Mmu;
import io.mmemu.tlb.mmu.MmuStat;
import io.mmemu.tlb.check.PageTablePeek;
import java.lang.foreign.MemorySegment;

/**
 * One emulated CPU: a Unicorn engine in UC_TLB_VIRTUAL mode over the shared physical memory,
 * whose every translation comes from the model.
 *
 * <p>How an access flows: Unicorn's internal TLB misses and calls {@link #tlbFill}, which asks
 * this CPU's {@link Mmu}: the model of the hardware TLB ({@link CpuTlb}: L1 iTLB and dTLB, second
 * level, paging-structure caches), whose hit answers with the cached translation, stale or not,
 * exactly as hardware would; on a miss the page walk over the current mm's tables; a failed walk
 * is a page fault, handled at once by do_user_addr_fault (the instruction has not executed yet, so
 * answering the fill with the new translation is the same as restarting it). A fault that ends in
 * a signal refuses the fill: Unicorn stops with RIP at the faulting instruction and {@link #run}
 * delivers the signal. The fill hook keeps only what is Unicorn's: the addresses the model must
 * not see, the answer's format, and the evictions Unicorn must hear of. CPU exceptions the engine
 * raises become the signals Linux sends through {@link TrapSignals}.
 *
 * <p>Linux's TLB management
 * ({@link TlbManagement}, arch/x86/mm/tlb.c) decides what it keeps: context switches go through
 * switch_mm_irqs_off() with PCIDs, and flushes, local or by shootdown, reach the model first.
 *
 * <p>Invariant: Unicorn's TLB holds only translations the model TLB holds: every change of the
 * model (a CR3 load, a flush, an INVLPG, here or by an IPI from another CPU) flushes this CPU's
 * Unicorn TLB ({@link #flushUnicornTlb}, called by the management's listener), except the one
 * page the fill hook is answering for ({@link #flushUnicornTlbRange}). Capacity
 * evictions of the model reach Unicorn only with exactTlb (see the constructor).
 *
 * <p>To the kernel this is an {@link ArchCpu}: registers cross as values ({@link EngineRegs}), a
 * syscall's too ({@link #onSyscall}).
 *
 * <p>Protection keys (the PKU CPU model, QEMU's Skylake-Server): CR4.PKE and OSXSAVE are set as
 * Linux sets them, so WRPKRU, RDPKRU and XSAVE/XRSTOR of PKRU run in the engine, whose
 * helper_wrpkru() flushes Unicorn's TLB: every access after a WRPKRU fills again. PKRU itself
 * lives in the engine (env->pkru, {@link Unicorn#pkru}); the model's copy
 * ({@link PagingControl#pkru}, which the walker, the TLB model's hits and the kernel's pkey code
 * use) is the running CPU's: loaded from the engine at every fill, syscall and return to the
 * kernel, and written back when the kernel changed it (pkey_alloc(), an execute-only mapping);
 * Unicorn's TLB is emptied whenever PKRU changes outside the engine (a context restored, a signal
 * frame), as its entries were checked against the old value.
 */
public final class Cpu implements ArchCpu {
    /** CR0: PE MP ET NE WP AM PG, as Linux runs. */
    static final long CR0 = 0x8005_0033L;
    /** CR4: PAE PGE OSFXSR OSXMMEXCPT (SSE enabled for user code). */
    static final long CR4 = 0x6a0L;
    /** CR4.OSXSAVE and CR4.PKE, which Linux adds on a CPU with XSAVE and PKU. */
    static final long CR4_OSXSAVE = 1L << 18, CR4_PKE = 1L << 22;
    /** EFER: SCE LME LMA NXE. */
    static final long EFER = 0xd01L;

    private final int id;
    private final CrossModifyingCode crossModifyingCode;
    /** Inside uc_emu_start: hooks run on the engine's stack ({@link #flushTranslatedCode}). */
    private boolean running;
    /** Translated code to drop before the engine runs again. */
    private boolean tbFlushPending;
    private final Unicorn uc;
    private final MmEnv env;
    /** TLB lookup, page walk, page fault, TLB fill: every translation Unicorn asks for. */
    private final Mmu mmu;
    private final SyscallHandler syscalls;
    private final CpuStats stats = new CpuStats();
    /** The model of this CPU's hardware TLB, consulted before any walk. */
    private final CpuTlb tlb;
    /** Linux's TLB management of every CPU: this CPU switches mms through it. */
    private final TlbManagement tlbManagement;
    private final MmContexts contexts;
    /** Propagate the model TLB's capacity evictions to Unicorn's TLB (exact miss counts). */
    private final boolean exactTlb;
    /** Precise mode: every instruction is looked up in the model TLB, and so are its data accesses (see {@link #onInstructionPrecise}). */
    private final boolean precise;

    private Task current;
    /** Set by a hook when the task must get a signal once Unicorn has stopped. */
    private FaultResult.Signal pendingSignal;
    private FaultResult.OutOfMemory pendingOom;
    /** A missing fault of a userfaultfd-registered VMA the last run hit: the task waits for its handler. */
    private FaultResult.Userfault pendingUserfault;
    private boolean stopRequested;
    private boolean rescheduleRequested;
    /** The x86 vector of the last CPU exception reported by the interrupt hook. */
    private int trapno;
    private FaultResult.Signal lastFault;
    /** Exact instruction counts, once something needs them ({@link #countInstructions}). */
    private BlockCounter counter;
    /** The count at which runs end ({@link #stopAt}), or Long.MAX_VALUE. */
    private long stopAt = Long.MAX_VALUE;
    /** This engine's registers as the kernel's values. */
    private final EngineRegs regs;
    /** Frames this engine may write, marked at each writable fill while a recorder watches; null otherwise. */
    private WrittenFrames writtenFrames;
    /** The control-register state the model's walks obey; its PKRU is this CPU's while it runs. */
    private final PagingControl control;
    /** The engine's PKRU on the PKU model, else null (see the class comment). */
    private final MemorySegment pkru;

    /**
     * A CPU: one Unicorn engine in UC_TLB_VIRTUAL mode over the whole of physical memory, whose
     * TLB-fill hook asks this CPU's model TLB through its {@link Mmu}.
     *
     * @param id                 the CPU number
     * @param env                the memory model the CPU translates through
     * @param syscalls           the kernel: syscalls, faults and the return to user mode
     * @param countInstructions  whether to count instructions from the start
     * @param tlbManagement      Linux's TLB management; it holds this CPU's model TLB
     * @param contexts           the TLB contexts of the address spaces
     * @param crossModifyingCode drops translated code of frames written behind the engines' backs
     * @param precise            precise mode: every instruction and its data accesses are looked up
     *     in the model TLB (see {@code onInstructionPrecise})
     * @param exactTlb when true, every entry the model TLB evicts for capacity is also dropped from
     *     Unicorn's TLB (which can only flush everything), so every miss of the modelled TLB reaches
     *     the model and miss counts are exact; when false, Unicorn may keep serving such entries —
     *     still correct translations, since invalidations always propagate — and misses are
     *     undercounted for working sets beyond the model TLB. Exact costs about 3x on streaming access.
     * @param pku      the PKU CPU model (QEMU's Skylake-Server) with CR4.PKE set, rather than qemu64
     */
    public Cpu(int id, MmEnv env, SyscallHandler syscalls, boolean countInstructions, TlbManagement tlbManagement,
            MmContexts contexts, CrossModifyingCode crossModifyingCode, boolean exactTlb, boolean precise, boolean pku) {
        this.id = id;
        this.crossModifyingCode = crossModifyingCode;
        this.tlbManagement = tlbManagement;
        this.contexts = contexts;
        this.tlb = tlbManagement.hardware(id);
        this.exactTlb = exactTlb;
        this.precise = precise;
        this.env = env;
        this.syscalls = syscalls;
        this.control = env.pagingControl();
        this.mmu = new Mmu(tlb, new PageWalker(env.mem()), control, exactTlb);
        if (pku && !Unicorn.pkruReachable()) {
            throw new IllegalStateException("the PKU CPU model needs the engine's PKRU, which this libunicorn or "
                    + "native library does not give (native/mmemu_pkru.c; run bin/setup)");
        }
        this.uc = Unicorn.openX86_64(pku ? Uc.CPU_X86_SKYLAKE_SERVER : Uc.CPU_X86_QEMU64);
        MemorySegment enginePkru = null;
        try {
            uc.ctlTlbMode(Uc.TLB_VIRTUAL);
            uc.memMapPtr(0, env.mem().segment(), Uc.PROT_ALL);
            uc.regWrite(X86Reg.CR0, CR0);
            uc.regWrite(X86Reg.CR4, pku ? CR4 | CR4_OSXSAVE | CR4_PKE : CR4);
            if (pku) enginePkru = uc.pkru();
            uc.msrWrite(0xC0000080, EFER);
            if (!precise) uc.hookTlbFill(this::tlbFill);
            uc.hookSyscall(this::onSyscall);
            uc.hookInterrupt(this::onInterrupt);
            uc.hookInvalidInstruction(this::onInvalidInstruction);
            this.counter = countInstructions ? BlockCounter.attach(uc, new CodeReader(), this::stopForCounter) : null;
            if (precise) {
                // Data repeats are counted natively but in the reference mode and with PKRU (which
                // WRPKRU changes with no hook, and which every hit checks).
                preciseRepeats = PreciseRepeats.attach(uc, this::onInstructionPrecise, this::tlbFill,
                        !flushEachInstruction && !pku ? this::repeatedDataFill : null, tlb);
                // A code hook lets a stop asked mid-block end the block there: count per instruction.
                if (counter != null) counter.countEachInstruction();
            }
        } catch (RuntimeException e) {
            uc.close();
            throw e;
        }
        this.pkru = enginePkru;
        this.regs = new EngineRegs(uc, id, () -> running, enginePkru, this::pkruChangedOutsideEngine);
    }

    /** PKRU changed between runs (a register load, a context restored): the model's copy follows, Unicorn's TLB empties. */
    private void pkruChangedOutsideEngine() {
        control.pkru = pkru.get(JAVA_INT, 0);
        flushUnicornTlb();
    }

    /** The model's PKRU becomes this CPU's (the engine's, which WRPKRU may have changed); nothing without PKU. */
    private void loadPkru() {
        if (pkru != null) control.pkru = pkru.get(JAVA_INT, 0);
    }

    @Override
    public int id() {
        return id;
    }

    /** {@return this CPU's Unicorn engine} */
    public Unicorn engine() {
        return uc;
    }

    /** {@return this CPU's counters} */
    public CpuStats stats() {
        return stats;
    }

    @Override
    public Task current() {
        return current;
    }

    @Override
    public long instructions() {
        return counter == null ? -1 : counter.count();
    }

    /**
     * {@return the blocks of guest code Unicorn translated on this CPU since counting started, or -1
     * when it does not count}: every translation and retranslation (after translated code was
     * dropped) of a block about to run, but the engine's first (UC_HOOK_EDGE_GENERATED needs a
     * block run before).
     */
    public long translatedBlocks() {
        return counter == null ? -1 : counter.translated();
    }

    /**
     * Counts instructions from now on (a no-op when it already does): CPU time for RLIMIT_CPU and
     * the run's instruction budget need it. Only between runs: code translated before has no
     * counting hook, so it is dropped, which must not happen inside one of this engine's own hooks.
     */
    @Override
    public void countInstructions() {
        if (running) throw new IllegalStateException("cpu " + id + ": counting can only start between runs");
        if (counter == null) {
            counter = BlockCounter.attach(uc, new CodeReader(), this::stopForCounter);
            if (precise) counter.countEachInstruction();
            uc.ctlFlushTb();
        }
    }

    /**
     * Guest code as the current page tables map it, for the instruction counter: a walk that reads
     * the tables only ({@link PageTablePeek}: no accessed bits, no model TLB), remembering the
     * last page's frame. A page counts as writable as the TLB would cache it (RW with D): a clean
     * page gets a writable translation only through a fill, which tells the counter.
     */
    private final class CodeReader implements BlockCounter.GuestCode {
        private long page = -1;
        private long pagePa;
        private boolean writable;
        private boolean sawWritable;

        @Override
        public void forget() {
            page = -1;
            sawWritable = false;
        }

        @Override
        public boolean sawWritable() {
            return sawWritable;
        }

        @Override
        public int byteAt(long vaddr) {
            if ((vaddr & -4096L) != page) {
                long pa = physical(vaddr & -4096L);
                if (pa < 0) return -1;
                page = vaddr & -4096L;
                pagePa = pa;
                counter.decodedFrom(page, pa);
            }
            sawWritable |= writable;
            return env.mem().getByte(pagePa | (vaddr & 4095)) & 0xff;
        }

        /** The frame address of page {@code vpage}, or -1; sets {@link #writable}. */
        private long physical(long vpage) {
            if (current == null || mmu.mm() == null) return -1;
            long r = PageTablePeek.walk(env.mem(), mmu.mm().pgd().cr3(), vpage);
            if (r == PageTablePeek.NOT_MAPPED) return -1;
            writable = (WalkResult.prot(r) & WalkResult.PROT_WRITE) != 0;
            return WalkResult.pagePa(r);
        }
    }

    /**
     * Marks in {@code frames} each frame a fill lets this engine write, from now on (the recorder's
     * checkpoints hash the frames written since the last one).
     *
     * @param frames the set to mark, or null to stop
     */
    public void trackWrittenFrames(WrittenFrames frames) {
        this.writtenFrames = frames;
    }

    /**
     * Ends runs exactly at {@code count} instructions: each engine start is given at most the
     * instructions left before it (Unicorn's count stops before the instruction after the last one
     * counted), so the run ends right after the {@code count}-th whatever stops it on the way.
     */
    @Override
    public void stopAt(long count) {
        if (count != Long.MAX_VALUE && counter == null) throw new IllegalStateException("cpu " + id + ": stopAt needs counting");
        stopAt = count;
    }

    /** Whether the run got to {@link #stopAt}. */
    private boolean atStop() {
        return stopAt != Long.MAX_VALUE && counter.count() >= stopAt;
    }

    /** {@return this CPU's model TLB hierarchy} */
    public CpuTlb tlb() {
        return tlb;
    }

    /** {@return this CPU's translation loop (its counters: {@link io.mmemu.tlb.mmu.MmuStat})} */
    public Mmu mmu() {
        return mmu;
    }

    /**
     * Makes {@code task} current: switch_mm_irqs_off() loads its mm with a CR3 write carrying
     * the mm's PCID (and NOFLUSH when the PCID's entries are still good), or with none when a
     * thread of the mm already loaded follows another.
     */
    @Override
    public void switchTo(Task task) {
        current = task;
        mmu.switchMm(task.mm());
        tlbManagement.switchMmIrqsOff(id, contexts.contextOf(task.mm()));
    }

    /** Models enter_lazy_tlb(): nothing to run; the mm last run stays loaded, lazily. */
    @Override
    public void enterLazyTlb() {
        current = null;
        tlbManagement.enterLazyTlb(id);
    }

    @Override
    public ArchRegs regs() {
        return regs;
    }

    /**
     * Drops every translation in Unicorn's own TLB, after the model's changed. Rewriting CR3
     * (paging on) flushes the TLB only; uc_ctl(TLB_FLUSH) would drop all translated code as
     * well, several times dearer.
     */
    public void flushUnicornTlb() {
        long cr3 = mmu.cr3();
        if (cr3 == 0) return; // no mm loaded yet: Unicorn's TLB is empty
        uc.regWrite(X86Reg.CR3, cr3);
        if (preciseRepeats != null) {
            preciseRepeats.emptied();
            preciseRepeats.forget(); // the model TLB changed
        }
        crossModifyingCode.onUnicornTlbFlush(id);
        stats.count(CpuStat.TLB_FLUSHES);
    }

    /**
     * Drops the translations of [{@code start}, {@code end}) from Unicorn's TLB, after the model's
     * lost them: page by page as INVLPG would (QEMU's tlb_flush_page(), {@link Unicorn#flushTlbPages})
     * up to Linux's tlb_single_page_flush_ceiling, else the whole TLB. Inside the fill hook, a
     * flush of just the page being filled (a COW break, a write-protect upgrade: the fault the
     * fill resolves) needs nothing, because the answer replaces Unicorn's entry for that page
     * (tlb_set_page_with_attrs() drops the page's old entry, victim TLB included, for the one
     * MMU index the guest's accesses use: CPL 0 without SMAP). Programs that fault a page in
     * at a time (a zero-page read, then the COW on write) or unmap a few pages keep their TLB
     * warm that way.
     *
     * @param start the first address flushed, page aligned
     * @param end   the end of the range, exclusive
     */
    public void flushUnicornTlbRange(long start, long end) {
        if (preciseRepeats != null) preciseRepeats.forget(); // the model TLB changed
        if (fillingPage != -1 && start == fillingPage && end == fillingPage + 4096) {
            fillingPageFlushed = true;
            return;
        }
        if (Long.compareUnsigned(end - start, SINGLE_PAGE_FLUSH_CEILING * 4096L) <= 0 && Unicorn.pageFlushes()) {
            uc.flushTlbPages(start, end);
            stats.count(CpuStat.TLB_PAGE_FLUSHES);
            return;
        }
        flushUnicornTlb();
    }

    /** Linux's tlb_single_page_flush_ceiling: beyond this many pages a range flush empties the whole TLB. */
    private static final long SINGLE_PAGE_FLUSH_CEILING = 33;

    /**
     * Drops translated code (after a frame that held code gets new contents). Called from one of
     * this engine's own hooks (a syscall freeing or writing such a frame), it only asks: the
     * engine stops once the hook returns and the code goes before it runs again, because
     * uc_ctl(TB_FLUSH) inside a hook frees the translation being run, and the engine would
     * return into freed code (a JVM crash).
     */
    public void flushTranslatedCode() {
        if (running) {
            tbFlushPending = true;
            stopRequested = true;
            stopEngine();
            return;
        }
        uc.ctlFlushTb();
        stats.count(CpuStat.TB_FLUSHES);
        if (counter != null) counter.newGeneration();
    }

    // ------------------------------------------------------------------ hooks (called from native code)

    /** Precise mode's native code, fill and memory hooks (with Java's lookups for the rest), or null. */
    private PreciseRepeats preciseRepeats;
    /**
     * Precise mode's reference: every instruction's lookup in Java, and Unicorn's TLB emptied
     * before every instruction, filled or not ({@code -Dmmemu.precise.flushEachInstruction=true}).
     */
    private final boolean flushEachInstruction = Boolean.getBoolean("mmemu.precise.flushEachInstruction");
    /** The page {@link #tlbFill} is translating (its flush needs nothing: {@link #flushUnicornTlbRange}), or -1. */
    private long fillingPage = -1;
    /** Whether a flush of {@link #fillingPage} was left to the fill's answer. */
    private boolean fillingPageFlushed;

    /** UC_HOOK_TLB_FILL: the model's translation of {@code vaddr}, handling a page fault on the way. */
    private long tlbFill(long vaddr, int memType) {
        if (preciseRepeats != null) {
            takePreciseRepeats(); // the model's counters in the order the accesses came
            long faults = mmu.stat(MmuStat.PAGE_FAULTS);
            long r = fill(vaddr, memType);
            long page = vaddr & -4096L;
            // Whatever the answer (the probe's page is an entry too), except an execute-only one.
            if (memType != Uc.MEM_FETCH || vaddr == probePage) preciseRepeats.filled(page);
            // The fill's lookups may have made the last ones' repeats more than counted hits.
            long fetchPage = preciseRepeats.page();
            if (fetchPage != -1 && !tlb.fetchPlainHit(fetchPage)) preciseRepeats.forgetFetch();
            // A data fill whose answer is not executable touched only its page's sets, unless it
            // handled a fault, which may have mapped a listed page's frame at a second address
            // (the zero page). A fetch fill walks without the model TLB (fill()), and the frame
            // it marks as code is no listed page's (each listed frame is mapped once, not executable).
            boolean faulted = mmu.stat(MmuStat.PAGE_FAULTS) != faults;
            if (memType != Uc.MEM_FETCH && r != Hooks.TlbFill.NO_TRANSLATION && (r & Uc.PROT_EXEC) == 0
                    && probePage == -1) {
                preciseRepeats.listData(page, faulted);
            } else if (memType != Uc.MEM_FETCH || vaddr == probePage || faulted) {
                preciseRepeats.recheckData();
            }
            return r;
        }
        return fill(vaddr, memType);
    }

    /**
     * What precise mode's data fill of {@code page} for {@code access} would answer now if its
     * lookup hit and changed nothing but the model TLB's counters, and the answer's effects
     * ({@link #answer}) were all made already, so that the native hooks may count its repeats
     * ({@link PreciseRepeats}): the frame ORed with the rights, or -1. The frame must be mapped
     * by this page alone, since the memory hook that counts sees physical addresses.
     */
    private long repeatedDataFill(long page, int access) {
        long r = tlb.dataPlainHit(page, access);
        if (r == Tlb.MISS) return -1;
        long pa = WalkResult.pagePa(r);
        int prot = WalkResult.prot(r);
        boolean writable = (prot & WalkResult.PROT_WRITE) != 0;
        if ((prot & WalkResult.PROT_EXEC) != 0) return -1; // its frame may come to hold code (CrossModifyingCode)
        if (env.frames().pageMapcount(pa >>> 12) != 1) return -1;
        if (writable && !crossModifyingCode.writableFillChangesNothing(id, pa >>> 12)) return -1;
        if (counter != null && !counter.fillChangesNothing(page, pa, writable)) return -1;
        return pa | prot;
    }

    /** The fill hook's work: the model's translation of {@code vaddr}, a page fault handled on the way. */
    private long fill(long vaddr, int memType) {
        loadPkru();
        // The probe's page allows everything: the instruction may be fetched from it too.
        if (vaddr == probePage) return probeScratchPa | Uc.PROT_ALL;
        // A non-canonical address is no page fault but a #GP: SIGSEGV with SI_KERNEL and si_addr 0.
        if ((vaddr >> 47) != 0 && (vaddr >> 47) != -1) {
            if (noFaultPending()) {
                trapno = TrapSignals.X86_TRAP_GP;
                pendingSignal = TrapSignals.signal(TrapSignals.X86_TRAP_GP, 0, "non-canonical address");
            }
            return Hooks.TlbFill.NO_TRANSLATION;
        }
        // After exit_group the engine may still fetch ahead before it stops; the mm and its page
        // tables are gone (their frames may be reused): answer nothing.
        if (current.exited()) return Hooks.TlbFill.NO_TRANSLATION;
        // Winding down a run that uc_emu_stop or its count ended, Unicorn fetches from the page
        // below its end address: not the guest's access, so no lookup, walk or fault (see STOP_FETCH_PAGE).
        if (vaddr == STOP_FETCH_PAGE && memType == Uc.MEM_FETCH) return Hooks.TlbFill.NO_TRANSLATION;
        int access = memType == Uc.MEM_WRITE ? Access.WRITE : memType == Uc.MEM_FETCH ? Access.FETCH : Access.READ;
        if (precise && access == Access.FETCH) {
            // The code hook has looked the fetch up in the model TLB already, once per instruction.
            // The answer is execute-only: a data access to the page still reaches this hook (and
            // the model TLB), so a fetch fill leaves nothing that needs emptying before the next
            // instruction (an empty jump cache makes the next block fetch-fill again).
            long r = mmu.walkResolvingFaults(vaddr, access);
            return r == Mmu.FAULT ? refuseFaultingFill() : answer(vaddr, r, access) & ~(long) (Uc.PROT_READ | Uc.PROT_WRITE);
        }
        fillingPage = vaddr & -4096L;
        fillingPageFlushed = false;
        long r = mmu.translate(vaddr, access);
        fillingPage = -1;
        if (r == Mmu.FAULT) {
            // No answer replaces the page's entry: the flush the fault asked for must happen.
            if (fillingPageFlushed) flushUnicornTlb();
            return refuseFaultingFill();
        }
        // With exactTlb, Unicorn's TLB holds only what the model holds: an entry the model evicted
        // goes from Unicorn's too, which can only flush all of it.
        if (exactTlb && mmu.takeFillEviction()) flushUnicornTlb();
        stats.countTlbFill();
        return answer(vaddr, r, access);
    }

    /**
     * The MMU refused the access (a signal, the OOM path or a userfault): record it for {@link #run} and refuse
     * the fill. The first event wins: Unicorn may go on to deliver an exception through the (empty)
     * IDT, whose pushes fault again; those are artefacts, not the guest's fault.
     */
    private long refuseFaultingFill() {
        if (noFaultPending()) {
            trapno = TrapSignals.X86_TRAP_PF;
            switch (mmu.fault()) {
                case FaultResult.Signal s -> pendingSignal = s;
                case FaultResult.OutOfMemory oom -> pendingOom = oom;
                case FaultResult.Userfault uf -> pendingUserfault = uf;
                case FaultResult.Handled h -> throw new IllegalStateException("a handled fault refused");
            }
        }
        return Hooks.TlbFill.NO_TRANSLATION;
    }

    /** What the fill hook gives Unicorn for translation {@code r} of {@code vaddr}, telling {@link CrossModifyingCode} on the way. */
    private long answer(long vaddr, long r, int access) {
        long pa = WalkResult.pagePa(r);
        int prot = WalkResult.prot(r);
        // The instruction counter forgets block counts decoded from this page in another frame.
        if (counter != null) counter.filled(vaddr & -4096L, pa, (prot & WalkResult.PROT_WRITE) != 0);
        if ((prot & WalkResult.PROT_EXEC) != 0) crossModifyingCode.onExecutableFill(id, pa >>> 12);
        if ((prot & WalkResult.PROT_WRITE) != 0) {
            crossModifyingCode.onWritableFill(id, pa >>> 12);
            if (writtenFrames != null) writtenFrames.mark(pa >>> 12);
        }
        return pa | prot;
    }

    /**
     * UC_HOOK_CODE in precise mode, before each instruction: one fetch lookup of its page in the
     * model TLB (a miss walks and fills, as the hardware's would; a fault is left to the fetch
     * itself), then Unicorn's TLB is emptied so that the instruction's data accesses reach the
     * fill hook and are looked up too. So hits and misses are counted per instruction and per
     * page it touches, and LRU order follows every access. The native side of the hooks
     * ({@link PreciseRepeats}) counts a repeat of the last lookup itself when it would change nothing
     * but the counters, and so the accesses to a few data pages that stay in Unicorn's TLB; this
     * is the rest.
     */
    private void onInstructionPrecise(long address, int size) {
        takePreciseRepeats();
        preciseRepeats.forgetFetch();
        if (probePage != -1 || current == null || current.exited()) return;
        mmu.lookupOrWalk(address, Access.FETCH);
        // A listed page's lookup reads only the L1 dTLB, which a split L1's fetch lookup leaves
        // alone; a unified one's may have refilled or reordered any set.
        if (!tlb.fetchLookupsLeaveL1dAlone()) preciseRepeats.recheckData();
        // Unicorn's TLB holds only what fills put there since it was last emptied: those pages go
        // (none after register-only instructions); emptying all of it clears the jump cache too.
        long cr3 = mmu.cr3();
        if (flushEachInstruction) {
            uc.regWrite(X86Reg.CR3, cr3);
            preciseRepeats.emptied();
            return;
        }
        preciseRepeats.flush(cr3);
        long page = address & -4096L;
        if (tlb.fetchPlainHit(page)) preciseRepeats.hit(page, cr3);
    }

    /** Hands the hits precise mode's native hook counted to the model TLB's counters, and their recency to its sets. */
    private void takePreciseRepeats() {
        preciseRepeats.replayRecency();
        long n = preciseRepeats.takeRepeats();
        if (n != 0) tlb.countRepeatedFetchHits(n);
        long d = preciseRepeats.takeDataRepeats();
        if (d != 0) {
            tlb.countRepeatedDataHits(d);
            stats.countTlbFills(d);
        }
    }

    /**
     * uc_emu_stop from a hook, telling the instruction counter first: Unicorn calls a lone block
     * hook directly, before the check that ends the run, so the block after the stop would be counted.
     */
    private void stopEngine() {
        if (counter != null) counter.stopping();
        uc.emuStop();
    }

    /** The instruction counter met a block it cannot count: the run ends before it, as a hook asked. */
    private void stopForCounter() {
        stopRequested = true;
        uc.emuStop();
    }

    /** UC_HOOK_INSN (syscall): the instruction's work ({@link EngineRegs#enterSyscall}), then the kernel's. */
    private void onSyscall() {
        if (preciseRepeats != null) {
            takePreciseRepeats();
            preciseRepeats.forget();
        }
        if (probePage != -1) { // the fault probe never runs the program on into a syscall
            stopEngine();
            return;
        }
        stats.count(CpuStat.SYSCALLS);
        PtRegs entry = regs.enterSyscall();
        loadPkru();
        boolean stop = syscalls.syscall(this, current, entry);
        regs.exitSyscall();
        // write_pkru() in the syscall (pkey_alloc(), an execute-only mapping): the engine gets it.
        if (pkru != null && control.pkru != pkru.get(JAVA_INT, 0)) {
            pkru.set(JAVA_INT, 0, control.pkru);
            flushUnicornTlb();
        }
        if (stop) {
            stopRequested = true;
            stopEngine();
        }
    }

    /** uc_emu_start's end address: none (every run ends by a hook, a fault or its count). */
    static final long UNTIL = -1L;
    /**
     * The page of {@code UNTIL - 1}. Unicorn fetches from it while it winds down a run that
     * uc_emu_stop or the instruction count ended, and reports the refused fill as
     * UC_ERR_EXCEPTION: so almost every run returns that error, whatever stopped it. A data
     * access of the guest's to this page is a fault like any other, and so is a jump there
     * (see {@link #run}).
     */
    static final long STOP_FETCH_PAGE = (UNTIL - 1) & -4096L;

    /** UC_HOOK_INTR: CPU exceptions and software interrupts become the signals Linux sends ({@link TrapSignals}). */
    private void onInterrupt(int intno) {
        if (noFaultPending()) {
            trapno = intno;
            pendingSignal = TrapSignals.signal(intno, 0, "CPU exception " + intno);
        }
        stopEngine();
    }

    private boolean onInvalidInstruction() {
        if (noFaultPending()) {
            trapno = TrapSignals.X86_TRAP_UD;
            // si_addr is RIP, precise only once the engine has stopped (run() sets it).
            pendingSignal = TrapSignals.signal(TrapSignals.X86_TRAP_UD, 0, "invalid opcode");
        }
        return false;
    }

    // ------------------------------------------------------------------ running

    @Override
    public void requestReschedule() {
        rescheduleRequested = true;
    }

    /**
     * Ends the current run at the next safe point, as a yield does (a debugger's pause, see
     * io.mmemu.kernel.DebugHook): from a hook of this engine, the engine stops (before the
     * instruction, in a code hook; at the end of the block, in a fill or memory hook; after the
     * syscall, in the syscall hook) and the run returns once the kernel's work is done. Outside
     * a run it does nothing (the next run starts afresh): the CPU is already at rest.
     */
    public void requestStop() {
        rescheduleRequested = true;
        if (running) {
            stopRequested = true;
            stopEngine();
        }
    }

    @Override
    public boolean rescheduleRequested() {
        return rescheduleRequested;
    }

    /**
     * Runs the current task until it exits, is killed or gives up the CPU, or, when
     * {@code quantum} is positive, until about that many instructions have run (the timer tick;
     * each stop of the engine for kernel work starts a fresh count, which keeps the count
     * deterministic without counting every instruction).
     */
    @Override
    public RunOutcome run(long quantum, boolean exact) {
        Task task = current;
        rescheduleRequested = false;
        crossModifyingCode.beforeRun(this);
        loadPkru();
        // Signals sent while the task was off the CPU are delivered before it runs again.
        int early = syscalls.exitToUserMode(this, task);
        if (early != 0) return killedBy(task, early, uc.regRead(X86Reg.RIP));
        if (rescheduleRequested) { // the task stopped there (a ptrace stop), or the run must end
            rescheduleRequested = false;
            return RunOutcome.yielded();
        }
        while (!task.exited()) {
            fillingPage = -1; // a fill hook that failed (an exception) left it set
            pendingSignal = null;
            pendingOom = null;
            pendingUserfault = null;
            stopRequested = false;
            if (tbFlushPending) {
                tbFlushPending = false;
                uc.ctlFlushTb();
                stats.count(CpuStat.TB_FLUSHES);
            }
            long rip = uc.regRead(X86Reg.RIP);
            int err;
            if ((rip & -4096L) == STOP_FETCH_PAGE) {
                // The guest jumped into the page whose fetches the fill hook leaves unanswered: the
                // fetch fault the hook would have recorded (SIGSEGV at the address), without a run.
                trapno = TrapSignals.X86_TRAP_PF;
                pendingSignal = new FaultResult.Signal(Signo.SIGSEGV, SiCode.SEGV_MAPERR, rip,
                        PfErr.USER | PfErr.INSTR, 0, "instruction fetch from a kernel address");
                err = UnicornException.UC_ERR_EXCEPTION;
            } else {
                err = emuStart(rip, quantum, exact);
            }
            if (task.exited()) break;
            loadPkru(); // the kernel's work below runs with this CPU's PKRU
            // RIP is precise only now that Unicorn has stopped (inside a hook it may lag behind).
            long stopIp = uc.regRead(X86Reg.RIP);
            if (counter != null && stoppedByFault(err)) counter.afterFault(stopIp);
            boolean atStop = atStop();
            if (pendingOom != null) {
                // The OOM killer chooses; the faulting instruction runs again once memory is back.
                lastFault = new FaultResult.Signal(Signo.SIGKILL, 0, pendingOom.addr(), 0, 0, "out of memory");
                syscalls.outOfMemory(this, task);
            }
            // handle_userfault(): the task sleeps until its handler resolves the page; the faulting
            // instruction then runs again, as after the OOM path.
            if (pendingUserfault != null) syscalls.handleUserfault(this, task, withPreciseAddress(pendingUserfault, stopIp));
            if (pendingSignal != null) pendingSignal = withPreciseAddress(pendingSignal, stopIp);
            if (pendingSignal != null && trapno == TrapSignals.X86_TRAP_PF
                    && syscalls.emulateVsyscall(this, task, pendingSignal.addr(), pendingSignal.errorCode())) {
                pendingSignal = null; // a call into the vsyscall page, emulated (or its own signal sent)
            }
            if (pendingSignal != null) {
                FaultResult.Signal s = pendingSignal;
                // An invalid opcode's si_addr is the instruction itself.
                if (trapno == TrapSignals.X86_TRAP_UD) {
                    s = new FaultResult.Signal(s.signo(), s.code(), stopIp, s.errorCode(), s.pkey(), s.why());
                }
                lastFault = s;
                syscalls.forceSigFault(task, s, trapno, stopIp);
            } else if (err == UnicornException.UC_ERR_INSN_INVALID) {
                lastFault = TrapSignals.signal(TrapSignals.X86_TRAP_UD, stopIp, "invalid opcode");
                syscalls.forceSigFault(task, lastFault, TrapSignals.X86_TRAP_UD, stopIp);
            } else if (err == UnicornException.UC_ERR_EXCEPTION) {
                // Every fault the guest causes is recorded by a hook before Unicorn stops; this
                // error without one is the refused fetch from STOP_FETCH_PAGE as the run wound
                // down, whatever ended it. Only an unlimited run that stopped where it started with
                // no hook asking ran nothing: a count-limited one may have gone round a loop back
                // to its start, and a refused fill (pendingOom, pendingUserfault) re-runs its instruction on purpose.
                if (!hookStopped() && quantum == 0 && stopIp == rip && !atStop) {
                    return madeNoProgress(rip);
                }
            } else if (err != UnicornException.UC_ERR_OK) {
                lastFault = TrapSignals.signal(TrapSignals.X86_TRAP_GP, 0, "CPU stopped: " + Unicorn.strerror(err));
                syscalls.forceSigFault(task, lastFault, TrapSignals.X86_TRAP_GP, stopIp);
            } else if (!stopRequested && stopIp == rip && quantum == 0 && !atStop) {
                // Unicorn returned without running anything and without a reason: do not spin.
                return madeNoProgress(rip);
            }
            // An engine that stopped on its own, with no hook asking, ran out of its instruction
            // count (its error is OK, or the refused wind-down fetch above).
            boolean tick = quantum > 0 && !hookStopped()
                    && (err == UnicornException.UC_ERR_OK || err == UnicornException.UC_ERR_EXCEPTION);
            int kill = syscalls.exitToUserMode(this, task);
            if (task.exited()) break;
            if (kill != 0) return killedBy(task, kill, stopIp);
            lastFault = null;
            if (rescheduleRequested) {
                rescheduleRequested = false;
                return RunOutcome.yielded();
            }
            if (tick || atStop) return RunOutcome.tick();
        }
        return RunOutcome.exited(task.exitCode());
    }

    /** A count no run reaches: the counting hook stays, the run has no limit (see {@link #emuStart}). */
    private static final long NO_COUNT_LIMIT = Long.MAX_VALUE;
    /** Whether Unicorn's counting hook is installed in this engine (see {@link #emuStart}). */
    private boolean countHookInstalled;

    /**
     * Whether the last run ended at a faulting instruction that started (a data access, an
     * exception, an invalid opcode): not at a failed fetch, which translated nothing.
     */
    private boolean stoppedByFault(int err) {
        if (pendingOom != null || pendingUserfault != null || err == UnicornException.UC_ERR_INSN_INVALID) return true;
        return pendingSignal != null && (pendingSignal.errorCode() & PfErr.INSTR) == 0;
    }

    /** Whether a hook stopped the engine in the last run: a syscall or flush asked, or a fault was recorded. */
    private boolean hookStopped() {
        return stopRequested || !noFaultPending();
    }

    /** Whether no fault was recorded since the run started: the first one wins (see {@link #refuseFaultingFill}). */
    private boolean noFaultPending() {
        return pendingSignal == null && pendingOom == null && pendingUserfault == null;
    }

    /**
     * uc_emu_start from {@code rip} for at most {@code count} instructions (0: no limit), marked
     * {@link #running}. An inexact count (the timer tick) is ended by the block counter at the
     * first block boundary once {@code count} have run ({@link BlockCounter#sliceFor}: no callback
     * per instruction), unless the counter counts per instruction anyway. An exact count goes to
     * Unicorn, whose count hook calls back per instruction; once it has been given, every later
     * run is given one (a count no run reaches, for no limit): uc_emu_start without a count
     * removes its counting hook and drops all translated code, and the run that follows started
     * from code of the task that ran before (one CPU: a parent resumed after its exec'd child
     * died ran the child's text at the same addresses, with its own page tables: SEGV_ACCERR).
     */
    private int emuStart(long rip, long count, boolean exact) {
        // The first time slice on a CPU that does not count yet: the block counter ends slices.
        if (count > 0 && !exact && counter == null && !precise) countInstructions();
        running = true;
        try {
            if (stopAt != Long.MAX_VALUE) {
                long left = Math.max(1, stopAt - counter.count());
                if (count <= 0 || count > left) {
                    count = left;
                    exact = true;
                }
            }
            long slice = 0;
            if (count > 0 && !exact && !countHookInstalled && !precise && counter.slicesByBlock()) {
                slice = count;
                count = 0;
            }
            if (count > 0) countHookInstalled = true;
            else if (countHookInstalled) count = NO_COUNT_LIMIT;
            if (counter != null) {
                // Unicorn's count hook calls back per instruction anyway: count there too.
                if (countHookInstalled || counter.needsEachInstruction()) counter.countEachInstruction();
                counter.beforeRun();
                if (slice > 0) counter.sliceFor(slice);
            }
            if (preciseRepeats != null) preciseRepeats.forget(); // a run (or the probe) starts with a lookup in Java
            return uc.emuStart(rip, UNTIL, 0, count);
        } finally {
            running = false;
            if (preciseRepeats != null) takePreciseRepeats();
        }
    }

    /** Unicorn returned without running anything and without a reason: SIGSEGV rather than spin. */
    private static RunOutcome madeNoProgress(long rip) {
        return RunOutcome.killed(Signo.SIGSEGV, rip,
                new FaultResult.Signal(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0, "CPU made no progress"));
    }

    private RunOutcome killedBy(Task task, int sig, long ip) {
        SigInfo si = syscalls.killInfo(task, sig);
        String why = lastFault != null && lastFault.signo() == sig ? lastFault.why() : null;
        return RunOutcome.killed(sig, ip, new FaultResult.Signal(sig, si.code(), si.addr(), 0, 0, why));
    }

    // ------------------------------------------------------------------ precise fault address

    /** While probing: the page whose translation goes to the scratch frame, and what the probe saw. */
    private long probePage = -1;
    private long probeScratchPa;
    private long probeHitPa = -1;

    /**
     * The fill hook only learns the page of a faulting access, but CR2 (si_addr) is the exact
     * address. For a fatal data fault, re-execute the one faulting instruction with that page
     * backed by a scratch frame and a memory hook watching (which reports physical addresses in
     * UC_TLB_VIRTUAL mode), then restore the registers. A fetch fault's address is RIP, or the
     * page start when the instruction runs into the page from the one before.
     */
    private FaultResult.Signal withPreciseAddress(FaultResult.Signal s, long rip) {
        if (s.signo() != Signo.SIGSEGV && s.signo() != Signo.SIGBUS) return s;
        if ((s.addr() & 0xfff) != 0 || s.errorCode() == 0) return s;
        long precise = preciseAddress(s.addr(), s.errorCode(), rip);
        return precise == s.addr() ? s : new FaultResult.Signal(s.signo(), s.code(), precise, s.errorCode(), s.pkey(), s.why());
    }

    /**
     * A userfault with its exact address, for a context that reports it (UFFD_FEATURE_EXACT_ADDRESS):
     * found by the same probe as a signal's si_addr. Other contexts report the page.
     */
    private FaultResult.Userfault withPreciseAddress(FaultResult.Userfault uf, long rip) {
        if ((uf.ctx().features() & UserfaultfdCtx.UFFD_FEATURE_EXACT_ADDRESS) == 0 || (uf.address() & 0xfff) != 0) return uf;
        long precise = preciseAddress(uf.address(), uf.errorCode(), rip);
        return precise == uf.address() ? uf : new FaultResult.Userfault(uf.ctx(), precise, uf.errorCode(), uf.wp());
    }

    /**
     * The exact address of the access that faulted on {@code page} (error code {@code errorCode}) at
     * {@code rip}: the instruction is run once more against a scratch copy of the page, whose first
     * access of the faulting kind gives the offset; {@code page} when that cannot be found.
     */
    private long preciseAddress(long page, int errorCode, long rip) {
        if ((errorCode & PfErr.INSTR) != 0) return (rip & -4096L) == page ? rip : page;
        long scratch = env.allocator().allocPages(0);
        if (scratch == PageAllocator.NO_PAGE) return page;
        // The instruction may live on the faulting page (a store to its own text): give the
        // scratch frame the page's contents so the re-executed fetch sees the same code.
        PageTable pgd = mmu.mm().pgd();
        long slot = pgd.leafSlot(page);
        long pte = slot == PageTable.NO_SLOT ? 0 : pgd.get(slot);
        if (Pte.mapsPage(pte) && (pte & Pte.PS) == 0) {
            env.mem().copyPage(scratch, Pte.pfn(pte));
        } else {
            env.mem().clearPage(scratch);
        }
        Unicorn.HookHandle hook = null;
        try (Unicorn.Context ctx = uc.contextSave()) {
            probePage = page;
            probeScratchPa = scratch << 12;
            probeHitPa = -1;
            // Only the access of the faulting kind counts: reads of the instruction's own bytes
            // (the translator's, when the code is on the same page) are not the fault.
            int wanted = (errorCode & PfErr.WRITE) != 0 ? Uc.MEM_WRITE : Uc.MEM_READ;
            long ripPa = (rip & -4096L) == page ? probeScratchPa + (rip & 0xfff) : -1;
            hook = uc.hookMemory(Uc.HOOK_MEM_READ | Uc.HOOK_MEM_WRITE, (type, address, size, value) -> {
                if (probeHitPa >= 0 || type != wanted) return;
                if (address >= ripPa && address < ripPa + 16 && ripPa >= 0) return;
                if (address >= probeScratchPa && address < probeScratchPa + 4096) {
                    probeHitPa = address;
                    stopEngine(); // the access is all the probe wanted; nothing after it may run
                }
            });
            uc.ctlFlushTlb();
            pendingSignal = null;
            long counted = counter == null ? 0 : counter.count();
            emuStart(rip, 1, true);
            if (counter != null) counter.setCount(counted); // the probe's instruction is not the guest's
            ctx.restore();
        } catch (RuntimeException e) {
            return page; // the page address is still right; precision is a refinement
        } finally {
            if (hook != null) uc.hookDel(hook);
            probePage = -1;
            uc.ctlFlushTlb();
            env.frames().testAndClearFresh(scratch);
            env.putPage(scratch);
        }
        return probeHitPa >= 0 ? page + (probeHitPa - probeScratchPa) : page;
    }

    @Override
    public void close() {
        uc.close();
    }
}
