package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;

/**
 * Models the mremap() syscall, mm/mremap.c (6.18's do_mremap()), with its checks in the kernel's
 * order. Lengths are unsigned, as the kernel compares them.
 *
 * <ol>
 *   <li>check_mremap_params(): unknown flags, an unaligned old address, a new length that is 0
 *       once page aligned or past TASK_SIZE → EINVAL; with MREMAP_FIXED or MREMAP_DONTUNMAP also
 *       a new range past TASK_SIZE, an unaligned new address, no MREMAP_MAYMOVE, (DONTUNMAP) old_len != new_len,
 *       or new and old ranges that overlap → EINVAL, and ENOMEM when the move could pass
 *       max_map_count.</li>
 *   <li>A move without resize (MREMAP_FIXED, old_len == new_len) is remap_move(): every VMA in
 *       the old range moves, split at the range's ends, the gaps between them kept; the range
 *       must start in a VMA (EFAULT).</li>
 *   <li>Otherwise the old address must lie in a VMA (vma_lookup(), else EFAULT) and, when the
 *       call maps something new (it grows or moves), check_prep_vma(): old_len 0 duplicates a
 *       mapping, which only a shared one can be (EINVAL); the old range (cut to new_len when
 *       shrinking) must not cross the VMA's end (EFAULT); a growing range must not wrap the file
 *       offset (EINVAL).</li>
 *   <li>mremap_to() (FIXED or DONTUNMAP): with FIXED whatever is at the new range is unmapped
 *       first; a shrink unmaps the tail; then the new address (FIXED: EPERM below
 *       mmap_min_addr; DONTUNMAP alone: {@code newAddr} is a hint) and move_vma().</li>
 *   <li>mremap_at(): the same length returns the address; shrinking unmaps the tail; growing
 *       is in place when the VMA ends at the old range's end and the space after it is free
 *       (vma_expand), else, with MREMAP_MAYMOVE, move_vma(): a new VMA below mmap_base, the
 *       page-table entries moved (move_page_tables — the frames stay where they are), the old
 *       range unmapped (or left empty with MREMAP_DONTUNMAP); else ENOMEM.</li>
 * </ol>
 */
public final class Mremap {
    private Mremap() {}

    /** The mremap() flags, include/uapi/linux/mman.h. */
    public static final int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
    /** Not a flag of the syscall's: marks, inside this class, a caller that may map below mmap_min_addr. */
    private static final int CAP_SYS_RAWIO = 1 << 30;

    /**
     * Models do_mremap() (see the class comment) for a caller without CAP_SYS_RAWIO.
     *
     * @param mm       the address space
     * @param addr     the old range's start, page aligned
     * @param oldLenIn the old length in bytes (0: duplicate a shared mapping)
     * @param newLenIn the new length in bytes
     * @param flags    MREMAP_* flags
     * @param newAddr  the new address, with MREMAP_FIXED
     * @return the range's address after the call, or a negative errno
     */
    public static long doMremap(MmStruct mm, long addr, long oldLenIn, long newLenIn, int flags, long newAddr) {
        return doMremap(mm, addr, oldLenIn, newLenIn, flags, newAddr, false);
    }

