package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.Mincore;
import io.mmemu.mm.vma.Mlock;
import io.mmemu.mm.vma.Mmap;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Mremap;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;

/**
 * The memory syscalls' entry points where they need more than the address space: mmap's file and
 * credentials, madvise's and mincore's access to user memory. The operations themselves are
 * mm-model's ({@link Mmap}, {@link io.mmemu.mm.vma.Mprotect}, {@link io.mmemu.mm.vma.Mremap},
 * {@link Madvise}, {@link Mincore}, {@link io.mmemu.mm.vma.Msync}, {@link Mlock}); munmap and brk are
 * {@link MmStruct}'s.
 *
 * <p>Memory locking needs the caller's RLIMIT_MEMLOCK and CAP_IPC_LOCK: the mlock calls get them
 * as arguments, and every call that can create a locked mapping without an mlock call (mmap with
 * MAP_LOCKED or after mlockall(MCL_FUTURE), brk, mremap) first leaves them in the address space's
 * {@link MmStruct#mlockLimit}, where mlock_future_ok() and stack growth read them.
 */
final class MmSyscalls {
    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final Processes procs;
    private final Rlimits rlimits;
    /** __mm_populate() for the mlock calls (one object, not one per call). */
    private final Mlock.Populate populate;
    /** How MADV_WILLNEED and MADV_POPULATE_* fault pages in (one object, not one per call). */
    private final Madvise.FaultIn faultIn;

    MmSyscalls(UserAccess uaccess, FileSyscalls files, Processes procs, Rlimits rlimits) {
        this.uaccess = uaccess;
        this.files = files;
        this.procs = procs;
        this.rlimits = rlimits;
        this.faultIn = uaccess::faultIn;
        this.populate = uaccess::mmPopulate;
    }

    /** rlimit(RLIMIT_MEMLOCK): the caller's soft limit in bytes (RLIM_INFINITY is all ones, above any count). */
    private long memlockLimit(Task task) {
        return rlimits.cur(task, Rlimits.RLIMIT_MEMLOCK);
    }

    /** capable(CAP_IPC_LOCK) for the caller. */
    private boolean capIpcLock(Task task) {
        return procs.of(task).cred.capable(Cred.CAP_IPC_LOCK);
    }

    /** Leaves the caller's memory-lock limit where mlock_future_ok() reads it ({@link MmStruct#mlockLimit}). */
    private MmStruct lockingMm(Task task) {
        MmStruct mm = task.mm();
        long limit = memlockLimit(task);
        mm.mlockLimit = capIpcLock(task) || limit == Rlimits.RLIM_INFINITY ? Long.MAX_VALUE : limit;
        return mm;
    }

    /**
     * Models x86's sys_mmap() → ksys_mmap_pgoff() → vm_mmap_pgoff(): the offset's alignment, the
     * descriptor (EBADF before any length is looked at), then {@link Mmap#doMmap} with what the
     * open file allows, and mm_populate() when asked.
     */
    long sysMmap(Task task, long addr, long len, int prot, int flags, int fd, long off) {
        MmStruct mm = lockingMm(task);
        if (PageTypes.offsetInPage(off) != 0) return -Errno.EINVAL;
        Mmap.MapFile file = null;
        if ((flags & Mmap.MAP_ANONYMOUS) == 0) {
            OpenFile f = files.files(task).get(fd);
            if (f == null) return -Errno.EBADF;
            int accMode = f.flags() & FileSyscalls.O_ACCMODE;
            file = new Mmap.MapFile(accMode != FileSyscalls.O_WRONLY, accMode == FileSyscalls.O_RDWR,
                    f.content() instanceof OpenFile.Device, f.content() instanceof OpenFile.Device d && d.zero(), f.mappable(),
                    f.content() instanceof OpenFile.Shmem s && s.inode().writeSealed(),
                    f.content() instanceof OpenFile.Shmem h ? h.inode().hugetlbSize() : 0);
        }
        long r = Mmap.doMmap(mm, file, addr, len, prot, flags, off >>> PageTypes.PAGE_SHIFT,
                procs.of(task).cred.capable(Cred.CAP_SYS_RAWIO));
        if (r >= 0 && Mmap.populates(mm, flags)) uaccess.mmPopulate(mm, r, MmStruct.pageAlign(len));
        return r;
    }

    /** Models the brk() syscall: {@link MmStruct#sysBrk}, then mm_populate() of the growth under mlockall(MCL_FUTURE). */
    long sysBrk(Task task, long brk) {
        MmStruct mm = lockingMm(task);
        long oldEnd = MmStruct.pageAlign(mm.brk);
        long r = mm.sysBrk(brk);
        long newEnd = MmStruct.pageAlign(r);
        if (r == brk && newEnd > oldEnd && (mm.defFlags & VmFlags.VM_LOCKED) != 0) uaccess.mmPopulate(mm, oldEnd, newEnd - oldEnd);
        return r;
    }

    /** Models the mremap() syscall: {@link Mremap#doMremap}, then mm_populate() of what a locked mapping gained. */
    long sysMremap(Task task, long addr, long oldLen, long newLen, int flags, long newAddr) {
        MmStruct mm = lockingMm(task);
        long r = Mremap.doMremap(mm, addr, oldLen, newLen, flags, newAddr, procs.of(task).cred.capable(Cred.CAP_SYS_RAWIO));
        long oldAligned = MmStruct.pageAlign(oldLen), newAligned = MmStruct.pageAlign(newLen);
        if (r >= 0 && Long.compareUnsigned(newAligned, oldAligned) > 0) {
            Vma vma = mm.vmaLookup(r);
            if (vma != null && vma.has(VmFlags.VM_LOCKED)) uaccess.mmPopulate(mm, r + oldAligned, newAligned - oldAligned);
        }
        return r;
    }

    /** Models mlock() and mlock2(): {@link Mlock#sysMlock2} with the caller's limit and capability. */
    long sysMlock2(Task task, long start, long len, int flags) {
        return Mlock.sysMlock2(lockingMm(task), start, len, flags, memlockLimit(task), capIpcLock(task), populate);
    }

    /** Models munlock(): {@link Mlock#sysMunlock}. */
    long sysMunlock(Task task, long start, long len) {
        return Mlock.sysMunlock(task.mm(), start, len);
    }

    /** Models mlockall(): {@link Mlock#sysMlockall} with the caller's limit and capability. */
    long sysMlockall(Task task, int flags) {
        return Mlock.sysMlockall(lockingMm(task), flags, memlockLimit(task), capIpcLock(task), populate);
    }

    /** Models do_madvise(), mm/madvise.c. */
    long doMadvise(MmStruct mm, long start, long len, int advice) {
        return Madvise.doMadvise(mm, start, len, advice, faultIn);
    }

    /** Models the mincore() syscall: the residency vector copied to {@code vec}, a round at a time. */
    long sysMincore(MmStruct mm, long start, long len, long vec) {
        return Mincore.sysMincore(mm, start, len, vec, (uaddr, src, n) -> uaccess.copyToUser(mm, uaddr, src, 0, n));
    }
}
