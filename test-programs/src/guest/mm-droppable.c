/*
 * mm-droppable: MAP_DROPPABLE (Linux 6.11+) and MAP_SHARED_VALIDATE's flag checks on a file.
 *
 * Checked: MAP_DROPPABLE gives private-looking anonymous memory that reads zero and keeps what is
 * written (the kernel may drop it under memory pressure; without pressure it stays); it is
 * refused with EINVAL for a file, with MAP_LOCKED, MAP_HUGETLB or MAP_GROWSDOWN, and as
 * MAP_SHARED_VALIDATE | MAP_DROPPABLE; it is not accounted (VM_NORESERVE: it succeeds under
 * overcommit_memory's heuristic beyond RAM), a fork child gets it empty (VM_WIPEONFORK),
 * MADV_KEEPONFORK on it is EINVAL, mlock() succeeds without locking it (VmLck stays 0 kB);
 * it merges with nothing private. MAP_SHARED_VALIDATE on a file: MAP_SYNC (no DAX) and an
 * unknown flag are EOPNOTSUPP, while MAP_SHARED ignores both. smaps names it "dp" in VmFlags;
 * MADV_PAGEOUT frees its pages (they read zero again) while private anonymous memory keeps its
 * contents; MADV_PAGEOUT and MADV_COLD on locked memory are EINVAL. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/wait.h>
#include "mmtest.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MADV_KEEPONFORK
#define MADV_KEEPONFORK 19
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif


#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static void map_result(const char *what, void *p) {
    if (p == MAP_FAILED) printf("%s: %s\n", what, ename(errno));
    else printf("%s: ok\n", what);
}

#define M(what, len, flags, fd) do { errno = 0; map_result(what, sys_mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0)); } while (0)

/* The VmFlags line of the smaps entry starting at p. */
static void show_vmflags(const char *what, void *p) {
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (line[0] != 'V' && sscanf(line, "%lx-%lx ", &s, &e) == 2) in = s == (unsigned long) p;
        if (in && strncmp(line, "VmFlags:", 8) == 0) printf("%s %s", what, line);
    }
    fclose(f);
}

static void pageout(void) {
    char *d = sys_mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
    char *a = sys_mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    d[0] = 1;
    d[PAGE] = 2;
    a[0] = 3;
    a[PAGE] = 4;
    show_vmflags("droppable:", d);
    R("MADV_PAGEOUT droppable", madvise(d, 2 * PAGE, MADV_PAGEOUT));
    printf("droppable after MADV_PAGEOUT: %d %d\n", d[0], d[PAGE]);
    R("MADV_PAGEOUT private", madvise(a, 2 * PAGE, MADV_PAGEOUT));
    printf("private after MADV_PAGEOUT: %d %d\n", a[0], a[PAGE]);
    R("mlock private", mlock(a, 2 * PAGE));
    R("MADV_PAGEOUT locked", madvise(a, 2 * PAGE, MADV_PAGEOUT));
    R("MADV_COLD locked", madvise(a, 2 * PAGE, MADV_COLD));
    printf("locked after: %d %d\n", a[0], a[PAGE]);
}

static void show_vmlck(const char *what) {
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *l = strstr(buf, "VmLck:");
    if (!l) { printf("%s: no VmLck\n", what); return; }
    char *nl = strchr(l, '\n');
    if (nl) *nl = 0;
    for (char *p = l; *p; p++) if (*p == '\t') *p = ' ';
    printf("%s: %s\n", what, l);
}

