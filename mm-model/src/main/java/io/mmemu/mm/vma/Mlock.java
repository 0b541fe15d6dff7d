package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.phys.PageTypes;

/**
 * Models mm/mlock.c: mlock(), mlock2(), munlock(), mlockall() and munlockall().
 *
 * <p>Locking is a property of VMAs: VM_LOCKED (with VM_LOCKONFAULT for MLOCK_ONFAULT and
 * MCL_ONFAULT) is set or cleared over a range, splitting the VMAs that straddle its ends and
 * merging the result with compatible neighbours (apply_vma_lock_flags() → mlock_fixup() →
 * vma_modify_flags()); mm->locked_vm counts the pages of VM_LOCKED VMAs. The model has no
 * reclaim, so a locked page stays resident exactly as any other: what locking changes that a
 * program can see is the population of the range (every page faulted in at once unless
 * VM_LOCKONFAULT), the errors, VmLck in /proc/PID/status, and the refusals locked VMAs earn
 * elsewhere (MADV_DONTNEED's EINVAL, MS_INVALIDATE's EBUSY).
 *
 * <ol>
 *   <li>can_do_mlock(): a zero RLIMIT_MEMLOCK without CAP_IPC_LOCK is EPERM.</li>
 *   <li>The range is widened to whole pages; the pages it adds to locked_vm (pages already
 *       locked in it not counted twice) must stay within RLIMIT_MEMLOCK unless the caller has
 *       CAP_IPC_LOCK, else ENOMEM.</li>
 *   <li>apply_vma_lock_flags(): a wrapping range is EINVAL; the range must start in a VMA and
 *       have no holes (ENOMEM; the VMAs before a hole stay changed, as in Linux).</li>
 *   <li>__mm_populate() faults the range in (the caller's {@link Populate}); its EFAULT (a
 *       PROT_NONE VMA, a page past the end of a file) is reported as ENOMEM and its ENOMEM as
 *       EAGAIN (__mlock_posix_error_return()). The VMAs stay locked.</li>
 * </ol>
 *
 * <p>The limit and the capability are the caller's: {@code lockLimit} is RLIMIT_MEMLOCK in
 * bytes (or {@link Long#MAX_VALUE} for none), {@code capIpcLock} whether the caller has
 * CAP_IPC_LOCK.
 */
public final class Mlock {
    private Mlock() {}

    /** mlock2()'s flag, include/uapi/asm-generic/mman-common.h. */
    public static final int MLOCK_ONFAULT = 0x01;
    /** mlockall()'s flags, arch/x86's include/uapi/asm-generic/mman.h. */
    public static final int MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4;

    /** __mm_populate(): faults [start, start + len) in; 0 or a negative errno (EFAULT, ENOMEM). */
    @FunctionalInterface
    public interface Populate {
        /**
         * Faults the range in as __mm_populate() does.
         *
         * @param mm           the address space
         * @param start        the range's start, page aligned
         * @param len          its length in bytes, page aligned
         * @param ignoreErrors whether a VMA that cannot be populated is skipped instead of failing the call
         * @return 0, or a negative errno
         */
        long populate(MmStruct mm, long start, long len, boolean ignoreErrors);
    }

    /** Models can_do_mlock(), mm/mlock.c. */
    static boolean canDoMlock(long lockLimit, boolean capIpcLock) {
        return lockLimit != 0 || capIpcLock;
    }

    /**
     * Models the mlock2() syscall (mlock() is mlock2() with no flags): unknown flags are EINVAL,
     * then do_mlock() with VM_LOCKED, and VM_LOCKONFAULT for MLOCK_ONFAULT.
     *
     * @param mm         the address space
     * @param start      the range's start (rounded down to a page)
     * @param len        its length in bytes (rounded up, with the start's offset, to pages)
     * @param flags      0 or MLOCK_ONFAULT
     * @param lockLimit  RLIMIT_MEMLOCK in bytes
     * @param capIpcLock whether the caller has CAP_IPC_LOCK
     * @param populate   how the locked range is faulted in
     * @return 0, or a negative errno
     */
    public static long sysMlock2(MmStruct mm, long start, long len, int flags, long lockLimit, boolean capIpcLock,
            Populate populate) {
        if ((flags & ~MLOCK_ONFAULT) != 0) return -Errno.EINVAL;
        int vmFlags = VmFlags.VM_LOCKED | ((flags & MLOCK_ONFAULT) != 0 ? VmFlags.VM_LOCKONFAULT : 0);
        return doMlock(mm, start, len, vmFlags, lockLimit, capIpcLock, populate);
    }

