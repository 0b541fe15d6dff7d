/*
 * sys-statfs: statfs(2) and fstatfs(2) by raw syscall on the file systems whose type does not
 * depend on the host's disks: procfs, devtmpfs (/dev/null), pipefs, and a memfd's tmpfs.
 *
 * Checked: f_type's magic number, a 4096-byte f_bsize equal to f_frsize, 255-byte names, free
 * blocks within the total, ST_VALID set; ENOENT, ENOTDIR, EFAULT (name and buffer), EBADF.
 * Exits 0.
 */
#define _GNU_SOURCE
#include <sys/statfs.h>
#include "mmtest.h"

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static void show(const char *what, long r, struct statfs *s) {
    if (r) { printf("%s: %ld %s\n", what, r, ename(errno)); return; }
    printf("%s: f_type 0x%lx f_bsize %ld f_frsize %ld f_namelen %ld free within total %s ST_VALID %s\n", what,
           (unsigned long)s->f_type, (long)s->f_bsize, (long)s->f_frsize, (long)s->f_namelen,
           s->f_bfree <= s->f_blocks && s->f_bavail <= s->f_bfree ? "yes" : "no", (s->f_flags & 0x20) ? "yes" : "no");
}

int main(void) {
    struct statfs s;
    long r;
    errno = 0; r = syscall(SYS_statfs, "/proc", &s); show("statfs /proc", r, &s);
    errno = 0; r = syscall(SYS_statfs, "/proc/self/maps", &s); show("statfs /proc/self/maps", r, &s);
    errno = 0; r = syscall(SYS_statfs, "/dev/null", &s); show("statfs /dev/null", r, &s);
    int p[2];
    if (pipe(p)) return 1;
    errno = 0; r = syscall(SYS_fstatfs, p[0], &s); show("fstatfs pipe", r, &s);
    int m = memfd_create("m", 0);
    errno = 0; r = syscall(SYS_fstatfs, m, &s); show("fstatfs memfd", r, &s);
    int maps = open("/proc/self/maps", O_RDONLY);
    errno = 0; r = syscall(SYS_fstatfs, maps, &s); show("fstatfs /proc/self/maps", r, &s);
    R("statfs missing", syscall(SYS_statfs, "/no/such/file", &s));
    R("statfs through a file", syscall(SYS_statfs, "/proc/self/maps/x", &s));
    R("statfs empty name", syscall(SYS_statfs, "", &s));
    R("statfs bad name", syscall(SYS_statfs, (void *)8, &s));
    R("statfs bad buffer", syscall(SYS_statfs, "/proc", (void *)8));
    R("fstatfs bad fd", syscall(SYS_fstatfs, 99, &s));
    R("fstatfs bad buffer", syscall(SYS_fstatfs, p[0], (void *)8));
    return 0;
}
