package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The time syscalls of kernel/time/ (posix-timers.c, posix-cpu-timers.c, time.c, hrtimer.c) and
 * sched_yield, over a virtual clock.
 *
 * <p>The clock the guest sees is virtual and deterministic, as everything that affects a run must
 * be. It starts at {@link #VIRTUAL_EPOCH_SECONDS} (for CLOCK_REALTIME and the clocks that follow
 * it; 0 for the others) and advances by one microsecond at every reading, so time moves forward
 * and differences are positive. Sleeping takes no time: nanosleep() and clock_nanosleep() give
 * the CPU to the others, as sched_yield() does; the scheduler jumps the clock to the next futex
 * deadline when nothing else can run ({@link #advanceClockTo}).
 */
final class TimeSyscalls {
    static final long VIRTUAL_EPOCH_SECONDS = 1_767_225_600L; // 2026-01-01T00:00:00Z
    static final long NSEC_PER_SEC = 1_000_000_000L, NSEC_PER_USEC = 1000;
    /** The static clock ids, include/uapi/linux/time.h. */
    static final int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
            CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7,
            CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_SGI_CYCLE = 10, CLOCK_TAI = 11;
    /** CPUCLOCK_* of a CPU clock id (include/linux/posix-timers.h): the low two bits, then PERTHREAD. */
    private static final int CPUCLOCK_MAX = 3, CPUCLOCK_PERTHREAD_MASK = 4, CLOCKFD = 3, CLOCKFD_MASK = 7;
    /** A jiffy at CONFIG_HZ 250: the coarse clocks' resolution. */
    static final long TICK_NSEC = 4_000_000;
    /** sizeof(struct __kernel_timespec). */
    static final int TIMESPEC_SIZE = 16;
    /** sizeof(struct timezone). */
    static final int TIMEZONE_SIZE = 8;

    private final UserAccess uaccess;
    private final Processes procs;
    /** Microseconds since the clock started. */
    private long clockTicks;
    /** Told of every reading and jump, or null. */
    private RunEvents events;

    TimeSyscalls(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
    }

    void setRunEvents(RunEvents events) {
        this.events = events;
    }

    /** The machine's clock jumps forward to {@code monotonicNanos} (nothing could run before it). */
    void advanceClockTo(long monotonicNanos) {
        clockTicks = Math.max(clockTicks, (monotonicNanos + NSEC_PER_USEC - 1) / NSEC_PER_USEC);
        if (events != null) events.clock(-1, clockTicks * NSEC_PER_USEC);
    }

    /** Reads clock {@code clock} (a static id), advancing the virtual clock by a microsecond. */
    long nowNanos(int clock) {
        clockTicks++;
        long ns = clockTicks * NSEC_PER_USEC;
        long now = clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_TAI
                ? VIRTUAL_EPOCH_SECONDS * NSEC_PER_SEC + ns : ns;
        if (events != null) events.clock(clock, now);
        return now;
    }

    /** Models do_sched_yield() (and a sleep, which takes no time here): the CPU goes to the next task of its queue. */
    long schedYield(ArchCpu cpu, Task task) {
        procs.of(task).yielded = true;
        cpu.requestReschedule();
        return 0;
    }

    /**
     * Models posix_cpu_clock_get()'s validation (pid_for_clock()) of a negative clock id: ~pid
     * above the low three bits, which name PROF, VIRT or SCHED (3 is none) of a process or, with
     * the PERTHREAD bit, of a thread; pid 0 is the caller. A thread's clock must be one of the
     * caller's threads; a process's, a process (the caller's own tid names its process too).
     * False for ids that name no clock, and for the descriptor-based ids (CLOCKFD), as no file
     * here is a posix clock.
     */
    private boolean validCpuClock(Task task, int clock) {
        if ((clock & CLOCKFD_MASK) == CLOCKFD) return false;
        if ((clock & 3) >= CPUCLOCK_MAX) return false;
        int pid = ~clock >> 3;
        if (pid == 0) return true;
        Processes.Proc p = procs.byPid(pid);
        if (p == null) return false;
        if ((clock & CPUCLOCK_PERTHREAD_MASK) != 0) return p.task.tgid() == task.tgid();
        return pid == task.pid() || p.task.isGroupLeader();
    }

    /**
     * Models clock_gettime() and clock_getres(): clockid_to_kclock() first (EINVAL for an id that
     * names no clock: 8 to 10 are the alarm clocks, which need an RTC, and the removed SGI cycle
     * counter; 12 and up are none), then the clock's own checks (a CPU clock's pid), then the
     * copy (EFAULT; clock_getres() copies nothing to NULL). Resolutions are 1 ns, and a jiffy for
     * the coarse clocks.
     */
    long clockGettime(Task task, int clock, long tp, boolean getres) {
        if (clock < 0 ? !validCpuClock(task, clock)
                : clock > CLOCK_TAI || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM
                        || clock == CLOCK_SGI_CYCLE) {
            return -Errno.EINVAL;
        }
        long ns;
        if (getres) {
            if (tp == 0) return 0;
            ns = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE ? TICK_NSEC : 1;
        } else {
            ns = nowNanos(clock < 0 ? CLOCK_PROCESS_CPUTIME_ID : clock);
        }
        byte[] b = ByteBuffer.allocate(TIMESPEC_SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(ns / NSEC_PER_SEC)
                .putLong(ns % NSEC_PER_SEC).array();
        return uaccess.copyToUser(task.mm(), tp, b, 0, TIMESPEC_SIZE) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models sys_time(), kernel/time/time.c: the seconds of CLOCK_REALTIME, also stored to {@code tloc} unless NULL. */
    long time(MmStruct mm, long tloc) {
        long s = nowNanos(CLOCK_REALTIME) / NSEC_PER_SEC;
        if (tloc != 0 && uaccess.putUserLong(mm, tloc, s) < 0) return -Errno.EFAULT;
        return s;
    }

    /** CONFIG_HZ of the modelled kernel (Debian's and Fedora's x86-64 builds use 1000 or 250; this is 250). */
    static final long HZ = 250;
    /** USER_HZ: the clock_t unit of times() and /proc. */
    static final long USER_HZ = 100;
    /** INITIAL_JIFFIES: jiffies start 300 s before their 32-bit wrap, so that wrap bugs show early. */
    static final long INITIAL_JIFFIES = (1L << 32) - 300 * HZ;
    /** sizeof(struct tms): four clock_t. */
    static final int TMS_SIZE = 32;

    /**
     * Models sys_times(), kernel/sys.c: the process's user and system CPU time and its waited-for
     * children's (do_sys_times(), in clock ticks) to {@code tbuf} unless NULL (EFAULT), and returns
     * jiffies_64_to_clock_t(get_jiffies_64()): the ticks since boot, counted from INITIAL_JIFFIES.
     * The model's CPU time is all user time (no time is charged to the kernel), and children's
     * CPU time is not summed into their parent at wait (cutime and cstime stay 0).
     *
     * @param cputimeNs the caller's process CPU time in nanoseconds
     */
    long times(MmStruct mm, long tbuf, long cputimeNs) {
        if (tbuf != 0) {
            byte[] b = ByteBuffer.allocate(TMS_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(0, cputimeNs / (NSEC_PER_SEC / USER_HZ)).array();
            if (uaccess.copyToUser(mm, tbuf, b, 0, TMS_SIZE) < 0) return -Errno.EFAULT;
        }
        long jiffies = INITIAL_JIFFIES + nowNanos(CLOCK_BOOTTIME) / (NSEC_PER_SEC / HZ);
        // jiffies_64_to_clock_t() when TICK_NSEC is no multiple of a clock tick (HZ 250): x * TICK_NSEC / (NSEC_PER_SEC / USER_HZ).
        return jiffies * (NSEC_PER_SEC / HZ) / (NSEC_PER_SEC / USER_HZ);
    }

    /** Models gettimeofday(): the time to {@code tv}, then sys_tz (zeros) to {@code tz}, each unless NULL. */
    long gettimeofday(MmStruct mm, long tv, long tz) {
        if (tv != 0) {
            long ns = nowNanos(CLOCK_REALTIME);
            // Two put_user()s: the seconds may be written when the microseconds cannot.
            if (uaccess.putUserLong(mm, tv, ns / NSEC_PER_SEC) < 0
                    || uaccess.putUserLong(mm, tv + 8, ns % NSEC_PER_SEC / NSEC_PER_USEC) < 0) {
                return -Errno.EFAULT;
            }
        }
        if (tz != 0 && uaccess.copyToUser(mm, tz, new byte[TIMEZONE_SIZE], 0, TIMEZONE_SIZE) < 0) return -Errno.EFAULT;
        return 0;
    }
}