    /** Models do_mlock(), mm/mlock.c (see the class comment). */
    static long doMlock(MmStruct mm, long start, long len, int vmFlags, long lockLimit, boolean capIpcLock,
            Populate populate) {
        if (!canDoMlock(lockLimit, capIpcLock)) return -Errno.EPERM;
        len = PageTypes.pageAlign(len + PageTypes.offsetInPage(start));
        start &= -PageTypes.PAGE_SIZE;
        long limitPages = lockLimit >>> PAGE_SHIFT;
        long locked = (len >>> PAGE_SHIFT) + mm.lockedVm;
        if (Long.compareUnsigned(locked, limitPages) > 0 && !capIpcLock) {
            // Pages of the range already locked are in locked_vm already: count them once.
            locked -= countMmMlockedPageNr(mm, start, len);
        }
        if (Long.compareUnsigned(locked, limitPages) > 0 && !capIpcLock) return -Errno.ENOMEM;
        long error = applyVmaLockFlags(mm, start, len, vmFlags);
        if (error != 0) return error;
        error = populate.populate(mm, start, len, false);
        return error == 0 ? 0 : mlockPosixErrorReturn(error);
    }

    /** Models __mlock_posix_error_return(): EFAULT becomes ENOMEM, ENOMEM becomes EAGAIN. */
    private static long mlockPosixErrorReturn(long error) {
        if (error == -Errno.EFAULT) return -Errno.ENOMEM;
        if (error == -Errno.ENOMEM) return -Errno.EAGAIN;
        return error;
    }

    /**
     * Models the munlock() syscall: the range widened to pages, then apply_vma_lock_flags() with
     * no lock flags (no limit, no capability involved).
     *
     * @param mm    the address space
     * @param start the range's start (rounded down to a page)
     * @param len   its length in bytes
     * @return 0, or a negative errno
     */
    public static long sysMunlock(MmStruct mm, long start, long len) {
        len = PageTypes.pageAlign(len + PageTypes.offsetInPage(start));
        start &= -PageTypes.PAGE_SIZE;
        return applyVmaLockFlags(mm, start, len, 0);
    }

