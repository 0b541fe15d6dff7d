/*
 * mm-memfd: memfd_create() and file sealing (fcntl F_ADD_SEALS/F_GET_SEALS) as mm/memfd.c and
 * mm/shmem.c do them.
 *
 * Checked: memfd_create()'s EINVAL cases (unknown flags, MFD_EXEC with MFD_NOEXEC_SEAL, a name
 * longer than 249 bytes) and EFAULT; MFD_CLOEXEC; F_GETFL (O_RDWR | O_LARGEFILE); fstat (a
 * regular file with no link, mode 0777 with MFD_EXEC, 0666 with MFD_NOEXEC_SEAL); the mapping's
 * name in /proc/self/maps ("memfd:NAME (deleted)"); writes and mappings share the pages; without
 * MFD_ALLOW_SEALING the file is sealed with F_SEAL_SEAL; F_SEAL_WRITE is EBUSY while a shared
 * writable mapping exists; F_SEAL_SHRINK and F_SEAL_GROW refuse ftruncate() and writes past the
 * end (EPERM); F_SEAL_WRITE refuses write() and shared writable mmap() (EPERM) and leaves shared
 * read-only mappings unable to gain PROT_WRITE (EACCES), while private mappings stay writable;
 * F_SEAL_FUTURE_WRITE keeps existing writable mappings; F_SEAL_SEAL ends sealing (EPERM);
 * unknown seals are EINVAL; F_SEAL_EXEC refuses a chmod that changes an execute bit and, on an
 * executable file, implies the write seals; sealing a pipe is EINVAL. Every memfd is created with
 * MFD_EXEC or MFD_NOEXEC_SEAL, so that the output does not depend on vm.memfd_noexec. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "mmtest.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)
/* mmap's result as 0 or -1 with errno, for rc_line. */
#define MR(what, call) do { errno = 0; void *p_ = (call); rc_line(what, p_ == MAP_FAILED ? -1 : 0); \
                            if (p_ != MAP_FAILED) munmap(p_, PAGE); } while (0)

static long memfd(const char *name, unsigned flags) { return syscall(SYS_memfd_create, name, flags); }

static void show_stat(const char *what, int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        printf("%s: fstat %s\n", what, ename(errno));
        return;
    }
    printf("%s: mode 0%o, nlink %ld, size %ld\n", what, (unsigned)st.st_mode, (long)st.st_nlink, (long)st.st_size);
}

static void show_seals(const char *what, int fd) {
    errno = 0;
    long s = fcntl(fd, F_GET_SEALS);
    if (s < 0) printf("%s: F_GET_SEALS -1 %s\n", what, ename(errno));
    else printf("%s: seals 0x%lx\n", what, s);
}

static char buf[8192];

