package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Tmpfs;
import io.mmemu.kernel.fs.TmpfsInode;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.Mmap;
import io.mmemu.mm.vma.VmFlags;
import java.nio.charset.StandardCharsets;

/**
 * Models mm/memfd.c: memfd_create() and file sealing (fcntl's F_ADD_SEALS and F_GET_SEALS).
 *
 * <p>A memfd is a shmem file that no directory names ({@link Tmpfs#memfdFile}): the same page
 * cache, reads, writes, truncation and mappings as a /tmp file. Seals live in its inode
 * ({@link TmpfsInode#seals}) and are enforced where Linux enforces them: shmem_write_begin()
 * (write, F_SEAL_WRITE/FUTURE_WRITE/GROW), shmem_setattr() (ftruncate, F_SEAL_SHRINK/GROW; chmod,
 * F_SEAL_EXEC), do_mmap()'s memfd_check_seals_mmap() (a shared writable mapping of a write-sealed
 * file is EPERM, a shared read-only one loses VM_MAYWRITE, see {@link MmSyscalls#sysMmap}). Every
 * shmem file has seals, a /tmp file F_SEAL_SEAL from birth; other files have none (EINVAL).
 *
 * <p>vm.memfd_noexec is 0, Linux's default: a memfd made without MFD_EXEC or MFD_NOEXEC_SEAL is
 * executable. MFD_HUGETLB makes a hugetlbfs file of the chosen huge page size (ENODEV for a size
 * x86-64 has not): the model has no hugetlb pool, so it can be sized (ftruncate() to whole huge
 * pages) and read (zeroes) but not filled (fallocate() ENOSPC, write() EINVAL, mmap() ENOMEM),
 * as on a machine where nobody reserved huge pages ({@link io.mmemu.kernel.fs.TmpfsInode#hugetlbSize}).
 */
final class Memfd {
    static final int MFD_CLOEXEC = 0x1, MFD_ALLOW_SEALING = 0x2, MFD_HUGETLB = 0x4, MFD_NOEXEC_SEAL = 0x8,
            MFD_EXEC = 0x10;
    static final int MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
    /** fcntl's sealing commands: F_LINUX_SPECIFIC_BASE + 9 and + 10. */
    static final int F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    /** "memfd:" is prefixed to the name, which must leave room for it in NAME_MAX (255): MFD_NAME_MAX_LEN. */
    static final int MFD_NAME_MAX_LEN = 255 - "memfd:".length();

    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final Tmpfs tmpfs;

    Memfd(UserAccess uaccess, FileSyscalls files, Tmpfs tmpfs) {
        this.uaccess = uaccess;
        this.files = files;
        this.tmpfs = tmpfs;
    }

    /**
     * Models the memfd_create() syscall: the flags (EINVAL for unknown ones, MFD_EXEC with
     * MFD_NOEXEC_SEAL, and MFD_HUGETLB here), the name (EFAULT, EINVAL past MFD_NAME_MAX_LEN bytes),
     * a descriptor (EMFILE), then the file.
     */
    long sysMemfdCreate(Task task, long uname, int flags) {
        // sanitize_flags(): the huge page size bits only with MFD_HUGETLB.
        int known = (flags & MFD_HUGETLB) != 0 ? MFD_ALL_FLAGS | Mmap.MAP_HUGE_MASK << Mmap.MAP_HUGE_SHIFT : MFD_ALL_FLAGS;
        if ((flags & ~known) != 0) return -Errno.EINVAL;
        if ((flags & MFD_EXEC) != 0 && (flags & MFD_NOEXEC_SEAL) != 0) return -Errno.EINVAL;
        // alloc_name(): strncpy_from_user() of MFD_NAME_MAX_LEN + 1 bytes; a name that fills them is too long.
        byte[] name = uaccess.strncpyFromUser(task.mm(), uname, MFD_NAME_MAX_LEN + 1);
        if (name == null) {
            return readable(task, uname) ? -Errno.EINVAL : -Errno.EFAULT;
        }
        long hugetlbSize = 0;
        if ((flags & MFD_HUGETLB) != 0) {
            // alloc_file() → hugetlb_file_setup(): ENODEV for a size with no hstate.
            hugetlbSize = Mmap.hstateSizelog((flags >>> Mmap.MAP_HUGE_SHIFT) & Mmap.MAP_HUGE_MASK);
            if (hugetlbSize == 0) return -Errno.ENODEV;
        }
        OpenFile f = tmpfs.memfdFile(new String(name, StandardCharsets.UTF_8), (flags & MFD_NOEXEC_SEAL) != 0,
                (flags & MFD_ALLOW_SEALING) != 0, hugetlbSize);
        long fd = files.installNew(task, f, (flags & MFD_CLOEXEC) != 0);
        if (fd < 0) tmpfs.discard(f);
        return fd;
    }

