package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;
import static io.mmemu.mm.phys.PageTypes.PAGE_SIZE;

import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.slab.KernelSlab;
import java.util.List;

/**
 * An address space: Linux's mm_struct with its VMAs and page tables.
 *
 * <p>This class is the state and the VMA-level primitives (lookup, insert, munmap, fork's copy,
 * teardown); the operations live beside it as in the kernel's files: {@link VmaMerge} (mm/vma.c:
 * merging and splitting), {@link Mmap} (mm/mmap.c: placement, do_mmap, mmap_region, brk),
 * {@link Mprotect}, {@link Mremap}, {@link Madvise}. {@code io.mmemu.mm.check.AddressSpaceInvariants} checks what the state promises.
 *
 * <p>VMAs are kept in a balanced tree ordered by start, augmented with the largest free hole of
 * each subtree ({@link VmaTree}; Linux uses the maple tree, which keeps the same per-node gaps), so
 * that find_vma and get_unmapped_area's gap search are both O(log n); the last VMA found is
 * cached (the old per-thread vmacache), so the fault path of a program touching one region finds
 * its VMA without searching. Invariants: VMAs are sorted, disjoint, page aligned and non-empty;
 * every present PTE lies inside a VMA.
 *
 * <p>Kernel memory: the mm_struct itself and every VMA own an object in emulated memory, from
 * mm_cachep and vm_area_cachep ({@link KernelSlab}). A VMA takes its vm_area_struct when it enters
 * the tree as a new VMA ({@link #vmAreaAlloc}: mmap without a merge, a split, brk, mremap's move,
 * fork) and gives it back when it leaves the tree for good ({@link #vmAreaFree}: munmap, a merge
 * that swallows it, exit). A VMA that only grows, shrinks or moves its start (a merge into it,
 * stack expansion) keeps its object, so the fault path allocates nothing. When the slab allocator
 * has no memory the operation fails as Linux's does: ENOMEM for mmap, a splitting munmap or
 * mprotect, mremap's move; brk leaves the break; fork and mm_alloc() fail.
 *
 * <p>Layout follows x86-64 Linux: TASK_SIZE 0x7ffffffff000, the stack at the top, mmap_base
 * below it; {@link Mmap} places mappings.
 */
public final class MmStruct {
    /** TASK_SIZE_MAX for 4-level paging: (1 &lt;&lt; 47) - PAGE_SIZE. */
    public static final long TASK_SIZE = (1L << 47) - PAGE_SIZE;
    /** mmap_min_addr default (vm.mmap_min_addr = 65536). */
    public static final long MMAP_MIN_ADDR = 65536;
    /** vm.max_map_count default. */
    public static final int MAX_MAP_COUNT = 65530;

    private final MmEnv env;
    private final PageTable pgd;
    private final VmaTree vmas = new VmaTree();
    private Vma mmapCache;
    private final long[] rss = new long[RssStat.values().length];
    /** Physical address of this address space's mm_struct object in mm_cachep; 0 after exit_mmap. */
    private long object;
    /** mm_users: the tasks using this address space (threads share one); exit_mmap runs when it drops to zero. */
    private int mmUsers = 1;
    /** MMF_DISABLE_THP: prctl(PR_SET_THP_DISABLE) forbids huge pages in this address space; fork inherits it. */
    private boolean mmfDisableThp;
    /**
     * mm->context.pkey_allocation_map and execute_only_pkey (arch/x86): init_new_context() sets
     * them (pkey 0 allocated, no execute-only key: -1) only on a CPU with OSPKE; without PKU (the
     * default CPU model) both stay 0 as in a kzalloc'ed mm ({@link Pkeys}).
     */
    short pkeyAllocationMap;
    int executeOnlyPkey;
    /** MMF_UNSTABLE: the OOM reaper (or process_mrelease()) tore pages out; no fault may map new ones. */
    private boolean mmfUnstable;

