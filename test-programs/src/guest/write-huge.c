/*
 * write-huge: write() and writev() of a 1 GiB buffer the program has mapped (read-only,
 * never written: every page reads as zero). /dev/null takes all of it (write_null() does not
 * even read it); a non-blocking pipe takes what fits, 64 KiB, and those bytes read back as
 * zero. The count the guest asks for must not be what the host pays: the emulator copies only
 * what the file takes. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"
#include <sys/uio.h>

#define GIB (1UL << 30)

int main(void) {
    unsigned char *r = sys_mmap(NULL, GIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) { printf("mmap 1 GiB failed\n"); return 1; }
    int nul = open("/dev/null", O_WRONLY);
    int p[2];
    if (nul < 0 || pipe2(p, O_NONBLOCK) != 0) { printf("open/pipe2 failed\n"); return 1; }
    static unsigned char back[1 << 16];

    errno = 0;
    rc_line("write 1 GiB to /dev/null", syscall(SYS_write, nul, r, GIB));
    errno = 0;
    rc_line("write 1 GiB to a non-blocking pipe", syscall(SYS_write, p[1], r, GIB));
    memset(back, 0xee, sizeof back);
    long got = read(p[0], back, sizeof back);
    long zeros = 0;
    for (long i = 0; i < got; i++) zeros += back[i] == 0;
    printf("read back %ld bytes, %ld of them zero\n", got, zeros);

    struct iovec v[3] = {{r, GIB / 2}, {r + 4096, 0}, {r + GIB / 2, GIB / 2}};
    errno = 0;
    rc_line("writev 2 x 512 MiB to /dev/null", syscall(SYS_writev, nul, v, 3));
    errno = 0;
    rc_line("writev 2 x 512 MiB to a non-blocking pipe", syscall(SYS_writev, p[1], v, 3));
    errno = 0;
    rc_line("write 1 GiB to the full pipe", syscall(SYS_write, p[1], r, GIB));
    return 0;
}
