package io.mmemu.emulator.lab.pgtable;

/** Physical memory as a page walker sees it: 8-byte little-endian reads at physical addresses. */
@FunctionalInterface
public interface PhysRead {
    /**
     * The 8 bytes at physical address {@code pa} (a paging-structure entry when {@code pa} is
     * 8-byte aligned). An address beyond RAM reads as all ones, as an absent bus does.
     *
     * @param pa a physical address
     * @return the 64-bit value stored there
     */
    long readLong(long pa);
}