    /** mm->mmap_base: top-down mmap placement searches below it. */
    public long mmapBase;
    /** mm->start_code .. end_data: the program's text and data, as the ELF loader mapped them. */
    public long startCode, endCode, startData, endData;
    /** mm->start_brk and mm->brk: the heap's start and the current program break. */
    public long startBrk, brk;
    /** mm->start_stack: the initial stack pointer; the VMA holding it is [stack]. */
    public long startStack;
    /** mm->arg_start .. env_end: the argument and environment strings on the initial stack. */
    public long argStart, argEnd, envStart, envEnd;
    /** RLIMIT_DATA and RLIMIT_STACK (soft), bytes. */
    public long rlimitData = Long.MAX_VALUE, rlimitStack = 8L << 20;
    /**
     * mm->locked_vm: pages in VM_LOCKED VMAs (mlock()ed ranges, MAP_LOCKED mappings, and what
     * mlockall(MCL_FUTURE) locks as it is mapped); /proc/PID/status shows it as VmLck.
     */
    public long lockedVm;
    /** mm->def_flags: VM_* bits every new VMA takes (VM_LOCKED, VM_LOCKONFAULT after mlockall(MCL_FUTURE)). */
    public int defFlags;
    /**
     * The memory-lock limit in bytes that mlock_future_ok() applies to mappings made without an
     * mlock call (MAP_LOCKED, mlockall(MCL_FUTURE)'s new VMAs, mremap, stack growth): RLIMIT_MEMLOCK
     * of the task that last changed the address space, or {@link Long#MAX_VALUE} when it had
     * CAP_IPC_LOCK (or no limit). The kernel sets it before each mapping call, from the caller's credentials.
     */
    public long mlockLimit = Long.MAX_VALUE;
    /** mm->membarrier_state: MEMBARRIER_STATE_* bits of the registrations (kernel/sched/membarrier.c); fork copies them. */
    public int membarrierState;
    /** MMF_HAS_MDWE and MMF_HAS_MDWE_NO_INHERIT of mm->flags, as PR_GET_MDWE reports them ({@link Mdwe}). */
    public int mdwe;

    private MmStruct(MmEnv env, PageTable pgd) {
        this.env = env;
        this.pgd = pgd;
        if (env.osPke()) { // init_new_context()
            pkeyAllocationMap = 1; // pkey 0 is the default, always allocated
            executeOnlyPkey = -1;
        }
    }

    /**
     * Models mm_alloc(), kernel/fork.c: allocate_mm() takes an mm_struct from mm_cachep, then
     * mm_init() allocates the PML4 (mm_alloc_pgd()). Returns an empty address space, or null when
     * the slab allocator or the page allocator has no memory (mm_init()'s fail_nopgd: free_mm()).
     *
     * @param env the memory model
     * @return the new address space, or null
     */
    public static MmStruct mmAlloc(MmEnv env) {
        KernelSlab slab = env.kernelSlab();
        long object = slab.alloc(slab.mmCachep());
        if (object == 0) return null;
        PageTable pgd = PageTable.pgdAlloc(env.mem(), env.allocator());
        if (pgd == null) {
            slab.free(slab.mmCachep(), object);
            return null;
        }
        MmStruct mm = new MmStruct(env, pgd);
        mm.object = object;
        env.mmCreated(mm);
        return mm;
    }

    /**
     * {@return the physical address of this address space's mm_struct object, or 0 once exit_mmap() freed it}
     */
    public long object() {
        return object;
    }

    /**
     * Models vm_area_alloc(), mm/vma_init.c (kernel/fork.c before 6.15), and the allocation of
     * vm_area_dup(): gives {@code vma} a vm_area_struct from vm_area_cachep. Returns false when
     * the slab allocator has no memory; the VMA is then not to enter the tree.
     */
    boolean vmAreaAlloc(Vma vma) {
        KernelSlab slab = env.kernelSlab();
        long obj = slab.alloc(slab.vmAreaCachep());
        if (obj == 0) return false;
        vma.object = obj;
        if (vma.file != null) vma.file.vmaLinkFile(this, vma); // vma_link(): into i_mmap, holding the file
        return true;
    }

