package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.ArchRegs;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.kernel.arch.SyscallHandler;
import io.mmemu.mm.task.Task;
import io.mmemu.tlb.linux.MmContexts;
import io.mmemu.tlb.linux.TlbManagement;
import java.util.function.Consumer;

/**
 * A CPU for the kernel's tests: its registers live in {@link #regs} and {@link #fpu}, and it
 * executes no instructions. A test plays the program: it sets registers and calls
 * {@link #syscall}, which does what the emulator's CPU does at a {@code syscall} instruction (the
 * kernel gets a {@link PtRegs} as entry_SYSCALL_64 leaves it, only RAX, RCX, R11 and the segment
 * bases come back, and exit_to_user_mode runs when the kernel asks for it). For the scheduler,
 * {@link #run} runs {@link #program} once for the current task.
 *
 * <p>Like the real CPU it refuses register loads from inside a syscall: a kernel that wrote RIP
 * there would make Unicorn restart the block, so such a test fails here instead.
 */
final class FakeCpu implements ArchCpu, ArchRegs {
    /** The user registers and FPU state of the task on this CPU, as the program sees them. */
    final PtRegs regs = new PtRegs();
    final FpuState fpu = new FpuState();
    /** What {@link #run} does for the current task: the test's stand-in for its instructions. */
    Consumer<FakeCpu> program = cpu -> {
        throw new AssertionError("cpu " + cpu.id + " was asked to run pid " + cpu.current.pid() + " but has no program");
    };
    /** The signal exit_to_user_mode killed the task with after the last syscall, or 0. */
    int killedBy;

    private final int id;
    private final SyscallHandler kernel;
    private final TlbManagement tlbManagement;
    private final MmContexts contexts;
    private final PtRegs entry = new PtRegs();
    private Task current;
    private boolean inSyscall;
    private boolean rescheduleRequested;
    private long instructions = -1;

    FakeCpu(int id, SyscallHandler kernel, TlbManagement tlbManagement, MmContexts contexts) {
        this.id = id;
        this.kernel = kernel;
        this.tlbManagement = tlbManagement;
        this.contexts = contexts;
    }

    /**
     * The {@code syscall} instruction with number {@code nr} and up to six arguments (RDI, RSI,
     * RDX, R10, R8, R9: those not given keep their values, as after a libc wrapper), at the
     * current RIP; returns the syscall's result (what RAX held when the kernel returned, before
     * exit_to_user_mode's work such as a signal frame or sigreturn).
     */
    long syscall(Syscall call, long... args) {
        return syscall(call.nr, args);
    }

    /** The {@code syscall} instruction with a number that need not be in the table. */
    long syscall(long nr, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("a syscall takes at most 6 arguments (got " + args.length + ")");
        regs.rax = nr;
        if (args.length > 0) regs.rdi = args[0];
        if (args.length > 1) regs.rsi = args[1];
        if (args.length > 2) regs.rdx = args[2];
        if (args.length > 3) regs.r10 = args[3];
        if (args.length > 4) regs.r8 = args[4];
        if (args.length > 5) regs.r9 = args[5];
        entry.copyFrom(regs);
        entry.rip += 2;
        entry.rcx = entry.rip;
        entry.r11 = entry.eflags;
        entry.origRax = nr;
        inSyscall = true;
        boolean stop;
        try {
            stop = kernel.syscall(this, current, entry);
        } finally {
            inSyscall = false;
        }
        regs.rip = entry.rip;
        regs.rax = entry.rax;
        regs.rcx = entry.rcx;
        regs.r11 = entry.r11;
        regs.fsBase = entry.fsBase;
        regs.gsBase = entry.gsBase;
        long result = entry.rax;
        killedBy = 0;
        if (stop && !current.exited()) killedBy = kernel.exitToUserMode(this, current);
        return result;
    }

    // ------------------------------------------------------------------ ArchCpu

    @Override
    public int id() {
        return id;
    }

    @Override
    public Task current() {
        return current;
    }

    @Override
    public void switchTo(Task task) {
        current = task;
        tlbManagement.switchMmIrqsOff(id, contexts.contextOf(task.mm()));
    }

    @Override
    public void enterLazyTlb() {
        current = null;
        tlbManagement.enterLazyTlb(id);
    }

    /** As the emulator's CPU: signals first, then the program, then how the task ended up. */
    @Override
    public RunOutcome run(long quantum, boolean exact) {
        Task task = current;
        rescheduleRequested = false;
        int early = kernel.exitToUserMode(this, task);
        if (early != 0) return RunOutcome.killed(early, regs.rip, null);
        killedBy = 0;
        program.accept(this);
        if (task.exited()) return RunOutcome.exited(task.exitCode());
        if (killedBy != 0) return RunOutcome.killed(killedBy, regs.rip, null);
        return RunOutcome.yielded();
    }

    @Override
    public void requestReschedule() {
        rescheduleRequested = true;
    }

    @Override
    public boolean rescheduleRequested() {
        return rescheduleRequested;
    }

    @Override
    public long instructions() {
        return instructions;
    }

    @Override
    public void countInstructions() {
        if (instructions < 0) instructions = 0;
    }

    @Override
    public ArchRegs regs() {
        return this;
    }

    @Override
    public void close() {
    }

    // ------------------------------------------------------------------ ArchRegs

    @Override
    public void get(PtRegs into) {
        into.copyFrom(regs);
        into.origRax = PtRegs.NO_SYSCALL;
    }

    @Override
    public void set(PtRegs from) {
        checkNotInSyscall();
        regs.copyFrom(from);
        regs.origRax = PtRegs.NO_SYSCALL;
    }

    @Override
    public void getFpu(FpuState into) {
        into.copyFrom(fpu);
    }

    @Override
    public void setFpu(FpuState from) {
        checkNotInSyscall();
        fpu.copyFrom(from);
    }

    @Override
    public Context saveContext() {
        return new Context() {
            private final PtRegs savedRegs = regs.copy();
            private final FpuState savedFpu = fpu.copy();

            @Override
            public void save() {
                savedRegs.copyFrom(regs);
                savedFpu.copyFrom(fpu);
            }

            @Override
            public void restore() {
                checkNotInSyscall();
                regs.copyFrom(savedRegs);
                fpu.copyFrom(savedFpu);
            }

            @Override
            public void close() {
            }
        };
    }

    private void checkNotInSyscall() {
        if (inSyscall) {
            throw new AssertionError("cpu " + id + ": the kernel loaded registers inside a syscall (Unicorn would restart "
                    + "the block); registers now: " + regs);
        }
    }
}
