/*
 * mm-mthp: multi-size THP (Linux 6.8+), MADV_COLLAPSE, and hugetlb with an empty pool.
 *
 * Checked, with the host kernel as the reference:
 *  - which hugepages-NkB directories of /sys/kernel/mm/transparent_hugepage have an "enabled"
 *    file (anonymous orders 2..9) and a "shmem_enabled" file (orders 1..9); a bad value is EINVAL
 *    and a good one shows in brackets afterwards;
 *  - with hugepages-64kB/enabled "always" (hugepages-2048kB "never"), a write fault maps the whole
 *    naturally aligned 64 KiB around it at once (pagemap's present bit: all 16 pages, and not the
 *    17th), but only where all 16 PTEs were none (alloc_anon_folio()'s pte_range_none(): a read
 *    fault's zero page in the range leaves a single page); a range that does not fit the VMA is
 *    a single page; fork then COW keeps parent and child apart page by page;
 *  - MADV_COLLAPSE of a 2 MiB range of such PTE-mapped memory (some pages untouched, one the
 *    zero page) gives a PMD-mapped huge page (smaps AnonHugePages 2048 kB) with the same
 *    contents; after fork, a collapse in the parent leaves the child's view unchanged; ranges of
 *    less than 2 MiB are 0;
 *  - MAP_HUGETLB and memfd_create(MFD_HUGETLB) with no free huge pages: ENOMEM, EINVAL for an
 *    unknown size, ENODEV for memfd; fallocate ENOSPC, ftruncate to whole huge pages only, write
 *    EINVAL, mmap ENOMEM.
 * The program changes hugepages-64kB/enabled and hugepages-2048kB/enabled (as root, as the cow
 * selftest does) and puts back what it found before exiting. Exits 0.
 */
#define _GNU_SOURCE
#include "thptest.h"
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#define MFD_HUGE_SHIFT 26
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 2
#endif

#define HPAGE (2UL << 20)
#define MTHP (64UL << 10)

/* The bracketed choice of a sysfs list file ("always [madvise] never" -> "madvise"). */
static void current_choice(const char *name, char *out, size_t len) {
    const char *line = sysfs_read(name);
    char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
    if (!a || !b) {
        snprintf(out, len, "?");
        return;
    }
    *b = 0;
    snprintf(out, len, "%s", a + 1);
}

static int pagemap_fd;

/* A string of one character per page of [p, p + n pages): '#' present, '.' not. */
static const char *present(const char *p, int n) {
    static char s[600];
    for (int i = 0; i < n; i++) {
        uint64_t e = 0;
        pread(pagemap_fd, &e, 8, ((uintptr_t)p / PAGE + i) * 8);
        s[i] = (e >> 63) & 1 ? '#' : '.';
    }
    s[n] = 0;
    return s;
}

/* len bytes at an address aligned to align, from a mapping of len + align trimmed at both ends. */
static char *map_aligned(size_t len, size_t align) {
    char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
    if (a > p) munmap(p, a - p);
    if (a + len < p + len + align) munmap(a + len, p + len + align - (a + len));
    return a;
}

static void sizes(void) {
    char path[64];
    for (int order = 1; order <= 9; order++) {
        unsigned kb = 4u << order;
        snprintf(path, sizeof path, "hugepages-%ukB/enabled", kb);
        int has_enabled = sysfs_read(path) == buf;
        snprintf(path, sizeof path, "hugepages-%ukB/shmem_enabled", kb);
        int has_shmem = sysfs_read(path) == buf;
        printf("hugepages-%ukB: enabled %s, shmem_enabled %s\n", kb, has_enabled ? "yes" : "no",
               has_shmem ? "yes" : "no");
    }
}

