package io.mmemu.emulator.debug;

import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.proc.TableWalk;
import io.mmemu.mm.vma.MmStruct;

/**
 * Reads a task's memory by virtual address for the debugger, through its page tables without
 * touching them (no fault is taken, no Accessed bit set): an address that is not mapped yet cannot
 * be read, as gdb says of a core file's missing page.
 */
final class GuestMemory {
    private final MmStruct mm;
    private final PhysicalMemory mem;

    GuestMemory(MmStruct mm) {
        this.mm = mm;
        this.mem = mm.env().mem();
    }

    /**
     * Reads {@code len} bytes at {@code vaddr} into {@code dst}.
     *
     * @return how many bytes were read: fewer than {@code len} when a page on the way is not mapped
     */
    int read(long vaddr, byte[] dst, int len) {
        int done = 0;
        while (done < len) {
            long va = vaddr + done;
            long pa = TableWalk.translate(mm, va);
            if (pa < 0) return done;
            int n = (int) Math.min(len - done, 4096 - (va & 0xfff));
            mem.read(pa, dst, done, n);
            done += n;
        }
        return done;
    }

    /**
     * Reads a little-endian value of {@code size} bytes (1, 2, 4 or 8).
     *
     * @throws UnmappedException when the bytes are not all mapped
     */
    long readValue(long vaddr, int size) {
        byte[] b = new byte[size];
        int n = read(vaddr, b, size);
        if (n < size) throw new UnmappedException(vaddr + n);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | (b[i] & 0xff);
        return v;
    }

    /** A read reached an address that is not mapped. */
    static final class UnmappedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long address;

        UnmappedException(long address) {
            super(String.format("Cannot access memory at address 0x%x (not mapped: `pte 0x%x` shows where the walk stops)",
                    address, address));
            this.address = address;
        }
    }
}
