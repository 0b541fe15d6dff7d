package io.mmemu.emulator.cpu;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.kernel.arch.ArchRegs;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import java.lang.foreign.MemorySegment;
import java.util.function.BooleanSupplier;

/**
 * An engine's registers as the kernel's values: {@link PtRegs} with one batch call each way,
 * {@link FpuState} register by register (the binding's batch calls carry 64-bit values only), a
 * task's whole context as a Unicorn context. The arrays the batch calls need are allocated once,
 * so that the syscall path, which reads every user register and writes the results back,
 * allocates nothing.
 *
 * <p>Registers are loaded only between runs: a RIP written from one of the engine's hooks makes
 * Unicorn restart the block, so the kernel moves RIP in exitToUserMode, once the engine stopped;
 * a load from inside a run is refused.
 */
final class EngineRegs implements ArchRegs {
    /** The registers of a {@link PtRegs}, in the order of its fields (struct pt_regs, then the FS and GS bases). */
    private static final int[] PT_REGS = {X86Reg.R15, X86Reg.R14, X86Reg.R13, X86Reg.R12, X86Reg.RBP, X86Reg.RBX,
            X86Reg.R11, X86Reg.R10, X86Reg.R9, X86Reg.R8, X86Reg.RAX, X86Reg.RCX, X86Reg.RDX, X86Reg.RSI, X86Reg.RDI,
            X86Reg.RIP, X86Reg.EFLAGS, X86Reg.RSP, X86Reg.FS_BASE, X86Reg.GS_BASE};
    /** What a syscall changes: its result, and the return address and RFLAGS the instruction leaves in RCX and R11. */
    private static final int[] SYSCALL_RESULT = {X86Reg.RAX, X86Reg.RCX, X86Reg.R11};
    /** The same after arch_prctl() changed a segment base. */
    private static final int[] SYSCALL_RESULT_BASES = {X86Reg.RAX, X86Reg.RCX, X86Reg.R11, X86Reg.FS_BASE,
            X86Reg.GS_BASE};

    private final Unicorn uc;
    private final int cpu;
    /** Whether the engine is inside uc_emu_start (its hooks run). */
    private final BooleanSupplier running;
    private final long[] values = new long[PT_REGS.length];
    private final long[] result = new long[SYSCALL_RESULT.length];
    private final long[] resultBases = new long[SYSCALL_RESULT_BASES.length];
    private final long[] xmm = new long[2];
    /** The engine's PKRU (env->pkru) on a CPU with PKU, else null: PKRU is then always 0. */
    private final MemorySegment pkru;
    /** Told after PKRU changed between runs (a task's register load, a context restored). */
    private final Runnable pkruChanged;
    /** The registers of the syscall being handled, and its segment bases at entry. */
    private final PtRegs syscall = new PtRegs();
    private long entryFsBase, entryGsBase;

    EngineRegs(Unicorn uc, int cpu, BooleanSupplier running, MemorySegment pkru, Runnable pkruChanged) {
        this.uc = uc;
        this.cpu = cpu;
        this.running = running;
        this.pkru = pkru;
        this.pkruChanged = pkruChanged;
    }

    /** {@return the engine's PKRU, 0 on a CPU without PKU} */
    int pkru() {
        return pkru == null ? 0 : pkru.get(JAVA_INT, 0);
    }

    /**
     * Loads PKRU into the engine, as XRSTOR or WRPKRU would (only on a CPU with PKU), and tells the
     * CPU when it changed: the translations Unicorn cached were checked against the old value.
     */
    void setPkru(int value) {
        if (pkru == null || pkru.get(JAVA_INT, 0) == value) return;
        pkru.set(JAVA_INT, 0, value);
        pkruChanged.run();
    }

    /** One batch read into {@code r}; {@code origRax} becomes NO_SYSCALL (the CPU sets it at a syscall). */
    @Override
    public void get(PtRegs r) {
        long[] v = values;
        uc.regReadBatch(PT_REGS, v);
        r.r15 = v[0];
        r.r14 = v[1];
        r.r13 = v[2];
        r.r12 = v[3];
        r.rbp = v[4];
        r.rbx = v[5];
        r.r11 = v[6];
        r.r10 = v[7];
        r.r9 = v[8];
        r.r8 = v[9];
        r.rax = v[10];
        r.rcx = v[11];
        r.rdx = v[12];
        r.rsi = v[13];
        r.rdi = v[14];
        r.rip = v[15];
        r.eflags = v[16];
        r.rsp = v[17];
        r.fsBase = v[18];
        r.gsBase = v[19];
        r.origRax = PtRegs.NO_SYSCALL;
    }

