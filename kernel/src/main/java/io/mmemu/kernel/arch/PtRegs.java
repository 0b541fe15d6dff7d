package io.mmemu.kernel.arch;

/**
 * Models struct pt_regs, arch/x86/include/asm/ptrace.h: a task's user registers as the kernel
 * sees them at an entry from user mode, in Linux's order (r15 first, ss last; cs and ss are
 * constants here and left out). A mutable value: the CPU fills it ({@link ArchRegs#get}, or at
 * a syscall before calling {@link SyscallHandler#syscall}) and loads it back
 * ({@link ArchRegs#set}); the kernel reads and changes it in between. One instance is reused
 * for every syscall of a CPU, so the syscall path allocates nothing.
 *
 * <p>At a syscall the CPU fills it as the {@code syscall} instruction and entry_SYSCALL_64 leave
 * it: {@code rip} is the instruction after the syscall, {@code rcx} the same address and
 * {@code r11} the RFLAGS (the instruction's own clobbers), {@code origRax} the syscall number.
 *
 * <p>{@code fsBase} and {@code gsBase} are not in pt_regs: Linux keeps them in thread_struct
 * (fsbase, gsbase) and loads them at a context switch. They travel here because a CPU saves and
 * loads them with the other user registers, and arch_prctl() and copy_thread() change them.
 */
public final class PtRegs {
    /** orig_rax outside a syscall: entries that are not syscalls store -1 (so no restart happens). */
    public static final long NO_SYSCALL = -1;

    /** General register r15, callee-saved in the C ABI; not a syscall argument. */
    public long r15;
    /** General register r14, callee-saved. */
    public long r14;
    /** General register r13, callee-saved. */
    public long r13;
    /** General register r12, callee-saved. */
    public long r12;
    /** The frame pointer (a general register), callee-saved. */
    public long rbp;
    /** General register rbx, callee-saved. */
    public long rbx;
    /** At a syscall, the RFLAGS the {@code syscall} instruction saved (sysretq restores them from it). */
    public long r11;
    /** A syscall's fourth argument (rcx is taken by the {@code syscall} instruction). */
    public long r10;
    /** A syscall's sixth argument. */
    public long r9;
    /** A syscall's fifth argument. */
    public long r8;
    /** General register rax: where a syscall's result (a value or -errno) goes; {@link #origRax} keeps the number. */
    public long rax;
    /** At a syscall, the return address the {@code syscall} instruction saved (equal to {@link #rip}). */
    public long rcx;
    /** A syscall's third argument. */
    public long rdx;
    /** A syscall's second argument. */
    public long rsi;
    /** A syscall's first argument. */
    public long rdi;
    /** The syscall number at a syscall entry (rax then takes the return value), else {@link #NO_SYSCALL}. */
    public long origRax = NO_SYSCALL;
    /** The user instruction pointer: where the task resumes (after the syscall instruction, at a syscall). */
    public long rip;
    /** RFLAGS of the user context (pt_regs->flags). */
    public long eflags;
    /** The user stack pointer. */
    public long rsp;
    /** thread_struct.fsbase: the FS segment base, the thread pointer of x86-64 TLS (arch_prctl(ARCH_SET_FS)). */
    public long fsBase;
    /** thread_struct.gsbase: the GS segment base (arch_prctl(ARCH_SET_GS)); 0 for most programs. */
    public long gsBase;

    /** Registers all zero, with {@link #origRax} {@link #NO_SYSCALL}: a CPU fills them. */
    public PtRegs() {}

    /**
     * Copies every field of {@code o} (copy_thread() starts a child from its parent's registers).
     *
     * @param o the registers to copy
     */
    public void copyFrom(PtRegs o) {
        r15 = o.r15;
        r14 = o.r14;
        r13 = o.r13;
        r12 = o.r12;
        rbp = o.rbp;
        rbx = o.rbx;
        r11 = o.r11;
        r10 = o.r10;
        r9 = o.r9;
        r8 = o.r8;
        rax = o.rax;
        rcx = o.rcx;
        rdx = o.rdx;
        rsi = o.rsi;
        rdi = o.rdi;
        origRax = o.origRax;
        rip = o.rip;
        eflags = o.eflags;
        rsp = o.rsp;
        fsBase = o.fsBase;
        gsBase = o.gsBase;
    }

    /**
     * A copy of these registers.
     *
     * @return a new, independent instance with every field equal
     */
    public PtRegs copy() {
        PtRegs c = new PtRegs();
        c.copyFrom(this);
        return c;
    }

    @Override
    public String toString() {
        return "rax=%x rbx=%x rcx=%x rdx=%x rsi=%x rdi=%x rbp=%x rsp=%x r8=%x r9=%x r10=%x r11=%x r12=%x r13=%x r14=%x r15=%x rip=%x eflags=%x orig_rax=%d fs_base=%x gs_base=%x"
                .formatted(rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15, rip, eflags,
                        origRax, fsBase, gsBase);
    }
}
