/*
 * sys-fs-write: a program that writes where it runs. In a directory of its own made in its working
 * directory (natively the host's, under mmemu the in-memory upper layer over the guest's root):
 * create with O_CREAT/O_EXCL/O_TRUNC/O_APPEND, write, fsync, ftruncate, read back; rename (files,
 * directories, RENAME_NOREPLACE) and its ENOENT/EISDIR/ENOTDIR/ENOTEMPTY/EINVAL/EEXIST; link and
 * nlink; symlink, readlink, lstat, links followed (40 in a chain, ELOOP at 41 and on a loop,
 * O_NOFOLLOW, a dangling link created through, a link to a directory for chdir); unlink and rmdir
 * and their EISDIR/ENOTDIR/ENOTEMPTY/EINVAL; a file written after its unlink; getdents64 of the
 * directory (names sorted here: file systems list in their own order); O_TMPFILE; /proc/self/cwd and
 * /proc/self/fd/N; a shared mapping of a created file; getcwd after chdir, fchdir. Paths are
 * printed relative to the starting directory; umask(2) masking created files and directories and
 * inherited by fork; shm_open()/shm_unlink() in /dev/shm, shared with a forked child. Removes
 * everything it made. Exits 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "mmtest.h"

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static char start[4096];

static void cwd(const char *what) {
    char buf[4096];
    if (syscall(SYS_getcwd, buf, sizeof buf) < 0) {
        printf("%s: getcwd %s\n", what, ename(errno));
        return;
    }
    size_t n = strlen(start);
    printf("%s: cwd %s\n", what, strncmp(buf, start, n) == 0 ? buf + (n == 1 ? 0 : n) : "(elsewhere)");
}

static void show_stat(const char *what, const char *path, int follow) {
    struct stat st;
    errno = 0;
    int r = follow ? stat(path, &st) : lstat(path, &st);
    if (r < 0) {
        printf("%s: %s\n", what, ename(errno));
        return;
    }
    const char *type = S_ISREG(st.st_mode) ? "reg" : S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "lnk" : "other";
    printf("%s: %s mode %o nlink %ld", what, type, st.st_mode & 07777, (long)st.st_nlink);
    if (!S_ISDIR(st.st_mode)) printf(" size %ld", (long)st.st_size);
    printf("\n");
}

static void read_back(const char *what, const char *path) {
    char buf[128] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open %s\n", what, ename(errno));
        return;
    }
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s: %ld [%s]\n", what, n, buf);
}

static void link_target(const char *what, const char *path) {
    char buf[4096];
    errno = 0;
    long n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) {
        printf("%s: %s\n", what, ename(errno));
        return;
    }
    buf[n] = 0;
    size_t s = strlen(start);
    printf("%s: [%s]\n", what, buf[0] == '/' && strncmp(buf, start, s) == 0 ? buf + (s == 1 ? 0 : s) : buf);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *what) {
    char buf[4096], *names[64];
    int fd = open(".", O_RDONLY | O_DIRECTORY), n = 0;
    long len;
    while ((len = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < len;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            char *e = malloc(300);
            snprintf(e, 300, "%s:%s", d->d_name, d->d_type == DT_DIR ? "dir" : d->d_type == DT_REG ? "reg" : d->d_type == DT_LNK ? "lnk" : "?");
            if (n < 64) names[n++] = e;
            off += d->d_reclen;
        }
    }
    close(fd);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", what);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

/*
 * "lower DIR" (mmemu only, CliTest with --root): DIR is a directory of the read-only lower layer
 * holding "file" (the text "lower"), "other" and an empty "sub". Append to file (copied up), chmod
 * it, rename it, remove other and sub (whited out), make a directory and a link, and list: the
 * guest sees every change, the host's DIR none.
 */
