package io.mmemu.mm.slab;

import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.slub.PhysMemory;

/** Guest RAM seen from SLUB: objects, free pointers and debug metadata live in it, little-endian. */
public final class PhysicalMemoryAdapter implements PhysMemory {
    private final PhysicalMemory mem;

    /**
     * SLUB's view of {@code mem}.
     *
     * @param mem guest physical memory
     */
    public PhysicalMemoryAdapter(PhysicalMemory mem) {
        this.mem = mem;
    }

    @Override
    public byte readByte(long phys) {
        return mem.getByte(phys);
    }

    @Override
    public void writeByte(long phys, byte value) {
        mem.putByte(phys, value);
    }

    @Override
    public int readInt(long phys) {
        return mem.getInt(phys);
    }

    @Override
    public void writeInt(long phys, int value) {
        mem.putInt(phys, value);
    }

    @Override
    public long readLong(long phys) {
        return mem.getLong(phys);
    }

    @Override
    public void writeLong(long phys, long value) {
        mem.putLong(phys, value);
    }

    /** memset(): one segment fill instead of SLUB's byte loop (poisoning writes whole objects). */
    @Override
    public void fill(long phys, long length, byte value) {
        mem.segment().asSlice(phys, length).fill(value);
    }

    /** memcpy(): one segment copy. */
    @Override
    public void copy(long srcPhys, long dstPhys, long length) {
        java.lang.foreign.MemorySegment ram = mem.segment();
        java.lang.foreign.MemorySegment.copy(ram, srcPhys, ram, dstPhys, length);
    }
}