    /**
     * Models do_mremap() for a caller that may or may not map below mmap_min_addr.
     *
     * @param mm          the address space
     * @param addr        the old range's start, page aligned
     * @param oldLenIn    the old length in bytes (0: duplicate a shared mapping)
     * @param newLenIn    the new length in bytes
     * @param flags       MREMAP_* flags
     * @param newAddr     the new address, with MREMAP_FIXED
     * @param capSysRawio whether the caller may map below mmap_min_addr (CAP_SYS_RAWIO, as cap_mmap_addr() checks)
     * @return the range's address after the call, or a negative errno
     */
    public static long doMremap(MmStruct mm, long addr, long oldLenIn, long newLenIn, int flags, long newAddr,
            boolean capSysRawio) {
        // check_mremap_params()
        if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0) return -Errno.EINVAL;
        if ((addr & (PageTypes.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        long oldLen = MmStruct.pageAlign(oldLenIn);
        long newLen = MmStruct.pageAlign(newLenIn);
        if (newLen == 0) return -Errno.EINVAL;
        if (Long.compareUnsigned(newLen, MmStruct.TASK_SIZE) > 0) return -Errno.EINVAL;
        boolean impliesNewAddr = (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0;
        if (impliesNewAddr) {
            if (Long.compareUnsigned(newAddr, MmStruct.TASK_SIZE - newLen) > 0) return -Errno.EINVAL;
            if ((newAddr & (PageTypes.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
            if ((flags & MREMAP_MAYMOVE) == 0) return -Errno.EINVAL;
            if ((flags & MREMAP_DONTUNMAP) != 0 && oldLen != newLen) return -Errno.EINVAL; // once page aligned
            // vrm_overlaps(): the old and new ranges must not overlap.
            if (Long.compareUnsigned(addr + oldLen, newAddr) > 0 && Long.compareUnsigned(newAddr + newLen, addr) > 0) {
                return -Errno.EINVAL;
            }
            // Both VMAs may split in three before anything is unmapped: refuse what could pass the limit.
            if (mm.mapCount() + 2 >= mm.maxMapCount() - 3) return -Errno.ENOMEM;
        }
        // The caller's CAP_SYS_RAWIO travels with the flags to the destination check (mremapTo).
        if (capSysRawio) flags |= CAP_SYS_RAWIO;
        if ((flags & MREMAP_FIXED) != 0 && oldLen == newLen) return remapMove(mm, addr, oldLen, newAddr, flags);
        Vma vma = mm.vmaLookup(addr);
        if (vma == null) return -Errno.EFAULT;
        if (!vma.canModifyVma()) return -Errno.EPERM; // a sealed VMA is not remapped
        boolean grows = Long.compareUnsigned(newLen, oldLen) > 0;
        if (grows || impliesNewAddr) {
            long err = checkPrepVma(mm, vma, addr, oldLen, newLen);
            if (err != 0) return err;
        }
        return impliesNewAddr ? mremapTo(mm, addr, oldLen, newAddr, newLen, flags)
                : mremapAt(mm, vma, addr, oldLen, newLen, flags);
    }

    /**
     * Models remap_move(): each VMA in [addr, addr + len) moves by itself (check_prep_vma() and
     * mremap_to() for its part of the range), the first to {@code newAddr}, each next one after
     * the previous one's new end plus the gap that separated them; no VMA at {@code addr} is
     * EFAULT. The first VMA's new address, or the first error (earlier VMAs stay moved).
     */
    private static long remapMove(MmStruct mm, long addr, long len, long newAddr, int flags) {
        long end = addr + len;
        long result = -Errno.EFAULT;
        boolean seen = false;
        long target = newAddr, lastEnd = addr, cursor = addr;
        while (true) {
            Vma vma = mm.findVma(cursor);
            if (vma == null || Long.compareUnsigned(vma.start(), end) >= 0) break;
            if (!seen && addr < vma.start()) return -Errno.EFAULT; // no gap at the start of the range
            long from = Math.max(vma.start(), addr);
            long to = Long.compareUnsigned(vma.end(), end) < 0 ? vma.end() : end;
            long offset = seen ? vma.start() - lastEnd : 0;
            lastEnd = vma.end();
            cursor = vma.end();
            long r = vma.canModifyVma() ? checkPrepVma(mm, vma, from, to - from, to - from) : -Errno.EPERM;
            if (r == 0) r = mremapTo(mm, from, to - from, target + offset, to - from, flags);
            if (r < 0) return r;
            if (!seen) result = r;
            seen = true;
            target = r + (to - from);
        }
        return result;
    }

    /** Models mremap_at(): resize in place, or move (MREMAP_MAYMOVE) to wherever there is room. */
    private static long mremapAt(MmStruct mm, Vma vma, long addr, long oldLen, long newLen, int flags) {
        int cmp = Long.compareUnsigned(oldLen, newLen);
        if (cmp == 0) return addr;
        if (cmp > 0) {
            long r = mm.doMunmap(addr + newLen, oldLen - newLen);
            return r < 0 ? r : addr;
        }
        // vma_expand(): grow in place when the VMA ends at the old range's end and the space above is free.
        long oldEnd = addr + oldLen;
        if (vma.end() == oldEnd && Long.compareUnsigned(newLen, MmStruct.TASK_SIZE - addr) <= 0
                && mm.isFree(oldEnd, addr + newLen)) {
            Vma next = mm.findVma(oldEnd);
            if (next == null || next.start() >= addr + newLen) {
                vma.end = addr + newLen;
                if (vma.has(VmFlags.VM_LOCKED)) mm.lockedVm += (newLen - oldLen) >>> PAGE_SHIFT;
                mm.mergeAround(vma);
                return addr;
            }
        }
        if ((flags & MREMAP_MAYMOVE) == 0) return -Errno.ENOMEM;
        long dest = mm.getUnmappedArea(0, newLen);
        if (dest < 0) return dest;
        if (oldLen == 0) return duplicate(mm, vma, addr, dest, newLen);
        return moveVma(mm, vma, addr, oldLen, dest, newLen, false);
    }

    /** Models mremap_to(): MREMAP_FIXED, or MREMAP_DONTUNMAP with {@code newAddr} as a hint. */
    private static long mremapTo(MmStruct mm, long addr, long oldLen, long newAddr, long newLen, int flags) {
        boolean fixed = (flags & MREMAP_FIXED) != 0;
        if (fixed) {
            long r = mm.doMunmap(newAddr, newLen);
            if (r < 0) return r;
        }
        if (Long.compareUnsigned(oldLen, newLen) > 0) {
            long r = mm.doMunmap(addr + newLen, oldLen - newLen);
            if (r < 0) return r;
            oldLen = newLen;
        }
        Vma vma = mm.vmaLookup(addr);
        if (vma == null) return -Errno.EFAULT;
        // vrm_set_new_addr(): get_unmapped_area() with MAP_FIXED, or with the new address as a hint.
        long dest;
        if (fixed) {
            dest = newAddr;
            if (Long.compareUnsigned(dest, mm.mmapMinAddr()) < 0 && (flags & CAP_SYS_RAWIO) == 0) return -Errno.EPERM; // security_mmap_addr()
        } else {
            dest = mm.getUnmappedArea(newAddr, newLen);
            if (dest < 0) return dest;
        }
        if (oldLen == 0) return duplicate(mm, vma, addr, dest, newLen);
        return moveVma(mm, vma, addr, oldLen, dest, newLen, (flags & MREMAP_DONTUNMAP) != 0);
    }

    /**
     * Models check_prep_vma() for a call that grows or moves: old_len 0 duplicates a mapping,
     * which only a shared one can be (EINVAL); the old range, cut to new_len when shrinking, must
     * not cross the VMA's end (EFAULT); a growing range must not wrap the file offset (EINVAL).
     */
    private static long checkPrepVma(MmStruct mm, Vma vma, long addr, long oldLen, long newLen) {
        if (oldLen == 0 && !vma.has(VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE)) return -Errno.EINVAL;
        long kept = Long.compareUnsigned(oldLen, newLen) > 0 ? newLen : oldLen;
        if (Long.compareUnsigned(kept, vma.end() - addr) > 0) return -Errno.EFAULT;
        if (newLen == oldLen) return 0;
        long pgoff = vma.pgoff() + ((addr - vma.start()) >>> PAGE_SHIFT);
        if (Long.compareUnsigned(pgoff + (newLen >>> PAGE_SHIFT), pgoff) < 0) return -Errno.EINVAL;
        // vma_to_resize(): a locked mapping grows only within the memory-lock limit.
        if (Long.compareUnsigned(newLen, oldLen) > 0 && !mm.mlockFutureOk(vma.flags(), newLen - oldLen)) {
            return -Errno.EAGAIN;
        }
        return 0;
    }

    /** old_len 0: a second mapping of the same shared pages at {@code dest}; the old one stays. */
    private static long duplicate(MmStruct mm, Vma vma, long addr, long dest, long newLen) {
        long pgoff = vma.pgoff() + ((addr - vma.start()) >>> PAGE_SHIFT);
        // mremap_userfaultfd_prep() without UFFD_FEATURE_EVENT_REMAP: the new mapping is not registered.
        return Mmap.mmapRegion(mm, dest, newLen, vma.flags() & ~VmFlags.VM_UFFD_FLAGS, vma.file(), pgoff, vma.name(),
                false, 0, vma);
    }

    /** Models move_vma(): a new VMA at {@code dest}, page-table entries moved, the old range unmapped. */
    private static long moveVma(MmStruct mm, Vma vma, long oldAddr, long oldLen, long dest, long newLen,
            boolean dontUnmap) {
        PageTable pgd = mm.pgd();
        long delta = dest - oldAddr;
        long pgoff = vma.pgoff() + ((oldAddr - vma.start()) >>> PAGE_SHIFT);
        // copy_vma(): an anonymous VMA that never had a page (no anon_vma yet) takes the page
        // offset of its new address, so it can merge there; one with pages keeps its offset.
        if (vma.isAnonymous()) {
            boolean[] anyPage = {false};
            pgd.forEachPresentPte(vma.start(), vma.end(), (va, slot, pte) -> anyPage[0] = true);
            if (!anyPage[0]) pgoff = dest >>> PAGE_SHIFT;
        }
        // copy_vma(): the new VMA first (merged with a neighbour, or with its own vm_area_struct),
        // so that running out of slab memory fails before any entry has moved.
        Vma moved = new Vma(dest, dest + newLen, vma.flags(), pgoff, vma.file(), vma.name());
        moved.copyAttributes(vma);
        // mremap_userfaultfd_prep() without UFFD_FEATURE_EVENT_REMAP (the model has no events): the
        // moved VMA leaves its userfaultfd; with MREMAP_DONTUNMAP the old one stays registered.
        moved.userfaultfdResetCtx();
        if (!mm.insertVma(moved)) return -Errno.ENOMEM;
        // move_page_tables(): entries move, frames and their counts stay; huge PMDs are split
        // first (Linux moves an aligned one whole with move_huge_pmd(), not modelled).
        HugeMemory.splitHugePmdRange(mm, oldAddr, oldAddr + oldLen);
        long[] failed = {0};
        pgd.forEachPresentPte(oldAddr, oldAddr + oldLen, (va, slot, pte) -> {
            long to = pgd.pteSlot(va + delta, true);
            if (to == PageTable.NO_SLOT) {
                failed[0] = 1;
                return;
            }
            pgd.set(to, pte & ~Pte.UFFD_WP); // move_ptes(): the moved VMA left its userfaultfd
            pgd.set(slot, 0);
        });
        if (failed[0] != 0) return -Errno.ENOMEM;
        boolean locked = moved.has(VmFlags.VM_LOCKED);
        if (!dontUnmap) {
            long r = mm.doMunmap(oldAddr, oldLen); // the entries are gone already: this drops the VMA
            if (r < 0) return r;
            if (locked) mm.lockedVm += newLen >>> PAGE_SHIFT; // the unmap took the old length off
        } else {
            mm.env().tlbFlush().flushTlbMmRange(mm, oldAddr, oldAddr + oldLen, false);
            // The emptied old range is never locked; the lock moved with the pages, so locked_vm stays.
            if (locked) mm.modifyVma(oldAddr, oldAddr + oldLen, old -> old.flags &= ~VmFlags.VM_LOCKED_MASK);
        }
        return dest;
    }
}
