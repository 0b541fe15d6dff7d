package io.mmemu.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Mbind;
import io.mmemu.mm.vma.MemPolicy;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;

/**
 * The NUMA memory-policy syscalls of mm/mempolicy.c (6.12), set_mempolicy, get_mempolicy and
 * mbind, on a machine whose only node is node 0 (nr_node_ids 1, MAX_NUMNODES 1024 as
 * CONFIG_NODES_SHIFT=10 gives). The task's policy is {@link Task#mempolicy}, a VMA's
 * {@link Vma#policy()}; the policies themselves are {@link MemPolicy}, mbind's range work {@link Mbind}.
 */
final class MempolicySyscalls {
    static final int MAX_NUMNODES = 1024, NR_NODE_IDS = 1, BITS_PER_LONG = 64;
    static final int MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;
    static final int CAP_SYS_NICE = 23;

    private final UserAccess uaccess;

    MempolicySyscalls(UserAccess uaccess) {
        this.uaccess = uaccess;
    }

    /** Models sanitize_mpol_flags(): the mode without its flags, or -1 when EINVAL. */
    private static int sanitizedMode(int mode) {
        int flags = mode & MemPolicy.MPOL_MODE_FLAGS;
        int m = mode & ~MemPolicy.MPOL_MODE_FLAGS;
        if (Integer.compareUnsigned(m, MemPolicy.MPOL_MAX) >= 0) return -1;
        if ((flags & MemPolicy.MPOL_F_STATIC_NODES) != 0 && (flags & MemPolicy.MPOL_F_RELATIVE_NODES) != 0) return -1;
        if ((flags & MemPolicy.MPOL_F_NUMA_BALANCING) != 0 && m != MemPolicy.MPOL_BIND && m != MemPolicy.MPOL_PREFERRED_MANY) {
            return -1;
        }
        return m;
    }

    /**
     * Models get_nodes(): the nodemask at {@code nmask} of {@code maxnode - 1} bits as
     * {low 64 bits, 1 if any bit is set}, or {errno}: EINVAL beyond a page of bits or for bits set
     * past MAX_NUMNODES, EFAULT.
     */
    private long[] getNodes(MmStruct mm, long nmask, long maxnode) {
        maxnode--;
        if (maxnode == 0 || nmask == 0) return new long[] {0, 0};
        if (Long.compareUnsigned(maxnode, 4096L * 8) > 0) return new long[] {-Errno.EINVAL};
        // Bits past MAX_NUMNODES must be zero, checked a word at a time from the end.
        while (maxnode > MAX_NUMNODES) {
            long bits = Math.min(maxnode, BITS_PER_LONG);
            long[] t = getBitmap(mm, nmask + ((maxnode - 1) / BITS_PER_LONG) * 8, bits);
            if (t == null) return new long[] {-Errno.EFAULT};
            long w = t[0];
            if (maxnode - bits >= MAX_NUMNODES) {
                maxnode -= bits;
            } else {
                maxnode = MAX_NUMNODES;
                w &= ~((1L << (MAX_NUMNODES % BITS_PER_LONG)) - 1);
            }
            if (w != 0) return new long[] {-Errno.EINVAL};
        }
        long[] words = getBitmap(mm, nmask, maxnode);
        if (words == null) return new long[] {-Errno.EFAULT};
        long any = 0;
        for (long w : words) any |= w;
        return new long[] {words[0], any != 0 ? 1 : 0};
    }

    /** Models get_bitmap(): BITS_TO_LONGS(nbits) words, the bits past nbits cleared; null on a fault. */
    private long[] getBitmap(MmStruct mm, long uaddr, long nbits) {
        int nlongs = (int) ((nbits + BITS_PER_LONG - 1) / BITS_PER_LONG);
        byte[] b = new byte[nlongs * 8];
        if (uaccess.copyFromUser(mm, b, 0, uaddr, b.length) != 0) return null;
        long[] w = new long[nlongs];
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(w);
        if (nbits % BITS_PER_LONG != 0) w[nlongs - 1] &= (1L << (nbits % BITS_PER_LONG)) - 1;
        return w;
    }

