/*
 * mm-fallocate: fallocate(2) on a memfd (tmpfs) as vfs_fallocate() and shmem_fallocate() do it:
 * mode 0 grows the size, FALLOC_FL_KEEP_SIZE does not, a range inside the size changes nothing;
 * F_SEAL_GROW refuses growing (EPERM) but not a range inside; and the errno cases in
 * vfs_fallocate()'s order: EBADF (no file, not open for writing), EINVAL (negative offset, zero
 * length), EOPNOTSUPP (an unknown mode, PUNCH_HOLE without KEEP_SIZE), ESPIPE (a pipe).
 * PUNCH_HOLE | KEEP_SIZE: whole pages leave the page cache (the file and its shared mapping read
 * zeros there), partial pages are zeroed over the range, a private mapping's COW copy stays, the
 * size stays; EPERM under F_SEAL_WRITE. Exits 0.
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
    int h = memfd_create("hole", MFD_ALLOW_SEALING);
    char page[4096];
    for (int i = 0; i < 4; i++) {
        memset(page, 'a' + i, sizeof page);
        write(h, page, sizeof page);
    }
    char *sh = mmap(NULL, 4 * 4096, PROT_READ, MAP_SHARED, h, 0);
    char *pv = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, h, 0);
    volatile char touch = sh[4096] + pv[2 * 4096];
    (void)touch;
    pv[3 * 4096] = 'z'; /* a private COW copy of page 3 */
    show("punch hole", fallocate(h, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2048, 3 * 4096));
    char b[4];
    for (int i = 0; i < 4; i++) {
        pread(h, b, 1, i * 4096 + 100);
        pread(h, b + 1, 1, i * 4096 + 3000);
        printf(" page %d: file %c%c shared %c%c private %c\n", i, b[0] ? b[0] : '0', b[1] ? b[1] : '0',
               sh[i * 4096 + 100] ? sh[i * 4096 + 100] : '0', sh[i * 4096 + 3000] ? sh[i * 4096 + 3000] : '0',
               pv[i * 4096] ? pv[i * 4096] : '0');
    }
    printf(" size %ld\n", size_of(h));
    munmap(sh, 4 * 4096);
    munmap(pv, 4 * 4096);
    fcntl(h, F_ADD_SEALS, F_SEAL_WRITE);
    show("punch hole under F_SEAL_WRITE", fallocate(h, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
    int p[2];
    pipe(p);
    show("a pipe", fallocate(p[1], 0, 0, 4096));
    int ro = open("/proc/self/exe", O_RDONLY);
    show("not open for writing", fallocate(ro, 0, 0, 4096));
    return 0;
}
