package io.mmemu.kernel.elf;

/** The auxiliary-vector entry types Linux gives an x86-64 process, include/uapi/linux/auxvec.h. */
public enum AuxType {
    /** Ends the vector; its value is 0. */
    AT_NULL(0),
    /** The address of the program headers in memory. */
    AT_PHDR(3),
    /** The size in bytes of one program header (sizeof(Elf64_Phdr), 56). */
    AT_PHENT(4),
    /** The number of program headers (e_phnum). */
    AT_PHNUM(5),
    /** The page size in bytes (ELF_EXEC_PAGESIZE). */
    AT_PAGESZ(6),
    /** The interpreter's load address; 0 for a static program. */
    AT_BASE(7),
    /** Flags; always 0 on Linux. */
    AT_FLAGS(8),
    /** The program's entry point, relocated. */
    AT_ENTRY(9),
    /** The real user id. */
    AT_UID(11),
    /** The effective user id. */
    AT_EUID(12),
    /** The real group id. */
    AT_GID(13),
    /** The effective group id. */
    AT_EGID(14),
    /** The address of the platform string ("x86_64") on the stack. */
    AT_PLATFORM(15),
    /** The CPU feature bits: CPUID.1:EDX on x86 (ELF_HWCAP). */
    AT_HWCAP(16),
    /** The frequency of times() in ticks per second (USER_HZ). */
    AT_CLKTCK(17),
    /** Non-zero for a secure-mode (set-user-id) exec: the C library then ignores some environment variables. */
    AT_SECURE(23),
    /** The address of 16 random bytes on the stack (glibc seeds its stack protector with them). */
    AT_RANDOM(25),
    /** More CPU feature bits (x86's elf_hwcap2: ring-3 MWAIT, FSGSBASE). */
    AT_HWCAP2(26),
    /** The size of the struct rseq features the kernel supports. */
    AT_RSEQ_FEATURE_SIZE(27),
    /** The alignment struct rseq needs. */
    AT_RSEQ_ALIGN(28),
    /** The address of the program's file name, as execve() got it, on the stack. */
    AT_EXECFN(31),
    /** The address of the vDSO's ELF header; absent without a vDSO. */
    AT_SYSINFO_EHDR(33),
    /** The least stack a signal frame needs for the CPU's xstate (get_sigframe_size()). */
    AT_MINSIGSTKSZ(51);

    private final int value;

    AuxType(int value) {
        this.value = value;
    }

    /**
     * The a_type number written on the stack.
     *
     * @return the AT_* value of include/uapi/linux/auxvec.h (or arch/x86/include/uapi/asm/auxvec.h)
     */
    public int value() {
        return value;
    }
}
