package io.mmemu.mm.vma;

import io.mmemu.mm.pgtable.PagingControl;

/**
 * Memory protection keys, mm/mprotect.c (pkey_alloc(), pkey_free()) with
 * arch/x86/include/asm/pkeys.h and arch/x86/mm/pkeys.c. Which model applies is the CPU's
 * ({@link MmEnv#osPke}):
 *
 * <ul>
 *   <li>Without PKU (the default CPU model, as the host): arch_max_pkey() is 1 and OSPKE is off.
 *       init_new_context() leaves an mm's allocation map at 0 and its execute-only key at 0, which
 *       makes Linux's answers odd but exact: the first pkey_alloc() takes key 0, fails to set its
 *       access rights (EINVAL: no OSPKE) and cannot give it back (key 0 counts as the execute-only
 *       key, so mm_pkey_free() refuses it); from then on pkey_alloc() is ENOSPC, pkey_free() and
 *       pkey_mprotect() with any key but -1 are EINVAL.</li>
 *   <li>With PKU: 16 keys, key 0 the default and always allocated, the execute-only key -1 until a
 *       PROT_EXEC-only mapping wants one. pkey_alloc() takes the lowest free key and sets its rights
 *       in the calling thread's PKRU (arch_set_user_pkey_access()); pkey_free() only returns it to
 *       the map (VMAs and PKRU keep it); pkey_mprotect() puts the key in the VMAs' entries.</li>
 * </ul>
 * PKRU here is the running CPU's, which the model holds in {@link PagingControl#pkru} while a
 * task's syscall runs (the CPU loads it from the engine and writes back what changed): what
 * read_pkru() and write_pkru() reach in Linux.
 */
public final class Pkeys {
    private Pkeys() {}

    /** PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE: the rights pkey_alloc() accepts. */
    public static final int PKEY_ACCESS_MASK = 0x1 | 0x2;
    /** PKEY_DISABLE_ACCESS and PKEY_DISABLE_WRITE, pkey_alloc()'s rights. */
    static final int PKEY_DISABLE_ACCESS = 0x1, PKEY_DISABLE_WRITE = 0x2;
    /** PKRU's two bits per key: AD (access disable) and WD (write disable). */
    static final int PKRU_AD_BIT = 0x1, PKRU_WD_BIT = 0x2, PKRU_BITS_PER_PKEY = 2;
    /**
     * init_pkru_value (arch/x86/mm/pkeys.c): every key but 0 access-disabled, so that a key a
     * thread did not pkey_alloc() itself protects memory from it. Threads start with it after
     * execve() and run signal handlers with it.
     */
    public static final int INIT_PKRU_VALUE = 0x55555554;
    /** ARCH_DEFAULT_PKEY: the key of every mapping that asked for none. */
    static final int ARCH_DEFAULT_PKEY = 0;

    /** Models arch_max_pkey(): 16 with OSPKE, 1 without. */
    static int archMaxPkey(MmStruct mm) {
        return mm.env().osPke() ? 16 : 1;
    }

    /**
     * Models pkru_get_init_value(): {@link #INIT_PKRU_VALUE} on a CPU with OSPKE, 0 without (no PKRU).
     *
     * @param env the memory model, whose CPUs decide
     * @return the PKRU a task starts with after execve()
     */
    public static int pkruGetInitValue(MmEnv env) {
        return env.osPke() ? INIT_PKRU_VALUE : 0;
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
        int ret = archSetUserPkeyAccess(mm, pkey, (int) initVal);
        if (ret != 0) {
            mmPkeyFree(mm, pkey);
            return ret;
        }
        return pkey;
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
        int all = (1 << archMaxPkey(mm)) - 1;
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
        if (pkey < 0 || pkey >= archMaxPkey(mm)) return false;
        if (pkey == mm.executeOnlyPkey) return false;
        return (mm.pkeyAllocationMap & (1 << pkey)) != 0;
    }

    /**
     * Models arch_set_user_pkey_access(), arch/x86/kernel/fpu/xstate.c: EINVAL without OSPKE;
     * otherwise the key's AD and WD bits in the current thread's PKRU become {@code initVal}'s.
     */
    static int archSetUserPkeyAccess(MmStruct mm, int pkey, int initVal) {
        if (!mm.env().osPke()) return -Errno.EINVAL;
        if (pkey >= archMaxPkey(mm)) return -Errno.EINVAL;
        int newBits = 0;
        if ((initVal & PKEY_DISABLE_ACCESS) != 0) newBits |= PKRU_AD_BIT;
        if ((initVal & PKEY_DISABLE_WRITE) != 0) newBits |= PKRU_WD_BIT;
        int shift = pkey * PKRU_BITS_PER_PKEY;
        PagingControl cpu = mm.env().pagingControl();
        cpu.pkru = cpu.pkru & ~((PKRU_AD_BIT | PKRU_WD_BIT) << shift) | newBits << shift;
        return 0;
    }

