package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * The syscalls of kernel/sys.c the model implements beyond the one-liners of the table (getpid
 * and the ids): uname, getrusage, process groups and sessions (setpgid, getpgid, setsid,
 * getsid), and prlimit64's lookup of its target. The limits themselves are
 * {@link Rlimits}', the credentials {@link Credentials}'.
 */
final class SysSyscalls {
    static final int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
    /** sizeof(struct rusage). */
    static final int RUSAGE_SIZE = 144;
    /** __NEW_UTS_LEN + 1: each of struct new_utsname's six fields. */
    static final int UTS_FIELD = 65;
    /** The machine's uname fields: sysname, nodename, release, version, machine, domainname. */
    private static final String[] UTSNAME = {"Linux", "mmemu", "6.18.0-mmemu", "#1 SMP PREEMPT_DYNAMIC mmemu", "x86_64",
        "(none)"};

    private final UserAccess uaccess;
    private final Processes procs;
    private final Rlimits rlimits;
    private final CpuTimers cpuTimers;

    SysSyscalls(UserAccess uaccess, Processes procs, Rlimits rlimits, CpuTimers cpuTimers) {
        this.uaccess = uaccess;
        this.procs = procs;
        this.rlimits = rlimits;
        this.cpuTimers = cpuTimers;
    }

    /**
     * Models getcpu(), kernel/sys.c: the CPU the caller runs on to {@code cpup} and its NUMA node
     * (0: one node) to {@code nodep}, each unless NULL; EFAULT when a copy fails.
     */
    long getcpu(ArchCpu cpu, Task t, long cpup, long nodep) {
        if (cpup != 0 && uaccess.putUserInt(t.mm(), cpup, cpu.id()) < 0) return -Errno.EFAULT;
        if (nodep != 0 && uaccess.putUserInt(t.mm(), nodep, 0) < 0) return -Errno.EFAULT;
        return 0;
    }

    /** Models find_task_by_vpid(): the task of {@code pid}, zombies included, or null (reaped or never there). */
    private Processes.Proc findTaskByVpid(int pid) {
        return pid > 0 ? procs.byPid(pid) : null;
    }

    /**
     * Models setpgid(), kernel/sys.c: the caller (pid 0) or one of its children moves to process
     * group {@code pgid} (0: its own pid), which must exist in the caller's session unless it is
     * the mover's own pid. EINVAL for a negative pgid or a thread; ESRCH for no such task or one
     * neither the caller nor its child; EPERM for a child in another session, a session leader,
     * or a group missing from the session; EACCES for a child that has run execve().
     */
    long setpgid(Task t, int pid, int pgid) {
        Processes.Proc groupLeader = procs.leaderOf(t);
        if (pid == 0) pid = t.tgid();
        if (pgid == 0) pgid = pid;
        if (pgid < 0) return -Errno.EINVAL;
        Processes.Proc p = findTaskByVpid(pid);
        if (p == null) return -Errno.ESRCH;
        if (!p.task.isGroupLeader()) return -Errno.EINVAL;
        if (p.task.ppid() == t.tgid()) { // same_thread_group(p->real_parent, group_leader)
            if (p.sid != groupLeader.sid) return -Errno.EPERM;
            if (p.execed) return -Errno.EACCES;
        } else if (p != groupLeader) {
            return -Errno.ESRCH;
        }
        if (p.sessionLeader) return -Errno.EPERM;
        if (pgid != pid && !pgrpInSession(pgid, groupLeader.sid)) return -Errno.EPERM;
        p.pgid = pgid;
        return 0;
    }

    /** Whether process group {@code pgid} has a member (pid_task(pgrp, PIDTYPE_PGID)) in session {@code sid}. */
    private boolean pgrpInSession(int pgid, int sid) {
        for (Processes.Proc g : procs.all()) {
            if (!g.reaped && g.task.isGroupLeader() && g.pgid == pgid) return g.sid == sid;
        }
        return false;
    }

    /** Models do_getpgid(): the process group of the caller (pid 0) or of any task of {@code pid}, else ESRCH. */
    long getpgid(Task t, int pid) {
        if (pid == 0) return procs.leaderOf(t).pgid;
        Processes.Proc p = findTaskByVpid(pid);
        return p == null ? -Errno.ESRCH : procs.leaderOf(p.task).pgid;
    }

