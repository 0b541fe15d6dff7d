package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import java.util.Map;
import java.util.TreeMap;

/**
 * Process CPU time on the virtual clock, and RLIMIT_CPU as check_process_timers()
 * (kernel/time/posix-cpu-timers.c) enforces it.
 *
 * <h2>The clock</h2>
 * A process's CPU time is the instructions its threads executed, {@link #NS_PER_INSTRUCTION} ns
 * each: a 100 MIPS CPU, about the rate at which mmemu emulates while it counts instructions, so
 * that a CPU second of the guest costs about a second of the host. Counts are exact and
 * deterministic, but counting costs a native call per instruction (several times slower on a tight
 * loop), so the CPUs count only once something needs it: from the start with --stats or
 * --max-instructions, otherwise from the first finite RLIMIT_CPU a process sets. CPU time spent
 * before counting began is not seen (a shell's {@code ulimit -t} before it runs a program works).
 *
 * <h2>The check</h2>
 * Linux checks at the timer tick of the CPU running the process; here, at every return to user
 * mode after the engine stopped (a syscall that needed the kernel, a fault, a signal, the end of a
 * time slice), and while some process has a finite RLIMIT_CPU every time slice ends at that
 * process's next limit, so a task alone in the machine stops there too. At the hard limit the
 * process gets SIGKILL; at the soft limit SIGXCPU, and the soft limit moves a second on (getrlimit()
 * shows it), so a process that handles SIGXCPU gets one every CPU second until the hard limit.
 */
final class CpuTimers {
    /** Virtual CPU time per instruction, in nanoseconds. */
    static final long NS_PER_INSTRUCTION = 10;
    static final long NSEC_PER_SEC = 1_000_000_000L;

    private final Processes procs;
    /** Instructions executed by each process (thread group), by tgid: its CPUCLOCK_PROF sample. */
    private final Map<Integer, Long> used = new TreeMap<>();
    /** Each CPU's instruction count when it was last accounted. */
    private final long[] lastCount = new long[Kernel.MAX_CPUS];
    /** A process has set a finite RLIMIT_CPU: the CPUs must count. */
    private boolean armed;

    CpuTimers(Processes procs) {
        this.procs = procs;
    }

    /** update_rlimit_cpu(): a process now has a finite RLIMIT_CPU. */
    void arm() {
        armed = true;
    }

    /** Whether a finite RLIMIT_CPU was ever set, so that the CPUs must count and time slices end at limits. */
    boolean armed() {
        return armed;
    }

    /** Makes every CPU count instructions (between runs: adding a hook inside one would drop the code it runs). */
    void startCounting(ArchCpu[] cpus) {
        for (ArchCpu c : cpus) {
            if (c.instructions() >= 0) continue;
            c.countInstructions();
            lastCount[c.id()] = c.instructions();
        }
    }

    /** Charges the instructions {@code cpu} ran since it was last accounted to {@code t}'s process (account_exec_runtime). */
    void account(ArchCpu cpu, Task t) {
        long now = cpu.instructions();
        if (now < 0) return;
        long delta = now - lastCount[cpu.id()];
        lastCount[cpu.id()] = now;
        if (delta > 0) used.merge(t.tgid(), delta, Long::sum);
    }

    /** The CPU time of {@code t}'s process in nanoseconds (thread_group_cputime()'s sum). */
    long cputimeNs(Task t) {
        return saturatingMul(used.getOrDefault(t.tgid(), 0L), NS_PER_INSTRUCTION);
    }

    /**
     * Models check_process_timers()'s RLIMIT_CPU part for {@code t}'s process: SIGKILL at the
     * hard limit, else SIGXCPU at the soft limit with the soft limit moved one second on. Both
     * are process-directed with SEND_SIG_PRIV (si_code SI_KERNEL).
     */
    void checkProcessTimers(Task t, Rlimits rlimits) {
        long soft = rlimits.cur(t, Rlimits.RLIMIT_CPU);
        if (soft == Rlimits.RLIM_INFINITY) return;
        long hard = rlimits.max(t, Rlimits.RLIMIT_CPU);
        long ptime = cputimeNs(t);
        if (hard != Rlimits.RLIM_INFINITY && ptime >= seconds(hard)) {
            send(t, Signo.SIGKILL);
            return;
        }
        if (ptime >= seconds(soft)) {
            send(t, Signo.SIGXCPU);
            rlimits.setCur(t, Rlimits.RLIMIT_CPU, soft + 1);
        }
    }

    /** Instructions {@code t}'s process may still run before its next RLIMIT_CPU check is due (at least 1), or Long.MAX_VALUE. */
    long untilNextLimit(Task t, Rlimits rlimits) {
        long soft = rlimits.cur(t, Rlimits.RLIMIT_CPU);
        if (soft == Rlimits.RLIM_INFINITY) return Long.MAX_VALUE;
        long hard = rlimits.max(t, Rlimits.RLIMIT_CPU);
        long next = seconds(soft);
        if (hard != Rlimits.RLIM_INFINITY) next = Math.min(next, seconds(hard));
        long left = (next - cputimeNs(t) + NS_PER_INSTRUCTION - 1) / NS_PER_INSTRUCTION;
        return Math.max(1, left);
    }

    /** The process is gone (its signal_struct with its CPU time). */
    void exit(Task t) {
        used.remove(t.tgid());
    }

    private void send(Task t, int sig) {
        Processes.Proc target = procs.signalTarget(t.tgid(), sig);
        if (target == null) return;
        Signals.send(target.task, SigInfo.user(sig, SiCode.SI_KERNEL, 0, 0));
        procs.wakeAll();
    }

    /** An rlimit in seconds (unsigned) as nanoseconds, saturating. */
    private static long seconds(long s) {
        if (s < 0 || s > Long.MAX_VALUE / NSEC_PER_SEC) return Long.MAX_VALUE;
        return s * NSEC_PER_SEC;
    }

    private static long saturatingMul(long a, long b) {
        return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }
}
