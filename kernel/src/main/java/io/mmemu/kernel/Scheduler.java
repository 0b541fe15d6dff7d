package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.Task;
import io.mmemu.trace.Tracer;
import java.io.PrintStream;

/**
 * Which task runs on which CPU, and when: per-CPU run queues, time slices counted in
 * instructions, and the context switch.
 *
 * <h2>Determinism</h2>
 * One host thread drives every CPU in a fixed order: CPU 0 runs its current task for one time
 * slice (or until it sleeps, yields or exits), then CPU 1, and so on round the CPUs. A time slice
 * is a count of instructions ({@link #quantum}), never wall time, so a run is the same every time.
 *
 * <h2>Run queues</h2>
 * A task joins a CPU's run queue when it is created (the CPU with the fewest live tasks, the
 * lowest-numbered on a tie) and stays there: there is no load balancing, so a task's registers
 * live in its own CPU's engine. Each CPU takes its tasks round robin in tid order. Only fault
 * injection moves a task ({@link InstructionFaults}: preempt with migrate=Y), its registers and FPU
 * state carried over as values, as a new thread's first ones are.
 *
 * <h2>Time slices</h2>
 * A task alone in the machine runs without a limit (counting instructions costs time); once a
 * second task exists every run is limited to the quantum, the timer tick. The limit depends on
 * the tasks that exist, not on those runnable: Unicorn counts with a code hook, and adding or
 * removing a hook drops all translated code, which cost 4x on a program whose threads sleep and
 * wake often. A task that creates or wakes another asks for a reschedule, so the running task
 * stops at its next return to user mode and the scheduler looks again at once.
 *
 * <h2>Idle</h2>
 * A CPU with nothing to run is idle: its engine does not run, and it keeps the mm it last ran
 * loaded, as Linux's idle task does (lazy TLB: the idle task has no mm of its own).
 *
 * <h2>Limits</h2>
 * While a limit needs looking at ({@link RunLimits}: an instruction budget or a stop another
 * thread may request; {@link CpuTimers}: a finite RLIMIT_CPU), even a task alone runs in time
 * slices, each ending no later than the next limit, and CPU time is charged to the task after
 * every run. A run that must stop ends with every task left killed (SIGKILL, silently).
 *
 * <h2>Deadlock</h2>
 * When no CPU has anything to run, the machine's clock jumps to the earliest timeout of a futex
 * wait or a timed sleep (poll, select), if any; otherwise every task left sleeps forever and is killed (the host would hang).
 */
final class Scheduler {
    /** The default time slice in instructions. */
    static final long DEFAULT_QUANTUM = 200_000;

    private final ArchCpu[] cpus;
    private final Processes procs;
    private final LinuxSyscalls syscalls;
    private final PrintStream log;
    private final long quantum;
    /** Each CPU's current task (possibly exited or asleep until the CPU picks again), or null when idle. */
    private final Processes.Proc[] running;
    /** The CPU running now (or last): where the kernel work of a syscall or fault happens. */
    private int currentCpu;
    /** The task whose registers each CPU's engine holds (an idle CPU still holds its last task's). */
    private final Processes.Proc[] loaded;
    private final RunLimits limits;
    private final CpuTimers cpuTimers;
    /** The run's recorder or replayer, told of each decision, or null. */
    RunEvents events;
    /** The machine's event stream: told which CPU runs which task. */
    Tracer tracer = Tracer.OFF;
    /** A debugger's hold on the machine, called after every run of a CPU, or null. */
    DebugHook debugHook;
    /** Fault injection's preempt and bitflip points, or null (set once, before the run). */
    private InstructionFaults instructionFaults;

    Scheduler(ArchCpu[] cpus, Processes procs, LinuxSyscalls syscalls, PrintStream log, long quantum, RunLimits limits) {
        this.cpus = cpus;
        this.limits = limits;
        this.cpuTimers = syscalls.cpuTimers;
        this.procs = procs;
        this.syscalls = syscalls;
        this.log = log;
        this.quantum = quantum;
        this.running = new Processes.Proc[cpus.length];
        this.loaded = new Processes.Proc[cpus.length];
    }

    /** Sets fault injection's preempt and bitflip points (before the run). */
    void setInstructionFaults(InstructionFaults f) {
        this.instructionFaults = f;
    }

    /** Puts a new task on the run queue of the CPU with the fewest live tasks. */
    void enqueueNew(Processes.Proc p) {
        int[] load = new int[cpus.length];
        for (Processes.Proc q : procs.all()) if (q != p && q.alive()) load[q.cpu]++;
        int best = 0;
        for (int i = 1; i < cpus.length; i++) if (load[i] < load[best]) best = i;
        p.cpu = best;
    }

    /** The first task, already loaded on CPU 0 by exec. */
    void startFirst(Processes.Proc p) {
        p.cpu = 0;
        running[0] = p;
        loaded[0] = p;
    }

