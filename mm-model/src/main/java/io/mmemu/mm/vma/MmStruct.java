package io.mmemu.mm.vma;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An address space: Linux's mm_struct with its VMAs and page tables.
 *
 * <p>VMAs are kept in a tree ordered by start (Linux uses the maple tree), so that find_vma is
 * O(log n); the last VMA found is cached (the old per-thread vmacache), so the fault path of a
 * program touching one region finds its VMA without searching. Invariants: VMAs are sorted,
 * disjoint, page aligned and non-empty; every present PTE lies inside a VMA.
 *
 * <p>Layout follows x86-64 Linux: TASK_SIZE 0x7ffffffff000, the stack at the top, mmap_base
 * below it (mmap_base()), mappings placed top-down below mmap_base (the default
 * arch_get_unmapped_area_topdown()).
 */
public final class MmStruct {
    public static final long PAGE_SIZE = 4096;
    /** TASK_SIZE_MAX for 4-level paging: (1 << 47) - PAGE_SIZE. */
    public static final long TASK_SIZE = (1L << 47) - PAGE_SIZE;
    /** mmap_min_addr default (vm.mmap_min_addr = 65536). */
    public static final long MMAP_MIN_ADDR = 65536;
    /** vm.max_map_count default. */
    public static final int MAX_MAP_COUNT = 65530;

    private final MmEnv env;
    private final PageTable pgd;
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private Vma mmapCache;
    /** vm.max_map_count for this address space: the most VMAs it may hold. */
    private int maxMapCount = MAX_MAP_COUNT;
    private final long[] rss = new long[RssStat.values().length];

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

    /** Models mm_alloc() + mm_init(): an empty address space, or null when no page is left for its PML4. */
    public static MmStruct mmAlloc(MmEnv env) {
        PageTable pgd = PageTable.pgdAlloc(env.mem(), env.allocator());
        return pgd == null ? null : new MmStruct(env, pgd);
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
        return new ArrayList<>(vmas.values());
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
        Map.Entry<Long, Vma> e = vmas.floorEntry(addr);
        if (e != null && e.getValue().end > addr) return mmapCache = e.getValue();
        e = vmas.higherEntry(addr);
        return e == null ? null : e.getValue();
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
        vmas.put(newStart, vma);
    }

    private Vma prevOf(long addr) {
        Map.Entry<Long, Vma> e = vmas.lowerEntry(addr);
        return e == null ? null : e.getValue();
    }

    // ------------------------------------------------------------------ placement

    /**
     * Models arch_get_unmapped_area_topdown() over vm_unmapped_area(): the highest gap of
     * {@code len} bytes below mmap_base (honouring a free, page-aligned hint first), or -ENOMEM.
     */
    public long getUnmappedArea(long hint, long len) {
        if (len > TASK_SIZE - MMAP_MIN_ADDR) return -Errno.ENOMEM;
        if (hint != 0) {
            hint = pageAlign(hint);
            Vma next = findVma(hint);
            if (hint <= TASK_SIZE - len && hint >= MMAP_MIN_ADDR
                    && (next == null || hint + len <= vmStartGap(next)) && isFree(hint, hint + len)) {
                return hint;
            }
        }
        // vm_unmapped_area() top-down: the highest gap [prev.end, vm_start_gap(next)) below mmap_base.
        long high = mmapBase;
        Vma above = findVma(high);
        if (above != null) high = Math.min(high, vmStartGap(above));
        while (true) {
            Map.Entry<Long, Vma> below = vmas.lowerEntry(high);
            if (below != null && below.getValue().end > high) { // a VMA straddles the limit
                high = vmStartGap(below.getValue());
                continue;
            }
            long low = below == null ? MMAP_MIN_ADDR : Math.max(below.getValue().end, MMAP_MIN_ADDR);
            if (high >= len && high - len >= low) return high - len;
            if (below == null) return -Errno.ENOMEM;
            high = vmStartGap(below.getValue());
        }
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
        if (vmas.size() >= maxMapCount) return -Errno.ENOMEM;
        if (file == null) pgoff = addr >>> 12;
        insertMerged(new Vma(addr, end, vmFlags, pgoff, file, name));
        return addr;
    }

