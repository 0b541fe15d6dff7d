package io.mmemu.kernel.fs;

import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.Shmem;

/**
 * A regular file of the {@link Tmpfs} (an inode with its shmem_inode_info): its mode and link
 * count here, its bytes in the page cache of its {@link MappedFile}, which its mappings share.
 * The MappedFile's reference count keeps it: one for the directory entry while linked, one per
 * open file, one per mapping; the last one frees its pages.
 */
public final class TmpfsInode {
    /** MAX_LFS_FILESIZE: tmpfs's s_maxbytes. */
    public static final long MAX_LFS_FILESIZE = Long.MAX_VALUE;
    /** File seals, include/uapi/linux/fcntl.h: what fcntl(F_ADD_SEALS) may forbid from then on. */
    public static final int F_SEAL_SEAL = 0x01, F_SEAL_SHRINK = 0x02, F_SEAL_GROW = 0x04, F_SEAL_WRITE = 0x08,
            F_SEAL_FUTURE_WRITE = 0x10, F_SEAL_EXEC = 0x20;
    /** F_ALL_SEALS, mm/memfd.c. */
    public static final int F_ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE
            | F_SEAL_EXEC;

    private final Tmpfs sb;
    private final MappedFile file;
    private int mode;
    private int nlink;
    /**
     * shmem_inode_info->seals: F_SEAL_SEAL from shmem_get_inode(), so that only a memfd made with
     * MFD_ALLOW_SEALING (or MFD_NOEXEC_SEAL) can ever be sealed.
     */
    private int seals = F_SEAL_SEAL;
    /** I_LINKABLE: an O_TMPFILE file opened without O_EXCL, which linkat() may give a name. */
    boolean linkable;
    /**
     * The huge page size of a hugetlbfs inode (memfd_create() with MFD_HUGETLB), 0 for shmem. Such
     * a file has no pages: the model has no hugetlb pool, so it is sized but never filled
     * (fallocate ENOSPC, mmap ENOMEM), as on a machine where nobody reserved huge pages.
     */
    private long hugetlbSize;

    TmpfsInode(Tmpfs sb, MappedFile file, int mode) {
        this.sb = sb;
        this.file = file;
        this.mode = mode;
    }

    /**
     * The object its mappings map and its page cache.
     *
     * @return the inode's file, the same for its whole life
     */
    public MappedFile file() {
        return file;
    }

    /**
     * st_mode: S_IFREG and the permission bits.
     *
     * @return the mode as stat() reports it
     */
    public int mode() {
        return mode;
    }

    /**
     * Models shmem_getattr() → generic_fillattr(): st_blocks counts the pages in the page cache, 8 sectors each.
     *
     * @return the inode's status now
     */
    public Stat stat() {
        // secretmem's simple_getattr() has no block count to show; its inode is on its own mount
        // (alloc_anon_inode() gives it the one link nothing ever removes).
        boolean secret = file.isSecretmem();
        // hugetlbfs_fill_super(): s_blocksize is the huge page size.
        return new Stat(secret ? Tmpfs.SECRETMEM_DEV : sb.dev(), file.ino(), secret ? 1 : nlink, mode, 0, 0, 0, file.size(),
                isHugetlbfs() ? hugetlbSize : 4096,
                secret ? 0 : file.nrCachedPages() * 8,
                Tmpfs.EPOCH, 0, Tmpfs.EPOCH, 0, Tmpfs.EPOCH, 0);
    }

    /**
     * i_size: the file's length, which writes past the end and truncation change.
     *
     * @return the size in bytes
     */
    public long size() {
        return file.size();
    }

    /**
     * Models shmem_file_read_iter(): a hole or a page not yet written reads as zeros.
     *
     * @param pos the file offset to read from
     * @param dst the destination array
     * @param off the index in {@code dst} of the first byte
     * @param len the most bytes to read
     * @return the bytes read, 0 at or past end of file
     */
    public int read(long pos, byte[] dst, int off, int len) {
        return Shmem.read(sb.env(), file, pos, dst, off, len);
    }

    /**
     * Models shmem_file_write_iter() for bytes already copied from the user.
     *
     * @param pos the file offset to write at; the file grows to {@code pos + len} if shorter
     * @param src the bytes to write
     * @param off the index in {@code src} of the first byte
     * @param len the number of bytes
     * @return the count written (short when memory ran out part way), -EFBIG past {@link #MAX_LFS_FILESIZE},
     *         or -ENOMEM when not even the first page could be allocated
     */
    public long write(long pos, byte[] src, int off, int len) {
        if (pos + len < 0 || pos + len > MAX_LFS_FILESIZE) return -Errno.EFBIG;
        if (len > 0 && writeSealed()) return -Errno.EPERM; // shmem_write_begin()
        if ((seals & F_SEAL_GROW) != 0) {
            // shmem_write_begin() refuses each page's piece that would pass i_size: the pieces
            // before it are written, a short count.
            int allowed = 0;
            while (allowed < len) {
                long at = pos + allowed;
                int chunk = (int) Math.min(len - allowed, PageTypes.PAGE_SIZE - PageTypes.offsetInPage(at));
                if (at + chunk > file.size()) break;
                allowed += chunk;
            }
            if (allowed == 0 && len > 0) return -Errno.EPERM;
            len = allowed;
        }
        return Shmem.write(sb.env(), file, pos, src, off, len);
    }