    /**
     * Models apply_vma_lock_flags(), mm/mlock.c: sets the lock bits of every VMA in
     * [start, start + len) to {@code flags}. EINVAL when the range wraps; ENOMEM when it does not
     * start in a VMA or has a hole (VMAs before the hole keep their new flags).
     */
    static long applyVmaLockFlags(MmStruct mm, long start, long len, int flags) {
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) return -Errno.EINVAL;
        if (end == start) return 0;
        Vma vma = Long.compareUnsigned(start, MmStruct.TASK_SIZE) >= 0 ? null : mm.vmaLookup(start);
        if (vma == null) return -Errno.ENOMEM;
        long nstart = start;
        long tmp = vma.start;
        while (Long.compareUnsigned(nstart, end) < 0 && vma != null && Long.compareUnsigned(vma.start, end) < 0) {
            // A VMA may already cover tmp: the previous step merged with it.
            if (Long.compareUnsigned(vma.start, tmp) > 0) return -Errno.ENOMEM;
            int newFlags = (vma.flags & ~VmFlags.VM_LOCKED_MASK) | flags;
            tmp = Long.compareUnsigned(vma.end, end) < 0 ? vma.end : end;
            long error = mlockFixup(mm, vma, nstart, tmp, newFlags);
            if (error != 0) return error;
            nstart = tmp;
            vma = mm.findVma(tmp);
        }
        return Long.compareUnsigned(tmp, end) < 0 ? -Errno.ENOMEM : 0;
    }

    /**
     * Models mlock_fixup(), mm/mlock.c: gives [start, end) of {@code vma} the flags
     * {@code newFlags} (vma_modify_flags(): split at the ends, then merged with compatible
     * neighbours) and keeps locked_vm: pages newly locked are added, pages unlocked taken off,
     * pages only switching between VM_LOCKED and VM_LOCKED|VM_LOCKONFAULT left as they are.
     */
    private static long mlockFixup(MmStruct mm, Vma vma, long start, long end, int newFlags) {
        int oldFlags = vma.flags;
        // Nothing to do, nothing to count; droppable memory is never locked (VM_DROPPABLE), and
        // secretmem is always locked (vma_is_secretmem()): mlock() and munlock() leave both alone.
        if (newFlags == oldFlags || vma.droppable || vma.file() != null && vma.file().isSecretmem()) return 0;
        if (!mm.modifyVma(start, end, v -> v.flags = newFlags)) return -Errno.ENOMEM;
        long nrPages = (end - start) >>> PAGE_SHIFT;
        if ((newFlags & VmFlags.VM_LOCKED) == 0) mm.lockedVm -= nrPages;
        else if ((oldFlags & VmFlags.VM_LOCKED) == 0) mm.lockedVm += nrPages;
        return 0;
    }

    /**
     * Models count_mm_mlocked_page_nr(), mm/mlock.c: the pages of [start, start + len) that lie
     * in VM_LOCKED VMAs.
     */
    static long countMmMlockedPageNr(MmStruct mm, long start, long len) {
        long end = start + len;
        if (Long.compareUnsigned(end, start) <= 0) return 0;
        long count = 0;
        for (Vma vma = mm.findVma(start); vma != null && Long.compareUnsigned(vma.start, end) < 0;
                vma = mm.findVma(vma.end)) {
            if (!vma.has(VmFlags.VM_LOCKED)) continue;
            long from = Math.max(vma.start, start);
            long to = Long.compareUnsigned(vma.end, end) < 0 ? vma.end : end;
            count += to - from;
        }
        return count >>> PAGE_SHIFT;
    }

    /**
     * Models the mlockall() syscall: flags must be a non-empty subset of MCL_CURRENT, MCL_FUTURE
     * and MCL_ONFAULT other than MCL_ONFAULT alone (EINVAL); can_do_mlock() (EPERM); with
     * MCL_CURRENT the whole address space (total_vm) must fit RLIMIT_MEMLOCK unless the caller has
     * CAP_IPC_LOCK (ENOMEM). Then apply_mlockall_flags() and, with MCL_CURRENT, mm_populate() of
     * everything (errors ignored).
     *
     * @param mm         the address space
     * @param flags      MCL_* flags
     * @param lockLimit  RLIMIT_MEMLOCK in bytes
     * @param capIpcLock whether the caller has CAP_IPC_LOCK
     * @param populate   how the locked address space is faulted in
     * @return 0, or a negative errno
     */
    public static long sysMlockall(MmStruct mm, int flags, long lockLimit, boolean capIpcLock, Populate populate) {
        if (flags == 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) != 0 || flags == MCL_ONFAULT) {
            return -Errno.EINVAL;
        }
        if (!canDoMlock(lockLimit, capIpcLock)) return -Errno.EPERM;
        long limitPages = lockLimit >>> PAGE_SHIFT;
        if ((flags & MCL_CURRENT) != 0 && Long.compareUnsigned(mm.totalVm(), limitPages) > 0 && !capIpcLock) {
            return -Errno.ENOMEM;
        }
        applyMlockallFlags(mm, flags);
        if ((flags & MCL_CURRENT) != 0) populate.populate(mm, 0, MmStruct.TASK_SIZE, true);
        return 0;
    }

    /**
     * Models the munlockall() syscall: apply_mlockall_flags(0), every VMA unlocked and
     * mlockall(MCL_FUTURE) undone.
     *
     * @param mm the address space
     * @return 0
     */
    public static long sysMunlockall(MmStruct mm) {
        applyMlockallFlags(mm, 0);
        return 0;
    }

    /**
     * Models apply_mlockall_flags(), mm/mlock.c: def_flags take VM_LOCKED (and VM_LOCKONFAULT)
     * for MCL_FUTURE, and lose them otherwise; unless MCL_FUTURE comes alone, every VMA's lock
     * bits are set to what MCL_CURRENT asks (none for munlockall()). A VMA that cannot be split
     * keeps its flags, and the walk goes on, as in Linux.
     */
    private static void applyMlockallFlags(MmStruct mm, int flags) {
        mm.defFlags &= ~VmFlags.VM_LOCKED_MASK;
        if ((flags & MCL_FUTURE) != 0) {
            mm.defFlags |= VmFlags.VM_LOCKED;
            if ((flags & MCL_ONFAULT) != 0) mm.defFlags |= VmFlags.VM_LOCKONFAULT;
            if ((flags & MCL_CURRENT) == 0) return;
        }
        int toAdd = 0;
        if ((flags & MCL_CURRENT) != 0) {
            toAdd = VmFlags.VM_LOCKED | ((flags & MCL_ONFAULT) != 0 ? VmFlags.VM_LOCKONFAULT : 0);
        }
        for (Vma vma = mm.findVma(0); vma != null; ) {
            long start = vma.start, end = vma.end;
            mlockFixup(mm, vma, start, end, (vma.flags & ~VmFlags.VM_LOCKED_MASK) | toAdd);
            // The VMA may have merged with its predecessor: go on after the range it covered.
            vma = mm.findVma(end);
        }
    }
}