    /**
     * Models vm_area_free(), mm/vma_init.c (kernel/fork.c before 6.15): the VMA has left the tree
     * for good; its vm_area_struct goes back to vm_area_cachep.
     */
    void vmAreaFree(Vma vma) {
        if (vma.object == 0) {
            throw new IllegalStateException("vm_area_free of a VMA without a vm_area_struct (freed twice?): " + vma);
        }
        KernelSlab slab = env.kernelSlab();
        slab.free(slab.vmAreaCachep(), vma.object);
        vma.object = 0;
        if (vma.file != null) vma.file.vmaUnlinkFile(env, vma); // may free an unlinked shmem file's pages
    }

    /** {@return MMF_DISABLE_THP: whether huge pages are refused to this address space (PR_GET_THP_DISABLE)} */
    public boolean mmfDisableThp() {
        return mmfDisableThp;
    }

    /**
     * Sets or clears MMF_DISABLE_THP, as prctl(PR_SET_THP_DISABLE) does: later faults take small pages.
     *
     * @param disable whether to refuse huge pages
     */
    public void setMmfDisableThp(boolean disable) {
        this.mmfDisableThp = disable;
    }

    /**
     * MMF_UNSTABLE (check_stable_address_space()): whether the address space was reaped, so that
     * a fault that would map a page fails with SIGBUS instead.
     *
     * @return whether it was reaped
     */
    public boolean mmfUnstable() {
        return mmfUnstable;
    }

    /** Sets MMF_UNSTABLE, as __oom_reap_task_mm() does before it unmaps anything. */
    public void setMmfUnstable() {
        this.mmfUnstable = true;
    }

    /** {@return the memory model this address space lives in} */
    public MmEnv env() {
        return env;
    }

    /** {@return the PML4: the page table CR3 points at while this address space runs} */
    public PageTable pgd() {
        return pgd;
    }

    /**
     * The RSS counter get_mm_counter() reads.
     *
     * @param item the counter: file, anonymous or shmem pages
     * @return the pages counted
     */
    public long rss(RssStat item) {
        return rss[item.ordinal()];
    }

    /**
     * Adds to an RSS counter (add_mm_counter()).
     *
     * @param item  the counter: file, anonymous or shmem pages
     * @param delta the pages to add, negative to subtract
     */
    public void addRss(RssStat item, long delta) {
        rss[item.ordinal()] += delta;
    }

    /** The VMA tree itself, for the placement and mapping code of this package ({@link Mmap}). */
    VmaTree tree() {
        return vmas;
    }

    /** {@return mm->map_count: the number of VMAs} */
    public int mapCount() {
        return vmas.size();
    }

    /** {@return vm.max_map_count, machine-wide (default {@link #MAX_MAP_COUNT})} */
    public int maxMapCount() {
        return env.vmSysctl().maxMapCount();
    }

    /**
     * Sets vm.max_map_count, which is machine-wide (the sysctl); existing VMAs beyond it stay.
     *
     * @param maxMapCount the most VMAs an address space may hold
     */
    public void setMaxMapCount(int maxMapCount) {
        env.vmSysctl().setMaxMapCount(maxMapCount);
    }

    /** {@return vm.mmap_min_addr, machine-wide (default {@link #MMAP_MIN_ADDR})} */
    public long mmapMinAddr() {
        return env.vmSysctl().mmapMinAddr();
    }

    /** {@return the VMAs in address order (a copy)} */
    public List<Vma> vmas() {
        return vmas.values();
    }

    /** {@return total_vm: the pages mapped, in all VMAs} */
    public long totalVm() {
        long pages = 0;
        for (Vma v : vmas.values()) pages += (v.end - v.start) >>> PAGE_SHIFT;
        return pages;
    }

    // ------------------------------------------------------------------ lookup

    /**
     * Models find_vma(), mm/mmap.c: the first VMA with end > addr, or null.
     *
     * @param addr a user address
     * @return the first VMA that ends above it, or null
     */
    public Vma findVma(long addr) {
        Vma cached = mmapCache;
        if (cached != null && cached.start <= addr && addr < cached.end) return cached;
        Vma v = vmas.find(addr);
        if (v != null && v.start <= addr) mmapCache = v;
        return v;
    }

