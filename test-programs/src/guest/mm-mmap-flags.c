/*
 * mm-mmap-flags: where mmap places mappings and what each flag does, seen through return
 * values, contents, mincore and /proc/self/maps (addresses relative to a known base).
 * Top-down placement (each new mapping directly below the previous one, same-protection
 * neighbours merged into one maps line), placement between the break and the stack, hints
 * (a free hint is honoured exactly, an occupied or partly occupied one is not, an unaligned
 * one), MAP_FIXED replacing part of a mapping (zero contents, split), MAP_FIXED_NOREPLACE,
 * MAP_POPULATE (resident at once), MAP_NORESERVE, MAP_STACK, MAP_GROWSDOWN, MAP_32BIT,
 * MAP_SHARED anonymous ("/dev/zero (deleted)", rw-s), a 1 GiB PROT_NONE reservation (Linux
 * 6.7+ aligns anonymous mappings whose length is a multiple of 2 MiB to 2 MiB), and later
 * mappings filling the holes left below the first one, highest hole first.
 * Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x200000000000UL

static unsigned char *anon(void *hint, size_t len, int prot, int flags) {
    return mmap(hint, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

static int resident(void *p, size_t len) {
    unsigned char vec[64];
    if (mincore(p, len, vec) != 0) return -1;
    int n = 0;
    for (size_t i = 0; i < (len + PAGE - 1) / PAGE; i++) n += vec[i] & 1;
    return n;
}

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void) {
    const int prw = PROT_READ | PROT_WRITE;
    uintptr_t brk0 = (uintptr_t)sbrk(0);
    uintptr_t stack_end = 0;
    uintptr_t stack_start = maps_find("[stack]", &stack_end);
    volatile int here = 0;

    /* top-down placement */
    unsigned char *a = anon(NULL, PAGE, prw, 0);
    unsigned char *b = anon(NULL, 2 * PAGE, prw, 0);
    unsigned char *c = anon(NULL, PAGE, PROT_READ, 0);
    printf("first mapping above the break: %s\n", yesno((uintptr_t)a > brk0));
    printf("first mapping below the stack: %s\n", yesno((uintptr_t)a < stack_start));
    printf("stack found and holds a local: %s\n",
           yesno(stack_start && (uintptr_t)&here >= stack_start && (uintptr_t)&here < stack_end));
    printf("second directly below first: %s\n", yesno(b + 2 * PAGE == a));
    printf("third directly below second: %s\n", yesno(c + PAGE == b));
    maps_print_range("maps of the three (relative to third)", (uintptr_t)c, (uintptr_t)a + PAGE);
    munmap(c, 4 * PAGE);

    /* hints */
    unsigned char *h1 = anon((void *)BASE, 2 * PAGE, prw, 0);
    printf("free hint honoured: %s\n", yesno(h1 == (void *)BASE));
    unsigned char *h2 = anon((void *)BASE, PAGE, prw, 0);
    printf("occupied hint honoured: %s\n", yesno(h2 == (void *)BASE));
    unsigned char *h3 = anon((void *)(BASE - PAGE), 2 * PAGE, prw, 0);
    printf("partly occupied hint honoured: %s\n", yesno(h3 == (void *)(BASE - PAGE)));
    unsigned char *h4 = anon((void *)(BASE + 16 * PAGE + 123), PAGE, prw, 0);
    printf("unaligned hint +16 pages +123 -> %s\n",
           h4 == (void *)(BASE + 16 * PAGE) ? "rounded down" :
           h4 == (void *)(BASE + 17 * PAGE) ? "rounded up" : "elsewhere");
    unsigned char *h5 = anon((void *)(BASE + 2 * PAGE), PAGE, prw, 0);
    printf("hint right after a mapping honoured: %s\n", yesno(h5 == (void *)(BASE + 2 * PAGE)));
    maps_print_range("maps at BASE", BASE - 4 * PAGE, BASE + 32 * PAGE);
    /* c, b, a were unmapped: a 4-page hole below the first mapping's end (a + PAGE). */
    uintptr_t top = (uintptr_t)a + PAGE;
    printf("occupied hint's mapping at first-top - %ld pages\n", (long)(top - (uintptr_t)h2) / (long)PAGE);
    printf("partly occupied hint's mapping at first-top - %ld pages\n", (long)(top - (uintptr_t)h3) / (long)PAGE);
    munmap(h2, PAGE);
    munmap(h3, 2 * PAGE);

    /* MAP_FIXED over part of a mapping */
    unsigned char *f = anon((void *)(BASE + 64 * PAGE), 4 * PAGE, prw, MAP_FIXED);
    memset(f, 0x11, 4 * PAGE);
    unsigned char *g = anon(f + PAGE, PAGE, PROT_READ, MAP_FIXED);
    printf("MAP_FIXED inside: at the address %s, contents zero %s, neighbours kept %s\n",
           yesno(g == f + PAGE), yesno(g[0] == 0 && g[PAGE - 1] == 0), yesno(f[0] == 0x11 && f[2 * PAGE] == 0x11));
    unsigned char *g2 = anon(f + 3 * PAGE, 2 * PAGE, prw, MAP_FIXED);
    printf("MAP_FIXED over the end and beyond: %s, old tail zeroed %s\n", yesno(g2 == f + 3 * PAGE), yesno(g2[0] == 0));
    errno = 0;
    unsigned char *nr = anon(f + 4 * PAGE, PAGE, prw, MAP_FIXED_NOREPLACE);
    printf("MAP_FIXED_NOREPLACE on it: %s\n", nr == MAP_FAILED ? ename(errno) : "mapped");
    nr = anon(f + 5 * PAGE, PAGE, prw, MAP_FIXED_NOREPLACE);
    printf("MAP_FIXED_NOREPLACE right after it: %s\n", nr == f + 5 * PAGE ? "at the address" : "other");
    maps_print_range("maps after MAP_FIXED", (uintptr_t)f, (uintptr_t)f + 8 * PAGE);

    /* flags */
    unsigned char *pop = anon((void *)(BASE + 128 * PAGE), 8 * PAGE, prw, MAP_FIXED | MAP_POPULATE);
    printf("MAP_POPULATE resident pages: %d of 8, first byte %u\n", resident(pop, 8 * PAGE), pop[0]);
    unsigned char *lazy = anon((void *)(BASE + 144 * PAGE), 8 * PAGE, prw, MAP_FIXED);
    printf("plain mapping resident pages: %d of 8\n", resident(lazy, 8 * PAGE));
    unsigned char *nores = anon((void *)(BASE + 152 * PAGE), 4 * PAGE, prw, MAP_FIXED | MAP_NORESERVE);
    nores[0] = 1;
    printf("MAP_NORESERVE usable: %s\n", yesno(nores[0] == 1));
    unsigned char *stk = anon((void *)(BASE + 156 * PAGE), 4 * PAGE, prw, MAP_FIXED | MAP_STACK);
    stk[0] = 1;
    printf("MAP_STACK usable: %s\n", yesno(stk[0] == 1));
    unsigned char *gd = anon((void *)(BASE + 164 * PAGE), 2 * PAGE, prw, MAP_FIXED | MAP_GROWSDOWN);
    gd[0] = 1;
    printf("MAP_GROWSDOWN usable: %s\n", yesno(gd[0] == 1));
    unsigned char *sh = mmap((void *)(BASE + 170 * PAGE), 2 * PAGE, prw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    sh[0] = 1;
    printf("MAP_SHARED anonymous usable: %s\n", yesno(sh[0] == 1));
    maps_print_range("maps of the flag mappings (relative to the populated one)", (uintptr_t)pop,
                     (uintptr_t)pop + 200 * PAGE);

    unsigned char *low = anon(NULL, PAGE, prw, MAP_32BIT);
    printf("MAP_32BIT below 2 GiB: %s\n", yesno(low != MAP_FAILED && (uintptr_t)low < 0x80000000UL));

    unsigned char *big = anon(NULL, 1UL << 30, PROT_NONE, MAP_NORESERVE);
    unsigned char *after = anon(NULL, PAGE, prw, 0);
    /* (its exact distance depends on where the first mapping sits modulo 2 MiB, which
       depends on the vDSO above it: not printed) */
    printf("1 GiB PROT_NONE below the first mappings, within 1 GiB + 2 MiB: %s\n",
           yesno((uintptr_t)big + (1UL << 30) <= top - 4 * PAGE
                 && (uintptr_t)big + (1UL << 30) + (2UL << 20) > top - 4 * PAGE));
    printf("1 GiB mapping 2 MiB aligned: %s\n", yesno((uintptr_t)big % (2UL << 20) == 0));
    printf("next page at first-top - %ld pages\n", (long)(top - (uintptr_t)after) / (long)PAGE);
    unsigned char *two = anon(NULL, 2 * PAGE, PROT_READ, 0);
    printf("next 2 pages at first-top - %ld pages\n", (long)(top - (uintptr_t)two) / (long)PAGE);
    return 0;
}
