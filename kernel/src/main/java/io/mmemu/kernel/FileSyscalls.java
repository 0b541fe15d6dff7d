package io.mmemu.kernel;

import io.mmemu.kernel.fs.FdTable;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.Overlay;
import io.mmemu.kernel.fs.Stat;
import io.mmemu.kernel.fs.Tmpfs;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The file syscalls of fs/open.c, fs/stat.c, fs/fcntl.c, fs/namei.c, fs/file.c and fs/ioctl.c
 * over the minimal namespace of {@link Vfs}: each process has an {@link FdTable} whose 0, 1 and 2
 * are the host's stdin, stdout and stderr. Reading and writing are {@link ReadWrite}'s, pipes
 * {@link Pipes}'.
 */
final class FileSyscalls {
    static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
    static final int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
    static final int FD_CLOEXEC = 1;
    /** force_o_largefile(): open() on 64-bit adds O_LARGEFILE, which F_GETFL reports. */
    static final int O_LARGEFILE = 0x8000, O_RDWR = 2, O_WRONLY = 1, O_ACCMODE = 3;
    /** What creat() opens with: O_CREAT | O_WRONLY | O_TRUNC. */
    static final int CREAT_FLAGS = 0x241;
    static final int PATH_MAX = 4096;

    private final UserAccess uaccess;
    private final Vfs vfs;
    private final Map<Integer, FdTable> tables = new TreeMap<>();
    private final Sleeping sleeping;
    /** rlimit(RLIMIT_NOFILE) of a task's process: the end of its descriptor table. */
    private final java.util.function.ToIntFunction<Task> nofile;

    /** What blocking calls need from the scheduler. */
    interface Sleeping {
        /** Makes every sleeping task runnable again; each re-executes its syscall (wait queues, coarsely). */
        void wakeAll();

        /** signal_pending(): an unblocked signal waits, so a sleep ends with EINTR. */
        boolean signalPending(Task task);

        /** Sends {@code sig} to the task (SIGPIPE). */
        void send(Task task, int sig);
    }

    FileSyscalls(UserAccess uaccess, Vfs vfs, Sleeping sleeping, java.util.function.ToIntFunction<Task> nofile) {
        this.uaccess = uaccess;
        this.nofile = nofile;
        this.sleeping = sleeping;
        this.vfs = vfs;
        this.initialCwd = vfs.initialCwd(java.nio.file.Path.of("").toAbsolutePath());
        vfs.setUmask(t -> umasks.getOrDefault(t.tgid(), Tmpfs.UMASK));
        vfs.setProcLinks(new Vfs.ProcLinks() {
            @Override
            public OpenFile fd(Task task, int fd) {
                return files(task).get(fd);
            }

            @Override
            public int[] fds(Task task) {
                return files(task).openFds();
            }

            @Override
            public String cwd(Task task) {
                return FileSyscalls.this.cwd(task);
            }
        });
    }

    /** The task's descriptor table, with the console on 0, 1 and 2 for a new process. */
    FdTable files(Task task) {
        return tables.computeIfAbsent(task.tgid(), k -> {
            FdTable t = new FdTable(file -> {
                Pipes.release(file, sleeping);
                UnixSockets.release(file, sleeping);
                Userfaultfds.release(file, sleeping);
            });
            t.install(new OpenFile(new OpenFile.Console(0), "/dev/stdin", 0), false, FdTable.NOFILE);
            t.install(new OpenFile(new OpenFile.Console(1), "/dev/stdout", O_WRONLY), false, FdTable.NOFILE);
            t.install(new OpenFile(new OpenFile.Console(2), "/dev/stderr", O_WRONLY), false, FdTable.NOFILE);
            return t;
        });
    }

    /** Each process's working directory (fs_struct's pwd), by tgid; {@link #initialCwd} until chdir(). */
    private final Map<Integer, String> cwds = new TreeMap<>();
    /** Each process's umask (fs_struct's umask), by tgid; init's 022 until umask(). */
    private final Map<Integer, Integer> umasks = new TreeMap<>();

    /** Models the umask() syscall, kernel/sys.c: the new mask's permission bits, the old one returned. */
    long umask(Task task, int mask) {
        Integer old = umasks.put(task.tgid(), mask & 0777);
        return old == null ? Tmpfs.UMASK : old;
    }
    /** Where the first process starts ({@link Vfs#initialCwd}): "/", or the host's directory inside --root. */
    private final String initialCwd;

    /** The working directory of {@code task}'s process. */
    String cwd(Task task) {
        return cwds.getOrDefault(task.tgid(), initialCwd);
    }

    /** A name as the kernel walks it from the working directory: absolute (and empty, refused later) names as they are. */
    String fromCwd(Task task, String p) {
        if (p.startsWith("/") || p.isEmpty()) return p;
        String cwd = cwd(task);
        return cwd.equals("/") ? "/" + p : cwd + "/" + p;
    }

