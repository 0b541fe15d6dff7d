/*
 * mm-stack-growth: the main stack and MAP_GROWSDOWN mappings grow down on a fault below
 * them, within the stack rlimit and never closer than the stack guard gap (1 MiB) to an
 * accessible mapping below; a PROT_NONE mapping below is no obstacle. Addresses are
 * printed relative to the [stack] line's start as found at the beginning (S), or to the
 * MAP_GROWSDOWN mapping's start (G). Touches: S - 64 KiB and S - 1 MiB grow the stack
 * (new [stack] start printed); with a page mapped at S - 3 MiB the stack grows to exactly
 * 1 MiB above that page's end but not one page further (SIGSEGV SEGV_MAPERR, si_addr the
 * touched byte); made PROT_NONE, that page lets the stack grow right up to it, and a touch
 * inside it is SEGV_ACCERR. A lowered RLIMIT_STACK stops growth (MAPERR). A GROWSDOWN
 * mapping grows the same way, and mmap does not honour a hint inside its guard gap.
 * Exits 0.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include "mmtest.h"

#define KB 1024L
#define MB (1024L * 1024L)

static uintptr_t S;

static void touch(uintptr_t a) { *(volatile unsigned char *)a = 1; }

static void stack_line(const char *what) {
    uintptr_t end = 0;
    uintptr_t start = maps_find("[stack]", &end);
    printf("%s: [stack] starts at S-0x%lx\n", what, (unsigned long)(S - start));
}

int main(void) {
    install_segv();
    uintptr_t end = 0;
    S = maps_find("[stack]", &end);
    volatile int local = 0;
    printf("[stack] found, holds a local: %s\n", S && (uintptr_t)&local > S && (uintptr_t)&local < end ? "yes" : "no");

    PROBE("touch S-64KiB", S, touch(S - 64 * KB));
    stack_line("after");
    PROBE("touch S-1MiB+100", S, touch(S - 1 * MB + 100));
    stack_line("after");

    uintptr_t g = S - 3 * MB;
    void *guard = mmap((void *)g, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("page at S-3MiB: %s\n", guard == (void *)g ? "ok" : ename(errno));
    uintptr_t limit = g + PAGE + 1 * MB;
    PROBE("touch 1MiB above its end", S, touch(limit));
    stack_line("after");
    PROBE("touch one page lower", S, touch(limit - PAGE + 8));
    stack_line("after");
    mprotect(guard, PAGE, PROT_NONE);
    PROBE("with the page PROT_NONE: touch just above it", S, touch(g + PAGE));
    stack_line("after");
    PROBE("touch inside the PROT_NONE page", S, touch(g + 16));
    munmap(guard, PAGE);

    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    uintptr_t now = maps_find("[stack]", &end);
    rl.rlim_cur = (end - now) + 64 * KB;
    printf("setrlimit(RLIMIT_STACK, current size + 64KiB): %d\n", setrlimit(RLIMIT_STACK, &rl));
    PROBE("touch 32KiB below", S, touch(now - 32 * KB));
    PROBE("touch 128KiB below", S, touch(now - 128 * KB));
    stack_line("after");

    /* MAP_GROWSDOWN */
    uintptr_t G = 0x480000000000UL;
    void *gd = mmap((void *)G, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
    printf("GROWSDOWN mapping: %s\n", gd == (void *)G ? "ok" : ename(errno));
    PROBE("touch G-1", G, touch(G - 1));
    PROBE("touch G-40KiB", G, touch(G - 40 * KB));
    maps_print_range("G's lines (relative to G-64KiB)", G - 64 * KB, G + PAGE);
    void *h = mmap((void *)(G - 64 * KB), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("hint in the guard gap below it honoured: %s\n", h == (void *)(G - 64 * KB) ? "yes" : "no");
    void *acc = mmap((void *)(G - 2 * MB), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("accessible page at G-2MiB: %s\n", acc == (void *)(G - 2 * MB) ? "ok" : ename(errno));
    PROBE("touch G-1MiB+4KiB (exactly the gap)", G, touch(G - 1 * MB + 4 * KB));
    PROBE("touch G-1MiB (inside the gap)", G, touch(G - 1 * MB));
    maps_print_range("G's lines (relative to G-2MiB)", G - 2 * MB, G + PAGE);
    void *fx = mmap((void *)(G - 1 * MB + 4 * KB - PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE right below it: %s\n", fx == MAP_FAILED ? ename(errno) : "ok");
    return 0;
}
