package io.mmemu.mm.fault;

import static io.mmemu.mm.fault.FaultFlags.FAULT_FLAG_WRITE;
import static io.mmemu.mm.fault.FaultFlags.VM_FAULT_OK;
import static io.mmemu.mm.fault.FaultFlags.VM_FAULT_OOM;
import static io.mmemu.mm.fault.FaultFlags.VM_FAULT_SIGBUS;

import io.mmemu.mm.huge.AnonFolio;
import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.UserfaultfdCtx;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import io.mmemu.trace.FaultOutcome;

/**
 * Models handle_mm_fault() and its helpers in mm/memory.c, for a fault the VMA allows.
 *
 * <ol>
 *   <li>Find (allocating) the PTE slot: __handle_mm_fault → handle_pte_fault.</li>
 *   <li>PTE not present: anonymous VMA → do_anonymous_page (the shared zero page, read-only and
 *       special, for a read; a fresh zeroed frame for a write); file VMA → do_read_fault (map the
 *       page-cache page, write-protected in a private mapping), do_cow_fault (a private copy for
 *       a write) or do_shared_fault.</li>
 *   <li>PTE present, write to a write-protected entry of a writable VMA → do_wp_page: the zero
 *       page or a shared frame is copied (wp_page_copy); an anonymous frame no one else holds is
 *       reused in place (wp_page_reuse).</li>
 * </ol>
 * Before the PTE level, __handle_mm_fault's PMD level: an empty PMD in a range where a huge page
 * is allowed takes one (do_huge_pmd_anonymous_page); a write to a write-protected huge PMD is
 * do_huge_pmd_wp_page, which reuses the huge page or splits the PMD and goes on at the PTE level
 * ({@link HugeMemory}).
 * Nothing here allocates Java objects; results are VM_FAULT_* bits.
 */
final class HandleMmFault {
    private HandleMmFault() {}

    /** Models handle_mm_fault(). */
    static int handleMmFault(MmStruct mm, Vma vma, long address, int flags) {
        MmEnv env = mm.env();
        env.count(VmEvent.PGFAULT);
        PageTable pgd = mm.pgd();
        boolean write = (flags & FAULT_FLAG_WRITE) != 0;
        if (HugeMemory.thpVmaAllowable(mm, vma, address)) {
            long pmdSlot = pgd.pmdSlot(address, true);
            if (pmdSlot == PageTable.NO_SLOT) return VM_FAULT_OOM;
            if (pgd.get(pmdSlot) == 0) { // pmd_none() → create_huge_pmd()
                if (mm.mmfUnstable()) return VM_FAULT_SIGBUS; // check_stable_address_space()
                // do_huge_pmd_anonymous_page(): a missing fault of a registered VMA goes to its userfaultfd.
                if (vma.has(VmFlags.VM_UFFD_MISSING)) return handleUserfault(vma, flags);
                int r = HugeMemory.doHugePmdAnonymousPage(mm, vma, address, pmdSlot, write);
                if (r != HugeMemory.VM_FAULT_FALLBACK) {
                    env.setFaultOutcome(FaultOutcome.HUGE_PAGE);
                    return r;
                }
            }
        }
        long slot = pgd.pteSlot(address, true);
        if (slot == PageTable.NO_SLOT) {
            long pmdSlot = pgd.hugePmdSlot(address); // pmd_trans_huge(): the PTE level is not there
            if (pmdSlot == PageTable.NO_SLOT) return VM_FAULT_OOM;
            long pmd = pgd.get(pmdSlot);
            if (!write || (pmd & Pte.RW) != 0) { // huge_pmd_set_accessed(): the walker sets A/D
                env.setFaultOutcome(FaultOutcome.SPURIOUS);
                return VM_FAULT_OK;
            }
            if (HugeMemory.doHugePmdWpPage(mm, vma, address, pmdSlot, pmd) != HugeMemory.VM_FAULT_FALLBACK) {
                env.setFaultOutcome(FaultOutcome.COW_REUSE);
                return VM_FAULT_OK;
            }
            slot = pgd.pteSlot(address, true); // split: the fault goes on at the PTE level
            if (slot == PageTable.NO_SLOT) return VM_FAULT_OOM;
        }
        long pte = pgd.get(slot);
        if (!Pte.mapsPage(pte)) { // pte_none(); a PROT_NONE entry still maps its page
            // check_stable_address_space(): a reaped mm maps no new page (do_anonymous_page(), finish_fault()).
            if (mm.mmfUnstable()) return VM_FAULT_SIGBUS;
            if (vma.isAnonymous()) return doAnonymousPage(mm, vma, address, slot, flags);
            // shmem_get_folio_gfp(): a page the shmem page cache lacks (within the file) is missing
            // for a registered VMA, whatever the access.
            if (vma.has(VmFlags.VM_UFFD_MISSING) && shmemPageMissing(vma, address)) return handleUserfault(vma, flags);
            if (!write) return doReadFault(mm, vma, address, slot);
            if (!vma.has(VmFlags.VM_SHARED)) return doCowFault(mm, vma, address, slot);
            return doSharedFault(mm, vma, address, slot);
        }
        if (write && (pte & Pte.RW) == 0) return doWpPage(mm, vma, address, slot, pte, flags);
        env.setFaultOutcome(FaultOutcome.SPURIOUS);
        return VM_FAULT_OK; // spurious: another path already fixed the entry (the walker sets A/D)
    }

