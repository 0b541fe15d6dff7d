package io.mmemu.kernel;

import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.mm.task.Task;

/** The kernel's syscall entry, called from the {@code syscall} instruction hook. */
public interface SyscallHandler {
    /**
     * Handles the syscall whose number and arguments are in {@code cpu}'s registers and writes the
     * result to RAX. Returns true when the CPU must stop (the task exited).
     */
    boolean syscall(Cpu cpu, Task task);

    /**
     * A fault the task caused and the model could not resolve (force_sig_fault()): {@code trapno}
     * is the x86 exception vector (14 for a page fault), {@code ip} the faulting instruction.
     */
    void forceSigFault(Task task, io.mmemu.mm.fault.FaultResult.Signal signal, int trapno, long ip);

    /**
     * Models exit_to_user_mode(): deferred work of the last syscall (rt_sigreturn, execve) and the
     * delivery of pending signals, which may point the registers at a handler. Returns 0, or the
     * signal whose default action kills the task.
     */
    int exitToUserMode(Cpu cpu, Task task);

    /**
     * Models pagefault_out_of_memory() → out_of_memory(): a page fault of {@code task} found no
     * memory. The kernel picks the process with the highest badness and sends it SIGKILL; the
     * faulting task then retries its fault (or dies, if it was the one chosen).
     */
    void outOfMemory(Cpu cpu, Task task);

    /** The siginfo of the signal that killed the task, for the report. */
    io.mmemu.mm.task.SigInfo killInfo(Task task, int signo);
}