    /** Inserts a VMA over a free range, merging it with its neighbours when vma_merge() would. */
    private void insertMerged(Vma vma) {
        Vma prev = prevOf(vma.start + 1);
        if (prev == vma) prev = null;
        if (prev != null && prev.end == vma.start && canMerge(prev, vma)) {
            prev.end = vma.end;
            vma = prev;
        } else {
            vmas.put(vma.start, vma);
        }
        Map.Entry<Long, Vma> ne = vmas.higherEntry(vma.start);
        Vma next = ne == null ? null : ne.getValue();
        if (next != null && next.start == vma.end && canMerge(vma, next)) {
            vmas.remove(next.start);
            vma.end = next.end;
            if (mmapCache == next) mmapCache = null;
        }
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
        if ((start & (PAGE_SIZE - 1)) != 0 || start > TASK_SIZE || len > TASK_SIZE - start) return -Errno.EINVAL;
        len = pageAlign(len);
        if (len == 0) return -Errno.EINVAL;
        long end = start + len;
        Vma first = findVma(start);
        if (first == null || first.start >= end) return 0;
        // Splitting a VMA in the middle makes one more: refuse past max_map_count as Linux does.
        if (first.start < start && first.end > end && vmas.size() >= maxMapCount) return -Errno.ENOMEM;
        if (first.start < start) splitVma(first, start);
        Vma last = findVma(end - 1);
        if (last != null && last.start < end && last.end > end) splitVma(last, end);
        for (Vma v = findVma(start); v != null && v.start < end; v = findVma(v.end)) {
            vmas.remove(v.start);
            if (mmapCache == v) mmapCache = null;
        }
        zapPageRange(start, end);
        pgd.freePgtables(start, end);
        env.tlbFlush().flushTlbMmRange(this, start, end, true);
        return 0;
    }

    /** Removes a VMA from the tree (its pages are the caller's business). */
    void removeVma(Vma vma) {
        vmas.remove(vma.start);
        if (mmapCache == vma) mmapCache = null;
    }

    /** Inserts a VMA over a free range, merging it with compatible neighbours. */
    void insertVma(Vma vma) {
        insertMerged(vma);
    }

    /**
     * Models the merge step of vma_modify()/vma_merge() after a VMA's flags changed: joins it with
     * its neighbours where they are compatible. Returns the VMA that now covers it.
     */
    Vma mergeAround(Vma vma) {
        Vma prev = prevOf(vma.start);
        if (prev != null && prev.end == vma.start && canMerge(prev, vma)) {
            removeVma(vma);
            prev.end = vma.end;
            vma = prev;
        }
        Map.Entry<Long, Vma> ne = vmas.higherEntry(vma.start);
        Vma next = ne == null ? null : ne.getValue();
        if (next != null && next.start == vma.end && canMerge(vma, next)) {
            removeVma(next);
            vma.end = next.end;
        }
        return vma;
    }

    /** Splits so that a VMA boundary falls at {@code addr} (if a VMA straddles it); refuses past max_map_count. */
    boolean splitAt(long addr) {
        Vma v = vmaLookup(addr);
        if (v == null || v.start == addr) return true;
        if (vmas.size() >= maxMapCount) return false;
        splitVma(v, addr);
        return true;
    }

    /** Models __split_vma(): cuts {@code vma} at {@code addr}; the upper part becomes a new VMA. */
    private void splitVma(Vma vma, long addr) {
        Vma upper = new Vma(addr, vma.end, vma.flags, vma.pgoff + ((addr - vma.start) >>> 12), vma.file, vma.name);
        vma.end = addr;
        vmas.put(upper.start, upper);
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
            addRss(anon ? RssStat.MM_ANONPAGES : RssStat.MM_FILEPAGES, -1);
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
        insertMerged(new Vma(oldEnd, newEnd, flags, oldEnd >>> 12, null, "[heap]"));
        brk = newBrk;
        return brk;
    }

    /** stack_guard_gap: 256 pages. */
    public static final long STACK_GUARD_GAP = 256 * PAGE_SIZE;

    // ------------------------------------------------------------------ teardown

    /** Models exit_mmap(), mm/mmap.c: unmaps everything and frees the page tables. */
    public void exitMmap() {
        zapPageRange(0, TASK_SIZE);
        vmas.clear();
        mmapCache = null;
        pgd.free();
        env.tlbFlush().flushTlbMmRange(this, 0, TASK_SIZE, true);
    }

    /** /proc/PID/maps. */
    public String maps() {
        StringBuilder sb = new StringBuilder();
        for (Vma v : vmas.values()) sb.append(v.mapsLine()).append('\n');
        return sb.toString();
    }

    @Override
    public String toString() {
        return maps();
    }
}
