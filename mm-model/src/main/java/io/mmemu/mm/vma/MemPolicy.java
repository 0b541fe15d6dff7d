package io.mmemu.mm.vma;

/**
 * A struct mempolicy (include/linux/mempolicy.h) on a machine whose only NUMA node is node 0:
 * the mode, the user-visible mode flags, the nodes it allows (after mpol_set_nodemask(): node 0
 * or none) and, with MPOL_F_STATIC_NODES or MPOL_F_RELATIVE_NODES, the first 64 bits of the mask
 * the user gave (w.user_nodemask, which get_mempolicy() reports then). Immutable, so tasks and
 * VMAs share one; equal policies are mpol_equal().
 *
 * @param mode      MPOL_* mode
 * @param flags     MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES, MPOL_F_NUMA_BALANCING
 * @param nodes     pol->nodes as a bit mask
 * @param userNodes w.user_nodemask's first word (0 unless a static or relative mask is kept)
 */
public record MemPolicy(int mode, int flags, long nodes, long userNodes) {
    public static final int MPOL_DEFAULT = 0, MPOL_PREFERRED = 1, MPOL_BIND = 2, MPOL_INTERLEAVE = 3, MPOL_LOCAL = 4,
            MPOL_PREFERRED_MANY = 5, MPOL_WEIGHTED_INTERLEAVE = 6, MPOL_MAX = 7;
    public static final int MPOL_F_STATIC_NODES = 1 << 15, MPOL_F_RELATIVE_NODES = 1 << 14, MPOL_F_NUMA_BALANCING = 1 << 13,
            MPOL_MODE_FLAGS = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;

    /** {@return whether the user's mask is kept (mpol_store_user_nodemask())} */
    public boolean storesUserNodemask() {
        return (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0;
    }

    /** {@return the mask get_mempolicy() reports: the user's, or get_policy_nodemask()'s (none for LOCAL)} */
    public long reportedNodes() {
        if (storesUserNodemask()) return userNodes;
        return mode == MPOL_LOCAL ? 0 : nodes;
    }

    /**
     * Models mpol_new() then mpol_set_nodemask() for a nodemask of which {@code low} holds the first
     * 64 bits and {@code any} says whether any bit is set: the policy, null for MPOL_DEFAULT, or an
     * Integer negative errno (EINVAL for a mask the mode cannot take, or no node of it online).
     *
     * @param mode  the mode, flags taken off (sanitize_mpol_flags() checked both)
     * @param flags the mode flags
     * @param low   the nodemask's first 64 bits
     * @param any   whether the nodemask has any bit set
     * @return the policy, null, or an Integer errno
     */
    public static Object mpolNew(int mode, int flags, long low, boolean any) {
        if (mode == MPOL_DEFAULT) return any ? (Object) (-Errno.EINVAL) : null;
        if (mode == MPOL_PREFERRED) {
            if (!any) {
                if ((flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0) return -Errno.EINVAL;
                mode = MPOL_LOCAL;
            }
        } else if (mode == MPOL_LOCAL) {
            if (any || (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0) return -Errno.EINVAL;
        } else if (!any) {
            return -Errno.EINVAL;
        }
        long user = (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0 ? low : 0;
        if (mode == MPOL_LOCAL) return new MemPolicy(mode, flags, 0, user);
        // mpol_set_nodemask(): the nodes that are online (node 0); a relative mask folds onto them.
        long online = (flags & MPOL_F_RELATIVE_NODES) != 0 ? (any ? 1 : 0) : low & 1;
        if (online == 0) return -Errno.EINVAL; // mpol_new_nodemask() / mpol_new_preferred() of an empty mask
        return new MemPolicy(mode, flags, online, user);
    }
}
