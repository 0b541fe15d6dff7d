package io.mmemu.mm.vma;

import java.nio.file.Path;

/**
 * A file that can back a mapping: its contents, read once, and its page cache (the frames that
 * hold its pages, shared by every private mapping until one writes). The program's own file is
 * the one mapped in this slice.
 */
public final class MappedFile {
    private final Path path;
    private final String displayPath;
    private final byte[] contents;
    private final long[] pageCache;
    private final long dev;
    private final long ino;

    private final long size;

    public MappedFile(Path path, String displayPath, byte[] contents, long dev, long ino) {
        this(path, displayPath, contents, contents.length, dev, ino);
    }

    private MappedFile(Path path, String displayPath, byte[] contents, long size, long dev, long ino) {
        this.path = path;
        this.displayPath = displayPath;
        this.contents = contents;
        this.size = size;
        this.pageCache = new long[(int) ((size + 4095L) >>> 12)];
        java.util.Arrays.fill(pageCache, -1L);
        this.dev = dev;
        this.ino = ino;
    }

    /**
     * Models shmem_zero_setup(): the object behind a shared anonymous mapping, a deleted shmem
     * file of {@code size} bytes whose pages exist only in its page cache, so that every process
     * mapping it (after fork) sees the same frames. /proc/PID/maps names it "/dev/zero (deleted)".
     */
    public static MappedFile shmem(long size, long ino) {
        return new MappedFile(Path.of("/dev/zero"), "/dev/zero (deleted)", null, size, 1, ino);
    }

    /** Whether this is shmem (its pages count as MM_SHMEMPAGES and are zero until written). */
    public boolean isShmem() {
        return contents == null;
    }

    public Path path() {
        return path;
    }

    /** The path as /proc/PID/maps shows it. */
    public String displayPath() {
        return displayPath;
    }

    public long size() {
        return size;
    }

    public long dev() {
        return dev;
    }

    public long ino() {
        return ino;
    }

    /** Copies up to {@code len} bytes at file offset {@code offset} (short at end of file). */
    public int read(long offset, byte[] dst, int dstOff, int len) {
        if (offset >= size) return 0;
        if (contents == null) {
            int n = (int) Math.min(len, size - offset);
            java.util.Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
            return n;
        }
        int n = (int) Math.min(len, contents.length - offset);
        System.arraycopy(contents, (int) offset, dst, dstOff, n);
        return n;
    }

    /** Fills frame {@code pfn} with file page {@code index}, zeros past the end of file (readahead's copy). */
    public void readPageInto(long index, io.mmemu.mm.phys.PhysicalMemory mem, long pfn) {
        long offset = index << 12;
        int n = contents == null ? 0 : (int) Math.max(0, Math.min(io.mmemu.mm.phys.PhysicalMemory.PAGE_SIZE, contents.length - offset));
        long pa = pfn << 12;
        if (n > 0) mem.write(pa, contents, (int) offset, n);
        for (long i = n; i < io.mmemu.mm.phys.PhysicalMemory.PAGE_SIZE; i += 8) mem.putLong(pa + i, 0);
    }

    public int nrPages() {
        return pageCache.length;
    }

    /** The frame caching file page {@code index}, or -1. */
    public long cachedPfn(long index) {
        return index < pageCache.length ? pageCache[(int) index] : -1L;
    }

    public void setCachedPfn(long index, long pfn) {
        pageCache[(int) index] = pfn;
    }
}
