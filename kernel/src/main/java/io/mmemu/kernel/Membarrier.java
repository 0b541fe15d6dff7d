package io.mmemu.kernel;

import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;

/**
 * membarrier(), kernel/sched/membarrier.c (6.12), on an x86-64 kernel with CONFIG_RSEQ and
 * ARCH_HAS_MEMBARRIER_SYNC_CORE: the registrations live in {@link MmStruct#membarrierState};
 * the barriers themselves need nothing more in the model, whose CPUs see one memory in order.
 */
final class Membarrier {
    private Membarrier() {}

    static final int CMD_QUERY = 0, CMD_GLOBAL = 1, CMD_GLOBAL_EXPEDITED = 2, CMD_REGISTER_GLOBAL_EXPEDITED = 4,
            CMD_PRIVATE_EXPEDITED = 8, CMD_REGISTER_PRIVATE_EXPEDITED = 16, CMD_PRIVATE_EXPEDITED_SYNC_CORE = 32,
            CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64, CMD_PRIVATE_EXPEDITED_RSEQ = 128,
            CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 256, CMD_GET_REGISTRATIONS = 512;
    static final int CMD_FLAG_CPU = 1;
    /** MEMBARRIER_CMD_BITMASK: every command but QUERY (no nohz_full CPU here, so GLOBAL stays). */
    static final int CMD_BITMASK = 1023;
    static final int STATE_PRIVATE_EXPEDITED_READY = 1, STATE_PRIVATE_EXPEDITED = 2, STATE_GLOBAL_EXPEDITED_READY = 4,
            STATE_GLOBAL_EXPEDITED = 8, STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY = 16, STATE_PRIVATE_EXPEDITED_SYNC_CORE = 32,
            STATE_PRIVATE_EXPEDITED_RSEQ_READY = 64, STATE_PRIVATE_EXPEDITED_RSEQ = 128;
    private static final int FLAG_SYNC_CORE = 1, FLAG_RSEQ = 2;

    /** Models sys_membarrier(): flags only CPU and only for PRIVATE_EXPEDITED_RSEQ, then the command. */
    static long sysMembarrier(MmStruct mm, int cmd, int flags) {
        if (cmd == CMD_PRIVATE_EXPEDITED_RSEQ) {
            if (flags != 0 && flags != CMD_FLAG_CPU) return -Errno.EINVAL;
        } else if (flags != 0) {
            return -Errno.EINVAL;
        }
        return switch (cmd) {
            case CMD_QUERY -> CMD_BITMASK;
            case CMD_GLOBAL, CMD_GLOBAL_EXPEDITED -> 0;
            case CMD_REGISTER_GLOBAL_EXPEDITED -> {
                mm.membarrierState |= STATE_GLOBAL_EXPEDITED | STATE_GLOBAL_EXPEDITED_READY;
                yield 0;
            }
            case CMD_PRIVATE_EXPEDITED -> privateExpedited(mm, STATE_PRIVATE_EXPEDITED_READY);
            case CMD_PRIVATE_EXPEDITED_SYNC_CORE -> privateExpedited(mm, STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY);
            // A CPU that is not online (any id with MEMBARRIER_CMD_FLAG_CPU out of range) is no error either.
            case CMD_PRIVATE_EXPEDITED_RSEQ -> privateExpedited(mm, STATE_PRIVATE_EXPEDITED_RSEQ_READY);
            case CMD_REGISTER_PRIVATE_EXPEDITED -> registerPrivateExpedited(mm, 0);
            case CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE -> registerPrivateExpedited(mm, FLAG_SYNC_CORE);
            case CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ -> registerPrivateExpedited(mm, FLAG_RSEQ);
            case CMD_GET_REGISTRATIONS -> getRegistrations(mm);
            default -> -Errno.EINVAL;
        };
    }

    /** Models membarrier_private_expedited(): EPERM unless the matching registration is ready. */
    private static long privateExpedited(MmStruct mm, int readyState) {
        return (mm.membarrierState & readyState) == 0 ? -Errno.EPERM : 0;
    }

    /** Models membarrier_register_private_expedited(): SYNC_CORE and RSEQ also set PRIVATE_EXPEDITED (not its ready bit). */
    private static long registerPrivateExpedited(MmStruct mm, int flags) {
        int ready = flags == FLAG_SYNC_CORE ? STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY
                : flags == FLAG_RSEQ ? STATE_PRIVATE_EXPEDITED_RSEQ_READY : STATE_PRIVATE_EXPEDITED_READY;
        if ((mm.membarrierState & ready) == ready) return 0;
        int set = STATE_PRIVATE_EXPEDITED;
        if (flags == FLAG_SYNC_CORE) set |= STATE_PRIVATE_EXPEDITED_SYNC_CORE;
        if (flags == FLAG_RSEQ) set |= STATE_PRIVATE_EXPEDITED_RSEQ;
        mm.membarrierState |= set | ready;
        return 0;
    }

    /** Models membarrier_get_registrations(): the REGISTER_* command of each state pair with a bit set. */
    private static long getRegistrations(MmStruct mm) {
        int state = mm.membarrierState, mask = 0;
        int[] states = {STATE_GLOBAL_EXPEDITED | STATE_GLOBAL_EXPEDITED_READY,
            STATE_PRIVATE_EXPEDITED | STATE_PRIVATE_EXPEDITED_READY,
            STATE_PRIVATE_EXPEDITED_SYNC_CORE | STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY,
            STATE_PRIVATE_EXPEDITED_RSEQ | STATE_PRIVATE_EXPEDITED_RSEQ_READY};
        int[] cmds = {CMD_REGISTER_GLOBAL_EXPEDITED, CMD_REGISTER_PRIVATE_EXPEDITED,
            CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ};
        for (int i = 0; i < states.length; i++) if ((state & states[i]) != 0) mask |= cmds[i];
        return mask;
    }
}
