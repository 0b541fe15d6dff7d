package io.mmemu.fault;

/**
 * Where an injection happens, as the machine running it knows: the current task, the CPU and the
 * position of the run. The kernel sets one on its {@link FaultInjector}; without one, every call
 * is taken as outside a task (in_task() false) on CPU 0 at an unknown position.
 */
public interface FaultContext {
    /** {@return the task the CPU runs kernel code for, or null outside a task} */
    FaultTask current();

    /** {@return the CPU running the code that reached the point} */
    int cpu();

    /** {@return the pid of {@link #current}, or 0 outside a task} */
    int pid();

    /** {@return instructions executed on all CPUs so far, or -1 when they are not counted} */
    long instructions();

    /** {@return kernel entries (syscalls, page faults, time slices) so far: a position that costs nothing to keep} */
    long kernelEntries();

    /** {@return dump_stack()'s first line for the current task: "CPU: 0 PID: 2 Comm: prog"} */
    String describe();
}
