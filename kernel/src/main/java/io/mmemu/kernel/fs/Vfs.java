package io.mmemu.kernel.fs;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The guest's view of files, minimal by design:
 * <ul>
 *   <li>procfs: /proc/self/... and /proc/PID/... of the running process (maps, status, exe as
 *       a link) and the system files the model can generate (slabinfo, meminfo, buddyinfo, vmstat);
 *       each is generated when opened, as a seq_file would be on its first read;</li>
 *   <li>the kernel's attribute files ({@link SpecialFiles}): /proc/PID/fail-nth and make-it-fail,
 *       /sys/kernel/debug/POINT/*, /sys/kernel/slab/CACHE/failslab,
 *       /sys/kernel/mm/transparent_hugepage/{enabled,use_zero_page}, which a write changes;</li>
 *   <li>a tmpfs at /tmp ({@link Tmpfs}): files in guest memory, writable, mappable shared;</li>
 *   <li>the running program's own file, by its path;</li>
 *   <li>everything else is the root file system, an {@link Overlay}: a writable upper layer in
 *       guest memory over the directory given with --root, read-only (without --root, over
 *       nothing: "/" starts empty but for the mount points). Names are walked by {@link Namei}
 *       (symbolic links of both layers followed inside the root, never outside it: "..", absolute
 *       targets and links all stay below the root); files created, written, renamed or removed
 *       change only the upper layer. Nothing ever reaches the host's file system.</li>
 * </ul>
 * Relative names reach it already joined to the process's working directory (FileSyscalls keeps
 * it); a name still relative here is taken from "/". Writes to procfs are refused (EACCES) but for its attribute files.
 * The host's special files under --root (FIFOs, sockets, devices) are not opened: EACCES.
 */
public final class Vfs {
    /** open()'s flags as x86-64 Linux numbers them (include/uapi/asm-generic/fcntl.h): the access-mode mask. */
    public static final int O_ACCMODE = 3;
    /** Access mode 0: open for reading only (the mode {@link #O_ACCMODE} extracts). */
    public static final int O_RDONLY = 0;
    /** Create the file if it does not exist, with the mode argument (less the umask). */
    public static final int O_CREAT = 0x40;
    /** With {@link #O_CREAT}: fail with EEXIST if the name exists. */
    public static final int O_EXCL = 0x80;
    /** Truncate an existing regular file to length 0 when opened for writing (handle_truncate()). */
    public static final int O_TRUNC = 0x200;
    /** Fail with ENOTDIR unless the path names a directory. */
    public static final int O_DIRECTORY = 0x10000;
    /** Do not follow a symbolic link in the last component (ELOOP, unless with {@link #O_PATH}). */
    public static final int O_NOFOLLOW = 0x20000;
    /** Set the new descriptor's close-on-exec flag (FD_CLOEXEC). */
    public static final int O_CLOEXEC = 0x80000;
    /** Open a location only, not its contents: no read or write through the descriptor. */
    public static final int O_PATH = 0x200000;

    private final Path root;
    private final Map<String, Function<Task, byte[]>> procfs;
    private Map<String, Function<Task, OpenFile.Positional.Reader>> positionalProcfs = Map.of();
    private final Tmpfs tmpfs;
    /** The root file system: a writable layer over the --root directory. */
    private final Overlay overlay;
    /** The descriptors and working directories behind /proc/PID/fd/N and /proc/PID/cwd ({@link #setProcLinks}). */
    private ProcLinks procLinks;
    /** Each task's umask (current_umask(), {@link #setUmask}); init's until connected. */
    private java.util.function.ToIntFunction<Task> umask = t -> Tmpfs.UMASK;
    /** Kernel attribute files under /proc and /sys that are more than generated text ({@link #setSpecialFiles}). */
    private SpecialFiles specialFiles;
    /** Files already read, by host real path: one MappedFile (and page cache) per file, as one inode. */
    private final Map<String, MappedFile> files = new TreeMap<>();

    /**
     * A namespace over a host directory, a procfs and a fresh, empty tmpfs at /tmp.
     *
     * @param root   the --root directory, or null
     * @param procfs the procfs files by name ("self/maps", "slabinfo", ...), each generating its contents for a task
     * @param env    the memory the tmpfs at /tmp keeps its files in
     */
    public Vfs(Path root, Map<String, Function<Task, byte[]>> procfs, MmEnv env) {
        this.root = root == null ? null : root.toAbsolutePath().normalize();
        this.procfs = procfs;
        this.tmpfs = new Tmpfs(env);
        this.overlay = new Overlay(this.root, new Tmpfs(env, Overlay.DEV));
    }

    /**
     * The root file system.
     *
     * @return the overlay of the writable layer on --root, the same for the namespace's whole life
     */
    public Overlay overlay() {
        return overlay;
    }

    /** What /proc/PID/fd/N and /proc/PID/cwd show: the process's descriptors and working directory. */
    public interface ProcLinks {
        /**
         * The open file behind a descriptor.
         *
         * @param task a task of the process
         * @param fd   the descriptor
         * @return the open file, or null when the descriptor is not open
         */
        OpenFile fd(Task task, int fd);

        /**
         * The descriptors open in the task's process, in increasing order.
         *
         * @param task a task of the process
         * @return the descriptors
         */
        int[] fds(Task task);

        /**
         * The working directory of the task's process.
         *
         * @param task a task of the process
         * @return its canonical path
         */
        String cwd(Task task);
    }

    /**
     * Connects /proc/PID/fd and /proc/PID/cwd to the descriptor tables and working directories.
     *
     * @param links what they show
     */
    public void setProcLinks(ProcLinks links) {
        this.procLinks = links;
    }

    /**
     * Connects the processes' umasks, which the modes of files and directories created are masked with.
     *
     * @param umask each task's umask
     */
    public void setUmask(java.util.function.ToIntFunction<Task> umask) {
        this.umask = umask;
    }

    /**
     * The working directory a new machine's first process starts in: the host's working directory
     * when it lies inside --root and is a directory of the guest's view there (so that a program
     * sees the same path natively and under mmemu with --root /), else "/".
     *
     * @param hostCwd the host process's working directory
     * @return a canonical guest path
     */
    public String initialCwd(Path hostCwd) {
        if (root == null) return "/";
        try {
            Path cwd = hostCwd.toRealPath();
            Path realRoot = root.toRealPath();
            if (!cwd.startsWith(realRoot)) return "/";
            String guest = "/" + realRoot.relativize(cwd).toString();
            Object w = Namei.walk(overlay, Vfs::mounted, guest, true);
            return w instanceof String p && !mounted(p) && overlay.kind(p) == Overlay.Kind.DIR ? p : "/";
        } catch (IOException e) {
            return "/";
        }
    }

