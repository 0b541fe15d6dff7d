package io.mmemu.mm.phys;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;
import static io.mmemu.mm.phys.PageTypes.PAGE_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The guest's RAM: one off-heap segment, physical address 0 at its start, shared by every CPU
 * (a CPU front end maps it once per engine) and by the Java kernel model.
 *
 * <p>It is reserved from the host with an anonymous {@code mmap(MAP_NORESERVE)}: the host kernel
 * hands out zero pages and commits memory only where the guest (or the model) writes, so
 * {@code --ram 16G} starts at once and costs nothing until touched. Page-table entries are read
 * and written with 8-byte accesses that are atomic on x86-64 hosts.
 */
public final class PhysicalMemory implements AutoCloseable {
    private static final ValueLayout.OfLong LONG = JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = JAVA_INT_UNALIGNED;

    private final long base;
    private final long size;
    private final MemorySegment ram;
    private boolean closed;

    private PhysicalMemory(long base, long size) {
        this.base = base;
        this.size = size;
        this.ram = MemorySegment.ofAddress(base).reinterpret(size);
    }

    /**
     * Reserves {@code bytes} of guest RAM (a positive multiple of 2 MiB).
     *
     * @param bytes the size of RAM
     * @return the memory, reading as zero until written
     */
    public static PhysicalMemory reserve(long bytes) {
        if (bytes <= 0 || bytes % PageTypes.PMD_SIZE != 0) {
            throw new IllegalArgumentException("guest RAM size must be a positive multiple of 2 MiB (got " + bytes + ")");
        }
        long p = HostMemory.mmapNoReserve(bytes);
        // Transparent huge pages on the host cut the host's own page faults by 512 for a guest that
        // touches memory densely; still nothing is committed until touched.
        HostMemory.madvise(p, bytes, HostMemory.MADV_HUGEPAGE);
        return new PhysicalMemory(p, bytes);
    }

    /** {@return the whole RAM as a segment (for a CPU front end to map)} */
    public MemorySegment segment() {
        return ram;
    }

    /** {@return the size of RAM in bytes} */
    public long size() {
        return size;
    }

    /** {@return the number of 4 KiB frames} */
    public long nrPages() {
        return size >>> PAGE_SHIFT;
    }

    /**
     * Reads a 64-bit value, little-endian.
     *
     * @param pa the physical address
     * @return the value
     */
    public long getLong(long pa) {
        return ram.get(LONG, pa);
    }

    /**
     * Writes a 64-bit value, little-endian.
     *
     * @param pa    the physical address
     * @param value the value
     */
    public void putLong(long pa, long value) {
        ram.set(LONG, pa, value);
    }

    /**
     * Reads a 32-bit value, little-endian.
     *
     * @param pa the physical address
     * @return the value
     */
    public int getInt(long pa) {
        return ram.get(INT, pa);
    }

    /**
     * Writes a 32-bit value, little-endian.
     *
     * @param pa    the physical address
     * @param value the value
     */
    public void putInt(long pa, int value) {
        ram.set(INT, pa, value);
    }

    /**
     * Reads a byte.
     *
     * @param pa the physical address
     * @return the value
     */
    public byte getByte(long pa) {
        return ram.get(JAVA_BYTE, pa);
    }

    /**
     * Writes a byte.
     *
     * @param pa    the physical address
     * @param value the value
     */
    public void putByte(long pa, byte value) {
        ram.set(JAVA_BYTE, pa, value);
    }

    /**
     * Copies {@code len} bytes at {@code pa} into {@code dst[off..]}.
     *
     * @param pa  the physical address
     * @param dst where to copy to
     * @param off the offset in {@code dst}
     * @param len the number of bytes
     */
    public void read(long pa, byte[] dst, int off, int len) {
        MemorySegment.copy(ram, JAVA_BYTE, pa, dst, off, len);
    }

    /**
     * Copies {@code src[off..off+len)} to {@code pa}.
     *
     * @param pa  the physical address
     * @param src where to copy from
     * @param off the offset in {@code src}
     * @param len the number of bytes
     */
    public void write(long pa, byte[] src, int off, int len) {
        MemorySegment.copy(src, off, ram, JAVA_BYTE, pa, len);
    }

    /**
     * Zeroes frame {@code pfn} (clear_page()).
     *
     * @param pfn the frame number
     */
    public void clearPage(long pfn) {
        ram.asSlice(pfn << PAGE_SHIFT, PAGE_SIZE).fill((byte) 0);
    }

    /**
     * Copies frame {@code srcPfn} to {@code dstPfn} (copy_page()).
     *
     * @param dstPfn the destination frame
     * @param srcPfn the source frame
     */
    public void copyPage(long dstPfn, long srcPfn) {
        MemorySegment.copy(ram, srcPfn << PAGE_SHIFT, ram, dstPfn << PAGE_SHIFT, PAGE_SIZE);
    }

    /**
     * Gives the host memory behind frames [pfn, pfn + count) back; they read as zero afterwards.
     *
     * @param pfn   the first frame
     * @param count the number of frames
     */
    public void discardPages(long pfn, long count) {
        HostMemory.madvise(base + (pfn << PAGE_SHIFT), count << PAGE_SHIFT, HostMemory.MADV_DONTNEED);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        HostMemory.munmap(base, size);
    }
}