static int lower_mode(const char *dir) {
    int fd;
    R("chdir DIR", chdir(dir));
    read_back("file before", "file");
    R("open file O_APPEND", fd = open("file", O_WRONLY | O_APPEND));
    R("append", write(fd, "+upper", 6));
    close(fd);
    read_back("file after", "file");
    R("chmod file 0600", chmod("file", 0600));
    show_stat("stat file", "file", 1);
    R("rename file renamed", rename("file", "renamed"));
    R("unlink other", unlink("other"));
    R("rmdir sub", rmdir("sub"));
    R("mkdir sub again", mkdir("sub", 0755));
    R("create sub/new", fd = open("sub/new", O_CREAT | O_WRONLY, 0644));
    close(fd);
    R("symlink renamed ln", symlink("renamed", "ln"));
    read_back("read ln", "ln");
    R("truncate ln 3", truncate("ln", 3));
    read_back("read renamed", "renamed");
    list("listing");
    R("chdir sub", chdir("sub"));
    list("listing sub");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "lower") == 0) return lower_mode(argv[2]);
    syscall(SYS_umask, 022); /* natively the runner's umask may differ; mmemu's processes have 022 */
    if (!getcwd(start, sizeof start)) return 1;
    R("mkdir sys-fs-write.d", mkdir("sys-fs-write.d", 0755));
    R("mkdir again", mkdir("sys-fs-write.d", 0755));
    R("chdir sys-fs-write.d", chdir("sys-fs-write.d"));
    cwd("in it");
    show_stat("stat .", ".", 1);

    /* the umask: masks created files and directories, inherited by fork */
    int fd;
    R("umask 077 (the old mask)", syscall(SYS_umask, 077));
    R("create u 0666", fd = open("u", O_CREAT | O_WRONLY, 0666));
    close(fd);
    show_stat("stat u", "u", 1);
    R("mkdir ud 0777", mkdir("ud", 0777));
    show_stat("stat ud", "ud", 1);
    fflush(stdout);
    if (fork() == 0) {
        R("child: umask 0 (the inherited mask)", syscall(SYS_umask, 0));
        fflush(stdout);
        _exit(0);
    }
    wait(NULL);
    R("umask 01777022 (the old mask; only 0777 kept)", syscall(SYS_umask, 01777022));
    R("umask 022 (the old mask)", syscall(SYS_umask, 022));
    R("unlink u", unlink("u"));
    R("rmdir ud", rmdir("ud"));

    /* create, write, read back */
    R("create f O_EXCL", fd = open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    R("write", write(fd, "hello world", 11));
    R("fsync", fsync(fd));
    R("fdatasync", fdatasync(fd));
    close(fd);
    R("create f O_EXCL again", open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    read_back("read f", "f");
    show_stat("stat f", "f", 1);
    R("open O_APPEND", fd = open("f", O_WRONLY | O_APPEND));
    R("write appended", write(fd, "!", 1));
    close(fd);
    read_back("read f", "f");
    R("open O_TRUNC", fd = open("f", O_RDWR | O_TRUNC));
    show_stat("stat after O_TRUNC", "f", 1);
    R("write", write(fd, "abc", 3));
    R("ftruncate 100", ftruncate(fd, 100));
    show_stat("stat after ftruncate", "f", 1);
    char tail[4] = {1, 1, 1, 1};
    R("pread at 96", pread(fd, tail, 4, 96));
    printf("zeros %s\n", tail[0] == 0 && tail[3] == 0 ? "yes" : "no");
    R("ftruncate 3", ftruncate(fd, 3));
    close(fd);
    R("open O_CREAT of an existing file keeps it", fd = open("f", O_CREAT | O_WRONLY, 0600));
    close(fd);
    show_stat("stat f", "f", 1);

    /* lookup errors */
    R("open missing", open("missing", O_RDONLY));
    R("open f/", open("f/", O_RDONLY));
    R("open f/x", open("f/x", O_RDONLY));
    R("create missing/x", open("missing/x", O_CREAT | O_WRONLY, 0644));
    R("create new/ (a trailing slash)", open("new/", O_CREAT | O_WRONLY, 0644));
    R("open . for writing", open(".", O_WRONLY));
    R("open f O_DIRECTORY", open("f", O_RDONLY | O_DIRECTORY));
    R("mkdir missing/d", mkdir("missing/d", 0755));
    R("mkdir f/d", mkdir("f/d", 0755));
    R("mkdir f", mkdir("f", 0755));

    /* rename */
    R("rename f g", rename("f", "g"));
    show_stat("stat f", "f", 1);
    read_back("read g", "g");
    R("rename missing h", rename("missing", "h"));
    R("mkdir d", mkdir("d", 0700));
    show_stat("stat d", "d", 1);
    R("rename g d (file onto directory)", rename("g", "d"));
    R("rename d g (directory onto file)", rename("d", "g"));
    R("mkdir d2", mkdir("d2", 0755));
    R("create d2/x", fd = open("d2/x", O_CREAT | O_WRONLY, 0644));
    close(fd);
    R("rename d d2 (onto a non-empty directory)", rename("d", "d2"));
    R("rename d d/sub (into itself)", rename("d", "d/sub"));
    R("renameat2 NOREPLACE onto g", syscall(SYS_renameat2, AT_FDCWD, "d2/x", AT_FDCWD, "g", 1));
    R("renameat2 NOREPLACE to x2", syscall(SYS_renameat2, AT_FDCWD, "d2/x", AT_FDCWD, "x2", 1));
    R("rename d d3 (a directory)", rename("d", "d3"));
    R("rename x2 d3/x (into a directory)", rename("x2", "d3/x"));
    show_stat("stat d3/x", "d3/x", 1);
    R("rename x2 again", rename("x2", "x3"));
    R("rename g g (itself)", rename("g", "g"));
    R("rename . e", rename(".", "e"));
    R("rename g d2/.", rename("g", "d2/."));

    /* hard links */
    R("link g g2", link("g", "g2"));
    show_stat("stat g", "g", 1);
    R("link g g2 again", link("g", "g2"));
    R("link d3 d4 (a directory)", link("d3", "d4"));
    R("link missing m", link("missing", "m"));
    R("open g2 O_APPEND", fd = open("g2", O_WRONLY | O_APPEND));
    R("write through g2", write(fd, "def", 3));
    close(fd);
    read_back("read g", "g");

    /* symbolic links */
    R("symlink g s", symlink("g", "s"));
    link_target("readlink s", "s");
    show_stat("lstat s", "s", 0);
    show_stat("stat s", "s", 1);
    read_back("read s", "s");
    R("symlink g s again", symlink("g", "s"));
    R("symlink empty target", symlink("", "s9"));
    link_target("readlink g (no link)", "g");
    link_target("readlink missing", "missing");
    R("open s O_NOFOLLOW", open("s", O_RDONLY | O_NOFOLLOW));
    R("symlink loop1 loop2", symlink("loop1", "loop2"));
    R("symlink loop2 loop1", symlink("loop2", "loop1"));
    R("open loop1", open("loop1", O_RDONLY));
    R("stat loop1/x", open("loop1/x", O_RDONLY));
    char name[16], prev[16];
    for (int i = 0; i <= 40; i++) {
        snprintf(name, sizeof name, "l%d", i);
        if (i == 0) strcpy(prev, "g");
        if (symlink(prev, name) < 0) printf("symlink %s: %s\n", name, ename(errno));
        strcpy(prev, name);
    }
    R("open l39 (40 links)", fd = open("l39", O_RDONLY));
    close(fd);
    R("open l40 (41 links)", open("l40", O_RDONLY));
    R("symlink nothere dangle", symlink("nothere", "dangle"));
    R("open dangle", open("dangle", O_RDONLY));
    R("create through dangle O_EXCL", open("dangle", O_CREAT | O_EXCL | O_WRONLY, 0644));
    R("create through dangle", fd = open("dangle", O_CREAT | O_WRONLY, 0644));
    close(fd);
    show_stat("stat nothere", "nothere", 1);
    R("symlink d3 sd", symlink("d3", "sd"));
    R("symlink ../sys-fs-write.d/d3/x rel", symlink("../sys-fs-write.d/d3/x", "rel"));
    show_stat("stat rel", "rel", 1);
    R("chdir sd", chdir("sd"));
    cwd("after chdir sd");
    link_target("readlink /proc/self/cwd", "/proc/self/cwd");
    R("chdir ..", chdir(".."));
    cwd("after chdir ..");
    show_stat("stat sd/..", "sd/..", 1);
    show_stat("stat sd/x", "sd/x", 1);
    show_stat("stat g/..", "g/..", 1);

    /* /proc/self/fd */
    R("open g", fd = open("g", O_RDONLY));
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    link_target("readlink /proc/self/fd/N", name);
    int fd2 = open(name, O_RDONLY);
    char six[8] = {0};
    R("read through /proc/self/fd/N", read(fd2, six, 6));
    printf("[%s]\n", six);
    close(fd2);
    close(fd);

    /* unlink, rmdir */
    R("open g2 before unlink", fd = open("g2", O_RDWR));
    R("unlink g", unlink("g"));
    show_stat("stat g2", "g2", 1);
    R("unlink g2", unlink("g2"));
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    link_target("readlink /proc/self/fd/N (deleted)", name);
    R("write after unlink", pwrite(fd, "XYZ", 3, 0));
    char back[8] = {0};
    R("read after unlink", pread(fd, back, 6, 0));
    printf("[%s]\n", back);
    struct stat st;
    fstat(fd, &st);
    printf("fstat nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
    close(fd);
    R("unlink d3 (a directory)", unlink("d3"));
    R("rmdir nothere (a file)", rmdir("nothere"));
    R("unlink nothere/", unlink("nothere/"));
    R("rmdir d3 (not empty)", rmdir("d3"));
    R("rmdir missing", rmdir("missing"));
    R("rmdir .", rmdir("."));
    R("rmdir d3/x/..", rmdir("d3/x/.."));
    R("unlink missing", unlink("missing"));
    R("unlink s (the link, not g)", unlink("s"));

    /* an unnamed file (O_TMPFILE) */
    R("open . O_TMPFILE", fd = open(".", O_TMPFILE | O_RDWR, 0600));
    R("write to it", pwrite(fd, "tmp", 3, 0));
    fstat(fd, &st);
    printf("fstat nlink %ld size %ld mode %o\n", (long)st.st_nlink, (long)st.st_size, st.st_mode & 07777);
    close(fd);
    R("open . O_TMPFILE again", fd = open(".", O_TMPFILE | O_RDWR, 0600));
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    R("linkat /proc/self/fd/N AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, name, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
    R("linkat it again", linkat(AT_FDCWD, name, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
    R("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, "named2", AT_EMPTY_PATH));
    show_stat("stat named", "named", 1);
    close(fd);
    R("open . O_TMPFILE | O_EXCL", fd = open(".", O_TMPFILE | O_EXCL | O_RDWR, 0600));
    R("linkat it (not linkable)", linkat(fd, "", AT_FDCWD, "named3", AT_EMPTY_PATH));
    close(fd);
    R("open named", fd = open("named", O_RDONLY));
    R("unlink named", unlink("named"));
    R("unlink named2", unlink("named2"));
    R("linkat an unlinked file", linkat(fd, "", AT_FDCWD, "named4", AT_EMPTY_PATH));
    close(fd);
    R("open nothere O_TMPFILE (a file)", open("nothere", O_TMPFILE | O_RDWR, 0600));
    R("open missing O_TMPFILE", open("missing", O_TMPFILE | O_RDWR, 0600));

    /* a shared mapping of a created file */
    R("create m", fd = open("m", O_CREAT | O_RDWR, 0600));
    R("ftruncate m", ftruncate(fd, 4096));
    char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) printf("mmap: %s\n", ename(errno));
    else {
        memcpy(p, "mapped", 6);
        munmap(p, 4096);
    }
    close(fd);
    read_back("read m", "m");

    /* POSIX shared memory: shm_open() makes its objects in /dev/shm */
    R("shm_open O_EXCL", fd = shm_open("/sys-fs-write.shm", O_CREAT | O_EXCL | O_RDWR, 0600));
    R("shm_open O_EXCL again", shm_open("/sys-fs-write.shm", O_CREAT | O_EXCL | O_RDWR, 0600));
    R("ftruncate it", ftruncate(fd, 8192));
    p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    fflush(stdout);
    if (fork() == 0) {
        memcpy(p + 4096, "from the child", 15);
        _exit(0);
    }
    wait(NULL);
    printf("the parent reads [%s]\n", p + 4096);
    munmap(p, 8192);
    close(fd);
    show_stat("stat /dev/shm/sys-fs-write.shm", "/dev/shm/sys-fs-write.shm", 1);
    R("shm_unlink", shm_unlink("/sys-fs-write.shm"));
    R("shm_unlink again", shm_unlink("/sys-fs-write.shm"));
    R("stat /dev/shm", stat("/dev/shm", &st));
    printf("/dev/shm: dir %s mode %o\n", S_ISDIR(st.st_mode) ? "yes" : "no", st.st_mode & 07777); /* its nlink is the host's */

    list("listing");
    R("fchdir", (fd = open("d3", O_RDONLY | O_DIRECTORY), syscall(SYS_fchdir, fd)));
    close(fd);
    cwd("after fchdir d3");
    R("chdir ..", chdir(".."));

    /* clean up */
    const char *files[] = {"d3/x", "nothere", "dangle", "sd", "rel", "loop1", "loop2", "m"};
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (unlink(files[i]) < 0) printf("unlink %s: %s\n", files[i], ename(errno));
    }
    for (int i = 0; i <= 40; i++) {
        snprintf(name, sizeof name, "l%d", i);
        unlink(name);
    }
    R("rmdir d3", rmdir("d3"));
    R("rmdir d2", rmdir("d2"));
    list("listing after clean-up");
    R("chdir ..", chdir(".."));
    R("rmdir sys-fs-write.d", rmdir("sys-fs-write.d"));
    show_stat("stat sys-fs-write.d", "sys-fs-write.d", 1);
    return 0;
}
