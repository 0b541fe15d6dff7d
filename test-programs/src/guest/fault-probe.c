/*
 * fault-probe: small workloads that make mmemu's own fault points visible to the guest. Without
 * arguments it prints its usage line and exits 0 (so it runs the same on the host).
 *   fault-probe cpus N   calls sched_getcpu() N times and prints each change of CPU (preempt migrate=Y)
 *   fault-probe flip N   maps two pages at 0x600000000000, writes the first (its own frame) and only
 *                        reads the second (the shared zero page), then reads the first 8 bytes of
 *                        each up to N times and prints the first change (bitflip addr= or pfn=)
 *   fault-probe vmas N   maps N one-page regions apart, unmaps them, maps N + 4 again: every mapping
 *                        is a vm_area_struct of the kernel (slub_corrupt cache=vm_area_struct)
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BASE 0x600000000000UL
#define PAGE 4096UL

static int cpus(long n) {
    int last = sched_getcpu();
    printf("start on cpu %d\n", last);
    for (long i = 0; i < n; i++) {
        int c = sched_getcpu();
        if (c != last) printf("cpu %d -> %d at iteration %ld\n", last, c, i);
        last = c;
    }
    printf("end on cpu %d\n", last);
    return 0;
}

static int flip(long n) {
    char *p = mmap((void *)BASE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) return 2;
    p[0] = 0;
    volatile long *a = (volatile long *)p, *b = (volatile long *)(p + PAGE);
    for (long i = 0; i < n; i++) {
        long x = *a, y = *b;
        if (x || y) {
            printf("read %#lx from the written page and %#lx from the zero page after %ld reads\n", x, y, i);
            return 0;
        }
    }
    printf("nothing changed in %ld reads\n", n);
    return 0;
}

static int vmas(long n) {
    for (long i = 0; i < n; i++)
        if (mmap((void *)(BASE + 2 * i * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) return 2;
    for (long i = 0; i < n; i++) munmap((void *)(BASE + 2 * i * PAGE), PAGE);
    for (long i = 0; i < n + 4; i++)
        if (mmap((void *)(BASE + 2 * i * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) return 2;
    printf("mapped %ld, unmapped %ld, mapped %ld\n", n, n, n + 4);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        printf("usage: fault-probe cpus N | flip N | vmas N\n");
        return 0;
    }
    long n = atol(argv[2]);
    if (!strcmp(argv[1], "cpus")) return cpus(n);
    if (!strcmp(argv[1], "flip")) return flip(n);
    if (!strcmp(argv[1], "vmas")) return vmas(n);
    return 2;
}
