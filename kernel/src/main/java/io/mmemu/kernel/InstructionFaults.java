package io.mmemu.kernel;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.fault.InstructionList;
import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.SchedHook;
import io.mmemu.slub.SchedPoint;
import java.io.PrintStream;
import java.util.Locale;

/**
 * mmemu's fault points that strike between two instructions of a task: {@code preempt} (a forced
 * context switch, or a migration to the next CPU, at instruction counts or at SLUB scheduling
 * points) and {@code bitflip} (a bit of a guest frame flipped at instruction counts).
 *
 * <h2>Instruction counts</h2>
 * A point's {@code at=} counts are the run's total ({@link InstructionList}): instructions executed
 * on all CPUs, which the scheduler's fixed CPU order makes a position in the run. Before each time
 * slice the CPU is told to stop exactly at the next point ({@link ArchCpu#stopAt}); a slice that
 * gets there is an opportunity, which asks {@link FaultInjector#shouldFail} (so a replay chooses
 * among them by call number). A bit is flipped there and the task runs on; a preemption ends the
 * slice as a timer tick would, and the CPU takes the next task of its queue (the same one when it
 * has no other). Arming a point makes the CPUs count instructions from then on.
 *
 * <h2>SLUB scheduling points</h2>
 * With {@code sched-point=NAME}, the kernel's slab allocator calls back at that point of its
 * lock-free fast paths ({@link SchedPoint}); a chosen opportunity does what a task preempting the
 * allocating one on the same CPU would do there (an allocation and a free on the same cache, which
 * move the per-CPU tid on, so the interrupted fast path's cmpxchg fails and it starts over, as
 * with CONFIG_PREEMPT), and the task that was allocating gives up its CPU at its return to user
 * mode. Debug caches (slub_debug) take no fast path and have no such point.
 */
final class InstructionFaults {
    /** What the scheduler does with the task once its slice is over. */
    enum Action {
        /** Nothing injected: the slice's outcome stands. */
        NONE,
        /** A point was reached and nothing chosen there: the same task runs on. */
        RUN_ON,
        /** The task is preempted: the CPU takes the next task of its queue. */
        PREEMPT,
        /** The task is preempted and moves to the next CPU's queue, registers and FPU state with it. */
        MIGRATE
    }

    private final FaultInjector faults;
    private final ArchCpu[] cpus;
    private final RunLimits limits;
    private final MmEnv env;
    private final UserAccess uaccess;
    private final PrintStream log;
    private final Scheduler scheduler;
    private String preemptText = "";
    private String bitflipText = "";
    private InstructionList preemptAt = InstructionList.NONE;
    private InstructionList bitflipAt = InstructionList.NONE;
    /** The count whose points were handled last, so that a slice that runs nothing does not reach them twice. */
    private long handled = -1;
    /** A SLUB scheduling point preempted the current task: it goes at its return to user mode. */
    private boolean schedPointPreempted;
    /** The preempting work of a scheduling point is under way (its own points do not count). */
    private boolean inSchedPoint;
    private final SchedHook schedHook = this::atSchedPoint;

    InstructionFaults(FaultInjector faults, ArchCpu[] cpus, RunLimits limits, MmEnv env, UserAccess uaccess,
            PrintStream log, Scheduler scheduler) {
        this.faults = faults;
        this.cpus = cpus;
        this.limits = limits;
        this.env = env;
        this.uaccess = uaccess;
        this.log = log;
        this.scheduler = scheduler;
    }

    /**
     * Before a slice on {@code cpu}: reads the points' knobs (they may have changed), installs the
     * SLUB hook when a scheduling point is named, and arms the CPU's stop at the next count, or
     * at {@code debugStop} (a debugger's step, {@link DebugHook#stopAt}) when that comes first.
     */
    void beforeRun(ArchCpu cpu, long debugStop) {
        refresh();
        long next = debugStop;
        boolean preempt = !preemptAt.isEmpty() && faults.armed(FaultPoint.PREEMPT);
        boolean bitflip = !bitflipAt.isEmpty() && faults.armed(FaultPoint.BITFLIP);
        boolean any = preempt || bitflip;
        if (any) {
            for (ArchCpu c : cpus) c.countInstructions(); // a no-op once they count
            long total = limits.instructions();
            long point = Long.MAX_VALUE;
            if (preempt) point = preemptAt.next(total);
            if (bitflip) point = Math.min(point, bitflipAt.next(total));
            if (point != Long.MAX_VALUE) next = Math.min(next, cpu.instructions() + (point - total));
        }
        if (any || cpu.instructions() >= 0) cpu.stopAt(next);
    }

    private void refresh() {
        FaultAttr p = faults.attr(FaultPoint.PREEMPT);
        String at = p.text("at");
        if (!at.equals(preemptText)) {
            preemptAt = InstructionList.parse(at);
            preemptText = at;
        }
        at = faults.attr(FaultPoint.BITFLIP).text("at");
        if (!at.equals(bitflipText)) {
            bitflipAt = InstructionList.parse(at);
            bitflipText = at;
        }
        CpuBinding b = env.kernelSlab().cpu();
        boolean hook = !p.text("sched-point").isEmpty();
        if (hook && b.hook() != schedHook) b.setHook(schedHook);
        else if (!hook && b.hook() == schedHook) b.setHook(null);
    }