    /** Models getsid(): the session of the caller (pid 0) or of any task of {@code pid}, else ESRCH. */
    long getsid(Task t, int pid) {
        if (pid == 0) return procs.leaderOf(t).sid;
        Processes.Proc p = findTaskByVpid(pid);
        return p == null ? -Errno.ESRCH : procs.leaderOf(p.task).sid;
    }

    /**
     * Models ksys_setsid(): the process leads a new session and a new process group, both its pid;
     * EPERM when it already leads a session or a process group with its pid exists.
     */
    long setsid(Task t) {
        Processes.Proc groupLeader = procs.leaderOf(t);
        int sid = t.tgid();
        if (groupLeader.sessionLeader || procs.pgrpExists(sid)) return -Errno.EPERM;
        groupLeader.sessionLeader = true;
        groupLeader.sid = sid;
        groupLeader.pgid = sid;
        return sid;
    }

    /** sizeof(struct sysinfo) on x86-64. */
    static final int SYSINFO_SIZE = 112;

    private PageAllocator allocator;
    private LongSupplier shmemPages = () -> 0;

    /** Gives sysinfo() the page allocator. */
    void setAllocator(PageAllocator allocator) {
        this.allocator = allocator;
    }

    /** Gives sysinfo() the count of shared memory (tmpfs) pages. */
    void setShmemPages(LongSupplier shmemPages) {
        this.shmemPages = shmemPages;
    }

    /**
     * Models do_sysinfo(), kernel/sys.c, and its copy to {@code info} (EFAULT): uptime in seconds
     * of CLOCK_BOOTTIME rounded up, load averages (none here, as /proc/loadavg), the tasks, and
     * si_meminfo()'s totalram (managed pages), freeram, sharedram (tmpfs's pages; shared anonymous
     * memory is not counted) and bufferram (no block devices), no swap, no high memory; on 64-bit the
     * sizes are scaled to bytes and mem_unit is 1.
     */
    long sysinfo(Task t, long info, long boottimeNs) {
        long uptime = boottimeNs / 1_000_000_000L + (boottimeNs % 1_000_000_000L != 0 ? 1 : 0);
        ByteBuffer b = ByteBuffer.allocate(SYSINFO_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, uptime);
        long page = PageTypes.PAGE_SIZE;
        b.putLong(32, allocator == null ? 0 : allocator.nrManagedPages() * page);
        b.putLong(40, allocator == null ? 0 : allocator.nrFreePages() * page);
        b.putLong(48, shmemPages.getAsLong() * page);
        b.putShort(80, (short) procs.nrThreads());
        b.putInt(104, 1);
        return uaccess.copyToUser(t.mm(), info, b.array(), 0, SYSINFO_SIZE) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models newuname(): struct new_utsname, six fields of 65 bytes. */
    long newuname(MmStruct mm, long buf) {
        byte[] uts = new byte[UTSNAME.length * UTS_FIELD];
        for (int i = 0; i < UTSNAME.length; i++) {
            byte[] b = UTSNAME[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, uts, UTS_FIELD * i, Math.min(b.length, UTS_FIELD - 1));
        }
        return uaccess.copyToUser(mm, buf, uts, 0, uts.length) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models sys_getrusage(): EINVAL for an unknown {@code who} before anything is copied; the
     * usage (all zeros here) is copied even to NULL.
     */
    long getrusage(MmStruct mm, int who, long ru) {
        if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -Errno.EINVAL;
        return uaccess.copyToUser(mm, ru, new byte[RUSAGE_SIZE], 0, RUSAGE_SIZE) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models prlimit64() for the process of {@code pid} (0: the caller); see {@link Rlimits#prlimit64}. */
    long prlimit64(Task task, int pid, int resource, long newAddr, long oldAddr) {
        Processes.Proc target = pid == 0 ? procs.of(task) : pid > 0 ? procs.byPid(pid) : null;
        if (target != null && !target.alive()) target = null; // find_task_by_vpid() finds no exited task
        return rlimits.prlimit64(task, procs.of(task).cred, target == null ? null : target.task,
                target == null ? null : target.cred, resource, newAddr, oldAddr);
    }

    /**
     * After a successful setrlimit() or prlimit64(): while a finite RLIMIT_CPU exists the CPUs
     * count instructions (started between runs) and every run is a time slice ending at the next
     * limit, so this CPU gives way at once and the scheduler sets that up.
     */
    long limitsChanged(ArchCpu cpu, long result) {
        if (result == 0 && cpuTimers.armed()) cpu.requestReschedule();
        return result;
    }
}
