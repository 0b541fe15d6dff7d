/*
 * mm-merge-maps: when Linux merges neighbouring VMAs, visible as /proc/self/maps lines
 * (each case at its own fixed base; offsets relative to it). Merged: adjacent anonymous
 * private mappings of equal protection (also when the older one has been written), the
 * pieces of one mapping when mprotect makes them equal again, a hole refilled with
 * MAP_FIXED, a neighbour whose protection is changed to match (when at most one of the two
 * has anonymous pages of its own), adjacent mappings of one file at contiguous offsets.
 * an unwritten mapping moved by mremap next to another (its page offset is reset).
 * Not merged: different protections, a written mapping moved by mremap next to another
 * (written or not: it keeps its anonymous page offset, vm_pgoff, which no longer follows
 * its neighbour's), file mappings at non-contiguous offsets, two
 * MAP_SHARED anonymous mappings, anonymous next to file-backed, and neighbours that differ
 * only in MAP_NORESERVE or MAP_GROWSDOWN. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x400000000000UL
#define CASE(n) (BASE + (uintptr_t)(n) * 0x100000UL)

static const int prw = PROT_READ | PROT_WRITE;

static void *at(uintptr_t a, size_t pages, int prot, int flags) {
    void *p = mmap((void *)a, pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | flags, -1, 0);
    if (p != (void *)a) printf("mmap at case address failed: %s\n", ename(errno));
    return p;
}

static void touch(uintptr_t a, size_t pages) {
    for (size_t i = 0; i < pages; i++) ((volatile unsigned char *)a)[i * PAGE] = 1;
}

static void show(const char *what, uintptr_t lo) { maps_print_range(what, lo, lo + 64 * PAGE); }

int main(void) {
    int fd = open("/proc/self/exe", O_RDONLY);

    at(CASE(1), 2, prw, 0);
    at(CASE(1) + 2 * PAGE, 2, prw, 0);
    show("1 two adjacent rw mappings", CASE(1));

    at(CASE(2), 2, prw, 0);
    touch(CASE(2), 2);
    at(CASE(2) + 2 * PAGE, 2, prw, 0);
    touch(CASE(2) + 2 * PAGE, 2);
    show("2 the first written before the second was mapped", CASE(2));

    at(CASE(3), 2, PROT_READ, 0);
    at(CASE(3) + 2 * PAGE, 2, prw, 0);
    show("3 r-- next to rw-", CASE(3));
    mprotect((void *)CASE(3), 2 * PAGE, prw);
    show("3 after mprotect of the first to rw-", CASE(3));

    at(CASE(4), 6, prw, 0);
    touch(CASE(4), 6);
    mprotect((void *)(CASE(4) + 2 * PAGE), 2 * PAGE, PROT_READ);
    show("4 middle of a written mapping made r--", CASE(4));
    mprotect((void *)(CASE(4) + 2 * PAGE), 2 * PAGE, prw);
    show("4 and back to rw-", CASE(4));

    at(CASE(5), 6, prw, 0);
    touch(CASE(5), 6);
    munmap((void *)(CASE(5) + 2 * PAGE), PAGE);
    show("5 hole in a written mapping", CASE(5));
    at(CASE(5) + 2 * PAGE, 1, prw, 0);
    show("5 hole refilled", CASE(5));

    at(CASE(6), 2, prw, 0);
    touch(CASE(6), 2);
    at(CASE(6) + 16 * PAGE, 2, prw, 0);
    touch(CASE(6) + 16 * PAGE, 2);
    mremap((void *)(CASE(6) + 16 * PAGE), 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(CASE(6) + 2 * PAGE));
    show("6 two written mappings moved next to each other", CASE(6));

    at(CASE(7), 2, prw, 0);
    at(CASE(7) + 16 * PAGE, 2, prw, 0);
    touch(CASE(7) + 16 * PAGE, 2);
    mremap((void *)(CASE(7) + 16 * PAGE), 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(CASE(7) + 2 * PAGE));
    show("7 a written mapping moved next to an unwritten one", CASE(7));

    at(CASE(8), 2, prw, 0);
    touch(CASE(8), 2);
    at(CASE(8) + 2 * PAGE, 2, PROT_READ, 0);
    /* Not read: whether a read fault gives the neighbour anonymous pages of its own depends on
     * the host (most map the shared zero page, some kernels of this machine kind allocate a
     * page), and with one it no longer merges. The oracle's answer must not depend on that. */
    mprotect((void *)(CASE(8) + 2 * PAGE), 2 * PAGE, prw);
    show("8 untouched read-only neighbour made rw- next to a written one", CASE(8));

    mmap((void *)CASE(9), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    mmap((void *)(CASE(9) + PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, PAGE);
    mmap((void *)(CASE(9) + 2 * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 3 * PAGE);
    show("9 file pages 0, 1, 3 side by side", CASE(9));

    mmap((void *)CASE(10), PAGE, prw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    mmap((void *)(CASE(10) + PAGE), PAGE, prw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    show("10 two shared anonymous mappings", CASE(10));

    mmap((void *)CASE(11), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    at(CASE(11) + PAGE, 1, PROT_READ, 0);
    show("11 file page then anonymous page, both r--", CASE(11));

    at(CASE(12), 2, prw, 0);
    at(CASE(12) + 2 * PAGE, 2, prw, MAP_NORESERVE);
    at(CASE(12) + 4 * PAGE, 2, prw, MAP_GROWSDOWN);
    at(CASE(12) + 6 * PAGE, 2, prw, 0);
    show("12 plain, NORESERVE, GROWSDOWN, plain", CASE(12));

    at(CASE(13), 8, prw, 0);
    mprotect((void *)(CASE(13) + PAGE), PAGE, PROT_READ);
    mprotect((void *)(CASE(13) + 3 * PAGE), PAGE, PROT_READ);
    mprotect((void *)(CASE(13) + 5 * PAGE), PAGE, PROT_READ);
    show("13 every other page r-- in an 8-page mapping", CASE(13));
    mprotect((void *)CASE(13), 8 * PAGE, PROT_READ);
    show("13 then all r--", CASE(13));

    at(CASE(14), 2, prw, 0);
    at(CASE(14) + 16 * PAGE, 2, prw, 0);
    mremap((void *)(CASE(14) + 16 * PAGE), 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(CASE(14) + 2 * PAGE));
    show("14 an unwritten mapping moved next to an unwritten one", CASE(14));
    return 0;
}