    /**
     * Whether a canonical path lies on a file system mounted over the root one: /proc, /sys, /tmp
     * and the devices /dev/null, /dev/zero and /dev/userfaultfd (/dev and /dev/shm are directories of
     * the root file system).
     */
    static boolean mounted(String path) {
        return Tmpfs.owns(path) || path.equals("/proc") || path.startsWith("/proc/") || path.equals("/sys")
                || path.startsWith("/sys/") || deviceName(path) != null;
    }

    /**
     * The character devices mounted over the root's /dev, by name in getdents' order, each making
     * its open file's content: drivers/char/mem.c's null (1:3, reads EOF) and zero (1:5, reads
     * zeros), and the misc device userfaultfd (10:257, root's, 0600), whose only handler is
     * USERFAULTFD_IOC_NEW.
     */
    private static final java.util.SortedMap<String, java.util.function.Supplier<OpenFile.Content>> DEVICES =
            new TreeMap<>(Map.of(
                    "null", () -> memDevice("null", false),
                    "zero", () -> memDevice("zero", true),
                    "userfaultfd", () -> new OpenFile.Userfaultfd(null,
                            new Stat(6, 257, 1, Stat.S_IFCHR | 0600, 0, 0, 0x100a01, 0, 4096, 0, 0, 0, 0, 0, 0, 0))));

    /** A memory character device of drivers/char/mem.c, crw-rw-rw- on devtmpfs' device. */
    private static OpenFile.Device memDevice(String name, boolean zero) {
        Stat st = new Stat(6, zero ? 5 : 4, 1, Stat.S_IFCHR | 0666, 0, 0, zero ? 0x105 : 0x103, 0, 4096, 0, 0, 0, 0, 0,
                0, 0);
        return new OpenFile.Device(name, zero, st);
    }

    /**
     * The name of the device in {@link #DEVICES} that {@code path} is or lies below (a name its
     * lookup refuses: ENOTDIR), or null.
     */
    private static String deviceName(String path) {
        if (!path.startsWith("/dev/")) return null;
        int slash = path.indexOf('/', 5);
        String name = slash < 0 ? path.substring(5) : path.substring(5, slash);
        return DEVICES.containsKey(name) ? name : null;
    }

    /**
     * Walks a guest name to its canonical path ({@link Namei}).
     *
     * @param guestPath  the name (relative ones from "/")
     * @param followLast whether a symbolic link as the last component is followed
     * @return the canonical path as a {@link String}, or a negative errno as an {@link Integer}
     */
    public Object canonical(String guestPath, boolean followLast) {
        if (guestPath.isEmpty()) return -Errno.ENOENT;
        return Namei.walk(overlay, Vfs::mounted, guestPath.startsWith("/") ? guestPath : "/" + guestPath, followLast);
    }

    /** Whether {@code path} (lexically normalized) is the running program's file, which is opened by its host path. */
    private static boolean isExe(String path, Task task) {
        return task.exe() != null && path.equals(task.exe().path().toString());
    }

    /**
     * The tmpfs mounted at /tmp.
     *
     * @return this namespace's tmpfs, the same for its whole life
     */
    public Tmpfs tmpfs() {
        return tmpfs;
    }

    /**
     * Adds procfs files read at positions rather than generated whole (/proc/PID/pagemap), by name
     * as for the generated ones ("self/pagemap"), each making a reader for the opening task.
     *
     * @param files the files
     */
    public void setPositionalProcFiles(Map<String, Function<Task, OpenFile.Positional.Reader>> files) {
        this.positionalProcfs = Map.copyOf(files);
    }

    /**
     * Adds the kernel's attribute files (fault injection's /proc/PID/fail-nth, /sys/kernel/debug,
     * ...): they are looked up before procfs' generated files.
     *
     * @param files the files, or null for none
     */
    public void setSpecialFiles(SpecialFiles files) {
        this.specialFiles = files;
    }

    /**
     * Registers the program file (exec) so that open() of its path shares its page cache.
     *
     * @param file the program's file as the loader mapped it, keyed by its host path
     */
    public void register(MappedFile file) {
        files.put(file.path().toString(), file);
    }

    /** Resolves {@code path} against "/" (callers join relative names to the working directory first): a normalized absolute path. */
    static String absolute(String path) {
        String p = path.startsWith("/") ? path : "/" + path;
        return Path.of(p).normalize().toString();
    }

    /**
     * Models do_sys_openat2() for this namespace (fs/open.c).
     *
     * @param guestPath the path as the guest gave it, relative paths against "/"
     * @param flags     open()'s flags ({@code O_*})
     * @param task      the opening task: /proc/self and /proc/PID name its process
     * @return the new {@link OpenFile}, or a negative errno as an {@link Integer}
     */
    public Object open(String guestPath, int flags, Task task) {
        return open(guestPath, flags, 0, task);
    }

    /**
     * {@link #open(String, int, Task)} with the mode a file created by O_CREAT gets.
     *
     * @param guestPath the path as the guest gave it, relative paths against "/"
     * @param flags     open()'s flags ({@code O_*})
     * @param mode      the permission bits of a file that O_CREAT creates, before the umask
     * @param task      the opening task
     * @return the new {@link OpenFile}, or a negative errno as an {@link Integer}
     */
    public Object open(String guestPath, int flags, int mode, Task task) {
        Object r = lookup(guestPath, flags, mode, task);
        if (r instanceof Integer e && e == -Errno.ENOENT && !guestPath.isEmpty()) {
            // link_path_walk(): a component that exists but is not a directory makes it ENOTDIR.
            String path = absolute(guestPath);
            int slash = path.lastIndexOf('/');
            if (slash > 0) {
                Object parent = lookup(path.substring(0, slash), O_RDONLY, 0, task);
                if (parent instanceof OpenFile pf && !(pf.content() instanceof OpenFile.Directory)) return -Errno.ENOTDIR;
            }
        }
        return r;
    }

