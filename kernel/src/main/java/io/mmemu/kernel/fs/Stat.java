package io.mmemu.kernel.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** struct stat as x86-64 Linux lays it out for fstat/newfstatat (144 bytes, arch/x86/include/uapi/asm/stat.h). */
public record Stat(long dev, long ino, long nlink, int mode, int uid, int gid, long rdev, long size, long blksize,
        long blocks, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, long ctimeSec, long ctimeNsec) {

    public static final int S_IFREG = 0100000, S_IFCHR = 0020000, S_IFDIR = 0040000, S_IFIFO = 0010000;

    /** A procfs file: regular, 0444, size 0 (as /proc reports it), no times to speak of. */
    public static Stat proc(long ino) {
        return new Stat(0x16, ino, 1, S_IFREG | 0444, 0, 0, 0, 0, 1024, 0, 0, 0, 0, 0, 0, 0);
    }

    /** A character device such as a pipe or terminal standing for the console. */
    public static Stat console(int fd) {
        return new Stat(0xe, 3 + fd, 1, S_IFIFO | 0600, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(144).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(dev).putLong(ino).putLong(nlink).putInt(mode).putInt(uid).putInt(gid).putInt(0).putLong(rdev)
                .putLong(size).putLong(blksize).putLong(blocks).putLong(atimeSec).putLong(atimeNsec).putLong(mtimeSec)
                .putLong(mtimeNsec).putLong(ctimeSec).putLong(ctimeNsec);
        return b.array();
    }
}
