package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_MASK;
import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;
import static io.mmemu.mm.phys.PageTypes.PAGE_SIZE;
import static io.mmemu.mm.phys.PageTypes.PMD_SIZE;

import io.mmemu.mm.phys.PageTypes;

/**
 * Placing and creating mappings, after mm/mmap.c: get_unmapped_area() with x86's top-down
 * layout, do_mmap() with its checks in the kernel's order, mmap_region(), and brk().
 *
 * <p>Layout follows x86-64 Linux: the stack at the top of the address space, mmap_base below it
 * (mmap_base()), mappings placed top-down below mmap_base (the default
 * arch_get_unmapped_area_topdown()), falling back to bottom-up from TASK_UNMAPPED_BASE; a
 * VM_GROWSDOWN VMA keeps stack_guard_gap free below it (vm_start_gap()).
 *
 * <p>The gap search runs over the augmented VMA tree ({@link VmaTree}) in O(log n). The file
 * side of do_mmap() (what the descriptor allows) comes in as a {@link MapFile}, filled in by the
 * syscall layer, which owns open files.
 */
public final class Mmap {
    private Mmap() {}

    /** mmap() flags, include/uapi/linux/mman.h and asm-generic/mman-common.h (x86-64 values). */
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0f,
            MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_32BIT = 0x40, MAP_GROWSDOWN = 0x0100, MAP_DENYWRITE = 0x0800,
            MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000,
            MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000,
            MAP_FIXED_NOREPLACE = 0x100000, MAP_DROPPABLE = 0x08;
    /** mmap() and mprotect() protection bits, asm-generic/mman-common.h. */
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

    /** EOPNOTSUPP: MAP_SHARED_VALIDATE with a flag the file does not support. */
    static final int EOPNOTSUPP = 95;

    /** The flags MAP_SHARED_VALIDATE accepts for a file without MAP_SYNC (LEGACY_MAP_MASK, include/linux/mman.h). */
    static final int LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE
            | MAP_EXECUTABLE | 0x4000000 /* MAP_UNINITIALIZED */ | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE
            | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_32BIT | 0x80 /* MAP_ABOVE4G */
            | 0xfc000000 /* MAP_HUGE_MASK << MAP_HUGE_SHIFT */;

    /** TASK_UNMAPPED_BASE for 64-bit tasks: a third of the address space (mmap_legacy_base() without randomisation). */
    public static final long TASK_UNMAPPED_BASE = PageTypes.pageAlign(MmStruct.TASK_SIZE / 3);

    /**
     * The file being mapped, as do_mmap() sees it.
     *
     * @param readable  opened with FMODE_READ
     * @param writable  opened with FMODE_WRITE
     * @param device    a character device (its offsets run to ULONG_MAX, not MAX_LFS_FILESIZE)
     * @param devZero   /dev/zero, whose mappings are anonymous memory or shmem (mmap_zero())
     * @param mappable    the page cache the mapping reads, or null when the file has no mmap operation
     * @param writeSealed a memfd sealed with F_SEAL_WRITE or F_SEAL_FUTURE_WRITE (is_write_sealed())
     * @param hugetlbSize the huge page size of a hugetlbfs file (is_file_hugepages()), else 0
     */
    public record MapFile(boolean readable, boolean writable, boolean device, boolean devZero, MappedFile mappable,
            boolean writeSealed, long hugetlbSize) {}

    /** MAP_HUGE_SHIFT and MAP_HUGE_MASK, include/uapi/asm-generic/hugetlb_encode.h: log2 of the huge page size. */
    public static final int MAP_HUGE_SHIFT = 26, MAP_HUGE_MASK = 0x3f;

    /**
     * Models hstate_sizelog() on x86-64: log2 0 is the default size (2 MiB), 21 is 2 MiB, 30 is
     * 1 GiB (with GB pages, as on the host); anything else has no hstate.
     *
     * @param sizelog log2 of the size, or 0
     * @return the huge page size in bytes, or 0 when there is no such size
     */
    public static long hstateSizelog(int sizelog) {
        return switch (sizelog) {
            case 0, 21 -> 1L << 21;
            case 30 -> 1L << 30;
            default -> 0;
        };
    }

    // ------------------------------------------------------------------ do_mmap

