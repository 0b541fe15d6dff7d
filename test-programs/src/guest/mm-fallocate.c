/*
 * mm-fallocate: fallocate(2) on a memfd (tmpfs) as vfs_fallocate() and shmem_fallocate() do it:
 * mode 0 grows the size, FALLOC_FL_KEEP_SIZE does not, a range inside the size changes nothing;
 * F_SEAL_GROW refuses growing (EPERM) but not a range inside; and the errno cases in
 * vfs_fallocate()'s order: EBADF (no file, not open for writing), EINVAL (negative offset, zero
 * length), EOPNOTSUPP (an unknown mode, PUNCH_HOLE without KEEP_SIZE), ESPIPE (a pipe). Exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 8U
#endif

static void show(const char *what, int r) {
    printf("%-34s %s\n", what, r == 0 ? "0" : strerror(errno));
}

static long size_of(int fd) {
    struct stat st;
    fstat(fd, &st);
    return (long) st.st_size;
}

int main(void) {
    int fd = memfd_create("falloc", MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
    if (fd < 0) return 1;
    show("grow to 16 KiB", fallocate(fd, 0, 0, 16384));
    printf("size %ld\n", size_of(fd));
    show("keep size, 64 KiB", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536));
    printf("size %ld\n", size_of(fd));
    show("inside the size", fallocate(fd, 0, 4096, 4096));
    printf("size %ld\n", size_of(fd));
    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW);
    show("grow under F_SEAL_GROW", fallocate(fd, 0, 0, 32768));
    show("inside under F_SEAL_GROW", fallocate(fd, 0, 0, 8192));
    printf("size %ld\n", size_of(fd));
    show("no such descriptor", fallocate(99, 0, 0, 4096));
    show("negative offset", fallocate(fd, 0, -1, 4096));
    show("zero length", fallocate(fd, 0, 0, 0));
    show("unknown mode", fallocate(fd, 0x100, 0, 4096));
    show("punch hole without keep size", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
    int p[2];
    pipe(p);
    show("a pipe", fallocate(p[1], 0, 0, 4096));
    int ro = open("/proc/self/exe", O_RDONLY);
    show("not open for writing", fallocate(ro, 0, 0, 4096));
    return 0;
}