    /** dup_fd() and copy_fs() at fork: the child shares the parent's open files and starts in its directory. */
    void forkFiles(Task parent, Task child) {
        String cwd = cwds.get(parent.tgid());
        if (cwd != null) cwds.put(child.tgid(), cwd);
        Integer mask = umasks.get(parent.tgid());
        if (mask != null) umasks.put(child.tgid(), mask);
        tables.put(child.tgid(), files(parent).copy());
    }

    /** exit_files() and exit_fs(). */
    void exitFiles(Task task) {
        cwds.remove(task.tgid());
        umasks.remove(task.tgid());
        FdTable t = tables.remove(task.tgid());
        if (t != null) t.closeAll();
    }

    /** do_close_on_exec(). */
    void execFiles(Task task) {
        files(task).closeOnExec();
    }

    private String path(MmStruct mm, long uaddr) {
        byte[] b = uaccess.strncpyFromUser(mm, uaddr, PATH_MAX);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Models getname_flags(): the name at {@code uaddr}, or an Integer errno: EFAULT, ENAMETOOLONG
     * when PATH_MAX bytes hold no NUL, and ENOENT for an empty name unless {@code emptyOk}
     * (LOOKUP_EMPTY).
     */
    private Object getname(MmStruct mm, long uaddr, boolean emptyOk) {
        String p = path(mm, uaddr);
        if (p == null) {
            // strncpy_from_user() stopped at a fault, or read PATH_MAX bytes without finding the end.
            boolean readable = uaccess.copyFromUser(mm, new byte[PATH_MAX], 0, uaddr, PATH_MAX) == 0;
            return readable ? -Errno.ENAMETOOLONG : -Errno.EFAULT;
        }
        return p.isEmpty() && !emptyOk ? (Object) (-Errno.ENOENT) : p;
    }

    /**
     * The path an *at() call names: absolute paths as they are, relative ones against the working
     * directory or the directory {@code dirfd} refers to; an Integer errno (EBADF, ENOTDIR) otherwise.
     */
    private Object resolveAt(Task task, int dirfd, String p) {
        if (p.startsWith("/")) return p;
        if (dirfd == AT_FDCWD) return fromCwd(task, p);
        OpenFile dir = files(task).get(dirfd);
        if (dir == null) return -Errno.EBADF;
        if (!(dir.content() instanceof OpenFile.Directory)) return -Errno.ENOTDIR;
        return p.isEmpty() ? dir.path() : dir.path() + "/" + p;
    }

    /** The flags open() and openat() know (VALID_OPEN_FLAGS); others are dropped, never refused. */
    static final int VALID_OPEN_FLAGS = 0x7fffc3;
    /** O_PATH keeps only these (O_PATH_FLAGS). */
    static final int O_PATH = 0x200000, O_NOFOLLOW = 0x20000, O_TMPFILE_BIT = 0x400000,
            O_PATH_FLAGS = Vfs.O_DIRECTORY | O_NOFOLLOW | O_PATH | Vfs.O_CLOEXEC;

    /**
     * Models build_open_how() and build_open_flags() for open() and openat(): unknown flags are
     * dropped, O_PATH keeps only O_PATH_FLAGS, and what cannot be is EINVAL: O_CREAT with
     * O_DIRECTORY (it once created regular files), O_TMPFILE without O_DIRECTORY (__O_TMPFILE
     * alone) or with O_CREAT, or with a read-only access mode. The flags to open with (never negative), or
     * a negative errno.
     */
    static int buildOpenFlags(int flags) {
        flags &= VALID_OPEN_FLAGS;
        if ((flags & O_PATH) != 0) flags &= O_PATH_FLAGS;
        if ((flags & (Vfs.O_CREAT | Vfs.O_DIRECTORY)) == (Vfs.O_CREAT | Vfs.O_DIRECTORY)) return -Errno.EINVAL;
        if ((flags & O_TMPFILE_BIT) != 0) {
            int mask = O_TMPFILE_BIT | Vfs.O_DIRECTORY | Vfs.O_CREAT; // O_TMPFILE_MASK
            if ((flags & mask) != (O_TMPFILE_BIT | Vfs.O_DIRECTORY)) return -Errno.EINVAL;
            // The access mode must write; O_TRUNC, which asks for write permission too, does not count.
            if ((flags & Vfs.O_ACCMODE) == Vfs.O_RDONLY) return -Errno.EINVAL;
        }
        return flags;
    }

    /**
     * Models do_sys_openat2(): the flags first (build_open_flags()), then the name (getname():
     * EFAULT, ENAMETOOLONG, ENOENT when empty), and only then {@code dirfd} and the lookup;
     * {@code mode} is what a file O_CREAT makes gets, before the umask.
     */
    long openat(Task task, int dirfd, long pathname, int flags, int mode) {
        flags = buildOpenFlags(flags);
        if (flags < 0) return flags;
        Object name = getname(task.mm(), pathname, false);
        if (name instanceof Integer e) return e;
        String raw = (String) name;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        String p = (String) at;
        Object r = vfs.open(p, flags | O_LARGEFILE, mode, task);
        if (r instanceof Integer e) return e;
        return files(task).install((OpenFile) r, (flags & Vfs.O_CLOEXEC) != 0, nofile.applyAsInt(task));
    }

    long close(Task task, long fd) {
        return files(task).close(fd) ? 0 : -Errno.EBADF;
    }

    private long putStat(MmStruct mm, Stat st, long statbuf) {
        byte[] b = st.toBytes();
        return uaccess.copyToUser(mm, statbuf, b, 0, b.length) < 0 ? -Errno.EFAULT : 0;
    }

    private static Stat statOf(OpenFile f) {
        return switch (f.content()) {
            case OpenFile.Readable b -> b.stat();
            case OpenFile.Console c -> Stat.console(c.hostFd());
            case OpenFile.Directory d -> d.stat();
            case OpenFile.Device d -> d.stat();
            case OpenFile.ProcMem m -> m.stat();
            case OpenFile.PidFd p -> p.stat();
            case OpenFile.Secretmem s -> s.inode().stat();
            case OpenFile.Userfaultfd u -> u.stat();
            case OpenFile.PipeEnd p -> new Stat(0xd, 1000, 1, Stat.S_IFIFO | 0600, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
            // sockfs' inode: S_IFSOCK with every permission bit (sock_alloc()), size 0.
            case OpenFile.Socket s -> new Stat(0x8, s.sock().ino(), 1, Stat.S_IFSOCK | 0777, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        };
    }

    long fstat(Task task, long fd, long statbuf) {
        OpenFile f = files(task).get(fd);
        return f == null ? -Errno.EBADF : putStat(task.mm(), statOf(f), statbuf);
    }

    /** Models vfs_fstatat(): AT_EMPTY_PATH on a descriptor, else a path. */
    long newfstatat(Task task, int dirfd, long pathname, long statbuf, int flags) {
        String raw = path(task.mm(), pathname);
        if (raw == null) return -Errno.EFAULT;
        if (raw.isEmpty()) {
            if ((flags & AT_EMPTY_PATH) == 0) return -Errno.ENOENT;
            return dirfd == AT_FDCWD ? putStat(task.mm(), rootStat(), statbuf) : fstat(task, dirfd, statbuf);
        }
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        String p = (String) at;
        if ((flags & AT_SYMLINK_NOFOLLOW) != 0) {
            Stat link = vfs.linkStat(p, task);
            if (link != null) return putStat(task.mm(), link, statbuf);
        }
        Object r = vfs.open(p, 0, task);
        if (r instanceof Integer e) return e == -Errno.EISDIR ? putStat(task.mm(), rootStat(), statbuf) : e;
        return putStat(task.mm(), statOf((OpenFile) r), statbuf);
    }

    static final int F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4, AT_EACCESS = 0x200;
    static final int CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2;

    /**
     * Models do_faccessat(), fs/open.c (access, faccessat, faccessat2): EINVAL for mode bits beyond
     * R_OK|W_OK|X_OK or unknown flags; without AT_EACCESS the check runs with the real uid, and
     * with no capabilities unless that uid is root (access_override_creds()); the name as
     * getname() takes it (AT_EMPTY_PATH allows an empty one: the descriptor's file); then
     * inode_permission(): EROFS for writing a regular file, directory or link of a read-only
     * mount (here everything but /tmp, /proc and devices), generic_permission()'s owner, group and
     * other bits with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (root needs an x bit to execute a
     * regular file). The group is always root's (see Credentials).
     */
    long faccessat(Task task, Cred cred, int dfd, long pathname, int mode, int flags) {
        if ((mode & ~(R_OK | W_OK | X_OK)) != 0) return -Errno.EINVAL;
        if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        int fsuid = cred.fsuid();
        long caps = cred.capEffective();
        if ((flags & AT_EACCESS) == 0) {
            fsuid = cred.uid();
            caps = cred.uid() == 0 ? cred.capPermitted() : 0;
        }
        Object name = getname(task.mm(), pathname, (flags & AT_EMPTY_PATH) != 0);
        if (name instanceof Integer e) return e;
        String raw = (String) name;
        Stat st;
        boolean readOnly;
        if (raw.isEmpty() && dfd != AT_FDCWD) {
            OpenFile f = files(task).get(dfd);
            if (f == null) return -Errno.EBADF;
            st = statOf(f);
            readOnly = onReadOnlyMount(f);
        } else {
            Object at = resolveAt(task, dfd, raw.isEmpty() ? cwd(task) : raw); // AT_EMPTY_PATH on AT_FDCWD: the directory
            if (at instanceof Integer e) return e;
            String p = (String) at;
            if ((flags & AT_SYMLINK_NOFOLLOW) != 0 && vfs.linkTarget(p, task) != null) {
                st = new Stat(0x16, 0, 1, 0120777, 0, 0, 0, 0, 1024, 0, 0, 0, 0, 0, 0, 0); // proc's links: lrwxrwxrwx
                readOnly = false;
            } else {
                Object r = vfs.open(p, 0, task);
                if (r instanceof Integer e && e != -Errno.EISDIR) return e;
                OpenFile f = r instanceof OpenFile o ? o : null;
                st = f == null ? rootStat() : statOf(f);
                readOnly = f == null || onReadOnlyMount(f);
            }
        }
        int type = st.mode() & 0170000;
        boolean regDirLnk = type == Stat.S_IFREG || type == Stat.S_IFDIR || type == 0120000;
        if ((mode & W_OK) != 0 && readOnly && regDirLnk) return -Errno.EROFS; // sb_permission()
        return genericPermission(st, fsuid, caps, mode);
    }

    /** Models generic_permission() for {@code mask} (MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1) with the given fsuid and capabilities. */
    private static long genericPermission(Stat st, int fsuid, long caps, int mask) {
        int mode = st.mode();
        int bits = fsuid == st.uid() ? mode >> 6 : st.gid() == 0 ? mode >> 3 : mode; // acl_permission_check(); fsgid 0
        if ((mask & ~bits & 7) == 0) return 0;
        boolean dacOverride = (caps & (1L << CAP_DAC_OVERRIDE)) != 0, readSearch = (caps & (1L << CAP_DAC_READ_SEARCH)) != 0;
        if ((mode & 0170000) == Stat.S_IFDIR) {
            if ((mask & W_OK) == 0 && readSearch) return 0;
            return dacOverride ? 0 : -Errno.EACCES;
        }
        if (((mask & X_OK) == 0 || (mode & 0111) != 0) && dacOverride) return 0;
        if ((mask & 7) == R_OK && readSearch) return 0;
        return -Errno.EACCES;
    }

    /** sizeof(struct statfs) on x86-64. */
    static final int STATFS_SIZE = 120;
    static final long PROC_SUPER_MAGIC = 0x9fa0, SYSFS_MAGIC = 0x62656572, TMPFS_MAGIC = 0x01021994,
            PIPEFS_MAGIC = 0x50495045, SOCKFS_MAGIC = 0x534f434b, OVERLAYFS_SUPER_MAGIC = 0x794c7630;
    static final int ST_RDONLY = 1, ST_VALID = 0x20, NAME_MAX = 255;

    /** Models user_statfs(), fs/statfs.c: the name's lookup (getname()'s errors, ENOENT, ENOTDIR), then {@link #putStatfs}. */
    long statfs(Task task, long pathname, long buf) {
        Object name = getname(task.mm(), pathname, false);
        if (name instanceof Integer e) return e;
        String p = fromCwd(task, (String) name);
        Object r = vfs.open(p, 0, task);
        if (r instanceof Integer e && e != -Errno.EISDIR) return e;
        return putStatfs(task.mm(), buf, r instanceof OpenFile f ? f : null, p);
    }

    /** Models fd_statfs(): EBADF, then {@link #putStatfs}. */
    long fstatfs(Task task, long fd, long buf) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        return putStatfs(task.mm(), buf, f, f.path());
    }

    /**
     * Models vfs_statfs() and do_statfs_native()'s copy (EFAULT): the file system's magic (procfs,
     * sysfs, tmpfs for /tmp, memfds and the devices of devtmpfs, pipefs for pipes and the console,
     * and overlayfs' for the root file system, writable: the model does not ask the host which
     * file system --root lies on), 4 KiB blocks and 255-byte
     * names. No block or inode counts: the model's tmpfs has no size limit (as a tmpfs mounted
     * with size=0 reports none) and it does not account the host's disks, whose free space would
     * make runs differ; ST_RDONLY marks only the program's own file outside the root.
     */
    private long putStatfs(MmStruct mm, long buf, OpenFile f, String path) {
        long type;
        boolean rdonly = false;
        if (path.startsWith("/proc")) {
            type = PROC_SUPER_MAGIC;
        } else if (path.startsWith("/sys")) {
            type = SYSFS_MAGIC;
        } else if (f == null) {
            type = OVERLAYFS_SUPER_MAGIC;
        } else {
            type = switch (f.content()) {
                case OpenFile.Shmem s -> s.inode().stat().dev() == Overlay.DEV ? OVERLAYFS_SUPER_MAGIC : TMPFS_MAGIC;
                case OpenFile.Device d -> TMPFS_MAGIC;
                case OpenFile.PipeEnd pe -> PIPEFS_MAGIC;
                case OpenFile.Console c -> PIPEFS_MAGIC;
                case OpenFile.Socket s -> SOCKFS_MAGIC;
                default -> f.path().equals(Tmpfs.MOUNT) ? TMPFS_MAGIC : OVERLAYFS_SUPER_MAGIC;
            };
            rdonly = onReadOnlyMount(f);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(STATFS_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, type).putLong(8, 4096).putLong(64, NAME_MAX).putLong(72, 4096)
                .putLong(80, ST_VALID | (rdonly ? ST_RDONLY : 0));
        return uaccess.copyToUser(mm, buf, b.array(), 0, STATFS_SIZE) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Whether {@code f} lies on a read-only mount: only the program's own file reached by its host
     * path outside the root file system (the root's lower files are writable by copy-up).
     */
    private boolean onReadOnlyMount(OpenFile f) {
        return switch (f.content()) {
            case OpenFile.Bytes b -> vfs.overlay().kind(f.path()) == Overlay.Kind.NONE;
            default -> false;
        };
    }

    private static Stat rootStat() {
        return new Stat(0x801, 2, 2, Stat.S_IFDIR | 0755, 0, 0, 0, 4096, 4096, 8, 0, 0, 0, 0, 0, 0);
    }

    /** Models do_fcntl() for descriptor flags, status flags and duplication. */
    long fcntl(Task task, long fd, int cmd, long arg) {
        FdTable t = files(task);
        OpenFile f = t.get(fd);
        if (f == null) return -Errno.EBADF;
        return switch (cmd) {
            case F_GETFD -> t.closeOnExec((int) fd) ? FD_CLOEXEC : 0;
            case F_SETFD -> {
                t.setCloseOnExec((int) fd, (arg & FD_CLOEXEC) != 0);
                yield 0;
            }
            // do_dentry_open() clears the open-time flags O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC.
            case F_GETFL -> f.content() instanceof OpenFile.Console c ? (c.hostFd() == 0 ? 0 : O_WRONLY) : f.flags()
                    & ~Vfs.O_CLOEXEC & ~(Vfs.O_CREAT | O_EXCL | O_NOCTTY | Vfs.O_TRUNC);
            case F_SETFL -> {
                f.setStatusFlags((int) arg);
                yield 0;
            }
            case F_DUPFD, F_DUPFD_CLOEXEC -> {
                // f_dupfd(): the start is an unsigned int, and must lie below RLIMIT_NOFILE.
                int end = nofile.applyAsInt(task);
                long from = arg & 0xffff_ffffL;
                if (from >= end) yield -Errno.EINVAL;
                yield t.installFrom((int) from, f, cmd == F_DUPFD_CLOEXEC, end);
            }
            case Memfd.F_ADD_SEALS, Memfd.F_GET_SEALS -> Memfd.memfdFcntl(f, cmd, arg);
            default -> -Errno.EINVAL;
        };
    }

    /** fd_install() of a new open file at the lowest free descriptor below RLIMIT_NOFILE; -EMFILE when none. */
    long installNew(Task task, OpenFile f, boolean closeOnExec) {
        return files(task).install(f, closeOnExec, nofile.applyAsInt(task));
    }

    /** Models ksys_dup3() (and dup2(), which allows oldfd == newfd). */
    long dup3(Task task, long oldfd, long newfd, int flags, boolean dup2) {
        FdTable t = files(task);
        OpenFile f = t.get(oldfd);
        if ((flags & ~Vfs.O_CLOEXEC) != 0) return -Errno.EINVAL;
        if (f == null) return -Errno.EBADF;
        if (newfd < 0 || newfd >= nofile.applyAsInt(task)) return -Errno.EBADF;
        if (oldfd == newfd) return dup2 ? newfd : -Errno.EINVAL;
        t.installAt((int) newfd, f, (flags & Vfs.O_CLOEXEC) != 0);
        return newfd;
    }

    /**
     * Models do_readlinkat(): {@code bufsiz} (an int) must be positive before anything else; the
     * name may be empty (LOOKUP_EMPTY: then {@code dirfd} itself is looked at, EBADF if it is no
     * descriptor, else ENOENT as it is no symlink); the link's target is copied truncated to
     * bufsiz, without a NUL.
     */
    long readlinkat(Task task, int dirfd, long pathname, long buf, int bufsiz) {
        if (bufsiz <= 0) return -Errno.EINVAL;
        Object name = getname(task.mm(), pathname, true);
        if (name instanceof Integer e) return e;
        String raw = (String) name;
        if (raw.isEmpty()) return dirfd != AT_FDCWD && files(task).get(dirfd) == null ? -Errno.EBADF : -Errno.ENOENT;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        Object r = vfs.readlink((String) at, task);
        if (r instanceof Integer e) return e;
        byte[] target = (byte[]) r;
        int n = (int) Math.min(target.length, bufsiz);
        return uaccess.copyToUser(task.mm(), buf, target, 0, n) < 0 ? -Errno.EFAULT : n;
    }

    static final int O_APPEND = 0x400, O_EXCL = 0x80, O_NOCTTY = 0x100, AT_REMOVEDIR = 0x200;

    /** Models do_ftruncate(): EINVAL unless a regular file open for writing; EFBIG past s_maxbytes. */
    long ftruncate(Task task, long fd, long length) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        if (length < 0) return -Errno.EINVAL;
        if (f.content() instanceof OpenFile.Secretmem s) {
            // secretmem_setattr(): the size is set once; then any change (or none) is EINVAL.
            return s.inode().size() != 0 ? -Errno.EINVAL : s.inode().setSize(length);
        }
        if (!(f.content() instanceof OpenFile.Shmem s) || (f.flags() & O_ACCMODE) == 0) return -Errno.EINVAL;
        return s.inode().setSize(length);
    }

    /** fallocate(2) modes: keep the size; punch a hole (shmem: pages leave the page cache). */
    static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    /** FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE: every mode bit vfs_fallocate() knows. */
    private static final int FALLOC_FL_KNOWN = 0x7f;

    /**
     * Models ksys_fallocate() → vfs_fallocate() → shmem_fallocate() for mode 0, FALLOC_FL_KEEP_SIZE
     * and FALLOC_FL_PUNCH_HOLE: the checks in vfs_fallocate()'s order, then a hole punched
     * ({@link TmpfsInode#punchHole}), or (without KEEP_SIZE) i_size grown to {@code offset + len}
     * as shmem does, refused under F_SEAL_GROW (EPERM); pages stay allocated on demand. Only tmpfs
     * files (memfd, /tmp) have a fallocate operation here; the other modes are EOPNOTSUPP.
     */
    long fallocate(Task task, long fd, int mode, long offset, long len) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        if (offset < 0 || len <= 0) return -Errno.EINVAL;
        if ((mode & ~FALLOC_FL_KNOWN) != 0) return -Errno.EOPNOTSUPP;
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0 && (mode & FALLOC_FL_KEEP_SIZE) == 0) return -Errno.EOPNOTSUPP;
        if ((f.flags() & O_ACCMODE) == 0) return -Errno.EBADF;
        if (f.content() instanceof OpenFile.PipeEnd || f.content() instanceof OpenFile.Console) return -Errno.ESPIPE;
        if (f.content() instanceof OpenFile.Directory) return -Errno.EISDIR;
        if (f.content() instanceof OpenFile.Secretmem) return -Errno.EOPNOTSUPP; // a regular file without ->fallocate
        if (!(f.content() instanceof OpenFile.Shmem s)) return -Errno.ENODEV;
        if (offset + len < 0) return -Errno.EFBIG;
        if (s.inode().isHugetlbfs()) return hugetlbfsFallocate(s.inode(), mode, offset, len);
        if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) != 0) return -Errno.EOPNOTSUPP;
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) return s.inode().punchHole(offset, len);
        if ((mode & FALLOC_FL_KEEP_SIZE) != 0 || offset + len <= s.inode().size()) return 0;
        long r = s.inode().setSize(offset + len);
        return r < 0 ? r : 0;
    }

    /**
     * Models hugetlbfs_fallocate(), fs/hugetlbfs/inode.c, with an empty hugetlb pool: punching a
     * hole frees nothing (EPERM under a write seal); allocating is EFBIG past the size limit,
     * EPERM past i_size under F_SEAL_GROW, then ENOSPC at the first huge page, which no pool
     * can supply (alloc_hugetlb_folio()).
     */
    private static long hugetlbfsFallocate(io.mmemu.kernel.fs.TmpfsInode inode, int mode, long offset, long len) {
        if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) != 0) return -Errno.EOPNOTSUPP;
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) return inode.writeSealed() ? -Errno.EPERM : 0; // hugetlbfs_punch_hole()
        if (offset + len > io.mmemu.kernel.fs.TmpfsInode.MAX_LFS_FILESIZE) return -Errno.EFBIG; // inode_newsize_ok()
        if ((inode.seals() & io.mmemu.kernel.fs.TmpfsInode.F_SEAL_GROW) != 0 && offset + len > inode.size()) return -Errno.EPERM;
        return -Errno.ENOSPC;
    }

    /** Models do_sys_truncate(). */
    long truncate(Task task, long pathname, long length) {
        String p = path(task.mm(), pathname);
        if (p == null) return -Errno.EFAULT;
        return vfs.truncate(fromCwd(task, p), length, task);
    }

    /** Models do_unlinkat() and do_rmdir() (unlinkat with AT_REMOVEDIR); other flags are EINVAL. */
    long unlinkat(Task task, int dirfd, long pathname, int flags) {
        if ((flags & ~AT_REMOVEDIR) != 0) return -Errno.EINVAL;
        String raw = path(task.mm(), pathname);
        if (raw == null) return -Errno.EFAULT;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        return vfs.unlink((String) at, (flags & AT_REMOVEDIR) != 0, task);
    }

    /** The names of a two-name call (rename, link, symlink): each by getname() (EFAULT, ENAMETOOLONG, ENOENT), then joined to its directory. */
    private Object[] twoNames(Task task, int olddfd, long oldname, int newdfd, long newname, boolean oldIsTarget) {
        Object a = getname(task.mm(), oldname, false);
        if (a instanceof Integer e) return new Object[] {e};
        Object b = getname(task.mm(), newname, false);
        if (b instanceof Integer e) return new Object[] {e};
        Object from = oldIsTarget ? a : resolveAt(task, olddfd, (String) a);
        if (from instanceof Integer e) return new Object[] {e};
        Object to = resolveAt(task, newdfd, (String) b);
        if (to instanceof Integer e) return new Object[] {e};
        return new Object[] {from, to};
    }

    /** Models do_mkdirat(), fs/namei.c. */
    long mkdirat(Task task, int dirfd, long pathname, int mode) {
        Object name = getname(task.mm(), pathname, false);
        if (name instanceof Integer e) return e;
        Object at = resolveAt(task, dirfd, (String) name);
        if (at instanceof Integer e) return e;
        return vfs.mkdir((String) at, mode, task);
    }

    /** Models do_renameat2(), fs/namei.c (rename, renameat, renameat2). */
    long renameat2(Task task, int olddfd, long oldname, int newdfd, long newname, int flags) {
        Object[] names = twoNames(task, olddfd, oldname, newdfd, newname, false);
        if (names.length == 1) return (Integer) names[0];
        return vfs.rename((String) names[0], (String) names[1], flags, task);
    }

    static final int AT_SYMLINK_FOLLOW = 0x400;

    /** Models do_linkat(), fs/namei.c (link, linkat): flags other than AT_SYMLINK_FOLLOW and AT_EMPTY_PATH are EINVAL. */
    long linkat(Task task, int olddfd, long oldname, int newdfd, long newname, int flags) {
        if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        if ((flags & AT_EMPTY_PATH) != 0) {
            // AT_EMPTY_PATH (root has CAP_DAC_READ_SEARCH): an empty old name is olddfd's own file.
            Object a = getname(task.mm(), oldname, true);
            if (a instanceof Integer e) return e;
            if (((String) a).isEmpty()) {
                Object b = getname(task.mm(), newname, false);
                if (b instanceof Integer e) return e;
                if (olddfd == AT_FDCWD) return -Errno.EPERM; // the working directory: no links to directories
                OpenFile f = files(task).get(olddfd);
                if (f == null) return -Errno.EBADF;
                Object to = resolveAt(task, newdfd, (String) b);
                if (to instanceof Integer e) return e;
                return vfs.linkFile(f, (String) to, task);
            }
        }
        Object[] names = twoNames(task, olddfd, oldname, newdfd, newname, false);
        if (names.length == 1) return (Integer) names[0];
        return vfs.link((String) names[0], (String) names[1], (flags & AT_SYMLINK_FOLLOW) != 0, task);
    }

    /** Models do_symlinkat(), fs/namei.c (symlink, symlinkat): the target is stored as written, never looked up. */
    long symlinkat(Task task, long target, int newdfd, long newname) {
        Object[] names = twoNames(task, AT_FDCWD, target, newdfd, newname, true);
        if (names.length == 1) return (Integer) names[0];
        return vfs.symlink((String) names[0], (String) names[1], task);
    }

    /** Models do_fchmodat() (flags: only AT_SYMLINK_NOFOLLOW, which fchmodat2 knows; the old call has none). */
    long fchmodat(Task task, int dirfd, long pathname, int mode) {
        String raw = path(task.mm(), pathname);
        if (raw == null) return -Errno.EFAULT;
        Object at = resolveAt(task, dirfd, raw);
        if (at instanceof Integer e) return e;
        return vfs.chmod((String) at, mode, task);
    }

    /** Models fchmod(). */
    long fchmod(Task task, long fd, int mode) {
        OpenFile f = files(task).get(fd);
        return f == null ? -Errno.EBADF : vfs.chmod(f, mode);
    }

    /** Models do_fsync(): tmpfs and the read-only files have nothing to write back (noop_fsync()); pipes, sockets and the console EINVAL. */
    long fsync(Task task, long fd) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        return f.content() instanceof OpenFile.PipeEnd || f.content() instanceof OpenFile.Console
                || f.content() instanceof OpenFile.Socket ? -Errno.EINVAL : 0;
    }

    /**
     * Models getcwd(), fs/d_path.c: the working directory's path with its NUL to {@code buf};
     * ERANGE when {@code size} cannot hold it, EFAULT; the length copied.
     */
    long getcwd(Task task, long buf, long size) {
        byte[] path = cwd(task).getBytes(StandardCharsets.UTF_8);
        byte[] cwd = java.util.Arrays.copyOf(path, path.length + 1);
        if (Long.compareUnsigned(size, cwd.length) < 0) return -Errno.ERANGE;
        return uaccess.copyToUser(task.mm(), buf, cwd, 0, cwd.length) < 0 ? -Errno.EFAULT : cwd.length;
    }

    /**
     * Models chdir(), fs/open.c: the name (getname()'s EFAULT, ENAMETOOLONG, ENOENT), looked up
     * from the working directory; ENOENT, ENOTDIR for what is not a directory, then
     * path_permission(MAY_EXEC | MAY_CHDIR) (EACCES); the process then works there.
     */
    long chdir(Task task, Cred cred, long pathname) {
        Object name = getname(task.mm(), pathname, false);
        if (name instanceof Integer e) return e;
        String p = fromCwd(task, (String) name);
        Object r = vfs.open(p, Vfs.O_DIRECTORY, task);
        if (r instanceof Integer e) return e;
        return setPwd(task, cred, (OpenFile) r);
    }

    /** Models fchdir(): EBADF, ENOTDIR unless the descriptor is a directory, then the permission to search it. */
    long fchdir(Task task, Cred cred, long fd) {
        OpenFile f = files(task).get(fd);
        if (f == null) return -Errno.EBADF;
        if (!(f.content() instanceof OpenFile.Directory)) return -Errno.ENOTDIR;
        return setPwd(task, cred, f);
    }

    /** set_fs_pwd() after path_permission(MAY_EXEC | MAY_CHDIR) with the caller's fsuid and capabilities. */
    private long setPwd(Task task, Cred cred, OpenFile dir) {
        long r = genericPermission(statOf(dir), cred.fsuid(), cred.capEffective(), X_OK);
        if (r != 0) return r;
        String path = java.nio.file.Path.of(dir.path()).normalize().toString();
        cwds.put(task.tgid(), path);
        return 0;
    }


    /**
     * Models getdents64() ({@code old} false) and getdents() ({@code old} true), fs/readdir.c:
     * EBADF, ENOTDIR for what is not a directory (iterate_dir()), then filldir64()/filldir() from
     * the file position: "." and ".." (positions 0 and 1), then {@link Vfs#readdir}'s entries, each
     * record 8-byte aligned (struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name with its
     * NUL; linux_dirent: d_ino, d_off, d_reclen, d_name, NUL, d_type in the last byte). d_off is
     * the position after the entry, which lseek() takes back. EINVAL when the first record does
     * not fit; EFAULT when nothing could be written; 0 at the end.
     */
    long getdents(Task task, long fd, long dirent, long count, boolean old) {
        OpenFile f = files(task).get(fd);
        if (f == null || (f.flags() & O_PATH) != 0) return -Errno.EBADF;
        if (!(f.content() instanceof OpenFile.Directory d)) return -Errno.ENOTDIR;
        java.util.List<Vfs.Dirent> entries = new java.util.ArrayList<>();
        String parent = java.nio.file.Path.of(f.path()).getParent() == null ? "/" : java.nio.file.Path.of(f.path()).getParent().toString();
        entries.add(new Vfs.Dirent(".", d.stat().ino(), Vfs.DT_DIR));
        Object p = vfs.open(parent, Vfs.O_RDONLY, task);
        long parentIno = p instanceof OpenFile pf && pf.content() instanceof OpenFile.Directory pd ? pd.stat().ino() : d.stat().ino();
        entries.add(new Vfs.Dirent("..", parentIno, Vfs.DT_DIR));
        long pos = f.pos();
        entries.addAll(vfs.readdir(f, task));
        int room = (int) Math.min(count & 0xffff_ffffL, Integer.MAX_VALUE);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int error = -Errno.EINVAL;
        for (long i = pos; i < entries.size(); i++) {
            Vfs.Dirent e = entries.get((int) i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            int reclen = old ? (18 + name.length + 2 + 7) & ~7 : (19 + name.length + 1 + 7) & ~7;
            if (reclen > room - out.size()) break;
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(reclen).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putLong(0, e.ino()).putLong(8, i + 1).putShort(16, (short) reclen);
            if (old) {
                b.put(18, name).put(reclen - 1, (byte) e.dtype());
            } else {
                b.put(18, (byte) e.dtype()).put(19, name);
            }
            out.writeBytes(b.array());
            error = 0;
        }
        if (pos >= entries.size()) return 0;
        if (out.size() == 0) return error;
        byte[] bytes = out.toByteArray();
        if (uaccess.copyToUser(task.mm(), dirent, bytes, 0, bytes.length) < 0) return -Errno.EFAULT;
        long entriesWritten = 0;
        for (int off = 0; off < bytes.length; off += (bytes[off + 16] & 0xff) | (bytes[off + 17] & 0xff) << 8) entriesWritten++;
        f.setPos(pos + entriesWritten);
        return bytes.length;
    }

    /** Models vfs_ioctl() for the tty ioctls: no open file is a terminal here (ENOTTY); a descriptor that is not open is EBADF. */
    long ioctl(Task task, int fd, int cmd) {
        return files(task).get(fd) == null ? -Errno.EBADF : -Errno.ENOTTY;
    }
}
