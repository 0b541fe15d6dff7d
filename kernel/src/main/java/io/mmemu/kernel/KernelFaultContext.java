package io.mmemu.kernel;

import io.mmemu.fault.FaultContext;
import io.mmemu.fault.FaultTask;
import io.mmemu.mm.task.Task;

/**
 * Where the kernel is when a fault point is reached: the task the current CPU runs, the CPU,
 * and the run's position (instructions when counted, kernel entries always).
 */
final class KernelFaultContext implements FaultContext {
    private final Scheduler scheduler;
    private final RunLimits limits;
    private final LinuxSyscalls syscalls;

    KernelFaultContext(Scheduler scheduler, RunLimits limits, LinuxSyscalls syscalls) {
        this.scheduler = scheduler;
        this.limits = limits;
        this.syscalls = syscalls;
    }

    @Override
    public FaultTask current() {
        return scheduler.currentTask();
    }

    @Override
    public int cpu() {
        return scheduler.currentCpu();
    }

    @Override
    public int pid() {
        Task t = scheduler.currentTask();
        return t == null ? 0 : t.pid();
    }

    @Override
    public long instructions() {
        return limits.instructions();
    }

    @Override
    public long kernelEntries() {
        return syscalls.kernelEntries();
    }

    /** dump_stack()'s header line, show_regs_print_info(): "CPU: 0 PID: 2 Comm: prog". */
    @Override
    public String describe() {
        Task t = scheduler.currentTask();
        return "CPU: " + cpu() + " PID: " + (t == null ? 0 : t.pid()) + " Comm: " + (t == null ? "swapper" : t.comm());
    }
}
