package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Restartable sequences, kernel/rseq.c (6.12): the registration of a thread's struct rseq and the
 * work the kernel does on it before the thread returns to user mode after it was preempted,
 * migrated or signalled (rseq_handle_notify_resume()): an interrupted critical section restarts at
 * its abort handler, and cpu_id_start, cpu_id, node_id and mm_cid are written.
 *
 * <p>The area ({@code struct rseq}): u32 cpu_id_start at 0, u32 cpu_id at 4, u64 rseq_cs at 8, u32
 * flags at 16, u32 node_id at 20, u32 mm_cid at 24; 28 bytes of features, aligned to 32. The model
 * has one NUMA node; mm_cid, the concurrency id, is 0 for a single-threaded process and the CPU's
 * number otherwise (unique among the threads running at once, though not compacted as Linux's
 * per-mm allocator does).
 */
final class Rseq {
    static final int ORIG_RSEQ_SIZE = 32, RSEQ_ALIGN = 32, RSEQ_FEATURE_SIZE = 28, RSEQ_FLAG_UNREGISTER = 1;
    static final int RSEQ_CPU_ID_UNINITIALIZED = -1;
    /** sizeof(struct rseq_cs): u32 version, u32 flags, u64 start_ip, post_commit_offset, abort_ip. */
    static final int RSEQ_CS_SIZE = 32;

    private final UserAccess uaccess;
    private final Processes procs;
    /** The tid each CPU last returned to user mode with: another one there means a context switch (rseq_preempt()). */
    private final int[] lastTaskOn = new int[Kernel.MAX_CPUS];

    Rseq(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
    }

    /** Models sys_rseq(): registration, or unregistration with RSEQ_FLAG_UNREGISTER, in Linux's order of checks. */
    long sysRseq(ArchCpu cpu, Task t, long rseq, int rseqLen, int flags, int sig) {
        MmStruct mm = t.mm();
        if ((flags & RSEQ_FLAG_UNREGISTER) != 0) {
            if ((flags & ~RSEQ_FLAG_UNREGISTER) != 0) return -Errno.EINVAL;
            if (t.rseq != rseq || t.rseq == 0) return -Errno.EINVAL;
            if (rseqLen != t.rseqLen) return -Errno.EINVAL;
            if (t.rseqSig != sig) return -Errno.EPERM;
            // rseq_reset_rseq_cpu_node_id()
            if (!putInt(mm, rseq, 0) || !putInt(mm, rseq + 4, RSEQ_CPU_ID_UNINITIALIZED) || !putInt(mm, rseq + 20, 0)
                    || !putInt(mm, rseq + 24, 0)) {
                return -Errno.EFAULT;
            }
            t.rseq = 0;
            t.rseqSig = 0;
            t.rseqLen = 0;
            return 0;
        }
        if (flags != 0) return -Errno.EINVAL;
        if (t.rseq != 0) {
            if (t.rseq != rseq || rseqLen != t.rseqLen) return -Errno.EINVAL;
            if (t.rseqSig != sig) return -Errno.EPERM;
            return -Errno.EBUSY; // already registered
        }
        long len = rseqLen & 0xffff_ffffL;
        if (len < ORIG_RSEQ_SIZE || (len == ORIG_RSEQ_SIZE && rseq % ORIG_RSEQ_SIZE != 0)
                || (len != ORIG_RSEQ_SIZE && (rseq % RSEQ_ALIGN != 0 || len < RSEQ_FEATURE_SIZE))) {
            return -Errno.EINVAL;
        }
        if (Long.compareUnsigned(rseq + len, MmStruct.TASK_SIZE) > 0 || Long.compareUnsigned(rseq + len, rseq) < 0) {
            return -Errno.EFAULT; // access_ok()
        }
        // A stale rseq_cs (an area reused by a new thread) is cleared rather than refused.
        long[] cs = new long[1];
        if (!getLong(mm, rseq + 8, cs)) return -Errno.EFAULT;
        if (cs[0] != 0 && !putLong(mm, rseq + 8, 0)) return -Errno.EFAULT;
        t.rseq = rseq;
        t.rseqLen = rseqLen;
        t.rseqSig = sig;
        // rseq_set_notify_resume(): the fields are written before the thread is back in user mode.
        if (!updateCpuNodeId(cpu, t)) Signals.forceSigFault(t, SigInfo.fault(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0));
        lastTaskOn[cpu.id()] = t.pid();
        return 0;
    }

    /**
     * Models rseq_fork() for fork (the child keeps the parent's registration) and for a thread
     * (CLONE_VM: it starts without one).
     */
    static void fork(Task parent, Task child, boolean thread) {
        child.rseq = thread ? 0 : parent.rseq;
        child.rseqLen = thread ? 0 : parent.rseqLen;
        child.rseqSig = thread ? 0 : parent.rseqSig;
        child.rseqEvent = !thread && parent.rseqEvent;
    }

    /** Models rseq_execve(): the new program starts unregistered. */
    static void execve(Task t) {
        t.rseq = 0;
        t.rseqLen = 0;
        t.rseqSig = 0;
        t.rseqEvent = false;
    }

