package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.Mincore;
import io.mmemu.mm.vma.Mmap;
import io.mmemu.mm.vma.MmStruct;

/**
 * The memory syscalls' entry points where they need more than the address space: mmap's file and
 * credentials, madvise's and mincore's access to user memory. The operations themselves are
 * mm-model's ({@link Mmap}, {@link io.mmemu.mm.vma.Mprotect}, {@link io.mmemu.mm.vma.Mremap},
 * {@link Madvise}, {@link Mincore}, {@link io.mmemu.mm.vma.Msync}); munmap and brk are
 * {@link MmStruct}'s.
 */
final class MmSyscalls {
    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final Processes procs;
    /** How MADV_WILLNEED and MADV_POPULATE_* fault pages in (one object, not one per call). */
    private final Madvise.FaultIn faultIn;

    MmSyscalls(UserAccess uaccess, FileSyscalls files, Processes procs) {
        this.uaccess = uaccess;
        this.files = files;
        this.procs = procs;
        this.faultIn = uaccess::faultIn;
    }

    /**
     * Models x86's sys_mmap() → ksys_mmap_pgoff() → vm_mmap_pgoff(): the offset's alignment, the
     * descriptor (EBADF before any length is looked at), then {@link Mmap#doMmap} with what the
     * open file allows, and mm_populate() when asked.
     */
    long sysMmap(Task task, long addr, long len, int prot, int flags, int fd, long off) {
        MmStruct mm = task.mm();
        if (PageTypes.offsetInPage(off) != 0) return -Errno.EINVAL;
        Mmap.MapFile file = null;
        if ((flags & Mmap.MAP_ANONYMOUS) == 0) {
            OpenFile f = files.files(task).get(fd);
            if (f == null) return -Errno.EBADF;
            int accMode = f.flags() & FileSyscalls.O_ACCMODE;
            file = new Mmap.MapFile(accMode != FileSyscalls.O_WRONLY, accMode == FileSyscalls.O_RDWR,
                    f.content() instanceof OpenFile.Device, f.content() instanceof OpenFile.Device d && d.zero(), f.mappable());
        }
        long r = Mmap.doMmap(mm, file, addr, len, prot, flags, off >>> PageTypes.PAGE_SHIFT,
                procs.of(task).cred.capable(Cred.CAP_SYS_RAWIO));
        if (r >= 0 && Mmap.populates(flags)) uaccess.mmPopulate(mm, r, MmStruct.pageAlign(len));
        return r;
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
