/*
 * mm-thp-fault: transparent huge pages at fault time (do_huge_pmd_anonymous_page in
 * mm/huge_memory.c). An 8 MiB private anonymous mapping, 2 MiB aligned by the program itself
 * (it maps 10 MiB and trims both ends, so no luck in placement is needed), advised
 * MADV_HUGEPAGE and written one store per 4 KiB page, takes 4 huge-page faults (/proc/vmstat
 * thp_fault_alloc) and is mapped by 4 PMDs (AnonHugePages: 8192 kB). Then: munmap of one
 * 4 KiB page splits its PMD (6144 kB still PMD-mapped) and leaves the other pages' contents;
 * mprotect of a whole aligned 2 MiB keeps that PMD (6144 kB); a mapping advised
 * MADV_NOHUGEPAGE takes no huge page (0 kB). Read first, a MADV_HUGEPAGE range maps the huge
 * zero page (use_zero_page, the default): it reads as zeros and is no anonymous huge page
 * (0 kB); a write then replaces that 2 MiB with a huge page (2048 kB: do_huge_zero_wp_pmd()
 * since Linux 6.16; older kernels split the zero PMD and copy 4 KiB, which would print 0 kB).
 * Exits 0.
 *
 * The output is the same with the host's THP "always" and "madvise" (both give huge pages to
 * MADV_HUGEPAGE ranges and none to MADV_NOHUGEPAGE ones); with "never" it differs, and
 * NativeRunTest skips this program, saying so.
 *
 * With the argument "sysfs" (mmemu only: on the host it would change the machine's settings)
 * the program drives /sys/kernel/mm/transparent_hugepage instead: enabled set to never keeps
 * MADV_HUGEPAGE memory small, always makes memory without advice huge, use_zero_page 0 makes a
 * read fault take a huge page; bad values are EINVAL, hpage_pmd_size is read-only (EACCES).
 *
 * AnonHugePages comes from /proc/self/smaps (the VMAs inside the 8 MiB). thp_fault_alloc is
 * machine-wide on the host, where another process may fault a huge page meanwhile: the first
 * measurement is retried (up to 5 times) until the count is exactly 4.
 */
#define _GNU_SOURCE
#include "thptest.h"

#define HPAGE (2UL << 20)
#define LEN (8UL << 20)

static long vmstat(const char *name) {
    return slurp("/proc/vmstat") < 0 ? -1 : field(name);
}

