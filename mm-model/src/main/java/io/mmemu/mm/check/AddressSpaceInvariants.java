package io.mmemu.mm.check;

import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.slab.KernelSlab;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.UserfaultfdCtx;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The invariants of a set of live address spaces sharing one {@link MmEnv}, checked from the
 * outside (VMA list, page tables in guest memory, frame table, allocator counters) without
 * touching any state the model caches: no find_vma (it moves the VMA cache), no walker (it sets
 * A/D bits). Each violation is one line naming the address space ({@code mm#i}, its index in the
 * list given), the VMA or entry and what is wrong; {@link #report} adds the state that explains
 * it: every VMA as /proc/PID/maps shows it and every entry with its frame's counts.
 *
 * <p>Two scopes. Built with {@link #AddressSpaceInvariants(MmEnv)} before the first address
 * space exists, it checks a whole machine: the list given must hold every live address space
 * (map counts are summed over them), and rules 8 and 9 (leaks, kernel objects) apply.
 * {@link #check(MmEnv, MmStruct)} checks one address space among others it does not know: map
 * and reference counts are then lower bounds, and rules 8 and 9 are skipped.
 *
 * <ol>
 *   <li>VMAs are sorted, disjoint, page aligned, non-empty and inside [mmap_min_addr, TASK_SIZE);
 *       their flags are coherent: each of VM_READ, VM_WRITE, VM_EXEC, VM_SHARED only with its
 *       VM_MAY* bit, VM_GROWSDOWN never with VM_SHARED.</li>
 *   <li>Every leaf entry that maps a page (pte_present()) lies inside a VMA and is no more
 *       permissive than it: US set; P clear with _PAGE_PROTNONE under a PROT_NONE VMA, P set
 *       otherwise; RW only under VM_WRITE; NX unless VM_EXEC (for present entries: Linux's
 *       PAGE_NONE has no NX). A special entry maps the zero page, read-only; no other entry does.
 *       A leaf slot that maps nothing is zero (the model has no swap entries). A 2 MiB leaf (a
 *       transparent huge page) lies wholly inside a private anonymous VMA, maps a 2 MiB-aligned
 *       folio that the THP state knows PMD-mapped, and counts as one mapping of each of its
 *       512 frames in the rules below; or, special and read-only, the huge zero page, which
 *       counts for nothing and (once allocated) is no leak.</li>
 *   <li>RSS: MM_ANONPAGES counts the entries mapping PG_anon frames, MM_SHMEMPAGES those mapping
 *       shmem frames, MM_FILEPAGES the other non-special ones; the zero page counts for nothing.
 *       locked_vm counts the pages of the VM_LOCKED VMAs, and VM_LOCKONFAULT comes only with VM_LOCKED.</li>
 *   <li>A VMA has VM_UFFD_* flags exactly when it is registered with a userfaultfd, which is its
 *       own address space's and not released; an entry write-protected for a userfaultfd
 *       (_PAGE_UFFD_WP) lies in a VM_UFFD_WP VMA and is not writable.</li>
 *   <li>Every mapped frame is allocated, not a page table, and its mapcount equals the number of
 *       entries mapping it across all live address spaces; its refcount equals the mapcount for
 *       anonymous frames (the page cache holds one more on file frames).</li>
 *   <li>Copy-on-write: an anonymous frame that more than one entry maps (a fork shared it) is
 *       mapped read-only by all of them, so that the first write copies it.</li>
 *   <li>The zero page is all zeros, mapped by no counted entry (mapcount 0), still PG_zero.</li>
 *   <li>Page tables: every table reachable from a PML4 is PG_pgtable, reached once in all, and
 *       their number (the PML4 included), with the tables deposited for huge PMDs, is {@link PageTable#nrTables()}; intermediate entries
 *       carry P RW US; no table below the PML4 lies wholly in a hole between VMAs
 *       (free_pgtables() frees those when the range around them is unmapped).</li>
 *   <li>No frame is leaked: free pages = free pages before any address space existed, minus the
 *       page tables and the mapped frames. This holds only for anonymous memory (no page cache).
 *       Slab frames (PG_slab: the caches of mm_struct and
 *       vm_area_struct keep emptied slabs as SLUB does) count as free here, and none is mapped.</li>
 *   <li>Kernel objects: vm_area_cachep has exactly one object in use per VMA of the live
 *       address spaces, mm_cachep one per live address space.</li>
 * </ol>
 * {@link #describe} prints every VMA and every entry, for failure messages.
 */
public final class AddressSpaceInvariants {
    /** At most this many violations are listed (a broken page table repeats one error per entry). */
    private static final int MAX_ERRORS = 25;
    /** {@link #baselineFree} when the checker does not know the whole machine. */
    private static final long NO_BASELINE = -1;

    private final MmEnv env;
    private final FrameTable frames;
    private final long baselineFree;

    /**
     * Call before the first address space is allocated: the free-page count it records is the leak baseline.
     *
     * @param env the memory model to check
     */
    public AddressSpaceInvariants(MmEnv env) {
        this(env, -2);
    }

    private AddressSpaceInvariants(MmEnv env, long baselineFree) {
        this.env = env;
        this.frames = env.frames();
        this.baselineFree = baselineFree == -2 ? freeOrSlab() : baselineFree;
    }

    /**
     * The violations of rules 1 to 7 by {@code mm} alone, which may share frames with address
     * spaces not given (a forked parent, the page cache's other users): empty when it is sound.
     *
     * @param env the memory model
     * @param mm  the address space
     * @return the violations, one line each
     */
    public static List<String> check(MmEnv env, MmStruct mm) {
        return new AddressSpaceInvariants(env, NO_BASELINE).violations(List.of(mm));
    }

    private boolean wholeMachine() {
        return baselineFree != NO_BASELINE;
    }

    /**
     * Free frames, counting the slab allocator's frames as free (what it holds without users is its
     * cache), and the huge zero page's (kept once allocated, as the zero page is).
     */
    private long freeOrSlab() {
        long hugeZero = env.thp().hugeZeroPfn() >= 0 ? HugeMemory.HPAGE_PMD_NR : 0;
        return env.allocator().nrFreePages() + env.kernelSlab().nrSlabPages() + hugeZero;
    }

    /** {@return the free-page count before the first address space (the leak baseline)} */
    public long baselineFree() {
        return baselineFree;
    }

    /**
     * After the last address space is gone: what leaked (frames other than the zero page, kernel objects), or nothing.
     *
     * @return the leaks, one line each
     */
    public List<String> leaks() {
        List<String> errors = new ArrayList<>();
        long free = freeOrSlab();
        if (free != baselineFree) {
            errors.add("frames leaked after the last exit_mmap: free pages " + free + " (expected: "
                    + baselineFree + ", as before the first mm_alloc)\n" + leakedFrames());
        }
        KernelSlab slab = env.kernelSlab();
        long vmas = slab.activeObjects(slab.vmAreaCachep()), mms = slab.activeObjects(slab.mmCachep());
        if (vmas != 0 || mms != 0) {
            errors.add("kernel objects leaked after the last exit_mmap: " + vmas + " vm_area_struct, "
                    + mms + " mm_struct still in use\n" + slab.slabinfo());
        }
        return errors;
    }

    /**
     * The violations over every live address space of the machine, empty when every invariant holds.
     *
     * @param live every live address space
     * @return the violations, one line each
     */
    public List<String> violations(List<MmStruct> live) {
        List<String> errors = new ArrayList<>();
        // pfn -> number of (non-special) entries mapping it, over all live address spaces
        TreeMap<Long, Integer> mapped = new TreeMap<>();
        // frames some entry maps with RW
        Set<Long> writable = new HashSet<>();
        Set<Long> tables = new HashSet<>();
        long totalTables = 0;
        for (int i = 0; i < live.size(); i++) {
            MmStruct mm = live.get(i);
            String who = "mm#" + i + ": ";
            List<Vma> vmas = mm.vmas();
            checkVmas(who, vmas, errors);
            checkUserfaultfd(who, mm, vmas, errors);
            checkEntries(who, mm, vmas, mapped, writable, errors);
            long reachable = checkTables(who, mm, vmas, tables, errors);
            if (reachable + mm.pgd().nrDeposited() != mm.pgd().nrTables()) {
                errors.add(who + "nrTables " + mm.pgd().nrTables() + " but " + reachable
                        + " PG_pgtable tables are reachable from the PML4");
            }
            totalTables += mm.pgd().nrTables();
        }
        checkFrames(mapped, writable, tables, errors);
        checkZeroPage(errors);
        if (!wholeMachine()) return cap(errors);
        long expectedFree = baselineFree - totalTables - mapped.size();
        long free = freeOrSlab();
        if (free != expectedFree) {
            errors.add("free pages " + free + " (expected: " + expectedFree + " = " + baselineFree + " at boot - "
                    + totalTables + " page tables - " + mapped.size() + " mapped frames): "
                    + (free < expectedFree ? "frames leaked" : "frames freed while in use"));
        }
        checkKernelObjects(live, errors);
        return cap(errors);
    }

    private static List<String> cap(List<String> errors) {
        return errors.size() > MAX_ERRORS ? List.copyOf(errors.subList(0, MAX_ERRORS)) : errors;
    }

    /** One vm_area_struct per VMA and one mm_struct per address space, each VMA with its own object. */
    private void checkKernelObjects(List<MmStruct> live, List<String> errors) {
        KernelSlab slab = env.kernelSlab();
        long nrVmas = 0;
        Set<Long> objects = new HashSet<>();
        for (int i = 0; i < live.size(); i++) {
            MmStruct mm = live.get(i);
            if (mm.object() == 0 || !objects.add(mm.object())) errors.add("mm#" + i + ": no mm_struct of its own");
            for (Vma v : mm.vmas()) {
                nrVmas++;
                if (v.object() == 0 || !objects.add(v.object())) {
                    errors.add("mm#" + i + ": VMA without a vm_area_struct of its own (object 0x"
                            + Long.toHexString(v.object()) + "): " + v);
                }
            }
        }
        long vmAreas = slab.activeObjects(slab.vmAreaCachep());
        if (vmAreas != nrVmas) {
            errors.add("vm_area_struct objects in use " + vmAreas + " (expected: " + nrVmas + ", one per VMA): "
                    + (vmAreas > nrVmas ? "leaked" : "freed while in use"));
        }
        long mms = slab.activeObjects(slab.mmCachep());
        if (mms != live.size()) errors.add("mm_struct objects in use " + mms + " (expected: " + live.size() + ")");
    }

    /** A right and the VM_MAY* bit without which a VMA may not have it (mprotect() checks the same). */
    private static final int[][] MAY_BITS = {{VmFlags.VM_READ, VmFlags.VM_MAYREAD},
            {VmFlags.VM_WRITE, VmFlags.VM_MAYWRITE}, {VmFlags.VM_EXEC, VmFlags.VM_MAYEXEC},
            {VmFlags.VM_SHARED, VmFlags.VM_MAYSHARE}};
    private static final Map<Integer, String> VM_NAMES = Map.of(VmFlags.VM_READ, "VM_READ", VmFlags.VM_MAYREAD,
            "VM_MAYREAD", VmFlags.VM_WRITE, "VM_WRITE", VmFlags.VM_MAYWRITE, "VM_MAYWRITE", VmFlags.VM_EXEC, "VM_EXEC",
            VmFlags.VM_MAYEXEC, "VM_MAYEXEC", VmFlags.VM_SHARED, "VM_SHARED", VmFlags.VM_MAYSHARE, "VM_MAYSHARE");

    private static void checkVmas(String who, List<Vma> vmas, List<String> errors) {
        long prevEnd = MmStruct.MMAP_MIN_ADDR;
        for (Vma v : vmas) {
            if ((v.start() & (PageTypes.PAGE_SIZE - 1)) != 0 || (v.end() & (PageTypes.PAGE_SIZE - 1)) != 0) {
                errors.add(who + "VMA not page aligned: " + v);
            }
            if (v.end() <= v.start()) errors.add(who + "empty VMA: " + v);
            if (v.start() < prevEnd) errors.add(who + "VMA overlaps or precedes the one before it (which ends at 0x"
                    + Long.toHexString(prevEnd) + "): " + v);
            if (v.end() > MmStruct.TASK_SIZE) errors.add(who + "VMA beyond TASK_SIZE: " + v);
            for (int[] pair : MAY_BITS) {
                if (v.has(pair[0]) && !v.has(pair[1])) {
                    errors.add(who + "VMA with " + VM_NAMES.get(pair[0]) + " but not " + VM_NAMES.get(pair[1]) + ": " + v);
                }
            }
            if (v.has(VmFlags.VM_GROWSDOWN) && v.has(VmFlags.VM_SHARED)) errors.add(who + "shared VMA that grows down: " + v);
            prevEnd = Math.max(prevEnd, v.end());
        }
    }

    /**
     * userfaultfd_register()'s BUG_ON(!!ctx ^ !!(vm_flags &amp; __VM_UFFD_FLAGS)) and handle_userfault()'s
     * BUG_ON(ctx-&gt;mm != mm): a VMA has VM_UFFD_* flags exactly when it is registered with a
     * userfaultfd, and that userfaultfd is this address space's and not released; _PAGE_UFFD_WP
     * only in a VM_UFFD_WP VMA and never with RW (pte_mkuffd_wp() write-protects).
     */
    private static void checkUserfaultfd(String who, MmStruct mm, List<Vma> vmas, List<String> errors) {
        for (Vma v : vmas) {
            UserfaultfdCtx ctx = v.userfaultfdCtx();
            if ((ctx != null) != v.has(VmFlags.VM_UFFD_FLAGS)) {
                errors.add(who + (ctx == null ? "VM_UFFD_* flags without a userfaultfd: " : "a userfaultfd without VM_UFFD_* flags: ")
                        + v);
            } else if (ctx != null && ctx.mm() != mm) {
                errors.add(who + "VMA registered with another address space's userfaultfd: " + v);
            } else if (ctx != null && ctx.released()) {
                errors.add(who + "VMA registered with a released userfaultfd: " + v);
            }
            boolean wpVma = v.has(VmFlags.VM_UFFD_WP);
            mm.pgd().forEachPresentPte(v.start(), v.end(), (va, slot, pte) -> {
                if ((pte & Pte.UFFD_WP) == 0) return;
                if (!wpVma) errors.add(who + "_PAGE_UFFD_WP outside a VM_UFFD_WP VMA at 0x" + Long.toHexString(va) + ": " + v);
                if ((pte & Pte.RW) != 0) errors.add(who + "_PAGE_UFFD_WP with RW at 0x" + Long.toHexString(va) + ": " + v);
            });
        }
    }

    /**
     * The VMA of a sorted list containing {@code va}, or null; a binary search, so the mm's VMA cache stays as it was.
     *
     * @param vmas VMAs sorted by start
     * @param va   a virtual address
     * @return the VMA containing it, or null
     */
    public static Vma vmaAt(List<Vma> vmas, long va) {
        int lo = 0, hi = vmas.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Vma v = vmas.get(mid);
            if (va < v.start()) hi = mid - 1;
            else if (va >= v.end()) lo = mid + 1;
            else return v;
        }
        return null;
    }

    /** True when some VMA overlaps [start, end). */
    static boolean anyVmaIn(List<Vma> vmas, long start, long end) {
        for (Vma v : vmas) {
            if (v.start() < end && v.end() > start) return true;
        }
        return false;
    }

    private void checkEntries(String who, MmStruct mm, List<Vma> vmas, TreeMap<Long, Integer> mapped,
            Set<Long> writable, List<String> errors) {
        long[] anon = {0}, shmem = {0}, file = {0};
        long zeroPfn = env.zeroPfn();
        long nrPages = frames.nrPages();
        mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PageTypes.PAGE_SIZE, (va, slot, pte) -> {
            // formatted only for a report: this runs for every entry after every step
            Supplier<String> at = () -> String.format("%sPTE 0x%016x for 0x%x (%s): ", who, pte, va, pteFlags(pte));
            Vma v = vmaAt(vmas, va);
            if (v == null) {
                errors.add(at.get() + "maps a page outside every VMA");
                return;
            }
            boolean protNone = (v.flags() & VmFlags.VM_ACCESS_FLAGS) == 0;
            if ((pte & Pte.US) == 0) errors.add(at.get() + "US clear in a user mapping");
            if (protNone && (pte & (Pte.P | Pte.PROTNONE)) != Pte.PROTNONE) {
                errors.add(at.get() + "under a PROT_NONE VMA it must be PROTNONE without P: " + v);
            }
            if (!protNone && (pte & Pte.P) == 0) errors.add(at.get() + "not present under an accessible VMA: " + v);
            if ((pte & Pte.RW) != 0 && !v.has(VmFlags.VM_WRITE)) errors.add(at.get() + "RW under a VMA without VM_WRITE: " + v);
            if ((pte & Pte.P) != 0 && (pte & Pte.NX) == 0 && !v.has(VmFlags.VM_EXEC)) {
                errors.add(at.get() + "executable (no NX) under a VMA without VM_EXEC: " + v);
            }
            long pfn = Pte.pfn(pte);
            int pages = 1;
            if ((pte & Pte.PS) != 0 && mm.pgd().hugePmdSlot(va) != slot) {
                errors.add(at.get() + "PAT/PS set in a 4 KiB entry");
            } else if ((pte & Pte.PS) != 0) {
                pages = HugeMemory.HPAGE_PMD_NR;
                if ((va & ~PageTypes.PMD_MASK) != 0 || va + PageTypes.PMD_SIZE > v.end()) {
                    errors.add(at.get() + "huge PMD not wholly inside its VMA: " + v);
                }
                if (!v.isAnonymous()) errors.add(at.get() + "huge PMD outside private anonymous memory");
                if ((pfn & (pages - 1)) != 0) errors.add(at.get() + "huge PMD of a frame not aligned to 2 MiB");
                if (HugeMemory.isHugeZeroPmd(pte)) {
                    if (pfn != env.thp().hugeZeroPfn()) errors.add(at.get() + "special huge PMD for a frame other than the huge zero page");
                    if ((pte & Pte.RW) != 0) errors.add(at.get() + "the huge zero page mapped writable");
                    return;
                }
                if (env.thp().entireMapcount(pfn) < 1) errors.add(at.get() + "huge PMD of a folio with entire mapcount 0");
            }
            if ((pte & Pte.SPECIAL) != 0) {
                if (pfn != zeroPfn) errors.add(at.get() + "special entry for a frame other than the zero page 0x"
                        + Long.toHexString(zeroPfn));
                if ((pte & Pte.RW) != 0) errors.add(at.get() + "the zero page mapped writable");
                return;
            }
            if (pfn == zeroPfn) {
                errors.add(at.get() + "the zero page mapped by a normal (refcounted) entry");
                return;
            }
            if (pfn + pages > nrPages) {
                errors.add(at.get() + "frame beyond RAM");
                return;
            }
            for (long p = pfn; p < pfn + pages; p++) {
                mapped.merge(p, 1, Integer::sum);
                if ((pte & Pte.RW) != 0) writable.add(p);
                if (frames.testPageFlag(p, PageFlag.ANON)) anon[0]++;
                else if (frames.testPageFlag(p, PageFlag.SHMEM)) shmem[0]++;
                else file[0]++;
            }
        });
        if (mm.rss(RssStat.MM_ANONPAGES) != anon[0]) {
            errors.add(who + "MM_ANONPAGES " + mm.rss(RssStat.MM_ANONPAGES) + " but " + anon[0]
                    + " entries map anonymous frames");
        }
        if (mm.rss(RssStat.MM_SHMEMPAGES) != shmem[0]) {
            errors.add(who + "MM_SHMEMPAGES " + mm.rss(RssStat.MM_SHMEMPAGES) + " but " + shmem[0]
                    + " entries map shmem frames");
        }
        if (mm.rss(RssStat.MM_FILEPAGES) != file[0]) {
            errors.add(who + "MM_FILEPAGES " + mm.rss(RssStat.MM_FILEPAGES) + " but " + file[0]
                    + " entries map file frames");
        }
        long locked = 0;
        for (Vma v : mm.vmas()) {
            if (v.has(VmFlags.VM_LOCKED)) locked += (v.end() - v.start()) >>> PageTypes.PAGE_SHIFT;
            else if (v.has(VmFlags.VM_LOCKONFAULT)) errors.add(who + v + ": VM_LOCKONFAULT without VM_LOCKED");
        }
        if (mm.lockedVm != locked) {
            errors.add(who + "locked_vm " + mm.lockedVm + " but the VM_LOCKED VMAs hold " + locked + " pages");
        }
    }

    /** Counts the tables reachable from the PML4 (itself included) and checks each. */
    private long checkTables(String who, MmStruct mm, List<Vma> vmas, Set<Long> tables, List<String> errors) {
        long pgdPfn = mm.pgd().pgdPfn();
        if (!tables.add(pgdPfn)) errors.add(who + "PML4 0x" + Long.toHexString(pgdPfn) + " shared with another table");
        if (!frames.testPageFlag(pgdPfn, PageFlag.PGTABLE)) errors.add(who + "PML4 frame without PG_pgtable");
        return 1 + walkTables(who, pgdPfn, Level.PML4, 0, vmas, tables, errors);
    }

    private long walkTables(String who, long tablePfn, Level level, long base, List<Vma> vmas, Set<Long> tables,
            List<String> errors) {
        PhysicalMemory mem = env.mem();
        long span = level.entrySpan();
        long count = 0;
        for (int i = 0; i < 512; i++) {
            long entry = mem.getLong((tablePfn << PageTypes.PAGE_SHIFT) + 8L * i);
            long va = base + i * span;
            if (level == Level.PT) {
                if (entry != 0 && !Pte.mapsPage(entry)) {
                    errors.add(String.format("%sstray PTE 0x%016x for 0x%x: maps nothing but is not empty", who, entry, va));
                }
                continue;
            }
            if (!Pte.present(entry)) {
                if (entry != 0) errors.add(String.format("%sstray %s entry 0x%016x for 0x%x", who, level.linuxName, entry, va));
                continue;
            }
            Supplier<String> at = () -> String.format("%s%s entry 0x%016x for [0x%x, 0x%x): ", who, level.linuxName, entry,
                    va, va + span);
            if ((entry & Pte.PS) != 0) {
                // A huge PMD is a leaf, checked with the others; only 2 MiB pages exist.
                if (level != Level.PD) errors.add(at.get() + "a 1 GiB page, which only 2 MiB THP leaves may be");
                continue;
            }
            if ((entry & (Pte.P | Pte.RW | Pte.US)) != (Pte.P | Pte.RW | Pte.US)) {
                errors.add(at.get() + "a table entry without P RW US (_PAGE_TABLE)");
            }
            long child = Pte.pfn(entry);
            if (child >= frames.nrPages()) {
                errors.add(at.get() + "table beyond RAM");
                continue;
            }
            if (!tables.add(child)) {
                errors.add(at.get() + "table frame reached twice");
                continue;
            }
            if (!frames.testPageFlag(child, PageFlag.PGTABLE)) errors.add(at.get() + "table frame without PG_pgtable");
            if (!anyVmaIn(vmas, va, va + span)) errors.add(at.get() + "a table wholly in a hole between VMAs (not freed)");
            count += 1 + walkTables(who, child, level.next(), va, vmas, tables, errors);
        }
        return count;
    }

    private void checkFrames(Map<Long, Integer> mapped, Set<Long> writable, Set<Long> tables, List<String> errors) {
        for (Map.Entry<Long, Integer> e : mapped.entrySet()) {
            long pfn = e.getKey();
            int n = e.getValue();
            Supplier<String> at = () -> String.format("frame 0x%x (%s): ", pfn, frames.dumpPage(pfn).strip());
            int mapcount = frames.pageMapcount(pfn);
            int ref = frames.pageRefCount(pfn);
            if (ref == 0) {
                errors.add(at.get() + "mapped by " + n + " entries but free");
                continue;
            }
            int expectedRef = n + (frames.testPageFlag(pfn, PageFlag.ANON) ? 0 : 1);
            if (wholeMachine()) {
                if (mapcount != n) errors.add(at.get() + "mapcount " + mapcount + " but " + n + " entries map it");
                if (ref != expectedRef) errors.add(at.get() + "refcount " + ref + " (expected: " + expectedRef + ")");
            } else {
                // Other address spaces may map it too: the counts are at least this one's.
                if (mapcount < n) errors.add(at.get() + "mapcount " + mapcount + " but " + n + " entries map it");
                if (ref < expectedRef) errors.add(at.get() + "refcount " + ref + " (expected: at least " + expectedRef + ")");
            }
            if (n > 1 && writable.contains(pfn) && frames.testPageFlag(pfn, PageFlag.ANON)) {
                errors.add(at.get() + "mapped by " + n + " entries, one of them writable: a write would skip copy-on-write");
            }
            if (frames.testPageFlag(pfn, PageFlag.PGTABLE) || tables.contains(pfn)) {
                errors.add(at.get() + "a page table mapped into user space");
            }
            if (frames.testPageFlag(pfn, PageFlag.SLAB)) errors.add(at.get() + "a slab page mapped into user space");
        }
    }

    private void checkZeroPage(List<String> errors) {
        long zeroPfn = env.zeroPfn();
        long pa = zeroPfn << PageTypes.PAGE_SHIFT;
        for (int off = 0; off < PageTypes.PAGE_SIZE; off += 8) {
            long v = env.mem().getLong(pa + off);
            if (v != 0) {
                errors.add(String.format("the zero page (pfn 0x%x) was written: 0x%016x at offset 0x%x", zeroPfn, v, off));
                break;
            }
        }
        if (!frames.testPageFlag(zeroPfn, PageFlag.ZERO_PAGE)) errors.add("the zero page lost PG_zero (freed?)");
        if (frames.pageMapcount(zeroPfn) != 0) errors.add("the zero page has mapcount " + frames.pageMapcount(zeroPfn));
        if (frames.pageRefCount(zeroPfn) < 1) errors.add("the zero page has refcount " + frames.pageRefCount(zeroPfn));
    }

    /** Frames neither free nor reserved nor the zero page: what a leak report names. */
    private String leakedFrames() {
        StringBuilder sb = new StringBuilder("frames still allocated:\n");
        int shown = 0;
        for (long pfn = 0; pfn < frames.nrPages() && shown < 20; pfn++) {
            if (pfn == env.zeroPfn() || frames.pageRefCount(pfn) == 0 || frames.testPageFlag(pfn, PageFlag.RESERVED)
                    || frames.testPageFlag(pfn, PageFlag.SLAB)) {
                continue;
            }
            sb.append("  ").append(frames.dumpPage(pfn).strip()).append('\n');
            shown++;
        }
        return sb.toString();
    }

    /**
     * Pte.describe(), with bit 8 named PROTNONE when P is clear (Linux's reuse of G) and SPECIAL shown.
     *
     * @param pte an entry
     * @return the flag names
     */
    public static String pteFlags(long pte) {
        boolean protNone = (pte & Pte.P) == 0 && (pte & Pte.PROTNONE) != 0;
        String s = Pte.describe(protNone ? pte & ~Pte.G : pte);
        return s + (protNone ? "|PROTNONE" : "") + ((pte & Pte.SPECIAL) != 0 ? "|SPECIAL" : "");
    }

    /**
     * The violations, one per line, then the state of every address space in {@code live} ({@link #describe}).
     *
     * @param errors the violations
     * @param live   every live address space
     * @return the report as text
     */
    public String report(List<String> errors, List<MmStruct> live) {
        StringBuilder sb = new StringBuilder(errors.size() + " invariant violation(s):\n");
        for (String e : errors) sb.append("  - ").append(e).append('\n');
        return sb.append(describe(live)).toString();
    }

    /**
     * Every live address space: its VMAs, counters and every entry that maps a page.
     *
     * @param live every live address space
     * @return the description as text
     */
    public String describe(List<MmStruct> live) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < live.size(); i++) sb.append(describe("mm#" + i, live.get(i)));
        sb.append(wholeMachine() ? String.format("free pages %d (baseline %d), zero page pfn 0x%x%n",
                env.allocator().nrFreePages(), baselineFree, env.zeroPfn())
                : String.format("free pages %d, zero page pfn 0x%x%n", env.allocator().nrFreePages(), env.zeroPfn()));
        return sb.toString();
    }

    /**
     * One address space: VMAs as /proc/PID/maps, then every present PTE with its frame's counts.
     *
     * @param name the name to print for it
     * @param mm   the address space
     * @return the description as text
     */
    public String describe(String name, MmStruct mm) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s: PML4 pfn 0x%x, %d tables, rss anon %d file %d, brk [0x%x, 0x%x), mmap_base 0x%x%n",
                name, mm.pgd().pgdPfn(), mm.pgd().nrTables(), mm.rss(RssStat.MM_ANONPAGES),
                mm.rss(RssStat.MM_FILEPAGES), mm.startBrk, mm.brk, mm.mmapBase));
        List<Vma> vmas = mm.vmas();
        if (vmas.isEmpty()) sb.append("  (no VMAs)\n");
        for (Vma v : vmas) sb.append("  ").append(v.mapsLine()).append('\n');
        mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PageTypes.PAGE_SIZE, (va, slot, pte) -> {
            long pfn = Pte.pfn(pte);
            sb.append(String.format("    0x%012x -> pfn 0x%-6x %-40s ref %d map %d%s%n", va, pfn, pteFlags(pte),
                    frames.pageRefCount(pfn),
                    frames.pageMapcount(pfn), frames.testPageFlag(pfn, PageFlag.ANON) ? " anon" : ""));
        });
        return sb.toString();
    }
}
