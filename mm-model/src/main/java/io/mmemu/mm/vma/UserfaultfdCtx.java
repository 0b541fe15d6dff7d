package io.mmemu.mm.vma;

import io.mmemu.mm.task.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Models struct userfaultfd_ctx, fs/userfaultfd.c: what one userfaultfd(2) descriptor holds. The
 * VMAs registered with it point at it ({@link Vma#userfaultfdCtx()}, vm_userfaultfd_ctx), and the
 * faults that reached it wait on its two queues:
 *
 * <ul>
 *   <li>{@link #faultPendingWqh} (fault_pending_wqh): faults whose message nobody has read yet,
 *       oldest first; read(2) takes the oldest and refiles it to</li>
 *   <li>{@link #faultWqh} (fault_wqh): faults whose message was read and that still wait for
 *       UFFDIO_COPY, UFFDIO_ZEROPAGE or UFFDIO_WAKE (or the descriptor's release).</li>
 * </ul>
 *
 * <p>A wake ({@link #wake}) marks every entry whose address lies in the range as {@code waken} and
 * takes it off both queues (userfaultfd_wake_function()'s autoremove); the waiting task then runs
 * again and re-executes its faulting instruction. Entries are removed also when their task is
 * woken by a signal (handle_userfault()'s list_del after schedule()).
 *
 * <p>The state machine (UFFD_STATE_WAIT_API, then running after UFFDIO_API) is the
 * UFFD_FEATURE_INITIALIZED bit of {@link #features}, as Linux 6.12 keeps it.
 */
public final class UserfaultfdCtx {
    /** UFFD_FEATURE_INITIALIZED: set by UFFDIO_API beside the features userland asked for. */
    public static final int UFFD_FEATURE_INITIALIZED = 1 << 31;
    /** UFFD_USER_MODE_ONLY: only faults taken in user mode are handled (kernel accesses get EFAULT). */
    public static final int UFFD_USER_MODE_ONLY = 1;
    /** UFFD_FEATURE_SIGBUS: a missing fault raises SIGBUS instead of waiting for a handler. */
    public static final int UFFD_FEATURE_SIGBUS = 1 << 7;
    /** UFFD_FEATURE_THREAD_ID: the message carries the faulting thread's id. */
    public static final int UFFD_FEATURE_THREAD_ID = 1 << 8;
    /** UFFD_FEATURE_EXACT_ADDRESS: the message carries the faulting address, not its page. */
    public static final int UFFD_FEATURE_EXACT_ADDRESS = 1 << 11;
    /** UFFD_PAGEFAULT_FLAG_WRITE: the message's flag for a write fault. */
    public static final int UFFD_PAGEFAULT_FLAG_WRITE = 1;
    /** UFFD_PAGEFAULT_FLAG_WP: the message's flag for a write-protect fault (reason VM_UFFD_WP). */
    public static final int UFFD_PAGEFAULT_FLAG_WP = 2;

    /** One waiting fault: struct userfaultfd_wait_queue with its struct uffd_msg's pagefault fields. */
    public static final class Uwq {
        /** uwq->ctx: the context whose queues hold it. */
        public final UserfaultfdCtx ctx;
        /** The task sleeping in handle_userfault(). */
        public final Task task;
        /** msg.arg.pagefault.address: the page (or, with UFFD_FEATURE_EXACT_ADDRESS, the byte) that faulted. */
        public final long address;
        /** msg.arg.pagefault.flags: UFFD_PAGEFAULT_FLAG_WRITE for a write fault, _WP for a write-protect fault. */
        public final long flags;
        /** msg.arg.pagefault.feat.ptid: the faulting thread's id with UFFD_FEATURE_THREAD_ID, else 0. */
        public final int ptid;
        /** uwq->waken: a wake of this fault's range (or the release) let the task go. */
        private boolean waken;

        Uwq(UserfaultfdCtx ctx, Task task, long address, long flags, int ptid) {
            this.ctx = ctx;
            this.task = task;
            this.address = address;
            this.flags = flags;
            this.ptid = ptid;
        }

        /** {@return whether a wake or the release let the task go} */
        public boolean waken() {
            return waken;
        }
    }

    /** ctx->mm: the address space whose VMAs may be registered (the creator's, mmgrab()bed). */
    private final MmStruct mm;
    /** ctx->flags: O_CLOEXEC, O_NONBLOCK and UFFD_USER_MODE_ONLY as userfaultfd() got them. */
    private final int flags;
    /** ctx->features: the features UFFDIO_API enabled, with UFFD_FEATURE_INITIALIZED; 0 before. */
    private int features;
    /** ctx->released: the descriptor's last reference is gone; no fault waits on it any more. */
    private boolean released;
    /** fault_pending_wqh: unread faults, oldest first. */
    private final ArrayDeque<Uwq> faultPendingWqh = new ArrayDeque<>();
    /** fault_wqh: faults whose message was read, waiting to be woken. */
    private final List<Uwq> faultWqh = new ArrayList<>();

    /**
     * A context for {@code mm}, as new_userfaultfd() makes it.
     *
     * @param mm    the creating task's address space
     * @param flags userfaultfd()'s flags
     */
    public UserfaultfdCtx(MmStruct mm, int flags) {
        this.mm = mm;
        this.flags = flags;
    }

    /** {@return ctx->mm} */
    public MmStruct mm() {
        return mm;
    }

    /** {@return ctx->flags} */
    public int flags() {
        return flags;
    }

    /** {@return ctx->features, UFFD_FEATURE_INITIALIZED included once UFFDIO_API succeeded} */
    public int features() {
        return features;
    }

    /** {@return whether UFFDIO_API has succeeded (userfaultfd_is_initialized())} */
    public boolean isInitialized() {
        return (features & UFFD_FEATURE_INITIALIZED) != 0;
    }

    /**
     * The cmpxchg(&amp;ctx-&gt;features, 0, ...) of userfaultfd_api(): enables {@code userFeatures} once.
     *
     * @param userFeatures the features userland asked for
     * @return false when UFFDIO_API had already succeeded (nothing changes)
     */
    public boolean initFeatures(int userFeatures) {
        if (features != 0) return false;
        features = userFeatures | UFFD_FEATURE_INITIALIZED;
        return true;
    }

    /** {@return whether the descriptor was released (ctx->released)} */
    public boolean released() {
        return released;
    }

    /**
     * Queues a fault of {@code task} on fault_pending_wqh (handle_userfault()'s __add_wait_queue).
     *
     * @param task    the faulting task
     * @param address the faulting address
     * @param write   whether it is a write fault
     * @param wp      whether it is a write-protect fault (reason VM_UFFD_WP)
     * @return the queued entry, which the task sleeps on
     */
    public Uwq queueFault(Task task, long address, boolean write, boolean wp) {
        long addr = (features & UFFD_FEATURE_EXACT_ADDRESS) != 0 ? address : address & -io.mmemu.mm.phys.PageTypes.PAGE_SIZE;
        Uwq uwq = new Uwq(this, task, addr, (write ? UFFD_PAGEFAULT_FLAG_WRITE : 0) | (wp ? UFFD_PAGEFAULT_FLAG_WP : 0),
                (features & UFFD_FEATURE_THREAD_ID) != 0 ? task.pid() : 0);
        faultPendingWqh.addLast(uwq);
        return uwq;
    }

    /**
     * Models the refile of userfaultfd_ctx_read(): the oldest unread fault (of a task still alive)
     * moves to fault_wqh and its message is returned; null when none waits.
     *
     * @return the entry whose message read(2) returns, or null
     */
    public Uwq readFault() {
        for (Uwq uwq; (uwq = faultPendingWqh.pollFirst()) != null; ) {
            if (uwq.task.exited()) continue; // a task that died waiting left its entry behind
            faultWqh.add(uwq);
            return uwq;
        }
        return null;
    }

    /** {@return whether an unread fault waits (what makes read(2) return at once)} */
    public boolean hasPendingFault() {
        for (Uwq uwq : faultPendingWqh) if (!uwq.task.exited()) return true;
        return false;
    }

    /**
     * Models __wake_userfault() with userfaultfd_wake_function(): every fault whose address lies in
     * [start, start + len) (every fault when {@code len} is 0) is marked waken and leaves its queue.
     *
     * @param start the range's start
     * @param len   the range's length, 0 for all
     * @return how many faults were woken
     */
    public int wake(long start, long len) {
        return wakeQueue(faultPendingWqh.iterator(), start, len) + wakeQueue(faultWqh.iterator(), start, len);
    }

    private static int wakeQueue(Iterator<Uwq> it, long start, long len) {
        int n = 0;
        while (it.hasNext()) {
            Uwq uwq = it.next();
            if (len != 0 && (Long.compareUnsigned(start, uwq.address) > 0
                    || Long.compareUnsigned(start + len, uwq.address) <= 0)) {
                continue;
            }
            uwq.waken = true;
            it.remove();
            n++;
        }
        return n;
    }

    /**
     * The end of handle_userfault() for a task that runs again: its entry leaves whichever queue
     * still holds it (a signal woke it, or it never slept).
     *
     * @param uwq the entry the task slept on
     */
    public void dequeue(Uwq uwq) {
        if (!faultPendingWqh.remove(uwq)) faultWqh.remove(uwq);
    }

    /**
     * Models the first half of userfaultfd_release(): ctx->released is set, and every waiting fault
     * is woken (the VMAs are unregistered by {@link Userfaultfd#releaseAll}).
     *
     * @return how many faults were woken
     */
    public int release() {
        released = true;
        return wake(0, 0);
    }
}
