package io.mmemu.emulator.unicorn;

/** Register numbers of {@code enum uc_x86_reg} (unicorn/x86.h, Unicorn 2.1), for {@link Unicorn#regRead}. */
public final class X86Reg {
    private X86Reg() {}

    public static final int CS = 11, DS = 17, ES = 28, FS = 32, GS = 33, SS = 49;
    public static final int EFLAGS = 25;
    public static final int RAX = 35, RBP = 36, RBX = 37, RCX = 38, RDI = 39, RDX = 40, RIP = 41, RSI = 43, RSP = 44;
    public static final int CR0 = 50, CR2 = 52, CR3 = 53, CR4 = 54, CR8 = 58;
    public static final int R8 = 106, R9 = 107, R10 = 108, R11 = 109, R12 = 110, R13 = 111, R14 = 112, R15 = 113;
    /** Model-specific register: read and written through {@link Unicorn#msrRead}/{@link Unicorn#msrWrite}. */
    public static final int MSR = 248;
    public static final int MXCSR = 249;
    /** XMM0..XMM15 are consecutive: XMM0 + n. */
    public static final int XMM0 = 122;
    public static final int FPCW = 246, FPSW = 31, FPTAG = 247;
    public static final int FS_BASE = 250, GS_BASE = 251;
    public static final int RFLAGS = 253;

    /** The sixteen general-purpose registers in the order of the x86 encoding (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15). */
    public static final int[] GPRS = {RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15};

    /** MSR numbers (Intel SDM vol. 4). */
    public static final int MSR_EFER = 0xC0000080;
    public static final int MSR_FS_BASE = 0xC0000100;
    public static final int MSR_GS_BASE = 0xC0000101;
    public static final int MSR_KERNEL_GS_BASE = 0xC0000102;
}
