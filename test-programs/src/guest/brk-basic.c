/*
 * brk-basic: the program break through the raw brk syscall (musl's brk() always fails
 * and its sbrk() supports only sbrk(0), so both are checked as musl defines them).
 * Grows the break by 64 KiB, writes every page, shrinks it to one page, regrows it and
 * checks the regrown pages read as zero (shrinking unmaps them), sets an unaligned break,
 * and asks for a break below the initial one (the kernel refuses by returning the
 * current break). Every value is printed relative to the initial break. All syscalls run
 * before the first printf, so stdio cannot move the break in between. Exits 0.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "errname.h"

#define PAGE 4096L
#define GROW (16 * PAGE)

static uintptr_t sys_brk(uintptr_t addr) {
    return (uintptr_t)syscall(SYS_brk, addr);
}

int main(void) {
    uintptr_t b0 = sys_brk(0);
    uintptr_t sbrk0 = (uintptr_t)sbrk(0);
    errno = 0;
    void *sbrk_grow = sbrk(PAGE);
    int sbrk_errno = errno;
    errno = 0;
    int brk_rc = brk((void *)(b0 + PAGE));
    int brk_errno = errno;

    uintptr_t grown = sys_brk(b0 + GROW);
    long written_ok = 1;
    for (long off = 0; off < GROW; off += PAGE) {
        volatile unsigned char *p = (unsigned char *)(b0 + off);
        p[0] = (unsigned char)(off / PAGE + 1);
        p[PAGE - 1] = 0xA5;
    }
    for (long off = 0; off < GROW; off += PAGE) {
        volatile unsigned char *p = (unsigned char *)(b0 + off);
        if (p[0] != (unsigned char)(off / PAGE + 1) || p[PAGE - 1] != 0xA5) written_ok = 0;
    }

    uintptr_t shrunk = sys_brk(b0 + PAGE);
    unsigned char kept = *(volatile unsigned char *)b0;
    uintptr_t regrown = sys_brk(b0 + GROW);
    long nonzero = 0;
    for (long off = PAGE; off < GROW; off++) {
        nonzero += *(volatile unsigned char *)(b0 + off) != 0;
    }

    uintptr_t unaligned = sys_brk(b0 + 2 * PAGE + 100);
    *(volatile unsigned char *)(b0 + 2 * PAGE + 99) = 1;      /* inside the break */
    *(volatile unsigned char *)(b0 + 3 * PAGE - 1) = 1;       /* same page, past it */
    uintptr_t below = sys_brk(b0 - 64 * PAGE);
    uintptr_t restored = sys_brk(b0);

    printf("initial break page-aligned: %s\n", b0 % PAGE == 0 ? "yes" : "no");
    printf("sbrk(0) == brk(0): %s\n", sbrk0 == b0 ? "yes" : "no");
    printf("sbrk(4096): %s %s\n", sbrk_grow == (void *)-1 ? "-1" : "ok", errname(sbrk_errno));
    printf("brk(b0 + 4096): %d %s\n", brk_rc, errname(brk_errno));
    printf("grow to +%ld: +%ld\n", GROW, (long)(grown - b0));
    printf("16 pages written and read back: %s\n", written_ok ? "yes" : "no");
    printf("shrink to +%ld: +%ld\n", PAGE, (long)(shrunk - b0));
    printf("first page kept after shrink: %s\n", kept == 1 ? "yes" : "no");
    printf("regrow to +%ld: +%ld\n", GROW, (long)(regrown - b0));
    printf("nonzero bytes in regrown pages: %ld\n", nonzero);
    printf("unaligned break +%ld: +%ld\n", 2 * PAGE + 100, (long)(unaligned - b0));
    printf("break below initial: +%ld\n", (long)(below - b0));
    printf("restore initial: +%ld\n", (long)(restored - b0));
    return 0;
}
