package io.mmemu.mm.vma;

import io.mmemu.mm.phys.PageTypes;

/**
 * Models do_mbind(), mm/mempolicy.c (6.12), on a machine with one NUMA node: a memory policy for
 * the VMAs of a range, which splits them at its ends and merges neighbours whose policies are
 * equal. No page ever has to move (every page is on node 0, in every mask a policy can hold), so
 * MPOL_MF_STRICT, MPOL_MF_MOVE and MPOL_MF_MOVE_ALL change nothing beyond their checks.
 */
public final class Mbind {
    private Mbind() {}

    /** mbind()'s flags (include/uapi/linux/mempolicy.h), and every flag it accepts. */
    public static final int MPOL_MF_STRICT = 1, MPOL_MF_MOVE = 2, MPOL_MF_MOVE_ALL = 4,
            MPOL_MF_VALID = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL;

    /**
     * Models do_mbind() after kernel_mbind() read the mode and the nodemask.
     *
     * @param mm          the address space
     * @param start       the range's start (page aligned, else EINVAL)
     * @param lenIn       its length, rounded up to pages
     * @param mode        the mode, flags taken off
     * @param modeFlags   the mode flags
     * @param low         the nodemask's first 64 bits
     * @param any         whether the nodemask has any bit set
     * @param flags       MPOL_MF_* flags
     * @param capSysNice  whether the caller has CAP_SYS_NICE (MPOL_MF_MOVE_ALL needs it)
     * @return 0, or a negative errno
     */
    public static long doMbind(MmStruct mm, long start, long lenIn, int mode, int modeFlags, long low, boolean any,
            int flags, boolean capSysNice) {
        if ((flags & ~MPOL_MF_VALID) != 0) return -Errno.EINVAL;
        if ((flags & MPOL_MF_MOVE_ALL) != 0 && !capSysNice) return -Errno.EPERM;
        if ((start & (PageTypes.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        long len = PageTypes.pageAlign(lenIn);
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) return -Errno.EINVAL;
        if (end == start) return 0;
        Object created = MemPolicy.mpolNew(mode, modeFlags, low, any);
        if (created instanceof Integer e) return e;
        MemPolicy policy = (MemPolicy) created;
        // queue_pages_range(): holes are EFAULT unless the policy is the default (MPOL_MF_DISCONTIG_OK);
        // a range with no VMA at all is EFAULT either way. Nothing has changed yet.
        long r = checkHoles(mm, start, end, policy == null);
        if (r != 0) return r;
        // mbind_range() over each VMA: split at the range's ends, set the policy, merge.
        long nstart = start;
        while (true) {
            Vma vma = Long.compareUnsigned(nstart, MmStruct.TASK_SIZE) >= 0 ? null : mm.findVma(nstart);
            if (vma == null || Long.compareUnsigned(vma.start, end) >= 0) break;
            long vmstart = Long.compareUnsigned(vma.start, nstart) < 0 ? nstart : vma.start;
            long vmend = Long.compareUnsigned(vma.end, end) < 0 ? vma.end : end;
            if (!java.util.Objects.equals(vma.policy, policy) && !mm.modifyVma(vmstart, vmend, v -> v.policy = policy)) {
                return -Errno.ENOMEM;
            }
            nstart = vmend;
        }
        return 0;
    }

    /** queue_pages_test_walk()'s hole checks over [start, end). */
    private static long checkHoles(MmStruct mm, long start, long end, boolean discontigOk) {
        Vma first = Long.compareUnsigned(start, MmStruct.TASK_SIZE) >= 0 ? null : mm.findVma(start);
        if (first == null || Long.compareUnsigned(first.start, end) >= 0) return -Errno.EFAULT; // the whole range is a hole
        if (discontigOk) return 0;
        if (Long.compareUnsigned(first.start, start) > 0) return -Errno.EFAULT; // a hole at the head
        for (Vma v = first; Long.compareUnsigned(v.end, end) < 0; ) {
            Vma next = mm.findVma(v.end);
            if (next == null || Long.compareUnsigned(v.end, next.start) < 0) return -Errno.EFAULT; // middle or tail
            v = next;
        }
        return 0;
    }
}