    /** One batch write of every register of {@code r}. */
    @Override
    public void set(PtRegs r) {
        checkStopped();
        long[] v = values;
        v[0] = r.r15;
        v[1] = r.r14;
        v[2] = r.r13;
        v[3] = r.r12;
        v[4] = r.rbp;
        v[5] = r.rbx;
        v[6] = r.r11;
        v[7] = r.r10;
        v[8] = r.r9;
        v[9] = r.r8;
        v[10] = r.rax;
        v[11] = r.rcx;
        v[12] = r.rdx;
        v[13] = r.rsi;
        v[14] = r.rdi;
        v[15] = r.rip;
        v[16] = r.eflags;
        v[17] = r.rsp;
        v[18] = r.fsBase;
        v[19] = r.gsBase;
        uc.regWriteBatch(PT_REGS, v);
    }

    /**
     * The registers at a syscall, in one batch read, as the {@code syscall} instruction and
     * entry_SYSCALL_64 leave them: RIP and RCX the next instruction's address (the hook sees RIP
     * at the syscall, 0f 05), R11 the RFLAGS, orig_rax the number. The same object every time.
     */
    PtRegs enterSyscall() {
        PtRegs r = syscall;
        get(r);
        r.rip += 2;
        r.rcx = r.rip;
        r.r11 = r.eflags;
        r.origRax = r.rax;
        entryFsBase = r.fsBase;
        entryGsBase = r.gsBase;
        return r;
    }

    /**
     * After the kernel handled the syscall: one batch write of what it changed, RAX, RCX and R11,
     * and the FS and GS bases when arch_prctl() changed them. Never RIP: written from the hook it
     * would make Unicorn restart the block.
     */
    void exitSyscall() {
        PtRegs r = syscall;
        if (r.fsBase == entryFsBase && r.gsBase == entryGsBase) {
            result[0] = r.rax;
            result[1] = r.rcx;
            result[2] = r.r11;
            uc.regWriteBatch(SYSCALL_RESULT, result);
            return;
        }
        resultBases[0] = r.rax;
        resultBases[1] = r.rcx;
        resultBases[2] = r.r11;
        resultBases[3] = r.fsBase;
        resultBases[4] = r.gsBase;
        uc.regWriteBatch(SYSCALL_RESULT_BASES, resultBases);
    }

    @Override
    public void getFpu(FpuState into) {
        into.fpcw = (int) uc.regRead(X86Reg.FPCW);
        into.fpsw = (int) uc.regRead(X86Reg.FPSW);
        into.mxcsr = (int) uc.regRead(X86Reg.MXCSR);
        into.pkru = pkru();
        for (int i = 0; i < 16; i++) {
            uc.regRead128(X86Reg.XMM0 + i, xmm);
            into.xmm[2 * i] = xmm[0];
            into.xmm[2 * i + 1] = xmm[1];
        }
    }

    @Override
    public void setFpu(FpuState from) {
        checkStopped();
        uc.regWrite(X86Reg.FPCW, from.fpcw);
        uc.regWrite(X86Reg.FPSW, from.fpsw);
        uc.regWrite(X86Reg.MXCSR, from.mxcsr);
        setPkru(from.pkru);
        for (int i = 0; i < 16; i++) uc.regWrite128(X86Reg.XMM0 + i, from.xmm[2 * i], from.xmm[2 * i + 1]);
    }

    /** uc_context_save() into a new context: every register of the engine. */
    @Override
    public Context saveContext() {
        Unicorn.Context ctx = uc.contextSave();
        return new Context() {
            @Override
            public void save() {
                ctx.save();
            }

            @Override
            public void restore() {
                checkStopped();
                int before = pkru();
                ctx.restore(); // env->pkru is in the context
                if (pkru() != before) pkruChanged.run();
            }

            @Override
            public void close() {
                ctx.close();
            }
        };
    }

    private void checkStopped() {
        if (running.getAsBoolean()) throw new IllegalStateException("cpu " + cpu + ": registers are loaded only between runs");
    }
}