/* An 8 MiB private anonymous mapping at a 2 MiB boundary: 10 MiB mapped, the ends trimmed. */
static char *map_aligned(void) {
    char *p = mmap(NULL, LEN + HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
    if (a > p) munmap(p, a - p);
    if (a + LEN < p + LEN + HPAGE) munmap(a + LEN, p + LEN + HPAGE - (a + LEN));
    return a;
}

/* AnonHugePages of an aligned 2 MiB, madvised or not, after one read or write fault. */
static long one_fault(int advice, int write_it) {
    char *a = map_aligned();
    if (advice >= 0) madvise(a, HPAGE, advice);
    if (write_it) a[0] = 1;
    else if (*(volatile char *)a != 0) return -1;
    long kb = anon_huge_kb((uintptr_t)a, (uintptr_t)a + LEN);
    munmap(a, LEN);
    return kb;
}

/* Writes text to a sysfs file, then prints what the write answered and what the file shows. */
static void set(const char *name, const char *text, const char *label) {
    const char *r = sysfs_write(name, text);
    printf("%s: %s, %s now %s\n", label, r, name, sysfs_read(name));
}

static int sysfs_run(void) {
    printf("enabled: %s\n", sysfs_read("enabled"));
    printf("use_zero_page: %s\n", sysfs_read("use_zero_page"));
    printf("hpage_pmd_size: %s\n", sysfs_read("hpage_pmd_size"));
    set("enabled", "never\n", "write never");
    printf("MADV_HUGEPAGE, written: %ld kB\n", one_fault(MADV_HUGEPAGE, 1));
    set("enabled", "always", "write always");
    printf("no advice, written: %ld kB\n", one_fault(-1, 1));
    printf("MADV_NOHUGEPAGE, written: %ld kB\n", one_fault(MADV_NOHUGEPAGE, 1));
    set("enabled", "sometimes", "write sometimes");
    set("enabled", "madvise", "write madvise");
    printf("no advice, written: %ld kB\n", one_fault(-1, 1));
    printf("MADV_HUGEPAGE, read: %ld kB\n", one_fault(MADV_HUGEPAGE, 0));
    set("use_zero_page", "0", "write 0");
    printf("MADV_HUGEPAGE, read: %ld kB\n", one_fault(MADV_HUGEPAGE, 0));
    set("use_zero_page", "2", "write 2");
    set("use_zero_page", "0x1", "write 0x1");
    set("use_zero_page", "1\n", "write 1");
    printf("hpage_pmd_size for writing: %s\n", sysfs_write("hpage_pmd_size", "4096"));
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "sysfs") == 0) return sysfs_run();
    printf("hpage_pmd_size: %s\n", sysfs_read("hpage_pmd_size"));
    char *a = NULL;
    long faults = -1, kb = -1;
    int rc = -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (a) munmap(a, LEN);
        a = map_aligned();
        if (!a) {
            printf("mmap: %s\n", ename(errno));
            return 1;
        }
        rc = madvise(a, LEN, MADV_HUGEPAGE);
        long before = vmstat("thp_fault_alloc");
        for (size_t off = 0; off < LEN; off += PAGE) a[off] = (char)(off / PAGE);
        faults = vmstat("thp_fault_alloc") - before;
        kb = anon_huge_kb((uintptr_t)a, (uintptr_t)a + LEN);
        if (faults == 4 && kb == 8192) break;
    }
    printf("madvise(MADV_HUGEPAGE): %s\n", rc == 0 ? "0" : ename(errno));
    printf("touched %lu pages of 8 MiB\n", LEN / PAGE);
    printf("huge-page faults: %ld\n", faults);
    printf("AnonHugePages: %ld kB\n", kb);

    printf("munmap of one 4 KiB page: %d\n", munmap(a + HPAGE + 5 * PAGE, PAGE));
    printf("after it, AnonHugePages: %ld kB\n", anon_huge_kb((uintptr_t)a, (uintptr_t)a + LEN));
    printf("mprotect(PROT_READ) of the last 2 MiB: %d\n", mprotect(a + LEN - HPAGE, HPAGE, PROT_READ));
    printf("after it, AnonHugePages: %ld kB\n", anon_huge_kb((uintptr_t)a, (uintptr_t)a + LEN));
    long bad = 0;
    for (size_t off = 0; off < LEN; off += PAGE) {
        if (off == HPAGE + 5 * PAGE) continue;
        bad += a[off] != (char)(off / PAGE) || a[off + 1] != 0;
    }
    printf("pages with wrong contents: %ld\n", bad);
    munmap(a, LEN);

    char *z = map_aligned();
    printf("madvise(MADV_HUGEPAGE): %d\n", madvise(z, LEN, MADV_HUGEPAGE));
    long sum = 0;
    for (size_t off = 0; off < LEN; off += PAGE) sum += z[off] + z[off + PAGE - 1];
    printf("read-touched 8 MiB: sum %ld, AnonHugePages: %ld kB\n", sum, anon_huge_kb((uintptr_t)z, (uintptr_t)z + LEN));
    z[HPAGE + 7] = 7;
    printf("one write into the second 2 MiB: AnonHugePages: %ld kB, it reads %d, its neighbour %d\n",
           anon_huge_kb((uintptr_t)z, (uintptr_t)z + LEN), z[HPAGE + 7], z[HPAGE + PAGE + 7]);
    munmap(z, LEN);

    char *n = map_aligned();
    printf("madvise(MADV_NOHUGEPAGE): %d\n", madvise(n, LEN, MADV_NOHUGEPAGE));
    for (size_t off = 0; off < LEN; off += PAGE) n[off] = 1;
    printf("MADV_NOHUGEPAGE mapping touched, AnonHugePages: %ld kB\n", anon_huge_kb((uintptr_t)n, (uintptr_t)n + LEN));
    munmap(n, LEN);
    printf("after munmap of both, AnonHugePages: %ld kB\n", anon_huge_kb((uintptr_t)n, (uintptr_t)n + LEN));
    return 0;
}
