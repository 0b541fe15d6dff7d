/*
 * mm-fault-signals: page faults as a program sees them. Demand-zero pages read as zero;
 * a SIGSEGV handler installed with sigaction(SA_SIGINFO) reports si_signo, si_code and
 * si_addr (printed relative to a known base) and siglongjmps out, for: a load from an
 * unmapped page (SEGV_MAPERR), NULL (MAPERR at 0), a store to a read-only page, to the
 * program's text and to a string literal (SEGV_ACCERR), a load from PROT_NONE (ACCERR),
 * an 8-byte load straddling into an unmapped page (si_addr is the first byte of that
 * page), a jump into a non-executable page (ACCERR, si_addr = the target), a load from a
 * kernel address (MAPERR), and from a non-canonical address (a general protection fault:
 * si_code SI_KERNEL, si_addr 0). Then, with the default action back, a store to an
 * unmapped page kills the process: status 139 (stdout flushed first).
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x440000000000UL

static const char literal[] = "read-only";

/* hides a constant address from the compiler (no -Warray-bounds, no folding) */
static inline uintptr_t hide(uintptr_t x) {
    __asm__("" : "+r"(x));
    return x;
}

__attribute__((noinline)) static int text_func(int x) { return x * 3 + 1; }

int main(void) {
    install_segv();
    volatile unsigned char *p = mmap((void *)BASE, 4 * PAGE, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    long nz = 0;
    for (unsigned long i = 0; i < 4 * PAGE; i++) nz += p[i] != 0;
    printf("demand-zero pages nonzero bytes: %ld\n", nz);
    p[PAGE + 7] = 0x42;
    printf("written byte reads back: %s\n", p[PAGE + 7] == 0x42 ? "yes" : "no");
    mprotect((void *)(p + 2 * PAGE), PAGE, PROT_READ);
    mprotect((void *)(p + 3 * PAGE), PAGE, PROT_NONE);
    /* a lone readable page at +8 pages, with +9 pages unmapped */
    mmap((void *)(BASE + 8 * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

    PROBE("load unmapped page +0x123", BASE, (void)*(volatile unsigned char *)hide(BASE + 4 * PAGE + 0x123));
    PROBE("store unmapped page +0x7", BASE, *(volatile int *)hide(BASE + 4 * PAGE + 7) = 1);
    PROBE("load NULL", 0, (void)*(volatile int *)hide(0));
    PROBE("load 0x10 (below mmap_min_addr)", 0, (void)*(volatile int *)hide(0x10));
    PROBE("store to read-only page +0x10", BASE, p[2 * PAGE + 0x10] = 1);
    PROBE("load from read-only page", BASE, (void)p[2 * PAGE + 0x10]);
    PROBE("load from PROT_NONE page +0x20", BASE, (void)p[3 * PAGE + 0x20]);
    PROBE("store to PROT_NONE page +0x21", BASE, p[3 * PAGE + 0x21] = 1);
    PROBE("8-byte load straddling into the unmapped page", BASE,
          (void)*(volatile uint64_t *)hide(BASE + 9 * PAGE - 4));
    PROBE("8-byte load straddling into PROT_NONE", BASE,
          (void)*(volatile uint64_t *)hide(BASE + 3 * PAGE - 3));
    PROBE("store to the program's text", (uintptr_t)text_func,
          *(volatile unsigned char *)hide((uintptr_t)text_func) = 0xc3);
    printf("text still runs: %d\n", text_func(2));
    PROBE("store to a string literal", (uintptr_t)literal, *(volatile char *)hide((uintptr_t)(literal + 2)) = 'X');
    p[0] = 0xc3; /* ret */
    PROBE("call into a non-executable page", BASE, ((void (*)(void))hide(BASE))());
    PROBE("load from a kernel address", 0xffff888000000000UL, (void)*(volatile int *)hide(0xffff888000000040UL));
    PROBE("load from a non-canonical address", 0, (void)*(volatile int *)hide(0x8000000000001000UL));
    PROBE("store to a non-canonical address", 0, *(volatile int *)hide(0x0000900000000000UL) = 1);

    signal(SIGSEGV, SIG_DFL);
    printf("now an unhandled store to an unmapped page\n");
    fflush(stdout);
    *(volatile int *)hide(BASE + 4 * PAGE) = 1;
    printf("not reached\n");
    return 0;
}
