package io.mmemu.mm.vma;

import io.mmemu.mm.huge.Collapse;
import io.mmemu.mm.phys.PageTypes;
/**
 * Models do_madvise(), mm/madvise.c, for the advice values of include/uapi/asm-generic/mman-common.h.
 *
 * <p>Checks first: start page aligned, a known advice value, no wrap-around (EINVAL). Then the
 * advice applies to every VMA in the range; a hole in the range makes the call return ENOMEM after
 * applying it to what is mapped, as Linux does (madvise_walk_vmas()).
 * <ul>
 *   <li>MADV_DONTNEED: zaps the pages (zap_page_range_single); private anonymous memory reads as
 *       zero afterwards, file pages come back from the file. EINVAL on VM_LOCKED.</li>
 *   <li>MADV_FREE: lazy free of private anonymous pages: the model has no reclaim, so the pages
 *       keep their contents, as on a Linux machine without memory pressure. EINVAL on file or
 *       shared mappings.</li>
 *   <li>MADV_DONTNEED_LOCKED: MADV_DONTNEED that also zaps VM_LOCKED mappings.</li>
 *   <li>MADV_COLD and MADV_PAGEOUT: EINVAL on VM_LOCKED; MADV_PAGEOUT frees the pages of a
 *       MAP_DROPPABLE mapping (there is no swap, so other anonymous pages stay).</li>
 *   <li>MADV_POPULATE_READ and MADV_POPULATE_WRITE: madvise_populate() faults the range in, page
 *       by page, for reading or writing, through the caller's {@link FaultIn}: a hole is ENOMEM,
 *       a VMA that does not allow the access EINVAL, a fault that fails (SIGBUS, SIGSEGV) EFAULT;
 *       the pages before the failing one stay populated.</li>
 *   <li>MADV_COLLAPSE: collapses PTE-mapped anonymous memory into PMD-mapped huge pages now
 *       ({@link Collapse}).</li>
 *   <li>MADV_WILLNEED, the access-pattern hints and the flag hints: accepted, nothing to do.</li>
 * </ul>
 */
public final class Madvise {
    private Madvise() {}

    /** The advice values, include/uapi/asm-generic/mman-common.h. */
    public static final int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3,
            MADV_DONTNEED = 4, MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11,
            MADV_MERGEABLE = 12, MADV_UNMERGEABLE = 13, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15,
            MADV_DONTDUMP = 16, MADV_DODUMP = 17, MADV_WIPEONFORK = 18, MADV_KEEPONFORK = 19, MADV_COLD = 20,
            MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23, MADV_DONTNEED_LOCKED = 24,
            MADV_COLLAPSE = 25;

    /** Faults one page in for reading or writing as a user access would (get_user_pages()); false when the fault fails. */
    @FunctionalInterface
    public interface FaultIn {
        /**
         * Faults in the page at {@code addr}.
         *
         * @param mm    the address space
         * @param addr  the user address
         * @param write whether to fault it in for writing
         * @return whether the fault succeeded
         */
        boolean faultIn(MmStruct mm, long addr, boolean write);
    }

    /** madvise_behavior_valid(). */
    static boolean validAdvice(int advice) {
        return switch (advice) {
            case MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
                    MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
                    MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT,
                    MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED, MADV_COLLAPSE -> true;
            default -> false;
        };
    }

    /** madvise_behavior(): the VMA flags an advice that only marks the VMA leaves behind. */
    static int adviceFlags(int flags, int advice) {
        return switch (advice) {
            case MADV_NORMAL -> flags & ~(VmFlags.VM_SEQ_READ | VmFlags.VM_RAND_READ);
            case MADV_SEQUENTIAL -> (flags & ~VmFlags.VM_RAND_READ) | VmFlags.VM_SEQ_READ;
            case MADV_RANDOM -> (flags & ~VmFlags.VM_SEQ_READ) | VmFlags.VM_RAND_READ;
            case MADV_HUGEPAGE -> (flags & ~VmFlags.VM_NOHUGEPAGE) | VmFlags.VM_HUGEPAGE;
            case MADV_NOHUGEPAGE -> (flags & ~VmFlags.VM_HUGEPAGE) | VmFlags.VM_NOHUGEPAGE;
            case MADV_DONTDUMP -> flags | VmFlags.VM_DONTDUMP;
            case MADV_DODUMP -> flags & ~VmFlags.VM_DONTDUMP;
            case MADV_DONTFORK -> flags | VmFlags.VM_DONTCOPY;
            case MADV_DOFORK -> flags & ~VmFlags.VM_DONTCOPY;
            case MADV_WIPEONFORK -> flags | VmFlags.VM_WIPEONFORK;
            case MADV_KEEPONFORK -> flags & ~VmFlags.VM_WIPEONFORK;
            default -> flags;
        };
    }

