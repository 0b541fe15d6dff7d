package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;

/**
 * Models the mincore() syscall, mm/mincore.c: one byte per page of [start, start + len), 1 when
 * the page is resident — mapped in the page tables, or for a file mapping cached in the page cache.
 *
 * <p>As sys_mincore() does, the arguments are checked before any page is looked at (an unaligned
 * start is EINVAL; a range or a vector, one byte per page, that does not fit below TASK_SIZE is
 * ENOMEM or EFAULT), and the work is done in rounds of at most {@link #ROUND_PAGES} pages, each
 * within one VMA and copied out before the next: a hole met in a later round is ENOMEM and a
 * vector that cannot be written is EFAULT, with the earlier rounds already copied. The host cost
 * of one call is one round's buffer, whatever length the guest asks for, and its time follows the
 * pages the guest has mapped and the vector it can write.
 */
public final class Mincore {
    private Mincore() {}

    /** Pages per round: the kernel's temporary buffer is one page of vector, one byte per page. */
    public static final int ROUND_PAGES = (int) PageTypes.PAGE_SIZE;

    /** Where each round's vector goes: copy_to_user() of {@code len} bytes of {@code src}, 0 or -EFAULT. */
    @FunctionalInterface
    public interface VectorSink {
        /**
         * Copies one round's vector to user memory.
         *
         * @param uaddr the user address
         * @param src   the vector
         * @param len   the bytes of {@code src} to copy
         * @return 0, or -EFAULT
         */
        int copyToUser(long uaddr, byte[] src, int len);
    }

    /**
     * Models sys_mincore(), mm/mincore.c: 0, or -EINVAL, -ENOMEM, -EFAULT in the kernel's order.
     *
     * @param mm    the address space
     * @param start the start, page aligned
     * @param len   the length in bytes
     * @param vec   the user address of the vector, one byte per page
     * @param sink  copies each round's vector to {@code vec}
     * @return 0, or a negative errno
     */
    public static long sysMincore(MmStruct mm, long start, long len, long vec, VectorSink sink) {
        if ((start & (PageTypes.PAGE_SIZE - 1)) != 0) return -Errno.EINVAL;
        if (!accessOk(start, len)) return -Errno.ENOMEM;
        // len is a size_t: pages = len >> PAGE_SHIFT, plus one for a partial page (no overflow).
        long pages = (len >>> PAGE_SHIFT) + ((len & (PageTypes.PAGE_SIZE - 1)) != 0 ? 1 : 0);
        if (!accessOk(vec, pages)) return -Errno.EFAULT;
        byte[] tmp = new byte[ROUND_PAGES];
        while (pages != 0) {
            long done = doMincore(mm, start, Math.min(pages, ROUND_PAGES), tmp);
            if (done <= 0) return done;
            if (sink.copyToUser(vec, tmp, (int) done) < 0) return -Errno.EFAULT;
            pages -= done;
            vec += done;
            start += done << PAGE_SHIFT;
        }
        return 0;
    }

    /**
     * Models do_mincore(), mm/mincore.c: the residency of up to {@code pages} pages from
     * {@code addr}, stopping at the end of the VMA that holds it, into {@code vec}. Returns the
     * number of pages done, or -ENOMEM when no VMA holds {@code addr}.
     *
     * @param mm    the address space
     * @param addr  the first address, page aligned
     * @param pages the most pages to report
     * @param vec   receives one byte per page: 1 resident, 0 not
     * @return the number of pages done, or -ENOMEM
     */
    public static long doMincore(MmStruct mm, long addr, long pages, byte[] vec) {
        if (pages <= 0 || pages > vec.length) {
            throw new IllegalArgumentException("pages must be 1.." + vec.length + " (the vector's length), got " + pages);
        }
        Vma vma = mm.vmaLookup(addr);
        if (vma == null) return -Errno.ENOMEM;
        long end = Math.min(vma.end(), addr + (pages << PAGE_SHIFT));
        int n = (int) ((end - addr) >>> PAGE_SHIFT);
        PageTable pgd = mm.pgd();
        MappedFile file = vma.file();
        for (int i = 0; i < n; i++) {
            long va = addr + ((long) i << PAGE_SHIFT);
            long slot = pgd.leafSlot(va);
            boolean mapped = slot != PageTable.NO_SLOT && Pte.mapsPage(pgd.get(slot));
            boolean cached = !mapped && file != null && file.cachedPfn(vma.pageIndex(va)) >= 0;
            vec[i] = (byte) (mapped || cached ? 1 : 0);
        }
        return n;
    }

    /**
     * Models x86-64's access_ok() for a size not known at compile time
     * (arch/x86/include/asm/uaccess_64.h): the range must not wrap and must end at or below
     * TASK_SIZE_MAX (measured on the host: ending exactly there passes, one byte more fails).
     */
    static boolean accessOk(long addr, long size) {
        long sum = addr + size;
        return Long.compareUnsigned(sum, addr) >= 0 && Long.compareUnsigned(sum, MmStruct.TASK_SIZE) <= 0;
    }
}
