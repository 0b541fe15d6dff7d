/*
 * mm-mremap: mremap at fixed bases, seen through return values (relative to the base),
 * contents and /proc/self/maps: growing in place when the pages after are free, shrinking
 * in place (the tail is unmapped), growing without MREMAP_MAYMOVE when blocked (ENOMEM),
 * with MREMAP_MAYMOVE (moved, contents kept, old range unmapped), MREMAP_FIXED to a chosen
 * address (replacing what was there), MREMAP_DONTUNMAP (old range stays mapped and reads
 * as zero, new range has the contents), mremap of a part of a mapping (splits), moving a
 * file mapping (its offset follows), growing a MAP_SHARED anonymous mapping (the grown
 * part lies past the end of its shmem object: SIGBUS BUS_ADRERR), and old length 0 on a
 * shared mapping (a second mapping of the same pages). Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x380000000000UL
#define OTHER 0x381000000000UL

static void show(const char *what, uintptr_t lo) { maps_print_range(what, lo, lo + 64 * PAGE); }

static void where(const char *what, void *r, uintptr_t base) {
    if (r == MAP_FAILED) printf("%s: MAP_FAILED %s\n", what, ename(errno));
    else printf("%s: base+0x%lx\n", what, (unsigned long)((uintptr_t)r - base));
}

static int pattern_ok(unsigned char *p, size_t pages, int seed) {
    for (size_t i = 0; i < pages; i++)
        if (p[i * PAGE] != (unsigned char)(seed + i) || p[i * PAGE + PAGE - 1] != (unsigned char)(seed + i)) return 0;
    return 1;
}

static void fill(unsigned char *p, size_t pages, int seed) {
    for (size_t i = 0; i < pages; i++) p[i * PAGE] = p[i * PAGE + PAGE - 1] = (unsigned char)(seed + i);
}

static long nonzero(unsigned char *p, size_t len) {
    long n = 0;
    for (size_t i = 0; i < len; i++) n += p[i] != 0;
    return n;
}

int main(void) {
    install_segv();
    const int prw = PROT_READ | PROT_WRITE;
    const int pa = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    unsigned char *p = mmap((void *)BASE, 4 * PAGE, prw, pa, -1, 0);
    fill(p, 4, 1);

    errno = 0;
    where("grow 4 -> 8 pages in place", sys_mremap(p, 4 * PAGE, 8 * PAGE, 0, 0), BASE);
    printf("contents kept: %s, new pages nonzero bytes: %ld\n", pattern_ok(p, 4, 1) ? "yes" : "no",
           nonzero(p + 4 * PAGE, 4 * PAGE));
    show("after", BASE);
    errno = 0;
    where("shrink 8 -> 3 pages", sys_mremap(p, 8 * PAGE, 3 * PAGE, 0, 0), BASE);
    show("after", BASE);

    /* a blocker right after page 3 */
    mmap((void *)(BASE + 4 * PAGE), PAGE, PROT_READ, pa, -1, 0);
    errno = 0;
    where("grow 3 -> 6 pages, blocked, no MAYMOVE", sys_mremap(p, 3 * PAGE, 6 * PAGE, 0, 0), BASE);
    errno = 0;
    where("grow 3 -> 4 pages, fits exactly", sys_mremap(p, 3 * PAGE, 4 * PAGE, 0, 0), BASE);
    show("after", BASE);
    errno = 0;
    unsigned char *m = sys_mremap(p, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE, 0);
    printf("grow 4 -> 6 pages, blocked, MAYMOVE: %s\n",
           m == MAP_FAILED ? ename(errno) : m == p ? "stayed" : "moved");
    if (m == MAP_FAILED) return 1;
    printf("moved contents kept: %s\n", pattern_ok(m, 3, 1) ? "yes" : "no");
    show("old place after the move", BASE);

    /* MREMAP_FIXED */
    mmap((void *)OTHER, 8 * PAGE, PROT_READ, pa, -1, 0);
    errno = 0;
    unsigned char *q = sys_mremap(m, 6 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, OTHER + 2 * PAGE);
    where("MREMAP_FIXED 6 -> 4 pages onto OTHER+2 pages", q, OTHER);
    printf("contents kept: %s\n", q != MAP_FAILED && pattern_ok(q, 3, 1) ? "yes" : "no");
    show("OTHER after", OTHER);

    /* MREMAP_DONTUNMAP */
    unsigned char *d = mmap((void *)(BASE + 32 * PAGE), 2 * PAGE, prw, pa, -1, 0);
    fill(d, 2, 0x30);
    errno = 0;
    unsigned char *dn = sys_mremap(d, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED,
                                   BASE + 40 * PAGE);
    where("MREMAP_DONTUNMAP to BASE+40 pages", dn, BASE);
    printf("new range has the contents: %s\n", dn != MAP_FAILED && pattern_ok(dn, 2, 0x30) ? "yes" : "no");
    printf("old range still mapped, nonzero bytes: %ld\n", nonzero(d, 2 * PAGE));
    show("BASE after", BASE);

    /* part of a mapping */
    unsigned char *w = mmap((void *)(BASE + 48 * PAGE), 8 * PAGE, prw, pa, -1, 0);
    fill(w, 8, 0x50);
    errno = 0;
    unsigned char *wm = sys_mremap(w + 2 * PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, OTHER + 16 * PAGE);
    where("move pages 2..3 of an 8-page mapping to OTHER+16 pages", wm, OTHER);
    printf("moved pages: %s, rest kept: %s\n", pattern_ok(wm, 2, 0x52) ? "yes" : "no",
           pattern_ok(w, 2, 0x50) && pattern_ok(w + 4 * PAGE, 4, 0x54) ? "yes" : "no");
    show("BASE+48 pages after", BASE + 48 * PAGE);

    /* a file mapping */
    int fd = open("/proc/self/exe", O_RDONLY);
    unsigned char *f = mmap((void *)(OTHER + 32 * PAGE), 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    unsigned char first = f[2 * PAGE];
    errno = 0;
    unsigned char *fm = sys_mremap(f + PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, OTHER + 48 * PAGE);
    where("move file pages 1..2 to OTHER+48 pages", fm, OTHER);
    printf("file byte follows: %s\n", fm != MAP_FAILED && fm[PAGE] == first ? "yes" : "no");
    show("OTHER+32 pages after", OTHER + 32 * PAGE);

    /* shared anonymous */
    unsigned char *s = mmap((void *)(BASE + 64 * PAGE), PAGE, prw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    s[0] = 0x77;
    errno = 0;
    unsigned char *sg = sys_mremap(s, PAGE, 3 * PAGE, 0, 0);
    where("grow shared anonymous 1 -> 3 pages in place", sg, BASE + 64 * PAGE);
    printf("shared contents kept: %s\n", s[0] == 0x77 ? "yes" : "no");
    /* the shmem object behind it is still one page long: the grown pages are past its end */
    PROBE("load from the grown part", BASE + 64 * PAGE, (void)*(volatile unsigned char *)(s + PAGE + 3));
    errno = 0;
    unsigned char *dup = sys_mremap(s, 0, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 80 * PAGE);
    where("old length 0 on shared: a second mapping of the same pages", dup, BASE + 64 * PAGE);
    if (dup != MAP_FAILED) {
        dup[1] = 0x78;
        printf("second mapping shares: %s\n", s[1] == 0x78 && dup[0] == 0x77 ? "yes" : "no");
    }
    show("shared after", BASE + 64 * PAGE);
    return 0;
}
