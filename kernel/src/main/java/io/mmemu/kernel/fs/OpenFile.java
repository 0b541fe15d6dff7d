package io.mmemu.kernel.fs;

import io.mmemu.mm.vma.MappedFile;

/**
 * An open file description (struct file): what it reads, its position and open flags. Several
 * descriptors may share one (dup), so the position lives here, as in Linux.
 */
public final class OpenFile {
    /** What an open file reads from. */
    public sealed interface Content permits Readable, Console, Directory, PipeEnd, Device, Socket, ProcMem, PidFd, Secretmem,
            Userfaultfd {}

    /**
     * A userfaultfd (fs/userfaultfd.c): an anonymous inode's file whose read returns the messages
     * of faults in the VMAs registered with its context, and whose ioctls register ranges and
     * resolve faults. It has no write handler; llseek is noop_llseek(). Without a context it is
     * /dev/userfaultfd itself, whose only handler is the ioctl making userfaultfds.
     *
     * @param ctx  the context (struct userfaultfd_ctx), or null for /dev/userfaultfd
     * @param stat the anonymous inode's status
     */
    public record Userfaultfd(io.mmemu.mm.vma.UserfaultfdCtx ctx, Stat stat) implements Content {}

    /**
     * A memfd_secret() file (mm/secretmem.c): its inode's pages are reached only by mapping it
     * (shared); it has no read, write or llseek handler, and its size can be set once.
     *
     * @param inode the inode, kept as the tmpfs keeps a memfd's (alive while open or mapped)
     */
    public record Secretmem(TmpfsInode inode) implements Content {}

    /**
     * A pidfd (kernel/pid.c, fs/pidfs.c): a reference to a process (its struct pid) that outlives
     * the pid number's reuse. It has no read, write or llseek handler.
     *
     * @param task   the task it refers to (the thread-group leader, or a thread with PIDFD_THREAD)
     * @param thread whether it was opened with PIDFD_THREAD (it names that thread, not its process)
     * @param stat   the file's status
     */
    public record PidFd(io.mmemu.mm.task.Task task, boolean thread, Stat stat) implements Content {}

    /**
     * /proc/PID/mem (fs/proc/base.c): the address space the file was opened for (mem_open() grabs
     * it), read and written at file offset = virtual address; the position may be any 64-bit value
     * (FMODE_UNSIGNED_OFFSET). fstat() shows size 0.
     *
     * @param mm   the address space, or null for a task that had none
     * @param stat the file's status
     */
    public record ProcMem(io.mmemu.mm.vma.MmStruct mm, Stat stat) implements Content {}

    /**
     * A memory character device (drivers/char/mem.c): /dev/null reads EOF, /dev/zero zeros; both swallow writes.
     *
     * @param name the device's name under /dev: "null" or "zero"
     * @param zero true for /dev/zero (reads give zeros), false for /dev/null (reads give EOF)
     * @param stat the device node's status
     */
    public record Device(String name, boolean zero, Stat stat) implements Content {}

    /**
     * A socket's file (sockfs): an AF_UNIX socket of a pair that socketpair() made.
     *
     * @param sock the socket
     */
    public record Socket(UnixSock sock) implements Content {}

    /**
     * One end of a pipe (fs/pipe.c).
     *
     * @param pipe   the pipe both ends share
     * @param reader true for the read end, false for the write end
     */
    public record PipeEnd(Pipe pipe, boolean reader) implements Content {}

    /**
     * A pipe's buffer (struct pipe_inode_info): 16 pages as Linux's default pipe size, a ring of bytes,
     * and how many ends are open.
     */
    public static final class Pipe {
        /** The buffer's size in bytes: PIPE_DEF_BUFFERS (16) pages. */
        public static final int CAPACITY = 65536;
        /** The largest write that is atomic (include/uapi/linux/limits.h): it goes in whole or waits. */
        public static final int PIPE_BUF = 4096;
        private final byte[] buf = new byte[CAPACITY];
        private int head;
        private int len;
        /** Open read ends across all processes (pipe->readers); 0 makes a write EPIPE. */
        public int readers;
        /** Open write ends across all processes (pipe->writers); 0 makes a read of an empty pipe EOF. */
        public int writers;

        /** An empty pipe with no ends open; the caller counts the ends it makes. */
        public Pipe() {}

        /**
         * The bytes buffered and not yet read.
         *
         * @return a count in [0, {@link #CAPACITY}]
         */
        public int available() {
            return len;
        }

        /**
         * The room left for writers.
         *
         * @return a count in [0, {@link #CAPACITY}] bytes
         */
        public int free() {
            return CAPACITY - len;
        }

        /**
         * Copies up to {@code n} buffered bytes into {@code dst} without consuming them.
         *
         * @param dst the destination, from index 0
         * @param n   the most bytes to copy
         * @return the bytes copied: {@code min(n, available())}
         */
        public int peek(byte[] dst, int n) {
            int k = Math.min(n, len);
            for (int i = 0; i < k; i++) dst[i] = buf[(head + i) % CAPACITY];
            return k;
        }

