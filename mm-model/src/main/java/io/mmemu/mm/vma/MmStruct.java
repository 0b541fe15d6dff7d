package io.mmemu.mm.vma;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.slab.KernelSlab;
import java.util.ArrayList;
import java.util.List;

/**
 * An address space: Linux's mm_struct with its VMAs and page tables.
 *
 * <p>VMAs are kept in a balanced tree ordered by start, augmented with the largest free hole of
 * each subtree ({@link VmaTree}; Linux uses the maple tree, which keeps the same per-node gaps), so
 * that find_vma and get_unmapped_area's gap search are both O(log n); the last VMA found is cached (the old per-thread vmacache), so the fault path of a
 * program touching one region finds its VMA without searching. Invariants: VMAs are sorted,
 * disjoint, page aligned and non-empty; every present PTE lies inside a VMA.
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
 * below it (mmap_base()), mappings placed top-down below mmap_base (the default
 * arch_get_unmapped_area_topdown()).
 */
public final class MmStruct {
    public static final long PAGE_SIZE = 4096;
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
    /** vm.max_map_count for this address space: the most VMAs it may hold. */
    private int maxMapCount = MAX_MAP_COUNT;
    private final long[] rss = new long[RssStat.values().length];
    /** Physical address of this address space's mm_struct object in mm_cachep; 0 after exit_mmap. */
    private long object;
    /** mm_users: the tasks using this address space (threads share one); exit_mmap runs when it drops to zero. */
    private int mmUsers = 1;

    public long mmapBase;
    public long startCode, endCode, startData, endData;
    public long startBrk, brk;
    public long startStack;
    public long argStart, argEnd, envStart, envEnd;
    /** RLIMIT_DATA and RLIMIT_STACK (soft), bytes. */
    public long rlimitData = Long.MAX_VALUE, rlimitStack = 8L << 20;

    private MmStruct(MmEnv env, PageTable pgd) {
        this.env = env;
        this.pgd = pgd;
    }

    /**
     * Models mm_alloc(), kernel/fork.c: allocate_mm() takes an mm_struct from mm_cachep, then
     * mm_init() allocates the PML4 (mm_alloc_pgd()). Returns an empty address space, or null when
     * the slab allocator or the page allocator has no memory (mm_init()'s fail_nopgd: free_mm()).
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
        return mm;
    }

    /** Physical address of this address space's mm_struct object, or 0 once exit_mmap() freed it. */
    public long object() {
        return object;
    }

