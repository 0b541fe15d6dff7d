package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;

/**
 * Cutting a file's page cache down, after mm/truncate.c and unmap_mapping_range() of mm/memory.c.
 *
 * <p>Order matters, as in truncate_pagecache(): the mappings are zapped first, so that every
 * page past the new end has only the page cache's reference left when the cache drops it (it is
 * freed then, not leaked by a stale PTE), and a later access faults, finds the page beyond end of
 * file and raises SIGBUS. Private COW copies of cut pages are zapped too (even_cows): a private
 * mapping may not keep data from beyond end of file either. Linux unmaps a second time after
 * the cache is cut, to catch pages a racing fault mapped in between; nothing runs concurrently
 * here, so once is enough.
 */
public final class Truncate {
    private Truncate() {}

    /**
     * Models truncate_pagecache(): i_size is already {@code newSize}; unmap, then drop the cut pages.
     *
     * @param env     the memory model
     * @param file    the file
     * @param newSize the new i_size in bytes
     */
    public static void truncatePagecache(MmEnv env, MappedFile file, long newSize) {
        long holeBegin = MmStruct.pageAlign(newSize);
        unmapMappingRange(env, file, holeBegin >>> PAGE_SHIFT);
        truncateInodePages(env, file, newSize);
    }

    /**
     * Models unmap_mapping_range(mapping, holebegin, 0, even_cows=1): zaps, in every VMA mapping
     * the file, the entries for file pages {@code fromIndex} and up, and flushes their TLBs.
     *
     * @param env       the memory model
     * @param file      the file
     * @param fromIndex the first file page index to unmap
     */
    public static void unmapMappingRange(MmEnv env, MappedFile file, long fromIndex) {
        for (MappedFile.Mapping m : file.mappings()) {
            Vma vma = m.vma();
            long pages = (vma.end - vma.start) >>> PAGE_SHIFT;
            if (fromIndex >= vma.pgoff + pages) continue;
            long start = vma.start + (Math.max(0, fromIndex - vma.pgoff) << PAGE_SHIFT);
            m.mm().zapPageRange(start, vma.end);
            env.tlbFlush().flushTlbMmRange(m.mm(), start, vma.end, false);
        }
    }

    /**
     * Models truncate_inode_pages_range(mapping, lstart, -1): every cached page wholly at or past
     * {@code lstart} leaves the page cache (and is freed unless someone else holds it), and the
     * tail of the page holding {@code lstart} is zeroed (truncate_inode_partial_folio()), so that
     * growing the file again reads zeros there.
     *
     * @param env    the memory model
     * @param file   the file
     * @param lstart the first byte to drop
     */
    public static void truncateInodePages(MmEnv env, MappedFile file, long lstart) {
        int partial = (int) (lstart & (PageTypes.PAGE_SIZE - 1));
        if (partial != 0) {
            long pfn = file.cachedPfn(lstart >>> PAGE_SHIFT);
            if (pfn >= 0) zeroRange(env, pfn, partial, (int) PageTypes.PAGE_SIZE);
        }
        for (long idx = file.nextCachedIndex(MmStruct.pageAlign(lstart) >>> PAGE_SHIFT); idx >= 0;
                idx = file.nextCachedIndex(idx + 1)) {
            long pfn = file.cachedPfn(idx);
            file.setCachedPfn(idx, -1);
            env.putPage(pfn);
        }
    }

    /**
     * Models shmem_fallocate()'s FALLOC_FL_PUNCH_HOLE: unmap_mapping_range() of the whole pages in
     * [offset, offset + len) without even_cows (private COW copies stay: "hole-punching leaves COWed
     * pages"), then shmem_truncate_range(): those pages leave the page cache and the partial pages at
     * the ends are zeroed over the range. The size does not change (KEEP_SIZE).
     *
     * @param env    the memory model
     * @param file   the shmem file
     * @param offset the hole's first byte
     * @param len    its length in bytes, positive
     */
    public static void punchHole(MmEnv env, MappedFile file, long offset, long len) {
        long end = offset + len; // exclusive
        long firstWhole = MmStruct.pageAlign(offset) >>> PAGE_SHIFT, endWhole = end >>> PAGE_SHIFT;
        for (MappedFile.Mapping m : file.mappings()) unmapCachePages(env, m, file, firstWhole, endWhole);
        for (long idx = offset >>> PAGE_SHIFT; idx <= (end - 1) >>> PAGE_SHIFT; idx++) {
            long pfn = file.cachedPfn(idx);
            if (pfn < 0) continue;
            long pageStart = idx << PAGE_SHIFT;
            int from = (int) Math.max(0, offset - pageStart), to = (int) Math.min(PageTypes.PAGE_SIZE, end - pageStart);
            if (from == 0 && to == PageTypes.PAGE_SIZE) {
                file.setCachedPfn(idx, -1);
                env.putPage(pfn);
            } else {
                zeroRange(env, pfn, from, to);
            }
        }
    }

    /** unmap_mapping_range(even_cows = 0) in one mapping: the entries of file pages [from, to) that map the page cache's pages. */
    private static void unmapCachePages(MmEnv env, MappedFile.Mapping m, MappedFile file, long from, long to) {
        Vma vma = m.vma();
        long pages = (vma.end - vma.start) >>> PAGE_SHIFT;
        long lo = Math.max(from, vma.pgoff), hi = Math.min(to, vma.pgoff + pages);
        for (long idx = lo; idx < hi; idx++) {
            long pfn = file.cachedPfn(idx);
            if (pfn < 0) continue;
            long va = vma.start + ((idx - vma.pgoff) << PAGE_SHIFT);
            long slot = m.mm().pgd().leafSlot(va);
            if (slot == io.mmemu.mm.pgtable.PageTable.NO_SLOT) continue;
            long pte = m.mm().pgd().get(slot);
            if (!io.mmemu.mm.pgtable.Pte.mapsPage(pte) || io.mmemu.mm.pgtable.Pte.pfn(pte) != pfn) continue; // a COW copy stays
            m.mm().zapPageRange(va, va + PageTypes.PAGE_SIZE);
            env.tlbFlush().flushTlbMmRange(m.mm(), va, va + PageTypes.PAGE_SIZE, false);
        }
    }

    /** folio_zero_range(): Java writes the frame, so the frame-write hook hears of it first. */
    static void zeroRange(MmEnv env, long pfn, int from, int to) {
        env.frameWrites().beforeFrameWrite(pfn);
        long pa = (pfn << PAGE_SHIFT) + from;
        for (int i = from; i < to; i++, pa++) env.mem().putByte(pa, (byte) 0);
    }
}
