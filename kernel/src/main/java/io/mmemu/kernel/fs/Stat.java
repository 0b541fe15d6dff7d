package io.mmemu.kernel.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * struct stat as x86-64 Linux lays it out for fstat/newfstatat (144 bytes, arch/x86/include/uapi/asm/stat.h).
 *
 * @param dev       st_dev: the device the file lives on
 * @param ino       st_ino: the inode number, unique on {@code dev}
 * @param nlink     st_nlink: the number of hard links (names) to the inode
 * @param mode      st_mode: the file type ({@code S_IF*}) and permission bits
 * @param uid       st_uid: the owner's user id
 * @param gid       st_gid: the owner's group id
 * @param rdev      st_rdev: the device a device file stands for, else 0
 * @param size      st_size: the size in bytes
 * @param blksize   st_blksize: the preferred I/O block size in bytes
 * @param blocks    st_blocks: the space allocated, in 512-byte units
 * @param atimeSec  st_atime: last access, seconds since the epoch
 * @param atimeNsec the nanoseconds of {@code atimeSec}
 * @param mtimeSec  st_mtime: last modification, seconds since the epoch
 * @param mtimeNsec the nanoseconds of {@code mtimeSec}
 * @param ctimeSec  st_ctime: last status change, seconds since the epoch
 * @param ctimeNsec the nanoseconds of {@code ctimeSec}
 */
public record Stat(long dev, long ino, long nlink, int mode, int uid, int gid, long rdev, long size, long blksize,
        long blocks, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, long ctimeSec, long ctimeNsec) {

    /** st_mode's file type of a regular file (include/uapi/linux/stat.h). */
    public static final int S_IFREG = 0100000;
    /** st_mode's file type of a character device. */
    public static final int S_IFCHR = 0020000;
    /** st_mode's file type of a directory. */
    public static final int S_IFDIR = 0040000;
    /** st_mode's file type of a FIFO (a pipe). */
    public static final int S_IFIFO = 0010000;
    /** File type: a socket. */
    public static final int S_IFSOCK = 0140000;

    /**
     * A procfs file: regular, 0444, size 0 (as /proc reports it), no times to speak of.
     *
     * @param ino the inode number to report
     * @return the file's status
     */
    public static Stat proc(long ino) {
        return new Stat(0x16, ino, 1, S_IFREG | 0444, 0, 0, 0, 0, 1024, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * The console: shown as a pipe, as when mmemu's standard streams are piped.
     *
     * @param fd the host descriptor (0, 1 or 2) the console end stands for; the inode number derives from it
     * @return the console end's status
     */
    public static Stat console(int fd) {
        return new Stat(0xe, 3 + fd, 1, S_IFIFO | 0600, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * The guest's struct stat: the fields in order, little-endian, with the padding after st_gid.
     *
     * @return 144 bytes, as fstat() copies them to user memory
     */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(144).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(dev).putLong(ino).putLong(nlink).putInt(mode).putInt(uid).putInt(gid).putInt(0).putLong(rdev)
                .putLong(size).putLong(blksize).putLong(blocks).putLong(atimeSec).putLong(atimeNsec).putLong(mtimeSec)
                .putLong(mtimeNsec).putLong(ctimeSec).putLong(ctimeNsec);
        return b.array();
    }
}