    /**
     * Models do_anonymous_page(): a missing fault of a registered VMA goes to its userfaultfd; a read
     * maps the zero page; a write takes a new folio, of a larger order when hugepages-NkB/enabled
     * allow one there (alloc_anon_folio(), {@link AnonFolio}), else a single zeroed page.
     */
    private static int doAnonymousPage(MmStruct mm, Vma vma, long address, long slot, int flags) {
        // userfaultfd_missing(): the one flag check unregistered memory pays.
        if (vma.has(VmFlags.VM_UFFD_MISSING)) return handleUserfault(vma, flags);
        MmEnv env = mm.env();
        if ((flags & FAULT_FLAG_WRITE) == 0) {
            mm.pgd().set(slot, Pte.make(env.zeroPfn(), vma.pageProt(false) | Pte.SPECIAL));
            env.count(VmEvent.ZERO_PAGE_MAP);
            env.setFaultOutcome(FaultOutcome.ZERO_PAGE);
            return VM_FAULT_OK;
        }
        long orders = AnonFolio.anonFolioOrders(mm, vma, address, slot);
        if (orders != 0 && AnonFolio.doAnonymousLargePage(mm, vma, address, slot, orders) != 0) {
            env.setFaultOutcome(FaultOutcome.ANON_NEW);
            return VM_FAULT_OK;
        }
        long pfn = env.allocZeroedUserPage();
        if (pfn == PageAllocator.NO_PAGE) return VM_FAULT_OOM;
        env.setFaultOutcome(FaultOutcome.ANON_NEW);
        pageAddNewAnonRmap(mm, vma, pfn);
        // pte_mkwrite(pte_mkdirty()) only under VM_WRITE: a FOLL_FORCE write to a read-only VMA
        // (/proc/PID/mem) gets a clean, read-only entry.
        boolean writable = vma.has(VmFlags.VM_WRITE);
        mm.pgd().set(slot, Pte.make(pfn, vma.pageProt(writable) | (writable ? Pte.D : 0)));
        return VM_FAULT_OK;
    }

    /** What {@link #filemapFault} returns for a page beyond the end of the file. */
    static final long FILEMAP_BEYOND_EOF = -2;

    /** VM_FAULT_* for a failed {@link #filemapFault}. */
    private static int filemapError(long result) {
        return result == FILEMAP_BEYOND_EOF ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
    }

