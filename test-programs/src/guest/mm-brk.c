/*
 * mm-brk: the program break through the raw brk syscall, seen through return values
 * (relative to the initial break), contents, faults and the [heap] line of
 * /proc/self/maps: grow (the [heap] line appears, pages read as zero), shrink (pages
 * above the new break fault with SEGV_MAPERR), regrow (the pages come back zeroed), a
 * mapping placed above the break blocks growth that would come within a page of it (the
 * kernel refuses by returning the old break), a huge request is refused, and a break back
 * at the start removes the [heap] line. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

static uintptr_t b0;

static long rel(uintptr_t b) { return (long)(b - b0); }
static uintptr_t sys_brk(uintptr_t a) { return (uintptr_t)syscall(SYS_brk, a); }

static void heap_line(const char *what) {
    uintptr_t end = 0;
    uintptr_t start = maps_find("[heap]", &end);
    if (!start) printf("%s: no [heap] line\n", what);
    else printf("%s: [heap] at brk0%+ld, size 0x%lx\n", what, rel(start), (unsigned long)(end - start));
}

int main(void) {
    install_segv();
    b0 = sys_brk(0);
    printf("initial break page aligned: %s\n", b0 % PAGE == 0 ? "yes" : "no");
    heap_line("start");
    printf("grow to +8 pages: %+ld\n", rel(sys_brk(b0 + 8 * PAGE)));
    heap_line("after grow");
    volatile unsigned char *h = (unsigned char *)b0;
    long nz = 0;
    for (unsigned long i = 0; i < 8 * PAGE; i++) nz += h[i] != 0;
    printf("nonzero bytes in new heap: %ld\n", nz);
    for (int i = 0; i < 8; i++) h[i * PAGE + 1] = (unsigned char)(i + 1);
    PROBE("store just past the break", b0, h[8 * PAGE] = 1);
    printf("shrink to +2 pages: %+ld\n", rel(sys_brk(b0 + 2 * PAGE)));
    heap_line("after shrink");
    PROBE("load page 2 after shrink", b0, (void)h[2 * PAGE + 1]);
    printf("page 1 kept: %s\n", h[PAGE + 1] == 2 ? "yes" : "no");
    printf("regrow to +8 pages: %+ld\n", rel(sys_brk(b0 + 8 * PAGE)));
    nz = 0;
    for (unsigned long i = 2 * PAGE; i < 8 * PAGE; i++) nz += h[i] != 0;
    printf("nonzero bytes in regrown pages: %ld\n", nz);
    printf("unaligned +9 pages +5: %+ld\n", rel(sys_brk(b0 + 9 * PAGE + 5)));
    PROBE("store at the end of the break's page", b0, h[10 * PAGE - 1] = 1);
    PROBE("store one page further", b0, h[10 * PAGE] = 1);
    heap_line("after unaligned");

    /* a blocker at +20 pages */
    void *blk = mmap((void *)(b0 + 20 * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("blocker at +20 pages: %s\n", blk == (void *)(b0 + 20 * PAGE) ? "ok" : "failed");
    printf("grow to +19 pages: %+ld\n", rel(sys_brk(b0 + 19 * PAGE)));
    printf("grow to +19 pages +1: %+ld\n", rel(sys_brk(b0 + 19 * PAGE + 1)));
    printf("grow to +20 pages: %+ld\n", rel(sys_brk(b0 + 20 * PAGE)));
    printf("grow to +30 pages: %+ld\n", rel(sys_brk(b0 + 30 * PAGE)));
    munmap(blk, PAGE);
    printf("grow to +30 pages without the blocker: %+ld\n", rel(sys_brk(b0 + 30 * PAGE)));
    printf("grow by 2^46: %+ld\n", rel(sys_brk(b0 + (1UL << 46))));
    printf("below the start: %+ld\n", rel(sys_brk(b0 - PAGE)));
    printf("back to the start: %+ld\n", rel(sys_brk(b0)));
    heap_line("at the start");
    PROBE("load at the old break start", b0, (void)h[0]);
    return 0;
}
