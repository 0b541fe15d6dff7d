/*
 * mm-madvise-mincore: madvise and mincore, seen through return values, errno, contents
 * and residency. mincore: untouched anonymous pages are not resident, a read maps the
 * zero page (resident, reads zero), a write gives a private page (resident, keeps the
 * value); errors for an unaligned start (EINVAL), an unmapped range (ENOMEM) and a bad
 * vector pointer (EFAULT). madvise: MADV_DONTNEED empties private anonymous pages (not
 * resident, read zero), restores a private file mapping's written page to the file's
 * bytes, and keeps MAP_SHARED anonymous contents; MADV_FREE (no memory pressure here:
 * contents kept until reclaimed, a write after it keeps the page), MADV_WILLNEED,
 * MADV_NORMAL/RANDOM/SEQUENTIAL/DONTFORK/DOFORK return 0; an unknown advice, an
 * unaligned start, MADV_REMOVE on a private mapping fail with EINVAL; length 0 succeeds;
 * an unmapped range fails with ENOMEM. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x3c0000000000UL

static void res(const char *what, void *p, size_t pages) {
    unsigned char vec[32];
    memset(vec, 0xee, sizeof vec);
    if (syscall(SYS_mincore, p, pages * PAGE, vec) != 0) { printf("%s: mincore %s\n", what, ename(errno)); return; }
    printf("%s: ", what);
    for (size_t i = 0; i < pages; i++) putchar(vec[i] & 1 ? '1' : '0');
    printf("\n");
}

static long adv(const char *what, void *p, size_t len, int advice) {
    errno = 0;
    long rc = syscall(SYS_madvise, p, len, advice);
    rc_line(what, rc);
    return rc;
}

int main(void) {
    const int prw = PROT_READ | PROT_WRITE;
    volatile unsigned char *p = mmap((void *)BASE, 8 * PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    res("fresh 8 pages", (void *)p, 8);
    unsigned sum = p[0] + p[2 * PAGE + 5];
    res("after reading pages 0 and 2", (void *)p, 8);
    printf("read values: %u\n", sum);
    p[2 * PAGE + 5] = 9;
    p[4 * PAGE] = 4;
    p[5 * PAGE] = 5;
    p[6 * PAGE] = 6;
    res("after writing pages 2, 4, 5, 6", (void *)p, 8);
    printf("page 2 holds the write, page 0 still zero: %s\n", p[2 * PAGE + 5] == 9 && p[0] == 0 ? "yes" : "no");

    errno = 0;
    rc_line("mincore unaligned", syscall(SYS_mincore, p + 1, PAGE, (unsigned char[2]){0}));
    errno = 0;
    rc_line("mincore unmapped", syscall(SYS_mincore, p + 64 * PAGE, PAGE, (unsigned char[2]){0}));
    errno = 0;
    rc_line("mincore partly unmapped", syscall(SYS_mincore, p + 6 * PAGE, 4 * PAGE, (unsigned char[4]){0}));
    errno = 0;
    rc_line("mincore bad vector", syscall(SYS_mincore, p, PAGE, (void *)8));
    errno = 0;
    rc_line("mincore length 0", syscall(SYS_mincore, p, 0, (void *)8));
    errno = 0;
    rc_line("mincore unaligned length", syscall(SYS_mincore, p, 100, (unsigned char[2]){0}));

    adv("MADV_DONTNEED pages 4..5", (void *)(p + 4 * PAGE), 2 * PAGE, MADV_DONTNEED);
    res("after", (void *)p, 8);
    printf("pages 4, 5 read: %u %u, page 6 kept: %u\n", p[4 * PAGE], p[5 * PAGE], p[6 * PAGE]);

    adv("MADV_FREE page 6", (void *)(p + 6 * PAGE), PAGE, MADV_FREE);
    p[6 * PAGE + 1] = 61;
    printf("page 6 after MADV_FREE and a write: %u %u\n", p[6 * PAGE], p[6 * PAGE + 1]);
    res("after", (void *)p, 8);
    adv("MADV_FREE of never-touched page 7", (void *)(p + 7 * PAGE), PAGE, MADV_FREE);
    adv("MADV_WILLNEED all", (void *)p, 8 * PAGE, MADV_WILLNEED);
    res("after WILLNEED (anonymous: nothing faulted in)", (void *)p, 8);
    adv("MADV_NORMAL", (void *)p, 8 * PAGE, MADV_NORMAL);
    adv("MADV_RANDOM", (void *)p, 8 * PAGE, MADV_RANDOM);
    adv("MADV_SEQUENTIAL", (void *)p, 8 * PAGE, MADV_SEQUENTIAL);
    adv("MADV_DONTFORK", (void *)p, 8 * PAGE, MADV_DONTFORK);
    adv("MADV_DOFORK", (void *)p, 8 * PAGE, MADV_DOFORK);
    adv("advice 12345", (void *)p, PAGE, 12345);
    adv("advice -1", (void *)p, PAGE, -1);
    adv("unaligned start", (void *)(p + 1), PAGE, MADV_DONTNEED);
    adv("unaligned length", (void *)p, 1, MADV_NORMAL);
    adv("length 0", (void *)p, 0, MADV_DONTNEED);
    adv("unmapped range", (void *)(p + 64 * PAGE), PAGE, MADV_DONTNEED);
    adv("partly unmapped range", (void *)(p + 6 * PAGE), 4 * PAGE, MADV_NORMAL);
    adv("MADV_REMOVE on private anonymous", (void *)p, PAGE, MADV_REMOVE);
    maps_print_range("maps (pages 0 and 6..7 NORMAL again, 1..5 still SEQUENTIAL: split)", BASE, BASE + 16 * PAGE);

    /* shared anonymous */
    volatile unsigned char *s = mmap((void *)(BASE + 16 * PAGE), 2 * PAGE, prw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    s[0] = 0x5e;
    adv("MADV_DONTNEED shared anonymous", (void *)s, 2 * PAGE, MADV_DONTNEED);
    printf("shared page after DONTNEED: %u (kept)\n", s[0]);
    res("shared residency after DONTNEED then a read", (void *)s, 2);
    adv("MADV_REMOVE shared anonymous", (void *)s, PAGE, MADV_REMOVE);
    printf("shared page after REMOVE: %u\n", s[0]);

    /* private file mapping */
    int fd = open("/proc/self/exe", O_RDONLY);
    volatile unsigned char *f = mmap((void *)(BASE + 32 * PAGE), 2 * PAGE, prw, MAP_PRIVATE | MAP_FIXED, fd, 0);
    printf("file starts with ELF magic: %s\n", f[0] == 0x7f && f[1] == 'E' ? "yes" : "no");
    f[0] = 0;
    f[1] = 0;
    adv("MADV_DONTNEED private file page", (void *)f, PAGE, MADV_DONTNEED);
    printf("after DONTNEED the file's bytes are back: %s\n", f[0] == 0x7f && f[1] == 'E' ? "yes" : "no");
    adv("MADV_WILLNEED file", (void *)f, 2 * PAGE, MADV_WILLNEED);
    return 0;
}