    /**
     * The VMA containing addr, or null (vma_lookup()).
     *
     * @param addr a user address
     * @return the VMA containing it, or null
     */
    public Vma vmaLookup(long addr) {
        Vma v = findVma(addr);
        return v != null && v.start <= addr ? v : null;
    }

    /**
     * The VMA that starts below {@code addr} and is nearest to it (vma_prev()), or null.
     *
     * @param addr a user address
     * @return that VMA, or null
     */
    public Vma vmaPrev(long addr) {
        return prevOf(addr);
    }

    /**
     * Moves a VMA's start (stack expansion), keeping the tree keyed by start; anonymous pgoff follows.
     *
     * @param vma      the VMA, in this address space
     * @param newStart its new start, page aligned
     */
    public void moveVmaStart(Vma vma, long newStart) {
        vmas.remove(vma.start);
        if (vma.file == null) vma.pgoff = newStart >>> PAGE_SHIFT;
        else vma.pgoff -= (vma.start - newStart) >>> PAGE_SHIFT;
        vma.start = newStart;
        vmas.put(vma);
    }

    Vma prevOf(long addr) {
        return vmas.lower(addr);
    }

    /** Forgets {@code vma} as the last VMA found, when it leaves the tree (the vmacache's invalidation). */
    void vmacacheInvalidate(Vma vma) {
        if (mmapCache == vma) mmapCache = null;
    }

    // ------------------------------------------------------------------ placement and mapping (mm/mmap.c: Mmap)

    /**
     * This address space's get_unmapped_area (mm->get_unmapped_area): {@link Mmap#getUnmappedArea}.
     *
     * @param hint the address hint, or 0
     * @param len  the length in bytes, page aligned
     * @return the address found, or -ENOMEM
     */
    public long getUnmappedArea(long hint, long len) {
        return Mmap.getUnmappedArea(this, hint, len);
    }

    /**
     * MAP_32BIT placement: {@link Mmap#getUnmappedArea32Bit}.
     *
     * @param len the length in bytes, page aligned
     * @return the address found, or -ENOMEM
     */
    public long getUnmappedArea32Bit(long len) {
        return Mmap.getUnmappedArea32Bit(this, len);
    }

    /**
     * Maps a range over whatever was there: {@link Mmap#mmapRegion}.
     *
     * @param addr    the start, page aligned
     * @param len     the length in bytes, page aligned
     * @param vmFlags the VMA's VM_* flags ({@link VmFlags})
     * @param file    the mapped file, or null for anonymous memory
     * @param pgoff   the file offset in pages
     * @param name    the VMA's name for /proc/PID/maps, or null
     * @return {@code addr}, or a negative errno
     */
    public long mmapRegion(long addr, long len, int vmFlags, MappedFile file, long pgoff, String name) {
        return Mmap.mmapRegion(this, addr, len, vmFlags, file, pgoff, name, false, 0, null);
    }

    /**
     * The brk() syscall: {@link Mmap#brk}.
     *
     * @param newBrk the requested break
     * @return the break after the call
     */
    public long sysBrk(long newBrk) {
        return Mmap.brk(this, newBrk);
    }

    /**
     * True when no VMA overlaps [start, end).
     *
     * @param start the start of the range
     * @param end   the end of the range, exclusive
     * @return whether no VMA overlaps it
     */
    public boolean isFree(long start, long end) {
        Vma v = findVma(start);
        return v == null || v.start >= end;
    }

    /**
     * The EINVAL checks do_madvise(), do_mseal() and madvise_set_anon_name() make of a user range
     * before anything else: {@code start} page aligned, its length page aligned without overflowing
     * to 0, and the end not wrapping round the address space.
     *
     * @param start the range's start
     * @param lenIn its length in bytes, rounded up to pages
     * @return whether the range is EINVAL
     */
    public static boolean invalidRange(long start, long lenIn) {
        if ((start & (PageTypes.PAGE_SIZE - 1)) != 0) return true;
        long len = pageAlign(lenIn);
        return lenIn != 0 && len == 0 || Long.compareUnsigned(start + len, start) < 0;
    }

