package io.mmemu.kernel;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Fast user-space mutexes (kernel/futex/): the wait queue behind musl's pthread mutexes,
 * condition variables, joins and barriers.
 *
 * <p>A waiter is queued under a key: for a FUTEX_PRIVATE_FLAG operation the mm and the virtual
 * address (get_futex_key()'s private key), otherwise the physical address of the futex word, so
 * that processes sharing a page meet on it. The queue is one list in arrival order, so that wakes
 * go first-come first-served and deterministically.
 *
 * <p>How a wait sleeps: FUTEX_WAIT checks the word and queues the task, and the syscall returns
 * {@link LinuxSyscalls#BLOCK}: the task sleeps and re-executes the same syscall whenever it is
 * woken, for whatever reason. The re-execution finds the task's queue entry: if a FUTEX_WAKE
 * took it, the wait returns 0; if a signal is pending, -ERESTARTSYS (-ERESTART_RESTARTBLOCK with
 * a timeout: EINTR once a handler runs); a timeout that expired, -ETIMEDOUT; otherwise the task
 * sleeps again without re-reading the word (a real waiter does not notice that the word changed,
 * only that it was woken).
 *
 * <p>fail_futex: get_futex_key() asks should_fail_futex() where Linux does, and the operation
 * fails with EFAULT: once for every key (after the alignment check), and for a shared key
 * (no FUTEX_PRIVATE_FLAG) once more before the page is looked up, and a third time when the word
 * lies in an anonymous page. A re-executed wait finds its queue entry and takes no key, so
 * sleeping and waking add no calls.
 */
final class Futexes {
    static final int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAIT_BITSET = 9,
            FUTEX_WAKE_BITSET = 10, FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
    static final int FUTEX_BITSET_MATCH_ANY = -1;

    /** One queued waiter (struct futex_q). */
    static final class Waiter {
        final Processes.Proc proc;
        /** The mm of a private key; null for a shared key (then {@code addr} is physical). */
        MmStruct mm;
        long addr;
        final int bitset;
        /** A virtual deadline (nanoseconds of the machine's clock), or -1 for none. */
        final long deadline;
        boolean woken;
        boolean timedOut;

        Waiter(Processes.Proc proc, MmStruct mm, long addr, int bitset, long deadline) {
            this.proc = proc;
            this.mm = mm;
            this.addr = addr;
            this.bitset = bitset;
            this.deadline = deadline;
        }

        boolean matches(Key k) {
            return mm == k.mm() && addr == k.addr();
        }
    }

    private final UserAccess uaccess;
    private final Processes procs;
    private final List<Waiter> queue = new ArrayList<>();
    /** The machine's fault injection ({@link #setFaults}); a Futexes without one fails nothing. */
    private FaultInjector faults = new FaultInjector(0);

    Futexes(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
    }

    void setFaults(FaultInjector faults) {
        this.faults = faults;
    }

    /**
     * Models should_fail_futex(), kernel/futex/core.c: with ignore-private set, private futexes
     * never fail; otherwise should_fail() decides (size 1).
     */
    private boolean shouldFailFutex(boolean fshared) {
        if (!faults.armed(FaultPoint.FAIL_FUTEX)) return false;
        FaultAttr attr = faults.attr(FaultPoint.FAIL_FUTEX);
        if (attr.flag("ignore-private") && !fshared) return false;
        return faults.shouldFail(FaultPoint.FAIL_FUTEX, 1, fshared ? "get_futex_key shared" : "get_futex_key private");
    }

    /**
     * Models do_futex(), kernel/futex/syscalls.c, for the operations musl uses. {@code p} is the
     * calling task's entry, {@code nowNanos} the machine's clock for timeouts. Returns the result,
     * a negative errno, or {@link LinuxSyscalls#BLOCK}.
     */
    long doFutex(Processes.Proc p, long uaddr, int op, long val, long timeout, long uaddr2, long val3, boolean signalPending,
            long nowNanos) {
        int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        boolean priv = (op & FUTEX_PRIVATE_FLAG) != 0;
        if ((op & FUTEX_CLOCK_REALTIME) != 0 && cmd != FUTEX_WAIT_BITSET) return -Errno.ENOSYS;
        return switch (cmd) {
            case FUTEX_WAIT -> futexWait(p, uaddr, priv, (int) val, timeout, FUTEX_BITSET_MATCH_ANY, signalPending, nowNanos, true);
            case FUTEX_WAIT_BITSET -> (int) val3 == 0 ? -Errno.EINVAL
                    : futexWait(p, uaddr, priv, (int) val, timeout, (int) val3, signalPending, nowNanos, false);
            case FUTEX_WAKE -> futexWake(p.task, uaddr, priv, (int) val, FUTEX_BITSET_MATCH_ANY);
            case FUTEX_WAKE_BITSET -> (int) val3 == 0 ? -Errno.EINVAL : futexWake(p.task, uaddr, priv, (int) val, (int) val3);
            case FUTEX_REQUEUE -> futexRequeue(p.task, uaddr, priv, (int) val, (int) timeout, uaddr2, false, 0);
            case FUTEX_CMP_REQUEUE -> futexRequeue(p.task, uaddr, priv, (int) val, (int) timeout, uaddr2, true, (int) val3);
            default -> -Errno.ENOSYS;
        };
    }

    /** Models futex_wait(), kernel/futex/waitwake.c (see the class comment for how it sleeps). */
    private long futexWait(Processes.Proc p, long uaddr, boolean priv, int val, long timeout, int bitset,
            boolean signalPending, long nowNanos, boolean relative) {
        Waiter w = find(p);
        if (w != null) { // woken, for whatever reason: see why
            if (w.woken) return dequeue(w, 0);
            if (w.timedOut) return dequeue(w, -Errno.ETIMEDOUT);
            if (signalPending) return dequeue(w, w.deadline < 0 ? -Errno.ERESTARTSYS : -Errno.ERESTART_RESTARTBLOCK);
            return LinuxSyscalls.BLOCK;
        }
        if ((uaddr & 3) != 0) return -Errno.EINVAL;
        MmStruct mm = p.task.mm();
        long deadline = -1;
        if (timeout != 0) { // futex_init_timeout()
            long[] ts = Timespec.get(uaccess, mm, timeout);
            if (ts == null) return -Errno.EFAULT;
            if (!Timespec.valid(ts[0], ts[1])) return -Errno.EINVAL;
            long t = Timespec.toNanos(ts[0], ts[1]);
            deadline = relative ? Timespec.addSafe(nowNanos, t) : t;
        }
        Key key = key(mm, uaddr, priv);
        if (key == null) return -Errno.EFAULT;
        long check = checkFutexWord(mm, uaddr, val);
        if (check != 0) return check;
        if (deadline != -1 && deadline <= nowNanos) return -Errno.ETIMEDOUT;
        if (signalPending) return deadline < 0 ? -Errno.ERESTARTSYS : -Errno.ERESTART_RESTARTBLOCK;
        queue.add(new Waiter(p, key.mm(), key.addr(), bitset, deadline));
        return LinuxSyscalls.BLOCK;
    }

    private long dequeue(Waiter w, long result) {
        queue.remove(w);
        return result;
    }

    private Waiter find(Processes.Proc p) {
        for (Waiter w : queue) if (w.proc == p) return w;
        return null;
    }

    /** Models futex_wake(), kernel/futex/waitwake.c: wakes up to {@code n} waiters whose bitset intersects. */
    long futexWake(Task t, long uaddr, boolean priv, int n, int bitset) {
        if ((uaddr & 3) != 0) return -Errno.EINVAL;
        if (bitset == 0) return -Errno.EINVAL;
        MmStruct mm = t.mm();
        Key key = key(mm, uaddr, priv);
        if (key == null) return -Errno.EFAULT;
        int woken = 0;
        for (Waiter w : queue) {
            if (woken >= n) break;
            if (w.woken || w.timedOut || !w.matches(key) || (w.bitset & bitset) == 0) continue;
            w.woken = true;
            procs.wake(w.proc);
            woken++;
        }
        return woken;
    }

    /** Models futex_requeue(), kernel/futex/requeue.c: wake {@code nrWake}, move up to {@code nrRequeue} to uaddr2. */
    private long futexRequeue(Task t, long uaddr, boolean priv, int nrWake, int nrRequeue, long uaddr2, boolean cmp,
            int val3) {
        if (nrWake < 0 || nrRequeue < 0) return -Errno.EINVAL;
        if ((uaddr & 3) != 0 || (uaddr2 & 3) != 0) return -Errno.EINVAL;
        MmStruct mm = t.mm();
        Key key1 = key(mm, uaddr, priv);
        Key key2 = key(mm, uaddr2, priv);
        if (key1 == null || key2 == null) return -Errno.EFAULT;
        if (cmp) {
            long check = checkFutexWord(mm, uaddr, val3);
            if (check != 0) return check;
        }
        int woken = 0;
        int moved = 0;
        for (Waiter w : queue) {
            if (w.woken || w.timedOut || !w.matches(key1)) continue;
            if (woken < nrWake) {
                w.woken = true;
                procs.wake(w.proc);
                woken++;
            } else if (moved < nrRequeue) {
                w.mm = key2.mm();
                w.addr = key2.addr();
                moved++;
            } else {
                break;
            }
        }
        return woken + moved;
    }

    /** 0 when the futex word at {@code uaddr} holds {@code expected}, else -EAGAIN, or -EFAULT when it cannot be read. */
    private long checkFutexWord(MmStruct mm, long uaddr, int expected) {
        long cur = uaccess.getUserInt(mm, uaddr, -1);
        if (cur == -1) return -Errno.EFAULT;
        return (int) cur == expected ? 0 : -Errno.EAGAIN;
    }

    /** A futex key (union futex_key): the mm and virtual address, or (null, physical address) for a shared page. */
    record Key(MmStruct mm, long addr) {}

    /**
     * Models get_futex_key(), kernel/futex/core.c: a private futex, or a word in a private
     * mapping, is keyed by (mm, address); a word in a shared mapping by the page it lives in (here
     * its physical address), so that every process mapping it meets on it. Null for EFAULT.
     */
    private Key key(MmStruct mm, long uaddr, boolean priv) {
        if (shouldFailFutex(!priv)) return null;
        if (priv) return new Key(mm, uaddr);
        if (shouldFailFutex(true)) return null; // again: before get_user_pages_fast()
        io.mmemu.mm.vma.Vma v = mm.findVma(uaddr);
        if (v == null || v.start() > uaddr) return null;
        if (!v.has(io.mmemu.mm.vma.VmFlags.VM_SHARED)) return shouldFailFutex(true) ? null : new Key(mm, uaddr); // PageAnon()
        long pa = uaccess.physAddr(mm, uaddr);
        return pa < 0 ? null : new Key(null, pa);
    }

    /**
     * The earliest deadline among sleeping timed waiters, or -1: when nothing else can run, the
     * machine's clock jumps there ({@link #expire}).
     */
    long earliestDeadline() {
        long best = -1;
        for (Waiter w : queue) {
            if (w.woken || w.timedOut || w.deadline < 0) continue;
            if (best == -1 || w.deadline < best) best = w.deadline;
        }
        return best;
    }

    /** Times out every waiter whose deadline is at or before {@code nowNanos} (hrtimer expiry). */
    void expire(long nowNanos) {
        for (Waiter w : queue) {
            if (w.woken || w.timedOut || w.deadline < 0 || w.deadline > nowNanos) continue;
            w.timedOut = true;
            procs.wake(w.proc);
        }
    }

    /** Drops the queue entries of tasks that are gone (exit while waiting). */
    void forgetExited() {
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
            if (!it.next().proc.alive()) it.remove();
        }
    }
}
