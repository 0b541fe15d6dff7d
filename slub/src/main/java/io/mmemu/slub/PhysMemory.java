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
    /**
     * Reads one byte.
     *
     * @param phys a physical address
     * @return the byte stored there
     */
    byte readByte(long phys);

    /**
     * Writes one byte.
     *
     * @param phys  a physical address
     * @param value the byte to store
     */
    void writeByte(long phys, byte value);

    /**
     * Reads a 32-bit value.
     *
     * @param phys a physical address
     * @return the little-endian 32-bit value stored there
     */
    int readInt(long phys);

    /**
     * Writes a 32-bit value.
     *
     * @param phys  a physical address
     * @param value the 32-bit value to store, little-endian
     */
    void writeInt(long phys, int value);

    /**
     * Reads a 64-bit value.
     *
     * @param phys a physical address
     * @return the little-endian 64-bit value stored there
     */
    long readLong(long phys);

    /**
     * Writes a 64-bit value.
     *
     * @param phys  a physical address
     * @param value the 64-bit value to store, little-endian
     */
    void writeLong(long phys, long value);

    /**
     * Sets {@code length} bytes from {@code phys} to {@code value} (memset()).
     *
     * @param phys   the first byte's physical address
     * @param length the number of bytes
     * @param value  the byte to store in each
     */
    default void fill(long phys, long length, byte value) {
        for (long i = 0; i < length; i++) {
            writeByte(phys + i, value);
        }
    }

    /**
     * Copies {@code length} bytes; the ranges must not overlap (memcpy()).
     *
     * @param srcPhys the source's physical address
     * @param dstPhys the destination's physical address
     * @param length  the number of bytes
     */
    default void copy(long srcPhys, long dstPhys, long length) {
        for (long i = 0; i < length; i++) {
            writeByte(dstPhys + i, readByte(srcPhys + i));
        }
    }
}
