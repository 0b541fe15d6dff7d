package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;

/**
 * A shmem file's bytes through its descriptor, after mm/shmem.c: read and write copy between a
 * Java buffer and the page-cache frames in guest memory, the same frames every shared mapping of
 * the file maps, so a store through a mapping is what the next read returns and a write is what
 * a mapping sees next, with no copy in between (one page cache). A hole (a page never written,
 * or cut by truncation) reads as zeros without allocating; writing into it allocates a zeroed
 * page, marked PG_swapbacked (here {@link PageFlag#SHMEM}) so that mappings count it as
 * MM_SHMEMPAGES, as a fault on the file would have.
 */
public final class Shmem {
    private Shmem() {}

    /** Models shmem_get_folio(SGP_WRITE): the cached page at {@code index}, allocated zeroed if absent; NO_PAGE without memory. */
    static long shmemGetPage(MmEnv env, MappedFile file, long index) {
        long pfn = file.cachedPfn(index);
        if (pfn >= 0) return pfn;
        pfn = env.allocZeroedUserPage();
        if (pfn == PageAllocator.NO_PAGE) return pfn;
        env.frames().setPageFlag(pfn, PageFlag.SHMEM);
        file.setCachedPfn(index, pfn);
        return pfn;
    }

    /**
     * Models shmem_file_read_iter(): up to {@code len} bytes at {@code pos}, short at end of file; holes read as zeros.
     *
     * @param env  the memory model
     * @param file the shmem file
     * @param pos  the file offset
     * @param dst  where to copy to
     * @param off  the offset in {@code dst}
     * @param len  the most bytes to read
     * @return the bytes read; 0 at or past end of file
     */
    public static int read(MmEnv env, MappedFile file, long pos, byte[] dst, int off, int len) {
        requireShmem(file);
        if (pos < 0 || len < 0) throw new IllegalArgumentException("pos and len must be >= 0 (got " + pos + ", " + len + ")");
        if (pos >= file.size()) return 0;
        int n = (int) Math.min(len, file.size() - pos);
        int done = 0;
        while (done < n) {
            long at = pos + done;
            int inPage = (int) (at & (PageTypes.PAGE_SIZE - 1));
            int chunk = (int) Math.min(n - done, PageTypes.PAGE_SIZE - inPage);
            long pfn = file.cachedPfn(at >>> PAGE_SHIFT);
            if (pfn >= 0) env.mem().read((pfn << PAGE_SHIFT) + inPage, dst, off + done, chunk);
            else java.util.Arrays.fill(dst, off + done, off + done + chunk, (byte) 0);
            done += chunk;
        }
        return n;
    }

    /**
     * Models generic_perform_write() with shmem_write_begin()/shmem_write_end(): copies
     * {@code len} bytes to {@code pos}, page by page, growing i_size past the last byte written.
     * Returns the bytes written, or -ENOMEM when not even the first page could be allocated (a
     * short count when a later one could not).
     *
     * @param env  the memory model
     * @param file the shmem file
     * @param pos  the file offset
     * @param src  the bytes to write
     * @param off  the offset in {@code src}
     * @param len  the number of bytes
     * @return the bytes written, or -ENOMEM
     */
    public static long write(MmEnv env, MappedFile file, long pos, byte[] src, int off, int len) {
        requireShmem(file);
        if (pos < 0 || len < 0) throw new IllegalArgumentException("pos and len must be >= 0 (got " + pos + ", " + len + ")");
        int done = 0;
        while (done < len) {
            long at = pos + done;
            int inPage = (int) (at & (PageTypes.PAGE_SIZE - 1));
            int chunk = (int) Math.min(len - done, PageTypes.PAGE_SIZE - inPage);
            long pfn = shmemGetPage(env, file, at >>> PAGE_SHIFT);
            if (pfn == PageAllocator.NO_PAGE) break;
            env.frameWrites().beforeFrameWrite(pfn); // Java writes the frame
            env.mem().write((pfn << PAGE_SHIFT) + inPage, src, off + done, chunk);
            done += chunk;
            if (at + chunk > file.size()) file.setSize(at + chunk);
        }
        return done == 0 && len > 0 ? -Errno.ENOMEM : done;
    }

    /**
     * Models shmem_setattr() with ATTR_SIZE: the new size, and unless it grew the file,
     * unmap_mapping_range() and shmem_truncate_range() (mappings of the cut pages zapped, the
     * pages freed, the partial page's tail zeroed, even at an unchanged size: stores through a
     * mapping past end of file do not survive it). Growing allocates nothing: the new range is a
     * hole that reads as zeros.
     *
     * @param env     the memory model
     * @param file    the shmem file
     * @param newSize the new size in bytes
     */
    public static void setSize(MmEnv env, MappedFile file, long newSize) {
        requireShmem(file);
        long old = file.size();
        file.setSize(newSize);
        if (newSize <= old) Truncate.truncatePagecache(env, file, newSize);
    }

    private static void requireShmem(MappedFile file) {
        if (!file.isShmem()) throw new IllegalArgumentException("not a shmem file: " + file.displayPath());
    }
}
