package io.mmemu.emulator.unicorn;

/** Constants of unicorn.h (Unicorn 2.1) that callers of the facade need. */
public final class Uc {
    private Uc() {}

    public static final int ARCH_X86 = 4;
    public static final int MODE_64 = 1 << 3;

    /** uc_prot: what a TLB entry or a mapping allows. */
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_ALL = 7;

    /** uc_mem_type: the access a TLB fill or memory hook reports. */
    public static final int MEM_READ = 16, MEM_WRITE = 17, MEM_FETCH = 18;
    public static final int MEM_READ_UNMAPPED = 19, MEM_WRITE_UNMAPPED = 20, MEM_FETCH_UNMAPPED = 21;
    public static final int MEM_WRITE_PROT = 22, MEM_READ_PROT = 23, MEM_FETCH_PROT = 24, MEM_READ_AFTER = 25;

    /** uc_hook_type bits. */
    public static final int HOOK_INTR = 1, HOOK_INSN = 1 << 1, HOOK_CODE = 1 << 2, HOOK_BLOCK = 1 << 3;
    public static final int HOOK_MEM_READ = 1 << 10, HOOK_MEM_WRITE = 1 << 11, HOOK_MEM_FETCH = 1 << 12;
    public static final int HOOK_INSN_INVALID = 1 << 14, HOOK_EDGE_GENERATED = 1 << 15, HOOK_TLB_FILL = 1 << 17;

    /** uc_x86_insn values for {@code UC_HOOK_INSN}. */
    public static final int X86_INS_SYSCALL = 699;

    /** uc_tlb_type. */
    public static final int TLB_CPU = 0, TLB_VIRTUAL = 1;

    /** uc_cpu_x86 models. */
    public static final int CPU_X86_QEMU64 = 0, CPU_X86_HASWELL = 19, CPU_X86_SKYLAKE_CLIENT = 21,
            CPU_X86_SKYLAKE_SERVER = 22, CPU_X86_EPYC = 35;

    /** uc_ctl request numbers, as the UC_CTL_READ/WRITE macros build them: type | nr << 26 | rw << 30. */
    static int ctl(int type, int nrArgs, int rw) {
        return type | (nrArgs << 26) | (rw << 30);
    }

    static final int CTL_IO_WRITE = 1, CTL_IO_READ = 2;
    static final int CTL_UC_PAGE_SIZE = 1, CTL_CPU_MODEL = 7, CTL_TB_REMOVE_CACHE = 9, CTL_TB_FLUSH = 10,
            CTL_TLB_FLUSH = 11, CTL_TLB_TYPE = 12, CTL_TCG_BUFFER_SIZE = 13;

    /** Packs a version as uc_version returns it: major << 24 | minor << 16 | patch << 8. */
    public static int makeVersion(int major, int minor, int patch) {
        return major << 24 | minor << 16 | patch << 8;
    }
}
