/*
 * sys-access: access(2), faccessat(2) and faccessat2(2) (fs/open.c do_faccessat()), by raw syscall.
 *
 * Checked: EINVAL for mode bits beyond R_OK|W_OK|X_OK and for unknown flags (before the name is
 * read), EFAULT, ENOENT (missing, empty name), ENAMETOOLONG, ENOTDIR (a file as a directory, a
 * file descriptor as dirfd), EBADF; AT_EMPTY_PATH on a descriptor and on AT_FDCWD; relative
 * names against a directory descriptor; AT_SYMLINK_NOFOLLOW on /proc/self/exe; root reads and
 * writes a 0600 file but executes only with an x bit; /dev/null is writable; a child with uid
 * 1000 is refused a 0600 root file (EACCES) and reads a 0644 one; with real uid 1000 and
 * effective uid 0, access() checks the real uid (EACCES) and AT_EACCESS the effective one.
 * Writes are checked only where the host and mmemu both allow them (/tmp, /dev/null): mmemu's
 * view of the host's files is read-only. Exits 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "mmtest.h"

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static long acc(const char *p, int mode) { return syscall(SYS_access, p, mode); }
static long fat(int dfd, const char *p, int mode) { return syscall(SYS_faccessat, dfd, p, mode); }
static long fat2(int dfd, const char *p, int mode, int flags) { return syscall(SYS_faccessat2, dfd, p, mode, flags); }

int main(void) {
    const char *f600 = "/tmp/sys-access-600", *f644 = "/tmp/sys-access-644";
    unlink(f600);
    unlink(f644);
    int fd = open(f600, O_CREAT | O_WRONLY | O_EXCL, 0600);
    int fd2 = open(f644, O_CREAT | O_WRONLY | O_EXCL, 0644);
    if (fd < 0 || fd2 < 0) { printf("create failed: %s\n", ename(errno)); return 1; }
    if (fchmod(fd, 0600) || fchmod(fd2, 0644)) printf("fchmod failed\n");

    R("access / F_OK", acc("/", F_OK));
    R("access / R_OK|X_OK", acc("/", R_OK | X_OK));
    R("access missing", acc("/no/such/file", F_OK));
    R("access empty name", acc("", F_OK));
    R("access bad pointer", acc((const char *)8, F_OK));
    R("access mode 8", acc("/", 8));
    R("access mode 8 bad pointer", acc((const char *)8, 8));
    char *longname = malloc(5000);
    memset(longname, 'a', 4999);
    longname[0] = '/';
    longname[4999] = 0;
    R("access name beyond PATH_MAX", acc(longname, F_OK));
    R("access through a file", acc("/tmp/sys-access-600/x", F_OK));
    R("access 0600 R_OK|W_OK as root", acc(f600, R_OK | W_OK));
    R("access 0600 X_OK as root", acc(f600, X_OK));
    R("access /dev/null W_OK", acc("/dev/null", W_OK));
    R("access /proc/self/maps R_OK", acc("/proc/self/maps", R_OK));

    int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
    R("faccessat relative to /tmp", fat(tmp, "sys-access-644", R_OK));
    R("faccessat relative, missing", fat(tmp, "sys-access-none", F_OK));
    R("faccessat bad dirfd", fat(99, "x", F_OK));
    R("faccessat file as dirfd", fat(fd, "x", F_OK));
    R("faccessat absolute ignores dirfd", fat(99, "/", F_OK));
    R("faccessat2 unknown flag", fat2(AT_FDCWD, "/", F_OK, 0x4));
    R("faccessat2 AT_EMPTY_PATH on a descriptor", fat2(fd2, "", R_OK, AT_EMPTY_PATH));
    R("faccessat2 AT_EMPTY_PATH on AT_FDCWD", fat2(AT_FDCWD, "", X_OK, AT_EMPTY_PATH));
    R("faccessat2 empty name without AT_EMPTY_PATH", fat2(fd2, "", R_OK, 0));
    R("faccessat2 AT_SYMLINK_NOFOLLOW /proc/self/exe", fat2(AT_FDCWD, "/proc/self/exe", F_OK, AT_SYMLINK_NOFOLLOW));
    R("faccessat2 AT_EACCESS as root", fat2(AT_FDCWD, f600, R_OK | W_OK, AT_EACCESS));

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        R("child setuid(1000)", setuid(1000));
        R("uid 1000: 0600 F_OK", acc(f600, F_OK));
        R("uid 1000: 0600 R_OK", acc(f600, R_OK));
        R("uid 1000: 0600 W_OK", acc(f600, W_OK));
        R("uid 1000: 0644 R_OK", acc(f644, R_OK));
        R("uid 1000: 0644 W_OK", acc(f644, W_OK));
        R("uid 1000: / R_OK|X_OK", acc("/", R_OK | X_OK));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    pid = fork();
    if (pid == 0) {
        R("child setresuid(1000, 0, 0)", setresuid(1000, 0, 0));
        R("real 1000, effective 0: access 0600 R_OK", acc(f600, R_OK));
        R("real 1000, effective 0: AT_EACCESS 0600 R_OK", fat2(AT_FDCWD, f600, R_OK, AT_EACCESS));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    unlink(f600);
    unlink(f644);
    return 0;
}