    /**
     * Models shmem_setattr() with ATTR_SIZE (after do_truncate()'s checks): pages past the end are freed.
     *
     * @param length the new size in bytes
     * @return 0, or -EINVAL for a negative length, -EFBIG past {@link #MAX_LFS_FILESIZE}, -EPERM
     *         when F_SEAL_SHRINK or F_SEAL_GROW forbids the change
     */
    public long setSize(long length) {
        if (length < 0) return -Errno.EINVAL;
        if (isHugetlbfs() && (length & (hugetlbSize - 1)) != 0) return -Errno.EINVAL; // hugetlbfs_setattr()
        if (length > MAX_LFS_FILESIZE) return -Errno.EFBIG;
        long old = file.size();
        if (length < old && (seals & F_SEAL_SHRINK) != 0 || length > old && (seals & F_SEAL_GROW) != 0) return -Errno.EPERM;
        Shmem.setSize(sb.env(), file, length);
        return 0;
    }

    /**
     * Models shmem_fallocate()'s FALLOC_FL_PUNCH_HOLE (with KEEP_SIZE): EPERM under F_SEAL_WRITE or
     * F_SEAL_FUTURE_WRITE, else {@link io.mmemu.mm.vma.Truncate#punchHole}.
     *
     * @param offset the hole's first byte
     * @param len    its length, positive
     * @return 0, or -EPERM
     */
    public long punchHole(long offset, long len) {
        if (writeSealed()) return -Errno.EPERM;
        io.mmemu.mm.vma.Truncate.punchHole(sb.env(), file, offset, len);
        return 0;
    }

    /**
     * Models shmem_setattr() with ATTR_MODE (chmod_common()): the file type stays, the permission bits change.
     *
     * @param newMode the mode chmod() got; only its permission bits (07777) are used
     * @return 0, or -EPERM when F_SEAL_EXEC forbids changing an execute bit
     */
    public long chmod(int newMode) {
        if ((seals & F_SEAL_EXEC) != 0 && ((mode ^ newMode) & 0111) != 0) return -Errno.EPERM;
        mode = Stat.S_IFREG | (newMode & 07777);
        return 0;
    }

    /** {@return the huge page size of a hugetlbfs inode, 0 for a shmem one} */
    public long hugetlbSize() {
        return hugetlbSize;
    }

    /** {@return whether this is a hugetlbfs inode (memfd_create() with MFD_HUGETLB) rather than a shmem one} */
    public boolean isHugetlbfs() {
        return hugetlbSize != 0;
    }

    /** Makes this a hugetlbfs inode of {@code size}-byte pages (hugetlb_file_setup()). */
    void setHugetlbSize(long size) {
        hugetlbSize = size;
    }

    /** {@return shmem_inode_info->seals: the F_SEAL_* bits in force} */
    public int seals() {
        return seals;
    }

    /**
     * Adds seals (memfd_add_seals() has checked that it may).
     *
     * @param more F_SEAL_* bits
     */
    public void addSeals(int more) {
        seals |= more;
    }

    /** {@return whether writes are sealed (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE): is_write_sealed()} */
    public boolean writeSealed() {
        return (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0;
    }

    /**
     * Models memfd_create()'s sealing setup after shmem_file_setup(): MFD_NOEXEC_SEAL clears the
     * execute bits and seals them (sealing then allowed); MFD_ALLOW_SEALING lifts F_SEAL_SEAL.
     *
     * @param noexecSeal   MFD_NOEXEC_SEAL
     * @param allowSealing MFD_ALLOW_SEALING
     */
    void memfdSeals(boolean noexecSeal, boolean allowSealing) {
        if (noexecSeal) {
            mode &= ~0111;
            seals = (seals & ~F_SEAL_SEAL) | F_SEAL_EXEC;
        } else if (allowSealing) {
            seals &= ~F_SEAL_SEAL;
        }
    }

    int nlink() {
        return nlink;
    }

    /** d_instantiate() of a new entry or link(): one more name, which holds a reference. */
    void link() {
        nlink++;
        file.get();
    }

    /** Models shmem_unlink() → drop_nlink(), then the dentry's iput(): unlinked while open, it lives on nameless. */
    void unlink() {
        nlink--;
        if (nlink == 0) file.markDeleted();
        if (file.iput(sb.env())) sb.evicted(this);
    }

    /** An open file takes the inode (its first descriptor, in {@link OpenFile#get}). */
    void openRef() {
        file.get();
    }

    /** __fput() of an open file: its reference goes, and with the last one the pages. */
    void closeRef() {
        if (file.iput(sb.env())) sb.evicted(this);
    }
}
