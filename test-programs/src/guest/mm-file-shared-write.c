/*
 * mm-file-shared-write: a MAP_SHARED writable mapping of a scratch file in /tmp (created,
 * sized with ftruncate, unlinked at the end). Stores through the mapping are seen by
 * pread on the file at once (one page cache), pwrite to the file is seen through the
 * mapping, a second shared mapping of the same file sees the first one's stores, a
 * private mapping sees the file until it writes, msync(MS_SYNC) returns 0, the stores
 * survive munmap (read back with pread), growing the file with ftruncate makes more of an
 * over-long mapping accessible and shrinking it makes the cut pages raise SIGBUS; a
 * shared writable mapping of an O_RDONLY descriptor is refused (EACCES), of an O_WRONLY one
 * too (EACCES: a mapping must be readable). Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x5c0000000000UL

int main(void) {
    install_segv();
    char path[64];
    snprintf(path, sizeof path, "/tmp/mm-file-shared-write-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { printf("cannot create the scratch file: %s\n", ename(errno)); return 1; }
    rc_line("ftruncate to 2 pages", ftruncate(fd, 2 * PAGE));
    unsigned char *a = mmap((void *)BASE, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    unsigned char *b = mmap((void *)(BASE + 16 * PAGE), 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    unsigned char *p = mmap((void *)(BASE + 32 * PAGE), 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    printf("mappings: %s %s %s\n", a != MAP_FAILED ? "ok" : ename(errno), b != MAP_FAILED ? "ok" : "failed",
           p != MAP_FAILED ? "ok" : "failed");
    printf("fresh file reads zero through the mapping: %s\n", a[0] == 0 && a[2 * PAGE - 1] == 0 ? "yes" : "no");
    memcpy(a + 100, "shared!", 7);
    char buf[16] = {0};
    rc_line("pread after a store through the mapping", pread(fd, buf, 7, 100));
    printf("  pread sees: %s\n", buf);
    printf("second shared mapping sees it: %s\n", memcmp(b + 100, "shared!", 7) == 0 ? "yes" : "no");
    printf("private mapping sees it (not yet written): %s\n", memcmp(p + 100, "shared!", 7) == 0 ? "yes" : "no");
    rc_line("pwrite at PAGE+10", pwrite(fd, "from-fd", 7, PAGE + 10));
    printf("mapping sees the pwrite: %s\n", memcmp(a + PAGE + 10, "from-fd", 7) == 0 ? "yes" : "no");
    p[100] = 'P';
    a[101] = 'H';
    printf("private after its own write: %c%c, shared: %c%c\n", p[100], p[101], a[100], a[101]);
    rc_line("msync MS_SYNC", msync(a, 2 * PAGE, MS_SYNC));
    errno = 0;
    rc_line("msync unaligned", msync(a + 1, PAGE, MS_SYNC));
    errno = 0;
    rc_line("msync MS_SYNC|MS_ASYNC", msync(a, PAGE, MS_SYNC | MS_ASYNC));

    PROBE("load page 2 of the 4-page mapping (past EOF)", BASE, (void)*(volatile unsigned char *)(a + 2 * PAGE));
    rc_line("ftruncate to 3 pages", ftruncate(fd, 3 * PAGE));
    PROBE("load page 2 now", BASE, (void)*(volatile unsigned char *)(a + 2 * PAGE));
    PROBE("store page 2", BASE, *(volatile unsigned char *)(a + 2 * PAGE + 1) = 'Z');
    PROBE("load page 3 (still past EOF)", BASE, (void)*(volatile unsigned char *)(a + 3 * PAGE + 2));
    rc_line("ftruncate to 1 page", ftruncate(fd, PAGE));
    PROBE("load page 1 after the shrink", BASE, (void)*(volatile unsigned char *)(a + PAGE + 3));
    PROBE("load page 0", BASE, (void)*(volatile unsigned char *)(a + 3));

    rc_line("munmap the shared mappings", munmap(a, 4 * PAGE) | munmap(b, 2 * PAGE));
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 7, 100);
    printf("file after munmap: %s\n", buf);

    int ro = open(path, O_RDONLY);
    int wo = open(path, O_WRONLY);
    errno = 0;
    void *x = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    printf("shared rw of O_RDONLY: %s\n", x == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    x = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, wo, 0);
    printf("shared write-only of O_WRONLY: %s\n", x == MAP_FAILED ? ename(errno) : "ok");
    rc_line("unlink", unlink(path));
    return 0;
}
