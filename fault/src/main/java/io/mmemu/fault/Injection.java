package io.mmemu.fault;

/**
 * One injected fault: which point, its call number at that point (the replay key), and where the
 * run was when it fired.
 *
 * @param point         the injection point
 * @param call          the point's call number (1 for its first call in the run)
 * @param cpu           the CPU that reached the point
 * @param pid           the task's pid, 0 outside a task
 * @param instructions  instructions executed on all CPUs, or -1 when not counted
 * @param kernelEntries kernel entries of the run so far
 * @param site          what failed, in the point's words (a cache name, an order, a futex op)
 */
public record Injection(FaultPoint point, long call, int cpu, int pid, long instructions, long kernelEntries,
        String site) {}
