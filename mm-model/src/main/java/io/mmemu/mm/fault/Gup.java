package io.mmemu.mm.fault;

import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Pkeys;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;

/**
 * Models the get_user_pages() path of mm/gup.c that access_remote_vm() takes for /proc/PID/mem:
 * one page at a time, with FOLL_FORCE (and FOLL_WRITE for a write), never through the CPU's
 * permission checks.
 *
 * <ol>
 *   <li>gup_vma_lookup(): the VMA holding the address; none is a failure (the stack is grown by
 *       the caller, {@link #expandStack}).</li>
 *   <li>check_vma_flags(): no VM_IO or VM_PFNMAP VMA ([vvar]); FOLL_FORCE lets a read into a VMA without VM_READ (it has VM_MAYREAD)
 *       and a write into a private one without VM_WRITE (is_cow_mapping()); a shared read-only
 *       mapping refuses a write; memfd_secret() memory refuses everything.</li>
 *   <li>follow_page_mask(): the page the PTE or huge PMD maps (the zero page included, and pages
 *       under a PROT_NONE entry); for a write the entry must be writable, or can_follow_write_pte()
 *       must allow it (an exclusive anonymous page of a private read-only VMA: COW already broken).</li>
 *   <li>Otherwise faultin_page() → handle_mm_fault() (a write fault for a write: COW is broken and
 *       the entry stays read-only in a read-only VMA, see {@link HandleMmFault}), and follow again.</li>
 * </ol>
 */
public final class Gup {
    private Gup() {}

    /** What {@link #getUserPageRemote} returns when there is no page to access. */
    public static final long NO_PAGE = -1;

    /**
     * Models get_user_page_vma_remote() with FOLL_FORCE: the 4 KiB frame holding {@code addr},
     * faulted in as needed, or {@link #NO_PAGE} (no VMA, a VMA the access may not use, or a fault
     * that fails).
     *
     * @param mm    the address space
     * @param addr  a user address
     * @param write whether the access writes (FOLL_WRITE)
     * @return the frame number, or {@code NO_PAGE}
     */
    public static long getUserPageRemote(MmStruct mm, long addr, boolean write) {
        return getUserPageRemote(mm, addr, write, true);
    }

    /**
     * Models pin_user_pages_remote() / get_user_pages_remote() for one page, with FOLL_FORCE or
     * without it (process_vm_readv() and process_vm_writev(): then the VMA must allow the access,
     * VM_READ for a read, VM_WRITE for a write, and a write goes through a writable entry).
     *
     * @param mm    the address space
     * @param addr  a user address
     * @param write whether the access writes (FOLL_WRITE)
     * @param force whether FOLL_FORCE overrides the VMA's protection
     * @return the frame number, or {@code NO_PAGE}
     */
    public static long getUserPageRemote(MmStruct mm, long addr, boolean write, boolean force) {
        if (addr < 0 || addr >= MmStruct.TASK_SIZE) return NO_PAGE;
        Vma vma = mm.vmaLookup(addr);
        if (vma == null || !checkVmaFlags(vma, write, force)) return NO_PAGE;
        // __get_user_pages()'s retry: a fault that succeeded leaves a page to follow; the bound
        // only guards against a fault path that would make no progress.
        for (int attempt = 0; attempt < 3; attempt++) {
            long pfn = followPage(mm, vma, addr, write, force);
            if (pfn != NO_PAGE) return pfn;
            int r = HandleMmFault.handleMmFault(mm, vma, addr, write ? FaultFlags.FAULT_FLAG_WRITE : 0);
            if (r != FaultFlags.VM_FAULT_OK) return NO_PAGE;
        }
        return NO_PAGE;
    }

    /**
     * Models get_user_pages_fast() for one page of the calling task's own mm (vmsplice()'s
     * iov_iter_get_pages2()): as {@link #getUserPageRemote(MmStruct, long, boolean, boolean)} without
     * FOLL_FORCE, and, the access not being FOLL_REMOTE, check_vma_flags() also asks
     * arch_vma_access_permitted(): a VMA whose protection key the current PKRU denies this access
     * is refused (gup_fast's pte_access_permitted() refuses it likewise).
     *
     * @param mm    the calling task's address space
     * @param addr  a user address
     * @param write whether the access writes (FOLL_WRITE)
     * @return the frame number, or {@code NO_PAGE}
     */
    public static long getUserPageFast(MmStruct mm, long addr, boolean write) {
        Vma vma = addr >= 0 && addr < MmStruct.TASK_SIZE ? mm.vmaLookup(addr) : null;
        if (vma != null && !Pkeys.archVmaAccessPermitted(mm, vma, write, false, false)) return NO_PAGE;
        return getUserPageRemote(mm, addr, write, false);
    }

