package io.mmemu.emulator.lab.pgtable;

/** The kind of memory access a translation is for (SDM vol. 3A, 4.6: data read, data write, instruction fetch). */
public enum AccessType {
    /** A data read. */
    READ,
    /** A data write. */
    WRITE,
    /** An instruction fetch. */
    FETCH
}