    /**
     * The rseq part of exit_to_user_mode_loop(), for a task {@link #needsResume} said needs it:
     * models __rseq_handle_notify_resume(): rseq_ip_fixup() on the registers in {@code regs} (the
     * caller loads and stores them), then rseq_update_cpu_node_id().
     *
     * @return 1 when {@code regs.rip} moved to an abort handler, 0 when nothing moved, -1 when the
     *         area could not be read or written or held a bad critical section (the task gets SIGSEGV)
     */
    int handleNotifyResume(ArchCpu cpu, Task t, PtRegs regs) {
        t.rseqEvent = true;
        int moved = ipFixup(t, regs);
        if (moved < 0 || !updateCpuNodeId(cpu, t)) {
            Signals.forceSigFault(t, SigInfo.fault(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0));
            return -1;
        }
        return moved;
    }

    /**
     * Whether a return to user mode of {@code t} on {@code cpu} needs {@link #handleNotifyResume}
     * (TIF_NOTIFY_RESUME): a registered area and either another task ran on the CPU since
     * (rseq_preempt(), rseq_migrate()) or a signal is about to be delivered (rseq_signal_deliver()).
     * Records {@code t} as the CPU's last task.
     */
    boolean needsResume(ArchCpu cpu, Task t, boolean signal) {
        boolean switched = lastTaskOn[cpu.id()] != t.pid();
        lastTaskOn[cpu.id()] = t.pid();
        return t.rseq != 0 && (switched || signal);
    }

    /** Models rseq_ip_fixup(): 1 when the critical section {@code regs.rip} is in was aborted, 0 when none, -1 on error. */
    private int ipFixup(Task t, PtRegs regs) {
        MmStruct mm = t.mm();
        long[] ptr = new long[1];
        if (!getLong(mm, t.rseq + 8, ptr)) return -1;
        long startIp = 0, postCommitOffset = 0, abortIp = 0;
        int csFlags = 0;
        if (ptr[0] != 0) {
            // rseq_get_rseq_cs()
            if (Long.compareUnsigned(ptr[0], MmStruct.TASK_SIZE) >= 0) return -1;
            byte[] b = new byte[RSEQ_CS_SIZE];
            if (uaccess.copyFromUser(mm, b, 0, ptr[0], RSEQ_CS_SIZE) != 0) return -1;
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (bb.getInt(0) != 0) return -1; // version
            csFlags = bb.getInt(4);
            startIp = bb.getLong(8);
            postCommitOffset = bb.getLong(16);
            abortIp = bb.getLong(24);
            long endIp = startIp + postCommitOffset;
            if (Long.compareUnsigned(endIp, MmStruct.TASK_SIZE) >= 0 || Long.compareUnsigned(endIp, startIp) < 0) return -1;
            // The abort handler may not lie inside the critical section.
            if (Long.compareUnsigned(abortIp - startIp, postCommitOffset) < 0) return -1;
            long sig = uaccess.getUserInt(mm, abortIp - 4, Long.MIN_VALUE);
            if (sig == Long.MIN_VALUE || (int) sig != t.rseqSig) return -1;
        }
        // in_rseq_cs(): outside every critical section the pointer is only cleared.
        if (Long.compareUnsigned(regs.rip - startIp, postCommitOffset) >= 0) return putLong(mm, t.rseq + 8, 0) ? 0 : -1;
        // rseq_need_restart(): the deprecated NO_RESTART flags, in the area or the section, are refused.
        long flags = uaccess.getUserInt(mm, t.rseq + 16, Long.MIN_VALUE);
        if (flags == Long.MIN_VALUE || flags != 0 || csFlags != 0) return -1;
        t.rseqEvent = false;
        if (!putLong(mm, t.rseq + 8, 0)) return -1;
        regs.rip = abortIp;
        return 1;
    }

    /** Models rseq_update_cpu_node_id(): the CPU in cpu_id_start and cpu_id, node 0, the concurrency id. */
    private boolean updateCpuNodeId(ArchCpu cpu, Task t) {
        MmStruct mm = t.mm();
        int mmCid = threadsOf(t) > 1 ? cpu.id() : 0;
        return putInt(mm, t.rseq, cpu.id()) && putInt(mm, t.rseq + 4, cpu.id()) && putInt(mm, t.rseq + 20, 0)
                && putInt(mm, t.rseq + 24, mmCid);
    }

    private int threadsOf(Task t) {
        int n = 0;
        for (Processes.Proc p : procs.alive()) if (p.task.tgid() == t.tgid()) n++;
        return n;
    }

    private boolean putInt(MmStruct mm, long uaddr, int v) {
        return uaccess.putUserInt(mm, uaddr, v) >= 0;
    }

    private boolean putLong(MmStruct mm, long uaddr, long v) {
        return uaccess.putUserLong(mm, uaddr, v) >= 0;
    }

    private boolean getLong(MmStruct mm, long uaddr, long[] out) {
        byte[] b = new byte[8];
        if (uaccess.copyFromUser(mm, b, 0, uaddr, 8) != 0) return false;
        out[0] = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return true;
    }
}
