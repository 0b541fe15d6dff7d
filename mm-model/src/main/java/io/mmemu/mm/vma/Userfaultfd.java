package io.mmemu.mm.vma;

import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;

/**
 * The VMA side of userfaultfd: registration and unregistration of ranges (userfaultfd_register(),
 * userfaultfd_unregister() in fs/userfaultfd.c, userfaultfd_register_range() and
 * userfaultfd_clear_vma() in mm/userfaultfd.c) and the release of a descriptor
 * (userfaultfd_release_all()). A registered VMA carries its context and VM_UFFD_MISSING; the
 * fault path ({@code HandleMmFault}) checks that one flag, so unregistered memory pays nothing.
 *
 * <p>The model registers anonymous private memory and shmem for missing faults (a shmem page is
 * missing when the page cache has none: shmem_get_folio_gfp()), and anonymous memory for write-protect faults
 * (VM_UFFD_WP; the entries UFFDIO_WRITEPROTECT protects carry {@link Pte#UFFD_WP}, as x86's
 * _PAGE_UFFD_WP, without PTE markers: as a kernel without CONFIG_PTE_MARKER_UFFD_WP, empty entries
 * cannot be protected and WP is for anonymous memory only). Like a kernel without
 * CONFIG_HAVE_ARCH_USERFAULTFD_MINOR it refuses the MINOR mode; hugetlbfs VMAs do not exist.
 */
public final class Userfaultfd {
    private Userfaultfd() {}

    /** UFFDIO_REGISTER_MODE_MISSING, _WP and _MINOR. */
    public static final long UFFDIO_REGISTER_MODE_MISSING = 1, UFFDIO_REGISTER_MODE_WP = 2, UFFDIO_REGISTER_MODE_MINOR = 4;
    /** UFFD_API_REGISTER_MODES: the modes the uapi knows. */
    public static final long UFFD_API_REGISTER_MODES = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP
            | UFFDIO_REGISTER_MODE_MINOR;

