/*
 * mm-mincore-huge: mincore() with huge lengths and bad vectors, as sys_mincore() in
 * mm/mincore.c checks them: EINVAL for an unaligned start first; then access_ok() of
 * [start, start + len) (ENOMEM) and of the vector, one byte per page (EFAULT), before any
 * page is looked at; then rounds of at most one page's worth of vector (4096 pages): look
 * the pages up in one VMA (ENOMEM at a hole) and copy that round to the vector (EFAULT when
 * it cannot be written), so the rounds before a hole or a bad part of the vector have been
 * copied when the call fails. Each line gives the result and how many bytes of the vector
 * were written (it is filled with 0xee before each call).
 *
 * A huge length must not cost its size: mincore(0, 0x7f17d2de6000, vec on the stack) is
 * EFAULT at once (the vector would reach past the user address space), and the same length
 * with a vector low in memory is ENOMEM at the first page. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x3d0000000000UL
#define TASK_SIZE 0x7ffffffff000UL
#define ROUND 4096UL /* pages per round: PAGE_SIZE bytes of vector */

static unsigned char lowvec[64]; /* .bss: low addresses, far from the end of user space */

/* The vector lies at the end of a mapping of VECBUF bytes with nothing mapped after it. */
#define VECBUF (ROUND + PAGE)
static unsigned char *vecbuf;

static long written(const unsigned char *v, size_t n) {
    long w = 0;
    for (size_t i = 0; i < n; i++) w += v[i] != 0xee;
    return w;
}

static void call(const char *what, uintptr_t start, size_t len, unsigned char *vec, size_t watch) {
    if (watch) memset(vec, 0xee, watch);
    errno = 0;
    long rc = syscall(SYS_mincore, start, len, vec);
    printf("%s: %ld %s, vector bytes written %ld\n", what, rc, rc ? ename(errno) : "ok",
           watch ? written(vec, watch) : 0L);
}

int main(void) {
    const int prw = PROT_READ | PROT_WRITE;
    unsigned char stackvec[64];

    /* Four pages at BASE (pages 0 and 2 touched), then a hole. */
    unsigned char *p = sys_mmap((void *)BASE, 4 * PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p != (void *)BASE) { printf("mmap at BASE failed\n"); return 1; }
    p[0] = 1;
    p[2 * PAGE] = 1;

    vecbuf = sys_mmap(NULL, VECBUF + PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (vecbuf == MAP_FAILED) { printf("mmap vecbuf failed\n"); return 1; }
    sys_munmap(vecbuf + VECBUF, PAGE); /* nothing after the vector buffer */
    unsigned char *vecend = vecbuf + VECBUF;

    /* The last user page is the stack's top under setarch -R; with ASLR the stack is lower and
       the page is mapped here instead (EEXIST without ASLR), so the output is the same. */
    (void)sys_mmap((void *)(TASK_SIZE - PAGE), PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

    /* The call: a huge length from 0 with the vector on the stack. */
    call("huge length, vector on the stack", 0, 0x7f17d2de6000UL, stackvec, sizeof stackvec);
    call("huge length, vector low in memory", 0, 0x7f17d2de6000UL, lowvec, sizeof lowvec);
    call("huge length from a mapping, vector low", BASE, 0x7f17d2de6000UL, lowvec, sizeof lowvec);
    call("to the end of user space", BASE, TASK_SIZE - BASE, lowvec, sizeof lowvec);
    call("one page short of the end", BASE, TASK_SIZE - BASE - PAGE, lowvec, sizeof lowvec);
    call("one byte past the end of user space", BASE, TASK_SIZE - BASE + 1, lowvec, sizeof lowvec);
    call("past the end of user space", BASE, TASK_SIZE - BASE + PAGE, lowvec, sizeof lowvec);
    call("length 2^63", BASE, 1UL << 63, lowvec, sizeof lowvec);
    call("length -4096 (wraps)", BASE, -4096UL, lowvec, sizeof lowvec);
    call("start at the last user page", TASK_SIZE - PAGE, PAGE, lowvec, sizeof lowvec);
    call("start at TASK_SIZE", TASK_SIZE, PAGE, lowvec, sizeof lowvec);
    call("start in kernel space", 0xffff800000000000UL, PAGE, lowvec, sizeof lowvec);

    /* Order of the checks. */
    call("unaligned start, huge length, bad vector", BASE + 1, -4096UL, (void *)0xffff800000000000UL, 0);
    call("unmapped start, kernel vector", BASE + 64 * PAGE, PAGE, (void *)0xffff800000000000UL, 0);
    call("unmapped start, NULL vector", BASE + 64 * PAGE, PAGE, NULL, 0);
    call("mapped start, NULL vector", BASE, PAGE, NULL, 0);
    call("mapped, vector reaching past user space", BASE, 4 * PAGE, (void *)(TASK_SIZE - 2), 0);
    call("mapped, vector one byte past user space", BASE, 3 * PAGE, (void *)(TASK_SIZE - 2), 0);
    call("mapped, vector ending at the last user byte", BASE, 2 * PAGE, (void *)(TASK_SIZE - 2), 0);
    call("mapped 4 pages, vector with room for 2", BASE, 4 * PAGE, vecend - 2, 2);
    call("mapped 4 pages, vector with room for 4", BASE, 4 * PAGE, vecend - 4, 4);
    call("4 pages then a hole, vector with room for 2", BASE, 8 * PAGE, vecend - 2, 2);
    call("4 pages then a hole, vector with room for 4", BASE, 8 * PAGE, vecend - 4, 4);
    printf("residency of the 4 pages: %d%d%d%d\n", vecend[-4], vecend[-3], vecend[-2], vecend[-1]);

    /* Rounds of 4096 pages: a mapping of 4098 pages, PROT_NONE (mincore does not need access). */
    size_t big = ROUND + 2;
    unsigned char *q = sys_mmap(NULL, big * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (q == MAP_FAILED) { printf("mmap big failed\n"); return 1; }
    call("4098 pages, vector with room for 4096", (uintptr_t)q, big * PAGE, vecend - ROUND, ROUND);
    call("4098 pages, vector with room for 4097", (uintptr_t)q, big * PAGE, vecend - ROUND - 1, ROUND + 1);
    call("4098 pages, vector with room for 4098", (uintptr_t)q, big * PAGE, vecend - big, big);
    call("4098 pages and a hole, vector with room for 4098", (uintptr_t)q, (big + 1) * PAGE, vecend - big, big);
    call("4098 pages, vector with room for 100", (uintptr_t)q, big * PAGE, vecend - 100, 100);

    /* A large PROT_NONE reservation (1 GiB): a vector of 256 KiB, every page absent. */
    size_t gpages = (1UL << 30) / PAGE;
    unsigned char *g = sys_mmap(NULL, gpages * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    unsigned char *gv = sys_mmap(NULL, gpages, prw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g == MAP_FAILED || gv == MAP_FAILED) { printf("mmap 1 GiB failed\n"); return 1; }
    memset(gv, 0xee, gpages);
    errno = 0;
    long rc = syscall(SYS_mincore, g, gpages * PAGE, gv);
    long resident = 0;
    for (size_t i = 0; i < gpages; i++) resident += gv[i] & 1;
    printf("1 GiB reservation: %ld %s, vector bytes written %ld, resident %ld\n", rc, rc ? ename(errno) : "ok",
           written(gv, gpages), resident);
    return 0;
}
