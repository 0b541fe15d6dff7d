package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.phys.PageTypes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file that can back a mapping: an inode with its address_space. It holds the contents (a host
 * file's, read once) or none (shmem: the pages exist only in the page cache), the page cache
 * ({@link PageCacheXarray}, the frames that hold its pages, shared by every mapping until a
 * private one writes), and i_mmap, the VMAs that map it, so that truncation can unmap them.
 *
 * <p>Lifetime: {@link #get}/{@link #iput} count what keeps the inode alive: a tmpfs directory
 * entry, open files and mappings (each VMA with a vm_area_struct holds one, as vm_file does).
 * When the last goes, a shmem object's pages are freed (shmem_evict_inode()); a host file's pages
 * stay cached, as a clean page cache outlives its last close in Linux until reclaim.
 *
 * <p>Size: a host file's is fixed; a shmem file's changes with write and truncate
 * ({@link #setSize}), and faults at or past it raise SIGBUS.
 */
public final class MappedFile {
    /**
     * A VMA of an address space mapping this file: one entry of i_mmap.
     *
     * @param mm  the address space
     * @param vma its VMA that maps the file
     */
    public record Mapping(MmStruct mm, Vma vma) {}

    private final Path path;
    private String displayPath;
    private final byte[] contents;
    private final PageCacheXarray pageCache = new PageCacheXarray();
    private final List<Mapping> iMmap = new ArrayList<>();
    private final long dev;
    private final long ino;
    private long size;
    /** References keeping the inode (i_count, with the link of a tmpfs file folded in). */
    private int refs;
    /** Made by shmem_zero_setup(): shared anonymous memory (vma_is_anon_shmem()), which PR_SET_VMA may name. */
    private boolean anonShmem;
    /** Made by memfd_secret(): its pages are refused to get_user_pages() (vma_is_secretmem()). */
    private boolean secretmem;

    /**
     * A host file read into memory, mapped read-only from its contents.
     *
     * @param path        the host file's path
     * @param displayPath the path as /proc/PID/maps shows it
     * @param contents    the file's bytes
     * @param dev         the device number stat() reports
     * @param ino         the inode number stat() reports
     */
    public MappedFile(Path path, String displayPath, byte[] contents, long dev, long ino) {
        this(path, displayPath, contents, contents.length, dev, ino);
    }

    private MappedFile(Path path, String displayPath, byte[] contents, long size, long dev, long ino) {
        this.path = path;
        this.displayPath = displayPath;
        this.contents = contents;
        this.size = size;
        this.dev = dev;
        this.ino = ino;
    }

    /**
     * Models shmem_zero_setup(): the object behind a shared anonymous mapping, a deleted shmem
     * file of {@code size} bytes whose pages exist only in its page cache, so that every process
     * mapping it (after fork) sees the same frames. /proc/PID/maps names it "/dev/zero (deleted)".
     *
     * @param size the mapping's size in bytes
     * @param ino  the inode number
     * @return the shmem object
     */
    public static MappedFile shmem(long size, long ino) {
        MappedFile f = new MappedFile(Path.of("/dev/zero"), "/dev/zero (deleted)", null, size, 1, ino);
        f.anonShmem = true;
        return f;
    }

    /**
     * Models shmem_get_inode() for a regular tmpfs file: empty, named {@code guestPath} (a path in
     * the guest's namespace, never the host's).
     *
     * @param guestPath the file's path in the guest
     * @param dev       the tmpfs device number
     * @param ino       the inode number
     * @return the empty file
     */
    public static MappedFile shmemFile(String guestPath, long dev, long ino) {
        return new MappedFile(Path.of(guestPath), guestPath, null, 0, dev, ino);
    }

    /**
     * Models secretmem_file_create(), mm/secretmem.c: the inode behind a memfd_secret() descriptor,
     * empty, its pages zero until written and kept only in its page cache (like shmem's, which the
     * model reuses), shown as "/secretmem (deleted)" in /proc/PID/maps.
     *
     * @param dev the secretmem mount's device number
     * @param ino the inode number
     * @return the empty file
     */
    public static MappedFile secretmemFile(long dev, long ino) {
        MappedFile f = new MappedFile(Path.of("/secretmem"), "/secretmem (deleted)", null, 0, dev, ino);
        f.secretmem = true;
        return f;
    }

    /** {@return whether this is memfd_secret() memory, which get_user_pages() refuses (vma_is_secretmem())} */
    public boolean isSecretmem() {
        return secretmem;
    }

    /** {@return whether this is shmem (its pages count as MM_SHMEMPAGES and are zero until written)} */
    public boolean isShmem() {
        return contents == null;
    }

    /**
     * {@return the path: the host file's, or for shmem the guest's name of it (never to be opened on the host)}
     */
    public Path path() {
        return path;
    }

    /** {@return whether this is shared anonymous memory (vma_is_anon_shmem()), which PR_SET_VMA may name} */
    public boolean isAnonShmem() {
        return anonShmem;
    }

    /** {@return the path as /proc/PID/maps shows it} */
    public String displayPath() {
        return displayPath;
    }

    /** d_path() of an unlinked file: " (deleted)" appended, as /proc/PID/maps and /proc/PID/exe show it. */
    public void markDeleted() {
        if (!displayPath.endsWith(" (deleted)")) displayPath += " (deleted)";
    }

    /**
     * d_move() of a renamed file: /proc/PID/maps shows its new name.
     *
     * @param newPath the absolute guest path it was renamed to
     */
    public void moved(String newPath) {
        displayPath = newPath;
    }

    /** {@return i_size: the file's size in bytes} */
    public long size() {
        return size;
    }

    /** Models i_size_write() for shmem; truncation of the page cache is {@link Truncate}'s job. */
    void setSize(long newSize) {
        if (!isShmem()) throw new IllegalStateException("the size of a host file is fixed: " + displayPath);
        if (newSize < 0) throw new IllegalArgumentException("size must be >= 0 (got " + newSize + ")");
        size = newSize;
    }

    /** {@return the device number stat() reports} */
    public long dev() {
        return dev;
    }

    /** {@return the inode number stat() reports} */
    public long ino() {
        return ino;
    }

    /**
     * Copies up to {@code len} bytes of a host file at {@code offset} (short at end of file). A
     * shmem file's bytes live in guest memory: read them with {@link Shmem#read}.
     *
     * @param offset the file offset
     * @param dst    where to copy to
     * @param dstOff the offset in {@code dst}
     * @param len    the most bytes to copy
     * @return the bytes copied; 0 at or past end of file
     */
    public int read(long offset, byte[] dst, int dstOff, int len) {
        if (offset >= size) return 0;
        if (contents == null) {
            int n = (int) Math.min(len, size - offset);
            java.util.Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
            return n;
        }
        int n = (int) Math.min(len, contents.length - offset);
        System.arraycopy(contents, (int) offset, dst, dstOff, n);
        return n;
    }

    /**
     * Fills frame {@code pfn} with file page {@code index}, zeros past the end of file (readahead's copy).
     *
     * @param index the file page index
     * @param mem   the physical memory holding the frame
     * @param pfn   the frame to fill
     */
    public void readPageInto(long index, io.mmemu.mm.phys.PhysicalMemory mem, long pfn) {
        long offset = index << PAGE_SHIFT;
        int n = contents == null ? 0 : (int) Math.max(0, Math.min(io.mmemu.mm.phys.PageTypes.PAGE_SIZE, contents.length - offset));
        long pa = pfn << PAGE_SHIFT;
        if (n > 0) mem.write(pa, contents, (int) offset, n);
        for (long i = n; i < io.mmemu.mm.phys.PageTypes.PAGE_SIZE; i += 8) mem.putLong(pa + i, 0);
    }

    /** {@return the pages the file's size covers: a fault at or past this index is beyond end of file} */
    public long nrPages() {
        return PageTypes.pageAlign(size) >>> PAGE_SHIFT;
    }

    /** {@return the pages in the page cache (mapping->nrpages; tmpfs's i_blocks are 8 per page)} */
    public long nrCachedPages() {
        return pageCache.nrpages();
    }

    /**
     * The frame caching file page {@code index}, or -1.
     *
     * @param index a file page index
     * @return its frame, or -1
     */
    public long cachedPfn(long index) {
        return pageCache.load(index);
    }

    /**
     * Puts {@code pfn} in the page cache at {@code index}, or removes the entry with -1.
     *
     * @param index a file page index
     * @param pfn   the frame, or -1 to remove the entry
     */
    public void setCachedPfn(long index, long pfn) {
        pageCache.store(index, pfn);
    }

    /** The first cached page index at or after {@code from}, or -1. */
    long nextCachedIndex(long from) {
        return pageCache.findFrom(from);
    }

    /** Models __vma_link_file() and get_file(): {@code vma} of {@code mm} maps this file. */
    void vmaLinkFile(MmStruct mm, Vma vma) {
        iMmap.add(new Mapping(mm, vma));
        refs++;
    }

    /**
     * Models remove_vma()'s part for the file: __remove_shared_vm_struct() takes the VMA out of
     * i_mmap, fput() drops its reference.
     */
    void vmaUnlinkFile(MmEnv env, Vma vma) {
        for (int i = 0; i < iMmap.size(); i++) {
            if (iMmap.get(i).vma() == vma) {
                iMmap.remove(i);
                iput(env);
                return;
            }
        }
        throw new IllegalStateException("VMA not in the file's i_mmap: " + vma);
    }

    /** {@return i_mmap: the VMAs mapping this file, in the order they were linked (a copy)} */
    public List<Mapping> mappings() {
        return List.copyOf(iMmap);
    }

    /** ihold(): one more reference (a directory entry, an open file). */
    public void get() {
        refs++;
    }

    /** {@return the references held: links, open files, mappings} */
    public int refs() {
        return refs;
    }

    /**
     * Models iput(): drops a reference; the last one evicts a shmem object, freeing its pages
     * (shmem_evict_inode() → shmem_truncate_range(0, -1)). Returns whether it was the last.
     *
     * @param env the memory model, whose allocator gets the pages back
     * @return whether it was the last reference
     */
    public boolean iput(MmEnv env) {
        if (refs <= 0) throw new IllegalStateException("iput of an unreferenced file: " + displayPath);
        if (--refs > 0) return false;
        if (isShmem()) Truncate.truncateInodePages(env, this, 0);
        return true;
    }
}