    /**
     * PAGE_ALIGN(): {@link PageTypes#pageAlign}.
     *
     * @param x an address or a length
     * @return {@code x} rounded up to a page boundary
     */
    public static long pageAlign(long x) {
        return PageTypes.pageAlign(x);
    }

    // ------------------------------------------------------------------ mapping

    /**
     * Models do_vmi_munmap(), mm/mmap.c: unmaps [start, start + len), splitting VMAs that straddle
     * the ends, zapping the pages, freeing empty page tables and flushing the TLBs.
     *
     * @param start the start, page aligned
     * @param len   the length in bytes
     * @return 0, or a negative errno
     */
    public long doMunmap(long start, long len) {
        // Unsigned, as the kernel compares: a kernel address or a "negative" length is EINVAL.
        if ((start & (PAGE_SIZE - 1)) != 0 || Long.compareUnsigned(start, TASK_SIZE) > 0
                || Long.compareUnsigned(len, TASK_SIZE - start) > 0) {
            return -Errno.EINVAL;
        }
        len = pageAlign(len);
        if (len == 0) return -Errno.EINVAL;
        long end = start + len;
        Vma first = findVma(start);
        if (first == null || first.start >= end) return 0;
        // Splitting a VMA in the middle makes one more: refuse past max_map_count as Linux does.
        if (first.start < start && first.end > end && vmas.size() >= maxMapCount()) return -Errno.ENOMEM;
        // vms_gather_munmap_vmas(): a sealed VMA anywhere in the range refuses the whole unmap.
        for (Vma v = first; v != null && v.start < end; v = findVma(v.end)) {
            if (!v.canModifyVma()) return -Errno.EPERM;
        }
        if (first.start < start && !VmaMerge.splitVma(this, first, start)) return -Errno.ENOMEM;
        Vma last = findVma(end - 1);
        if (last != null && last.start < end && last.end > end && !VmaMerge.splitVma(this, last, end)) return -Errno.ENOMEM;
        for (Vma v = findVma(start); v != null && v.start < end; v = findVma(v.end)) {
            if (v.has(VmFlags.VM_LOCKED)) lockedVm -= (v.end - v.start) >>> PAGE_SHIFT; // vms_gather_munmap_vmas()
            vmas.remove(v.start);
            if (mmapCache == v) mmapCache = null;
            vmAreaFree(v); // remove_vma()
        }
        zapPageRange(start, end);
        pgd.freePgtables(start, end);
        env.tlbFlush().flushTlbMmRange(this, start, end, true);
        return 0;
    }

    /** Removes a VMA from the tree for good and frees its vm_area_struct (its pages are the caller's business). */
    void removeVma(Vma vma) {
        vmas.remove(vma.start);
        if (mmapCache == vma) mmapCache = null;
        vmAreaFree(vma);
    }

    /**
     * Inserts a VMA over a free range, merging it with compatible neighbours, else with a new
     * vm_area_struct (copy_vma()); false when that allocation fails and nothing changed.
     */
    boolean insertVma(Vma vma) {
        return VmaMerge.insertMerged(this, vma);
    }

    /** Merges {@code vma} with compatible neighbours: {@link VmaMerge#mergeAround}. */
    Vma mergeAround(Vma vma) {
        return VmaMerge.mergeAround(this, vma);
    }

    /**
     * Models vma_modify() for a range inside one VMA: splits so that [start, end) is a VMA of its
     * own, applies {@code change} to it, and merges it with compatible neighbours.
     *
     * @return false, with nothing changed but a split, when a split is refused (ENOMEM)
     */
    boolean modifyVma(long start, long end, java.util.function.Consumer<Vma> change) {
        if (!splitAt(start) || !splitAt(end)) return false;
        Vma target = vmaLookup(start);
        change.accept(target);
        mergeAround(target);
        return true;
    }

    /** Splits so that a VMA boundary falls at {@code addr}: {@link VmaMerge#splitAt}. */
    boolean splitAt(long addr) {
        return VmaMerge.splitAt(this, addr);
    }

