package io.mmemu.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The alternate signal stacks: each task's sas_ss_sp, sas_ss_size and sas_ss_flags
 * (task_struct), the sigaltstack() syscall (kernel/signal.c do_sigaltstack()) and the helpers
 * signal delivery uses (on_sig_stack(), sas_ss_flags(), sas_ss_reset()).
 *
 * <p>A task that never called sigaltstack() has none (SS_DISABLE); a fork child inherits its
 * parent's, a new thread starts without one (copy_process()'s sas_ss_reset() for CLONE_VM
 * without CLONE_VFORK), and execve() forgets the stack but keeps the flags (setup_new_exec()).
 * The state is kept beside the task, by identity, and forgotten with it (weak keys; never iterated,
 * so nothing here depends on hash order).
 */
final class SigAltStacks {
    /** ss_flags, include/uapi/linux/signal.h. */
    static final int SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31, SS_FLAG_BITS = SS_AUTODISARM;
    /** MINSIGSTKSZ on x86 (arch/x86/include/uapi/asm/signal.h). */
    static final long MINSIGSTKSZ = 2048;
    /** sizeof(stack_t): ss_sp, ss_flags (an int, then 4 bytes of padding), ss_size. */
    static final int STACK_T_SIZE = 24;

    /** One task's sas_ss_sp, sas_ss_size and sas_ss_flags. */
    private static final class Sas {
        long sp;
        long size;
        int flags = SS_DISABLE;
    }

    /** What a task without an entry has (never written). */
    private static final Sas NONE = new Sas();

    private final UserAccess uaccess;
    private final Map<Task, Sas> stacks = new WeakHashMap<>();

    SigAltStacks(UserAccess uaccess) {
        this.uaccess = uaccess;
    }

    private Sas of(Task t) {
        return stacks.getOrDefault(t, NONE);
    }

    private Sas writable(Task t) {
        return stacks.computeIfAbsent(t, k -> new Sas());
    }

    /** {@return sas_ss_sp} */
    long sp(Task t) {
        return of(t).sp;
    }

    /** {@return sas_ss_size} */
    long size(Task t) {
        return of(t).size;
    }

    /** {@return sas_ss_flags as the task set them} */
    int flags(Task t) {
        return of(t).flags;
    }

    /** Models __on_sig_stack(): whether {@code sp} lies on the alternate stack (it grows down from sp + size). */
    boolean onSigStackRaw(Task t, long sp) {
        Sas s = of(t);
        return Long.compareUnsigned(sp, s.sp) > 0 && Long.compareUnsigned(sp - s.sp, s.size) <= 0;
    }

    /** Models on_sig_stack(): as {@link #onSigStackRaw}, but never with SS_AUTODISARM (the stack is disarmed while in use). */
    boolean onSigStack(Task t, long sp) {
        return (of(t).flags & SS_AUTODISARM) == 0 && onSigStackRaw(t, sp);
    }

    /** Models sas_ss_flags(): SS_DISABLE without a stack, SS_ONSTACK on it, else 0. */
    int sasSsFlags(Task t, long sp) {
        if (of(t).size == 0) return SS_DISABLE;
        return onSigStack(t, sp) ? SS_ONSTACK : 0;
    }

    /** Models sas_ss_reset(): no stack, SS_DISABLE (signal_delivered() with SS_AUTODISARM). */
    void sasSsReset(Task t) {
        Sas s = of(t);
        if (s == NONE) return;
        s.sp = 0;
        s.size = 0;
        s.flags = SS_DISABLE;
    }

    /** copy_process() for fork and vfork: the child runs on the parent's alternate stack settings. */
    void fork(Task parent, Task child) {
        Sas p = of(parent);
        if (p == NONE) return;
        Sas c = writable(child);
        c.sp = p.sp;
        c.size = p.size;
        c.flags = p.flags;
    }

    /** setup_new_exec(): the new program has no alternate stack (the flags stay). */
    void exec(Task t) {
        Sas s = of(t);
        if (s == NONE) return;
        s.sp = 0;
        s.size = 0;
    }

    /**
     * Models the sigaltstack() syscall: the new stack_t copied in (EFAULT), do_sigaltstack() with
     * the caller's stack pointer, then the old one copied out (EFAULT, the new one set all the same).
     */
    long sysSigaltstack(Task t, long uss, long uoss, long userSp) {
        long newSp = 0, newSize = 0;
        int newFlags = 0;
        if (uss != 0) {
            byte[] b = new byte[STACK_T_SIZE];
            if (uaccess.copyFromUser(t.mm(), b, 0, uss, STACK_T_SIZE) < 0) return -Errno.EFAULT;
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            newSp = bb.getLong(0);
            newFlags = bb.getInt(8);
            newSize = bb.getLong(16);
        }
        byte[] old = null;
        if (uoss != 0) {
            Sas s = of(t);
            old = ByteBuffer.allocate(STACK_T_SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(0, s.sp)
                    .putInt(8, sasSsFlags(t, userSp) | (s.flags & SS_FLAG_BITS)).putLong(16, s.size).array();
        }
        if (uss != 0) {
            long err = doSigaltstack(t, newSp, newFlags, newSize, userSp);
            if (err != 0) return err;
        }
        if (old != null && uaccess.copyToUser(t.mm(), uoss, old, 0, STACK_T_SIZE) < 0) return -Errno.EFAULT;
        return 0;
    }

    /**
     * Models do_sigaltstack() with a new stack: EPERM while running on the current one, EINVAL for
     * a mode other than 0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM may come with any), ENOMEM below
     * MINSIGSTKSZ; SS_DISABLE forgets the stack.
     */
    long doSigaltstack(Task t, long ssSp, int ssFlags, long ssSize, long userSp) {
        if (onSigStack(t, userSp)) return -Errno.EPERM;
        int mode = ssFlags & ~SS_FLAG_BITS;
        if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0) return -Errno.EINVAL;
        Sas cur = of(t);
        if (cur.sp == ssSp && cur.size == ssSize && cur.flags == ssFlags) return 0;
        if (mode == SS_DISABLE) {
            ssSize = 0;
            ssSp = 0;
        } else if (Long.compareUnsigned(ssSize, MINSIGSTKSZ) < 0) {
            return -Errno.ENOMEM;
        }
        Sas s = writable(t);
        s.sp = ssSp;
        s.size = ssSize;
        s.flags = ssFlags;
        return 0;
    }
}
