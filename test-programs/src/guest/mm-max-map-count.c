/*
 * mm-max-map-count: vm.max_map_count (65530 by default). Maps single pages with
 * alternating protections (so that no two merge) until mmap fails, and prints the errno
 * (ENOMEM) and the number of VMAs at that point: the /proc/self/maps lines, not counting
 * [vsyscall], which is not a VMA (mmemu has neither it nor [vdso]/[vvar], so the count of
 * the program's own mappings is not printed, only the total). Then at the limit: an
 * mprotect or munmap that needs to split a mapping fails with ENOMEM, unmapping a whole
 * VMA works, and a new mapping that merges with a neighbour needs no new VMA.
 * (Linux 6.18: mmap refuses only when the count is already above the limit, so mmap
 * reaches 65531; a split is refused when the count is at or above it.)
 * Expects vm.max_map_count at its default. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define MAXPAGES 70000
static unsigned char *pages[MAXPAGES];

static long vmas(void) {
    long special = 0;
    struct maps_find f = {"[vsyscall]", 0, 0};
    maps_each(maps_find_fn, &f);
    special = f.start != 0;
    return maps_each(NULL, NULL) - special;
}

int main(void) {
    long n = 0;
    int err = 0;
    for (; n < MAXPAGES; n++) {
        int prot = n % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        void *p = mmap(NULL, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { err = errno; break; }
        pages[n] = p;
    }
    printf("mmap failed: %s, errno %s\n", n < MAXPAGES ? "yes" : "no", ename(err));
    long at_limit = vmas();
    printf("VMAs at the limit: %ld\n", at_limit);
    errno = 0;
    void *again = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("one more mmap: %s\n", again == MAP_FAILED ? ename(errno) : "ok");

    /* free two VMAs, then make a 3-page mapping (one VMA): one below the limit */
    munmap(pages[n - 1], PAGE);
    munmap(pages[n - 2], PAGE);
    printf("after unmapping two single-page VMAs: %ld\n", vmas() - at_limit);
    unsigned char *three = mmap((void *)0x500000000000UL, 3 * PAGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("3-page mapping: %s, VMAs %+ld\n", three == MAP_FAILED ? ename(errno) : "ok", vmas() - at_limit);
    errno = 0;
    rc_line("mprotect its middle page (needs two splits)", sys_mprotect(three + PAGE, PAGE, PROT_READ));
    printf("VMAs %+ld\n", vmas() - at_limit);
    maps_print_range("the 3-page mapping", (uintptr_t)three, (uintptr_t)three + 3 * PAGE);
    errno = 0;
    rc_line("munmap the middle of a multi-page VMA", sys_munmap(three + PAGE, PAGE));
    maps_print_range("after", (uintptr_t)three, (uintptr_t)three + 3 * PAGE);
    errno = 0;
    void *merged = mmap((void *)0x500000000000UL + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("mmap of a page merging with the rw- neighbour: %s, VMAs %+ld\n",
           merged == MAP_FAILED ? ename(errno) : "ok", vmas() - at_limit);
    errno = 0;
    void *lone = mmap((void *)0x500000000000UL + 4 * PAGE, PAGE, PROT_READ,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("mmap of a r-- page after it (a new VMA): %s, VMAs %+ld\n",
           lone == MAP_FAILED ? ename(errno) : "ok", vmas() - at_limit);
    errno = 0;
    void *lone2 = mmap((void *)0x500000000000UL + 6 * PAGE, PAGE, PROT_READ,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("mmap of another lone page: %s, VMAs %+ld\n",
           lone2 == MAP_FAILED ? ename(errno) : "ok", vmas() - at_limit);
    maps_print_range("after", (uintptr_t)three, (uintptr_t)three + 8 * PAGE);
    errno = 0;
    rc_line("munmap a whole single-page VMA", sys_munmap(pages[0], PAGE));
    printf("VMAs %+ld\n", vmas() - at_limit);
    return 0;
}