int main(void) {
    int fd = memfd_create("file", 0);
    if (ftruncate(fd, 4 * PAGE)) printf("ftruncate failed\n");

    M("droppable", PAGE, MAP_DROPPABLE | MAP_ANONYMOUS, -1);
    M("droppable file", PAGE, MAP_DROPPABLE, fd);
    M("droppable LOCKED", PAGE, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED, -1);
    M("droppable HUGETLB", 2UL << 20, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
    M("droppable GROWSDOWN", PAGE, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1);
    M("droppable SHARED_VALIDATE", PAGE, MAP_DROPPABLE | MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1);
    M("droppable POPULATE", PAGE, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_POPULATE, -1);
    M("droppable NORESERVE", PAGE, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
    M("droppable unknown flag 0x800000", PAGE, MAP_DROPPABLE | MAP_ANONYMOUS | 0x800000, -1);

    /* Placed between PROT_NONE guards: merging is between droppable and private neighbours only. */
    char *g = sys_mmap(NULL, 12 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *d = sys_mmap(g + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    char *p = sys_mmap(g + 3 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    char *d2 = sys_mmap(g + 5 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("fixed maps: %s\n", d == g + PAGE && p == g + 3 * PAGE && d2 == g + 5 * PAGE ? "ok" : "failed");
    printf("droppable reads zero: %s\n", d[0] == 0 && d[PAGE + 17] == 0 ? "yes" : "no");
    memset(d, 0x5a, 2 * PAGE);
    printf("droppable keeps writes: %s\n", d[0] == 0x5a && d[2 * PAGE - 1] == 0x5a ? "yes" : "no");
    maps_print_range("guard", (uintptr_t)g, (uintptr_t)g + 12 * PAGE);
    R("mprotect droppable read-only", mprotect(d, PAGE, PROT_READ));
    maps_print_range("after mprotect", (uintptr_t)g, (uintptr_t)g + 12 * PAGE);
    R("mprotect droppable back", mprotect(d, PAGE, PROT_READ | PROT_WRITE));
    maps_print_range("after mprotect back", (uintptr_t)g, (uintptr_t)g + 12 * PAGE);
    R("madvise KEEPONFORK droppable", madvise(d, PAGE, MADV_KEEPONFORK));
    R("madvise KEEPONFORK private", madvise(p, PAGE, MADV_KEEPONFORK));
    R("madvise WIPEONFORK droppable", madvise(d, PAGE, MADV_WIPEONFORK));
    R("madvise DONTNEED droppable", madvise(d + PAGE, PAGE, MADV_DONTNEED));
    printf("after DONTNEED: %d %d\n", d[0], d[PAGE]);

    R("mlock droppable", mlock(d, 2 * PAGE));
    show_vmlck("after mlock droppable");
    R("mlock private", mlock(p, PAGE));
    show_vmlck("after mlock private");
    R("munlock private", munlock(p, PAGE));
    maps_print_range("after mlock", (uintptr_t)g, (uintptr_t)g + 12 * PAGE);

    memset(d, 0x11, 2 * PAGE);
    memset(p, 0x22, 2 * PAGE);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: droppable %d %d, private %d\n", d[0], d[PAGE], p[0]);
        maps_print_range("child: guard", (uintptr_t)g, (uintptr_t)g + 12 * PAGE);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("parent: droppable %d %d\n", d[0], d[PAGE]);

    void *m = sys_mremap(d2, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (uintptr_t)(g + 9 * PAGE));
    printf("mremap droppable: %s\n", m == MAP_FAILED ? ename(errno) : "ok");
    printf("moved droppable reads zero: %s\n", m != MAP_FAILED && ((char *)m)[0] == 0 ? "yes" : "no");
    memset(m, 0x33, 2 * PAGE);
    R("mremap droppable grow in place", (long)sys_mremap(m, 2 * PAGE, 3 * PAGE, 0, 0) == (long)m ? 0 : -1);
    maps_print_range("after mremap", (uintptr_t)g, (uintptr_t)g + 12 * PAGE);

    /* MAP_SHARED_VALIDATE on a file. */
    M("file SHARED_VALIDATE", PAGE, MAP_SHARED_VALIDATE, fd);
    M("file SHARED_VALIDATE SYNC (no DAX)", PAGE, MAP_SHARED_VALIDATE | MAP_SYNC, fd);
    M("file SHARED SYNC (ignored)", PAGE, MAP_SHARED | MAP_SYNC, fd);
    M("file SHARED_VALIDATE unknown 0x800000", PAGE, MAP_SHARED_VALIDATE | 0x800000, fd);
    M("file SHARED unknown 0x800000 (ignored)", PAGE, MAP_SHARED | 0x800000, fd);
    M("file PRIVATE SYNC (ignored)", PAGE, MAP_PRIVATE | MAP_SYNC, fd);
    M("anon SHARED_VALIDATE SYNC", PAGE, MAP_SHARED_VALIDATE | MAP_SYNC | MAP_ANONYMOUS, -1);
    pageout();
    return 0;
}