static void mthp_faults(void) {
    printf("64kB never -> bogus: %s\n", sysfs_write("hugepages-64kB/enabled", "bogus\n"));
    const char *r = sysfs_write("hugepages-64kB/enabled", "always\n");
    printf("64kB -> always: %s, shows %s\n", r, sysfs_read("hugepages-64kB/enabled"));
    printf("2048kB -> never: %s\n", sysfs_write("hugepages-2048kB/enabled", "never"));
    char *a = map_aligned(4 * MTHP, MTHP);
    /* Volatile accesses, so that the compiler keeps the faults in this order. */
    *(volatile char *)(a + 5 * PAGE) = 1; /* chunk 0: all 16 pages */
    (void)*(volatile char *)(a + 16 * PAGE + 9 * PAGE); /* chunk 1: the zero page at its page 9 */
    *(volatile char *)(a + 16 * PAGE + 2 * PAGE) = 2; /* then a write in chunk 1: a single page */
    printf("after faults: %s\n", present(a, 64));
    munmap(a, 4 * MTHP);
    /* A VMA of 48 KiB at a 64 KiB boundary: the 64 KiB folio does not fit, a single page. */
    a = map_aligned(4 * MTHP, MTHP);
    munmap(a + 12 * PAGE, 4 * MTHP - 12 * PAGE);
    *(volatile char *)a = 1;
    printf("48 KiB VMA: %s\n", present(a, 12));
    munmap(a, 12 * PAGE);

    /* fork, then COW on a 64 KiB folio: each side keeps its own bytes. */
    a = map_aligned(MTHP, MTHP);
    for (unsigned long i = 0; i < MTHP; i += PAGE) a[i] = (char)(i / PAGE);
    pid_t pid = fork();
    if (pid == 0) {
        a[3 * PAGE] = 'c';
        int ok = a[3 * PAGE] == 'c' && a[4 * PAGE] == 4;
        _exit(ok ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    a[4 * PAGE] = 'p';
    printf("fork: child %s, parent sees page 3 = %d, page 4 = %c, %s\n", WEXITSTATUS(st) == 0 ? "ok" : "bad",
           a[3 * PAGE], a[4 * PAGE], present(a, 16));
    munmap(a, MTHP);
}

static void collapse(void) {
    char *a = map_aligned(HPAGE, HPAGE);
    madvise(a, HPAGE, MADV_HUGEPAGE);
    /* With only 64 KiB folios enabled: every other 64 KiB written, one read (the zero page). */
    for (unsigned long off = 0; off < HPAGE; off += 2 * MTHP) memset(a + off, (int)(off / MTHP) + 1, MTHP);
    __asm__ volatile("" ::: "memory");
    (void)*(volatile char *)(a + MTHP + PAGE);
    printf("before collapse: AnonHugePages %ld kB\n", anon_huge_kb((uintptr_t)a, (uintptr_t)a + HPAGE));
    printf("MADV_COLLAPSE 1 MiB: %s\n", madvise(a, HPAGE / 2, MADV_COLLAPSE) ? ename(errno) : "ok");
    printf("MADV_COLLAPSE 2 MiB: %s\n", madvise(a, HPAGE, MADV_COLLAPSE) ? ename(errno) : "ok");
    int same = 1;
    for (unsigned long off = 0; off < HPAGE; off += PAGE) {
        int want = (off / MTHP) % 2 ? 0 : (int)(off / MTHP) + 1;
        if (a[off] != want) same = 0;
    }
    printf("after collapse: AnonHugePages %ld kB, contents %s, %s\n", anon_huge_kb((uintptr_t)a, (uintptr_t)a + HPAGE),
           same ? "kept" : "changed", present(a, 16));
    /* Split it into PTEs again, fork, collapse in the parent, write: the child sees the old bytes. */
    mprotect(a + PAGE, PAGE, PROT_READ);
    mprotect(a + PAGE, PAGE, PROT_READ | PROT_WRITE);
    printf("split: AnonHugePages %ld kB\n", anon_huge_kb((uintptr_t)a, (uintptr_t)a + HPAGE));
    int go[2], done[2];
    pipe(go);
    pipe(done);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(go[0], &c, 1);
        int ok = a[0] == 1 && a[2 * MTHP] == 3 && a[MTHP] == 0;
        _exit(ok ? 0 : 1);
    }
    printf("MADV_COLLAPSE after fork: %s\n", madvise(a, HPAGE, MADV_COLLAPSE) ? ename(errno) : "ok");
    printf("parent: AnonHugePages %ld kB\n", anon_huge_kb((uintptr_t)a, (uintptr_t)a + HPAGE));
    memset(a, 0x7f, HPAGE);
    write(go[1], "x", 1);
    int st;
    waitpid(pid, &st, 0);
    printf("child after the parent's writes: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "old contents" : "leak");
    munmap(a, HPAGE);
    char *u = map_aligned(HPAGE, HPAGE);
    printf("MADV_COLLAPSE never touched: %s\n", madvise(u, HPAGE, MADV_COLLAPSE) ? ename(errno) : "ok");
    munmap(u, HPAGE);
}

static void hugetlb(void) {
    static const struct { const char *name; size_t len; int flags; } maps[] = {
        {"MAP_HUGETLB 2 MiB", 2UL << 20, 0},
        {"MAP_HUGETLB 4 KiB", 4096, 0},
        {"MAP_HUGETLB 1 GiB (log 30)", 1UL << 30, 30 << MAP_HUGE_SHIFT},
        {"MAP_HUGETLB log 25", 2UL << 20, 25 << MAP_HUGE_SHIFT},
        {"MAP_HUGETLB length 0", 0, 0},
    };
    for (unsigned i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        void *p = mmap(NULL, maps[i].len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | maps[i].flags, -1, 0);
        printf("%s: %s\n", maps[i].name, p == MAP_FAILED ? ename(errno) : "mapped");
    }
    printf("memfd log 25: %s\n", memfd_create("h", MFD_HUGETLB | (25 << MFD_HUGE_SHIFT)) < 0 ? ename(errno) : "ok");
    printf("memfd huge size bits without MFD_HUGETLB: %s\n", memfd_create("h", 21 << MFD_HUGE_SHIFT) < 0 ? ename(errno) : "ok");
    int fd = memfd_create("h", MFD_HUGETLB);
    struct stat st;
    fstat(fd, &st);
    printf("memfd MFD_HUGETLB: fd %s, size %ld, blksize %ld, mode %o\n", fd >= 0 ? "ok" : ename(errno), (long)st.st_size,
           (long)st.st_blksize, st.st_mode);
    printf("fallocate 2 MiB: %s\n", fallocate(fd, 0, 0, 2UL << 20) ? ename(errno) : "ok");
    printf("fallocate punch hole: %s\n", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 2UL << 20) ? ename(errno) : "ok");
    printf("ftruncate 4 KiB: %s\n", ftruncate(fd, 4096) ? ename(errno) : "ok");
    printf("ftruncate 2 MiB: %s\n", ftruncate(fd, 2UL << 20) ? ename(errno) : "ok");
    fstat(fd, &st);
    char c = 1;
    printf("size %ld, write: %s, ", (long)st.st_size, write(fd, "x", 1) < 0 ? ename(errno) : "ok");
    printf("pread: %ld byte %d\n", (long)pread(fd, &c, 1, 4096), c);
    void *p = mmap(NULL, 2UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("mmap private: %s\n", p == MAP_FAILED ? ename(errno) : "mapped");
    p = mmap(NULL, 2UL << 20, PROT_READ, MAP_SHARED, fd, 0);
    printf("mmap shared: %s\n", p == MAP_FAILED ? ename(errno) : "mapped");
    close(fd);
}

int main(void) {
    char old64[32], old2048[32];
    setvbuf(stdout, NULL, _IONBF, 0);
    pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
    sizes();
    current_choice("hugepages-64kB/enabled", old64, sizeof old64);
    current_choice("hugepages-2048kB/enabled", old2048, sizeof old2048);
    mthp_faults();
    collapse();
    sysfs_write("hugepages-64kB/enabled", old64);
    sysfs_write("hugepages-2048kB/enabled", old2048);
    hugetlb();
    return 0;
}