    /**
     * Models execute_only_pkey() → __execute_only_pkey(), arch/x86/mm/pkeys.c: the key of the mm's
     * execute-only mappings, allocated at the first one, whose access the current thread's PKRU
     * then disables (execution ignores PKRU). -1 without OSPKE or when no key is left.
     *
     * @param mm the address space
     * @return the key, or -1
     */
    public static int executeOnlyPkey(MmStruct mm) {
        if (!mm.env().osPke()) return -1;
        boolean needToSetMmPkey = false;
        int pkey = mm.executeOnlyPkey;
        if (pkey == -1) {
            pkey = mmPkeyAlloc(mm);
            if (pkey < 0) return -1;
            needToSetMmPkey = true;
        }
        // Assume a key whose access is already disabled needs no PKRU write.
        if (!needToSetMmPkey && !pkruAllowsRead(mm.env().pagingControl().pkru, pkey)) return pkey;
        if (archSetUserPkeyAccess(mm, pkey, PKEY_DISABLE_ACCESS) != 0) {
            mm.pkeyAllocationMap &= (short) ~(1 << pkey); // mm_set_pkey_free()
            return -1;
        }
        if (needToSetMmPkey) mm.executeOnlyPkey = pkey;
        return pkey;
    }

    /** Models __pkru_allows_read(): the key's AD bit is clear. */
    static boolean pkruAllowsRead(int pkru, int pkey) {
        return (pkru & PKRU_AD_BIT << pkey * PKRU_BITS_PER_PKEY) == 0;
    }

    /** Models __pkru_allows_write(): neither AD nor WD of the key is set. */
    static boolean pkruAllowsWrite(int pkru, int pkey) {
        return (pkru & (PKRU_AD_BIT | PKRU_WD_BIT) << pkey * PKRU_BITS_PER_PKEY) == 0;
    }

    /**
     * Models arch_override_mprotect_pkey() → __arch_override_mprotect_pkey(): the key an
     * mprotect() gives {@code vma}. pkey_mprotect()'s key as asked; a PROT_EXEC-only mprotect()
     * the execute-only key (when there is one); a VMA leaving execute-only goes back to key 0;
     * otherwise the VMA keeps its key. Always 0 without OSPKE.
     *
     * @param vma  the VMA being changed
     * @param prot the new PROT_* bits
     * @param pkey pkey_mprotect()'s key, or -1 for mprotect()
     * @return the VMA's new key
     */
    static int archOverrideMprotectPkey(Vma vma, int prot, int pkey, MmStruct mm) {
        if (!mm.env().osPke()) return 0;
        if (pkey != -1) return pkey;
        if (prot == Mmap.PROT_EXEC) {
            pkey = executeOnlyPkey(mm);
            if (pkey > 0) return pkey;
        } else if (vmaIsPkeyExecOnly(vma, mm)) {
            return ARCH_DEFAULT_PKEY;
        }
        return vma.pkey;
    }

    /** Models vma_is_pkey_exec_only(): an execute-only VMA with the mm's execute-only key. */
    private static boolean vmaIsPkeyExecOnly(Vma vma, MmStruct mm) {
        if ((vma.flags() & VmFlags.VM_ACCESS_FLAGS) != VmFlags.VM_EXEC) return false;
        return vma.pkey == mm.executeOnlyPkey;
    }

    /**
     * Models arch_vma_access_permitted(), arch/x86/include/asm/mmu_context.h: whether the current
     * thread's PKRU lets a data access of this kind reach the VMA's key. Execution ignores PKRU, and
     * so do foreign accesses (made for another process, such as through /proc/PID/mem). Without
     * OSPKE, PKRU is 0 and allows everything.
     *
     * @param mm      the VMA's address space
     * @param vma     the VMA
     * @param write   whether the access writes
     * @param execute whether it is an instruction fetch
     * @param foreign whether it is made for another process
     * @return whether PKRU allows it
     */
    public static boolean archVmaAccessPermitted(MmStruct mm, Vma vma, boolean write, boolean execute, boolean foreign) {
        if (execute || foreign) return true;
        int pkru = mm.env().pagingControl().pkru; // read_pkru()
        if (!pkruAllowsRead(pkru, vma.pkey)) return false;
        return !write || pkruAllowsWrite(pkru, vma.pkey);
    }
}
