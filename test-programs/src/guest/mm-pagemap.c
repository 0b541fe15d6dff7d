/*
 * mm-pagemap: /proc/self/pagemap as fs/proc/task_mmu.c's pagemap_read() gives it, for pages the
 * program controls (a private anonymous mapping of 4 pages between PROT_NONE guards, and one page
 * of the program's own file mapped privately): per page present, mapped exclusively, file page,
 * and whether a PFN is shown (the host runs this as root: CAP_SYS_ADMIN shows frame numbers; it
 * is printed as yes/no, never the number). A written page is present and exclusive; a page only
 * read maps the zero page (present, not exclusive, not a file page); an untouched page and a
 * guard page are absent; after fork the written pages are no longer exclusive in either process,
 * until the child writes one (its copy is exclusive again); the file page is a file page. An
 * unaligned offset or count is EINVAL. Exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int fd;

static void show(const char *what, char *p) {
    uint64_t e;
    if (pread(fd, &e, 8, (uintptr_t) p / 4096 * 8) != 8) {
        printf("%s: read failed (%s)\n", what, strerror(errno));
        return;
    }
    printf("%-24s present %d exclusive %d file %d pfn %s\n", what, (int) (e >> 63 & 1), (int) (e >> 56 & 1),
            (int) (e >> 61 & 1), (e & ((1ULL << 55) - 1)) ? "yes" : "no");
}

int main(void) {
    fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0) {
        printf("no pagemap\n");
        return 1;
    }
    char *g = mmap(NULL, 6 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *a = g + 4096;
    mprotect(a, 4 * 4096, PROT_READ | PROT_WRITE);
    a[0] = 1;
    a[4096] = 2;
    volatile char sink = a[2 * 4096];
    (void) sink;
    show("guard", g);
    show("written 0", a);
    show("written 1", a + 4096);
    show("read only", a + 2 * 4096);
    show("untouched", a + 3 * 4096);
    int self = open("/proc/self/exe", O_RDONLY);
    char *f = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self, 0);
    if (f == MAP_FAILED) return 1;
    sink = f[0];
    show("file page", f);
    uint64_t e;
    ssize_t r = pread(fd, &e, 8, 4);
    printf("unaligned offset: %zd %s\n", r, strerror(errno));
    r = pread(fd, &e, 4, 0);
    printf("unaligned count: %zd %s\n", r, strerror(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fd = open("/proc/self/pagemap", O_RDONLY);
        show("child written 0", a);
        a[0] = 3;
        show("child after its write", a);
        show("child written 1", a + 4096);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    show("parent written 1", a + 4096);
    return 0;
}
