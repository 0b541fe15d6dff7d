package io.mmemu.kernel.arch;

import io.mmemu.mm.task.Task;

/** The kernel as a CPU sees it: the syscall entry, faults, and the return to user mode. */
public interface SyscallHandler {
    /**
     * Models do_syscall_64(): handles the syscall whose number ({@code origRax}) and arguments
     * ({@code rdi rsi rdx r10 r8 r9}) are in {@code regs}, filled by the CPU as {@link PtRegs}
     * says, and leaves the result in {@code regs.rax}. Called from inside the CPU's run (the
     * {@code syscall} instruction's hook), so the CPU loads back only {@code rax}, {@code rcx},
     * {@code r11} and, when they changed, {@code fsBase} and {@code gsBase}: work that moves
     * {@code rip} (restart, sigreturn, execve, signal delivery) waits for {@link #exitToUserMode}.
     * Must not allocate on its common paths.
     *
     * @param cpu  the CPU the syscall runs on
     * @param task the calling task, current on {@code cpu}
     * @param regs the task's registers at the syscall, which the kernel changes in place
     * @return true when the CPU must stop its run so that the kernel gets to {@link #exitToUserMode} (the task
     *         exited, sleeps, or has work pending)
     */
    boolean syscall(ArchCpu cpu, Task task, PtRegs regs);

    /**
     * A fault the task caused and the model could not resolve (force_sig_fault()): {@code trapno}
     * is the x86 exception vector (14 for a page fault), {@code ip} the faulting instruction.
     *
     * @param task   the faulting task
     * @param signal the signal the fault raises, with its si_code and address
     * @param trapno the x86 exception vector
     * @param ip     the address of the faulting instruction
     */
    void forceSigFault(Task task, io.mmemu.mm.fault.FaultResult.Signal signal, int trapno, long ip);

    /**
     * Models emulate_vsyscall(), which do_user_addr_fault() asks first about a fault in the
     * vsyscall page: a call into it runs the legacy syscall and returns to the caller.
     *
     * @param cpu       the CPU, stopped at the faulting fetch
     * @param task      the faulting task
     * @param address   the faulting address
     * @param errorCode the #PF error code
     * @return whether the fault was handled (the call emulated or its signal sent): no other signal then
     */
    default boolean emulateVsyscall(ArchCpu cpu, Task task, long address, int errorCode) {
        return false;
    }

    /**
     * Models exit_to_user_mode(), called by the CPU whenever its run stopped and before it runs
     * the task again: deferred work of the last syscall (restart, rt_sigreturn, execve) and the
     * delivery of pending signals, which may point the registers at a handler.
     *
     * @param cpu  the CPU about to run the task
     * @param task the task, current on {@code cpu}
     * @return 0, or the signal whose default action kills the task
     */
    int exitToUserMode(ArchCpu cpu, Task task);

    /**
     * Models pagefault_out_of_memory() → out_of_memory(): a page fault of {@code task} found no
     * memory. The kernel picks the process with the highest badness and sends it SIGKILL; the
     * faulting task then retries its fault (or dies, if it was the one chosen).
     *
     * @param cpu  the CPU of the fault
     * @param task the task whose page fault found no memory
     */
    void outOfMemory(ArchCpu cpu, Task task);

    /**
     * Models handle_userfault()'s wait: a page fault of {@code task} hit a missing page of a VMA
     * registered with a userfaultfd. The kernel queues the fault's message on the descriptor and
     * puts the task to sleep (or, with a signal pending or the descriptor released, lets it go on);
     * once woken, the task re-executes the faulting instruction.
     *
     * @param cpu   the CPU of the fault, stopped at the faulting instruction
     * @param task  the faulting task
     * @param fault the fault: the context, the address and whether it wrote
     */
    void handleUserfault(ArchCpu cpu, Task task, io.mmemu.mm.fault.FaultResult.Userfault fault);

    /**
     * The siginfo of the signal that killed the task, for the report.
     *
     * @param task  the killed task
     * @param signo the fatal signal's number
     * @return the signal's siginfo as it was queued, or an SI_KERNEL one when none was
     */
    io.mmemu.mm.task.SigInfo killInfo(Task task, int signo);
}
