package io.mmemu.kernel.arch;

import java.util.Arrays;

/**
 * Models the user part of struct fpu, arch/x86/include/asm/fpu/types.h, as far as the model
 * keeps it: the x87 control and status words, MXCSR and XMM0-15 of the fxsave image (struct
 * fxregs_state). The x87 register stack and tag word are not kept: no guest of the model relies on
 * them across a signal or fork. A mutable value the CPU fills ({@link ArchRegs#getFpu}) and loads
 * ({@link ArchRegs#setFpu}); signal frames, fork and execve go through it.
 */
public final class FpuState {
    /** The x87 control word after FNINIT: round to nearest, 64-bit precision, every exception masked. */
    public static final int FPCW_INIT = 0x37f;
    /** MXCSR_DEFAULT: round to nearest, every SSE exception masked. */
    public static final int MXCSR_INIT = 0x1f80;

    /** The x87 control word (FCW): rounding, precision and exception masks. */
    public int fpcw;
    /** The x87 status word (FSW): exception flags and the top-of-stack pointer. */
    public int fpsw;
    /** The SSE control and status register: rounding, masks and sticky exception flags. */
    public int mxcsr;
    /** XMM0-15, low quadword then high: XMMn is {@code xmm[2n]} (bits 0-63) and {@code xmm[2n + 1]}. */
    public final long[] xmm = new long[32];
    /**
     * PKRU, the XSAVE state component 9 (struct pkru_state): the thread's protection-key rights,
     * which fork and clone copy and execve resets. Always 0 on a CPU without PKU.
     */
    public int pkru;

    /** A state all zero (not even a valid FCW): {@link #init(int)} or a CPU fills it. */
    public FpuState() {}

    /**
     * Models fpstate_init_fx() for a task that starts afresh (execve's fpu_flush_thread()): FCW
     * as after FNINIT, MXCSR_DEFAULT, everything else zero. musl's printf formats through long
     * double and needs that control word. PKRU becomes {@code initPkru} (pkru_write_default()).
     *
     * @param initPkru pkru_get_init_value(): init_pkru_value with PKU, 0 without
     */
    public void init(int initPkru) {
        fpcw = FPCW_INIT;
        fpsw = 0;
        mxcsr = MXCSR_INIT;
        pkru = initPkru;
        Arrays.fill(xmm, 0);
    }

    /**
     * Copies every field of {@code o} (fpu_clone(): a child starts with its parent's state).
     *
     * @param o the state to copy
     */
    public void copyFrom(FpuState o) {
        fpcw = o.fpcw;
        fpsw = o.fpsw;
        mxcsr = o.mxcsr;
        pkru = o.pkru;
        System.arraycopy(o.xmm, 0, xmm, 0, xmm.length);
    }

    /**
     * A copy of this state.
     *
     * @return a new, independent instance with every field equal
     */
    public FpuState copy() {
        FpuState c = new FpuState();
        c.copyFrom(this);
        return c;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("fpcw=%x fpsw=%x mxcsr=%x".formatted(fpcw, fpsw, mxcsr));
        if (pkru != 0) sb.append(" pkru=%x".formatted(pkru));
        for (int i = 0; i < 16; i++) {
            if (xmm[2 * i] != 0 || xmm[2 * i + 1] != 0) {
                sb.append(" xmm").append(i).append("=%016x%016x".formatted(xmm[2 * i + 1], xmm[2 * i]));
            }
        }
        return sb.toString();
    }
}