    /**
     * Models validate_range(): {@code start} page aligned, {@code len} a non-zero multiple of pages,
     * the range at or above mmap_min_addr and inside the user address space.
     *
     * @param mm    the address space
     * @param start the range's start
     * @param len   its length
     * @return 0, or -EINVAL
     */
    public static long validateRange(MmStruct mm, long start, long len) {
        if ((start & (PageTypes.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        if ((len & (PageTypes.PAGE_SIZE - 1)) != 0 || len == 0) return -Errno.EINVAL;
        if (Long.compareUnsigned(start, mm.mmapMinAddr()) < 0) return -Errno.EINVAL;
        long taskSize = MmStruct.TASK_SIZE; // mm->task_size: TASK_SIZE_MAX
        if (Long.compareUnsigned(start, taskSize) >= 0) return -Errno.EINVAL;
        if (Long.compareUnsigned(len, taskSize - start) > 0) return -Errno.EINVAL;
        return 0;
    }

    /**
     * Models vma_can_userfault() for the modes in {@code vmFlags}: anonymous memory or shmem, not
     * MAP_DROPPABLE; write protection for anonymous memory only (no PTE markers); no hugetlbfs
     * (see the class comment).
     *
     * @param vma     the VMA
     * @param vmFlags the VM_UFFD_* bits asked for
     * @return whether the VMA can be registered for them
     */
    static boolean vmaCanUserfault(Vma vma, int vmFlags) {
        if (vma.droppable) return false;
        boolean anonymous = vma.isAnonymous() && !vma.has(VmFlags.VM_SHARED);
        if ((vmFlags & VmFlags.VM_UFFD_WP) != 0 && !anonymous) return false; // !CONFIG_PTE_MARKER_UFFD_WP
        return anonymous || vmaIsShmem(vma);
    }

    /**
     * Models vma_is_shmem(): a mapping of a tmpfs file, a memfd or shared anonymous memory (not
     * memfd_secret() memory, which has its own vm_ops).
     *
     * @param vma a VMA
     * @return whether shmem backs it
     */
    public static boolean vmaIsShmem(Vma vma) {
        return vma.file != null && vma.file.isShmem() && !vma.file.isSecretmem();
    }

    /**
     * Models userfaultfd_register() after its copy of the argument, for a range that passed
     * {@link #validateRange}: the modes (EINVAL: none, unknown, or MINOR, which the model does
     * not have), a VMA in the range (EINVAL), each VMA in it compatible (EINVAL), VM_MAYWRITE
     * (EPERM), not owned by another userfaultfd (EBUSY); then userfaultfd_register_range(). Holes
     * in the range are allowed, as in Linux.
     *
     * @param ctx   the userfaultfd
     * @param start the range's start
     * @param len   its length
     * @param mode  UFFDIO_REGISTER_MODE_* bits
     * @return 0, or a negative errno
     */
    public static long register(UserfaultfdCtx ctx, long start, long len, long mode) {
        if (mode == 0 || (mode & ~UFFD_API_REGISTER_MODES) != 0) return -Errno.EINVAL;
        int vmFlags = 0;
        if ((mode & UFFDIO_REGISTER_MODE_MISSING) != 0) vmFlags |= VmFlags.VM_UFFD_MISSING;
        if ((mode & UFFDIO_REGISTER_MODE_WP) != 0) vmFlags |= VmFlags.VM_UFFD_WP;
        // #ifndef CONFIG_HAVE_ARCH_USERFAULTFD_MINOR: goto out (EINVAL).
        if ((mode & UFFDIO_REGISTER_MODE_MINOR) != 0) return -Errno.EINVAL;
        MmStruct mm = ctx.mm();
        long r = validateRange(mm, start, len);
        if (r < 0) return r;
        if (mm.mmUsers() == 0) return -Errno.ENOMEM; // mmget_not_zero()
        long end = start + len;
        Vma first = mm.findVma(start); // vma_find(&vmi, end)
        if (first == null || Long.compareUnsigned(first.start, end) >= 0) return -Errno.EINVAL;
        for (Vma cur = first; cur != null && Long.compareUnsigned(cur.start, end) < 0; cur = mm.findVma(cur.end)) {
            if (!vmaCanUserfault(cur, vmFlags)) return -Errno.EINVAL;
            // UFFDIO_COPY fills holes even without PROT_WRITE: the mapping must be one that could be written.
            if (!cur.has(VmFlags.VM_MAYWRITE)) return -Errno.EPERM;
            if (cur.userfaultfdCtx != null && cur.userfaultfdCtx != ctx) return -Errno.EBUSY;
        }
        return registerRange(ctx, first, vmFlags, start, end);
    }

    /**
     * Models userfaultfd_register_range(): every VMA of the range not already registered with
     * {@code ctx} for these modes is split at the range's ends, gets the modes (replacing others)
     * and the context, and merges with its neighbours (vma_modify_flags_uffd()).
     */
    private static long registerRange(UserfaultfdCtx ctx, Vma vma, int vmFlags, long start, long end) {
        MmStruct mm = ctx.mm();
        for (Vma cur = vma; cur != null && Long.compareUnsigned(cur.start, end) < 0; ) {
            if (cur.userfaultfdCtx == ctx && (cur.flags & vmFlags) == vmFlags) {
                cur = mm.findVma(cur.end);
                continue;
            }
            long from = Math.max(start, cur.start);
            long to = Long.compareUnsigned(end, cur.end) < 0 ? end : cur.end;
            int newFlags = (cur.flags & ~VmFlags.VM_UFFD_FLAGS) | vmFlags;
            if (!mm.modifyVma(from, to, v -> {
                v.flags = newFlags;
                v.userfaultfdCtx = ctx;
            })) {
                return -Errno.ENOMEM;
            }
            cur = mm.findVma(to);
        }
        return 0;
    }

    /**
     * Models userfaultfd_unregister() after its copy of the argument: the range ({@link
     * #validateRange}), a VMA in it (EINVAL), none registered with another userfaultfd and all of a
     * kind that can be registered (EINVAL); then each registered VMA's waiting faults are woken
     * (through {@code wake}) and it leaves its context (userfaultfd_clear_vma()).
     *
     * @param ctx   the userfaultfd the call came through
     * @param start the range's start
     * @param len   its length
     * @return 0, or a negative errno
     */
    public static long unregister(UserfaultfdCtx ctx, long start, long len) {
        MmStruct mm = ctx.mm();
        long r = validateRange(mm, start, len);
        if (r < 0) return r;
        if (mm.mmUsers() == 0) return -Errno.ENOMEM;
        long end = start + len;
        Vma first = mm.findVma(start);
        if (first == null || Long.compareUnsigned(first.start, end) >= 0) return -Errno.EINVAL;
        for (Vma cur = first; cur != null && Long.compareUnsigned(cur.start, end) < 0; cur = mm.findVma(cur.end)) {
            if (cur.userfaultfdCtx != null && cur.userfaultfdCtx != ctx) return -Errno.EINVAL;
            if (!vmaCanUserfault(cur, cur.flags)) return -Errno.EINVAL;
        }
        for (Vma cur = first; cur != null && Long.compareUnsigned(cur.start, end) < 0; ) {
            if (cur.userfaultfdCtx == null) {
                cur = mm.findVma(cur.end);
                continue;
            }
            long from = Math.max(start, cur.start);
            long to = Long.compareUnsigned(end, cur.end) < 0 ? end : cur.end;
            // Wake the faults waiting in the range, so that they do not hang (no UFFDIO_WAKE needed).
            if (cur.has(VmFlags.VM_UFFD_MISSING)) cur.userfaultfdCtx.wake(from, to - from);
            if (!clearVma(mm, cur, from, to)) return -Errno.ENOMEM;
            cur = mm.findVma(to);
        }
        return 0;
    }

    /**
     * Models userfaultfd_release_all(): every VMA of the context's address space registered with
     * it leaves it and merges with its neighbours again. (The waiting faults are woken by
     * {@link UserfaultfdCtx#release}.)
     *
     * @param ctx the released userfaultfd
     */
    public static void releaseAll(UserfaultfdCtx ctx) {
        MmStruct mm = ctx.mm();
        if (mm.mmUsers() == 0) return; // mmget_not_zero(): the address space is gone already
        for (Vma cur = mm.findVma(0); cur != null; ) {
            if (cur.userfaultfdCtx != ctx) {
                cur = mm.findVma(cur.end);
                continue;
            }
            long end = cur.end;
            if (cur.has(VmFlags.VM_UFFD_WP)) uffdWpRange(mm, cur, cur.start, cur.end, false);
            cur.userfaultfdResetCtx(); // the whole VMA: no split can fail
            Vma merged = mm.mergeAround(cur);
            cur = mm.findVma(Math.max(end, merged.end));
        }
    }

    /**
     * Models userfaultfd_clear_vma(): [from, to) of {@code vma} loses its write protection
     * (uffd_wp_range(false)) and leaves its userfaultfd, split off and merged again.
     */
    private static boolean clearVma(MmStruct mm, Vma vma, long from, long to) {
        if (vma.has(VmFlags.VM_UFFD_WP)) uffdWpRange(mm, vma, from, to, false);
        return mm.modifyVma(from, to, Vma::userfaultfdResetCtx);
    }

    /**
     * Models mwriteprotect_range(): every VMA in [start, start + len) must be registered for WP
     * (ENOENT otherwise, and when there is none; holes are skipped), and its entries in the range
     * are write-protected or released ({@link #uffdWpRange}).
     *
     * @param ctx      the userfaultfd
     * @param start    the range's start, validated
     * @param len      its length
     * @param enableWp true to protect (UFFDIO_WRITEPROTECT_MODE_WP), false to resolve
     * @return 0, or -ENOENT
     */
    public static long mwriteprotectRange(UserfaultfdCtx ctx, long start, long len, boolean enableWp) {
        MmStruct mm = ctx.mm();
        long end = start + len;
        long err = -Errno.ENOENT;
        for (Vma cur = mm.findVma(start); cur != null && Long.compareUnsigned(cur.start, end) < 0;
                cur = mm.findVma(cur.end)) {
            if (!cur.has(VmFlags.VM_UFFD_WP)) return -Errno.ENOENT;
            uffdWpRange(mm, cur, Math.max(start, cur.start), Long.compareUnsigned(end, cur.end) < 0 ? end : cur.end, enableWp);
            err = 0;
        }
        return err;
    }

    /**
     * Models uffd_wp_range() → change_protection() with MM_CP_UFFD_WP or MM_CP_UFFD_WP_RESOLVE:
     * every present entry in [start, end) gets {@link Pte#UFFD_WP} and loses RW, or loses UFFD_WP
     * and, in a writable VMA, gets RW back where no COW is pending (MM_CP_TRY_CHANGE_WRITABLE:
     * an exclusive anonymous page). Empty entries stay empty (no PTE markers). A huge PMD in the
     * range is split first (Linux marks it whole with change_huge_pmd(); the model keeps the bit
     * on 4 KiB entries only). The TLBs are flushed.
     */
    static void uffdWpRange(MmStruct mm, Vma vma, long start, long end, boolean enableWp) {
        HugeMemory.splitHugePmdRange(mm, start, end);
        PageTable pgd = mm.pgd();
        boolean writable = vma.has(VmFlags.VM_WRITE);
        pgd.forEachPresentPte(start, end, (va, slot, pte) -> {
            long n;
            if (enableWp) {
                n = (pte | Pte.UFFD_WP) & ~Pte.RW;
            } else {
                n = pte & ~Pte.UFFD_WP;
                if (writable && (n & Pte.SPECIAL) == 0 && Pte.present(n) && (n & Pte.P) != 0
                        && Mprotect.anonExclusive(mm, n)) {
                    n |= Pte.RW;
                }
            }
            if (n != pte) pgd.set(slot, n);
        });
        mm.env().tlbFlush().flushTlbMmRange(mm, start, end, false);
    }

    /**
     * Models uffd_mfill_lock() → find_vma_and_prepare_anon() and validate_dst_vma(): the VMA that
     * holds all of [dst, dst + len) and is registered with a userfaultfd (any one: Linux checks no
     * more), else null (ENOENT).
     *
     * @param mm  the address space
     * @param dst the destination's start
     * @param len its length
     * @return the VMA, or null
     */
    public static Vma mfillDstVma(MmStruct mm, long dst, long len) {
        Vma vma = mm.vmaLookup(dst);
        if (vma == null) return null;
        if (Long.compareUnsigned(dst + len, vma.end) > 0) return null;
        return vma.userfaultfdCtx != null ? vma : null;
    }
}
