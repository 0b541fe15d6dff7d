package io.mmemu.emulator.lab.pgtable;

/**
 * A page walk's answer: the physical address the virtual address translates to, or the page-fault
 * (#PF) error code the CPU would push (SDM vol. 3A, 4.7; Linux's X86_PF_* bits in
 * arch/x86/include/asm/trap_pf.h).
 *
 * @param fault     whether the walk faulted
 * @param physAddr  the physical address (when it did not fault)
 * @param errorCode the #PF error code (when it faulted)
 */
public record Translation(boolean fault, long physAddr, int errorCode) {
    /** Error-code bit 0, P: 0 = the entry was not present, 1 = a protection violation. */
    public static final int PF_PROT = 1;
    /** Error-code bit 1, W/R: the access was a write. */
    public static final int PF_WRITE = 1 << 1;
    /** Error-code bit 2, U/S: the access came from user mode. */
    public static final int PF_USER = 1 << 2;
    /** Error-code bit 3, RSVD: a reserved bit was set in a paging-structure entry. */
    public static final int PF_RSVD = 1 << 3;
    /** Error-code bit 4, I/D: the access was an instruction fetch. */
    public static final int PF_INSTR = 1 << 4;

    /**
     * A successful translation.
     *
     * @param physAddr the physical address of the byte the virtual address names
     * @return the translation
     */
    public static Translation ok(long physAddr) {
        return new Translation(false, physAddr, 0);
    }

    /**
     * A page fault.
     *
     * @param errorCode the #PF error code ({@link #PF_PROT}, {@link #PF_WRITE}, {@link #PF_USER},
     *     {@link #PF_RSVD}, {@link #PF_INSTR})
     * @return the fault
     */
    public static Translation pageFault(int errorCode) {
        return new Translation(true, 0, errorCode);
    }

    @Override
    public String toString() {
        return fault ? String.format("#PF error code 0x%x (%s)", errorCode, describe(errorCode))
                : String.format("physical address 0x%x", physAddr);
    }

    /**
     * An error code's bits by name, as Linux's show_fault_oops() prints them.
     *
     * @param code a #PF error code
     * @return e.g. "PROT|WRITE|USER"
     */
    public static String describe(int code) {
        return ((code & PF_PROT) != 0 ? "PROT" : "NOT-PRESENT") + ((code & PF_WRITE) != 0 ? "|WRITE" : "|READ")
                + ((code & PF_USER) != 0 ? "|USER" : "|KERNEL") + ((code & PF_RSVD) != 0 ? "|RSVD" : "")
                + ((code & PF_INSTR) != 0 ? "|INSTR" : "");
    }
}
