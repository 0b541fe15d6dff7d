package io.mmemu.kernel;

import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;

/**
 * arch_prctl(), arch/x86/kernel/process_64.c: the FS and GS bases of 64-bit code. The new bases
 * go to the CPU with the syscall's result ({@link PtRegs#fsBase}, {@link PtRegs#gsBase}), and the
 * FS base is kept in the task (thread_struct.fsbase) for the task's next switch.
 */
final class ArchPrctl {
    private ArchPrctl() {}

    static final int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;

    /** Models do_arch_prctl_64(): a base must be a user address (EPERM), an unknown option is EINVAL. */
    static long doArchPrctl64(UserAccess uaccess, PtRegs regs, Task task, int option, long arg) {
        switch (option) {
            case ARCH_SET_FS -> {
                if (arg < 0 || arg >= MmStruct.TASK_SIZE) return -Errno.EPERM;
                task.fsBase = arg;
                regs.fsBase = arg;
                return 0;
            }
            case ARCH_SET_GS -> {
                if (arg < 0 || arg >= MmStruct.TASK_SIZE) return -Errno.EPERM;
                regs.gsBase = arg;
                return 0;
            }
            case ARCH_GET_FS -> {
                return uaccess.putUserLong(task.mm(), arg, regs.fsBase);
            }
            case ARCH_GET_GS -> {
                return uaccess.putUserLong(task.mm(), arg, regs.gsBase);
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
    }
}
