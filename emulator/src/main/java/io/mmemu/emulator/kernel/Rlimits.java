package io.mmemu.emulator.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * Resource limits (kernel/sys.c do_prlimit()) with init's defaults (include/asm-generic/resource.h):
 * everything unlimited but the stack (8 MiB soft), core files (0 soft), open files (1024/4096),
 * locked memory (8 MiB) and the queue limits. RLIMIT_STACK and RLIMIT_DATA reach the memory
 * model, which reads them when a stack grows or brk moves.
 */
final class Rlimits {
    static final int RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIM_NLIMITS = 16;
    static final long RLIM_INFINITY = -1L;

    private final UserAccess uaccess;
    private final Map<Integer, long[][]> limits = new TreeMap<>();

    Rlimits(UserAccess uaccess) {
        this.uaccess = uaccess;
    }

    private long[][] of(Task t) {
        return limits.computeIfAbsent(t.tgid(), k -> {
            long[][] l = new long[RLIM_NLIMITS][];
            for (int i = 0; i < RLIM_NLIMITS; i++) l[i] = new long[] {RLIM_INFINITY, RLIM_INFINITY};
            l[RLIMIT_STACK] = new long[] {8L << 20, RLIM_INFINITY};
            l[4] = new long[] {0, RLIM_INFINITY};             // RLIMIT_CORE
            l[7] = new long[] {1024, 4096};                   // RLIMIT_NOFILE
            l[8] = new long[] {8L << 20, 8L << 20};           // RLIMIT_MEMLOCK
            l[12] = new long[] {819200, 819200};              // RLIMIT_MSGQUEUE
            l[13] = new long[] {0, 0};                        // RLIMIT_NICE
            l[14] = new long[] {0, 0};                        // RLIMIT_RTPRIO
            return l;
        });
    }

    /** copy_signal() at fork: the child inherits the limits. */
    void fork(Task parent, Task child) {
        long[][] src = of(parent);
        long[][] dst = new long[RLIM_NLIMITS][];
        for (int i = 0; i < RLIM_NLIMITS; i++) dst[i] = src[i].clone();
        limits.put(child.tgid(), dst);
    }

    /**
     * Models sys_prlimit64() for the calling process: the new limit is copied in first (EFAULT
     * before any other check), then the pid is looked up (ESRCH), then do_prlimit(); the old limit
     * is copied out only when that succeeded, after the new one took effect.
     */
    long prlimit(Task t, int pid, int resource, long newAddr, long oldAddr) {
        long[] next = null;
        if (newAddr != 0 && (next = copyRlimitFromUser(t, newAddr)) == null) return -Errno.EFAULT;
        if (pid != 0 && pid != t.tgid()) return -Errno.ESRCH;
        long[] old = oldAddr != 0 ? new long[2] : null;
        long r = doPrlimit(t, resource, next, old);
        return r == 0 && old != null ? copyRlimitToUser(t, oldAddr, old) : r;
    }

    /** Models sys_getrlimit(): do_prlimit() first (EINVAL), then the copy, which a NULL pointer fails too. */
    long getrlimit(Task t, int resource, long rlim) {
        long[] old = new long[2];
        long r = doPrlimit(t, resource, null, old);
        return r == 0 ? copyRlimitToUser(t, rlim, old) : r;
    }

    /** Models sys_setrlimit(): the copy first (EFAULT, NULL too), then do_prlimit(). */
    long setrlimit(Task t, int resource, long rlim) {
        long[] next = copyRlimitFromUser(t, rlim);
        return next == null ? -Errno.EFAULT : doPrlimit(t, resource, next, null);
    }

    /** Models do_prlimit(): EINVAL for an unknown resource or soft > hard; the old limit out, then the new one set. */
    private long doPrlimit(Task t, int resource, long[] next, long[] old) {
        if (resource < 0 || resource >= RLIM_NLIMITS) return -Errno.EINVAL;
        if (next != null && Long.compareUnsigned(next[0], next[1]) > 0) return -Errno.EINVAL;
        long[] cur = of(t)[resource];
        if (old != null) System.arraycopy(cur, 0, old, 0, 2);
        if (next != null) {
            of(t)[resource] = next;
            long soft = next[0] == RLIM_INFINITY ? Long.MAX_VALUE : next[0];
            if (resource == RLIMIT_STACK) t.mm().rlimitStack = soft;
            if (resource == RLIMIT_DATA) t.mm().rlimitData = soft;
        }
        return 0;
    }

    /** A struct rlimit {cur, max} from user memory, or null on EFAULT. */
    private long[] copyRlimitFromUser(Task t, long addr) {
        byte[] b = new byte[16];
        if (uaccess.copyFromUser(t.mm(), b, 0, addr, 16) < 0) return null;
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return new long[] {bb.getLong(0), bb.getLong(8)};
    }

    private long copyRlimitToUser(Task t, long addr, long[] limit) {
        byte[] b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(limit[0]).putLong(limit[1]).array();
        return uaccess.copyToUser(t.mm(), addr, b, 0, 16) < 0 ? -Errno.EFAULT : 0;
    }
}