    /**
     * Models do_madvise(), mm/madvise.c: applies {@code advice} to [start, start + len).
     *
     * @param mm      the address space
     * @param start   the start, page aligned
     * @param lenIn   the length in bytes, rounded up to pages
     * @param advice  an MADV_* value
     * @param faultIn faults pages in for MADV_POPULATE_READ and MADV_POPULATE_WRITE
     * @return 0, or a negative errno
     */
    public static long doMadvise(MmStruct mm, long start, long lenIn, int advice, FaultIn faultIn) {
        if (!validAdvice(advice) || MmStruct.invalidRange(start, lenIn)) return -Errno.EINVAL;
        long end = start + MmStruct.pageAlign(lenIn);
        if (end == start) return 0;
        if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE) {
            return populate(mm, start, end, advice == MADV_POPULATE_WRITE, faultIn);
        }
        long result = 0;
        long addr = start;
        while (Long.compareUnsigned(addr, end) < 0) {
            // Nothing is mapped at or above TASK_SIZE (findVma() compares signed).
            Vma vma = Long.compareUnsigned(addr, MmStruct.TASK_SIZE) >= 0 ? null : mm.findVma(addr);
            if (vma == null || Long.compareUnsigned(vma.start(), end) >= 0) {
                result = -Errno.ENOMEM;
                break;
            }
            if (vma.start() > addr) result = -Errno.ENOMEM; // a hole: keep going, report it at the end
            long from = Math.max(addr, vma.start());
            long to = Long.compareUnsigned(vma.end(), end) < 0 ? vma.end() : end;
            long r = adviseVma(mm, vma, from, to, advice);
            if (r < 0) return r;
            addr = to;
        }
        return result;
    }

    /**
     * Models madvise_populate() → faultin_page_range() with FOLL_MADV_POPULATE: no VMA is ENOMEM,
     * one that does not allow the access (check_vma_flags(), no FOLL_FORCE) EINVAL, a failed
     * fault EFAULT.
     */
    private static long populate(MmStruct mm, long start, long end, boolean write, FaultIn faultIn) {
        for (long addr = start; Long.compareUnsigned(addr, end) < 0; addr += PageTypes.PAGE_SIZE) {
            Vma vma = mm.vmaLookup(addr);
            if (vma == null) return -Errno.ENOMEM;
            if (!vma.has(write ? VmFlags.VM_WRITE : VmFlags.VM_READ)) return -Errno.EINVAL;
            if (!faultIn.faultIn(mm, addr, write)) return -Errno.EFAULT;
        }
        return 0;
    }

    /**
     * Models can_modify_vma_madv(), mm/mseal.c: discarding advice (is_madv_discard()) is refused on
     * a sealed VMA of read-only private anonymous memory (is_ro_anon()), whose contents it would
     * change; everything else is allowed.
     */
    static boolean canModifyVmaMadv(Vma vma, int advice) {
        boolean discard = switch (advice) {
            case MADV_FREE, MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_REMOVE, MADV_DONTFORK, MADV_WIPEONFORK -> true;
            default -> false;
        };
        if (!discard || vma.canModifyVma()) return true;
        boolean roAnon = vma.file() == null && !vma.has(VmFlags.VM_SHARED) && !vma.has(VmFlags.VM_WRITE);
        return !roAnon;
    }

    private static long adviseVma(MmStruct mm, Vma vma, long start, long end, int advice) {
        if (!canModifyVmaMadv(vma, advice)) return -Errno.EPERM;
        switch (advice) {
            case MADV_DONTNEED, MADV_DONTNEED_LOCKED -> {
                if (advice == MADV_DONTNEED && vma.has(VmFlags.VM_LOCKED)) return -Errno.EINVAL;
                mm.zapPageRange(start, end);
                mm.env().tlbFlush().flushTlbMmRange(mm, start, end, false);
                return 0;
            }
            case MADV_FREE -> {
                return vma.isAnonymous() && !vma.has(VmFlags.VM_SHARED) ? 0 : -Errno.EINVAL;
            }
            case MADV_COLD, MADV_PAGEOUT -> {
                // can_madv_lru_vma(): locked memory stays where it is.
                if (vma.has(VmFlags.VM_LOCKED)) return -Errno.EINVAL;
                // madvise_pageout() → reclaim_pages(): without swap, anonymous pages stay, but a
                // droppable folio is never swap-backed and is freed (shrink_folio_list()); it reads
                // back as zero. MADV_COLD only moves pages to the inactive list.
                if (advice == MADV_PAGEOUT && vma.droppable) {
                    mm.zapPageRange(start, end);
                    mm.env().tlbFlush().flushTlbMmRange(mm, start, end, false);
                }
                return 0;
            }
            case MADV_COLLAPSE -> {
                return Collapse.madviseCollapse(mm, vma, start, end);
            }
            case MADV_REMOVE -> {
                // madvise_remove(): punch a hole in the shared object (shmem_fallocate()); only a
                // file mapping has one (EINVAL), and only a shared one that may write (EACCES).
                if (vma.has(VmFlags.VM_LOCKED) || vma.file() == null) return -Errno.EINVAL;
                if (!vma.has(VmFlags.VM_SHARED) || !vma.has(VmFlags.VM_MAYWRITE)) return -Errno.EACCES;
                mm.zapPageRange(start, end);
                MappedFile f = vma.file();
                if (f != null) {
                    for (long idx = vma.pageIndex(start); idx < vma.pageIndex(end); idx++) {
                        long pfn = f.cachedPfn(idx);
                        if (pfn < 0) continue;
                        f.setCachedPfn(idx, -1);
                        mm.env().putPage(pfn);
                    }
                }
                mm.env().tlbFlush().flushTlbMmRange(mm, start, end, false);
                return 0;
            }
            case MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP,
                    MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK -> {
                if (advice == MADV_WIPEONFORK && (!vma.isAnonymous() || vma.has(VmFlags.VM_SHARED))) return -Errno.EINVAL;
                if (advice == MADV_KEEPONFORK && vma.droppable) return -Errno.EINVAL; // it must stay wiped on fork
                int newFlags = adviceFlags(vma.flags(), advice);
                if (newFlags == vma.flags()) return 0;
                // madvise_update_vma(): split to the range, set the flag, merge back where possible.
                return mm.modifyVma(start, end, target -> target.flags = newFlags) ? 0 : -Errno.ENOMEM;
            }
            default -> {
                return 0;
            }
        }
    }
}
