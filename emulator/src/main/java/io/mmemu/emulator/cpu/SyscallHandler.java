package io.mmemu.emulator.cpu;

import io.mmemu.mm.task.Task;

/** The kernel's syscall entry, called from the {@code syscall} instruction hook. */
public interface SyscallHandler {
    /**
     * Handles the syscall whose number and arguments are in {@code cpu}'s registers and writes the
     * result to RAX. Returns true when the CPU must stop (the task exited).
     */
    boolean syscall(Cpu cpu, Task task);
}
