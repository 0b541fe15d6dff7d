package io.mmemu.emulator.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Capabilities as kernel/capability.c and security/commoncap.c keep them: capget() and capset()
 * with their header and data checks in the kernel's order, cap_capset()'s rules for what a task
 * may change, and what execve() gives root back. The sets themselves live in each {@link Task}
 * (its credentials); the bounding set is the full set (nothing here drops from it), the ambient
 * set is empty and no LSM has a say.
 *
 * <p>The header is {@code struct __user_cap_header_struct {u32 version; int pid;}}; the data is
 * one ({@code _LINUX_CAPABILITY_VERSION_1}) or two (versions 2 and 3) {@code struct
 * __user_cap_data_struct {u32 effective, permitted, inheritable;}}, the low 32 capabilities first.
 */
final class Capabilities {
    static final int CAP_SETPCAP = 8, CAP_SYS_RAWIO = 17, CAP_SYS_RESOURCE = 24;
    static final int VERSION_1 = 0x19980330, VERSION_2 = 0x20071026, VERSION_3 = 0x20080522;
    /** cap_bset: every capability (PR_CAPBSET_DROP is not modelled). */
    static final long BOUNDING_SET = Task.CAP_FULL_SET;

    private final UserAccess uaccess;
    private final Processes procs;

    Capabilities(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
    }

    /** Models has_capability(): whether {@code cap} is in the task's effective set. */
    static boolean capable(Task task, int cap) {
        return (task.capEffective & (1L << cap)) != 0;
    }

    /**
     * Models cap_validate_magic(): the number of u32 words per set the header's version asks for,
     * or a negative errno: EFAULT when the version cannot be read, EINVAL for an unknown version
     * once the preferred one (version 3) has been written back, EFAULT when that write fails.
     */
    private int validateMagic(MmStruct mm, long header) {
        long version = uaccess.getUserInt(mm, header, -1L);
        if (version == -1L) return -Errno.EFAULT;
        return switch ((int) version) {
            case VERSION_1 -> 1;
            case VERSION_2, VERSION_3 -> 2;
            default -> uaccess.putUserInt(mm, header, VERSION_3) < 0 ? -Errno.EFAULT : -Errno.EINVAL;
        };
    }

    /** The header's pid (get_user() of the int after the version), or null on EFAULT. */
    private Integer headerPid(MmStruct mm, long header) {
        long pid = uaccess.getUserInt(mm, header + 4, -1L);
        return pid == -1L ? null : (int) pid;
    }

    /**
     * Models sys_capget(): with a NULL data pointer it only probes the version (an unknown one
     * answers 0 after the preferred one was written back); a negative pid is EINVAL, an unknown
     * one ESRCH; {@code tocopy} words of each set are copied out.
     */
    long capget(Task task, long header, long dataptr) {
        MmStruct mm = task.mm();
        int tocopy = validateMagic(mm, header);
        if (dataptr == 0 || tocopy < 0) return dataptr == 0 && tocopy == -Errno.EINVAL ? 0 : Math.min(tocopy, 0);
        Integer pid = headerPid(mm, header);
        if (pid == null) return -Errno.EFAULT;
        if (pid < 0) return -Errno.EINVAL;
        Task target = task;
        if (pid != 0 && pid != task.pid()) {
            Processes.Proc p = procs.byPid(pid);
            if (p == null) return -Errno.ESRCH;
            target = p.task;
        }
        ByteBuffer b = ByteBuffer.allocate(12 * tocopy).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < tocopy; i++) {
            b.putInt((int) (target.capEffective >>> (32 * i))).putInt((int) (target.capPermitted >>> (32 * i)))
                    .putInt((int) (target.capInheritable >>> (32 * i)));
        }
        return uaccess.copyToUser(mm, dataptr, b.array(), 0, b.capacity()) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models sys_capset() and cap_capset(): the version, then the pid (only the caller: 0 or its
     * own tid, else EPERM), then the data; the sets are cut to the known capabilities, and the
     * change is refused (EPERM) when it would raise the inheritable set beyond the old
     * inheritable and permitted sets (unless CAP_SETPCAP) or the bounding set, raise the permitted
     * set, or make an effective capability that is not permitted.
     */
    long capset(Task task, long header, long data) {
        MmStruct mm = task.mm();
        int tocopy = validateMagic(mm, header);
        if (tocopy < 0) return tocopy;
        Integer pid = headerPid(mm, header);
        if (pid == null) return -Errno.EFAULT;
        if (pid != 0 && pid != task.pid()) return -Errno.EPERM;
        byte[] k = new byte[12 * tocopy];
        if (uaccess.copyFromUser(mm, k, 0, data, k.length) < 0) return -Errno.EFAULT;
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        long effective = 0, permitted = 0, inheritable = 0;
        for (int i = 0; i < tocopy; i++) {
            effective |= (b.getInt() & 0xffff_ffffL) << (32 * i);
            permitted |= (b.getInt() & 0xffff_ffffL) << (32 * i);
            inheritable |= (b.getInt() & 0xffff_ffffL) << (32 * i);
        }
        effective &= Task.CAP_FULL_SET;
        permitted &= Task.CAP_FULL_SET;
        inheritable &= Task.CAP_FULL_SET;
        boolean inheritableCapped = !capable(task, CAP_SETPCAP);
        if (inheritableCapped && (inheritable & ~(task.capInheritable | task.capPermitted)) != 0) return -Errno.EPERM;
        if ((inheritable & ~(task.capInheritable | BOUNDING_SET)) != 0) return -Errno.EPERM;
        if ((permitted & ~task.capPermitted) != 0) return -Errno.EPERM;
        if ((effective & ~permitted) != 0) return -Errno.EPERM;
        task.capEffective = effective;
        task.capPermitted = permitted;
        task.capInheritable = inheritable;
        return 0;
    }

    /**
     * Models cap_bprm_creds_from_file() for root running a file without file capabilities: the
     * new permitted set is the bounding set plus the inheritable one, and all of it is effective,
     * so a root program that dropped capabilities has them again after execve().
     */
    static void execve(Task task) {
        task.capPermitted = BOUNDING_SET | task.capInheritable;
        task.capEffective = task.capPermitted;
    }
}
