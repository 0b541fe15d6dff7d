package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Stat;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.MfillAtomic;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Userfaultfd;
import io.mmemu.mm.vma.UserfaultfdCtx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * userfaultfd(2), fs/userfaultfd.c: the syscall, the descriptor's read and ioctls, its release,
 * and the wait of a task whose fault reached a registered VMA (handle_userfault()). The context
 * and the VMA side are the memory model's ({@link UserfaultfdCtx}, {@link Userfaultfd},
 * {@link MfillAtomic}); this class is the file and the sleeping.
 *
 * <h2>How a missing fault waits</h2>
 * <ol>
 *   <li>The CPU's fault in a VMA with VM_UFFD_MISSING (an empty entry), or its write to an entry
 *       UFFDIO_WRITEPROTECT protected in a VM_UFFD_WP VMA, comes back as a {@link FaultResult.Userfault};
 *       the CPU stops at the faulting instruction and calls {@link #handleUserfault}.</li>
 *   <li>The fault's message is queued on the context (fault_pending_wqh), the readers are woken
 *       (wake_up_poll(&amp;ctx-&gt;fd_wqh)), and the task sleeps with {@link Task#userfaultWait} set.
 *       {@link Processes#wake} leaves it asleep (as a TASK_INTERRUPTIBLE sleeper on its own wait
 *       queue) until its entry is woken or a signal is pending.</li>
 *   <li>A reader's read(2) takes the oldest message (the entry moves to fault_wqh); UFFDIO_COPY,
 *       UFFDIO_ZEROPAGE, UFFDIO_WAKE, UFFDIO_WRITEPROTECT's resolve, UFFDIO_UNREGISTER or the last
 *       close wake the entries of their range.</li>
 *   <li>The woken task runs again ({@link #finishWait} drops its entry) and re-executes the
 *       instruction: the page is there now, or it faults, and waits, again.</li>
 * </ol>
 *
 * <p>Not modelled: the non-cooperative events (UFFD_FEATURE_EVENT_*), the MINOR mode, PTE markers
 * (UFFD_FEATURE_WP_UNPOPULATED, WP_ASYNC, WP_HUGETLBFS_SHMEM: so no WP on shmem), UFFDIO_MOVE,
 * UFFDIO_CONTINUE, UFFDIO_POISON, hugetlbfs, poll(2) (the kernel has no poll yet). A fault the
 * kernel takes in a syscall's copy to or from user memory makes the syscall sleep and re-execute
 * when it would have returned EFAULT with nothing done ({@link #waitInSyscall}); one that would
 * end a transfer short (some bytes already moved), or another kernel access (a signal frame, GUP),
 * still fails at once where Linux would wait.
 */
final class Userfaultfds {
    /** USERFAULTFD_IOC_NEW: _IO(USERFAULTFD_IOC = 0xAA, 0x00), /dev/userfaultfd's one ioctl. */
    static final int USERFAULTFD_IOC_NEW = 0xaa00;
    /** UFFD_API: the one API version. */
    static final long UFFD_API = 0xAA;
    /** UFFD_EVENT_PAGEFAULT: a message's event for a fault. */
    static final int UFFD_EVENT_PAGEFAULT = 0x12;
    /** The ioctl numbers: _IOWR/_IOR(UFFDIO = 0xAA, nr, the struct's size). */
    static final int UFFDIO_API = 0xc018aa3f, UFFDIO_REGISTER = 0xc020aa00, UFFDIO_UNREGISTER = 0x8010aa01,
            UFFDIO_WAKE = 0x8010aa02, UFFDIO_COPY = 0xc028aa03, UFFDIO_ZEROPAGE = 0xc020aa04,
            UFFDIO_WRITEPROTECT = 0xc018aa06;
    static final int _UFFDIO_REGISTER = 0, _UFFDIO_UNREGISTER = 1, _UFFDIO_WAKE = 2, _UFFDIO_COPY = 3,
            _UFFDIO_ZEROPAGE = 4, _UFFDIO_WRITEPROTECT = 6, _UFFDIO_API = 0x3f;
    /** UFFD_API_IOCTLS: the ioctls of the descriptor itself. */
    static final long UFFD_API_IOCTLS = 1L << _UFFDIO_REGISTER | 1L << _UFFDIO_UNREGISTER | 1L << _UFFDIO_API;
    /**
     * The ioctls guaranteed on a registered range: Linux's UFFD_API_RANGE_IOCTLS less those the model
     * lacks (UFFDIO_MOVE, UFFDIO_CONTINUE, UFFDIO_POISON); UFFDIO_WRITEPROTECT only for a WP registration.
     */
    static final long UFFD_API_RANGE_IOCTLS = 1L << _UFFDIO_WAKE | 1L << _UFFDIO_COPY | 1L << _UFFDIO_ZEROPAGE
            | 1L << _UFFDIO_WRITEPROTECT;
    /** UFFD_FEATURE_PAGEFAULT_FLAG_WP: write-protect faults (CONFIG_HAVE_ARCH_USERFAULTFD_WP). */
    static final int UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1;
    /** UFFD_FEATURE_MISSING_SHMEM: missing faults of shmem mappings. */
    static final int UFFD_FEATURE_MISSING_SHMEM = 1 << 5;
    /** UFFD_FEATURE_EVENT_FORK (needs CAP_SYS_PTRACE), UFFD_FEATURE_WP_ASYNC and UFFD_FEATURE_WP_UNPOPULATED. */
    static final int UFFD_FEATURE_EVENT_FORK = 1 << 1, UFFD_FEATURE_WP_UNPOPULATED = 1 << 13, UFFD_FEATURE_WP_ASYNC = 1 << 15;
    /** The features UFFDIO_API offers: Linux's UFFD_API_FEATURES less those the model lacks (see the class comment). */
    static final int UFFD_API_FEATURES = UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_MISSING_SHMEM
            | UserfaultfdCtx.UFFD_FEATURE_SIGBUS
            | UserfaultfdCtx.UFFD_FEATURE_THREAD_ID | UserfaultfdCtx.UFFD_FEATURE_EXACT_ADDRESS;
    static final long UFFDIO_COPY_MODE_DONTWAKE = 1, UFFDIO_COPY_MODE_WP = 2, UFFDIO_ZEROPAGE_MODE_DONTWAKE = 1,
            UFFDIO_WRITEPROTECT_MODE_WP = 1, UFFDIO_WRITEPROTECT_MODE_DONTWAKE = 2;
    /** UFFD_SHARED_FCNTL_FLAGS: O_CLOEXEC and O_NONBLOCK. */
    static final int UFFD_SHARED_FCNTL_FLAGS = Vfs.O_CLOEXEC | Pipes.O_NONBLOCK;
    /** sizeof(struct uffd_msg). */
    static final int UFFD_MSG_SIZE = 32;
    /** The anonymous inodes' file system (anon_inodefs), whose device fstat() shows. */
    static final long ANON_INODE_DEV = 0x10;

    private final UserAccess uaccess;
    private final FileSyscalls files;
    private final Processes procs;
    /** The inode numbers of the anonymous inodes, one per userfaultfd (anon_inode_create_getfile()). */
    private long nextIno = 1;

    Userfaultfds(UserAccess uaccess, FileSyscalls files, Processes procs) {
        this.uaccess = uaccess;
        this.files = files;
        this.procs = procs;
    }

    /**
     * Models the userfaultfd() syscall: userfaultfd_syscall_allowed() (a context that handles kernel
     * faults needs CAP_SYS_PTRACE or vm.unprivileged_userfaultfd; EPERM), then new_userfaultfd():
     * flags beyond O_CLOEXEC, O_NONBLOCK and UFFD_USER_MODE_ONLY are EINVAL; a read-only file whose
     * status flags keep O_NONBLOCK.
     */
    long sysUserfaultfd(Task task, Cred cred, int flags) {
        if ((flags & UserfaultfdCtx.UFFD_USER_MODE_ONLY) == 0 && !cred.capable(Cred.CAP_SYS_PTRACE)
                && task.mm().env().vmSysctl().unprivilegedUserfaultfd() == 0) {
            return -Errno.EPERM;
        }
        return newUserfaultfd(task, flags);
    }

    /**
     * Models userfaultfd_dev_ioctl(), /dev/userfaultfd: USERFAULTFD_IOC_NEW makes a userfaultfd
     * with no capability or sysctl check (access to the device node is the permission); any other
     * command is EINVAL.
     */
    long devIoctl(Task task, int cmd, long flags) {
        return cmd == USERFAULTFD_IOC_NEW ? newUserfaultfd(task, (int) flags) : -Errno.EINVAL;
    }

    /** Models new_userfaultfd(): see {@link #sysUserfaultfd}. */
    private long newUserfaultfd(Task task, int flags) {
        if ((flags & ~(UFFD_SHARED_FCNTL_FLAGS | UserfaultfdCtx.UFFD_USER_MODE_ONLY)) != 0) return -Errno.EINVAL;
        UserfaultfdCtx ctx = new UserfaultfdCtx(task.mm(), flags);
        Stat st = new Stat(ANON_INODE_DEV, nextIno++, 1, 0600, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        OpenFile f = new OpenFile(new OpenFile.Userfaultfd(ctx, st), "anon_inode:[userfaultfd]",
                flags & Pipes.O_NONBLOCK);
        return files.installNew(task, f, (flags & Vfs.O_CLOEXEC) != 0);
    }

    /** __fput() of a userfaultfd: userfaultfd_release(). */
    static void release(OpenFile f, FileSyscalls.Sleeping sleeping) {
        if (!(f.content() instanceof OpenFile.Userfaultfd u) || u.ctx() == null) return; // not /dev/userfaultfd
        UserfaultfdCtx ctx = u.ctx();
        Userfaultfd.releaseAll(ctx);
        if (ctx.release() > 0) sleeping.wakeAll();
    }

    /**
     * Models userfaultfd_read_iter() with userfaultfd_ctx_read(): EINVAL before UFFDIO_API; then as
     * many whole messages as fit in {@code count} (EINVAL when not even one does), waiting only
     * for the first: EINTR with a signal pending, EAGAIN with O_NONBLOCK, else sleep.
     */
    long read(Task task, OpenFile f, UserfaultfdCtx ctx, long buf, long count) {
        if (ctx == null) return -Errno.EINVAL; // /dev/userfaultfd: no read handler
        if (!ctx.isInitialized()) return -Errno.EINVAL;
        long ret = 0;
        boolean noWait = (f.flags() & Pipes.O_NONBLOCK) != 0;
        while (true) {
            if (count - ret < UFFD_MSG_SIZE) return ret != 0 ? ret : -Errno.EINVAL;
            UserfaultfdCtx.Uwq uwq = ctx.readFault();
            if (uwq == null) {
                if (ret != 0) return ret;
                if (LinuxSyscalls.signalPending(task)) return -Errno.EINTR;
                return noWait ? -Errno.EAGAIN : LinuxSyscalls.BLOCK;
            }
            if (uaccess.copyToUser(task.mm(), buf + ret, message(uwq), 0, UFFD_MSG_SIZE) < 0) {
                return ret != 0 ? ret : -Errno.EFAULT;
            }
            ret += UFFD_MSG_SIZE;
            noWait = true;
        }
    }

    /** userfault_msg(): struct uffd_msg for a page fault, paddings zero. */
    private static byte[] message(UserfaultfdCtx.Uwq uwq) {
        ByteBuffer b = ByteBuffer.allocate(UFFD_MSG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) UFFD_EVENT_PAGEFAULT);
        b.putLong(8, uwq.flags);
        b.putLong(16, uwq.address);
        b.putInt(24, uwq.ptid);
        return b.array();
    }

    /** Models userfaultfd_ioctl(): every call but UFFDIO_API needs the API handshake first; unknown calls are EINVAL. */
    long ioctl(Task task, UserfaultfdCtx ctx, int cmd, long arg) {
        if (cmd != UFFDIO_API && !ctx.isInitialized()) return -Errno.EINVAL;
        return switch (cmd) {
            case UFFDIO_API -> api(task, ctx, arg);
            case UFFDIO_REGISTER -> register(task, ctx, arg);
            case UFFDIO_UNREGISTER -> unregister(task, ctx, arg);
            case UFFDIO_WAKE -> wake(task, ctx, arg);
            case UFFDIO_COPY -> copy(task, ctx, arg);
            case UFFDIO_ZEROPAGE -> zeropage(task, ctx, arg);
            case UFFDIO_WRITEPROTECT -> writeprotect(task, ctx, arg);
            default -> -Errno.EINVAL;
        };
    }

    /** Reads {@code n} bytes of an ioctl's argument, or null (EFAULT). */
    private ByteBuffer argument(Task task, long arg, int n) {
        byte[] b = new byte[n];
        if (uaccess.copyFromUser(task.mm(), b, 0, arg, n) < 0) return null;
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** put_user() of a 64-bit result field: 0 or -EFAULT. */
    private long putLong(Task task, long uaddr, long value) {
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value).array();
        return uaccess.copyToUser(task.mm(), uaddr, b, 0, 8) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models userfaultfd_api(): the API version (EINVAL), UFFD_FEATURE_EVENT_FORK without
     * CAP_SYS_PTRACE (EPERM), features the model does not offer (EINVAL); the offered features and
     * the descriptor's ioctls are written back; a second successful handshake is EINVAL. A
     * failure zeroes the caller's struct.
     */
    private long api(Task task, UserfaultfdCtx ctx, long arg) {
        ByteBuffer a = argument(task, arg, 24);
        if (a == null) return -Errno.EFAULT;
        long features = a.getLong(8);
        long err;
        if (a.getLong(0) != UFFD_API) {
            err = -Errno.EINVAL;
        } else if ((features & UFFD_FEATURE_EVENT_FORK) != 0 && !procs.of(task).cred.capable(Cred.CAP_SYS_PTRACE)) {
            err = -Errno.EPERM;
        } else {
            // WP_ASYNC relies on WP_UNPOPULATED (both refused below: they need PTE markers).
            if ((features & UFFD_FEATURE_WP_ASYNC) != 0) features |= UFFD_FEATURE_WP_UNPOPULATED;
            if ((features & ~(long) UFFD_API_FEATURES) != 0) {
                err = -Errno.EINVAL;
            } else {
                byte[] out = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0, UFFD_API)
                        .putLong(8, UFFD_API_FEATURES).putLong(16, UFFD_API_IOCTLS).array();
                if (uaccess.copyToUser(task.mm(), arg, out, 0, 24) < 0) return -Errno.EFAULT;
                if (ctx.initFeatures((int) features)) return 0;
                err = -Errno.EINVAL;
            }
        }
        return uaccess.copyToUser(task.mm(), arg, new byte[24], 0, 24) < 0 ? -Errno.EFAULT : err;
    }

    /**
     * Models userfaultfd_register(): {@link Userfaultfd#register}, then the range's ioctls written
     * back (UFFDIO_WRITEPROTECT only when the mode has WP).
     */
    private long register(Task task, UserfaultfdCtx ctx, long arg) {
        ByteBuffer a = argument(task, arg, 24); // sizeof(uffdio_register) - sizeof(__u64): not "ioctls"
        if (a == null) return -Errno.EFAULT;
        long mode = a.getLong(16);
        long r = Userfaultfd.register(ctx, a.getLong(0), a.getLong(8), mode);
        if (r < 0) return r;
        long ioctls = UFFD_API_RANGE_IOCTLS;
        if ((mode & Userfaultfd.UFFDIO_REGISTER_MODE_WP) == 0) ioctls &= ~(1L << _UFFDIO_WRITEPROTECT);
        return putLong(task, arg + 24, ioctls);
    }

    /**
     * Models userfaultfd_writeprotect(): the range (validate_range()), the mode (EINVAL: unknown bits,
     * or WP with DONTWAKE), a live address space (ESRCH), then mwriteprotect_range(); resolving
     * wakes the range's faults unless DONTWAKE.
     */
    private long writeprotect(Task task, UserfaultfdCtx ctx, long arg) {
        ByteBuffer a = argument(task, arg, 24);
        if (a == null) return -Errno.EFAULT;
        long start = a.getLong(0), len = a.getLong(8), mode = a.getLong(16);
        long r = Userfaultfd.validateRange(ctx.mm(), start, len);
        if (r < 0) return r;
        if ((mode & ~(UFFDIO_WRITEPROTECT_MODE_DONTWAKE | UFFDIO_WRITEPROTECT_MODE_WP)) != 0) return -Errno.EINVAL;
        boolean wp = (mode & UFFDIO_WRITEPROTECT_MODE_WP) != 0, dontwake = (mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE) != 0;
        if (wp && dontwake) return -Errno.EINVAL;
        if (ctx.mm().mmUsers() == 0) return -Errno.ESRCH;
        r = Userfaultfd.mwriteprotectRange(ctx, start, len, wp);
        if (r < 0) return r;
        if (!wp && !dontwake) wakeUserfault(ctx, start, len);
        return 0;
    }

    /** Models userfaultfd_unregister(): {@link Userfaultfd#unregister}, which wakes the range's waiting faults. */
    private long unregister(Task task, UserfaultfdCtx ctx, long arg) {
        ByteBuffer a = argument(task, arg, 16);
        if (a == null) return -Errno.EFAULT;
        long r = Userfaultfd.unregister(ctx, a.getLong(0), a.getLong(8));
        procs.wakeAll();
        return r;
    }

    /** Models userfaultfd_wake(): the range checked as validate_range() does, its faults woken. */
    private long wake(Task task, UserfaultfdCtx ctx, long arg) {
        ByteBuffer a = argument(task, arg, 16);
        if (a == null) return -Errno.EFAULT;
        long start = a.getLong(0), len = a.getLong(8);
        long r = Userfaultfd.validateRange(ctx.mm(), start, len);
        if (r < 0) return r;
        wakeUserfault(ctx, start, len);
        return 0;
    }

    /** Models wake_userfault(): the range's faults woken, and their tasks with them. */
    private void wakeUserfault(UserfaultfdCtx ctx, long start, long len) {
        if (ctx.wake(start, len) > 0) procs.wakeAll();
    }

    /**
     * Models userfaultfd_copy(): the destination range (validate_range()), a source that does not
     * wrap and the mode (EINVAL), a live address space (ESRCH), then mfill_atomic_copy(); its result
     * goes to the struct's {@code copy} field; the filled range is woken unless DONTWAKE; a short
     * copy is EAGAIN.
     */
    private long copy(Task task, UserfaultfdCtx ctx, long arg) {
        ByteBuffer a = argument(task, arg, 32); // dst, src, len, mode: not "copy"
        if (a == null) return -Errno.EFAULT;
        long dst = a.getLong(0), src = a.getLong(8), len = a.getLong(16), mode = a.getLong(24);
        MmStruct mm = ctx.mm();
        long r = Userfaultfd.validateRange(mm, dst, len);
        if (r < 0) return r;
        // "double check for wraparound just in case": copy_from_user() checks the rest.
        if (Long.compareUnsigned(src + len, src) <= 0) return -Errno.EINVAL;
        if ((mode & ~(UFFDIO_COPY_MODE_DONTWAKE | UFFDIO_COPY_MODE_WP)) != 0) return -Errno.EINVAL;
        if (mm.mmUsers() == 0) return -Errno.ESRCH; // mmget_not_zero()
        byte[] page = new byte[(int) PageTypes.PAGE_SIZE];
        MmStruct callerMm = task.mm();
        long ret = MfillAtomic.mfillAtomic(mm, dst, src, len, (mode & UFFDIO_COPY_MODE_WP) != 0, (srcAddr, pfn) -> {
            if (uaccess.copyFromUser(callerMm, page, 0, srcAddr, page.length) < 0) return false;
            mm.env().mem().write(pfn << PageTypes.PAGE_SHIFT, page, 0, page.length);
            return true;
        });
        return finishFill(task, ctx, arg + 32, dst, len, ret, (mode & UFFDIO_COPY_MODE_DONTWAKE) == 0);
    }

    /** Models userfaultfd_zeropage(): as {@link #copy} with the zero page, the result in {@code zeropage}. */
    private long zeropage(Task task, UserfaultfdCtx ctx, long arg) {
        ByteBuffer a = argument(task, arg, 24); // range, mode: not "zeropage"
        if (a == null) return -Errno.EFAULT;
        long start = a.getLong(0), len = a.getLong(8), mode = a.getLong(16);
        MmStruct mm = ctx.mm();
        long r = Userfaultfd.validateRange(mm, start, len);
        if (r < 0) return r;
        if ((mode & ~UFFDIO_ZEROPAGE_MODE_DONTWAKE) != 0) return -Errno.EINVAL;
        if (mm.mmUsers() == 0) return -Errno.ESRCH;
        long ret = MfillAtomic.mfillAtomic(mm, start, 0, len, false, null);
        return finishFill(task, ctx, arg + 24, start, len, ret, (mode & UFFDIO_ZEROPAGE_MODE_DONTWAKE) == 0);
    }

    /** The common end of UFFDIO_COPY and UFFDIO_ZEROPAGE: the result field, the wake, EAGAIN for a short fill. */
    private long finishFill(Task task, UserfaultfdCtx ctx, long resultAddr, long start, long len, long ret, boolean wake) {
        if (putLong(task, resultAddr, ret) < 0) return -Errno.EFAULT;
        if (ret < 0) return ret;
        if (wake) wakeUserfault(ctx, start, ret);
        return ret == len ? 0 : -Errno.EAGAIN;
    }

    /**
     * Models handle_userfault()'s wait (see the class comment): nothing when the context was
     * released (VM_FAULT_NOPAGE: the access runs again) or a signal is pending (the sleep would end
     * at once; the signal is delivered and the access runs again); otherwise the fault is queued
     * and the task sleeps.
     */
    void handleUserfault(ArchCpu cpu, Task task, FaultResult.Userfault fault) {
        if (!queueUserfault(task, fault)) return;
        procs.of(task).sleeping = true;
        cpu.requestReschedule();
    }

    /**
     * handle_userfault() for a fault the kernel took on the task's behalf inside a syscall (a copy
     * to or from user memory that found a registered page missing or write-protected): the fault
     * is queued as for the CPU's, and the syscall sleeps and is re-executed once woken
     * ({@link LinuxSyscalls#BLOCK}); false (the syscall's EFAULT stands) when the context was
     * released or a signal is pending, as kernelmode_fixup_or_oops() makes it.
     */
    boolean waitInSyscall(Task task, FaultResult.Userfault fault) {
        return queueUserfault(task, fault);
    }

    /** The queueing half of handle_userfault(): false when the task does not sleep (see {@link #handleUserfault}). */
    private boolean queueUserfault(Task task, FaultResult.Userfault fault) {
        UserfaultfdCtx ctx = fault.ctx();
        if (ctx.released() || LinuxSyscalls.signalPending(task)) return false;
        if (task.userfaultWait != null) finishWait(task);
        task.userfaultWait = ctx.queueFault(task, fault.address(), fault.write(), fault.wp());
        procs.wakeAll(); // wake_up_poll(&ctx->fd_wqh, EPOLLIN): the readers
        return true;
    }

    /** The end of handle_userfault() once the task runs again: its entry leaves the context's queues. */
    static void finishWait(Task task) {
        UserfaultfdCtx.Uwq uwq = task.userfaultWait;
        task.userfaultWait = null;
        if (!uwq.waken()) uwq.ctx.dequeue(uwq);
    }

    /** Models wake()'s exception for a task in handle_userfault(): asleep until its entry is woken or a signal arrives. */
    static boolean waitsForUserfault(Task task) {
        UserfaultfdCtx.Uwq uwq = task.userfaultWait;
        return uwq != null && !uwq.waken() && !LinuxSyscalls.signalPending(task);
    }
}