int main(void) {
    char name[300];
    memset(buf, ' ', sizeof buf);

    /* memfd_create()'s checks. */
    R("memfd_create unknown flag 0x100", memfd("x", 0x100));
    R("memfd_create MFD_EXEC|MFD_NOEXEC_SEAL", memfd("x", MFD_EXEC | MFD_NOEXEC_SEAL));
    memset(name, 'n', sizeof name);
    name[249] = 0;
    long fd = memfd(name, MFD_EXEC);
    rc_line("memfd_create name of 249 bytes", fd < 0 ? fd : 0);
    if (fd >= 0) close((int)fd);
    name[249] = 'n';
    name[250] = 0;
    R("memfd_create name of 250 bytes", memfd(name, MFD_EXEC));
    R("memfd_create name at an unmapped address", memfd((const char *)0x10000, MFD_EXEC));
    R("memfd_create empty name", (fd = memfd("", MFD_EXEC)) < 0 ? fd : 0);
    if (fd >= 0) close((int)fd);

    /* A memfd without MFD_ALLOW_SEALING. */
    int a = (int)memfd("plain", MFD_CLOEXEC | MFD_EXEC);
    printf("plain: F_GETFD %d, F_GETFL 0x%x\n", fcntl(a, F_GETFD), fcntl(a, F_GETFL));
    show_stat("plain", a);
    show_seals("plain", a);
    R("plain: F_ADD_SEALS F_SEAL_WRITE", fcntl(a, F_ADD_SEALS, F_SEAL_WRITE));
    R("plain: write 5000 bytes", write(a, buf, 5000));
    show_stat("plain after write", a);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
    printf("plain: mmap %s\n", m == MAP_FAILED ? ename(errno) : "ok");
    maps_print_range("plain mapping", (uintptr_t)m, (uintptr_t)m + 2 * PAGE);
    m[10] = 'M';
    char c = 0;
    R("plain: pread the byte stored through the mapping", pread(a, &c, 1, 10));
    printf("plain: read '%c', mapping sees write: '%c'\n", c, m[4999]);
    munmap(m, 2 * PAGE);
    close(a);

    /* Sealing. */
    int s = (int)memfd("sealed", MFD_ALLOW_SEALING | MFD_EXEC);
    show_seals("sealed", s);
    R("sealed: ftruncate 3 pages", ftruncate(s, 3 * PAGE));
    m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s, 0);
    R("sealed: F_SEAL_WRITE with a shared mapping of an O_RDWR file", fcntl(s, F_ADD_SEALS, F_SEAL_WRITE));
    munmap(m, PAGE);
    m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, s, 0);
    R("sealed: F_SEAL_SHRINK with only a private mapping", fcntl(s, F_ADD_SEALS, F_SEAL_SHRINK));
    munmap(m, PAGE);
    R("sealed: F_ADD_SEALS 0x40 (unknown)", fcntl(s, F_ADD_SEALS, 0x40));
    R("sealed: ftruncate smaller", ftruncate(s, PAGE));
    R("sealed: ftruncate same size", ftruncate(s, 3 * PAGE));
    R("sealed: ftruncate larger", ftruncate(s, 4 * PAGE));
    R("sealed: F_SEAL_GROW", fcntl(s, F_ADD_SEALS, F_SEAL_GROW));
    R("sealed: ftruncate larger", ftruncate(s, 5 * PAGE));
    R("sealed: pwrite inside", pwrite(s, "abc", 3, 4 * PAGE - 3));
    R("sealed: pwrite across the end", pwrite(s, "abc", 3, 4 * PAGE - 2));
    R("sealed: pwrite 0 bytes past the end", pwrite(s, "abc", 0, 5 * PAGE));
    R("sealed: F_SEAL_WRITE", fcntl(s, F_ADD_SEALS, F_SEAL_WRITE));
    show_seals("sealed", s);
    R("sealed: pwrite inside", pwrite(s, "abc", 3, 0));
    R("sealed: ftruncate same size", ftruncate(s, 4 * PAGE));
    MR("sealed: mmap shared read-write", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0));
    m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s, 0);
    printf("sealed: mmap shared read-only %s\n", m == MAP_FAILED ? ename(errno) : "ok");
    R("sealed: mprotect it read-write", mprotect(m, PAGE, PROT_READ | PROT_WRITE));
    munmap(m, PAGE);
    m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, s, 0);
    printf("sealed: mmap private read-write %s\n", m == MAP_FAILED ? ename(errno) : "ok");
    m[0] = 'p';
    c = 0;
    pread(s, &c, 1, 0);
    printf("sealed: private store '%c', file still 0x%02x\n", m[0], c);
    munmap(m, PAGE);
    R("sealed: F_SEAL_SEAL", fcntl(s, F_ADD_SEALS, F_SEAL_SEAL));
    R("sealed: F_SEAL_SEAL again", fcntl(s, F_ADD_SEALS, F_SEAL_SEAL));
    R("sealed: F_ADD_SEALS 0 after F_SEAL_SEAL", fcntl(s, F_ADD_SEALS, 0));
    show_seals("sealed", s);
    close(s);

    /* F_SEAL_FUTURE_WRITE: mappings made before keep writing. */
    int f = (int)memfd("future", MFD_ALLOW_SEALING | MFD_EXEC);
    R("future: ftruncate 1 page", ftruncate(f, PAGE));
    m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    R("future: F_SEAL_FUTURE_WRITE with a shared writable mapping", fcntl(f, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
    m[0] = 'F';
    c = 0;
    pread(f, &c, 1, 0);
    printf("future: store through the old mapping reads back '%c'\n", c);
    R("future: write", write(f, "x", 1));
    MR("future: mmap shared read-write", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0));
    MR("future: mmap private read-write", mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0));
    R("future: F_SEAL_WRITE with the old mapping", fcntl(f, F_ADD_SEALS, F_SEAL_WRITE));
    munmap(m, PAGE);
    R("future: F_SEAL_WRITE without", fcntl(f, F_ADD_SEALS, F_SEAL_WRITE));
    show_seals("future", f);
    close(f);

    /* Execute permission: MFD_NOEXEC_SEAL and F_SEAL_EXEC. */
    int n = (int)memfd("noexec", MFD_NOEXEC_SEAL);
    show_stat("noexec", n);
    show_seals("noexec", n);
    R("noexec: fchmod 0755", fchmod(n, 0755));
    R("noexec: fchmod 0600", fchmod(n, 0600));
    R("noexec: F_SEAL_GROW (sealing allowed)", fcntl(n, F_ADD_SEALS, F_SEAL_GROW));
    show_seals("noexec", n);
    close(n);
    int x = (int)memfd("exec", MFD_EXEC | MFD_ALLOW_SEALING);
    show_stat("exec", x);
    R("exec: F_SEAL_EXEC", fcntl(x, F_ADD_SEALS, F_SEAL_EXEC));
    show_seals("exec", x);
    R("exec: fchmod 0644", fchmod(x, 0644));
    R("exec: fchmod 0700", fchmod(x, 0700));
    R("exec: write", write(x, "x", 1));
    close(x);

    /* Not shmem. */
    int p[2];
    pipe(p);
    show_seals("pipe", p[0]);
    R("pipe: F_ADD_SEALS", fcntl(p[1], F_ADD_SEALS, F_SEAL_SEAL));
    return 0;
}
