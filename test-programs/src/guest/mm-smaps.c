/*
 * mm-smaps: /proc/self/smaps and /proc/self/smaps_rollup as fs/proc/task_mmu.c writes them, for
 * one private anonymous mapping of 16 pages the program controls: nothing resident at first;
 * 8 pages written and 2 only read (the zero page, which is no resident memory); after fork, the
 * parent's written pages shared with the child (Pss halved, Shared_Dirty), the child's COW copy
 * of one page private again; 4 pages locked (Locked); the VmFlags line of the mapping; and the
 * rollup's field names in order. The mapping sits between two PROT_NONE guard pages so that it
 * merges with nothing. Only the lines of this mapping are printed (the rest of the address space
 * depends on the libc and on the kernel's fault-around), and its header without the address.
 * Exits 0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 16
static char buf[1 << 20];

/* Reads a whole /proc file into buf. */
static size_t slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("cannot open %s\n", path);
        exit(1);
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return n;
}

/* Prints the smaps block of the VMA holding addr: its header's permissions, then every field. */
static void show(const char *what, char *addr) {
    slurp("/proc/self/smaps");
    unsigned long x = (unsigned long) addr;
    for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        unsigned long start, end;
        char perms[5];
        if (sscanf(p, "%lx-%lx %4s", &start, &end, perms) != 3 || x < start || x >= end) continue;
        printf("== %s: %s\n", what, perms);
        for (p = strchr(p, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
            char *eol = strchr(p, '\n');
            /* ProtectionKey exists only on CPUs with protection keys. */
            if (strncmp(p, "ProtectionKey:", 14) != 0) printf("  %.*s\n", (int) (eol - p), p);
            if (strncmp(p, "VmFlags:", 8) == 0) return;
        }
        return;
    }
    printf("%s: no VMA holds the mapping\n", what);
}

int main(void) {
    struct rlimit rl = {1 << 20, 1 << 20};
    setrlimit(RLIMIT_MEMLOCK, &rl);
    char *g = mmap(NULL, (PAGES + 2) * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g == MAP_FAILED) return 1;
    char *a = g + 4096;
    if (mprotect(a, PAGES * 4096, PROT_READ | PROT_WRITE) != 0) return 1;
    show("fresh", a);
    for (int i = 0; i < 8; i++) a[i * 4096] = (char) i;
    volatile char sink = 0;
    for (int i = 8; i < 10; i++) sink += a[i * 4096];
    show("8 written, 2 read", a);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show("child after fork", a);
        a[0] = 42; /* COW: this page becomes the child's own */
        show("child after one write", a);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    show("parent after the child exited", a);
    if (mlock(a, 4 * 4096) != 0) printf("mlock failed\n");
    show("4 locked", a);
    slurp("/proc/self/smaps_rollup");
    printf("== rollup fields:");
    for (char *p = strchr(buf, '\n') + 1; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        printf(" %.*s", (int) (strchr(p, ':') - p), p);
    }
    printf("\n");
    return 0;
}
