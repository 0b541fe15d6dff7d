package io.mmemu.mm.vma;

/**
 * Memory-deny-write-execute (prctl PR_SET_MDWE, Linux 6.3+): an address space with
 * MMF_HAS_MDWE set refuses, with EACCES, any mapping that would be writable and executable and
 * any existing mapping becoming executable ({@link #mapDenyWriteExec}). The bits live in
 * {@link MmStruct#mdwe} as PR_GET_MDWE reports them; fork and exec keep them unless
 * PR_MDWE_NO_INHERIT was set ({@link #mmfInitFlags}).
 */
public final class Mdwe {
    private Mdwe() {}

    /** PR_MDWE_REFUSE_EXEC_GAIN: MMF_HAS_MDWE. */
    public static final int PR_MDWE_REFUSE_EXEC_GAIN = 1;
    /** PR_MDWE_NO_INHERIT: MMF_HAS_MDWE_NO_INHERIT, children start without MDWE. */
    public static final int PR_MDWE_NO_INHERIT = 2;

    /**
     * Models map_deny_write_exec(), include/linux/mman.h (6.12): under MDWE, a new or changed VMA
     * may not be executable and writable, nor become executable when it was not.
     *
     * @param mm       the address space (current->mm)
     * @param oldFlags the VMA's VM_* flags before (for a new mapping, its flags)
     * @param newFlags its VM_* flags after
     * @return whether the change must be refused with EACCES
     */
    public static boolean mapDenyWriteExec(MmStruct mm, int oldFlags, int newFlags) {
        if ((mm.mdwe & PR_MDWE_REFUSE_EXEC_GAIN) == 0) return false;
        if ((newFlags & VmFlags.VM_EXEC) == 0) return false;
        if ((newFlags & VmFlags.VM_WRITE) != 0) return true;
        return (oldFlags & VmFlags.VM_EXEC) == 0;
    }

    /**
     * Models mmf_init_flags(), kernel/fork.c, for the MDWE bits: what a child's (fork) or a new
     * program's (exec: mm_alloc() copies current->mm's flags) address space starts with. With
     * NO_INHERIT both bits go; MMF_HAS_MDWE_NO_INHERIT itself is not in MMF_INIT_MASK.
     *
     * @param bits the parent's bits
     * @return the child's bits
     */
    public static int mmfInitFlags(int bits) {
        return (bits & PR_MDWE_NO_INHERIT) != 0 ? 0 : bits & PR_MDWE_REFUSE_EXEC_GAIN;
    }
}
