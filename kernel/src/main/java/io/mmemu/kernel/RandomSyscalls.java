package io.mmemu.kernel;

import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import java.util.SplittableRandom;

/**
 * getrandom(2) of drivers/char/random.c, over a generator of the run's own: the bytes are the
 * seed's, never the host's, so a run is the same every time (and a recorder can log them).
 *
 * <p>The generator is the run's seed mixed with a constant of its own, as fault injection's is, so
 * that a program calling getrandom() changes no ASLR or AT_RANDOM draw of a later execve().
 * The pool is always initialised here (crng_ready()), so no call blocks and GRND_NONBLOCK and
 * GRND_RANDOM change nothing but the flag checks, as in Linux since 5.6.
 */
final class RandomSyscalls {
    /** include/uapi/linux/random.h. */
    static final int GRND_NONBLOCK = 0x0001, GRND_RANDOM = 0x0002, GRND_INSECURE = 0x0004;
    /** MAX_RW_COUNT, include/linux/fs.h: INT_MAX rounded down to a page, the most one read or write moves. */
    static final long MAX_RW_COUNT = Integer.MAX_VALUE & PageTypes.PAGE_MASK;
    /** Mixed into the run's seed for this generator (a constant of its own, like FaultInjector's). */
    private static final long SEED_MIX = 0x6a09_e667_f3bc_c909L;

    private final UserAccess uaccess;
    private final SplittableRandom random;
    /** One page of output at a time (preallocated; getrandom() is no hot path, but big reads loop). */
    private final byte[] block = new byte[(int) PageTypes.PAGE_SIZE];
    private RunEvents events;

    RandomSyscalls(UserAccess uaccess, long seed) {
        this.uaccess = uaccess;
        this.random = new SplittableRandom(seed ^ SEED_MIX);
    }

    void setRunEvents(RunEvents events) {
        this.events = events;
    }

    /**
     * Models sys_getrandom() and get_random_bytes_user(): EINVAL for an unknown flag or for
     * GRND_INSECURE with GRND_RANDOM; the count capped at MAX_RW_COUNT (import_ubuf()); then the
     * bytes a page at a time, stopping at a page boundary when a signal is pending; a fault ends
     * the copy, returning the bytes copied before it, or EFAULT when there are none.
     */
    long getrandom(Task task, long buf, long count, int flags) {
        if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0) return -Errno.EINVAL;
        if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM)) return -Errno.EINVAL;
        long len = Long.compareUnsigned(count, MAX_RW_COUNT) > 0 ? MAX_RW_COUNT : count;
        long done = 0;
        while (done < len) {
            long va = buf + done;
            // Up to the end of the user page, so a fault falls exactly where copy_to_iter() would
            // stop, and up to the next page's worth of output, where Linux looks for a signal.
            long toPageEnd = PageTypes.PAGE_SIZE - PageTypes.offsetInPage(va);
            long toCheck = PageTypes.PAGE_SIZE - done % PageTypes.PAGE_SIZE;
            int chunk = (int) Math.min(len - done, Math.min(toPageEnd, toCheck));
            random.nextBytes(block);
            if (events != null) events.random(RunEvents.RANDOM_GETRANDOM, block, chunk);
            if (uaccess.copyToUser(task.mm(), va, block, 0, chunk) < 0) break;
            done += chunk;
            if (done < len && done % PageTypes.PAGE_SIZE == 0 && LinuxSyscalls.signalPending(task)) break;
        }
        return done > 0 || len == 0 ? done : -Errno.EFAULT;
    }
}