    private Object lookup(String guestPath, int flags, int mode, Task task) {
        if (guestPath.isEmpty()) return -Errno.ENOENT;
        mode &= ~umask.applyAsInt(task); // open_last_lookups() → lookup_open(): mode &= ~current_umask()
        String path = absolute(guestPath);
        boolean trailingSlash = guestPath.endsWith("/") && !path.equals("/");
        if (!isExe(path, task)) {
            // do_last(): O_CREAT | O_EXCL never follows a link as the last component (EEXIST).
            boolean follow = (flags & O_NOFOLLOW) == 0 && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
            Object w = canonical(guestPath, follow);
            if (w instanceof Integer e) return e;
            path = (String) w;
            if (!mounted(path)) return overlayOpen(path, flags, mode, trailingSlash, task);
        }
        // The mount comes first: what lies below it (a --root's tmp, the host's /tmp) is hidden.
        if (Tmpfs.owns(path)) return tmpfs.open(path, flags, mode, guestPath.endsWith("/"));
        if ((flags & O_CREAT) != 0) {
            // open_last_lookups(): a name to create cannot end in a slash. do_open(): an existing
            // file is EEXIST with O_EXCL and EISDIR if a directory, before any permission check,
            // and otherwise opened as it is (O_CREAT creates nothing then).
            if (trailingSlash) return -Errno.EISDIR;
            Object existing = lookup(path, O_RDONLY, 0, task);
            if (existing instanceof OpenFile f) {
                if ((flags & O_EXCL) != 0) return -Errno.EEXIST;
                if (f.content() instanceof OpenFile.Directory) return -Errno.EISDIR;
                flags &= ~O_CREAT;
            }
        }
        // O_NOFOLLOW: a symbolic link as the last component is not followed (a trailing slash
        // follows it anyway): it is no directory (ENOTDIR with O_DIRECTORY), and may_open() refuses
        // to open it (ELOOP) unless O_PATH opens the link itself.
        if ((flags & O_NOFOLLOW) != 0 && !trailingSlash && linkTarget(path, task) != null) {
            if ((flags & O_DIRECTORY) != 0) return -Errno.ENOTDIR;
            if ((flags & O_PATH) == 0) return -Errno.ELOOP;
        }
        if (specialFiles != null && (path.startsWith("/proc/") || path.startsWith("/sys"))) {
            Object special = specialFiles.open(path, flags, trailingSlash, task);
            if (special != null) return special;
        }
        if (isProcDirectory(path, task)) {
            Stat st = new Stat(0x16, path.hashCode() & 0xffff, 9, Stat.S_IFDIR | 0555, 0, 0, 0, 0, 1024, 0, 0, 0, 0, 0, 0, 0);
            return new OpenFile(new OpenFile.Directory(st), path, flags);
        }
        if (trailingSlash || (flags & O_DIRECTORY) != 0) {
            // A trailing slash or O_DIRECTORY names a directory: on anything else the lookup fails
            // with ENOTDIR, before the access mode is checked.
            Object o = open(path, O_RDONLY, task);
            if (o instanceof Integer e) return e;
            if (!(((OpenFile) o).content() instanceof OpenFile.Directory)) return -Errno.ENOTDIR;
            return open(path, flags & ~O_DIRECTORY, task);
        }
        boolean wantsWrite = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0;
        if (path.startsWith("/proc/")) {
            String name = procName(path, task);
            if (name == null) return -Errno.ENOENT;
            if (name.endsWith("/exe")) return openExe(task, path, flags, wantsWrite);
            if (name.startsWith("self/fd/") || name.equals("self/cwd")) return openProcLink(name, flags, task);
            Function<Task, OpenFile.Positional.Reader> positional = positionalProcfs.get(name);
            if (positional != null) {
                if (wantsWrite) return -Errno.EACCES;
                return new OpenFile(new OpenFile.Positional(positional.apply(task), Stat.proc(name.hashCode() & 0xffff)),
                        path, flags);
            }
            Function<Task, byte[]> generator = procfs.get(name);
            if (generator == null) return -Errno.ENOENT;
            if (wantsWrite) return -Errno.EACCES;
            Stat st = Stat.proc(name.hashCode() & 0xffff);
            return new OpenFile(new OpenFile.Generated(() -> generator.apply(task), st), path, flags);
        }
        if (isExe(path, task)) return openHost(task.exe().path(), path, flags, wantsWrite);
        var device = path.startsWith("/dev/") ? DEVICES.get(path.substring(5)) : null;
        if (device != null) return new OpenFile(device.get(), path, flags);
        return -Errno.ENOENT;
    }

    /**
     * Models do_open() on the root file system for a canonical path: created (O_CREAT) in the
     * upper layer, a lower file copied up when opened for writing or truncated (ovl_open() →
     * ovl_maybe_copy_up()), read-only lower files served from the host's bytes. The checks in
     * do_open()'s order: EEXIST (O_CREAT | O_EXCL), EISDIR (O_CREAT of a directory), ENOTDIR
     * (O_DIRECTORY or a trailing slash on a non-directory), then may_open(): EISDIR for writing a
     * directory, ELOOP for a link not followed (O_NOFOLLOW) unless O_PATH.
     */
    private Object overlayOpen(String path, int flags, int mode, boolean trailingSlash, Task task) {
        Overlay.Kind k = overlay.kind(path);
        boolean wantsWrite = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
        if (k == Overlay.Kind.NONE) {
            if ((flags & O_CREAT) == 0) return -Errno.ENOENT;
            if (trailingSlash) return -Errno.EISDIR; // open_last_lookups(): a name to create cannot end in a slash
            // FMODE_CREATED: a new file is neither permission-checked nor truncated.
            return new OpenFile(new OpenFile.Shmem(overlay.create(path, mode)), path, flags);
        }
        if ((flags & Tmpfs.O_TMPFILE_BIT) != 0) {
            // ovl_tmpfile(): an unnamed file of the upper layer, freed at its last close.
            if (k != Overlay.Kind.DIR) return -Errno.ENOTDIR;
            TmpfsInode inode = overlay.tmpfile(path, mode, (flags & O_EXCL) == 0);
            return new OpenFile(new OpenFile.Shmem(inode), Overlay.child(path, "#" + inode.file().ino()), flags);
        }
        if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return -Errno.EEXIST;
        if (k == Overlay.Kind.DIR) {
            if ((flags & O_CREAT) != 0 || wantsWrite) return -Errno.EISDIR;
            Stat st = overlay.stat(path);
            return st == null ? -Errno.EACCES : new OpenFile(new OpenFile.Directory(st), path, flags);
        }
        if (trailingSlash || (flags & O_DIRECTORY) != 0) return -Errno.ENOTDIR;
        if (k == Overlay.Kind.LNK) {
            if ((flags & O_PATH) == 0) return -Errno.ELOOP;
            byte[] target = overlay.readlink(path).getBytes(StandardCharsets.UTF_8);
            return new OpenFile(new OpenFile.Generated(() -> target, overlay.stat(path)), path, flags);
        }
        if (k == Overlay.Kind.OTHER) return -Errno.EACCES;
        TmpfsInode up = overlay.upperFile(path);
        if (up == null && wantsWrite) {
            if (isRunning(overlay.lowerPath(path), task)) return -ETXTBSY;
            up = overlay.copyUp(path);
            if (up == null) return -Errno.ENOMEM;
        }
        if (up == null) {
            try {
                // The host's real path keys the page cache, so that the program's own file shares it.
                return openHost(overlay.lowerPath(path).toRealPath(), path, flags, false);
            } catch (IOException e) {
                return -Errno.EACCES;
            }
        }
        if ((flags & O_TRUNC) != 0) up.setSize(0); // handle_truncate()
        return new OpenFile(new OpenFile.Shmem(up), path, flags);
    }

