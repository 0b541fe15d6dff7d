package io.mmemu.kernel.fs;

import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tmpfs mounted at /tmp (mm/shmem.c's filesystem): one flat directory of regular files whose
 * bytes live in guest memory, in shmem page-cache pages from the page allocator, counted as
 * MM_SHMEMPAGES where mapped. Nothing here touches the host's file system; a --root directory's
 * own tmp is hidden beneath the mount, as a mount hides what is below it.
 *
 * <p>What it models: open with O_CREAT (O_EXCL, O_TRUNC, the mode masked by the umask),
 * O_TMPFILE, unlink (a file lives on, nameless, while it is open or mapped), chmod, truncation,
 * stat of the files and of /tmp (mode 1777, and a directory size of 20 bytes per entry, as
 * tmpfs's BOGO_DIRENT_SIZE), hard links and renames. Subdirectories and symbolic links are not modelled: a path below
 * /tmp with a further slash names nothing (ENOENT; ENOTDIR when its first part is a file).
 * The guest runs as root, so permission bits refuse nothing but exec (no x bit: EACCES).
 */
public final class Tmpfs {
    /** Where it is mounted. */
    public static final String MOUNT = "/tmp";
    /** st_dev: an anonymous device (get_anon_bdev()), fixed so that runs are deterministic. */
    static final long DEV = 0x2a;
    /** Timestamps: not modelled; every inode shows the guest clock's epoch (2026-01-01). */
    static final long EPOCH = 1_767_225_600L;
    /** BOGO_DIRENT_SIZE: what each entry adds to a tmpfs directory's st_size. */
    static final long BOGO_DIRENT_SIZE = 20;
    /** The umask of init, which every guest process inherits until umask() changes it. */
    public static final int UMASK = 022;
    static final int O_EXCL = 0x80, NAME_MAX = 255, O_RDWR = 2, O_LARGEFILE = 0x8000;
    /** O_TMPFILE is __O_TMPFILE with O_DIRECTORY: either alone is invalid with the other missing. */
    static final int O_TMPFILE_BIT = 0x400000, O_TMPFILE = O_TMPFILE_BIT | Vfs.O_DIRECTORY;

    private final MmEnv env;
    /** st_dev of its inodes: {@link #DEV}, or the {@link Overlay}'s for its upper layer. */
    private final long dev;
    private final Map<String, TmpfsInode> dir = new TreeMap<>();
    /** Inode numbers in creation order (get_next_ino()); 1 is /tmp itself. */
    private long nextIno = 2;
    private int dirMode = Stat.S_IFDIR | 01777;
    /**
     * Every live inode by its object, named or not (the inode hash): /proc/PID/exe of a program
     * exec'd from here must reach its inode after an unlink. Only looked up, never iterated.
     */
    private final Map<MappedFile, TmpfsInode> inodes = new IdentityHashMap<>();

    /** An empty tmpfs, as mounted (shmem_fill_super()), whose pages come from {@code env}. */
    Tmpfs(MmEnv env) {
        this(env, DEV);
    }

    /** A tmpfs whose inodes show {@code dev} (the overlay's upper layer keeps its files in one). */
    Tmpfs(MmEnv env, long dev) {
        this.env = env;
        this.dev = dev;
    }

    /** {@return st_dev of this file system's inodes} */
    long dev() {
        return dev;
    }

    /** {@return a new inode number (get_next_ino())} */
    long nextIno() {
        return nextIno++;
    }

    MmEnv env() {
        return env;
    }

    /** Whether {@code path} (absolute, normalized) lies in this file system. */
    static boolean owns(String path) {
        return path.equals(MOUNT) || path.startsWith(MOUNT + "/");
    }

    /** The name below the mount ("" for /tmp itself). */
    static String nameOf(String path) {
        return path.equals(MOUNT) ? "" : path.substring(MOUNT.length() + 1);
    }

    /** {@return the names linked in the directory, in name order} */
    java.util.List<String> names() {
        return new ArrayList<>(dir.keySet());
    }

    /** Models shmem_getattr() of the root directory. */
    Stat dirStat() {
        return new Stat(DEV, 1, 2, dirMode, 0, 0, 0, (2 + dir.size()) * BOGO_DIRENT_SIZE, 4096, 0, EPOCH, 0, EPOCH, 0,
                EPOCH, 0);
    }

    /**
     * Models path_openat() below the mount: lookup (shmem has no lookup of its own: a name is in
     * the dcache or does not exist), shmem_create() for O_CREAT, shmem_tmpfile() for O_TMPFILE,
     * then do_open()'s checks and O_TRUNC. Returns the open file or a negative errno as an Integer.
     *
     * @param slash whether the path had a trailing slash (it then names a directory)
     */
    Object open(String path, int flags, int mode, boolean slash) {
        String name = nameOf(path);
        boolean wantsWrite = (flags & Vfs.O_ACCMODE) != Vfs.O_RDONLY || (flags & Vfs.O_TRUNC) != 0;
        if ((flags & O_TMPFILE_BIT) != 0) {
            return (flags & O_TMPFILE) == O_TMPFILE ? tmpfile(name, flags, mode) : -Errno.EINVAL;
        }
        if (name.isEmpty()) {
            // The directory: O_CREAT or any write access is EISDIR (do_last / may_open()).
            if ((flags & Vfs.O_CREAT) != 0 || wantsWrite) return -Errno.EISDIR;
            return new OpenFile(new OpenFile.Directory(dirStat()), MOUNT, flags);
        }
        if (name.indexOf('/') >= 0) return -Errno.ENOENT; // no subdirectories (Vfs turns it into ENOTDIR for a file)
        if (name.length() > NAME_MAX) return -Errno.ENAMETOOLONG;
        TmpfsInode inode = dir.get(name);
        if (inode == null) {
            if ((flags & Vfs.O_CREAT) == 0) return -Errno.ENOENT;
            if (slash) return -Errno.EISDIR; // open_last_lookups(): O_CREAT of "name/"
            inode = create(MOUNT + "/" + name, mode);
            inode.link();
            dir.put(name, inode);
            // FMODE_CREATED: a new file is neither permission-checked nor truncated.
            return new OpenFile(new OpenFile.Shmem(inode), MOUNT + "/" + name, flags);
        }
        if ((flags & (Vfs.O_CREAT | O_EXCL)) == (Vfs.O_CREAT | O_EXCL)) return -Errno.EEXIST;
        if (slash || (flags & Vfs.O_DIRECTORY) != 0) return -Errno.ENOTDIR;
        if ((flags & Vfs.O_TRUNC) != 0) inode.setSize(0); // handle_truncate()
        return new OpenFile(new OpenFile.Shmem(inode), MOUNT + "/" + name, flags);
    }

    /** Models shmem_tmpfile(): an unnamed file in the directory, open for writing, freed at its last close. */
    private Object tmpfile(String name, int flags, int mode) {
        if ((flags & Vfs.O_ACCMODE) == Vfs.O_RDONLY) return -Errno.EINVAL; // build_open_flags()
        if (!name.isEmpty()) return dir.containsKey(name) ? -Errno.ENOTDIR : -Errno.ENOENT;
        TmpfsInode inode = create(MOUNT + "/#" + nextIno, mode);
        inode.file().markDeleted();
        inode.linkable = (flags & O_EXCL) == 0;
        return new OpenFile(new OpenFile.Shmem(inode), MOUNT + "/#" + inode.file().ino(), flags);
    }

    /**
     * Models shmem_file_setup() as memfd_create() calls it, then its sealing setup: an inode of
     * the kernel's internal shm mount, never linked (named "memfd:NAME", shown as "/memfd:NAME
     * (deleted)" in /proc/PID/maps), mode 0777 whatever the umask (0666 with MFD_NOEXEC_SEAL),
     * open O_RDWR | O_LARGEFILE. It lives while open or mapped.
     *
     * @param name         the name after "memfd:"
     * @param noexecSeal   MFD_NOEXEC_SEAL
     * @param allowSealing MFD_ALLOW_SEALING
     * @return the open file, not yet in a descriptor table
     */
    public OpenFile memfdFile(String name, boolean noexecSeal, boolean allowSealing) {
        return memfdFile(name, noexecSeal, allowSealing, 0);
    }

    /**
     * A memfd as {@link #memfdFile(String, boolean, boolean)}, on hugetlbfs when {@code hugetlbSize}
     * is not 0 (MFD_HUGETLB: hugetlb_file_setup(), see {@link TmpfsInode#hugetlbSize}).
     *
     * @param name         the name after "memfd:"
     * @param noexecSeal   MFD_NOEXEC_SEAL
     * @param allowSealing MFD_ALLOW_SEALING
     * @param hugetlbSize  the huge page size, or 0 for shmem
     * @return the open file, not yet in a descriptor table
     */
    public OpenFile memfdFile(String name, boolean noexecSeal, boolean allowSealing, long hugetlbSize) {
        String path = "/memfd:" + name;
        MappedFile file = MappedFile.shmemFile(path, DEV, nextIno++);
        file.markDeleted();
        TmpfsInode inode = new TmpfsInode(this, file, Stat.S_IFREG | 0777);
        inode.setHugetlbSize(hugetlbSize);
        inode.memfdSeals(noexecSeal, allowSealing);
        inodes.put(file, inode);
        return new OpenFile(new OpenFile.Shmem(inode), path, O_RDWR | O_LARGEFILE);
    }

    /** The secretmem mount's device number (00:0e on the host, as /proc/PID/maps shows it). */
    static final long SECRETMEM_DEV = 0x0e;

    /**
     * Models secretmem_file_create(), mm/secretmem.c: an inode of the kernel's secretmem mount
     * (alloc_anon_inode(): mode 0600, a regular file), never linked, shown as "/secretmem
     * (deleted)", open O_RDWR | O_LARGEFILE. It lives while open or mapped, as a memfd does.
     *
     * @return the open file, not yet in a descriptor table
     */
    public OpenFile secretmemFile() {
        MappedFile file = MappedFile.secretmemFile(SECRETMEM_DEV, nextIno++);
        TmpfsInode inode = new TmpfsInode(this, file, Stat.S_IFREG | 0600);
        inodes.put(file, inode);
        return new OpenFile(new OpenFile.Secretmem(inode), "/secretmem", O_RDWR | O_LARGEFILE);
    }

    /**
     * Forgets a file from {@link #memfdFile} or {@link #secretmemFile} that never got a descriptor (EMFILE): nothing holds it.
     *
     * @param f the open file
     */
    public void discard(OpenFile f) {
        if (f.content() instanceof OpenFile.Shmem s) evicted(s.inode());
        if (f.content() instanceof OpenFile.Secretmem s) evicted(s.inode());
    }

    /** Models shmem_get_inode(): a new regular file with the mode the VFS gave (the umask already applied). */
    TmpfsInode create(String path, int mode) {
        MappedFile file = MappedFile.shmemFile(path, dev, nextIno++);
        TmpfsInode inode = new TmpfsInode(this, file, Stat.S_IFREG | (mode & 07777));
        inodes.put(file, inode);
        return inode;
    }

    /** The inode named {@code path}, or null. */
    TmpfsInode lookup(String path) {
        return dir.get(nameOf(path));
    }

    /** The inode whose object is {@code file} (a program exec'd from here), linked or not; null when none. */
    TmpfsInode inodeOf(MappedFile file) {
        return file == null ? null : inodes.get(file);
    }

    /** An inode without references is gone (evict()): forget it. */
    void evicted(TmpfsInode inode) {
        inodes.remove(inode.file());
    }

    /**
     * Models do_unlinkat() → shmem_unlink(): the name goes; the inode stays while open or mapped.
     * EISDIR for /tmp itself (unlink of a directory), ENOENT for a name that is not there,
     * ENOTDIR for a file named with a trailing slash.
     */
    long unlink(String path, boolean slash) {
        String name = nameOf(path);
        if (name.isEmpty()) return -Errno.EISDIR;
        if (name.indexOf('/') >= 0) return -Errno.ENOENT;
        if (!dir.containsKey(name)) return -Errno.ENOENT;
        if (slash) return -Errno.ENOTDIR; // "name/" of a file
        TmpfsInode inode = dir.remove(name);
        inode.unlink();
        return 0;
    }

    /** Models do_rmdir() below the mount: /tmp is a mount point (EBUSY); a file is no directory (ENOTDIR). */
    long rmdir(String path) {
        String name = nameOf(path);
        if (name.isEmpty()) return -Errno.EBUSY;
        if (name.indexOf('/') >= 0) return -Errno.ENOENT;
        return dir.containsKey(name) ? -Errno.ENOTDIR : -Errno.ENOENT;
    }

    /**
     * Models shmem_link(): a second name for a file (both names below the mount, the old one existing).
     * A name with a further slash is a subdirectory, which this flat directory does not hold (ENOENT).
     */
    long link(String from, String to) {
        String name = nameOf(to);
        if (name.indexOf('/') >= 0) return -Errno.ENOENT;
        if (name.length() > NAME_MAX) return -Errno.ENAMETOOLONG;
        TmpfsInode inode = dir.get(nameOf(from));
        if (inode == null) return nameOf(from).isEmpty() ? -Errno.EPERM : -Errno.ENOENT; // link() of the directory: EPERM
        if (dir.containsKey(name)) return -Errno.EEXIST;
        inode.link();
        dir.put(name, inode);
        return 0;
    }

    /**
     * Models shmem_link() of an unnamed file (linkat() of an O_TMPFILE file): a name below the mount.
     *
     * @param to    the new name's path (not existing: the caller checked)
     * @param inode a file of this file system
     * @return 0, or a negative errno
     */
    long linkInode(String to, TmpfsInode inode) {
        String name = nameOf(to);
        if (name.isEmpty() || name.indexOf('/') >= 0) return -Errno.ENOENT;
        if (name.length() > NAME_MAX) return -Errno.ENAMETOOLONG;
        inode.link();
        inode.linkable = false;
        inode.file().moved(to);
        dir.put(name, inode);
        return 0;
    }

    /**
     * Models shmem_rename2() without RENAME_EXCHANGE: the old name (which exists) moves, replacing
     * the new one; RENAME_NOREPLACE makes an existing new name EEXIST.
     */
    long rename(String from, String to, boolean noreplace) {
        String oldName = nameOf(from), newName = nameOf(to);
        if (newName.indexOf('/') >= 0) return -Errno.ENOENT;
        if (newName.length() > NAME_MAX) return -Errno.ENAMETOOLONG;
        TmpfsInode inode = dir.get(oldName);
        if (inode == null) return -Errno.ENOENT;
        if (noreplace && dir.containsKey(newName)) return -Errno.EEXIST;
        if (oldName.equals(newName)) return 0;
        TmpfsInode replaced = dir.put(newName, inode);
        dir.remove(oldName);
        inode.file().moved(to);
        if (replaced != null) replaced.unlink();
        return 0;
    }

    /** chmod of /tmp itself. */
    void chmodDir(int mode) {
        dirMode = Stat.S_IFDIR | (mode & 07777);
    }

    /**
     * Pages in the page cache of the files still linked: tmpfs's share of meminfo's Shmem.
     *
     * @return a count of 4 KiB pages
     */
    public long nrLinkedPages() {
        long n = 0;
        for (TmpfsInode i : dir.values()) n += i.file().nrCachedPages();
        return n;
    }

    /**
     * Models kill_litter_super() at unmount (machine teardown): every name is dropped, so that
     * files no longer open or mapped free their pages.
     */
    public void kill() {
        for (String name : new ArrayList<>(dir.keySet())) unlink(MOUNT + "/" + name, false);
    }
}
