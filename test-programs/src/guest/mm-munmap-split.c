/*
 * mm-munmap-split: munmap splitting and removing mappings, at a fixed base, seen in
 * /proc/self/maps (offsets relative to the base) and through contents and faults:
 * unmapping the middle of a mapping leaves two lines with their contents kept, unmapping
 * a range spanning several mappings and holes removes exactly that range, an unaligned
 * length is rounded up to pages, unmapping a file mapping's middle keeps the file offsets
 * of the upper piece, and a load from an unmapped page raises SIGSEGV with SEGV_MAPERR at
 * the exact address. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x300000000000UL

int main(void) {
    install_segv();
    const int prw = PROT_READ | PROT_WRITE;
    unsigned char *p = mmap((void *)BASE, 16 * PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    for (int i = 0; i < 16; i++) p[i * PAGE] = (unsigned char)(i + 1);
    maps_print_range("16 pages", BASE, BASE + 64 * PAGE);

    rc_line("munmap pages 4..5", sys_munmap(p + 4 * PAGE, 2 * PAGE));
    maps_print_range("after", BASE, BASE + 64 * PAGE);
    int kept = 1;
    for (int i = 0; i < 16; i++) if (i != 4 && i != 5) kept &= p[i * PAGE] == (unsigned char)(i + 1);
    printf("other pages kept: %s\n", kept ? "yes" : "no");
    PROBE("load page 4 + 100", BASE, (void)*(volatile unsigned char *)(p + 4 * PAGE + 100));
    PROBE("store page 5 + 4095", BASE, *(volatile unsigned char *)(p + 6 * PAGE - 1) = 1);

    rc_line("munmap 1 byte at page 8 (rounded to a page)", sys_munmap(p + 8 * PAGE, 1));
    rc_line("munmap pages 10..11", sys_munmap(p + 10 * PAGE, 2 * PAGE));
    maps_print_range("after", BASE, BASE + 64 * PAGE);
    rc_line("munmap pages 3..13 (spans mappings and holes)", sys_munmap(p + 3 * PAGE, 11 * PAGE));
    maps_print_range("after", BASE, BASE + 64 * PAGE);
    printf("page 2 and 14 kept: %s\n", p[2 * PAGE] == 3 && p[14 * PAGE] == 15 ? "yes" : "no");
    rc_line("munmap pages 0..1 (the head)", sys_munmap(p, 2 * PAGE));
    rc_line("munmap page 15 (the tail)", sys_munmap(p + 15 * PAGE, PAGE));
    maps_print_range("after", BASE, BASE + 64 * PAGE);
    rc_line("munmap everything around", sys_munmap((void *)(BASE - 64 * PAGE), 256 * PAGE));
    long n = maps_print_range("after", BASE, BASE + 64 * PAGE);
    printf("lines: %ld\n", n);

    int fd = open("/proc/self/exe", O_RDONLY);
    unsigned char *f = mmap((void *)(BASE + 32 * PAGE), 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    printf("file mapping: %s\n", f == (void *)(BASE + 32 * PAGE) ? "ok" : "failed");
    rc_line("munmap file page 1", sys_munmap(f + PAGE, PAGE));
    maps_print_range("file mapping after", BASE + 32 * PAGE, BASE + 40 * PAGE);
    return 0;
}
