package io.mmemu.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.AnonVmaName;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Mdwe;
import io.mmemu.mm.vma.MmStruct;
import java.nio.charset.StandardCharsets;

/**
 * prctl(), kernel/sys.c, for the options the model knows: PR_SET_NAME/PR_GET_NAME (task->comm,
 * shown in /proc/PID/comm and status), PR_SET_MDWE/PR_GET_MDWE ({@link Mdwe}) and PR_SET_VMA:
 * anonymous VMA names ({@link AnonVmaName}) on a kernel built with CONFIG_ANON_VMA_NAME, else
 * EINVAL, as the reference host's kernel answers (machines are built that way by default). Every other option is EINVAL, as sys_prctl()'s default case.
 */
final class Prctl {
    static final int PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_MDWE = 65, PR_GET_MDWE = 66;
    static final int PR_SET_VMA = 0x53564d41;
    /** TASK_COMM_LEN: sizeof(task->comm), the NUL included. */
    static final int TASK_COMM_LEN = 16;

    static final int PR_SET_VMA_ANON_NAME = 0;

    private final UserAccess uaccess;
    /** CONFIG_ANON_VMA_NAME: whether PR_SET_VMA names anonymous memory or is EINVAL. */
    private final boolean anonVmaName;

    /**
     * @param uaccess     user memory access
     * @param anonVmaName whether the kernel is built with CONFIG_ANON_VMA_NAME
     */
    Prctl(UserAccess uaccess, boolean anonVmaName) {
        this.uaccess = uaccess;
        this.anonVmaName = anonVmaName;
    }

    /** Models sys_prctl(): the option's handler, or EINVAL for an option the kernel does not know. */
    long sysPrctl(Task t, int option, long arg2, long arg3, long arg4, long arg5) {
        return switch (option) {
            case PR_SET_NAME -> setName(t, arg2);
            case PR_GET_NAME -> getName(t, arg2);
            case PR_SET_MDWE -> prctlSetMdwe(t.mm(), arg2, arg3, arg4, arg5);
            case PR_GET_MDWE -> arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0 ? -Errno.EINVAL : t.mm().mdwe;
            case PR_SET_VMA -> anonVmaName ? prctlSetVma(t, arg2, arg3, arg4, arg5) : -Errno.EINVAL;
            default -> -Errno.EINVAL;
        };
    }

    /**
     * Models PR_SET_NAME: strncpy_from_user() of at most 15 bytes, stopping at a NUL (a fault
     * before either is EFAULT and leaves the name), then set_task_comm().
     */
    private long setName(Task t, long uname) {
        byte[] comm = new byte[TASK_COMM_LEN - 1];
        int len = 0;
        while (len < comm.length) {
            if (uaccess.copyFromUser(t.mm(), comm, len, uname + len, 1) != 0) return -Errno.EFAULT;
            if (comm[len] == 0) break;
            len++;
        }
        t.setComm(new String(comm, 0, len, StandardCharsets.ISO_8859_1));
        return 0;
    }

    /** Models PR_GET_NAME: get_task_comm() pads with NULs, all TASK_COMM_LEN bytes are copied. */
    private long getName(Task t, long uname) {
        byte[] comm = new byte[TASK_COMM_LEN];
        byte[] b = t.comm().getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(b, 0, comm, 0, Math.min(b.length, TASK_COMM_LEN - 1));
        return uaccess.copyToUser(t.mm(), uname, comm, 0, comm.length) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models prctl_set_vma() with CONFIG_ANON_VMA_NAME: PR_SET_VMA_ANON_NAME only (EINVAL); the name
     * copied by strndup_user() (EFAULT, EINVAL when 80 bytes hold no NUL), each byte a valid name
     * character (EINVAL), then {@link AnonVmaName#madviseSetAnonName}; a NULL name removes it.
     */
    private long prctlSetVma(Task t, long opt, long addr, long size, long uname) {
        if (opt != PR_SET_VMA_ANON_NAME) return -Errno.EINVAL;
        String name = null;
        if (uname != 0) {
            byte[] b = uaccess.strncpyFromUser(t.mm(), uname, AnonVmaName.ANON_VMA_NAME_MAX_LEN);
            if (b == null) {
                byte[] probe = new byte[AnonVmaName.ANON_VMA_NAME_MAX_LEN];
                return uaccess.copyFromUser(t.mm(), probe, 0, uname, probe.length) == 0 ? -Errno.EINVAL : -Errno.EFAULT;
            }
            for (byte c : b) if (!AnonVmaName.isValidNameChar(c)) return -Errno.EINVAL;
            name = new String(b, StandardCharsets.US_ASCII);
        }
        return AnonVmaName.madviseSetAnonName(t.mm(), addr, size, name);
    }

    /** Models prctl_set_mdwe(), kernel/sys.c: set bits cannot be changed or cleared (EPERM). */
    private static long prctlSetMdwe(MmStruct mm, long bits, long arg3, long arg4, long arg5) {
        if (arg3 != 0 || arg4 != 0 || arg5 != 0) return -Errno.EINVAL;
        if ((bits & ~(long) (Mdwe.PR_MDWE_REFUSE_EXEC_GAIN | Mdwe.PR_MDWE_NO_INHERIT)) != 0) return -Errno.EINVAL;
        // NO_INHERIT only makes sense with REFUSE_EXEC_GAIN.
        if ((bits & Mdwe.PR_MDWE_NO_INHERIT) != 0 && (bits & Mdwe.PR_MDWE_REFUSE_EXEC_GAIN) == 0) return -Errno.EINVAL;
        if (mm.mdwe != 0 && mm.mdwe != bits) return -Errno.EPERM;
        mm.mdwe = (int) bits;
        return 0;
    }

    /**
     * The name as proc_task_name() prints it in /proc/PID/status: seq_escape_str() with
     * ESCAPE_SPACE | ESCAPE_SPECIAL limited to "\n\\", so a newline shows as \n and a backslash doubled.
     */
    static String escapedComm(String comm) {
        return comm.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