        /**
         * Consumes {@code k} bytes that {@link #peek} returned.
         *
         * @param k the bytes the reader took, at most what {@link #peek} returned
         */
        public void consume(int k) {
            head = (head + k) % CAPACITY;
            len -= k;
        }

        /**
         * Appends up to {@code n} bytes of {@code src}, as many as fit.
         *
         * @param src the bytes to write, from index 0
         * @param n   the most bytes to write
         * @return the bytes written: {@code min(n, free())}
         */
        public int write(byte[] src, int n) {
            int k = Math.min(n, free());
            for (int i = 0; i < k; i++) buf[(head + len + i) % CAPACITY] = src[i];
            len += k;
            return k;
        }
    }

    /**
     * An open directory: it can be stat'ed; read() gives EISDIR.
     *
     * @param stat the directory's status
     */
    public record Directory(Stat stat) implements Content {}

    /** A file with a size and random access: a regular file or a procfs file. */
    public sealed interface Readable extends Content permits Bytes, Generated, Shmem, Attribute, Positional {
        /**
         * The file's size now (i_size).
         *
         * @return the size in bytes
         */
        long size();

        /**
         * Copies up to {@code len} bytes at {@code pos}; fewer at end of file.
         *
         * @param pos the file offset to read from
         * @param dst the destination array
         * @param off the index in {@code dst} of the first byte
         * @param len the most bytes to read
         * @return the bytes read, 0 at or past end of file
         */
        int read(long pos, byte[] dst, int off, int len);

        /**
         * The file's status, as fstat() reports it.
         *
         * @return its struct stat
         */
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

        /**
         * A procfs file not yet generated.
         *
         * @param generator makes the file's contents, called once at the first read or size query
         * @param stat      the file's status
         */
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

    /**
     * A procfs file read at positions, entry by entry, never generated whole (/proc/PID/pagemap:
     * an entry for every page of the address space). fstat() shows size 0, as procfs does.
     *
     * @param reader reads entries at a position
     * @param stat   the file's status
     */
    public record Positional(Reader reader, Stat stat) implements Readable {
        /** How a positional file reads. */
        public interface Reader {
            /**
             * Copies up to {@code len} bytes at {@code pos}; fewer at the end of what there is.
             *
             * @param pos the file offset
             * @param dst the destination array
             * @param off the index in {@code dst} of the first byte
             * @param len the most bytes to read
             * @return the bytes read, 0 past the end, or a negative errno (an unaligned read)
             */
            int read(long pos, byte[] dst, int off, int len);

            /** {@return the end of what can be read, in bytes} */
            long end();
        }

        @Override
        public long size() {
            return reader.end();
        }

        @Override
        public int read(long pos, byte[] dst, int off, int len) {
            return reader.read(pos, dst, off, len);
        }
    }

    /**
     * A kernel attribute file the guest may read and write (a procfs file with a write handler,
     * a debugfs or sysfs attribute): every read shows the value as it is now (simple_read_from_buffer()
     * over a freshly printed buffer), and a write hands the bytes to the attribute's store handler,
     * which parses them and answers the count or an errno. A write leaves the position where it is,
     * as simple_attr_write() and the proc handlers do.
     */
    public static final class Attribute implements Readable {
        /** What an attribute shows and how it takes a write. */
        public interface Ops {
            /** {@return the file's contents now, newline included} */
            byte[] show();

            /**
             * Takes a write.
             *
             * @param data  the first bytes written (as many as the handler's buffer reads)
             * @param count the byte count the caller asked to write
             * @return {@code count} on success, or a negative errno
             */
            long store(byte[] data, long count);

            /**
             * Whether the file has a read handler: a write-only one (/proc/PID/clear_refs) has
             * none, and vfs_read() refuses it (no FMODE_CAN_READ: EINVAL).
             *
             * @return true unless the attribute is write-only
             */
            default boolean canRead() {
                return true;
            }

            /**
             * Takes a write at a file position: by default the position does not matter
             * (simple_attr_write(), the sysfs store handlers).
             *
             * @param pos   the file position written at
             * @param data  the first bytes written (as many as {@link #storeMax} says)
             * @param count the byte count the caller asked to write
             * @return the bytes taken, or a negative errno
             */
            default long storeAt(long pos, byte[] data, long count) {
                return store(data, count);
            }

            /** {@return whether a write moves the position by what it took (the proc sysctl handlers' *ppos += *lenp)} */
            default boolean advancesPosition() {
                return false;
            }

            /** {@return the most bytes of a write the handler reads} */
            default int storeMax() {
                return STORE_MAX;
            }

            /**
             * Reads at a position: by default {@link #show}'s bytes from there
             * (simple_read_from_buffer()).
             *
             * @param pos the file position
             * @param dst the destination array
             * @param off the index in {@code dst} of the first byte
             * @param len the most bytes to read
             * @return the bytes read, 0 at or past the end
             */
            default int readAt(long pos, byte[] dst, int off, int len) {
                byte[] d = show();
                if (pos >= d.length) return 0;
                int n = (int) Math.min(len, d.length - pos);
                System.arraycopy(d, (int) pos, dst, off, n);
                return n;
            }
        }

