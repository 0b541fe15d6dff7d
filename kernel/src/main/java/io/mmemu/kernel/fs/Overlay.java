package io.mmemu.kernel.fs;

import io.mmemu.mm.vma.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The guest's root file system: a writable upper layer in guest memory over a read-only lower
 * layer, as overlayfs (fs/overlayfs/) stacks a tmpfs upper directory on a read-only lower one.
 * The lower layer is the --root directory of the host, or nothing at all (only "/") without
 * --root. Nothing ever reaches the host: every write lands in the upper layer.
 *
 * <p>The upper layer is a tree of {@link Node}s by canonical absolute path (no ".", "..", "//" or
 * symbolic link before the last component: {@link Namei} makes paths so):
 * <ul>
 *   <li>{@link Dir}: a directory. One made by mkdir() or rename() is <em>opaque</em> (its lower
 *       namesake, if any, is hidden, as ovl_create_over_whiteout() sets "trusted.overlay.opaque");
 *       one copied up because something was created below it merges with the lower directory;</li>
 *   <li>{@link File}: a regular file, a {@link TmpfsInode} whose pages live in guest memory as
 *       tmpfs's do (shmem page cache); several names may share one inode (link());</li>
 *   <li>{@link Link}: a symbolic link and its target;</li>
 *   <li>{@link Whiteout}: a lower name that was removed (ovl_whiteout()).</li>
 * </ul>
 *
 * <p>Copy-up (ovl_copy_up()): opening a lower regular file for writing, truncating, chmod'ing,
 * renaming or linking it first copies its bytes and mode into a new upper file; creating a name
 * in a lower directory first copies up the directory chain (its mode, not its contents). Renaming
 * a directory that has a lower part is EXDEV, as overlayfs without redirect_dir answers (programs
 * then copy, as mv(1) does). Timestamps are not modelled (tmpfs's fixed epoch).
 */
public final class Overlay {
    /** What a name is in the merged view (the S_IFMT classes the walk and the callers need). */
    public enum Kind {
        /** No such name (never existed, or whited out). */
        NONE,
        /** A directory. */
        DIR,
        /** A regular file. */
        REG,
        /** A symbolic link. */
        LNK,
        /** A FIFO, socket or device of the lower layer (not opened here). */
        OTHER
    }

    /** An upper-layer entry. */
    sealed interface Node permits Dir, File, Link, Whiteout {}

    /** An upper directory: its mode, inode number, and whether it hides its lower namesake. */
    static final class Dir implements Node {
        int mode;
        final long ino;
        final boolean opaque;

        Dir(int mode, long ino, boolean opaque) {
            this.mode = mode;
            this.ino = ino;
            this.opaque = opaque;
        }
    }

    /** An upper regular file: a name of a tmpfs-like inode. */
    record File(TmpfsInode inode) implements Node {}

    /** An upper symbolic link. */
    record Link(String target, long ino) implements Node {}

    /** A removed lower name. */
    record Whiteout() implements Node {}

    private static final Whiteout WHITEOUT = new Whiteout();
    /** overlayfs' anonymous device number; fixed so that runs are deterministic. */
    public static final long DEV = 0x2b;

    private final Path lower;
    /** The upper layer's inodes: a tmpfs that is never mounted, only its inodes are used. */
    private final Tmpfs sb;
    private final TreeMap<String, Node> upper = new TreeMap<>();

    /**
     * An overlay with an empty upper layer.
     *
     * @param lower the lower layer's host directory (absolute, normalized), or null for none
     * @param sb    where the upper layer's files keep their pages
     */
    Overlay(Path lower, Tmpfs sb) {
        this.lower = lower;
        this.sb = sb;
        mkroot();
    }

    /**
     * The upper layer as it starts: the root directory (as overlayfs' upper root exists, merged
     * with the lower), /dev merged with the lower's, and /dev/shm, the empty sticky directory
     * shm_open() creates its objects in (a tmpfs mount on the host; here a directory of this file
     * system whose files live in guest memory all the same).
     */
    private void mkroot() {
        upper.put("/", new Dir(0755, 2, false));
        upper.put("/dev", new Dir(0755, sb.nextIno(), false));
        upper.put("/dev/shm", new Dir(01777, sb.nextIno(), true));
    }

    /** The host path of a canonical guest path in the lower layer, or null without one. */
    Path lowerPath(String path) {
        return lower == null ? null : lower.resolve(path.substring(1));
    }

    /**
     * Models ovl_lookup() for a canonical path: the upper entry, else the lower unless an upper
     * ancestor hides it.
     *
     * @param path a canonical guest path
     * @return what the merged view holds there ({@link Kind#NONE} for nothing)
     */
    public Kind kind(String path) {
        Node n = upper.get(path);
        if (n != null) return kindOf(n);
        if (path.equals("/")) return Kind.DIR;
        return lowerHidden(path) ? Kind.NONE : lowerKind(path);
    }

    private static Kind kindOf(Node n) {
        return switch (n) {
            case Dir d -> Kind.DIR;
            case File f -> Kind.REG;
            case Link l -> Kind.LNK;
            case Whiteout w -> Kind.NONE;
        };
    }

    /** Whether an opaque upper directory or a whiteout above {@code path} hides its lower entry. */
    private boolean lowerHidden(String path) {
        for (String a = parent(path); a != null; a = parent(a)) {
            Node n = upper.get(a);
            if (n instanceof Dir d && d.opaque || n instanceof Whiteout || n instanceof File || n instanceof Link) return true;
        }
        return false;
    }

    private Kind lowerKind(String path) {
        Path h = lowerPath(path);
        if (h == null) return Kind.NONE;
        if (Files.isSymbolicLink(h)) return Kind.LNK;
        if (Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) return Kind.DIR;
        if (Files.isRegularFile(h, LinkOption.NOFOLLOW_LINKS)) return Kind.REG;
        return Files.exists(h, LinkOption.NOFOLLOW_LINKS) ? Kind.OTHER : Kind.NONE;
    }

    /** Whether the name exists in the lower layer (so that removing it needs a whiteout). */
    private boolean inLower(String path) {
        return !path.equals("/") && !lowerHidden(path) && lowerKind(path) != Kind.NONE;
    }

    /** The parent of a canonical path, "/" for a top-level name, null for "/". */
    static String parent(String path) {
        if (path.equals("/")) return null;
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    /** dir + "/" + name for a canonical directory. */
    static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    /**
     * The upper file at {@code path}, or null when the name is no upper regular file.
     *
     * @param path a canonical path
     * @return its inode, or null
     */
    TmpfsInode upperFile(String path) {
        return upper.get(path) instanceof File f ? f.inode() : null;
    }

    /**
     * Models ovl_get_link(): the target of a symbolic link.
     *
     * @param path a canonical path whose {@link #kind} is {@link Kind#LNK}
     * @return the target as stored, or null when it is no link
     */
    String readlink(String path) {
        Node n = upper.get(path);
        if (n instanceof Link l) return l.target();
        if (n != null || lowerHidden(path) || lower == null) return null;
        try {
            return Files.readSymbolicLink(lowerPath(path)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Models ovl_getattr() for a directory or link: the upper's own status, else the lower file's.
     *
     * @param path a canonical path that exists
     * @return its status, or null when the host refuses to tell
     */
    Stat stat(String path) {
        Node n = upper.get(path);
        if (n instanceof Dir d) return new Stat(DEV, d.ino, subdirLinks(path), Stat.S_IFDIR | d.mode, 0, 0, 0, 4096, 4096, 8, Tmpfs.EPOCH, 0,
                Tmpfs.EPOCH, 0, Tmpfs.EPOCH, 0);
        if (n instanceof File f) return f.inode().stat();
        if (n instanceof Link l) return linkStat(l.ino(), l.target().length());
        try {
            Path h = lowerPath(path);
            if (Files.isSymbolicLink(h)) return linkStat(Vfs.attrNoFollow(h, "unix:ino"), Files.readSymbolicLink(h).toString().length());
            return Vfs.hostStat(h);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A directory's link count: "." and its name, and each subdirectory's "..". */
    private long subdirLinks(String dir) {
        long n = 2;
        for (Kind k : names(dir).values()) {
            if (k == Kind.DIR) n++;
        }
        return n;
    }

    /** A symbolic link's status: lrwxrwxrwx, its size the target's length. */
    static Stat linkStat(long ino, long size) {
        return new Stat(DEV, ino, 1, S_IFLNK | 0777, 0, 0, 0, size, 4096, 0, Tmpfs.EPOCH, 0, Tmpfs.EPOCH, 0, Tmpfs.EPOCH, 0);
    }

    /** S_IFLNK. */
    static final int S_IFLNK = 0120000;

    /** Models ovl_copy_up() of the directories above a name to be created: each lower one gets an upper twin. */
    private void copyUpParents(String path) {
        String p = parent(path);
        if (p != null) copyUpDir(p);
    }

    /** Models ovl_copy_up() of a directory (its mode and inode number, not its contents), its parents first. */
    private void copyUpDir(String dir) {
        if (dir.equals("/") || upper.get(dir) instanceof Dir) return;
        copyUpParents(dir);
        Stat st = stat(dir);
        upper.put(dir, new Dir(st == null ? 0755 : st.mode() & 07777, st == null ? sb.nextIno() : st.ino(), false));
    }

    /**
     * Models ovl_create_object() of a regular file (shmem_get_inode() in the upper layer).
     *
     * @param path a canonical path that does not exist, in an existing directory
     * @param mode the mode open() got, less the umask
     * @return the new file's inode, linked
     */
    TmpfsInode create(String path, int mode) {
        copyUpParents(path);
        TmpfsInode inode = sb.create(path, mode);
        inode.link();
        upper.put(path, new File(inode));
        return inode;
    }

    /**
     * Models ovl_tmpfile(): an unnamed regular file of the upper layer (O_TMPFILE), which lives while open.
     *
     * @param dir  the canonical directory it was opened in
     * @param mode     the mode open() got, less the umask
     * @param linkable   whether linkat() may name it later (I_LINKABLE: opened without O_EXCL)
     * @return the new inode, with no name
     */
    TmpfsInode tmpfile(String dir, int mode, boolean linkable) {
        TmpfsInode inode = sb.create(child(dir, "#"), mode);
        inode.file().markDeleted();
        inode.linkable = linkable;
        return inode;
    }

    /**
     * Models ovl_link() of an unnamed upper file (linkat() of an O_TMPFILE file): it gets a name.
     *
     * @param to    a canonical path that does not exist, in an existing directory
     * @param inode an upper file
     */
    void linkInode(String to, TmpfsInode inode) {
        copyUpParents(to);
        inode.link();
        inode.linkable = false;
        inode.file().moved(to);
        upper.put(to, new File(inode));
    }

    /**
     * Models ovl_copy_up() of a lower regular file: its bytes and mode into a new upper inode.
     *
     * @param path a canonical path whose {@link #kind} is {@link Kind#REG}
     * @return the upper inode (the existing one when already up), or null when memory ran out
     */
    TmpfsInode copyUp(String path) {
        TmpfsInode up = upperFile(path);
        if (up != null) return up;
        byte[] data;
        Stat st;
        try {
            data = Files.readAllBytes(lowerPath(path));
            st = Vfs.hostStat(lowerPath(path));
        } catch (IOException e) {
            return null;
        }
        copyUpParents(path);
        TmpfsInode inode = sb.create(path, st.mode() & 07777);
        inode.chmod(st.mode());
        inode.link();
        if (data.length > 0 && inode.write(0, data, 0, data.length) != data.length) {
            inode.unlink();
            return null;
        }
        upper.put(path, new File(inode));
        return inode;
    }

    /**
     * Models ovl_mkdir(): EEXIST for any existing name; the new directory is opaque.
     *
     * @param path a canonical path in an existing directory
     * @param mode the mode mkdir() got, less the umask
     * @return 0, or a negative errno
     */
    long mkdir(String path, int mode) {
        if (kind(path) != Kind.NONE) return -Errno.EEXIST;
        copyUpParents(path);
        upper.put(path, new Dir(mode & 07777, sb.nextIno(), true));
        return 0;
    }

    /**
     * Models ovl_symlink(): EEXIST for any existing name.
     *
     * @param path   a canonical path in an existing directory
     * @param target the link's contents
     * @return 0, or a negative errno
     */
    long symlink(String path, String target) {
        if (kind(path) != Kind.NONE) return -Errno.EEXIST;
        copyUpParents(path);
        upper.put(path, new Link(target, sb.nextIno()));
        return 0;
    }

    /**
     * Models ovl_link(): a second name for a regular file (copied up first); EPERM for a directory.
     *
     * @param from an existing canonical path
     * @param to   a canonical path in an existing directory
     * @return 0, or a negative errno
     */
    long link(String from, String to) {
        Kind k = kind(from);
        if (k == Kind.NONE) return -Errno.ENOENT;
        if (k == Kind.DIR) return -Errno.EPERM;
        if (kind(to) != Kind.NONE) return -Errno.EEXIST;
        Node n = copyUpAny(from);
        if (n == null) return -Errno.ENOMEM;
        copyUpParents(to);
        if (n instanceof File f) f.inode().link();
        upper.put(to, n instanceof Link l ? new Link(l.target(), l.ino()) : n);
        return 0;
    }

    /** The upper node of an existing non-directory, copied up when it is lower; null when that fails or it is special. */
    private Node copyUpAny(String path) {
        Node n = upper.get(path);
        if (n instanceof File || n instanceof Link) return n;
        return switch (kind(path)) {
            case REG -> {
                TmpfsInode i = copyUp(path);
                yield i == null ? null : upper.get(path);
            }
            case LNK -> {
                copyUpParents(path);
                Link l = new Link(readlink(path), sb.nextIno());
                upper.put(path, l);
                yield l;
            }
            default -> null;
        };
    }

    /**
     * Models ovl_unlink() ({@code dir} false) and ovl_rmdir() ({@code dir} true): the upper entry
     * goes (a file's inode lives on while open or mapped) and a lower one is whited out.
     *
     * @param path an existing canonical path (not "/")
     * @param dir  rmdir() rather than unlink()
     * @return 0, or a negative errno (EISDIR, ENOTDIR, ENOTEMPTY)
     */
    long remove(String path, boolean dir) {
        Kind k = kind(path);
        if (k == Kind.NONE) return -Errno.ENOENT;
        if (dir && k != Kind.DIR) return -Errno.ENOTDIR;
        if (!dir && k == Kind.DIR) return -Errno.EISDIR;
        if (dir && !names(path).isEmpty()) return -Errno.ENOTEMPTY;
        boolean lowerToo = inLower(path);
        dropUpper(path);
        if (lowerToo) {
            copyUpParents(path);
            upper.put(path, WHITEOUT);
        }
        return 0;
    }

    /** Removes the upper entry at {@code path} and everything below it (only whiteouts when it was an empty directory). */
    private void dropUpper(String path) {
        Node n = upper.remove(path);
        if (n instanceof File f) f.inode().unlink();
        String prefix = path + "/";
        upper.subMap(prefix, true, prefix + Character.MAX_VALUE, true).clear();
    }

    /** RENAME_NOREPLACE and RENAME_EXCHANGE, include/uapi/linux/fs.h. */
    static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;

    /**
     * Models ovl_rename() after do_renameat2()'s checks of the names: ENOTDIR, EISDIR, ENOTEMPTY,
     * EEXIST (RENAME_NOREPLACE), EINVAL (a directory into itself), EXDEV for a directory with a
     * lower part; the old name goes as {@link #remove} would, the new one is replaced.
     *
     * @param from  an existing canonical path (not "/")
     * @param to    a canonical path in an existing directory (not "/")
     * @param flags 0 or RENAME_NOREPLACE
     * @return 0, or a negative errno
     */
    long rename(String from, String to, int flags) {
        Kind k = kind(from);
        if (k == Kind.NONE) return -Errno.ENOENT;
        Kind t = kind(to);
        if ((flags & RENAME_NOREPLACE) != 0 && t != Kind.NONE) return -Errno.EEXIST;
        if (from.equals(to)) return 0; // the same name: nothing to do (vfs_rename() of one inode onto itself)
        if (to.startsWith(from + "/")) return -Errno.EINVAL; // lock_rename(): the source is an ancestor of the target
        if (from.startsWith(to + "/")) return -Errno.ENOTEMPTY; // the target is an ancestor: not empty
        if (t != Kind.NONE) {
            if (k == Kind.DIR && t != Kind.DIR) return -Errno.ENOTDIR;
            if (k != Kind.DIR && t == Kind.DIR) return -Errno.EISDIR;
            if (t == Kind.DIR && !names(to).isEmpty()) return -Errno.ENOTEMPTY;
        }
        if (k == Kind.DIR && inLower(from)) return -Errno.EXDEV; // ovl_rename() without redirect_dir
        if (k == Kind.OTHER) return -Errno.EXDEV;
        NavigableMap<String, Node> moved = new TreeMap<>();
        if (k == Kind.DIR) {
            Dir d = (Dir) upper.get(from);
            moved.put(to, new Dir(d.mode, d.ino, true));
            String prefix = from + "/";
            for (Map.Entry<String, Node> e : upper.subMap(prefix, true, prefix + Character.MAX_VALUE, true).entrySet()) {
                moved.put(to + e.getKey().substring(from.length()), e.getValue());
            }
        } else {
            Node n = copyUpAny(from);
            if (n == null) return -Errno.ENOMEM;
            if (n instanceof File f) {
                f.inode().link(); // the new name's reference, before the old one's goes
                f.inode().file().moved(to);
            }
            moved.put(to, n);
        }
        if (t != Kind.NONE) dropUpper(to);
        boolean lowerToo = inLower(from);
        dropUpper(from);
        if (lowerToo) upper.put(from, WHITEOUT);
        copyUpParents(to);
        upper.putAll(moved);
        return 0;
    }

    /**
     * Models shmem_setattr() with ATTR_MODE on the merged name (copied up first).
     *
     * @param path an existing canonical path
     * @param mode the new permission bits
     * @return 0, or a negative errno
     */
    long chmod(String path, int mode) {
        Kind k = kind(path);
        if (k == Kind.NONE) return -Errno.ENOENT;
        if (k == Kind.DIR) {
            copyUpDir(path);
            ((Dir) upper.get(path)).mode = mode & 07777;
            return 0;
        }
        Node n = copyUpAny(path);
        if (n instanceof File f) return f.inode().chmod(mode);
        return n == null ? -Errno.EPERM : 0; // a link's mode does not change
    }

    /**
     * Models ovl_iterate() for a merged directory: the upper names, then the lower names that no
     * whiteout hides (unless the upper directory is opaque), in name order.
     *
     * @param dir a canonical directory path
     * @return the names with what each is
     */
    public Map<String, Kind> names(String dir) {
        Map<String, Kind> out = new TreeMap<>();
        boolean lowerVisible = !(upper.get(dir) instanceof Dir d && d.opaque) && (dir.equals("/") || !lowerHidden(dir));
        Path h = lowerPath(dir);
        if (lowerVisible && h != null && Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) {
            TreeSet<String> lowerNames = new TreeSet<>();
            try (var list = Files.list(h)) {
                list.forEach(p -> lowerNames.add(p.getFileName().toString()));
            } catch (IOException | java.io.UncheckedIOException e) {
                // unreadable (or failing while listed): only the upper names
            }
            for (String name : lowerNames) out.put(name, lowerKind(child(dir, name)));
        }
        String prefix = dir.equals("/") ? "/" : dir + "/";
        for (Map.Entry<String, Node> e : upper.subMap(prefix, false, prefix + Character.MAX_VALUE, true).entrySet()) {
            String rest = e.getKey().substring(prefix.length());
            if (rest.isEmpty() || rest.indexOf('/') >= 0) continue;
            if (e.getValue() instanceof Whiteout) out.remove(rest);
            else out.put(rest, kindOf(e.getValue()));
        }
        return out;
    }

    /**
     * The inode number readdir() shows for a name.
     *
     * @param path a canonical path that exists
     * @return its inode number
     */
    long ino(String path) {
        Stat st = stat(path);
        return st == null ? 0 : st.ino();
    }

    /**
     * Pages in the page cache of the upper files still linked: their share of meminfo's Shmem.
     *
     * @return a count of 4 KiB pages
     */
    public long nrLinkedPages() {
        long n = 0;
        List<TmpfsInode> seen = new ArrayList<>();
        for (Node node : upper.values()) {
            if (node instanceof File f && !seen.contains(f.inode())) {
                seen.add(f.inode());
                n += f.inode().file().nrCachedPages();
            }
        }
        return n;
    }

    /** Drops every upper name at machine teardown, so that files no longer open or mapped free their pages. */
    public void kill() {
        for (Node n : upper.values()) {
            if (n instanceof File f) f.inode().unlink();
        }
        upper.clear();
        mkroot();
    }
}