    /**
     * /proc/PID/fd/N and /proc/PID/cwd opened: proc_fd_link()'s magic link leads to the open file's
     * own inode (a tmpfs or upper file even unlinked, a directory), with a new open file description.
     */
    private Object openProcLink(String name, int flags, Task task) {
        if (procLinks == null) return -Errno.ENOENT;
        if (name.equals("self/cwd")) return open(procLinks.cwd(task), flags, task);
        OpenFile f = procFd(name, task);
        if (f == null) return -Errno.ENOENT;
        return switch (f.content()) {
            case OpenFile.Shmem s -> new OpenFile(s, f.path(), flags);
            case OpenFile.Directory d -> (flags & O_ACCMODE) != O_RDONLY ? -Errno.EISDIR : new OpenFile(d, f.path(), flags);
            case OpenFile.Bytes b -> (flags & O_ACCMODE) != O_RDONLY ? open(f.path(), flags, task) : new OpenFile(b, f.path(), flags);
            case OpenFile.Console c -> new OpenFile(c, f.path(), flags); // the host's stream again (/dev/stdout's target)
            case OpenFile.Device d -> new OpenFile(d, f.path(), flags);
            default -> -Errno.ENXIO; // pipes and sockets are not reopened here (a socket is ENXIO on Linux too)
        };
    }