    /**
     * Models zap_pmd_range() → zap_pte_range(), mm/memory.c: drops every present PTE in [start, end)
     * and its page reference; a huge PMD wholly inside goes at once (zap_huge_pmd()), one the range
     * only cuts is split first.
     *
     * @param start the start of the range, page aligned
     * @param end   the end of the range, exclusive
     */
    public void zapPageRange(long start, long end) {
        FrameTable frames = env.frames();
        HugeMemory.splitHugePmdAddress(this, start);
        HugeMemory.splitHugePmdAddress(this, end);
        pgd.forEachPresentPte(start, end, (va, slot, pte) -> {
            if ((pte & Pte.PS) != 0) {
                HugeMemory.zapHugePmd(this, slot, pte);
                return;
            }
            pgd.set(slot, 0);
            if ((pte & Pte.SPECIAL) != 0) return; // the zero page: no refcount, no rss
            long pfn = Pte.pfn(pte);
            boolean anon = frames.testPageFlag(pfn, PageFlag.ANON);
            if ((pte & Pte.D) != 0 && !anon) frames.setPageFlag(pfn, PageFlag.DIRTY);
            addRss(anon ? RssStat.MM_ANONPAGES : frames.testPageFlag(pfn, PageFlag.SHMEM) ? RssStat.MM_SHMEMPAGES
                    : RssStat.MM_FILEPAGES, -1);
            frames.decMapcount(pfn);
            env.putPage(pfn);
        });
    }

    /**
     * Models mlock_future_ok(), mm/mmap.c: whether {@code bytes} more of a mapping with
     * {@code vmFlags} stay within the memory-lock limit ({@link #mlockLimit}); always true when
     * the mapping is not VM_LOCKED.
     *
     * @param vmFlags the mapping's VM_* flags
     * @param bytes   the bytes it would add
     * @return whether the mapping may be made
     */
    public boolean mlockFutureOk(int vmFlags, long bytes) {
        if ((vmFlags & VmFlags.VM_LOCKED) == 0 || mlockLimit == Long.MAX_VALUE) return true;
        long lockedPages = (bytes >>> PAGE_SHIFT) + lockedVm;
        return Long.compareUnsigned(lockedPages, mlockLimit >>> PAGE_SHIFT) <= 0;
    }

    /**
     * Models can_do_mlock(), mm/mlock.c, for {@link #mlockLimit}: a non-zero RLIMIT_MEMLOCK or CAP_IPC_LOCK.
     *
     * @return whether the task may lock memory at all
     */
    public boolean canDoMlock() {
        return mlockLimit != 0;
    }

    /**
     * Models __vm_enough_memory(), mm/util.c, under vm.overcommit_memory: OVERCOMMIT_ALWAYS grants
     * everything; OVERCOMMIT_GUESS refuses only one request above all of RAM (there is no swap),
     * however much is free; OVERCOMMIT_NEVER refuses once the committed pages with this request
     * would reach vm_commit_limit() (overcommit_ratio percent of RAM) less the user reserve
     * (min(total_vm / 32, user_reserve_kbytes)). The committed pages (vm_committed_as) are the
     * accountable (VM_ACCOUNT) VMAs of every live address space; the admin reserve is not
     * subtracted, as for a CAP_SYS_ADMIN caller (the guest's root).
     *
     * @param pages the pages asked for
     * @return whether the request may go ahead
     */
    public boolean vmEnoughMemory(long pages) {
        VmSysctl sysctl = env.vmSysctl();
        long totalram = env.allocator().nrManagedPages();
        return switch (sysctl.overcommitMemory()) {
            case VmSysctl.OVERCOMMIT_ALWAYS -> true;
            case VmSysctl.OVERCOMMIT_GUESS -> pages <= totalram;
            default -> {
                long allowed = totalram * sysctl.overcommitRatio() / 100;
                // init_user_reserve(): min(3% of free memory, 128 MiB), taken here from RAM at boot.
                long userReserve = Math.min(totalram / 32, (128L << 20) >> PAGE_SHIFT);
                allowed -= Math.min(totalVm() / 32, userReserve);
                yield committedPages() + pages < allowed;
            }
        };
    }