    /**
     * Models handle_userfault(), fs/userfaultfd.c, up to the point where the task would sleep: a
     * missing fault of a VMA registered with a userfaultfd, or a write to an entry it write-protected
     * (which of the two, the caller tells by the entry: {@link UserFault}). SIGBUS when the context asked for it
     * (UFFD_FEATURE_SIGBUS) or when it handles only user-mode faults and this one is the kernel's
     * (UFFD_USER_MODE_ONLY); otherwise VM_FAULT_RETRY: the caller makes the task wait (the CPU's
     * {@link FaultResult.Userfault}), or, for an access by the kernel itself, which cannot sleep
     * in the model, fails it with EFAULT.
     */
    static int handleUserfault(Vma vma, int flags) {
        UserfaultfdCtx ctx = vma.userfaultfdCtx();
        if (ctx == null) return VM_FAULT_SIGBUS;
        if ((ctx.flags() & UserfaultfdCtx.UFFD_USER_MODE_ONLY) != 0 && (flags & FaultFlags.FAULT_FLAG_USER) == 0) {
            return VM_FAULT_SIGBUS;
        }
        if ((ctx.features() & UserfaultfdCtx.UFFD_FEATURE_SIGBUS) != 0) return VM_FAULT_SIGBUS;
        return FaultFlags.VM_FAULT_RETRY;
    }

    /** Whether the shmem page at {@code address} of a registered VMA is missing: not cached, and before end of file. */
    private static boolean shmemPageMissing(Vma vma, long address) {
        MappedFile file = vma.file();
        long index = vma.pageIndex(address);
        return file.isShmem() && index < file.nrPages() && file.cachedPfn(index) < 0;
    }

    /** Models folio_add_new_anon_rmap() and its accounting: a fresh private frame joins {@code mm}. */
    static void pageAddNewAnonRmap(MmStruct mm, Vma vma, long pfn) {
        FrameTable frames = mm.env().frames();
        frames.setPageFlag(pfn, PageFlag.ANON);
        frames.setPageFlag(pfn, PageFlag.ANON_EXCLUSIVE); // __folio_set_anon(..., exclusive)
        frames.incMapcount(pfn);
        mm.addRss(RssStat.MM_ANONPAGES, 1);
    }

    /**
     * Models filemap_fault(): the page-cache frame holding file page {@code index}, read in on a
     * miss (zero-filled past end of file); NO_PAGE without memory, {@link #FILEMAP_BEYOND_EOF}
     * past the end. The page cache keeps one reference.
     */
    static long filemapFault(MmEnv env, MappedFile file, long index) {
        long pfn = file.cachedPfn(index);
        if (pfn >= 0) return pfn;
        if (index >= file.nrPages()) return FILEMAP_BEYOND_EOF;
        pfn = env.allocUserPage();
        if (pfn == PageAllocator.NO_PAGE) return PageAllocator.NO_PAGE;
        file.readPageInto(index, env.mem(), pfn);
        if (file.isShmem()) env.frames().setPageFlag(pfn, PageFlag.SHMEM);
        file.setCachedPfn(index, pfn);
        return pfn;
    }

    /** Models do_read_fault() → finish_fault(): maps the page-cache page, write-protected when private. */
    private static int doReadFault(MmStruct mm, Vma vma, long address, long slot) {
        MmEnv env = mm.env();
        long pfn = filemapFault(env, vma.file(), vma.pageIndex(address));
        if (pfn < 0) return filemapError(pfn);
        FrameTable frames = env.frames();
        frames.getPage(pfn);
        frames.incMapcount(pfn);
        mm.addRss(vma.file().isShmem() ? RssStat.MM_SHMEMPAGES : RssStat.MM_FILEPAGES, 1);
        boolean writable = vma.has(VmFlags.VM_SHARED) && vma.has(VmFlags.VM_WRITE);
        mm.pgd().set(slot, Pte.make(pfn, vma.pageProt(writable)));
        env.setFaultOutcome(FaultOutcome.FILE_PAGE);
        return VM_FAULT_OK;
    }