    /**
     * After a slice of {@code task} on {@code cpu} that ended with {@code o}: the points at the
     * count reached, a bit flipped first, then whether to preempt.
     */
    Action afterRun(ArchCpu cpu, Task task, RunOutcome o) {
        if (preemptAt.isEmpty() && bitflipAt.isEmpty() && !schedPointPreempted) return Action.NONE;
        Action a = Action.NONE;
        long total = cpu.instructions() < 0 ? -1 : limits.instructions();
        if (total > 0 && total != handled && (preemptAt.contains(total) || bitflipAt.contains(total))) {
            handled = total;
            if (bitflipAt.contains(total) && faults.armed(FaultPoint.BITFLIP)) {
                String site = bitflipSite(task, total);
                if (faults.shouldFail(FaultPoint.BITFLIP, 0, site)) bitflip(task);
            }
            a = Action.RUN_ON;
            if (preemptAt.contains(total) && faults.armed(FaultPoint.PREEMPT) && !task.exited() && !o.killed()
                    && faults.shouldFail(FaultPoint.PREEMPT, 0, "at instruction " + total + ", pid " + task.pid()
                            + " on cpu " + cpu.id())) {
                a = migrate() ? Action.MIGRATE : Action.PREEMPT;
            }
            // Only a slice that ended for the point alone (the tick it returns) runs on.
            if (a == Action.RUN_ON && !(o.switched() && o.preempted() && !task.exited())) a = Action.NONE;
        }
        if (schedPointPreempted) {
            schedPointPreempted = false;
            if (!task.exited() && o.switched()) a = migrate() ? Action.MIGRATE : Action.PREEMPT;
        }
        return a;
    }

    private boolean migrate() {
        return faults.attr(FaultPoint.PREEMPT).flag("migrate") && cpus.length > 1;
    }

    /** SchedHook: a SLUB scheduling point of the kernel's allocator (see the class comment). */
    private void atSchedPoint(SchedPoint point, KmemCache cache, CpuBinding b) {
        // One preemption per kernel entry: the preempted task has yet to give up its CPU, and its
        // fast path, retrying, must get past the point (else it would be preempted there for ever).
        if (inSchedPoint || schedPointPreempted || !faults.armed(FaultPoint.PREEMPT) || !schedPointNamed(point)) return;
        if (!faults.shouldFail(FaultPoint.PREEMPT, 0, "sched-point " + point.name().toLowerCase(Locale.ROOT)
                + " in " + cache.name())) {
            return;
        }
        inSchedPoint = true;
        try {
            long object = cache.alloc(b);
            if (object != 0) cache.free(object, b);
        } finally {
            inSchedPoint = false;
        }
        schedPointPreempted = true;
        cpus[scheduler.currentCpu()].requestReschedule();
    }

    private boolean schedPointNamed(SchedPoint point) {
        String want = point.name().toLowerCase(Locale.ROOT);
        for (String n : faults.attr(FaultPoint.PREEMPT).text("sched-point").split("\\+")) {
            String s = n.strip().toLowerCase(Locale.ROOT).replace('-', '_');
            if (s.equals("all") || s.equals(want)) return true;
        }
        return false;
    }

    private String bitflipSite(Task task, long total) {
        FaultAttr a = faults.attr(FaultPoint.BITFLIP);
        String where = a.text("addr").isEmpty() ? "pfn 0x" + Long.toHexString(a.number("pfn"))
                : "addr " + a.text("addr") + " of pid " + (task == null ? 0 : task.pid());
        return where + " bit " + a.number("bit") + " at instruction " + total;
    }

    /** Flips the bit the knobs name; one line on the log when it names no frame. */
    private void bitflip(Task task) {
        FaultAttr a = faults.attr(FaultPoint.BITFLIP);
        long bit = a.number("bit");
        String addr = a.text("addr");
        long pa;
        if (!addr.isEmpty()) {
            long ua = Long.parseUnsignedLong(addr.replaceFirst("^0[xX]", ""), 16) + (bit >>> 3);
            // The frame behind it, faulted in for reading as get_user_pages() would.
            pa = task == null || task.exited() || bit < 0 ? -1 : uaccess.physAddr(task.mm(), ua);
        } else {
            long pfn = a.number("pfn");
            pa = pfn < 0 || bit < 0 || bit >= 8L * PageTypes.PAGE_SIZE ? -1 : (pfn << 12) + (bit >>> 3);
        }
        PhysicalMemory mem = env.mem();
        if (pa < 0 || pa >= mem.size()) {
            log.println("mmemu: bitflip: " + (addr.isEmpty() ? "pfn " + a.number("pfn") : "addr " + addr)
                    + " bit " + bit + " names no frame of guest memory: nothing flipped");
            return;
        }
        env.frameWrites().beforeFrameWrite(pa >>> 12); // translated code of it goes
        mem.putByte(pa, (byte) (mem.getByte(pa) ^ (1 << (bit & 7))));
    }
}
