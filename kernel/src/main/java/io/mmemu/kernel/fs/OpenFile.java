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
     * A pipe's buffers (struct pipe_inode_info, fs/pipe.c): a ring of PIPE_DEF_BUFFERS (16) slots,
     * each a struct pipe_buffer holding up to a page of bytes at an offset, and how many ends are
     * open. pipe_write() appends to the last buffer while it has room and may be merged into
     * (PIPE_BUF_FLAG_CAN_MERGE: anonymous pages written by write()), otherwise takes a new slot;
     * vmsplice() gives each piece of user page a slot of its own that nothing merges into; a
     * reader empties the buffers from the tail. A full pipe is one whose 16 slots are all used,
     * whatever the bytes in them, as in Linux (16 one-byte vmsplice() calls fill it).
     */
    public static final class Pipe {
        /** PIPE_DEF_BUFFERS: the slots of a pipe (pipe->max_usage; F_SETPIPE_SZ is not modelled). */
        public static final int PIPE_DEF_BUFFERS = 16;
        /** The bytes one slot holds: a page. */
        public static final int PAGE_SIZE = 4096;
        /** The buffer's size in bytes when every slot is a full page: 64 KiB. */
        public static final int CAPACITY = PIPE_DEF_BUFFERS * PAGE_SIZE;
        /** The largest write that is atomic (include/uapi/linux/limits.h): it goes in whole or waits. */
        public static final int PIPE_BUF = 4096;
        /** Each slot's page (allocated at its first use and kept), the offset and length of its bytes. */
        private final byte[][] page = new byte[PIPE_DEF_BUFFERS][];
        private final int[] offset = new int[PIPE_DEF_BUFFERS];
        private final int[] len = new int[PIPE_DEF_BUFFERS];
        /** PIPE_BUF_FLAG_CAN_MERGE of each slot. */
        private final boolean[] canMerge = new boolean[PIPE_DEF_BUFFERS];
        /** pipe->head and pipe->tail: free-running slot counters; the ring index is the counter mod 16. */
        private int head, tail;
        /** Open read ends across all processes (pipe->readers); 0 makes a write EPIPE. */
        public int readers;
        /** Open write ends across all processes (pipe->writers); 0 makes a read of an empty pipe EOF. */
        public int writers;

        /** An empty pipe with no ends open; the caller counts the ends it makes. */
        public Pipe() {}

        /**
         * The bytes buffered and not yet read (FIONREAD: pipe_ioctl() sums the buffers' lengths).
         *
         * @return a count in [0, {@link #CAPACITY}]
         */
        public int available() {
            int bytes = 0;
            for (int k = 0; k < occupancy(); k++) bytes += length(k);
            return bytes;
        }

        /**
         * Models pipe_empty(): no slot holds a buffer.
         *
         * @return whether the pipe is empty
         */
        public boolean empty() {
            return head == tail;
        }

        /**
         * Models pipe_full() against max_usage: every slot holds a buffer.
         *
         * @return whether no slot is free
         */
        public boolean full() {
            return head - tail >= PIPE_DEF_BUFFERS;
        }

        /**
         * The room pipe_write()'s merge step has in the last buffer: the bytes that may be appended
         * to it (0 when the pipe is empty or the last buffer may not be merged into).
         *
         * @return a count in [0, {@link #PAGE_SIZE}]
         */
        public int mergeRoom() {
            if (empty()) return 0;
            int i = (head - 1) & (PIPE_DEF_BUFFERS - 1);
            return canMerge[i] ? PAGE_SIZE - offset[i] - len[i] : 0;
        }

        /**
         * Appends bytes to the last buffer (pipe_write()'s merge); the caller checked {@link #mergeRoom}.
         *
         * @param src the bytes
         * @param off the index of the first
         * @param n   how many, at most {@link #mergeRoom}
         */
        public void merge(byte[] src, int off, int n) {
            int i = (head - 1) & (PIPE_DEF_BUFFERS - 1);
            System.arraycopy(src, off, page[i], offset[i] + len[i], n);
            len[i] += n;
        }

        /**
         * Fills the next free slot with up to a page of bytes (the caller checked that the pipe is
         * not {@link #full}).
         *
         * @param src       the bytes
         * @param off       the index of the first
         * @param n         how many, at most {@link #PAGE_SIZE}
         * @param mergeable PIPE_BUF_FLAG_CAN_MERGE: later writes may append to this buffer
         */
        public void push(byte[] src, int off, int n, boolean mergeable) {
            int i = head & (PIPE_DEF_BUFFERS - 1);
            if (page[i] == null) page[i] = new byte[PAGE_SIZE];
            System.arraycopy(src, off, page[i], 0, n);
            offset[i] = 0;
            len[i] = n;
            canMerge[i] = mergeable;
            head++;
        }

        /**
         * The buffers in use (pipe_occupancy()).
         *
         * @return a count in [0, {@link #PIPE_DEF_BUFFERS}]
         */
        public int occupancy() {
            return head - tail;
        }

        /**
         * The bytes of a buffer in use.
         *
         * @param k which, counted from the oldest (0) up to {@link #occupancy} - 1
         * @return a count in [1, {@link #PAGE_SIZE}]
         */
        public int length(int k) {
            return len[(tail + k) & (PIPE_DEF_BUFFERS - 1)];
        }

        /**
         * Copies the first bytes of a buffer in use without consuming them.
         *
         * @param k   which, counted from the oldest (0)
         * @param dst where they go, from index 0
         * @param n   how many, at most {@link #length}
         */
        public void peek(int k, byte[] dst, int n) {
            int i = (tail + k) & (PIPE_DEF_BUFFERS - 1);
            System.arraycopy(page[i], offset[i], dst, 0, n);
        }

        /**
         * Consumes the first bytes of the oldest buffer, releasing its slot when none are left
         * (pipe_buf_release(), tail++).
         *
         * @param n how many, at most {@link #length} of buffer 0
         */
        public void consumeTail(int n) {
            int i = tail & (PIPE_DEF_BUFFERS - 1);
            offset[i] += n;
            len[i] -= n;
            if (len[i] == 0) tail++;
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
