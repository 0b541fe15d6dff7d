package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;

/**
 * Models do_mprotect_pkey(), mm/mprotect.c: changes the protection of [start, start + len).
 *
 * <ol>
 *   <li>Checks, in the kernel's order: PROT_GROWSDOWN with PROT_GROWSUP, an unaligned start
 *       (EINVAL); a zero length succeeds; the range wrapping (ENOMEM); unknown prot bits
 *       (EINVAL); no VMA at the start (ENOMEM, PROT_GROWSDOWN: a VMA that does not grow down is
 *       EINVAL; PROT_GROWSUP is EINVAL once a VMA is found, x86 has none that grows up); every
 *       page of the range must be mapped, else ENOMEM (VMAs before the hole are still changed,
 *       as Linux does).</li>
 *   <li>A VMA may only gain rights its VM_MAY* flags allow, else EACCES; under MDWE it may not
 *       become writable and executable, nor executable when it was not ({@link Mdwe}), else EACCES.</li>
 *   <li>VMAs straddling the ends are split (mprotect_fixup → vma_modify_flags), flags updated and
 *       merged with compatible neighbours.</li>
 *   <li>change_protection(): every mapped PTE follows the new rights: RW cleared when write is
 *       removed (a private writable mapping keeps its PTEs write-protected until a write fault,
 *       so COW stays correct), NX set or cleared, and PROT_NONE entries lose P and RW and keep
 *       the page under _PAGE_PROTNONE. Then the TLBs are flushed.</li>
 * </ol>
 */
public final class Mprotect {
    private Mprotect() {}

    static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_SEM = 8, PROT_GROWSDOWN = 0x01000000,
            PROT_GROWSUP = 0x02000000;

    /**
     * Models do_mprotect_pkey() without a key (see the class comment).
     *
     * @param mm    the address space
     * @param start the start, page aligned
     * @param len   the length in bytes, rounded up to pages
     * @param prot  PROT_* bits, PROT_GROWSDOWN or PROT_GROWSUP included
     * @return 0, or a negative errno
     */
    public static long doMprotect(MmStruct mm, long start, long len, int prot) {
        return doMprotectPkey(mm, start, len, prot, -1);
    }

