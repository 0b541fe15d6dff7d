package io.mmemu.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * Resource limits, one set per process (signal->rlim), with init's defaults
 * (include/asm-generic/resource.h, fork_init()): everything unlimited but the stack (8 MiB soft),
 * core files (0 soft), open files (1024/4096), locked memory (8 MiB), the queue limits, and
 * RLIMIT_NPROC and RLIMIT_SIGPENDING at half of threads-max.
 *
 * <p>What setrlimit() accepts takes effect: RLIMIT_NOFILE bounds the descriptor table (EMFILE at
 * the soft limit, {@link io.mmemu.kernel.fs.FdTable}), RLIMIT_NPROC bounds fork and clone
 * ({@link Processes#copyProcessLimits}), RLIMIT_CPU arms the CPU-time check ({@link CpuTimers}),
 * RLIMIT_STACK and RLIMIT_DATA reach the memory model, which reads them when a stack grows or
 * brk moves. Raising a hard limit needs CAP_SYS_RESOURCE (EPERM), and RLIMIT_NOFILE cannot
 * exceed fs.nr_open (1048576) even for root.
 */
final class Rlimits {
    static final int RLIMIT_CPU = 0, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_NPROC = 6,
            RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13,
            RLIMIT_RTPRIO = 14, RLIM_NLIMITS = 16;
    static final long RLIM_INFINITY = -1L;
    /** fs.nr_open's default (sysctl_nr_open, fs/file.c): the highest RLIMIT_NOFILE. */
    static final long NR_OPEN = 1024 * 1024;

    /** The RLIMIT_CPU timer of a process, armed when its soft limit becomes finite (update_rlimit_cpu()). */
    interface CpuLimitListener {
        void armed(Task process);
    }

    private final UserAccess uaccess;
    private final Map<Integer, long[][]> limits = new TreeMap<>();
    /** init's RLIMIT_NPROC and RLIMIT_SIGPENDING: max_threads / 2. */
    private final long initNproc;
    private final CpuLimitListener cpuLimit;

    Rlimits(UserAccess uaccess, int maxThreads, CpuLimitListener cpuLimit) {
        this.uaccess = uaccess;
        this.initNproc = maxThreads / 2;
        this.cpuLimit = cpuLimit;
    }

    private long[][] of(Task t) {
        return limits.computeIfAbsent(t.tgid(), k -> {
            long[][] l = new long[RLIM_NLIMITS][];
            for (int i = 0; i < RLIM_NLIMITS; i++) l[i] = new long[] {RLIM_INFINITY, RLIM_INFINITY};
            l[RLIMIT_STACK] = new long[] {8L << 20, RLIM_INFINITY};
            l[RLIMIT_CORE] = new long[] {0, RLIM_INFINITY};
            l[RLIMIT_NPROC] = new long[] {initNproc, initNproc};
            l[RLIMIT_NOFILE] = new long[] {1024, 4096};
            l[RLIMIT_MEMLOCK] = new long[] {8L << 20, 8L << 20};
            l[RLIMIT_SIGPENDING] = new long[] {initNproc, initNproc};
            l[RLIMIT_MSGQUEUE] = new long[] {819200, 819200};
            l[RLIMIT_NICE] = new long[] {0, 0};
            l[RLIMIT_RTPRIO] = new long[] {0, 0};
            return l;
        });
    }

    /** rlimit(): the soft limit of {@code resource} for {@code t}'s process. */
    long cur(Task t, int resource) {
        return of(t)[resource][0];
    }

    /** rlimit_max(): the hard limit. */
    long max(Task t, int resource) {
        return of(t)[resource][1];
    }

    /** The RLIMIT_NOFILE soft limit as the descriptor table's end (at most fs.nr_open). */
    int nofile(Task t) {
        long soft = cur(t, RLIMIT_NOFILE);
        return (int) (Long.compareUnsigned(soft, NR_OPEN) > 0 ? NR_OPEN : soft);
    }

    /** check_process_timers() raising the RLIMIT_CPU soft limit by a second after a SIGXCPU. */
    void setCur(Task t, int resource, long value) {
        of(t)[resource][0] = value;
    }

    /** copy_signal() at fork: the child inherits the limits. */
    void fork(Task parent, Task child) {
        long[][] src = of(parent);
        long[][] dst = new long[RLIM_NLIMITS][];
        for (int i = 0; i < RLIM_NLIMITS; i++) dst[i] = src[i].clone();
        limits.put(child.tgid(), dst);
    }

    /** The process is gone: its signal_struct with it. */
    void exit(Task t) {
        limits.remove(t.tgid());
    }

    /** Models setrlimit(): the new limit copied in (EFAULT first), then do_prlimit(). */
    long setrlimit(Task t, Cred cred, int resource, long newAddr) {
        long[] next = readRlimit(t, newAddr);
        if (next == null) return -Errno.EFAULT;
        return doPrlimit(t, cred, resource, next, null);
    }

    /** Models getrlimit(): do_prlimit() for the old value, then the copy out. */
    long getrlimit(Task t, int resource, long oldAddr) {
        long[] old = new long[2];
        long r = doPrlimit(t, Cred.ROOT, resource, null, old);
        if (r != 0) return r;
        return writeRlimit(t, oldAddr, old);
    }

    /**
     * Models prlimit64(): the new limit copied in (EFAULT), the target found (ESRCH) and allowed
     * (check_prlimit_permission(): the same uids, or CAP_SYS_RESOURCE), do_prlimit(), and only
     * then the old limit copied out (a bad old pointer still sets the new one).
     *
     * @param target the task {@code pid} names (the caller for pid 0), or null when none
     */
    long prlimit64(Task t, Cred cred, Task target, Cred targetCred, int resource, long newAddr, long oldAddr) {
        long[] next = null;
        if (newAddr != 0) {
            next = readRlimit(t, newAddr);
            if (next == null) return -Errno.EFAULT;
        }
        if (target == null) return -Errno.ESRCH;
        if (target != t) {
            boolean idMatch = cred.uid() == targetCred.euid() && cred.uid() == targetCred.suid()
                    && cred.uid() == targetCred.uid();
            if (!idMatch && !cred.capable(Cred.CAP_SYS_RESOURCE)) return -Errno.EPERM;
        }
        long[] old = oldAddr != 0 ? new long[2] : null;
        long r = doPrlimit(target, cred, resource, next, old);
        if (r == 0 && old != null) r = writeRlimit(t, oldAddr, old);
        return r;
    }

    /**
     * Models do_prlimit(), kernel/sys.c: EINVAL for an unknown resource or soft above hard, EPERM
     * for RLIMIT_NOFILE above fs.nr_open or a hard limit raised without CAP_SYS_RESOURCE (in the
     * caller's credentials {@code cred}); otherwise the old value out, the new one in, and what
     * the new one governs told.
     */
    long doPrlimit(Task tsk, Cred cred, int resource, long[] next, long[] old) {
        if (resource < 0 || resource >= RLIM_NLIMITS) return -Errno.EINVAL;
        if (next != null) {
            if (Long.compareUnsigned(next[0], next[1]) > 0) return -Errno.EINVAL;
            if (resource == RLIMIT_NOFILE && Long.compareUnsigned(next[1], NR_OPEN) > 0) return -Errno.EPERM;
        }
        long[] rlim = of(tsk)[resource];
        if (next != null && Long.compareUnsigned(next[1], rlim[1]) > 0 && !cred.capable(Cred.CAP_SYS_RESOURCE)) {
            return -Errno.EPERM;
        }
        if (old != null) {
            old[0] = rlim[0];
            old[1] = rlim[1];
        }
        if (next == null) return 0;
        rlim[0] = next[0];
        rlim[1] = next[1];
        long soft = next[0] == RLIM_INFINITY ? Long.MAX_VALUE : next[0];
        if (resource == RLIMIT_STACK && tsk.mm() != null) tsk.mm().rlimitStack = soft;
        if (resource == RLIMIT_DATA && tsk.mm() != null) tsk.mm().rlimitData = soft;
        if (resource == RLIMIT_CPU && next[0] != RLIM_INFINITY) cpuLimit.armed(tsk); // update_rlimit_cpu()
        return 0;
    }

    /** struct rlimit {rlim_cur, rlim_max} from user memory, or null (EFAULT). */
    private long[] readRlimit(Task t, long addr) {
        byte[] b = new byte[16];
        if (uaccess.copyFromUser(t.mm(), b, 0, addr, 16) < 0) return null;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return new long[] {bb.getLong(0), bb.getLong(8)};
    }

    private long writeRlimit(Task t, long addr, long[] value) {
        byte[] b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(value[0]).putLong(value[1]).array();
        return uaccess.copyToUser(t.mm(), addr, b, 0, 16) < 0 ? -Errno.EFAULT : 0;
    }
}