    /** vm_committed_as: the pages of accountable (VM_ACCOUNT) VMAs of every live address space. */
    private long committedPages() {
        long pages = 0;
        for (MmStruct mm : env.mms()) {
            for (Vma v : mm.vmas.values()) {
                if (v.has(VmFlags.VM_ACCOUNT)) pages += (v.end() - v.start()) >>> PAGE_SHIFT;
            }
        }
        return pages;
    }

    /**
     * Models dup_mmap() with copy_page_range(), kernel/fork.c and mm/memory.c: the child's
     * address space for fork(). Every VMA is copied but those marked VM_DONTCOPY; the child's page
     * tables map the same frames (references and map counts taken), private writable entries are
     * write-protected in both parent and child so that the first write copies (COW), and the
     * child's entries start old; VM_WIPEONFORK VMAs come empty. Returns null when memory runs out
     * (fork fails with ENOMEM), leaving the parent as it was.
     *
     * @return the child's address space, or null
     */
    public MmStruct dupMmap() {
        MmStruct child = mmAlloc(env);
        if (child == null) return null;
        child.mmapBase = mmapBase;
        child.startCode = startCode;
        child.endCode = endCode;
        child.startData = startData;
        child.endData = endData;
        child.startBrk = startBrk;
        child.brk = brk;
        child.startStack = startStack;
        child.argStart = argStart;
        child.argEnd = argEnd;
        child.envStart = envStart;
        child.envEnd = envEnd;
        child.rlimitData = rlimitData;
        child.rlimitStack = rlimitStack;
        child.mmfDisableThp = mmfDisableThp; // MMF_INIT_MASK
        // dup_mm()'s memcpy() of mm->context, then arch_dup_pkeys() (the same two fields).
        child.pkeyAllocationMap = pkeyAllocationMap;
        child.executeOnlyPkey = executeOnlyPkey;
        child.mlockLimit = mlockLimit;
        child.mdwe = Mdwe.mmfInitFlags(mdwe);
        child.membarrierState = membarrierState; // dup_mm()'s copy keeps it; exec's new mm starts at 0
        // mm_init(): def_flags keep only VM_INIT_DEF_MASK, and locked_vm starts at 0: locks are not inherited.
        FrameTable frames = env.frames();
        boolean[] failed = {false};
        for (Vma v : vmas()) {
            if (v.has(VmFlags.VM_DONTCOPY)) continue;
            // vm_area_dup(), then dup_mmap() clears VM_LOCKED_MASK: the child's memory is not locked.
            Vma copy = new Vma(v.start, v.end, v.flags & ~VmFlags.VM_LOCKED_MASK, v.pgoff, v.file, v.name);
            copy.copyAttributes(v); // seal, VM_DROPPABLE (VM_WIPEONFORK empties it), vma_dup_policy(), the name
            copy.userfaultfdResetCtx(); // dup_userfaultfd() without UFFD_FEATURE_EVENT_FORK
            if (!child.vmAreaAlloc(copy)) {
                failed[0] = true;
                break;
            }
            child.vmas.put(copy);
            if (v.has(VmFlags.VM_WIPEONFORK)) continue;
            boolean cow = !v.has(VmFlags.VM_SHARED) && v.has(VmFlags.VM_MAYWRITE);
            pgd.forEachPresentPte(v.start, v.end, (va, slot, pte) -> {
                if (failed[0]) return;
                if ((pte & Pte.PS) != 0) {
                    failed[0] = !HugeMemory.copyHugePmd(child, this, va, slot, pte);
                    return;
                }
                long to = child.pgd.pteSlot(va, true);
                if (to == PageTable.NO_SLOT) {
                    failed[0] = true;
                    return;
                }
                long childPte = pte & ~(Pte.A | Pte.UFFD_WP); // copy_present_pte(): the child's VMA is not registered
                if (cow && (pte & Pte.RW) != 0) {
                    pgd.set(slot, pte & ~Pte.RW);
                    childPte &= ~Pte.RW;
                }
                if (v.has(VmFlags.VM_SHARED)) childPte &= ~Pte.D;
                child.pgd.set(to, childPte);
                if ((pte & Pte.SPECIAL) != 0) return; // the zero page: no references
                long pfn = Pte.pfn(pte);
                frames.getPage(pfn);
                frames.incMapcount(pfn);
                // folio_try_dup_anon_rmap_pte(): the page is shared with the child now.
                frames.clearPageFlag(pfn, PageFlag.ANON_EXCLUSIVE);
                child.addRss(frames.testPageFlag(pfn, PageFlag.ANON) ? RssStat.MM_ANONPAGES
                        : frames.testPageFlag(pfn, PageFlag.SHMEM) ? RssStat.MM_SHMEMPAGES : RssStat.MM_FILEPAGES, 1);
            });
            if (failed[0]) break;
        }
        // The parent's write-protected entries must not stay writable in any TLB.
        env.tlbFlush().flushTlbMmRange(this, 0, TASK_SIZE, false);
        if (failed[0]) {
            child.exitMmap();
            return null;
        }
        return child;
    }

