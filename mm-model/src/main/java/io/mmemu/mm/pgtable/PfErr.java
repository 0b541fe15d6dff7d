package io.mmemu.mm.pgtable;

/** Bits of the x86 page-fault error code (SDM vol. 3A, 4.7; arch/x86/include/asm/trap_pf.h X86_PF_*). */
public final class PfErr {
    private PfErr() {}

    /** X86_PF_PROT: 0 = the page was not present, 1 = a protection violation. */
    public static final int PROT = 1;
    /** X86_PF_WRITE: the access was a write. */
    public static final int WRITE = 1 << 1;
    /** X86_PF_USER: the access came from user mode. */
    public static final int USER = 1 << 2;
    /** X86_PF_RSVD: a reserved bit was set in a paging-structure entry. */
    public static final int RSVD = 1 << 3;
    /** X86_PF_INSTR: the access was an instruction fetch. */
    public static final int INSTR = 1 << 4;
    /** X86_PF_PK: protection-key violation. */
    public static final int PK = 1 << 5;

    /**
     * The error code as Linux's show_fault_oops prints its parts.
     *
     * @param code a #PF error code
     * @return its parts joined by '|', e.g. "PROT|WRITE|USER"
     */
    public static String describe(int code) {
        return ((code & PROT) != 0 ? "PROT" : "NOT-PRESENT") + ((code & WRITE) != 0 ? "|WRITE" : "|READ")
                + ((code & USER) != 0 ? "|USER" : "|KERNEL") + ((code & RSVD) != 0 ? "|RSVD" : "")
                + ((code & INSTR) != 0 ? "|INSTR" : "") + ((code & PK) != 0 ? "|PK" : "");
    }
}
