package io.mmemu.mm.fault;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Userfaultfd;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;

/**
 * Models mfill_atomic() and its anonymous-memory and shmem steps, mm/userfaultfd.c: what UFFDIO_COPY and
 * UFFDIO_ZEROPAGE do to the page tables. Page by page, the destination VMA is looked up again
 * (the whole range inside one VMA registered with a userfaultfd, else ENOENT); a huge PMD in the
 * way is EEXIST; UFFDIO_COPY takes a new page, fills it from the source (EFAULT when the source
 * cannot be read) and maps it; UFFDIO_ZEROPAGE maps the zero page. An entry already there is
 * EEXIST (pte_none_mostly()).
 *
 * <p>The new page's entry is dirty, and writable only in a VM_WRITE VMA
 * (mfill_atomic_install_pte()): a page placed in a read-only VMA is dirty and read-only, which
 * is what mkdirty's UFFDIO_COPY case checks.
 *
 * <p>The result is mfill_atomic()'s: the bytes filled before the first failure, or the failure's
 * errno when nothing was.
 */
public final class MfillAtomic {
    private MfillAtomic() {}

    /** What fills a new page from the source: the kernel's copy_from_user() of one page. */
    @FunctionalInterface
    public interface SourcePage {
        /**
         * Copies the page at {@code srcAddr} into frame {@code pfn}.
         *
         * @param srcAddr the source's user address (any alignment)
         * @param pfn     the new frame
         * @return false when the source could not be read (EFAULT)
         */
        boolean copyTo(long srcAddr, long pfn);
    }

    /**
     * Models mfill_atomic_copy() (a {@code source}) and mfill_atomic_zeropage() ({@code source}
     * null) over a range that passed validate_range().
     *
     * @param mm     the userfaultfd's address space
     * @param dst    the destination's start, page aligned
     * @param src    the source's start (ignored for the zero page)
     * @param len    the length, a multiple of pages
     * @param wp     UFFDIO_COPY_MODE_WP: the pages are write-protected (EINVAL unless the VMA is
     *               registered for WP)
     * @param source what fills a new page, or null for UFFDIO_ZEROPAGE
     * @return the bytes filled, or a negative errno when none was
     */
    public static long mfillAtomic(MmStruct mm, long dst, long src, long len, boolean wp, SourcePage source) {
        long copied = 0;
        long err = 0;
        while (copied < len) {
            Vma vma = Userfaultfd.mfillDstVma(mm, dst, len);
            if (vma == null) {
                err = -Errno.ENOENT;
                break;
            }
            // Anonymous private memory or shmem (no hugetlbfs); a write-protected copy only where
            // the VMA is registered for WP.
            boolean shmem = Userfaultfd.vmaIsShmem(vma);
            if ((vma.isAnonymous() && vma.has(VmFlags.VM_SHARED)) || wp && !vma.has(VmFlags.VM_UFFD_WP)
                    || !vma.isAnonymous() && !shmem) {
                err = -Errno.EINVAL;
                break;
            }
            long addr = dst + copied;
            if (shmem) err = shmemMfillAtomicPte(mm, vma, addr, src + copied, source);
            else if (source != null) err = mfillAtomicPteCopy(mm, vma, addr, src + copied, wp, source);
            else err = mfillAtomicPteZeropage(mm, vma, addr);
            if (err != 0) break;
            copied += PageTypes.PAGE_SIZE;
        }
        return copied != 0 ? copied : err;
    }

    /** The PTE slot for {@code addr} (mm_alloc_pmd(), __pte_alloc()); NO_SLOT when a huge PMD is there or memory ran out. */
    private static long pteSlot(PageTable pgd, long addr) {
        if (pgd.hugePmdSlot(addr) != PageTable.NO_SLOT) return PageTable.NO_SLOT;
        return pgd.pteSlot(addr, true);
    }

    /** The errno for a missing PTE slot: EEXIST when a huge PMD maps the address (pmd_trans_huge()), else ENOMEM. */
    private static long noSlot(PageTable pgd, long addr) {
        return pgd.hugePmdSlot(addr) != PageTable.NO_SLOT ? -Errno.EEXIST : -Errno.ENOMEM;
    }

