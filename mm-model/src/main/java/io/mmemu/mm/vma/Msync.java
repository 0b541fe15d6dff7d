package io.mmemu.mm.vma;

import io.mmemu.mm.phys.PageTypes;
/**
 * The msync() syscall, mm/msync.c. Nothing is ever written back here (the page cache is the
 * only copy of a shmem file, and host files are read-only), so msync only validates and walks
 * the VMAs for its errors: EINVAL for unknown flags, an unaligned start, or MS_SYNC with
 * MS_ASYNC; EBUSY for MS_INVALIDATE of locked memory; ENOMEM when part of the range is unmapped
 * (after syncing the mapped rest, which MS_ASYNC alone does not even wait for).
 */
public final class Msync {
    /** The msync() flags, include/uapi/asm-generic/mman-common.h. */
    public static final int MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

    private Msync() {}

    /**
     * Models sys_msync().
     *
     * @param mm    the address space
     * @param start the start, page aligned
     * @param len   the length in bytes
     * @param flags MS_* flags
     * @return 0, or a negative errno
     */
    public static long sysMsync(MmStruct mm, long start, long len, int flags) {
        if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) != 0) return -Errno.EINVAL;
        if ((start & (PageTypes.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        if ((flags & MS_ASYNC) != 0 && (flags & MS_SYNC) != 0) return -Errno.EINVAL;
        len = (len + PageTypes.PAGE_SIZE - 1) & -PageTypes.PAGE_SIZE;
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) return -Errno.ENOMEM;
        if (end == start) return 0;
        int unmappedError = 0;
        Vma vma = mm.findVma(start);
        while (true) {
            // Still start < end.
            if (vma == null) return -Errno.ENOMEM;
            if (start < vma.start) {
                if (flags == MS_ASYNC) return -Errno.ENOMEM;
                start = vma.start;
                if (Long.compareUnsigned(start, end) >= 0) return -Errno.ENOMEM;
                unmappedError = -Errno.ENOMEM;
            }
            if ((flags & MS_INVALIDATE) != 0 && vma.has(VmFlags.VM_LOCKED)) return -Errno.EBUSY;
            // vfs_fsync_range() of a shared file mapping: noop_fsync() for shmem, nothing to do.
            start = vma.end;
            if (Long.compareUnsigned(start, end) >= 0) return unmappedError;
            vma = mm.findVma(start);
        }
    }
}