    /**
     * Models vm_area_alloc(), mm/vma_init.c (kernel/fork.c before 6.15), and the allocation of
     * vm_area_dup(): gives {@code vma} a vm_area_struct from vm_area_cachep. Returns false when
     * the slab allocator has no memory; the VMA is then not to enter the tree.
     */
    private boolean vmAreaAlloc(Vma vma) {
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
    private void vmAreaFree(Vma vma) {
        if (vma.object == 0) {
            throw new IllegalStateException("vm_area_free of a VMA without a vm_area_struct (freed twice?): " + vma);
        }
        KernelSlab slab = env.kernelSlab();
        slab.free(slab.vmAreaCachep(), vma.object);
        vma.object = 0;
        if (vma.file != null) vma.file.vmaUnlinkFile(env, vma); // may free an unlinked shmem file's pages
    }

    public MmEnv env() {
        return env;
    }

    public PageTable pgd() {
        return pgd;
    }

    public long rss(RssStat item) {
        return rss[item.ordinal()];
    }

    public void addRss(RssStat item, long delta) {
        rss[item.ordinal()] += delta;
    }

    public int mapCount() {
        return vmas.size();
    }

    /** vm.max_map_count as this address space sees it (default {@link #MAX_MAP_COUNT}). */
    public int maxMapCount() {
        return maxMapCount;
    }

    /** Sets vm.max_map_count for this address space (the sysctl); existing VMAs beyond it stay. */
    public void setMaxMapCount(int maxMapCount) {
        if (maxMapCount < 1) {
            throw new IllegalArgumentException("max_map_count must be positive (got " + maxMapCount + ")");
        }
        this.maxMapCount = maxMapCount;
    }

    /** The VMAs in address order (a copy). */
    public List<Vma> vmas() {
        return vmas.values();
    }

    /** total_vm in pages. */
    public long totalVm() {
        long pages = 0;
        for (Vma v : vmas.values()) pages += (v.end - v.start) >>> 12;
        return pages;
    }

    // ------------------------------------------------------------------ lookup

    /** Models find_vma(), mm/mmap.c: the first VMA with end > addr, or null. */
    public Vma findVma(long addr) {
        Vma cached = mmapCache;
        if (cached != null && cached.start <= addr && addr < cached.end) return cached;
        Vma v = vmas.find(addr);
        if (v != null && v.start <= addr) mmapCache = v;
        return v;
    }

    /** The VMA containing addr, or null (vma_lookup()). */
    public Vma vmaLookup(long addr) {
        Vma v = findVma(addr);
        return v != null && v.start <= addr ? v : null;
    }

    /** The VMA that starts below {@code addr} and is nearest to it (vma_prev()), or null. */
    public Vma vmaPrev(long addr) {
        return prevOf(addr);
    }

    /** Moves a VMA's start (stack expansion), keeping the tree keyed by start; anonymous pgoff follows. */
    public void moveVmaStart(Vma vma, long newStart) {
        vmas.remove(vma.start);
        if (vma.file == null) vma.pgoff = newStart >>> 12;
        else vma.pgoff -= (vma.start - newStart) >>> 12;
        vma.start = newStart;
        vmas.put(vma);
    }

    private Vma prevOf(long addr) {
        return vmas.lower(addr);
    }

    // ------------------------------------------------------------------ placement

    /**
     * Models arch_get_unmapped_area_topdown() over vm_unmapped_area(): the highest gap of
     * {@code len} bytes below mmap_base (honouring a free, page-aligned hint first), or -ENOMEM.
     */
    public long getUnmappedArea(long hint, long len) {
        if (len > TASK_SIZE - MMAP_MIN_ADDR) return -Errno.ENOMEM;
        if (hint != 0) {
            hint &= -PAGE_SIZE; // x86's arch_get_unmapped_area_topdown() rounds the hint down
            Vma next = findVma(hint);
            if (hint <= TASK_SIZE - len && hint >= MMAP_MIN_ADDR
                    && (next == null || hint + len <= vmStartGap(next)) && isFree(hint, hint + len)) {
                return hint;
            }
        }
        long addr = unmappedAreaTopdown(len, MMAP_MIN_ADDR, mmapBase);
        // "A failed mmap() very likely causes application failure, so fall back to the
        // bottom-up function here" (arch_get_unmapped_area_topdown()): from TASK_UNMAPPED_BASE up.
        return addr >= 0 ? addr : unmappedAreaBottomUp(len, TASK_UNMAPPED_BASE, TASK_SIZE);
    }

    /**
     * MAP_32BIT placement (arch/x86/kernel/sys_x86_64.c find_start_end()): bottom-up within
     * [1 GiB, 2 GiB), the window the flag promises, or -ENOMEM.
     */
    public long getUnmappedArea32Bit(long len) {
        return unmappedAreaBottomUp(len, 0x4000_0000L, 0x8000_0000L);
    }

    /** TASK_UNMAPPED_BASE for 64-bit tasks: a third of the address space (mmap_legacy_base() without randomisation). */
    public static final long TASK_UNMAPPED_BASE = pageAlign(TASK_SIZE / 3);

    /** The lowest gap of {@code len} bytes in [low, high) that keeps stack guard gaps, or -ENOMEM. */
    private long unmappedAreaBottomUp(long len, long low, long high) {
        long at = low;
        for (Vma v : vmas()) {
            if (v.end <= at) continue;
            if (vmStartGap(v) >= at + len && at + len <= high) return at;
            at = Math.max(at, v.end);
        }
        return at + len <= high ? at : -Errno.ENOMEM;
    }

    /**
     * Models unmapped_area_topdown(), mm/mmap.c: the highest {@code len} bytes below {@code high}
     * and at or above {@code low} that lie in a hole between VMAs and below the vm_start_gap() of
     * every VMA above them, or -ENOMEM.
     *
     * <ol>
     *   <li>The hole above the highest VMA first; then the tree finds the highest hole between
     *       VMAs that holds len bytes once clipped to [low, high), skipping subtrees whose largest
     *       hole is smaller (O(log n)); failing that, the hole below the lowest VMA.</li>
     *   <li>If a VM_GROWSDOWN VMA at or above the candidate's top keeps its stack_guard_gap below
     *       that top, the search restarts with high lowered to that guard (Linux's "goto retry"),
     *       so each stack costs at most one retry.</li>
     * </ol>
     */
    private long unmappedAreaTopdown(long len, long low, long high) {
        while (high - low >= len) {
            long top;
            Vma last = vmas.last();
            if (last == null || Math.max(last.end, low) <= high - len) {
                top = high;
            } else {
                VmaTree.Node hole = vmas.highestHole(len, low, high);
                if (hole != null) {
                    top = Math.min(hole.nextStart, high);
                } else {
                    top = Math.min(vmas.first().start, high);
                    if (top - low < len) return -Errno.ENOMEM;
                }
            }
            long guard = vmas.guardBelow(top);
            if (guard == VmaTree.TOP) return top - len;
            high = guard;
        }
        return -Errno.ENOMEM;
    }

    /** Models vm_start_gap(): a VM_GROWSDOWN VMA keeps stack_guard_gap free below it. */
    static long vmStartGap(Vma vma) {
        if (!vma.has(VmFlags.VM_GROWSDOWN)) return vma.start;
        long gap = vma.start - STACK_GUARD_GAP;
        return gap > vma.start ? 0 : gap;
    }


    /** True when no VMA overlaps [start, end). */
    public boolean isFree(long start, long end) {
        Vma v = findVma(start);
        return v == null || v.start >= end;
    }

    public static long pageAlign(long x) {
        return (x + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    // ------------------------------------------------------------------ mapping

    /**
     * Models mmap_region(), mm/mmap.c: maps [addr, addr + len) with {@code vmFlags}, first
     * unmapping whatever was there (MAP_FIXED semantics), merging with an adjacent compatible VMA
     * as vma_merge() does. Returns addr or a negative errno.
     */
    public long mmapRegion(long addr, long len, int vmFlags, MappedFile file, long pgoff, String name) {
        long end = addr + len;
        if (!isFree(addr, end)) {
            long r = doMunmap(addr, len);
            if (r < 0) return r;
        }
        if (vmas.size() > maxMapCount) return -Errno.ENOMEM; // do_mmap(): map_count > max_map_count
        if (file == null) pgoff = addr >>> 12;
        if (!insertMerged(new Vma(addr, end, vmFlags, pgoff, file, name))) return -Errno.ENOMEM;
        return addr;
    }

    /**
     * Inserts the range of {@code vma} (a candidate without a vm_area_struct, or one that has its
     * own) over a free range as vma_merge_new_range() and then vm_area_alloc() do: expanding the
     * previous VMA, the next one (its start moves down), or both, joining them; only when neither
     * is compatible does the candidate become a VMA of its own, with a new vm_area_struct.
     * Returns false (nothing changed) when that allocation fails.
     */
    private boolean insertMerged(Vma vma) {
        Vma prev = prevOf(vma.start + 1);
        if (prev == vma) prev = null;
        Vma next = vmas.higher(vma.start);
        boolean mergePrev = prev != null && prev.end == vma.start && canMerge(prev, vma);
        boolean mergeNext = next != null && next.start == vma.end && canMerge(vma, next);
        if (mergePrev) {
            if (mergeNext) {
                vmas.remove(next.start);
                if (mmapCache == next) mmapCache = null;
                prev.end = next.end;
                vmAreaFree(next);
            } else {
                prev.end = vma.end;
            }
            vmas.refresh(prev.start);
        } else if (mergeNext) {
            vmas.remove(next.start);
            next.start = vma.start;
            next.pgoff = vma.pgoff;
            vmas.put(next);
        } else {
            if (vma.object == 0 && !vmAreaAlloc(vma)) return false;
            vmas.put(vma);
        }
        if (vma.object != 0 && (mergePrev || mergeNext)) vmAreaFree(vma); // a VMA of its own that merged away
        return true;
    }

    /** is_mergeable_vma() + can_vma_merge_after(): same flags, same file (or none), contiguous pgoff, same name. */
    private static boolean canMerge(Vma a, Vma b) {
        if (a.flags != b.flags || a.file != b.file) return false;
        if (a.name == null ? b.name != null : !a.name.equals(b.name)) return false;
        // Anonymous VMAs too: their pgoff is the page index the anon pages were created at, so a
        // VMA moved by mremap (which keeps its pgoff) does not merge with a fresh neighbour.
        return a.pgoff + ((a.end - a.start) >>> 12) == b.pgoff;
    }

    /**
     * Models do_vmi_munmap(), mm/mmap.c: unmaps [start, start + len), splitting VMAs that straddle
     * the ends, zapping the pages, freeing empty page tables and flushing the TLBs.
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
        if (first.start < start && first.end > end && vmas.size() >= maxMapCount) return -Errno.ENOMEM;
        if (first.start < start && !splitVma(first, start)) return -Errno.ENOMEM;
        Vma last = findVma(end - 1);
        if (last != null && last.start < end && last.end > end && !splitVma(last, end)) return -Errno.ENOMEM;
        for (Vma v = findVma(start); v != null && v.start < end; v = findVma(v.end)) {
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
        return insertMerged(vma);
    }

    /**
     * Models the merge step of vma_modify()/vma_merge() after a VMA's flags changed: joins it with
     * its neighbours where they are compatible. Returns the VMA that now covers it.
     */
    Vma mergeAround(Vma vma) {
        vmas.refresh(vma.start); // the caller may have moved its end (vma_expand) or changed its flags
        Vma prev = prevOf(vma.start);
        if (prev != null && prev.end == vma.start && canMerge(prev, vma)) {
            removeVma(vma);
            prev.end = vma.end;
            vma = prev;
            vmas.refresh(prev.start);
        }
        Vma next = vmas.higher(vma.start);
        if (next != null && next.start == vma.end && canMerge(vma, next)) {
            removeVma(next);
            vma.end = next.end;
            vmas.refresh(vma.start);
        }
        return vma;
    }

    /** Splits so that a VMA boundary falls at {@code addr} (if a VMA straddles it); refuses past max_map_count. */
    boolean splitAt(long addr) {
        Vma v = vmaLookup(addr);
        if (v == null || v.start == addr) return true;
        if (vmas.size() >= maxMapCount) return false;
        return splitVma(v, addr);
    }

    /**
     * Models __split_vma(): cuts {@code vma} at {@code addr}; the upper part becomes a new VMA
     * with its own vm_area_struct (vm_area_dup()). Returns false, changing nothing, when that
     * allocation fails.
     */
    private boolean splitVma(Vma vma, long addr) {
        Vma upper = new Vma(addr, vma.end, vma.flags, vma.pgoff + ((addr - vma.start) >>> 12), vma.file, vma.name);
        if (!vmAreaAlloc(upper)) return false;
        vma.end = addr;
        vmas.put(upper);
        return true;
    }

    /** Models zap_pte_range(), mm/memory.c: drops every present PTE in [start, end) and its page reference. */
    public void zapPageRange(long start, long end) {
        FrameTable frames = env.frames();
        pgd.forEachPresentPte(start, end, (va, slot, pte) -> {
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

    // ------------------------------------------------------------------ brk

    /**
     * Models the brk() syscall, mm/mmap.c: moves the break within [start_brk, ...), growing the
     * [heap] VMA (do_brk_flags) or shrinking it (do_vmi_munmap); returns the new break, or the
     * old one when the request is refused.
     */
    public long sysBrk(long newBrk) {
        long oldBrk = brk;
        if (newBrk < startBrk) return oldBrk;
        if (newBrk - startBrk > rlimitData) return oldBrk;
        long newEnd = pageAlign(newBrk), oldEnd = pageAlign(oldBrk);
        if (newEnd == oldEnd) {
            brk = newBrk;
            return brk;
        }
        if (newBrk <= oldBrk) {
            if (doMunmap(newEnd, oldEnd - newEnd) < 0) return oldBrk;
            brk = newBrk;
            return brk;
        }
        // Growing: the new range must not collide with a mapping, and Linux keeps one free page above
        // the new break (newbrk + PAGE_SIZE > vm_start_gap(next)), stack_guard_gap more below a stack.
        Vma next = findVma(oldEnd);
        if (next != null && newEnd + PAGE_SIZE + (next.has(VmFlags.VM_GROWSDOWN) ? STACK_GUARD_GAP : 0) > next.start) {
            return oldBrk;
        }
        if (vmas.size() >= maxMapCount) return oldBrk;
        int flags = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC
                | VmFlags.VM_ACCOUNT;
        if (!vmEnoughMemory((newEnd - oldEnd) >>> 12)) return oldBrk;
        // do_brk_flags(): only the brk VMA itself (one starting at or above start_brk, found with
        // vma_prev_limit()) is expanded; the program's bss just below start_brk is never merged.
        Vma prev = prevOf(oldEnd);
        Vma fresh = new Vma(oldEnd, newEnd, flags, oldEnd >>> 12, null, null);
        if (prev != null && prev.end == oldEnd && prev.start >= startBrk && canMerge(prev, fresh)) {
            prev.end = newEnd;
            vmas.refresh(prev.start);
        } else {
            if (!vmAreaAlloc(fresh)) return oldBrk;
            vmas.put(fresh);
        }
        brk = newBrk;
        return brk;
    }

    /**
     * Models __vm_enough_memory() under the default heuristic overcommit (OVERCOMMIT_GUESS):
     * one request may not exceed all of RAM (there is no swap), however much is free.
     */
    public boolean vmEnoughMemory(long pages) {
        return pages <= env.allocator().nrManagedPages();
    }

    /**
     * Models dup_mmap() with copy_page_range(), kernel/fork.c and mm/memory.c: the child's
     * address space for fork(). Every VMA is copied but those marked VM_DONTCOPY; the child's page
     * tables map the same frames (references and map counts taken), private writable entries are
     * write-protected in both parent and child so that the first write copies (COW), and the
     * child's entries start old; VM_WIPEONFORK VMAs come empty. Returns null when memory runs out
     * (fork fails with ENOMEM), leaving the parent as it was.
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
        child.maxMapCount = maxMapCount;
        FrameTable frames = env.frames();
        boolean[] failed = {false};
        for (Vma v : vmas()) {
            if (v.has(VmFlags.VM_DONTCOPY)) continue;
            Vma copy = new Vma(v.start, v.end, v.flags, v.pgoff, v.file, v.name); // vm_area_dup()
            if (!child.vmAreaAlloc(copy)) {
                failed[0] = true;
                break;
            }
            child.vmas.put(copy);
            if (v.has(VmFlags.VM_WIPEONFORK)) continue;
            boolean cow = !v.has(VmFlags.VM_SHARED) && v.has(VmFlags.VM_MAYWRITE);
            pgd.forEachPresentPte(v.start, v.end, (va, slot, pte) -> {
                if (failed[0]) return;
                long to = child.pgd.pteSlot(va, true);
                if (to == PageTable.NO_SLOT) {
                    failed[0] = true;
                    return;
                }
                long childPte = pte & ~Pte.A;
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

    /** Models mmput(), kernel/fork.c: true when the caller was the last user and must tear the mm down ({@link #exitMmap}). */
    public boolean mmput() {
        if (mmUsers <= 0) throw new IllegalStateException("mmput() of an mm already torn down");
        return --mmUsers == 0;
    }

    /** mm_users: the tasks sharing this mm. */
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
    }

    /** /proc/PID/maps. */
    public String maps() {
        StringBuilder sb = new StringBuilder();
        for (Vma v : vmas.values()) sb.append(v.mapsLine(label(v))).append('\n');
        // The vsyscall page is no VMA of the mm but a gate area every x86-64 maps file shows last.
        sb.append("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
        return sb.toString();
    }

    /**
     * The name column of /proc/PID/maps, decided as show_map_vma() does: the file's path; [heap]
     * for an anonymous VMA overlapping [start_brk, brk]; [stack] for the one holding start_stack;
     * else the VMA's own name (anonymous names), or none.
     */
    public String label(Vma v) {
        if (v.file != null) return v.file.displayPath();
        if (v.start < brk && v.end > startBrk) return "[heap]"; // vma_is_initial_heap()
        if (v.start <= startStack && v.end >= startStack) return "[stack]";
        return "[stack]".equals(v.name) ? null : v.name;
    }

    @Override
    public String toString() {
        return maps();
    }

    // ------------------------------------------------------------------ the VMA tree

    /**
     * The VMAs of one address space: an AVL tree keyed by vm_start, augmented as Linux's rb-tree of
     * VMAs was before the maple tree (rb_subtree_gap, mm/mmap.c of v3.8..v6.0), so that find_vma()
     * and the top-down gap search of get_unmapped_area() are both O(log n).
     *
     * <p>Each node keeps
     * <ul>
     *   <li>{@code end} and {@code guard}: copies of its VMA's end and vm_start_gap() (TOP unless
     *       VM_GROWSDOWN), so that recomputing a path reads no VMA;</li>
     *   <li>{@code nextStart}: the start of the next VMA, or {@link #TOP} for the highest; the hole
     *       above the VMA is [end, nextStart);</li>
     *   <li>{@code maxGap}: the largest hole (nextStart - end) in the node's subtree, leaving out the
     *       unbounded one above the highest VMA, which the caller checks first, as it checks the
     *       one below the lowest last;</li>
     *   <li>{@code minGuard}: the lowest vm_start_gap() of a VM_GROWSDOWN VMA in the subtree
     *       ({@link #TOP} when none), so that the stack_guard_gap of every stack above a candidate
     *       hole is checked without walking the VMAs in between.</li>
     * </ul>
     * Invariants: keys are the VMAs' starts, in order; nextStart is the successor's key; maxGap and
     * minGuard are exact for the copies, and the copies equal the VMA's fields. Inserting or
     * removing a VMA fixes its predecessor's nextStart; whoever moves a VMA's end or changes its
     * flags (a merge, a split, mremap's vma_expand via {@link MmStruct#mergeAround}) calls
     * {@link #refresh} for it. The hole of a candidate is checked against the live VMA, so an end
     * that grew without a refresh costs a longer search, not an overlapping placement.
     *
     * <p>Lookups allocate nothing (the keys are primitive longs), so find_vma() on a cache miss
     * allocates no more than on a hit.
     */
    private static final class VmaTree {
        /** nextStart of the highest VMA, and minGuard of a subtree without stacks: nothing above. */
        static final long TOP = Long.MAX_VALUE;

        static final class Node {
            final long key;
            Vma vma;
            long end;
            long guard;
            long nextStart;
            Node left, right;
            int height;
            long maxGap;
            long minGuard;

            Node(Vma vma, long nextStart) {
                this.key = vma.start;
                this.nextStart = nextStart;
                load(vma);
            }

            /** Takes the VMA's end and guard into the node (after its end or flags moved). */
            void load(Vma v) {
                vma = v;
                end = v.end;
                guard = guardOf(v);
            }
        }

        private Node root;
        private int size;

        int size() {
            return size;
        }

        /**
         * The first VMA with end &gt; addr (find_vma()), in one descent: the VMA starting at or below
         * addr if it reaches past addr, else the first one starting above addr.
         */
        Vma find(long addr) {
            Node floor = null, higher = null;
            for (Node t = root; t != null; ) {
                if (t.key <= addr) {
                    floor = t;
                    t = t.right;
                } else {
                    higher = t;
                    t = t.left;
                }
            }
            if (floor != null && floor.vma.end > addr) return floor.vma;
            return higher == null ? null : higher.vma;
        }

        /** The VMA with the greatest start below {@code addr}, or null. */
        Vma lower(long addr) {
            Node n = lowerNode(addr);
            return n == null ? null : n.vma;
        }

        /** The VMA with the least start above {@code addr}, or null. */
        Vma higher(long addr) {
            Node n = higherNode(addr);
            return n == null ? null : n.vma;
        }

        /** The highest VMA, or null. */
        Vma last() {
            Node t = root;
            if (t == null) return null;
            while (t.right != null) t = t.right;
            return t.vma;
        }

        /** The lowest VMA, or null. */
        Vma first() {
            Node t = root;
            if (t == null) return null;
            while (t.left != null) t = t.left;
            return t.vma;
        }

        private Node lowerNode(long addr) {
            Node best = null;
            for (Node t = root; t != null; ) {
                if (t.key < addr) {
                    best = t;
                    t = t.right;
                } else {
                    t = t.left;
                }
            }
            return best;
        }

        private Node higherNode(long addr) {
            Node best = null;
            for (Node t = root; t != null; ) {
                if (t.key > addr) {
                    best = t;
                    t = t.left;
                } else {
                    t = t.right;
                }
            }
            return best;
        }

        /** The VMAs in address order (a new list). */
        List<Vma> values() {
            List<Vma> out = new ArrayList<>(size);
            Node[] stack = new Node[Math.max(1, 2 * height(root))];
            int sp = 0;
            Node t = root;
            while (t != null || sp > 0) {
                while (t != null) {
                    stack[sp++] = t;
                    t = t.left;
                }
                t = stack[--sp];
                out.add(t.vma);
                t = t.right;
            }
            return out;
        }

        /**
         * Inserts {@code vma} under its start (replacing a VMA with the same start, as TreeMap.put),
         * in one descent: the new node's predecessor and successor are ancestors on the path (the
         * last turns right and left), so the predecessor's nextStart is set at the leaf and its
         * aggregates are recomputed as the insertion unwinds.
         */
        void put(Vma vma) {
            root = insert(root, new Node(vma, TOP), null, null);
        }

        /**
         * Removes the VMA starting at {@code key}, if any, in one descent; its hole joins its
         * predecessor's, which is either an ancestor (recomputed as the deletion unwinds) or the
         * rightmost node of its left subtree (recomputed along that subtree's right spine).
         */
        void remove(long key) {
            root = delete(root, key, null);
        }

        void clear() {
            root = null;
            size = 0;
        }

        /** Recomputes the augmented values on the path to the VMA starting at {@code key} (its end or flags moved). */
        void refresh(long key) {
            refresh(root, key);
        }

        private static void refresh(Node t, long key) {
            if (t == null) return;
            if (key < t.key) refresh(t.left, key);
            else if (key > t.key) refresh(t.right, key);
            else t.load(t.vma);
            pull(t);
        }

        /**
         * The highest VMA whose hole, clipped to [low, high), holds {@code len} bytes, or null
         * (the holes above the highest and below the lowest VMA are the caller's). Needs
         * high - low &gt;= len. Subtrees
         * whose largest hole is too small are skipped, as are VMAs ending above high - len, and
         * everything left of a VMA that starts less than len above low.
         */
        Node highestHole(long len, long low, long high) {
            return highestHole(root, len, low, high);
        }

        private static Node highestHole(Node t, long len, long low, long high) {
            if (t == null || t.maxGap < len) return null;
            if (t.end <= high - len) {
                Node r = highestHole(t.right, len, low, high);
                if (r != null) return r;
                if (Math.min(t.nextStart, high) - Math.max(t.vma.end, low) >= len) return t;
            }
            if (t.key - low < len) return null;
            return highestHole(t.left, len, low, high);
        }

        /**
         * The lowest vm_start_gap() below {@code from} of a VM_GROWSDOWN VMA starting at or above
         * from, or TOP when there is none; O(1) when no stack's guard reaches below from at all.
         */
        long guardBelow(long from) {
            if (root == null || root.minGuard >= from) return TOP;
            long m = TOP;
            for (Node t = root; t != null; ) {
                if (t.key >= from) {
                    m = Math.min(m, t.guard);
                    if (t.right != null) m = Math.min(m, t.right.minGuard);
                    t = t.left;
                } else {
                    t = t.right;
                }
            }
            return m < from ? m : TOP;
        }

        static long guardOf(Vma v) {
            return v.has(VmFlags.VM_GROWSDOWN) ? vmStartGap(v) : TOP;
        }

        private static int height(Node t) {
            return t == null ? 0 : t.height;
        }

        /** Recomputes height, maxGap and minGuard of {@code t} from its children. */
        private static void pull(Node t) {
            Node l = t.left, r = t.right;
            t.height = 1 + Math.max(height(l), height(r));
            long gap = t.nextStart == TOP ? 0 : t.nextStart - t.end; // above the highest: the caller's
            long g = t.guard;
            if (l != null) {
                gap = Math.max(gap, l.maxGap);
                g = Math.min(g, l.minGuard);
            }
            if (r != null) {
                gap = Math.max(gap, r.maxGap);
                g = Math.min(g, r.minGuard);
            }
            t.maxGap = gap;
            t.minGuard = g;
        }

        /** {@code pred} and {@code succ}: the last ancestors where the descent turned right and left. */
        private Node insert(Node t, Node n, Node pred, Node succ) {
            if (t == null) {
                n.nextStart = succ == null ? TOP : succ.key;
                if (pred != null) {
                    pred.nextStart = n.key;
                    pred.load(pred.vma); // __split_vma() moved its end to n.key just before
                }
                size++;
                pull(n);
                return n;
            }
            if (n.key < t.key) {
                t.left = insert(t.left, n, pred, t);
            } else if (n.key > t.key) {
                t.right = insert(t.right, n, t, succ);
            } else {
                t.load(n.vma);
            }
            return balance(t);
        }

        /** {@code pred}: the last ancestor where the descent turned right. */
        private Node delete(Node t, long key, Node pred) {
            if (t == null) return null;
            if (key < t.key) {
                t.left = delete(t.left, key, pred);
            } else if (key > t.key) {
                t.right = delete(t.right, key, t);
            } else {
                size--;
                if (t.left != null) setLastNextStart(t.left, t.nextStart);
                else if (pred != null) pred.nextStart = t.nextStart;
                if (t.left == null) return t.right;
                if (t.right == null) return t.left;
                Node m = t.right;
                while (m.left != null) m = m.left;
                m.right = deleteMin(t.right);
                m.left = t.left;
                t = m;
            }
            return balance(t);
        }

        /** Sets nextStart of the rightmost node of {@code t}, recomputing its right spine. */
        private static void setLastNextStart(Node t, long nextStart) {
            if (t.right == null) t.nextStart = nextStart;
            else setLastNextStart(t.right, nextStart);
            pull(t);
        }

        private static Node deleteMin(Node t) {
            if (t.left == null) return t.right;
            t.left = deleteMin(t.left);
            return balance(t);
        }

        private static Node balance(Node t) {
            pull(t);
            int bf = height(t.left) - height(t.right);
            if (bf > 1) {
                if (height(t.left.left) < height(t.left.right)) t.left = rotateLeft(t.left);
                return rotateRight(t);
            }
            if (bf < -1) {
                if (height(t.right.right) < height(t.right.left)) t.right = rotateRight(t.right);
                return rotateLeft(t);
            }
            return t;
        }

        private static Node rotateRight(Node t) {
            Node l = t.left;
            t.left = l.right;
            l.right = t;
            pull(t);
            pull(l);
            return l;
        }

        private static Node rotateLeft(Node t) {
            Node r = t.right;
            t.right = r.left;
            r.left = t;
            pull(t);
            pull(r);
            return r;
        }
    }
}