    /**
     * Models the memfd_secret() syscall, mm/secretmem.c, as on the host (secretmem enabled, the
     * direct map can be changed): flags other than O_CLOEXEC (SECRETMEM_FLAGS_MASK is empty) are
     * EINVAL; then a descriptor (EMFILE) for a new secretmem file ({@link Tmpfs#secretmemFile}).
     */
    long sysMemfdSecret(Task task, int flags) {
        if ((flags & ~Vfs.O_CLOEXEC) != 0) return -Errno.EINVAL;
        OpenFile f = tmpfs.secretmemFile();
        long fd = files.installNew(task, f, (flags & Vfs.O_CLOEXEC) != 0);
        if (fd < 0) tmpfs.discard(f);
        return fd;
    }

    /** Whether the MFD_NAME_MAX_LEN + 1 bytes strncpy_from_user() read are all readable (else its null meant EFAULT). */
    private boolean readable(Task task, long uname) {
        byte[] probe = new byte[MFD_NAME_MAX_LEN + 1];
        return uaccess.copyFromUser(task.mm(), probe, 0, uname, probe.length) == 0;
    }

    /**
     * Models memfd_fcntl(): F_ADD_SEALS and F_GET_SEALS on an open file.
     *
     * @return the seals (F_GET_SEALS), 0, or a negative errno
     */
    static long memfdFcntl(OpenFile f, int cmd, long arg) {
        return cmd == F_ADD_SEALS ? memfdAddSeals(f, (int) arg) : memfdGetSeals(f);
    }

    /** Models memfd_get_seals(): a shmem file's seals, EINVAL for any other file. */
    private static long memfdGetSeals(OpenFile f) {
        return f.content() instanceof OpenFile.Shmem s ? s.inode().seals() : -Errno.EINVAL;
    }

    /**
     * Models memfd_add_seals(), mm/memfd.c: the file must be open for writing (EPERM) and the
     * seals known (EINVAL); only shmem files have seals (EINVAL); F_SEAL_SEAL ends sealing
     * (EPERM); F_SEAL_WRITE needs that no shared mapping may write (mapping_deny_writable():
     * EBUSY while i_mmap_writable counts one); F_SEAL_EXEC on an executable file implies the
     * write, grow and shrink seals.
     */
    private static long memfdAddSeals(OpenFile f, int seals) {
        if ((f.flags() & FileSyscalls.O_ACCMODE) == 0) return -Errno.EPERM; // FMODE_WRITE
        if ((seals & ~TmpfsInode.F_ALL_SEALS) != 0) return -Errno.EINVAL;
        if (!(f.content() instanceof OpenFile.Shmem s)) return -Errno.EINVAL; // memfd_file_seals_ptr()
        TmpfsInode inode = s.inode();
        if ((inode.seals() & TmpfsInode.F_SEAL_SEAL) != 0) return -Errno.EPERM;
        if ((seals & TmpfsInode.F_SEAL_WRITE) != 0 && (inode.seals() & TmpfsInode.F_SEAL_WRITE) == 0
                && iMmapWritable(inode.file()) > 0) {
            return -Errno.EBUSY;
        }
        if ((seals & TmpfsInode.F_SEAL_EXEC) != 0 && (inode.mode() & 0111) != 0) {
            seals |= TmpfsInode.F_SEAL_SHRINK | TmpfsInode.F_SEAL_GROW | TmpfsInode.F_SEAL_WRITE
                    | TmpfsInode.F_SEAL_FUTURE_WRITE;
        }
        inode.addSeals(seals);
        return 0;
    }

    /** address_space->i_mmap_writable: the mappings of the file that are shared and may write (is_shared_maywrite()). */
    private static int iMmapWritable(MappedFile file) {
        int n = 0;
        for (MappedFile.Mapping m : file.mappings()) {
            if (m.vma().has(VmFlags.VM_SHARED) && m.vma().has(VmFlags.VM_MAYWRITE)) n++;
        }
        return n;
    }
}