    /** Models do_cow_fault(): a private anonymous copy of the file page for a write. */
    private static int doCowFault(MmStruct mm, Vma vma, long address, long slot) {
        MmEnv env = mm.env();
        long src = filemapFault(env, vma.file(), vma.pageIndex(address));
        if (src < 0) return filemapError(src);
        long pfn = env.allocUserPage();
        if (pfn == PageAllocator.NO_PAGE) return VM_FAULT_OOM;
        env.mem().copyPage(pfn, src);
        pageAddNewAnonRmap(mm, vma, pfn);
        env.count(VmEvent.COW_FAULT);
        // maybe_mkwrite(pte_mkdirty()): a FOLL_FORCE write to a read-only VMA breaks COW but stays read-only.
        mm.pgd().set(slot, Pte.make(pfn, vma.pageProt(vma.has(VmFlags.VM_WRITE)) | Pte.D));
        env.setFaultOutcome(FaultOutcome.COW_COPY);
        return VM_FAULT_OK;
    }

    /** Models do_shared_fault(): the page-cache page itself, writable. */
    private static int doSharedFault(MmStruct mm, Vma vma, long address, long slot) {
        int r = doReadFault(mm, vma, address, slot);
        if (r == VM_FAULT_OK) mm.pgd().set(slot, mm.pgd().get(slot) | Pte.RW | Pte.D);
        return r;
    }

    /**
     * Models do_wp_page(): a write to a write-protected PTE of a writable VMA, or a FOLL_FORCE
     * write (/proc/PID/mem) to a private read-only one, whose entry stays read-only
     * (maybe_mkwrite()) once COW is broken.
     */
    private static int doWpPage(MmStruct mm, Vma vma, long address, long slot, long pte, int flags) {
        // userfaultfd_pte_wp(): a write-protected entry of a VMA registered for WP goes to its userfaultfd.
        if ((pte & Pte.UFFD_WP) != 0 && vma.has(VmFlags.VM_UFFD_WP)) return handleUserfault(vma, flags);
        MmEnv env = mm.env();
        FrameTable frames = env.frames();
        long old = Pte.pfn(pte);
        boolean special = (pte & Pte.SPECIAL) != 0;
        if (!special && frames.testPageFlag(old, PageFlag.ANON) && (frames.testPageFlag(old, PageFlag.ANON_EXCLUSIVE)
                || frames.pageRefCount(old) == 1)) {
            // wp_can_reuse_anon_folio(), then wp_page_reuse(): the page is this process's alone
            // (exclusive, or nobody else holds a reference), so write to it in place.
            frames.setPageFlag(old, PageFlag.ANON_EXCLUSIVE);
            mm.pgd().set(slot, pte | (vma.has(VmFlags.VM_WRITE) ? Pte.RW : 0) | Pte.D);
            env.setFaultOutcome(FaultOutcome.COW_REUSE);
            return VM_FAULT_OK;
        }
        // wp_page_copy()
        long pfn = special ? env.allocZeroedUserPage() : env.allocUserPage();
        if (pfn == PageAllocator.NO_PAGE) return VM_FAULT_OOM;
        if (!special) env.mem().copyPage(pfn, old);
        pageAddNewAnonRmap(mm, vma, pfn);
        if (!special) {
            mm.addRss(frames.testPageFlag(old, PageFlag.ANON) ? RssStat.MM_ANONPAGES
                    : frames.testPageFlag(old, PageFlag.SHMEM) ? RssStat.MM_SHMEMPAGES : RssStat.MM_FILEPAGES, -1);
            frames.decMapcount(old);
            env.putPage(old);
        }
        env.count(VmEvent.COW_FAULT); // breaking the zero page is a copy-on-write too
        mm.pgd().set(slot, Pte.make(pfn, vma.pageProt(vma.has(VmFlags.VM_WRITE)) | Pte.D));
        env.setFaultOutcome(FaultOutcome.COW_COPY);
        // ptep_clear_flush(): CPUs may still hold the old read-only translation.
        long page = address & -PageTypes.PAGE_SIZE;
        env.tlbFlush().flushTlbMmRange(mm, page, page + PageTypes.PAGE_SIZE, false);
        return VM_FAULT_OK;
    }
}