    /** The open file /proc/self/fd/N names, or null. */
    private OpenFile procFd(String name, Task task) {
        try {
            return procLinks.fd(task, Integer.parseInt(name.substring("self/fd/".length())));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Models vfs_fstatat() with AT_SYMLINK_NOFOLLOW on a symbolic link: the root file system's
     * links have their own inode; procfs' links (exe, cwd, fd/N) are lrwxrwxrwx on procfs' device.
     *
     * @param guestPath the name (relative ones from "/")
     * @param task      the calling task
     * @return the link's status, or null when the name is no symbolic link
     */
    public Stat linkStat(String guestPath, Task task) {
        byte[] target = linkTarget(guestPath, task);
        if (target == null) return null;
        Object w = isExe(absolute(guestPath), task) ? null : canonical(guestPath, false);
        if (w instanceof String p && !mounted(p)) return overlay.stat(p);
        return new Stat(0x16, guestPath.hashCode() & 0xffff, 1, Overlay.S_IFLNK | 0777, 0, 0, 0, target.length, 1024, 0, 0, 0, 0,
                0, 0, 0);
    }

    /** Models proc_fd_link()'s d_path(): what readlink() of /proc/PID/fd/N shows. */
    private static String fdLinkTarget(OpenFile f) {
        return switch (f.content()) {
            case OpenFile.Shmem s -> s.inode().stat().nlink() == 0 ? f.path() + " (deleted)" : f.path(); // the name it was opened by
            case OpenFile.Secretmem s -> s.inode().file().displayPath();
            case OpenFile.PipeEnd p -> "pipe:[" + 1000 + "]";
            case OpenFile.Socket s -> "socket:[" + s.sock().ino() + "]";
            default -> f.path();
        };
    }

    /**
     * /proc/PID/exe: the program's file, which for a program exec'd from /tmp is its tmpfs inode
     * (even unlinked), never a host file of that name.
     */
    private Object openExe(Task task, String path, int flags, boolean wantsWrite) {
        TmpfsInode inode = tmpfs.inodeOf(task.exe());
        if (inode == null) return openHost(task.exe().path(), path, flags, wantsWrite);
        if (wantsWrite) return -ETXTBSY; // deny_write_access() of a running program
        return new OpenFile(new OpenFile.Shmem(inode), path, flags);
    }

    static final int ETXTBSY = 26;

    /**
     * deny_write_access() of exec, for the calling task's own program: a lower file that it runs
     * cannot be opened for writing (ETXTBSY). Other processes' programs are not checked here.
     */
    private static boolean isRunning(Path host, Task task) {
        if (task.exe() == null) return false;
        try {
            return host.toRealPath().equals(task.exe().path().toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Models do_open_execat(): the file to exec, opened for reading; EACCES unless it is a
     * regular file with an x bit (may_open() with MAY_EXEC: root too needs one x bit).
     *
     * @param guestPath the program's path as execve() got it
     * @param task      the task that execs
     * @return the program's {@link OpenFile}, or a negative errno as an {@link Integer}
     */
    public Object openExec(String guestPath, Task task) {
        Object o = open(guestPath, O_RDONLY, task);
        if (o instanceof Integer) return o;
        OpenFile f = (OpenFile) o;
        if (!(f.content() instanceof OpenFile.Readable r) || f.mappable() == null) return -Errno.EACCES;
        return (r.stat().mode() & 0111) == 0 ? -Errno.EACCES : f;
    }

    /** The largest program image the loader reads into one array. */
    static final long MAX_IMAGE = 1L << 30;

    /**
     * The bytes of a program file for the ELF loader, or null when it cannot be one: no ELF magic
     * (search_binary_handler() finds no format: ENOEXEC), or too large to hold here.
     *
     * @param f a readable file that {@link #openExec} opened
     * @return the file's whole contents, or null (ENOEXEC)
     */
    public static byte[] execImage(OpenFile f) {
        OpenFile.Readable r = (OpenFile.Readable) f.content();
        byte[] magic = new byte[4];
        if (r.read(0, magic, 0, 4) != 4 || magic[0] != 0x7f || magic[1] != 'E' || magic[2] != 'L' || magic[3] != 'F') {
            return null;
        }
        if (r.size() > MAX_IMAGE) return null;
        byte[] contents = new byte[(int) r.size()];
        r.read(0, contents, 0, contents.length);
        return contents;
    }

    /**
     * Models do_unlinkat() ({@code dir} false) and do_rmdir() ({@code dir} true): tmpfs names
     * go; everything else here is read-only (EROFS), procfs has no unlink at all (EPERM).
     *
     * @param guestPath the name to remove
     * @param dir       true for rmdir() (a directory only), false for unlink() (anything else)
     * @param task      the calling task
     * @return 0, or a negative errno
     */
    public long unlink(String guestPath, boolean dir, Task task) {
        if (guestPath.isEmpty()) return -Errno.ENOENT;
        String path = absolute(guestPath);
        if (!isExe(path, task)) {
            Object w = canonical(guestPath, false);
            if (w instanceof Integer e) return e;
            path = (String) w;
            if (!mounted(path)) return overlayRemove(guestPath, path, dir);
        }
        if (Tmpfs.owns(path)) return dir ? tmpfs.rmdir(path) : tmpfs.unlink(path, guestPath.endsWith("/"));
        Object o = open(guestPath, O_RDONLY, task);
        if (o instanceof Integer e) return e;
        boolean isDir = ((OpenFile) o).content() instanceof OpenFile.Directory;
        if (path.equals("/")) return dir ? -Errno.EBUSY : -Errno.EISDIR;
        if (dir != isDir) return dir ? -Errno.ENOTDIR : -Errno.EISDIR;
        return path.startsWith("/proc/") ? -Errno.EPERM : -Errno.EROFS;
    }

    /**
     * Models do_rmdir() and do_unlinkat() on the root file system: the last component's type
     * first (rmdir: "/" EBUSY, "." EINVAL, ".." ENOTEMPTY; unlink: any of them EISDIR), then the
     * name (ENOENT), then {@link Overlay#remove} (ENOTDIR for "file/", EISDIR, ENOTEMPTY).
     */
    private long overlayRemove(String guestPath, String path, boolean dir) {
        String last = lastComponent(guestPath);
        if (path.equals("/") || last.equals(".") || last.equals("..")) {
            if (!dir) return -Errno.EISDIR;
            return path.equals("/") && !last.equals(".") && !last.equals("..") ? -Errno.EBUSY
                    : last.equals(".") ? -Errno.EINVAL : -Errno.ENOTEMPTY;
        }
        Overlay.Kind k = overlay.kind(path);
        if (k == Overlay.Kind.NONE) return -Errno.ENOENT;
        if (!dir && guestPath.endsWith("/") && k != Overlay.Kind.DIR) return -Errno.ENOTDIR;
        return overlay.remove(path, dir);
    }

    /** The last component of a name as written, trailing slashes ignored ("" for "/"). */
    static String lastComponent(String guestPath) {
        String p = guestPath;
        while (p.endsWith("/") && p.length() > 1) p = p.substring(0, p.length() - 1);
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** The directory a canonical path lies in ("/" for "/" itself). */
    private static String parentOf(String path) {
        String p = Overlay.parent(path);
        return p == null ? "/" : p;
    }

    /** Where a canonical path lies, for rename() and link() across mounts (EXDEV): "/" for the root file system. */
    private static String mountOf(String path) {
        if (!mounted(path)) return "/";
        if (Tmpfs.owns(path)) return Tmpfs.MOUNT;
        return path.startsWith("/proc") ? "/proc" : path.startsWith("/sys") ? "/sys" : path;
    }

    /**
     * Models do_mkdirat(): filename_create() (the parent must exist: ENOENT, ENOTDIR; EEXIST for
     * any existing name, a link too), then vfs_mkdir(): ovl_mkdir() on the root file system; the
     * other mounts here make no directories (EPERM, as a file system without ->mkdir).
     *
     * @param guestPath the new directory's name (relative ones from "/")
     * @param mode      its permission bits, before the umask
     * @param task      the calling task
     * @return 0, or a negative errno
     */
    public long mkdir(String guestPath, int mode, Task task) {
        Object w = nameToCreate(guestPath, task);
        if (w instanceof Integer e) return e;
        return overlay.mkdir((String) w, mode & ~umask.applyAsInt(task)); // do_mkdirat(): mode_strip_umask()
    }

    /**
     * The canonical path for a new name on the root file system (filename_create()), or an errno
     * as an {@link Integer}: the walk's, or for a name on another mount (or the program's file)
     * EEXIST if it opens and EPERM if not, since those make no new names here.
     */
    private Object nameToCreate(String guestPath, Task task) {
        Object w = canonical(guestPath, false);
        if (w instanceof Integer) return w;
        String path = (String) w;
        if (mounted(path) || isExe(path, task)) return open(path, O_RDONLY, task) instanceof OpenFile ? -Errno.EEXIST : -Errno.EPERM;
        return path;
    }

    /**
     * Models do_symlinkat(): EEXIST for an existing name, ENOENT for an empty target or a name
     * with a trailing slash that does not exist; other mounts here make no links (EPERM).
     *
     * @param target    the link's contents, stored as given
     * @param guestPath the link's name
     * @param task      the calling task
     * @return 0, or a negative errno
     */
    public long symlink(String target, String guestPath, Task task) {
        if (target.isEmpty()) return -Errno.ENOENT;
        Object w = nameToCreate(guestPath, task);
        if (w instanceof Integer e) return e;
        String path = (String) w;
        if (overlay.kind(path) != Overlay.Kind.NONE) return -Errno.EEXIST;
        if (guestPath.endsWith("/")) return -Errno.ENOENT; // filename_create(): a trailing slash wants a directory
        return overlay.symlink(path, target);
    }

    /**
     * Models do_linkat(): the old name (its last link followed only with AT_SYMLINK_FOLLOW),
     * the new name's parent; EXDEV across mounts, EEXIST, EPERM for a directory.
     *
     * @param oldPath the existing name
     * @param newPath the new name
     * @param follow  AT_SYMLINK_FOLLOW
     * @param task    the calling task
     * @return 0, or a negative errno
     */
    public long link(String oldPath, String newPath, boolean follow, Task task) {
        Object o = canonical(oldPath, follow);
        if (o instanceof Integer e) return e;
        if (follow && o instanceof String p && p.startsWith("/proc/") && procLinks != null) {
            String name = procName(p, task);
            OpenFile f = name != null && name.startsWith("self/fd/") ? procFd(name, task) : null;
            if (f != null) return linkFile(f, newPath, task); // the magic link's own inode
        }
        Object n = canonical(newPath, false);
        if (n instanceof Integer e) return e;
        String from = (String) o, to = (String) n;
        if (mounted(from) ? !(open(from, O_RDONLY, task) instanceof OpenFile) : overlay.kind(from) == Overlay.Kind.NONE) {
            return -Errno.ENOENT;
        }
        if (mounted(to) ? open(to, O_RDONLY, task) instanceof OpenFile : overlay.kind(to) != Overlay.Kind.NONE) return -Errno.EEXIST;
        if (!mountOf(from).equals(mountOf(to))) return -Errno.EXDEV;
        if (mounted(from)) return Tmpfs.owns(from) ? tmpfs.link(from, to) : -Errno.EPERM;
        if (oldPath.endsWith("/") && overlay.kind(from) != Overlay.Kind.DIR || newPath.endsWith("/")) {
            return overlay.kind(from) == Overlay.Kind.DIR ? -Errno.EPERM : -Errno.ENOENT;
        }
        return overlay.link(from, to);
    }

    /**
     * Models do_linkat() of an open file's own inode (AT_EMPTY_PATH, or /proc/PID/fd/N with
     * AT_SYMLINK_FOLLOW): a tmpfs or upper file even without a name, if it is I_LINKABLE (an
     * O_TMPFILE file opened without O_EXCL; else ENOENT); EEXIST, EXDEV across mounts (a memfd is on
     * the kernel's internal mount); other files are linked by the name they were opened by.
     *
     * @param f       the open file
     * @param newPath the new name
     * @param task    the calling task
     * @return 0, or a negative errno
     */
    public long linkFile(OpenFile f, String newPath, Task task) {
        if (f.content() instanceof OpenFile.Directory) return -Errno.EPERM;
        if (!(f.content() instanceof OpenFile.Shmem s)) return link(f.path(), newPath, false, task);
        Object n = canonical(newPath, false);
        if (n instanceof Integer e) return e;
        String to = (String) n;
        if (mounted(to) ? open(to, O_RDONLY, task) instanceof OpenFile : overlay.kind(to) != Overlay.Kind.NONE) return -Errno.EEXIST;
        TmpfsInode inode = s.inode();
        boolean upper = inode.stat().dev() == Overlay.DEV;
        boolean memfd = !upper && !Tmpfs.owns(f.path());
        if (memfd || !mountOf(to).equals(upper ? "/" : Tmpfs.MOUNT)) return -Errno.EXDEV;
        if (inode.stat().nlink() == 0 && !inode.linkable) return -Errno.ENOENT;
        if (newPath.endsWith("/")) return -Errno.ENOENT;
        if (!upper) return tmpfs.linkInode(to, inode);
        overlay.linkInode(to, inode);
        return 0;
    }

    /**
     * Models do_renameat2(): both names' last components must be plain names (EBUSY for "/",
     * "." or ".."), the old one must exist (ENOENT), both on one mount (EXDEV), then
     * RENAME_NOREPLACE (EEXIST) and the rename itself: {@link Overlay#rename} on the root file
     * system, {@link Tmpfs#rename} in /tmp. RENAME_EXCHANGE and RENAME_WHITEOUT are not modelled (EINVAL).
     *
     * @param oldPath the existing name
     * @param newPath the new name
     * @param flags   renameat2()'s flags
     * @param task    the calling task
     * @return 0, or a negative errno
     */
    public long rename(String oldPath, String newPath, int flags, Task task) {
        if ((flags & ~Overlay.RENAME_NOREPLACE) != 0) return -Errno.EINVAL;
        Object o = canonical(oldPath, false);
        if (o instanceof Integer e) return e;
        Object n = canonical(newPath, false);
        if (n instanceof Integer e) return e;
        String from = (String) o, to = (String) n;
        // The parents' mounts are compared before the names are looked at.
        if (!mountOf(parentOf(from)).equals(mountOf(parentOf(to)))) return -Errno.EXDEV;
        for (String last : new String[] {lastComponent(oldPath), lastComponent(newPath)}) {
            if (last.isEmpty() || last.equals(".") || last.equals("..")) return -Errno.EBUSY;
        }
        boolean exists = mounted(from) ? open(from, O_RDONLY, task) instanceof OpenFile : overlay.kind(from) != Overlay.Kind.NONE;
        if (!exists) return -Errno.ENOENT;
        if (!mountOf(from).equals(mountOf(to))) return -Errno.EBUSY; // a mount point itself (is_local_mountpoint())
        if (mounted(from)) {
            if (!Tmpfs.owns(from)) return -Errno.EPERM;
            return tmpfs.rename(from, to, (flags & Overlay.RENAME_NOREPLACE) != 0);
        }
        Overlay.Kind k = overlay.kind(from);
        // A trailing slash is allowed only on directories (do_renameat2()'s LOOKUP_DIRECTORY).
        if (k != Overlay.Kind.DIR && (oldPath.endsWith("/") || newPath.endsWith("/"))) return -Errno.ENOTDIR;
        return overlay.rename(from, to, flags);
    }

    /**
     * Models do_sys_truncate() → vfs_truncate(): EISDIR, EINVAL for what is not a regular file, EROFS outside /tmp.
     *
     * @param guestPath the file to resize
     * @param length    the new size in bytes
     * @param task      the calling task
     * @return 0, or a negative errno
     */
    public long truncate(String guestPath, long length, Task task) {
        if (length < 0) return -Errno.EINVAL;
        Object o = open(guestPath, O_RDONLY, task);
        if (o instanceof Integer e) return e;
        OpenFile f = (OpenFile) o;
        return switch (f.content()) {
            case OpenFile.Directory d -> -Errno.EISDIR;
            case OpenFile.Shmem s -> s.inode().setSize(length);
            case OpenFile.Bytes b when !mounted(f.path()) && overlay.kind(f.path()) == Overlay.Kind.REG -> {
                TmpfsInode up = overlay.copyUp(f.path()); // ovl_setattr() copies up first
                yield up == null ? -Errno.ENOMEM : up.setSize(length);
            }
            case OpenFile.Bytes b -> -Errno.EROFS;
            case OpenFile.Generated g -> -Errno.EPERM;
            default -> -Errno.EINVAL;
        };
    }

    /**
     * Models chmod_common() for a path: tmpfs files and /tmp change; procfs refuses (EPERM), the rest is read-only.
     *
     * @param guestPath the file whose mode changes
     * @param mode      the new permission bits (07777)
     * @param task      the calling task
     * @return 0, or a negative errno
     */
    public long chmod(String guestPath, int mode, Task task) {
        Object o = open(guestPath, O_RDONLY, task);
        if (o instanceof Integer e) return e;
        return chmod((OpenFile) o, mode);
    }

    /**
     * Models chmod_common() for an open file (fchmod).
     *
     * @param f    the open file whose inode's mode changes
     * @param mode the new permission bits (07777)
     * @return 0, or a negative errno
     */
    public long chmod(OpenFile f, int mode) {
        return switch (f.content()) {
            case OpenFile.Shmem s -> s.inode().chmod(mode);
            case OpenFile.Secretmem s -> s.inode().chmod(mode);
            case OpenFile.Directory d when f.path().equals(Tmpfs.MOUNT) -> {
                tmpfs.chmodDir(mode);
                yield 0;
            }
            case OpenFile.Directory d when !mounted(f.path()) -> overlay.chmod(f.path(), mode);
            case OpenFile.Bytes b when !mounted(f.path()) -> overlay.chmod(f.path(), mode);
            case OpenFile.Generated g when !mounted(f.path()) -> overlay.chmod(f.path(), mode);
            case OpenFile.Generated g -> -Errno.EPERM;
            case OpenFile.Console c -> 0; // a pipe's inode (pipefs) takes any mode
            case OpenFile.PipeEnd p -> 0;
            case OpenFile.Socket s -> 0; // sockfs_setattr()
            default -> f.path().startsWith("/proc") ? -Errno.EPERM : -Errno.EROFS;
        };
    }

    /**
     * /proc, /proc/self, /proc/thread-self and /proc/PID of the task are directories, and so is
     * every directory that holds a procfs file (/proc/sys, /proc/sys/kernel).
     */
    private boolean isProcDirectory(String path, Task task) {
        if (path.equals("/proc") || path.equals("/proc/self") || path.equals("/proc/thread-self")
                || path.equals("/proc/" + task.tgid())) {
            return true;
        }
        if (!path.startsWith("/proc/")) return false;
        String name = procName(path, task);
        if (name == null) return false;
        if (name.equals("self/fd")) return true;
        String prefix = name + "/";
        for (String k : procfs.keySet()) {
            if (k.startsWith(prefix)) return true;
        }
        return false;
    }

    /**
     * A directory entry as readdir gives it (the dir_emit() arguments).
     *
     * @param name  the name, without '/'
     * @param ino   the inode number
     * @param dtype the DT_* type: {@link #DT_DIR}, {@link #DT_REG}, {@link #DT_LNK}, ...
     */
    public record Dirent(String name, long ino, int dtype) {}

    /** Directory entry types (include/linux/fs_types.h). */
    public static final int DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10,
            DT_SOCK = 12;

    /**
     * The entries of a directory after "." and "..", in the order readdir gives them here: the
     * --root directory's entries in name order (a host file system's own order, a hash order on
     * ext4, would make runs differ), the tmpfs' names, and for /proc and /sys the files this
     * namespace serves there (procfs' generated files, the attribute files, /proc/self's links),
     * each only if it opens.
     *
     * @param dir  an open directory
     * @param task the reading task (/proc/self is its process)
     * @return the entries
     */
    public java.util.List<Dirent> readdir(OpenFile dir, Task task) {
        String path = absolute(dir.path());
        java.util.List<Dirent> out = new java.util.ArrayList<>();
        if (Tmpfs.owns(path)) {
            for (String name : tmpfs.names()) addIfOpens(out, path, name, task);
            return out;
        }
        // sysfs lists a directory in kernfs' order (by name hash), which programs see.
        boolean sys = path.equals("/sys") || path.startsWith("/sys/");
        java.util.Set<String> names = new java.util.TreeSet<>(sys ? KernfsOrder.READDIR : java.util.Comparator.naturalOrder());
        boolean proc = path.equals("/proc") || path.startsWith("/proc/");
        if (proc || path.equals("/sys") || path.startsWith("/sys/")) {
            String rel = !proc || path.equals("/proc") ? "" : procName(path, task);
            if (rel == null) return out;
            if (path.equals("/proc")) {
                names.add("self");
                names.add("thread-self");
                names.add(Integer.toString(task.tgid()));
            }
            if (rel.equals("self")) {
                names.add("exe");
                names.add("cwd");
                names.add("fd");
            }
            if (rel.equals("self/fd") && procLinks != null) {
                for (int fd : procLinks.fds(task)) out.add(new Dirent(Integer.toString(fd), 1000 + fd, DT_LNK));
                return out;
            }
            String prefix = rel.isEmpty() ? "" : rel + "/";
            java.util.Set<String> keys = new java.util.TreeSet<>(procfs.keySet());
            keys.addAll(positionalProcfs.keySet());
            for (String k : keys) {
                if (!path.startsWith("/proc") || !k.startsWith(prefix) || (rel.isEmpty() && k.startsWith("self/"))) continue;
                String rest = k.substring(prefix.length());
                int slash = rest.indexOf('/');
                names.add(slash < 0 ? rest : rest.substring(0, slash));
            }
            if (specialFiles != null) names.addAll(specialFiles.children(path, task));
            for (String name : names) addIfOpens(out, path, name, task);
            return out;
        }
        java.util.Map<String, Overlay.Kind> merged = overlay.names(path);
        if (path.equals("/")) {
            names.add("proc");
            names.add("tmp");
        }
        if (path.equals("/dev")) names.addAll(DEVICES.keySet());
        names.addAll(merged.keySet());
        for (String name : names) {
            String child = Overlay.child(path, name);
            Overlay.Kind k = merged.get(name);
            if (k == null) {
                addIfOpens(out, path, name, task); // a mount point the root does not hold
                continue;
            }
            int dtype = switch (k) {
                case DIR -> DT_DIR;
                case REG -> DT_REG;
                case LNK -> DT_LNK;
                default -> (int) (attrNoFollow(overlay.lowerPath(child), "unix:mode") >>> 12) & 017;
            };
            out.add(new Dirent(name, overlay.ino(child), dtype));
        }
        return out;
    }

    /** Adds {@code dir/name} if it opens, with its inode number and type. */
    private void addIfOpens(java.util.List<Dirent> out, String dir, String name, Task task) {
        String child = Overlay.child(dir, name);
        if (dir.equals("/proc") && (name.equals("self") || name.equals("thread-self")) || linkTarget(child, task) != null) {
            out.add(new Dirent(name, child.hashCode() & 0xffff, DT_LNK));
            return;
        }
        Object o = open(child, O_RDONLY, task);
        if (!(o instanceof OpenFile f)) return;
        Stat st = switch (f.content()) {
            case OpenFile.Readable r -> r.stat();
            case OpenFile.Directory d -> d.stat();
            case OpenFile.Device d -> d.stat();
            default -> null;
        };
        if (st != null) out.add(new Dirent(name, st.ino(), (st.mode() >>> 12) & 017));
    }

    static long attrNoFollow(Path p, String attr) {
        try {
            Object v = Files.getAttribute(p, attr, LinkOption.NOFOLLOW_LINKS);
            return v instanceof Number n ? n.longValue() : 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }

    /**
     * The target of a symbolic link (only /proc/.../exe here).
     *
     * @param guestPath the path whose last component may be a link
     * @param task      the calling task, whose program /proc/self/exe names
     * @return the link's target as bytes, or null when the path is no link
     */
    public byte[] linkTarget(String guestPath, Task task) {
        String path = absolute(guestPath);
        if (!isExe(path, task)) {
            Object w = canonical(guestPath, false);
            if (!(w instanceof String p)) return null;
            if (!mounted(p)) {
                String target = overlay.kind(p) == Overlay.Kind.LNK ? overlay.readlink(p) : null;
                return target == null ? null : target.getBytes(StandardCharsets.UTF_8);
            }
            path = p;
        }
        if (!path.startsWith("/proc/")) return null;
        String name = procName(path, task);
        if ("self/exe".equals(name)) return task.exe().displayPath().getBytes(StandardCharsets.UTF_8);
        if (name == null || procLinks == null) return null;
        if (name.equals("self/cwd")) return procLinks.cwd(task).getBytes(StandardCharsets.UTF_8);
        if (name.startsWith("self/fd/")) {
            OpenFile f = procFd(name, task);
            return f == null ? null : fdLinkTarget(f).getBytes(StandardCharsets.UTF_8);
        }
        return null;
    }

    /** "self/maps" for /proc/self/maps or /proc/PID/maps of the task, "slabinfo" for /proc/slabinfo; null if another pid. */
    private static String procName(String path, Task task) {
        String rest = path.substring("/proc/".length());
        int slash = rest.indexOf('/');
        if (slash < 0 || rest.startsWith("sys/")) return rest; // /proc/sys/kernel/... are system files too
        String first = rest.substring(0, slash);
        if (first.equals("self") || first.equals(Integer.toString(task.tgid()))
                || first.equals("thread-self")) {
            return "self/" + rest.substring(slash + 1);
        }
        return null;
    }

    private Object openHost(Path real, String guestPath, int flags, boolean wantsWrite) {
        if (Files.isDirectory(real)) {
            if (wantsWrite) return -Errno.EISDIR;
            // A directory opens; reading it is EISDIR, listing it is readdir()'s.
            try {
                return new OpenFile(new OpenFile.Directory(hostStat(real)), guestPath, flags);
            } catch (IOException e) {
                return -Errno.EACCES;
            }
        }
        if ((flags & O_DIRECTORY) != 0) return -Errno.ENOTDIR;
        if (wantsWrite) return -Errno.EROFS;
        // A host FIFO, socket or device is not opened: reading it could block mmemu for ever (a
        // FIFO without a writer) or never end (a device). Linux would open it; here it is EACCES,
        // which is also what execve() of such a file gives (may_open() with MAY_EXEC).
        if (!Files.isRegularFile(real)) return -Errno.EACCES;
        try {
            MappedFile mf = files.get(real.toString());
            if (mf == null) {
                byte[] data = Files.readAllBytes(real);
                mf = new MappedFile(real, real.toString(), data, attr(real, "unix:dev"), attr(real, "unix:ino"));
                files.put(real.toString(), mf);
            }
            return new OpenFile(new OpenFile.Bytes(mf, hostStat(real)), guestPath, flags);
        } catch (IOException e) {
            return -Errno.EACCES;
        }
    }

    /**
     * Models do_readlinkat(): only /proc/self/exe is a link here; a trailing slash follows it (ENOTDIR, or EINVAL
     * for a directory).
     *
     * @param guestPath the link's path
     * @param task      the calling task, whose program /proc/self/exe names
     * @return the target as a {@code byte[]}, or a negative errno as an {@link Integer}
     */
    public Object readlink(String guestPath, Task task) {
        String path = absolute(guestPath);
        if (guestPath.endsWith("/") && !path.equals("/")) {
            Object o = open(guestPath, O_RDONLY, task);
            return o instanceof Integer e ? e : -Errno.EINVAL;
        }
        if (!isExe(path, task)) {
            Object w = canonical(guestPath, false);
            if (w instanceof Integer e) return e;
            if (!mounted((String) w)) {
                String p = (String) w;
                Overlay.Kind k = overlay.kind(p);
                if (k == Overlay.Kind.NONE) return -Errno.ENOENT;
                return k == Overlay.Kind.LNK ? overlay.readlink(p).getBytes(StandardCharsets.UTF_8) : (Object) (-Errno.EINVAL);
            }
            path = (String) w;
        }
        if (path.startsWith("/proc/")) {
            byte[] link = linkTarget(path, task);
            if (link != null) return link;
            String name = procName(path, task);
            if (name == null) return -Errno.ENOENT;
            return procfs.containsKey(name) ? -Errno.EINVAL : -Errno.ENOENT;
        }
        Object o = open(guestPath, O_RDONLY, task);
        return o instanceof Integer e ? e : -Errno.EINVAL;
    }

    static Stat hostStat(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:*");
        long size = ((Number) a.get("size")).longValue();
        var mtime = (java.nio.file.attribute.FileTime) a.get("lastModifiedTime");
        var atime = (java.nio.file.attribute.FileTime) a.get("lastAccessTime");
        var ctime = (java.nio.file.attribute.FileTime) a.get("ctime");
        return new Stat(num(a, "dev"), num(a, "ino"), num(a, "nlink"), (int) num(a, "mode"), (int) num(a, "uid"),
                (int) num(a, "gid"), num(a, "rdev"), size, 4096, (size + 511) / 512, sec(atime), nsec(atime), sec(mtime),
                nsec(mtime), sec(ctime), nsec(ctime));
    }

    private static long num(Map<String, Object> a, String k) {
        Object v = a.get(k);
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static long sec(java.nio.file.attribute.FileTime t) {
        return t == null ? 0 : t.toInstant().getEpochSecond();
    }

    private static long nsec(java.nio.file.attribute.FileTime t) {
        return t == null ? 0 : t.toInstant().getNano();
    }

    /**
     * A numeric attribute of a host file.
     *
     * @param p    the host file
     * @param attr the attribute's name in {@link Files#getAttribute} form ("unix:dev", "unix:ino")
     * @return its value, or 0 where the host has none
     */
    public static long attr(Path p, String attr) {
        try {
            Object v = Files.getAttribute(p, attr);
            return v instanceof Number n ? n.longValue() : 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }
}