    /** The CPU executing kernel work now: the one whose task is running, else the last one that ran. */
    int currentCpu() {
        return currentCpu;
    }

    /** The task the current CPU runs (or ran last), or null when it has run none. */
    Task currentTask() {
        Processes.Proc p = running[currentCpu] != null ? running[currentCpu] : loaded[currentCpu];
        return p == null ? null : p.task;
    }

    ArchCpu cpuOf(Processes.Proc p) {
        return cpus[p.cpu];
    }

    /**
     * Runs every task until none is left. Returns how the process of {@code first} ended: its
     * exit status, or the fatal signal and where it struck.
     */
    RunOutcome run(Task first) {
        RunOutcome firstKilled = null;
        while (true) {
            boolean ran = false;
            if (limits.mustStop()) {
                if (killAll(first) && firstKilled == null) firstKilled = RunOutcome.killed(Signo.SIGKILL, 0, null);
                break;
            }
            if (cpuTimers.armed()) cpuTimers.startCounting(cpus);
            for (int i = 0; i < cpus.length; i++) {
                if (limits.mustStop()) break;
                Processes.Proc cur = running[i];
                Processes.Proc next = runnable(cur) && !cur.yielded && !cur.preempted ? cur : pickNext(i, cur);
                if (cur != null) cur.yielded = cur.preempted = false;
                if (next == null) {
                    // Idle: the idle task has no mm; the last one stays loaded, lazily (enter_lazy_tlb()).
                    if (running[i] != null) {
                        currentCpu = i;
                        tracer.setCpu(i);
                        tracer.setTask(i, 0, 0);
                        if (events != null) events.schedule(i, 0, RunEvents.SCHED_IDLE);
                        cpus[i].enterLazyTlb();
                    }
                    running[i] = null;
                    continue;
                }
                currentCpu = i;
                if (tracer.enabled()) {
                    tracer.setCpu(i);
                    tracer.setComm(next.task.tgid(), next.task.comm());
                    tracer.setTask(i, next.task.tgid(), next.task.pid());
                }
                if (events != null && next != running[i]) events.schedule(i, next.task.pid(), RunEvents.SCHED_SWITCH);
                if (next != loaded[i]) contextSwitch(cpus[i], loaded[i], next);
                else if (cpus[i].current() != next.task) cpus[i].switchTo(next.task); // back from idle
                loaded[i] = next;
                running[i] = next;
                RunOutcome o;
                InstructionFaults.Action injected = InstructionFaults.Action.NONE;
                do {
                    if (instructionFaults != null) {
                        instructionFaults.beforeRun(cpus[i], debugHook == null ? Long.MAX_VALUE : debugHook.stopAt(cpus[i]));
                    }
                    long slice = timeSlice(next.task);
                    o = cpus[i].run(slice, sliceExact);
                    cpuTimers.account(cpus[i], next.task);
                    if (instructionFaults != null) injected = instructionFaults.afterRun(cpus[i], next.task, o);
                } while (injected == InstructionFaults.Action.RUN_ON && !limits.mustStop());
                if (debugHook != null) debugHook.afterRun(cpus[i], o);
                ran = true;
                Task t = next.task;
                if (o.switched()) {
                    boolean preempted = o.preempted() || injected == InstructionFaults.Action.PREEMPT;
                    if (events != null) {
                        boolean forced = injected == InstructionFaults.Action.PREEMPT
                                || injected == InstructionFaults.Action.MIGRATE;
                        events.schedule(i, t.pid(), forced ? RunEvents.SCHED_PREEMPT
                                : preempted ? RunEvents.SCHED_TICK : RunEvents.SCHED_YIELD);
                    }
                    next.preempted = preempted;
                    if (injected == InstructionFaults.Action.MIGRATE) migrate(i, next);
                    continue;
                }
                if (o.killed()) {
                    t.killBySignal(o.signal());
                    procs.zapOtherThreads(t); // a fatal signal kills the whole group (do_group_exit)
                    if (t.tgid() == first.tgid()) firstKilled = o;
                }
                taskExited(next);
            }
            syscalls.futexes.forgetExited();
            procs.forgetReaped();
            if (ran || limits.mustStop()) continue;
            if (procs.aliveCount() == 0) break;
            long deadline = earliest(syscalls.futexes.earliestDeadline(), procs.earliestSleepDeadline());
            if (deadline >= 0) {
                syscalls.time.advanceClockTo(deadline);
                syscalls.futexes.expire(deadline);
                procs.expireTimedSleeps(deadline);
                continue;
            }
            for (Processes.Proc stuck : procs.alive()) {
                if (!stuck.alive()) continue; // went with a thread of its group killed before it
                log.println("mmemu: pid " + stuck.task.pid() + " (" + stuck.task.comm()
                        + ") sleeps forever with nothing left to wake it: killed");
                stuck.task.killBySignal(9);
                procs.zapOtherThreads(stuck.task);
                if (stuck.task.tgid() == first.tgid() && firstKilled == null) firstKilled = RunOutcome.killed(9, 0, null);
                taskExited(stuck);
            }
            break;
        }
        procs.releaseAll();
        return firstKilled != null ? firstKilled : RunOutcome.exited(first.exitCode());
    }

