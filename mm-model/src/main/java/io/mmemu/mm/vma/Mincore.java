package io.mmemu.mm.vma;

import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;

/**
 * Models the mincore() syscall, mm/mincore.c: one byte per page of [start, start + len), 1 when
 * the page is resident — mapped in the page tables, or for a file mapping cached in the page cache.
 */
public final class Mincore {
    private Mincore() {}

    /** Returns the residency vector, or null with {@code err[0]} set to the negative errno. */
    public static byte[] doMincore(MmStruct mm, long start, long len, long[] err) {
        if ((start & (MmStruct.PAGE_SIZE - 1)) != 0) {
            err[0] = -Errno.EINVAL;
            return null;
        }
        long pages = (len + MmStruct.PAGE_SIZE - 1) >>> 12;
        if (len < 0 || start + len < start || start + len > MmStruct.TASK_SIZE) {
            err[0] = -Errno.ENOMEM;
            return null;
        }
        byte[] vec = new byte[(int) Math.min(pages, Integer.MAX_VALUE - 8)];
        PageTable pgd = mm.pgd();
        for (int i = 0; i < vec.length; i++) {
            long va = start + ((long) i << 12);
            Vma vma = mm.vmaLookup(va);
            if (vma == null) {
                err[0] = -Errno.ENOMEM;
                return null;
            }
            long slot = pgd.leafSlot(va);
            boolean mapped = slot != PageTable.NO_SLOT && Pte.mapsPage(pgd.get(slot));
            boolean cached = !mapped && vma.file() != null && vma.file().cachedPfn(vma.pageIndex(va)) >= 0;
            vec[i] = (byte) (mapped || cached ? 1 : 0);
        }
        err[0] = 0;
        return vec;
    }
}
