/*
 * mm-files: the file syscalls a loader and a libc need, on the program's own file
 * (/proc/self/exe) and /proc/self/maps. open and openat (AT_FDCWD and a directory fd),
 * read to EOF, pread64 (leaves the offset alone), lseek SEEK_SET/CUR/END, past the end
 * and negative (EINVAL), on a pipe (ESPIPE); fstat and newfstatat (AT_EMPTY_PATH on an
 * fd, AT_SYMLINK_NOFOLLOW on /proc/self/exe: a symlink): st_size equals the bytes read
 * and lseek's end (the size itself is not printed: it changes with the toolchain),
 * S_ISREG; fcntl F_GETFL (x86-64 reports O_LARGEFILE, 0x8000), F_SETFD/F_GETFD,
 * F_DUPFD; dup shares the offset; close twice (EBADF); errors: ENOENT, ENOTDIR (O_DIRECTORY
 * on a file), EISDIR (read of a directory), EBADF (read of an O_WRONLY fd); readlink of
 * /proc/self/exe (basename only; a short buffer truncates without a NUL). Then every line
 * of /proc/self/maps as size, perms, offset and basename, without the [vdso], [vvar],
 * [vvar_vclock] and [vsyscall] lines and without the [stack] size. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "mmtest.h"

static char buf[1 << 16];

int main(void) {
    errno = 0;
    int fd = open("/proc/self/exe", O_RDONLY);
    printf("open /proc/self/exe: %s\n", fd >= 3 ? "fd >= 3" : ename(errno));
    long total = 0, n;
    while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
    printf("read to EOF, last read: %ld\n", n);
    struct stat st;
    rc_line("fstat", fstat(fd, &st));
    printf("S_ISREG: %s, st_size == bytes read: %s\n", S_ISREG(st.st_mode) ? "yes" : "no",
           st.st_size == total ? "yes" : "no");
    printf("lseek(0, SEEK_END) == st_size: %s\n", lseek(fd, 0, SEEK_END) == st.st_size ? "yes" : "no");
    printf("lseek(0, SEEK_CUR) at end: %s\n", lseek(fd, 0, SEEK_CUR) == st.st_size ? "yes" : "no");
    rc_line("lseek(4, SEEK_SET)", lseek(fd, 4, SEEK_SET));
    rc_line("lseek(2, SEEK_CUR)", lseek(fd, 2, SEEK_CUR));
    errno = 0;
    rc_line("lseek(-100, SEEK_SET)", lseek(fd, -100, SEEK_SET));
    rc_line("offset unchanged", lseek(fd, 0, SEEK_CUR));
    printf("lseek(1 MiB past the end) == size + 1 MiB: %s\n",
           lseek(fd, 1 << 20, SEEK_END) == st.st_size + (1 << 20) ? "yes" : "no");
    rc_line("read past the end", read(fd, buf, 16));
    errno = 0;
    rc_line("lseek whence 7", lseek(fd, 0, 7));
    lseek(fd, 0, SEEK_SET);
    unsigned char magic[4];
    rc_line("read 4", read(fd, magic, 4));
    printf("ELF magic: %s\n", magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F' ? "yes" : "no");
    unsigned char cls[2];
    rc_line("pread64 2 at offset 4", pread(fd, cls, 2, 4));
    printf("EI_CLASS %u EI_DATA %u\n", cls[0], cls[1]);
    rc_line("offset after pread", lseek(fd, 0, SEEK_CUR));
    errno = 0;
    rc_line("pread64 at -1", pread(fd, cls, 1, -1));
    rc_line("pread64 past the end", pread(fd, cls, 1, st.st_size + 10));

    printf("F_GETFL: 0x%x\n", fcntl(fd, F_GETFL));
    printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
    rc_line("F_SETFD FD_CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
    printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
    int d = fcntl(fd, F_DUPFD, 20);
    printf("F_DUPFD 20: %d, its F_GETFD: %d\n", d, fcntl(d, F_GETFD));
    int d2 = dup(fd);
    lseek(fd, 100, SEEK_SET);
    rc_line("dup shares the offset", lseek(d2, 0, SEEK_CUR));
    rc_line("close dup", close(d2));
    errno = 0;
    rc_line("close it again", close(d2));
    errno = 0;
    rc_line("fcntl on a closed fd", fcntl(d2, F_GETFD));

    int dfd = open("/proc/self", O_RDONLY | O_DIRECTORY);
    printf("open /proc/self O_DIRECTORY: %s\n", dfd >= 0 ? "ok" : ename(errno));
    int e2 = openat(dfd, "exe", O_RDONLY);
    struct stat st2;
    printf("openat(dirfd, \"exe\"): %s, same size: %s\n", e2 >= 0 ? "ok" : ename(errno),
           e2 >= 0 && fstat(e2, &st2) == 0 && st2.st_size == st.st_size ? "yes" : "no");
    int e3 = openat(AT_FDCWD, "/proc/self/exe", O_RDONLY);
    printf("openat(AT_FDCWD, absolute): %s\n", e3 >= 0 ? "ok" : ename(errno));
    memset(&st2, 0, sizeof st2);
    rc_line("newfstatat(fd, \"\", AT_EMPTY_PATH)", fstatat(e3, "", &st2, AT_EMPTY_PATH));
    printf("  same size and inode: %s\n", st2.st_size == st.st_size && st2.st_ino == st.st_ino ? "yes" : "no");
    rc_line("newfstatat(dirfd, \"exe\", AT_SYMLINK_NOFOLLOW)", fstatat(dfd, "exe", &st2, AT_SYMLINK_NOFOLLOW));
    printf("  S_ISLNK: %s\n", S_ISLNK(st2.st_mode) ? "yes" : "no");
    rc_line("newfstatat(AT_FDCWD, \"/proc/self/exe\", 0)", fstatat(AT_FDCWD, "/proc/self/exe", &st2, 0));
    printf("  S_ISREG: %s\n", S_ISREG(st2.st_mode) ? "yes" : "no");

    errno = 0;
    rc_line("open missing", open("/nonexistent/file", O_RDONLY));
    errno = 0;
    rc_line("open file with O_DIRECTORY", open("/proc/self/exe", O_RDONLY | O_DIRECTORY));
    errno = 0;
    rc_line("open file/ (a file as a directory)", open("/proc/self/exe/x", O_RDONLY));
    errno = 0;
    rc_line("read a directory", read(dfd, buf, 16));
    int wfd = open("/dev/null", O_WRONLY);
    errno = 0;
    rc_line("read an O_WRONLY fd", read(wfd, buf, 16));
    errno = 0;
    rc_line("write an O_RDONLY fd", write(fd, "x", 1));
    int pfd[2];
    if (pipe(pfd) == 0) {
        errno = 0;
        rc_line("lseek a pipe", lseek(pfd[0], 0, SEEK_SET));
        errno = 0;
        rc_line("pread64 a pipe", pread(pfd[0], buf, 1, 0));
    }
    errno = 0;
    rc_line("read fd 999", read(999, buf, 1));

    char link[256];
    n = readlink("/proc/self/exe", link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    printf("readlink /proc/self/exe: absolute %s, basename %s\n", link[0] == '/' ? "yes" : "no", base_name(link));
    memset(link, '#', sizeof link);
    rc_line("readlink into 4 bytes", readlink("/proc/self/exe", link, 4));
    printf("  bytes 4, 5 untouched: %s\n", link[4] == '#' && link[5] == '#' ? "yes" : "no");
    errno = 0;
    rc_line("readlink a regular file", readlink("/proc/self/maps", link, sizeof link));

    fflush(stdout);
    maps_print_all("/proc/self/maps");
    return 0;
}
