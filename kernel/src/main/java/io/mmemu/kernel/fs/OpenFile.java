package io.mmemu.kernel.fs;

import io.mmemu.mm.vma.MappedFile;

/**
 * An open file description (struct file): what it reads, its position and open flags. Several
 * descriptors may share one (dup), so the position lives here, as in Linux.
 */
public final class OpenFile {
    /** What an open file reads from. */
    public sealed interface Content permits Readable, Console, Directory, PipeEnd, Device {}

    /** A memory character device (drivers/char/mem.c): /dev/null reads EOF, /dev/zero zeros; both swallow writes. */
    public record Device(String name, boolean zero, Stat stat) implements Content {}

    /** One end of a pipe (fs/pipe.c). */
    public record PipeEnd(Pipe pipe, boolean reader) implements Content {}

    /** A pipe's buffer: 16 pages as Linux's default pipe size, and how many ends are open. */
    public static final class Pipe {
        public static final int CAPACITY = 65536, PIPE_BUF = 4096;
        private final byte[] buf = new byte[CAPACITY];
        private int head;
        private int len;
        public int readers;
        public int writers;

        public int available() {
            return len;
        }

        public int free() {
            return CAPACITY - len;
        }

        /** Copies up to {@code n} buffered bytes into {@code dst} without consuming them. */
        public int peek(byte[] dst, int n) {
            int k = Math.min(n, len);
            for (int i = 0; i < k; i++) dst[i] = buf[(head + i) % CAPACITY];
            return k;
        }

        /** Consumes {@code k} bytes that {@link #peek} returned. */
        public void consume(int k) {
            head = (head + k) % CAPACITY;
            len -= k;
        }

        public int write(byte[] src, int n) {
            int k = Math.min(n, free());
            for (int i = 0; i < k; i++) buf[(head + len + i) % CAPACITY] = src[i];
            len += k;
            return k;
        }
    }

    /** An open directory: it can be stat'ed; read() gives EISDIR. */
    public record Directory(Stat stat) implements Content {}

    /** A file with a size and random access: a regular file or a procfs file. */
    public sealed interface Readable extends Content permits Bytes, Generated, Shmem {
        long size();

        /** Copies up to {@code len} bytes at {@code pos}; fewer at end of file. */
        int read(long pos, byte[] dst, int off, int len);

        Stat stat();
    }

    /**
     * A procfs file: generated at its first read (or size query), as a seq_file is, so that a
     * program that opens /proc/self/maps and then allocates sees its own allocation.
     */
    public static final class Generated implements Readable {
        private final java.util.function.Supplier<byte[]> generator;
        private final Stat stat;
        private byte[] data;

        public Generated(java.util.function.Supplier<byte[]> generator, Stat stat) {
            this.generator = generator;
            this.stat = stat;
        }

        private byte[] data() {
            if (data == null) data = generator.get();
            return data;
        }

        @Override
        public long size() {
            return data().length;
        }

        @Override
        public int read(long pos, byte[] dst, int off, int len) {
            byte[] d = data();
            if (pos >= d.length) return 0;
            int n = (int) Math.min(len, d.length - pos);
            System.arraycopy(d, (int) pos, dst, off, n);
            return n;
        }

        @Override
        public Stat stat() {
            return stat;
        }
    }

    /** A regular file: its {@link MappedFile}, shared with its mappings and page cache. */
    public record Bytes(MappedFile mappable, Stat stat) implements Readable {
        @Override
        public long size() {
            return mappable.size();
        }

        @Override
        public int read(long pos, byte[] dst, int off, int len) {
            return mappable.read(pos, dst, off, len);
        }
    }

    /** A tmpfs file: its bytes in its shmem page cache, its size and stat changing as it is written. */
    public record Shmem(TmpfsInode inode) implements Readable {
        @Override
        public long size() {
            return inode.size();
        }

        @Override
        public int read(long pos, byte[] dst, int off, int len) {
            return inode.read(pos, dst, off, len);
        }

        @Override
        public Stat stat() {
            return inode.stat();
        }
    }

    /** The host's stdin/stdout/stderr. */
    public record Console(int hostFd) implements Content {}

    private final Content content;
    private final String path;
    private int flags;
    private long pos;
    /** Descriptors referring to this open file, across processes (f_count). */
    private int refs;

    public OpenFile(Content content, String path, int flags) {
        this.content = content;
        this.path = path;
        this.flags = flags;
    }

    public Content content() {
        return content;
    }

    public String path() {
        return path;
    }

    /** The O_* flags it was opened with (file->f_flags). */
    public int flags() {
        return flags;
    }

    /** F_SETFL: only O_APPEND, O_NONBLOCK, O_DIRECT and O_NOATIME change (SETFL_MASK). */
    public void setStatusFlags(int newFlags) {
        int mask = 0x400 | 0x800 | 0x4000 | 0x40000;
        flags = (flags & ~mask) | (newFlags & mask);
    }

    public long pos() {
        return pos;
    }

    public void setPos(long pos) {
        this.pos = pos;
    }

    /** The object a mapping of this file maps (its inode's page cache), or null when it cannot be mapped. */
    public MappedFile mappable() {
        return switch (content) {
            case Bytes b -> b.mappable();
            case Shmem s -> s.inode().file();
            default -> null;
        };
    }

    /**
     * fget(): one more descriptor refers to this file. The first one makes it an open file that
     * holds its tmpfs inode (so an unlinked file lives on while open): only descriptors count, so
     * that an OpenFile made for a lookup that never becomes one (stat, exec) holds nothing.
     */
    public void get() {
        if (refs++ == 0 && content instanceof Shmem s) s.inode().openRef();
    }

    /** fput(): one descriptor less; true when it was the last (the file is released, __fput()). */
    public boolean put() {
        if (--refs != 0) return false;
        if (content instanceof Shmem s) s.inode().closeRef();
        return true;
    }
}
