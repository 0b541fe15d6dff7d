package io.mmemu.mm.vma;


/**
 * Models mm/mseal.c (Linux 6.12): mseal() seals the VMAs of a range, after which the calls that
 * would change them refuse with EPERM: munmap() and mmap(MAP_FIXED) over them
 * ({@link MmStruct#doMunmap}), mremap() ({@link Mremap}), mprotect() ({@link Mprotect}), and
 * madvise()'s discarding advice on read-only private anonymous memory ({@link Madvise}). A seal
 * cannot be removed and is inherited by fork.
 *
 * <ol>
 *   <li>Flags must be 0; the start page aligned; the length, rounded up, must not wrap or round
 *       a small negative value to 0 (EINVAL); a zero length succeeds.</li>
 *   <li>check_mm_seal(): the range must be mapped from start to end without a hole (ENOMEM),
 *       checked before anything changes, so that a failure seals nothing.</li>
 *   <li>apply_mm_seal(): each VMA's part of the range becomes sealed, VMAs straddling the ends
 *       split, the result merged with sealed neighbours (vma_modify_flags()).</li>
 * </ol>
 */
public final class Mseal {
    private Mseal() {}

    /**
     * Models do_mseal() (see the class comment).
     *
     * @param mm    the address space
     * @param start the range's start, page aligned
     * @param lenIn its length in bytes (rounded up to pages)
     * @param flags must be 0
     * @return 0, or a negative errno
     */
    public static long doMseal(MmStruct mm, long start, long lenIn, long flags) {
        if (flags != 0) return -Errno.EINVAL; // can_do_mseal()
        if (MmStruct.invalidRange(start, lenIn)) return -Errno.EINVAL;
        long end = start + MmStruct.pageAlign(lenIn);
        if (end == start) return 0;
        long r = checkMmSeal(mm, start, end);
        if (r != 0) return r;
        return applyMmSeal(mm, start, end);
    }

    /** Models check_mm_seal(): ENOMEM unless [start, end) is mapped without a hole. */
    private static long checkMmSeal(MmStruct mm, long start, long end) {
        long nstart = start;
        Vma vma = Long.compareUnsigned(start, MmStruct.TASK_SIZE) >= 0 ? null : mm.findVma(start);
        while (vma != null && Long.compareUnsigned(vma.start, end) < 0) {
            if (Long.compareUnsigned(vma.start, nstart) > 0) return -Errno.ENOMEM; // unallocated memory
            if (Long.compareUnsigned(vma.end, end) >= 0) return 0;
            nstart = vma.end;
            vma = mm.findVma(nstart);
        }
        return -Errno.ENOMEM;
    }

    /** Models apply_mm_seal() with mseal_fixup(): each VMA's part of the range split off, sealed and merged. */
    private static long applyMmSeal(MmStruct mm, long start, long end) {
        long nstart = start;
        while (Long.compareUnsigned(nstart, end) < 0) {
            Vma vma = mm.vmaLookup(nstart);
            long tmp = Long.compareUnsigned(vma.end, end) < 0 ? vma.end : end;
            if (!vma.sealed && !mm.modifyVma(nstart, tmp, v -> v.sealed = true)) return -Errno.ENOMEM;
            nstart = tmp;
        }
        return 0;
    }
}