    /**
     * Models do_mmap() → __get_unmapped_area() → mmap_region(), mm/mmap.c, for x86's sys_mmap()
     * after the descriptor lookup ({@code file} null for MAP_ANONYMOUS), with the checks in the
     * kernel's order: MAP_HUGETLB on a file not on hugetlbfs or of an unknown size
     * (ksys_mmap_pgoff(); hugetlb mappings then fail for want of huge pages); the length
     * (EINVAL for 0, ENOMEM when it wraps or passes TASK_SIZE); the address (ENOMEM past
     * TASK_SIZE, EINVAL unaligned, EPERM below mmap_min_addr without CAP_SYS_RAWIO);
     * MAP_FIXED_NOREPLACE's EEXIST; and only then the mapping type and what the file allows.
     * Returns the address or a negative errno; the caller populates ({@link #populates}).
     *
     * @param mm          the address space
     * @param f           what the file descriptor allows, or null for MAP_ANONYMOUS
     * @param addr        the address hint, or the address with MAP_FIXED
     * @param len         the length in bytes
     * @param prot        PROT_* bits
     * @param flags       MAP_* flags
     * @param pgoff       the file offset in pages
     * @param capSysRawio whether the caller may map below mmap_min_addr (CAP_SYS_RAWIO)
     * @return the mapping's address, or a negative errno
     */
    public static long doMmap(MmStruct mm, MapFile f, long addr, long len, int prot, int flags, long pgoff,
            boolean capSysRawio) {
        // ksys_mmap_pgoff(): MAP_HUGETLB on a file not on hugetlbfs is EINVAL; anonymous
        // MAP_HUGETLB needs a huge page size x86-64 has (hstate_sizelog()); either way the length
        // is rounded up to whole huge pages.
        long hugetlbSize = f != null ? f.hugetlbSize() : 0;
        if ((flags & MAP_HUGETLB) != 0) {
            if (f == null) hugetlbSize = hstateSizelog((flags >>> MAP_HUGE_SHIFT) & MAP_HUGE_MASK);
            if (hugetlbSize == 0) return -Errno.EINVAL;
        }
        if (hugetlbSize != 0) len = (len + hugetlbSize - 1) & -hugetlbSize;
        if (len == 0) return -Errno.EINVAL;
        if ((flags & MAP_FIXED_NOREPLACE) != 0) flags |= MAP_FIXED;
        boolean fixed = (flags & MAP_FIXED) != 0;
        if (!fixed) addr = roundHintToMin(addr, mm.mmapMinAddr());
        long alignedLen = PageTypes.pageAlign(len);
        if (alignedLen == 0) return -Errno.ENOMEM;
        if (Long.compareUnsigned(pgoff + (alignedLen >>> PAGE_SHIFT), pgoff) < 0) return -Errno.EOVERFLOW;
        int type = flags & MAP_TYPE;
        boolean zero = f != null && f.devZero();
        // Shared memory (shmem: any type with the MAP_SHARED bit) and files are never THP-aligned;
        // private /dev/zero is placed as anonymous memory is (get_unmapped_area_zero()).
        addr = getUnmappedAreaChecked(mm, f != null && !zero || (flags & MAP_SHARED) != 0, addr, alignedLen, flags);
        if (addr < 0) return addr;
        if (Long.compareUnsigned(addr, mm.mmapMinAddr()) < 0 && !capSysRawio) return -Errno.EPERM; // security_mmap_addr()
        if ((flags & MAP_FIXED_NOREPLACE) != 0 && !mm.isFree(addr, addr + alignedLen)) return -Errno.EEXIST;
        // An execute-only mapping gets the mm's execute-only key, when there can be one.
        int pkey = 0;
        if (prot == PROT_EXEC) pkey = Math.max(Pkeys.executeOnlyPkey(mm), 0);
        // do_mmap() does not validate prot (only mprotect does): unknown bits are ignored.
        int vmFlags = VmFlags.calcVmProtBits(prot) | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
        // calc_vm_flag_bits(): MAP_GROWSDOWN grows down; MAP_STACK asks for no huge pages (6.7+).
        if ((flags & MAP_GROWSDOWN) != 0) vmFlags |= VmFlags.VM_GROWSDOWN;
        if ((flags & MAP_STACK) != 0) vmFlags |= VmFlags.VM_NOHUGEPAGE;
        if ((flags & MAP_LOCKED) != 0) vmFlags |= VmFlags.VM_LOCKED;
        vmFlags |= mm.defFlags; // mlockall(MCL_FUTURE) locks every new mapping
        if ((flags & MAP_LOCKED) != 0 && !mm.canDoMlock()) return -Errno.EPERM;
        if (!mm.mlockFutureOk(vmFlags, alignedLen)) return -Errno.EAGAIN;
        boolean shmem;
        boolean droppable = false;
        MappedFile file = null;
        if (f != null) {
            // file_mmap_ok(): regular files end at MAX_LFS_FILESIZE, devices at ULONG_MAX.
            long maxsize = f.device() ? -1L : Long.MAX_VALUE;
            if (Long.compareUnsigned(pgoff, (maxsize - alignedLen) >>> PAGE_SHIFT) > 0) return -Errno.EOVERFLOW;
            boolean fileWritable = f.writable();
            switch (type) {
                case MAP_SHARED, MAP_SHARED_VALIDATE -> {
                    // MAP_SHARED ignores flags it does not know; MAP_SHARED_VALIDATE refuses them (no MAP_SYNC here).
                    if (type == MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK) != 0) return -EOPNOTSUPP;
                    // A shared mapping of a file not open for writing may never become writable.
                    if ((prot & PROT_WRITE) != 0 && !fileWritable) return -Errno.EACCES;
                    vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
                    if (!fileWritable) vmFlags &= ~(VmFlags.VM_MAYWRITE | VmFlags.VM_SHARED);
                }
                case MAP_PRIVATE -> {}
                default -> {
                    return -Errno.EINVAL;
                }
            }
            if (!f.readable()) return -Errno.EACCES;
            if (!zero && f.mappable() == null) return -Errno.ENODEV;
            if ((vmFlags & VmFlags.VM_GROWSDOWN) != 0) return -Errno.EINVAL;
            // memfd_check_seals_mmap(): a write-sealed file may not gain a shared writable mapping,
            // now (EPERM) or later through mprotect() (VM_MAYWRITE cleared).
            if (f.writeSealed() && (vmFlags & VmFlags.VM_SHARED) != 0) {
                if ((vmFlags & VmFlags.VM_WRITE) != 0) return -Errno.EPERM;
                vmFlags &= ~VmFlags.VM_MAYWRITE;
            }
            // secretmem_mmap_prepare(): shared mappings only, always locked (and so counted in
            // locked_vm, within RLIMIT_MEMLOCK: EAGAIN) and never dumped.
            if (f.mappable() != null && f.mappable().isSecretmem()) {
                if ((vmFlags & (VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE)) == 0) return -Errno.EINVAL;
                if (!mm.mlockFutureOk(vmFlags | VmFlags.VM_LOCKED, alignedLen)) return -Errno.EAGAIN;
                vmFlags |= VmFlags.VM_LOCKED | VmFlags.VM_DONTDUMP;
            }
            // mmap_zero(): a shared mapping of /dev/zero is shmem, a private one anonymous memory.
            shmem = zero && (vmFlags & VmFlags.VM_SHARED) != 0;
            if (!zero) file = f.mappable();
        } else {
            switch (type) {
                case MAP_SHARED -> {
                    if ((vmFlags & VmFlags.VM_GROWSDOWN) != 0) return -Errno.EINVAL;
                    vmFlags |= VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
                }
                case MAP_DROPPABLE -> {
                    // Neither locked, stack nor hugetlb memory makes sense droppable.
                    if ((flags & (MAP_LOCKED | MAP_HUGETLB)) != 0) return -Errno.EINVAL;
                    if ((vmFlags & VmFlags.VM_GROWSDOWN) != 0) return -Errno.EINVAL;
                    droppable = true;
                    // Pages that may go are not reserved, nor copied by fork, nor dumped.
                    vmFlags |= VmFlags.VM_NORESERVE | VmFlags.VM_WIPEONFORK | VmFlags.VM_DONTDUMP;
                }
                case MAP_PRIVATE -> {}
                default -> {
                    return -Errno.EINVAL; // anonymous memory knows MAP_SHARED, MAP_DROPPABLE and MAP_PRIVATE only
                }
            }
            shmem = type == MAP_SHARED;
        }
        if (hugetlbSize != 0) {
            // hugetlb_get_unmapped_area(): a fixed address must be huge-page aligned;
            // hugetlbfs_file_mmap(): so must the offset. Then hugetlb_reserve_pages() finds the
            // pool empty (the model has none, see /sys/kernel/mm/hugepages): ENOMEM, before
            // anything is unmapped. (With MAP_NORESERVE Linux maps it and the first fault is
            // SIGBUS; here it is ENOMEM too.)
            if (fixed && (addr & (hugetlbSize - 1)) != 0) return -Errno.EINVAL;
            if ((pgoff & ((hugetlbSize >>> PAGE_SHIFT) - 1)) != 0) return -Errno.EINVAL;
            return -Errno.ENOMEM;
        }
        if (shmem) {
            // shmem_zero_setup(): shared anonymous memory is a deleted shmem file, so that the
            // processes sharing it after fork see the same pages.
            file = MappedFile.shmem(alignedLen, mm.env().nextShmemIno());
            pgoff = 0;
        }
        // mmap_region(): MDWE refuses a writable executable mapping before anything is unmapped.
        if (Mdwe.mapDenyWriteExec(mm, vmFlags, vmFlags)) return -Errno.EACCES;
        if ((flags & MAP_NORESERVE) != 0) vmFlags |= VmFlags.VM_NORESERVE;
        else if ((vmFlags & (VmFlags.VM_NORESERVE | VmFlags.VM_SHARED | VmFlags.VM_WRITE)) == VmFlags.VM_WRITE) {
            vmFlags |= VmFlags.VM_ACCOUNT; // accountable_mapping()
        }
        if ((vmFlags & VmFlags.VM_ACCOUNT) != 0 && !mm.vmEnoughMemory(alignedLen >>> PAGE_SHIFT)) return -Errno.ENOMEM;
        return mmapRegion(mm, addr, alignedLen, vmFlags, file, pgoff, null, droppable, pkey, null);
    }

    /**
     * Whether do_mmap() asks its caller to mm_populate() the new mapping: MAP_POPULATE without
     * MAP_NONBLOCK, or a VM_LOCKED mapping (MAP_LOCKED, or mlockall(MCL_FUTURE) in force).
     *
     * @param mm    the address space
     * @param flags MAP_* flags
     * @return whether the caller must populate the mapping
     */
    public static boolean populates(MmStruct mm, int flags) {
        return (flags & MAP_POPULATE) != 0 && (flags & MAP_NONBLOCK) == 0
                || ((flags & MAP_LOCKED) != 0 || (mm.defFlags & VmFlags.VM_LOCKED) != 0);
    }

    /** Models round_hint_to_min(): a hint below mmap_min_addr is raised to it (NULL stays "no hint"). */
    static long roundHintToMin(long hint, long mmapMinAddr) {
        hint &= PAGE_MASK;
        return hint != 0 && Long.compareUnsigned(hint, mmapMinAddr) < 0 ? PageTypes.pageAlign(mmapMinAddr) : hint;
    }

    /**
     * Models __get_unmapped_area() with x86's arch_get_unmapped_area{,_topdown}(): a length past
     * TASK_SIZE is ENOMEM; MAP_FIXED takes the address as it is, then it must leave room for the
     * length (ENOMEM) and be page aligned (EINVAL); MAP_32BIT searches bottom-up below 2 GiB,
     * where a hint is used only if it fits there; private anonymous memory a multiple of 2 MiB long
     * is THP-aligned (thp_get_unmapped_area()); the rest is top-down below mmap_base.
     */
    static long getUnmappedAreaChecked(MmStruct mm, boolean fileBacked, long addr, long len, int flags) {
        if (Long.compareUnsigned(len, MmStruct.TASK_SIZE) > 0) return -Errno.ENOMEM;
        if ((flags & MAP_FIXED) == 0) {
            if ((flags & MAP_32BIT) != 0) {
                long hint = PageTypes.pageAlign(addr); // the bottom-up search rounds a hint up
                boolean fits = hint != 0 && len <= 0x8000_0000L && Long.compareUnsigned(hint, 0x8000_0000L - len) <= 0;
                addr = fits && mm.isFree(hint, hint + len) ? hint : getUnmappedArea32Bit(mm, len);
            } else if (!fileBacked && addr == 0 && (len & (PMD_SIZE - 1)) == 0) {
                // __thp_get_unmapped_area(): anonymous memory a multiple of 2 MiB long is placed 2 MiB
                // aligned, from a search padded by 2 MiB (the host runs THP "always"). The offset to
                // the next boundary is added; an area already aligned takes the top of the padded
                // one instead (MMF_TOPDOWN, always set here), so that successive mappings stay
                // adjacent and merge as on the host.
                long padded = getUnmappedArea(mm, 0, len + PMD_SIZE);
                long offSub = -padded & (PMD_SIZE - 1);
                addr = padded < 0 ? getUnmappedArea(mm, 0, len) : offSub == 0 ? padded + PMD_SIZE : padded + offSub;
            } else {
                addr = getUnmappedArea(mm, addr, len);
            }
            if (addr < 0) return addr;
        }
        if (Long.compareUnsigned(addr, MmStruct.TASK_SIZE - len) > 0) return -Errno.ENOMEM;
        if ((addr & (PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        return addr;
    }

    // ------------------------------------------------------------------ placement

    /**
     * Models arch_get_unmapped_area_topdown() over vm_unmapped_area(): the highest gap of
     * {@code len} bytes below mmap_base (honouring a free, page-aligned hint first), or -ENOMEM.
     *
     * @param mm   the address space
     * @param hint the address hint, or 0
     * @param len  the length in bytes, page aligned
     * @return the address found, or -ENOMEM
     */
    public static long getUnmappedArea(MmStruct mm, long hint, long len) {
        if (len > MmStruct.TASK_SIZE - MmStruct.MMAP_MIN_ADDR) return -Errno.ENOMEM;
        if (hint != 0) {
            hint &= PAGE_MASK; // x86's arch_get_unmapped_area_topdown() rounds the hint down
            Vma next = mm.findVma(hint);
            if (hint <= MmStruct.TASK_SIZE - len && hint >= MmStruct.MMAP_MIN_ADDR
                    && (next == null || hint + len <= vmStartGap(next)) && mm.isFree(hint, hint + len)) {
                return hint;
            }
        }
        long addr = unmappedAreaTopdown(mm.tree(), len, MmStruct.MMAP_MIN_ADDR, mm.mmapBase);
        // "A failed mmap() very likely causes application failure, so fall back to the
        // bottom-up function here" (arch_get_unmapped_area_topdown()): from TASK_UNMAPPED_BASE up.
        return addr >= 0 ? addr : unmappedAreaBottomUp(mm, len, TASK_UNMAPPED_BASE, MmStruct.TASK_SIZE);
    }

    /**
     * MAP_32BIT placement (arch/x86/kernel/sys_x86_64.c find_start_end()): bottom-up within
     * [1 GiB, 2 GiB), the window the flag promises, or -ENOMEM.
     *
     * @param mm  the address space
     * @param len the length in bytes, page aligned
     * @return the address found, or -ENOMEM
     */
    public static long getUnmappedArea32Bit(MmStruct mm, long len) {
        return unmappedAreaBottomUp(mm, len, 0x4000_0000L, 0x8000_0000L);
    }

    /** The lowest gap of {@code len} bytes in [low, high) that keeps stack guard gaps, or -ENOMEM. */
    private static long unmappedAreaBottomUp(MmStruct mm, long len, long low, long high) {
        long at = low;
        for (Vma v : mm.vmas()) {
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
    private static long unmappedAreaTopdown(VmaTree vmas, long len, long low, long high) {
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

    /** Models vm_start_gap(), include/linux/mm.h: a VM_GROWSDOWN VMA keeps stack_guard_gap free below it. */
    static long vmStartGap(Vma vma) {
        if (!vma.has(VmFlags.VM_GROWSDOWN)) return vma.start;
        long gap = vma.start - MmStruct.STACK_GUARD_GAP;
        return gap > vma.start ? 0 : gap;
    }

    // ------------------------------------------------------------------ mapping

    /**
     * Models mmap_region(), mm/mmap.c: maps [addr, addr + len) with {@code vmFlags}, first
     * unmapping whatever was there (MAP_FIXED semantics), merging with an adjacent compatible VMA
     * as vma_merge() does. Returns addr or a negative errno.
     *
     * @param mm      the address space
     * @param addr    the start, page aligned
     * @param len     the length in bytes, page aligned
     * @param vmFlags the VMA's VM_* flags ({@link VmFlags})
     * @param file    the mapped file, or null for anonymous memory
     * @param pgoff   the file offset in pages (for anonymous memory, the address in pages)
     * @param name    the VMA's name for /proc/PID/maps, or null
     * @return {@code addr}, or a negative errno
     */
    public static long mmapRegion(MmStruct mm, long addr, long len, int vmFlags, MappedFile file, long pgoff, String name) {
        return mmapRegion(mm, addr, len, vmFlags, file, pgoff, name, false, 0, null);
    }

    /**
     * {@link #mmapRegion(MmStruct, long, long, int, MappedFile, long, String)} of a VMA that is
     * VM_DROPPABLE or not, with protection key {@code pkey}, or taking the seal, key, policy and name
     * of {@code like} (mremap's copy), if any.
     */
    static long mmapRegion(MmStruct mm, long addr, long len, int vmFlags, MappedFile file, long pgoff, String name,
            boolean droppable, int pkey, Vma like) {
        long end = addr + len;
        if (!mm.isFree(addr, end)) {
            long r = mm.doMunmap(addr, len);
            if (r < 0) return r;
        }
        if (mm.mapCount() > mm.maxMapCount()) return -Errno.ENOMEM; // do_mmap(): map_count > max_map_count
        if (file == null) pgoff = addr >>> PAGE_SHIFT;
        Vma vma = new Vma(addr, end, vmFlags, pgoff, file, name);
        vma.pkey = pkey;
        if (like != null) vma.copyAttributes(like);
        if ((vmFlags & VmFlags.VM_UFFD_FLAGS) == 0) vma.userfaultfdCtx = null; // flags and context go together
        vma.droppable |= droppable;
        if (!mm.insertVma(vma)) return -Errno.ENOMEM;
        if ((vmFlags & VmFlags.VM_LOCKED) != 0) mm.lockedVm += len >>> PAGE_SHIFT;
        return addr;
    }

    // ------------------------------------------------------------------ brk

    /**
     * Models the brk() syscall, mm/mmap.c: moves the break within [start_brk, ...), growing the
     * [heap] VMA (do_brk_flags) or shrinking it (do_vmi_munmap); returns the new break, or the
     * old one when the request is refused.
     *
     * @param mm     the address space
     * @param newBrk the requested break (below start_brk: refused, so 0 asks for the current one)
     * @return the break after the call
     */
    public static long brk(MmStruct mm, long newBrk) {
        long oldBrk = mm.brk;
        if (newBrk < mm.startBrk) return oldBrk;
        if (newBrk - mm.startBrk > mm.rlimitData) return oldBrk;
        long newEnd = PageTypes.pageAlign(newBrk), oldEnd = PageTypes.pageAlign(oldBrk);
        if (newEnd == oldEnd) {
            mm.brk = newBrk;
            return mm.brk;
        }
        if (newBrk <= oldBrk) {
            if (mm.doMunmap(newEnd, oldEnd - newEnd) < 0) return oldBrk;
            mm.brk = newBrk;
            return mm.brk;
        }
        // Growing: the new range must not collide with a mapping, and Linux keeps one free page above
        // the new break (newbrk + PAGE_SIZE > vm_start_gap(next)), stack_guard_gap more below a stack.
        Vma next = mm.findVma(oldEnd);
        if (next != null && newEnd + PAGE_SIZE + (next.has(VmFlags.VM_GROWSDOWN) ? MmStruct.STACK_GUARD_GAP : 0)
                > next.start) {
            return oldBrk;
        }
        if (mm.mapCount() >= mm.maxMapCount()) return oldBrk;
        int flags = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC
                | VmFlags.VM_ACCOUNT | mm.defFlags;
        if (!mm.vmEnoughMemory((newEnd - oldEnd) >>> PAGE_SHIFT)) return oldBrk;
        // do_brk_flags(): only the brk VMA itself (one starting at or above start_brk, found with
        // vma_prev_limit()) is expanded; the program's bss just below start_brk is never merged.
        Vma prev = mm.vmaPrev(oldEnd);
        Vma fresh = new Vma(oldEnd, newEnd, flags, oldEnd >>> PAGE_SHIFT, null, null);
        if (prev != null && prev.end == oldEnd && prev.start >= mm.startBrk && VmaMerge.canMerge(prev, fresh)) {
            prev.end = newEnd;
            mm.tree().refresh(prev.start);
        } else {
            if (!mm.vmAreaAlloc(fresh)) return oldBrk;
            mm.tree().put(fresh);
        }
        if ((flags & VmFlags.VM_LOCKED) != 0) mm.lockedVm += (newEnd - oldEnd) >>> PAGE_SHIFT; // do_brk_flags()
        mm.brk = newBrk;
        return mm.brk;
    }
}