    /** Models mfill_atomic_pte_copy() → mfill_atomic_install_pte() for anonymous memory. */
    private static long mfillAtomicPteCopy(MmStruct mm, Vma vma, long addr, long srcAddr, boolean wp, SourcePage source) {
        PageTable pgd = mm.pgd();
        long slot = pteSlot(pgd, addr);
        if (slot == PageTable.NO_SLOT) return noSlot(pgd, addr);
        var env = mm.env();
        long pfn = env.allocUserPage();
        if (pfn == PageAllocator.NO_PAGE) return -Errno.ENOMEM;
        // The source is read before the destination entry is looked at: a bad source is EFAULT
        // even where a page is already mapped.
        if (!source.copyTo(srcAddr, pfn)) {
            env.putPage(pfn);
            return -Errno.EFAULT;
        }
        if (Pte.mapsPage(pgd.get(slot))) {
            env.putPage(pfn);
            return -Errno.EEXIST;
        }
        HandleMmFault.pageAddNewAnonRmap(mm, vma, pfn);
        boolean writable = vma.has(VmFlags.VM_WRITE);
        // mk_pte(vm_page_prot) is young on x86; pte_mkdirty(); pte_mkwrite() only under VM_WRITE;
        // pte_mkuffd_wp() (which write-protects) for UFFDIO_COPY_MODE_WP.
        long pte = Pte.make(pfn, vma.pageProt(writable && !wp)) | Pte.A | Pte.D;
        pgd.set(slot, wp ? pte | Pte.UFFD_WP : pte);
        return 0;
    }

    /**
     * Models shmem_mfill_atomic_pte(): a new page (copied from the source, or zeroed for
     * UFFDIO_ZEROPAGE) goes into the shmem page cache at the address's index (EFAULT past end of
     * file, EEXIST when the cache has a page there) and is mapped (EEXIST when an entry is there,
     * the page then leaving the cache): writable only in a shared writable VMA
     * (mfill_atomic_install_pte()'s page_in_cache rule), dirty.
     */
    private static long shmemMfillAtomicPte(MmStruct mm, Vma vma, long addr, long srcAddr, SourcePage source) {
        PageTable pgd = mm.pgd();
        long slot = pteSlot(pgd, addr);
        if (slot == PageTable.NO_SLOT) return noSlot(pgd, addr);
        var env = mm.env();
        MappedFile file = vma.file();
        long index = vma.pageIndex(addr);
        long pfn = source != null ? env.allocUserPage() : env.allocZeroedUserPage();
        if (pfn == PageAllocator.NO_PAGE) return -Errno.ENOMEM;
        if (source != null && !source.copyTo(srcAddr, pfn)) {
            env.putPage(pfn);
            return -Errno.EFAULT;
        }
        if (index >= file.nrPages()) { // max_off = DIV_ROUND_UP(i_size, PAGE_SIZE)
            env.putPage(pfn);
            return -Errno.EFAULT;
        }
        if (file.cachedPfn(index) >= 0 || Pte.mapsPage(pgd.get(slot))) { // shmem_add_to_page_cache(), pte_none_mostly()
            env.putPage(pfn);
            return -Errno.EEXIST;
        }
        FrameTable frames = env.frames();
        frames.setPageFlag(pfn, PageFlag.SHMEM);
        file.setCachedPfn(index, pfn); // the page cache's reference is the allocation's
        frames.getPage(pfn);
        frames.incMapcount(pfn);
        mm.addRss(RssStat.MM_SHMEMPAGES, 1);
        boolean writable = vma.has(VmFlags.VM_WRITE) && vma.has(VmFlags.VM_SHARED);
        pgd.set(slot, Pte.make(pfn, vma.pageProt(writable)) | Pte.A | Pte.D);
        return 0;
    }

    /** Models mfill_atomic_pte_zeropage(): the zero page, special, read-only. */
    private static long mfillAtomicPteZeropage(MmStruct mm, Vma vma, long addr) {
        PageTable pgd = mm.pgd();
        long slot = pteSlot(pgd, addr);
        if (slot == PageTable.NO_SLOT) return noSlot(pgd, addr);
        if (Pte.mapsPage(pgd.get(slot))) return -Errno.EEXIST;
        pgd.set(slot, Pte.make(mm.env().zeroPfn(), vma.pageProt(false) | Pte.SPECIAL | Pte.A));
        mm.env().count(VmEvent.ZERO_PAGE_MAP);
        return 0;
    }
}
