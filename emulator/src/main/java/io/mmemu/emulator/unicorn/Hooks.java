package io.mmemu.emulator.unicorn;

/** The Java side of Unicorn's hook callbacks. Implementations may throw: the facade catches it at the native boundary. */
public final class Hooks {
    private Hooks() {}

    /**
     * {@code UC_HOOK_TLB_FILL} in {@code UC_TLB_VIRTUAL} mode: Unicorn's own TLB missed on
     * {@code vaddr} (page aligned) for an access of {@code memType} ({@link Uc#MEM_READ},
     * {@link Uc#MEM_WRITE}, {@link Uc#MEM_FETCH}). Returns the physical page address ORed with the
     * {@code Uc.PROT_*} bits the entry allows, or {@link #NO_TRANSLATION}: Unicorn then stops with
     * {@code UC_ERR_EXCEPTION} and RIP at the faulting instruction.
     */
    @FunctionalInterface
    public interface TlbFill {
        long NO_TRANSLATION = -1L;

        long fill(long vaddr, int memType);
    }

    /** {@code UC_HOOK_INSN} for {@code syscall}: RIP is at the instruction; execution continues after it. */
    @FunctionalInterface
    public interface Syscall {
        void onSyscall();
    }

    /** {@code UC_HOOK_INTR}: an interrupt or exception with vector {@code intno} (6 = #UD, 14 = #PF...). */
    @FunctionalInterface
    public interface Interrupt {
        void onInterrupt(int intno);
    }

    /** {@code UC_HOOK_INSN_INVALID}: return true to continue (the hook fixed things), false to stop. */
    @FunctionalInterface
    public interface InvalidInstruction {
        boolean onInvalidInstruction();
    }

    /** {@code UC_HOOK_CODE} / {@code UC_HOOK_BLOCK}: an instruction or block at {@code address} of {@code size} bytes. */
    @FunctionalInterface
    public interface Code {
        void onCode(long address, int size);
    }

    /**
     * {@code UC_HOOK_MEM_READ/WRITE/FETCH}: one access. In {@code UC_TLB_VIRTUAL} mode Unicorn 2.1
     * passes the <em>physical</em> address (measured: UnicornTest).
     */
    @FunctionalInterface
    public interface Memory {
        void onAccess(int memType, long address, int size, long value);
    }
}
