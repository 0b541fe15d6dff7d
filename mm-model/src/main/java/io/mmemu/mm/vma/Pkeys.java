package io.mmemu.mm.vma;

/**
 * Memory protection keys' allocation, mm/mprotect.c (pkey_alloc(), pkey_free()) with
 * arch/x86/include/asm/pkeys.h, as on a CPU without PKU: the model's CPU reports none (CPUID),
 * as the host's does, so arch_max_pkey() is 1 and OSPKE is off. Then init_new_context() leaves
 * an mm's allocation map at 0 and its execute-only key at 0, which makes Linux's answers odd but
 * exact: the first pkey_alloc() takes key 0, fails to set its access rights (EINVAL: no OSPKE) and
 * cannot give it back (key 0 counts as the execute-only key, so mm_pkey_free() refuses it); from
 * then on pkey_alloc() is ENOSPC, pkey_free() and pkey_mprotect() with any key but -1 are EINVAL.
 */
public final class Pkeys {
    private Pkeys() {}

    /** PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE: the rights pkey_alloc() accepts. */
    public static final int PKEY_ACCESS_MASK = 0x1 | 0x2;

    /** Models arch_max_pkey(): 16 with OSPKE, 1 without (the model's CPU). */
    static int archMaxPkey() {
        return 1;
    }

    /**
     * Models the pkey_alloc() syscall: flags (EINVAL), unknown rights (EINVAL), mm_pkey_alloc()
     * (ENOSPC when the map is full), then arch_set_user_pkey_access(), which without OSPKE is
     * EINVAL (and the key is handed back with mm_pkey_free(), which may refuse it).
     *
     * @param mm      the caller's address space
     * @param flags   must be 0
     * @param initVal the initial rights, PKEY_DISABLE_* bits
     * @return the key, or a negative errno
     */
    public static long sysPkeyAlloc(MmStruct mm, long flags, long initVal) {
        if (flags != 0) return -Errno.EINVAL;
        if ((initVal & ~PKEY_ACCESS_MASK) != 0) return -Errno.EINVAL;
        int pkey = mmPkeyAlloc(mm);
        if (pkey == -1) return -Errno.ENOSPC;
        mmPkeyFree(mm, pkey); // arch_set_user_pkey_access() failed: no OSPKE
        return -Errno.EINVAL;
    }

    /**
     * Models the pkey_free() syscall → mm_pkey_free(): EINVAL unless the key is allocated.
     *
     * @param mm   the caller's address space
     * @param pkey the key
     * @return 0, or -EINVAL
     */
    public static long sysPkeyFree(MmStruct mm, int pkey) {
        return mmPkeyFree(mm, pkey);
    }

    /** Models mm_pkey_alloc(): the lowest free key, or -1 when all arch_max_pkey() keys are taken. */
    static int mmPkeyAlloc(MmStruct mm) {
        int all = (1 << archMaxPkey()) - 1;
        if ((mm.pkeyAllocationMap & 0xffff) == all) return -1;
        int pkey = Integer.numberOfTrailingZeros(~mm.pkeyAllocationMap); // ffz()
        mm.pkeyAllocationMap |= (short) (1 << pkey);
        return pkey;
    }

    /** Models mm_pkey_free(): EINVAL unless allocated. */
    static int mmPkeyFree(MmStruct mm, int pkey) {
        if (!mmPkeyIsAllocated(mm, pkey)) return -Errno.EINVAL;
        mm.pkeyAllocationMap &= (short) ~(1 << pkey);
        return 0;
    }

    /**
     * Models mm_pkey_is_allocated(): within arch_max_pkey(), not the execute-only key, and set in
     * the allocation map.
     *
     * @param mm   the address space
     * @param pkey the key
     * @return whether user interfaces may use it
     */
    public static boolean mmPkeyIsAllocated(MmStruct mm, int pkey) {
        if (pkey < 0 || pkey >= archMaxPkey()) return false;
        if (pkey == mm.executeOnlyPkey) return false;
        return (mm.pkeyAllocationMap & (1 << pkey)) != 0;
    }
}
