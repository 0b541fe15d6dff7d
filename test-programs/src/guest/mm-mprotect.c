/*
 * mm-mprotect: mprotect splitting and merging VMAs, seen in /proc/self/maps (offsets
 * relative to a fixed base), and its effect on accesses, seen through a SIGSEGV handler
 * (si_code and si_addr relative to the base): read-only rejects stores (SEGV_ACCERR) but
 * keeps contents, PROT_NONE rejects loads (SEGV_ACCERR), restoring the protection merges
 * the pieces back into one line, a range spanning a hole fails with ENOMEM after changing
 * the part before the hole, a r-x page allows loads but not stores, PROT_WRITE alone
 * implies read on x86 (loads and stores work), a handler that mprotects the
 * page and returns lets the faulting store complete, and a MAP_SHARED read-only file
 * mapping cannot become writable (EACCES) while a MAP_PRIVATE one can. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x340000000000UL

static void show(const char *what) { maps_print_range(what, BASE, BASE + 32 * PAGE); }

static volatile int fixups;

static void fix_and_return(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    fixups++;
    uintptr_t page = (uintptr_t)si->si_addr & ~(PAGE - 1);
    syscall(SYS_mprotect, page, PAGE, PROT_READ | PROT_WRITE);
}

int main(void) {
    install_segv();
    volatile unsigned char *p = mmap((void *)BASE, 8 * PAGE, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    for (int i = 0; i < 8; i++) p[i * PAGE] = (unsigned char)(0x40 + i);
    show("8 pages rw");

    rc_line("mprotect pages 2..3 read-only", sys_mprotect((void *)(p + 2 * PAGE), 2 * PAGE, PROT_READ));
    show("after");
    PROBE("load page 2", BASE, (void)p[2 * PAGE + 8]);
    printf("page 2 contents kept: %s\n", p[2 * PAGE] == 0x42 ? "yes" : "no");
    PROBE("store page 3 + 17", BASE, p[3 * PAGE + 17] = 1);
    PROBE("store page 4", BASE, p[4 * PAGE] = 1);

    rc_line("mprotect page 6 PROT_NONE", sys_mprotect((void *)(p + 6 * PAGE), PAGE, PROT_NONE));
    show("after");
    PROBE("load page 6 + 5", BASE, (void)p[6 * PAGE + 5]);
    PROBE("store page 6 + 6", BASE, p[6 * PAGE + 6] = 1);
    PROBE("load page 7", BASE, (void)p[7 * PAGE]);

    rc_line("mprotect page 3 rw (splits the read-only piece)", sys_mprotect((void *)(p + 3 * PAGE), PAGE, PROT_READ | PROT_WRITE));
    show("after");
    rc_line("mprotect all 8 pages rw (merges)", sys_mprotect((void *)p, 8 * PAGE, PROT_READ | PROT_WRITE));
    show("after");
    int kept = 1;
    for (int i = 0; i < 8; i++) kept &= p[i * PAGE] == (unsigned char)(0x40 + i) || (i == 4 && p[i * PAGE] == 1);
    printf("contents kept through all of it: %s\n", kept ? "yes" : "no");

    rc_line("munmap page 5", sys_munmap((void *)(p + 5 * PAGE), PAGE));
    rc_line("mprotect pages 0..7 read-only across the hole", sys_mprotect((void *)p, 8 * PAGE, PROT_READ));
    printf("errno: %s\n", ename(errno));
    show("after (the part before the hole changed)");
    rc_line("mprotect pages 0..4 rw", sys_mprotect((void *)p, 5 * PAGE, PROT_READ | PROT_WRITE));

    /* (PROT_EXEC alone is not tested: with protection keys, x86 makes it execute-only and
       loads fault with SEGV_PKUERR, so the answer depends on the CPU) */
    rc_line("mprotect page 0 PROT_READ|PROT_EXEC", sys_mprotect((void *)p, PAGE, PROT_READ | PROT_EXEC));
    PROBE("load from r-x page", BASE, (void)p[1]);
    PROBE("store to r-x page", BASE, p[1] = 1);
    rc_line("mprotect page 1 PROT_WRITE only", sys_mprotect((void *)(p + PAGE), PAGE, PROT_WRITE));
    PROBE("store to write-only page", BASE, p[PAGE + 1] = 7);
    PROBE("load from write-only page", BASE, (void)p[PAGE + 1]);
    show("after");

    /* a handler that fixes the protection and returns: the store is restarted */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fix_and_return;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    rc_line("mprotect page 2 read-only", sys_mprotect((void *)(p + 2 * PAGE), PAGE, PROT_READ));
    p[2 * PAGE + 9] = 0x99;
    printf("store after the handler fixed it: %s, handler ran %d time(s)\n",
           p[2 * PAGE + 9] == 0x99 ? "landed" : "lost", fixups);
    install_segv();

    int fd = open("/proc/self/exe", O_RDONLY);
    void *fs = mmap((void *)(BASE + 16 * PAGE), PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    void *fp = mmap((void *)(BASE + 18 * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    printf("file mappings: %s %s\n", fs != MAP_FAILED ? "ok" : "failed", fp != MAP_FAILED ? "ok" : "failed");
    rc_line("mprotect shared read-only file mapping rw", sys_mprotect(fs, PAGE, PROT_READ | PROT_WRITE));
    rc_line("mprotect private file mapping rw", sys_mprotect(fp, PAGE, PROT_READ | PROT_WRITE));
    ((volatile unsigned char *)fp)[0] = 0;
    printf("private copy written, shared mapping still sees the ELF magic: %s\n",
           ((unsigned char *)fs)[0] == 0x7f ? "yes" : "no");
    show("final");
    return 0;
}