    /**
     * Models do_mprotect_pkey() for pkey_mprotect(): as {@link #doMprotect}, and after the prot
     * check a key other than -1 must be allocated ({@link Pkeys#mmPkeyIsAllocated}: EINVAL). Each
     * VMA's new key is arch_override_mprotect_pkey()'s ({@link Pkeys}); a key change alone is a
     * change, and the entries get the key. Without PKU every key stays 0.
     *
     * @param mm    the address space
     * @param start the start, page aligned
     * @param len   the length in bytes, rounded up to pages
     * @param prot  PROT_* bits, PROT_GROWSDOWN or PROT_GROWSUP included
     * @param pkey  the protection key, or -1 for none
     * @return 0, or a negative errno
     */
    public static long doMprotectPkey(MmStruct mm, long start, long len, int prot, int pkey) {
        int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
        prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
        if (grows == (PROT_GROWSDOWN | PROT_GROWSUP)) return -Errno.EINVAL;
        if ((start & (PageTypes.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        if (len == 0) return 0;
        long alignedLen = MmStruct.pageAlign(len);
        long end = start + alignedLen;
        if (Long.compareUnsigned(end, start) <= 0) return -Errno.ENOMEM;
        if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) != 0) return -Errno.EINVAL; // arch_validate_prot()
        // "If userspace did not allocate the pkey, do not let them use it here."
        if (pkey != -1 && !Pkeys.mmPkeyIsAllocated(mm, pkey)) return -Errno.EINVAL;
        // vma_find(start, end): the first VMA that overlaps the range.
        Vma first = Long.compareUnsigned(start, MmStruct.TASK_SIZE) >= 0 ? null : mm.findVma(start);
        if (first == null || Long.compareUnsigned(first.start(), end) >= 0) return -Errno.ENOMEM;
        if (grows == PROT_GROWSDOWN) {
            if (!first.has(VmFlags.VM_GROWSDOWN)) return -Errno.EINVAL;
            start = first.start();
        } else {
            if (first.start() > start) return -Errno.ENOMEM;
            // x86 has no VM_GROWSUP VMAs: PROT_GROWSUP fails once the range is found mapped.
            if (grows == PROT_GROWSUP) return -Errno.EINVAL;
        }
        int newRights = VmFlags.calcVmProtBits(prot);
        long nstart = start;
        long result = 0;
        while (Long.compareUnsigned(nstart, end) < 0) {
            Vma vma = mm.vmaLookup(nstart);
            if (vma == null) {
                result = -Errno.ENOMEM;
                break;
            }
            // VM_MAY* are the VM_* bits shifted by 4.
            if ((newRights & ~(vma.flags() >>> 4)) != 0) {
                result = -Errno.EACCES;
                break;
            }
            if (Mdwe.mapDenyWriteExec(mm, vma.flags(), (vma.flags() & ~VmFlags.VM_ACCESS_FLAGS) | newRights)) {
                result = -Errno.EACCES;
                break;
            }
            long tmpEnd = Long.compareUnsigned(vma.end(), end) < 0 ? vma.end() : end;
            int newPkey = Pkeys.archOverrideMprotectPkey(vma, prot, pkey, mm);
            long r = mprotectFixup(mm, vma, nstart, tmpEnd, newRights, newPkey);
            if (r < 0) {
                result = r;
                break;
            }
            nstart = tmpEnd;
        }
        mm.env().tlbFlush().flushTlbMmRange(mm, start, nstart, false); // what changed
        return result;
    }

    /** Models mprotect_fixup(): split, set the flags and the key, change the PTEs, merge. */
    private static long mprotectFixup(MmStruct mm, Vma vma, long start, long end, int newRights, int newPkey) {
        if (!vma.canModifyVma()) return -Errno.EPERM;
        int newFlags = (vma.flags() & ~VmFlags.VM_ACCESS_FLAGS) | newRights;
        // A private mapping becoming writable for the first time is charged (VM_ACCOUNT), so it
        // then equals (and merges with) a mapping created writable.
        if ((newRights & VmFlags.VM_WRITE) != 0 && (vma.flags() & (VmFlags.VM_ACCOUNT | VmFlags.VM_WRITE
                | VmFlags.VM_SHARED | VmFlags.VM_NORESERVE)) == 0) {
            if (!mm.vmEnoughMemory((end - start) >>> PAGE_SHIFT)) return -Errno.ENOMEM;
            newFlags |= VmFlags.VM_ACCOUNT;
        }
        if (newFlags == vma.flags() && newPkey == vma.pkey) return 0;
        if (!mm.splitAt(start) || !mm.splitAt(end)) return -Errno.ENOMEM;
        Vma target = mm.vmaLookup(start);
        target.flags = newFlags;
        target.pkey = newPkey;
        changeProtection(mm, target, start, end);
        mm.mergeAround(target);
        return 0;
    }

    /** Models change_protection(): rewrites every mapped PTE in [start, end) for the VMA's new flags. */
    static void changeProtection(MmStruct mm, Vma vma, long start, long end) {
        PageTable pgd = mm.pgd();
        boolean none = (vma.flags() & VmFlags.VM_ACCESS_FLAGS) == 0;
        boolean exec = vma.has(VmFlags.VM_EXEC);
        boolean writable = vma.has(VmFlags.VM_WRITE);
        boolean shared = vma.has(VmFlags.VM_SHARED);
        pgd.forEachPresentPte(start, end, (va, slot, pte) -> {
            long n = pte & ~Pte.PKEY_MASK | (long) vma.pkey << Pte.PKEY_SHIFT; // the VMA's key, as pte_modify() takes it
            if (none) {
                // pte_modify(pte, PAGE_NONE): RW is not in _PAGE_CHG_MASK, so it goes too; keeping it
                // left a PROT_NONE entry claiming RW under a VMA without VM_WRITE.
                n = (n & ~(Pte.P | Pte.RW)) | Pte.PROTNONE;
            } else {
                n = (n & ~Pte.PROTNONE) | Pte.P;
                n = exec ? n & ~Pte.NX : n | Pte.NX;
                // Write permission is granted eagerly only where no COW can be pending: shared
                // mappings, and (can_change_pte_writable(), Linux 5.19+) private anonymous pages
                // this process maps exclusively. Other private pages get it back through
                // do_wp_page on the next write.
                // A userfaultfd write-protected entry stays read-only (can_change_pte_writable()).
                if (!writable) n &= ~Pte.RW;
                else if ((n & (Pte.SPECIAL | Pte.UFFD_WP)) == 0 && (shared || anonExclusive(mm, n))) n |= Pte.RW;
            }
            if (n != pte) pgd.set(slot, n);
        });
    }

    /** Whether a present entry maps a PageAnonExclusive page (can_change_pte_writable()'s MAP_PRIVATE case). */
    static boolean anonExclusive(MmStruct mm, long pte) {
        long pfn = Pte.pfn(pte);
        FrameTable frames = mm.env().frames();
        return frames.testPageFlag(pfn, PageFlag.ANON) && frames.testPageFlag(pfn, PageFlag.ANON_EXCLUSIVE);
    }
}