    /** Models check_vma_flags() for FOLL_REMOTE (with FOLL_FORCE when {@code force}, FOLL_WRITE when {@code write}). */
    static boolean checkVmaFlags(Vma vma, boolean write, boolean force) {
        int flags = vma.flags();
        if ((flags & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0) return false;
        if (isSecretmem(vma)) return false;
        if (write) return (flags & VmFlags.VM_WRITE) != 0 || force && isCowMapping(flags);
        return (flags & VmFlags.VM_READ) != 0 || force && (flags & VmFlags.VM_MAYREAD) != 0;
    }

    /**
     * Models vma_is_secretmem(): a mapping of memfd_secret() memory, whose pages no kernel path
     * but the owner's own faults may reach.
     *
     * @param vma a VMA
     * @return whether it maps secretmem
     */
    public static boolean isSecretmem(Vma vma) {
        return vma.file() != null && vma.file().isSecretmem();
    }

    /** Models is_cow_mapping(): private and may become writable. */
    static boolean isCowMapping(int flags) {
        return (flags & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) == VmFlags.VM_MAYWRITE;
    }

    /**
     * Models follow_page_mask() → follow_huge_pmd() / follow_page_pte(): the frame mapped at
     * {@code addr} if the access may use it as it is, else {@code NO_PAGE} (a fault is needed).
     */
    private static long followPage(MmStruct mm, Vma vma, long addr, boolean write, boolean force) {
        PageTable pgd = mm.pgd();
        long pmdSlot = pgd.hugePmdSlot(addr);
        if (pmdSlot != PageTable.NO_SLOT) {
            long pmd = pgd.get(pmdSlot);
            long head = Pte.pfn(pmd);
            if (write && (pmd & Pte.RW) == 0
                    && (!force || HugeMemory.isHugeZeroPmd(pmd) || !canFollowWrite(mm, vma, head, HugeMemory.HPAGE_PMD_NR))) {
                return NO_PAGE;
            }
            return head + ((addr >>> PageTypes.PAGE_SHIFT) & (HugeMemory.HPAGE_PMD_NR - 1));
        }
        long slot = pgd.pteSlot(addr, false);
        if (slot == PageTable.NO_SLOT) return NO_PAGE;
        long pte = pgd.get(slot);
        if (!Pte.mapsPage(pte)) return NO_PAGE;
        long pfn = Pte.pfn(pte);
        if (write && (pte & Pte.RW) == 0
                && (!force || (pte & Pte.SPECIAL) != 0 || !canFollowWrite(mm, vma, pfn, 1))) {
            return NO_PAGE;
        }
        return pfn;
    }

    /**
     * Models can_follow_write_pte() / can_follow_write_pmd() for an entry that is not writable:
     * FOLL_FORCE writes through it only in a private, may-write VMA without VM_WRITE, to an
     * anonymous page that is exclusive to this mapping (PageAnonExclusive(), which the model
     * reads as no other reference to any of its {@code nr} frames).
     */
    private static boolean canFollowWrite(MmStruct mm, Vma vma, long pfn, int nr) {
        int flags = vma.flags();
        if ((flags & (VmFlags.VM_MAYSHARE | VmFlags.VM_SHARED)) != 0) return false;
        if ((flags & VmFlags.VM_MAYWRITE) == 0 || (flags & VmFlags.VM_WRITE) != 0) return false;
        FrameTable frames = mm.env().frames();
        for (long p = pfn; p < pfn + nr; p++) {
            if (!frames.testPageFlag(p, PageFlag.ANON) || frames.pageRefCount(p) != 1) return false;
        }
        return true;
    }

    /**
     * Models expand_stack(), mm/mmap.c, as __access_remote_vm() calls it for an address no VMA
     * holds: grows the VM_GROWSDOWN VMA just above it down to it.
     *
     * @param mm   the address space
     * @param addr a user address
     * @return whether a VMA holds {@code addr} now
     */
    public static boolean expandStack(MmStruct mm, long addr) {
        Vma vma = mm.findVma(addr);
        if (vma == null) return false;
        if (vma.start() <= addr) return true;
        return vma.has(VmFlags.VM_GROWSDOWN) && UserFault.expandStack(mm, vma, addr);
    }
}