    /** The earlier of two deadlines, each -1 for none. */
    private static long earliest(long a, long b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /** Whether the last {@link #timeSlice} was cut at a limit, so the run must end exactly there. */
    private boolean sliceExact;

    /**
     * The instructions {@code t} may run before the scheduler looks again: unlimited (0) for a
     * task alone, else the quantum, cut at the next limit that needs a look. A slice cut at a
     * limit (the instruction budget, an RLIMIT_CPU check) is exact ({@link #sliceExact}); the
     * quantum alone is the timer tick, which may end at the next basic block.
     */
    private long timeSlice(Task t) {
        boolean limited = limits.needsTimeSlices() || cpuTimers.armed();
        sliceExact = false;
        if (procs.aliveCount() <= 1 && !limited) return 0;
        long slice = quantum;
        long left = limits.instructionsLeft();
        if (left <= slice) {
            slice = left;
            sliceExact = true;
        }
        if (cpuTimers.armed()) {
            long untilCheck = cpuTimers.untilNextLimit(t, syscalls.rlimits);
            if (untilCheck <= slice) {
                slice = untilCheck;
                sliceExact = true;
            }
        }
        return Math.max(1, slice);
    }

    /**
     * The end of a run cut short ({@link RunLimits}): every task left is killed, as SIGKILL would.
     * Returns whether the process of {@code first} was among them.
     */
    private boolean killAll(Task first) {
        boolean firstKilled = false;
        for (Processes.Proc p : procs.alive()) {
            if (!p.alive()) continue; // went with its group
            firstKilled |= p.task.tgid() == first.tgid();
            p.task.killBySignal(Signo.SIGKILL);
            procs.zapOtherThreads(p.task);
            taskExited(p);
        }
        return firstKilled;
    }

    /** The rest of do_exit() once a task has exited: its group's exit and, for the last thread, the files. */
    private void taskExited(Processes.Proc p) {
        if (procs.exitThread(p)) syscalls.exitProcess(p.task);
    }

    private static boolean runnable(Processes.Proc p) {
        return p != null && p.alive() && !p.sleeping;
    }

    /** The next runnable task of CPU {@code cpu}'s queue after {@code from} in tid order, wrapping round (possibly {@code from} itself). */
    private Processes.Proc pickNext(int cpu, Processes.Proc from) {
        Processes.Proc first = null;
        Processes.Proc after = null;
        int fromTid = from == null ? Integer.MIN_VALUE : from.task.pid();
        for (Processes.Proc p : procs.all()) {
            if (p.cpu != cpu || p.sleeping || !p.alive()) continue;
            if (first == null) first = p;
            if (after == null && p.task.pid() > fromTid) after = p;
        }
        return after != null ? after : first;
    }

    /**
     * Moves {@code p}, just switched out on CPU {@code from}, to the next CPU's run queue (fault
     * injection's preempt with migrate=Y): its registers and FPU state leave the engine as values
     * and load on the new CPU at its next switch, as a new thread's do; the old CPU keeps the mm
     * loaded lazily, as Linux's idle task would.
     */
    private void migrate(int from, Processes.Proc p) {
        int to = (from + 1) % cpus.length;
        if (tracer.on(Tracer.SCHED)) tracer.migrate(p.task.pid(), from, to);
        PtRegs regs = new PtRegs();
        FpuState fpu = new FpuState();
        cpus[from].regs().get(regs);
        cpus[from].regs().getFpu(fpu);
        if (p.ctx != null) {
            p.ctx.close();
            p.ctx = null;
        }
        p.startRegs = regs;
        p.startFpu = fpu;
        p.cpu = to;
        p.preempted = false;
        loaded[from] = null;
        running[from] = null;
        cpus[from].enterLazyTlb();
    }

    /** Models context_switch(), kernel/sched/core.c: park {@code from}'s registers (if it lives on), load {@code to}'s and its mm. */
    private static void contextSwitch(ArchCpu cpu, Processes.Proc from, Processes.Proc to) {
        if (from != null && from.alive()) {
            if (from.ctx == null) from.ctx = cpu.regs().saveContext();
            else from.ctx.save();
        }
        if (to.startRegs != null) {
            cpu.regs().set(to.startRegs);
            cpu.regs().setFpu(to.startFpu);
            to.startRegs = null;
            to.startFpu = null;
        } else {
            to.ctx.restore();
        }
        cpu.switchTo(to.task);
    }
}