    /** Models kernel_set_mempolicy() → do_set_mempolicy(): the calling thread's policy. */
    long setMempolicy(Task t, int mode, long nmask, long maxnode) {
        int m = sanitizedMode(mode);
        if (m < 0) return -Errno.EINVAL;
        long[] nodes = getNodes(t.mm(), nmask, maxnode);
        if (nodes.length == 1) return nodes[0];
        Object p = MemPolicy.mpolNew(m, mode & MemPolicy.MPOL_MODE_FLAGS, nodes[0], nodes[1] != 0);
        if (p instanceof Integer e) return e;
        t.mempolicy = (MemPolicy) p;
        return 0;
    }

    /** Models kernel_mbind(): the mode and nodemask read, then {@link Mbind#doMbind}. */
    long mbind(Task t, Cred cred, long start, long len, int mode, long nmask, long maxnode, int flags) {
        int m = sanitizedMode(mode);
        if (m < 0) return -Errno.EINVAL;
        long[] nodes = getNodes(t.mm(), nmask, maxnode);
        if (nodes.length == 1) return nodes[0];
        return Mbind.doMbind(t.mm(), start, len, m, mode & MemPolicy.MPOL_MODE_FLAGS, nodes[0], nodes[1] != 0, flags,
                cred.capable(CAP_SYS_NICE));
    }

    /** Models kernel_get_mempolicy() → do_get_mempolicy() and copy_nodes_to_user(). */
    long getMempolicy(Task t, long policyAddr, long nmask, long maxnode, long addr, long flags) {
        MmStruct mm = t.mm();
        if (nmask != 0 && Long.compareUnsigned(maxnode, NR_NODE_IDS) < 0) return -Errno.EINVAL;
        if ((flags & ~(long) (MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) != 0) return -Errno.EINVAL;
        int policy;
        long nodes;
        if ((flags & MPOL_F_MEMS_ALLOWED) != 0) {
            if ((flags & (MPOL_F_NODE | MPOL_F_ADDR)) != 0) return -Errno.EINVAL;
            policy = 0;
            nodes = 1; // cpuset_current_mems_allowed
        } else {
            MemPolicy pol = t.mempolicy;
            if ((flags & MPOL_F_ADDR) != 0) {
                Vma vma = Long.compareUnsigned(addr, MmStruct.TASK_SIZE) >= 0 ? null : mm.vmaLookup(addr);
                if (vma == null) return -Errno.EFAULT;
                pol = vma.policy(); // no fallback to the task's policy: none is MPOL_DEFAULT
            } else if (addr != 0) {
                return -Errno.EINVAL;
            }
            if ((flags & MPOL_F_NODE) != 0) {
                if ((flags & MPOL_F_ADDR) != 0) {
                    // lookup_node(): the node of the page at addr, faulted in for reading.
                    if (!uaccess.faultIn(mm, addr & -4096L, false)) return -Errno.EFAULT;
                    policy = 0;
                } else if (pol != null && pol == t.mempolicy && pol.mode() == MemPolicy.MPOL_INTERLEAVE) {
                    policy = 0; // next_node_in(il_prev, nodes): node 0
                } else {
                    return -Errno.EINVAL;
                }
            } else {
                policy = pol == null ? MemPolicy.MPOL_DEFAULT : pol.mode() | (pol.flags() & MemPolicy.MPOL_MODE_FLAGS);
            }
            nodes = pol == null ? 0 : pol.reportedNodes();
        }
        if (policyAddr != 0 && uaccess.putUserInt(mm, policyAddr, policy) < 0) return -Errno.EFAULT;
        if (nmask == 0) return 0;
        // copy_nodes_to_user(): ALIGN(maxnode - 1, 64) / 8 bytes; past nr_node_ids' one word, zeros.
        long copy = ((maxnode - 1 + 63) & ~63L) / 8;
        int nbytes = 8;
        if (Long.compareUnsigned(copy, nbytes) > 0) {
            if (copy > 4096) return -Errno.EINVAL;
            if (uaccess.clearUser(mm, nmask + nbytes, (int) (copy - nbytes)) != 0) return -Errno.EFAULT;
            copy = nbytes;
        }
        if (copy == 0) return 0;
        byte[] b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, nodes).array();
        return uaccess.copyToUser(mm, nmask, b, 0, (int) copy) < 0 ? -Errno.EFAULT : 0;
    }
}