        /** The most bytes a store handler reads of a write (its buffer: debugfs' set_buf is 24, kstrtox' 35). */
        public static final int STORE_MAX = 64;

        private final Ops ops;
        private final Stat stat;

        /**
         * An attribute file.
         *
         * @param ops  its show and store handlers
         * @param stat the file's status (size 0, as procfs, debugfs and sysfs report)
         */
        public Attribute(Ops ops, Stat stat) {
            this.ops = ops;
            this.stat = stat;
        }

        /**
         * Hands a write to the store handler.
         *
         * @param data  the first bytes written, at most {@link #STORE_MAX}
         * @param count the byte count of the write
         * @return {@code count}, or a negative errno
         */
        public long store(byte[] data, long count) {
            return ops.store(data, count);
        }

        /** {@return whether reads are allowed: false for a write-only attribute (EINVAL)} */
        public boolean canRead() {
            return ops.canRead();
        }

        /**
         * The attribute's handlers.
         *
         * @return its show and store handlers
         */
        public Ops ops() {
            return ops;
        }

        @Override
        public long size() {
            return ops.show().length;
        }

        @Override
        public int read(long pos, byte[] dst, int off, int len) {
            return ops.readAt(pos, dst, off, len);
        }

        @Override
        public Stat stat() {
            return stat;
        }
    }

    /**
     * A regular file: its {@link MappedFile}, shared with its mappings and page cache.
     *
     * @param mappable the file's contents and page cache, as mmap() maps it
     * @param stat     the host file's status
     */
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

    /**
     * A tmpfs file: its bytes in its shmem page cache, its size and stat changing as it is written.
     *
     * @param inode the tmpfs inode, which may be unlinked while open
     */
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

    /**
     * The host's stdin/stdout/stderr.
     *
     * @param hostFd the host's descriptor it reads or writes: 0, 1 or 2
     */
    public record Console(int hostFd) implements Content {}

    private final Content content;
    private final String path;
    private int flags;
    private long pos;
    /** Descriptors referring to this open file, across processes (f_count). */
    private int refs;

    /**
     * A new open file description at position 0 with no descriptor yet (alloc_file()).
     *
     * @param content what it reads and writes
     * @param path    the absolute guest path it was opened by
     * @param flags   the open() flags ({@code O_*})
     */
    public OpenFile(Content content, String path, int flags) {
        this.content = content;
        this.path = path;
        this.flags = flags;
    }

    /**
     * What this open file reads and writes.
     *
     * @return its content, fixed at open
     */
    public Content content() {
        return content;
    }

    /**
     * The path it was opened by.
     *
     * @return the absolute, normalized guest path
     */
    public String path() {
        return path;
    }

    /**
     * The O_* flags it was opened with (file->f_flags), as {@link #setStatusFlags} changed them.
     *
     * @return the flags
     */
    public int flags() {
        return flags;
    }

    /**
     * Models setfl() for F_SETFL: only O_APPEND, O_NONBLOCK, O_DIRECT and O_NOATIME change (SETFL_MASK).
     *
     * @param newFlags the flags as fcntl() got them; the bits outside SETFL_MASK are ignored
     */
    public void setStatusFlags(int newFlags) {
        int mask = 0x400 | 0x800 | 0x4000 | 0x40000;
        flags = (flags & ~mask) | (newFlags & mask);
    }

    /**
     * The file position (f_pos), shared by every descriptor of this open file.
     *
     * @return the offset in bytes of the next read or write
     */
    public long pos() {
        return pos;
    }

    /**
     * Moves the file position (lseek(), or after a read or write).
     *
     * @param pos the new offset in bytes
     */
    public void setPos(long pos) {
        this.pos = pos;
    }

    /**
     * The object a mapping of this file maps (its inode's page cache).
     *
     * @return the mappable file, or null when this file cannot be mapped (ENODEV)
     */
    public MappedFile mappable() {
        return switch (content) {
            case Bytes b -> b.mappable();
            case Shmem s -> s.inode().file();
            case Secretmem s -> s.inode().file();
            default -> null;
        };
    }

    /**
     * fget(): one more descriptor refers to this file. The first one makes it an open file that
     * holds its tmpfs inode (so an unlinked file lives on while open): only descriptors count, so
     * that an OpenFile made for a lookup that never becomes one (stat, exec) holds nothing.
     */
    void get() {
        if (refs++ == 0 && content instanceof Shmem s) s.inode().openRef();
    }

    /**
     * fput(): one descriptor less.
     *
     * @return true when it was the last (the file is released, __fput())
     */
    boolean put() {
        if (--refs != 0) return false;
        if (content instanceof Shmem s) s.inode().closeRef();
        return true;
    }
}
