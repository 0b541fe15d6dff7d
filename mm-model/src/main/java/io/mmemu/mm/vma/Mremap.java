package io.mmemu.mm.vma;

import io.mmemu.mm.pgtable.PageTable;

/**
 * Models the mremap() syscall, mm/mremap.c.
 *
 * <ol>
 *   <li>Checks: unknown flags, MREMAP_FIXED or MREMAP_DONTUNMAP without MREMAP_MAYMOVE, an
 *       unaligned old address, a zero new length → EINVAL; DONTUNMAP needs old_len == new_len
 *       and a private anonymous mapping; the old range must lie in one VMA, else EFAULT.</li>
 *   <li>MREMAP_FIXED: unmap whatever is at the new range, then move there.</li>
 *   <li>Shrinking unmaps the tail and returns the old address.</li>
 *   <li>Growing: in place when the VMA ends at the old range's end and the space after it is
 *       free (vma_expand); else, with MREMAP_MAYMOVE, move_vma(): a new VMA below mmap_base,
 *       the page-table entries moved (move_page_tables — the frames stay where they are), the
 *       old range unmapped (or left empty with MREMAP_DONTUNMAP); else ENOMEM.</li>
 * </ol>
 */
public final class Mremap {
    private Mremap() {}

    public static final int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

    public static long doMremap(MmStruct mm, long oldAddr, long oldLenIn, long newLenIn, int flags, long newAddr) {
        if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0) return -Errno.EINVAL;
        if ((flags & MREMAP_FIXED) != 0 && (flags & MREMAP_MAYMOVE) == 0) return -Errno.EINVAL;
        if ((flags & MREMAP_DONTUNMAP) != 0 && ((flags & MREMAP_MAYMOVE) == 0 || oldLenIn != newLenIn)) {
            return -Errno.EINVAL;
        }
        if ((oldAddr & (MmStruct.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        long oldLen = MmStruct.pageAlign(oldLenIn);
        long newLen = MmStruct.pageAlign(newLenIn);
        if (newLen == 0) return -Errno.EINVAL;
        if (newLen > MmStruct.TASK_SIZE || oldLen > MmStruct.TASK_SIZE) return -Errno.EINVAL;

        // As Linux: MREMAP_DONTUNMAP always moves (to a new address found with new_addr as a hint),
        // so it goes through mremap_to() as FIXED does; taking the shrink-or-grow path below made a
        // DONTUNMAP call with old_len == new_len return the old address and move nothing.
        if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0) return mremapTo(mm, oldAddr, oldLen, newAddr, newLen, flags);

        if (oldLen >= newLen) {
            if (oldLen > newLen) {
                long r = mm.doMunmap(oldAddr + newLen, oldLen - newLen);
                if (r < 0) return r;
            }
            return oldAddr;
        }
        Vma vma = mm.vmaLookup(oldAddr);
        if (vma == null || oldAddr + oldLen > vma.end()) return -Errno.EFAULT;
        if (oldLen == 0) {
            // old_len 0: a second mapping of the same pages, for shared mappings only.
            if (!vma.has(VmFlags.VM_SHARED) || vma.file() == null) return -Errno.EINVAL;
            if ((flags & MREMAP_MAYMOVE) == 0) return -Errno.ENOMEM;
            long dest = mm.getUnmappedArea(0, newLen);
            if (dest < 0) return dest;
            long pgoff = vma.pgoff() + ((oldAddr - vma.start()) >>> 12);
            return mm.mmapRegion(dest, newLen, vma.flags(), vma.file(), pgoff, vma.name());
        }

        // vma_expand(): grow in place when the VMA ends here and the space above is free.
        long oldEnd = oldAddr + oldLen;
        if (vma.end() == oldEnd && oldAddr + newLen <= MmStruct.TASK_SIZE && mm.isFree(oldEnd, oldAddr + newLen)) {
            Vma next = mm.findVma(oldEnd);
            if (next == null || next.start() >= oldAddr + newLen) {
                vma.end = oldAddr + newLen;
                mm.mergeAround(vma);
                return oldAddr;
            }
        }
        if ((flags & MREMAP_MAYMOVE) == 0) return -Errno.ENOMEM;
        long dest = mm.getUnmappedArea(0, newLen);
        if (dest < 0) return dest;
        return moveVma(mm, vma, oldAddr, oldLen, dest, newLen, (flags & MREMAP_DONTUNMAP) != 0);
    }

    /** Models mremap_to(): MREMAP_FIXED, or MREMAP_DONTUNMAP with {@code newAddr} as a hint. */
    private static long mremapTo(MmStruct mm, long oldAddr, long oldLen, long newAddr, long newLen, int flags) {
        boolean fixed = (flags & MREMAP_FIXED) != 0;
        if ((newAddr & (MmStruct.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        if (newAddr > MmStruct.TASK_SIZE - newLen) return -Errno.EINVAL;
        // The ranges must not overlap.
        if (newAddr < oldAddr + oldLen && oldAddr < newAddr + newLen) return -Errno.EINVAL;
        Vma vma = mm.vmaLookup(oldAddr);
        if (vma == null || oldAddr + Math.min(oldLen, newLen) > vma.end()) return -Errno.EFAULT;
        if ((flags & MREMAP_DONTUNMAP) != 0 && (!vma.isAnonymous() || vma.has(VmFlags.VM_SHARED))) return -Errno.EINVAL;
        if (oldLen == 0 && (!vma.has(VmFlags.VM_SHARED) || vma.file() == null)) return -Errno.EINVAL;
        if (fixed) {
            long r = mm.doMunmap(newAddr, newLen);
            if (r < 0) return r;
        }
        if (oldLen == 0) {
            // A second mapping of the same shared pages at new_addr; the old one stays.
            long pgoff = vma.pgoff() + ((oldAddr - vma.start()) >>> 12);
            return mm.mmapRegion(newAddr, newLen, vma.flags(), vma.file(), pgoff, vma.name());
        }
        if (oldLen > newLen) {
            long r = mm.doMunmap(oldAddr + newLen, oldLen - newLen);
            if (r < 0) return r;
            oldLen = newLen;
        }
        vma = mm.vmaLookup(oldAddr);
        long dest = fixed ? newAddr : mm.getUnmappedArea(newAddr, newLen);
        if (dest < 0) return dest;
        return moveVma(mm, vma, oldAddr, oldLen, dest, newLen, (flags & MREMAP_DONTUNMAP) != 0);
    }

    /** Models move_vma(): a new VMA at {@code dest}, page-table entries moved, the old range unmapped. */
    private static long moveVma(MmStruct mm, Vma vma, long oldAddr, long oldLen, long dest, long newLen,
            boolean dontUnmap) {
        PageTable pgd = mm.pgd();
        long delta = dest - oldAddr;
        long pgoff = vma.pgoff() + ((oldAddr - vma.start()) >>> 12);
        // copy_vma(): an anonymous VMA that never had a page (no anon_vma yet) takes the page
        // offset of its new address, so it can merge there; one with pages keeps its offset.
        if (vma.isAnonymous()) {
            boolean[] anyPage = {false};
            pgd.forEachPresentPte(vma.start(), vma.end(), (va, slot, pte) -> anyPage[0] = true);
            if (!anyPage[0]) pgoff = dest >>> 12;
        }
        // copy_vma(): the new VMA first (merged with a neighbour, or with its own vm_area_struct),
        // so that running out of slab memory fails before any entry has moved.
        Vma moved = new Vma(dest, dest + newLen, vma.flags(), pgoff, vma.file(), vma.name());
        if (!mm.insertVma(moved)) return -Errno.ENOMEM;
        // move_page_tables(): entries move, frames and their counts stay.
        long[] failed = {0};
        pgd.forEachPresentPte(oldAddr, oldAddr + oldLen, (va, slot, pte) -> {
            long to = pgd.pteSlot(va + delta, true);
            if (to == PageTable.NO_SLOT) {
                failed[0] = 1;
                return;
            }
            pgd.set(to, pte);
            pgd.set(slot, 0);
        });
        if (failed[0] != 0) return -Errno.ENOMEM;
        if (!dontUnmap) {
            long r = mm.doMunmap(oldAddr, oldLen); // the entries are gone already: this drops the VMA
            if (r < 0) return r;
        } else {
            mm.env().tlbFlush().flushTlbMmRange(mm, oldAddr, oldAddr + oldLen, false);
        }
        return dest;
    }
}
