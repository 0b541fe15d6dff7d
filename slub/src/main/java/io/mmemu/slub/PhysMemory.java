package io.mmemu.slub;

/**
 * Byte-addressed access to emulated physical memory, little-endian as on x86-64.
 *
 * <p>Objects, free pointers, red zones, poison and tracking records all live here, never
 * in Java objects, so that a guest (or a test) can corrupt them exactly as it would corrupt
 * kernel memory. Accesses need not be aligned. Plain accesses: concurrent racing reads may
 * observe stale values, which the SLUB fast path tolerates exactly as the kernel's does
 * (a stale free pointer only makes the following compare-and-exchange fail).
 */
public interface PhysMemory {
    byte readByte(long phys);

    void writeByte(long phys, byte value);

    int readInt(long phys);

    void writeInt(long phys, int value);

    long readLong(long phys);

    void writeLong(long phys, long value);

    /** Sets {@code length} bytes from {@code phys} to {@code value} (memset()). */
    default void fill(long phys, long length, byte value) {
        for (long i = 0; i < length; i++) {
            writeByte(phys + i, value);
        }
    }

    /** Copies {@code length} bytes; the ranges must not overlap (memcpy()). */
    default void copy(long srcPhys, long dstPhys, long length) {
        for (long i = 0; i < length; i++) {
            writeByte(dstPhys + i, readByte(srcPhys + i));
        }
    }
}