    /** stack_guard_gap: 256 pages. */
    public static final long STACK_GUARD_GAP = 256 * PAGE_SIZE;

    // ------------------------------------------------------------------ teardown

    /** Models mmget(), include/linux/sched/mm.h: one more task (a CLONE_VM thread) uses the mm. */
    public void mmget() {
        if (mmUsers <= 0) throw new IllegalStateException("mmget() of an mm already torn down");
        mmUsers++;
    }

    /**
     * Models mmput(), kernel/fork.c: true when the caller was the last user and must tear the mm down ({@link #exitMmap}).
     *
     * @return whether the caller must call {@link #exitMmap}
     */
    public boolean mmput() {
        if (mmUsers <= 0) throw new IllegalStateException("mmput() of an mm already torn down");
        return --mmUsers == 0;
    }

    /** {@return mm_users: the tasks sharing this mm} */
    public int mmUsers() {
        return mmUsers;
    }

    /**
     * Models exit_mmap(), mm/mmap.c: unmaps everything, frees every VMA's vm_area_struct
     * (remove_vma()) and the page tables; then the last mmdrop() frees the mm_struct (free_mm()).
     */
    public void exitMmap() {
        zapPageRange(0, TASK_SIZE);
        for (Vma v : vmas.values()) vmAreaFree(v);
        vmas.clear();
        mmapCache = null;
        pgd.free();
        env.tlbFlush().flushTlbMmRange(this, 0, TASK_SIZE, true);
        env.tlbFlush().destroyContext(this);
        KernelSlab slab = env.kernelSlab();
        slab.free(slab.mmCachep(), object);
        object = 0;
        env.mmExited(this);
    }

    /** {@return the text of /proc/PID/maps} */
    public String maps() {
        StringBuilder sb = new StringBuilder();
        for (Vma v : vmas.values()) sb.append(v.mapsLine(label(v))).append('\n');
        // The vsyscall page is no VMA of the mm but a gate area every x86-64 maps file shows last.
        sb.append("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
        return sb.toString();
    }

    /**
     * The name column of /proc/PID/maps, decided as get_vma_name() does: the file's path (or
     * [anon_shmem:NAME] for named shared anonymous memory); a special mapping's name ([vvar]);
     * [heap] for an anonymous VMA overlapping [start_brk, brk]; [stack] for the one holding
     * start_stack; [anon:NAME] for a named anonymous VMA; else none.
     *
     * @param v a VMA of this address space
     * @return the name, or null for none
     */
    public String label(Vma v) {
        if (v.file != null) return v.anonName != null ? "[anon_shmem:" + v.anonName + "]" : v.file.displayPath();
        if (v.name != null && !"[stack]".equals(v.name)) return v.name; // a special mapping's vm_ops->name
        if (v.start < brk && v.end > startBrk) return "[heap]"; // vma_is_initial_heap()
        if (v.start <= startStack && v.end >= startStack) return "[stack]";
        return v.anonName != null ? "[anon:" + v.anonName + "]" : null;
    }

    @Override
    public String toString() {
        return maps();
    }
}
