/*
 * mm-mmap-errno: the mmap family's argument checks and their errno, anonymous and
 * file-backed (the program's own file, /proc/self/exe, and a directory):
 * length 0, neither MAP_PRIVATE nor MAP_SHARED, MAP_SHARED_VALIDATE with an unknown flag,
 * unknown flags ignored with MAP_PRIVATE, MAP_FIXED unaligned, lengths past the address
 * space, an address + length that wraps, MAP_FIXED above TASK_SIZE, file offset not page
 * aligned, a bad fd, a shared writable mapping of a read-only fd (EACCES) and the private
 * one that is allowed, a directory (ENODEV), mmap_min_addr (MAP_FIXED at 0 -> EPERM once
 * capabilities are dropped), MAP_FIXED_NOREPLACE over a mapping (EEXIST), munmap and
 * mprotect and mremap argument errors. Prints return codes and errno names. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"

#define BASE 0x100000000000UL

static void map_line(const char *what, void *p, void *want) {
    if (p == MAP_FAILED) printf("%s: MAP_FAILED %s\n", what, ename(errno));
    else if (want) printf("%s: %s\n", what, p == want ? "at the requested address" : "elsewhere");
    else printf("%s: ok\n", what);
}

#define M(what, want, ...) do { errno = 0; map_line(what, sys_mmap(__VA_ARGS__), (void *)(want)); } while (0)
#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

int main(void) {
    const int prw = PROT_READ | PROT_WRITE;
    const int pa = MAP_PRIVATE | MAP_ANONYMOUS;
    int fd = open("/proc/self/exe", O_RDONLY);
    int dfd = open("/", O_RDONLY | O_DIRECTORY);
    printf("open self: %s, open /: %s\n", fd >= 0 ? "ok" : "failed", dfd >= 0 ? "ok" : "failed");
    R("drop capabilities (capset)", drop_caps());

    /* anonymous */
    M("anon length 0", 0, NULL, 0, prw, pa, -1, 0);
    M("anon no PRIVATE/SHARED", 0, NULL, PAGE, prw, MAP_ANONYMOUS, -1, 0);
    M("anon SHARED|PRIVATE (= SHARED_VALIDATE)", 0, NULL, PAGE, prw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
    M("anon SHARED_VALIDATE + unknown flag 0x800000", 0, NULL, PAGE, prw,
      MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000, -1, 0);
    M("anon PRIVATE + unknown flag 0x800000", 0, NULL, PAGE, prw, pa | 0x800000, -1, 0);
    M("anon fd 1234 ignored", 0, NULL, PAGE, prw, pa, 1234, 0);
    M("anon offset 4096", 0, NULL, PAGE, prw, pa, -1, 4096);
    M("anon offset 1 (unaligned)", 0, NULL, PAGE, prw, pa, -1, 1);
    M("anon length 2^47", 0, NULL, 1UL << 47, prw, pa, -1, 0);
    errno = 0;
    void *huge = sys_mmap(NULL, (1UL << 47) - (1UL << 32), PROT_NONE, pa | MAP_NORESERVE, -1, 0);
    map_line("anon length 2^47 - 2^32", huge, 0);
    if (huge != MAP_FAILED) R("munmap it", sys_munmap(huge, (1UL << 47) - (1UL << 32)));
    M("anon length -4096", 0, NULL, (size_t)-4096, prw, pa, -1, 0);
    M("anon length ~0", 0, NULL, (size_t)-1, prw, pa, -1, 0);
    M("anon FIXED unaligned", 0, (void *)(BASE + 1), PAGE, prw, pa | MAP_FIXED, -1, 0);
    M("anon FIXED at 2^47 - 4096", (1UL << 47) - PAGE, (void *)((1UL << 47) - PAGE), PAGE, prw, pa | MAP_FIXED, -1, 0);
    M("anon FIXED at 2^47", 0, (void *)(1UL << 47), PAGE, prw, pa | MAP_FIXED, -1, 0);
    M("anon FIXED straddling 2^47", 0, (void *)((1UL << 47) - PAGE), 2 * PAGE, prw, pa | MAP_FIXED, -1, 0);
    M("anon FIXED at 0 (mmap_min_addr)", 0, (void *)0, PAGE, prw, pa | MAP_FIXED, -1, 0);
    M("anon FIXED_NOREPLACE at 0", 0, (void *)0, PAGE, prw, pa | MAP_FIXED_NOREPLACE, -1, 0);
    M("anon FIXED at 0x10000", 0x10000, (void *)0x10000, PAGE, prw, pa | MAP_FIXED, -1, 0);
    M("anon hint 2^47 (ignored)", 0, (void *)(1UL << 47), PAGE, prw, pa, -1, 0);
    M("anon FIXED at BASE", BASE, (void *)BASE, 4 * PAGE, prw, pa | MAP_FIXED, -1, 0);
    M("anon FIXED_NOREPLACE over BASE+1 page", 0, (void *)(BASE + PAGE), PAGE, prw, pa | MAP_FIXED_NOREPLACE, -1, 0);
    M("anon FIXED_NOREPLACE ending inside BASE", 0, (void *)(BASE - PAGE), 2 * PAGE, prw, pa | MAP_FIXED_NOREPLACE, -1, 0);
    M("anon FIXED_NOREPLACE just below BASE", BASE - PAGE, (void *)(BASE - PAGE), PAGE, prw, pa | MAP_FIXED_NOREPLACE, -1, 0);
    M("anon prot 0x10 (unknown bit)", 0, NULL, PAGE, prw | 0x10, pa, -1, 0);
    M("anon PROT_GROWSDOWN without MAP_GROWSDOWN", 0, NULL, PAGE, prw | PROT_GROWSDOWN, pa, -1, 0);

    /* file-backed */
    M("file fd -1", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0);
    M("file fd 1234 (closed)", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, 1234, 0);
    M("file PRIVATE read", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    M("file SHARED read", 0, NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    M("file SHARED_VALIDATE read", 0, NULL, PAGE, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
    M("file PRIVATE read+write on O_RDONLY", 0, NULL, PAGE, prw, MAP_PRIVATE, fd, 0);
    M("file SHARED read+write on O_RDONLY", 0, NULL, PAGE, prw, MAP_SHARED, fd, 0);
    M("file offset 100 (unaligned)", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100);
    M("file offset far past EOF", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 1L << 40);
    M("file offset -4096", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, -4096);
    M("file length 0", 0, NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0);
    M("directory PRIVATE read", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, dfd, 0);
    int wfd = open("/dev/null", O_WRONLY);
    M("O_WRONLY fd PRIVATE read", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, wfd, 0);
    int pfd[2];
    if (pipe(pfd) == 0) M("pipe PRIVATE read", 0, NULL, PAGE, PROT_READ, MAP_PRIVATE, pfd[0], 0);

    /* munmap */
    R("munmap length 0", sys_munmap((void *)BASE, 0));
    R("munmap unaligned", sys_munmap((void *)(BASE + 1), PAGE));
    R("munmap unaligned length (rounded up)", sys_munmap((void *)(BASE + 3 * PAGE), 1));
    R("munmap nothing mapped", sys_munmap((void *)(BASE + 64 * PAGE), PAGE));
    R("munmap at 2^47", sys_munmap((void *)(1UL << 47), PAGE));
    R("munmap straddling 2^47", sys_munmap((void *)((1UL << 47) - PAGE), 2 * PAGE));
    R("munmap length -4096", sys_munmap((void *)BASE, (size_t)-4096));
    R("munmap kernel address", sys_munmap((void *)0xffff800000000000UL, PAGE));

    /* mprotect */
    R("mprotect unaligned", sys_mprotect((void *)(BASE + 1), PAGE, PROT_READ));
    R("mprotect length 0", sys_mprotect((void *)BASE, 0, PROT_READ));
    R("mprotect unknown prot bit", sys_mprotect((void *)BASE, PAGE, PROT_READ | 0x10));
    R("mprotect unmapped", sys_mprotect((void *)(BASE + 64 * PAGE), PAGE, PROT_READ));
    R("mprotect over mapped+hole", sys_mprotect((void *)BASE, 8 * PAGE, PROT_READ));
    R("mprotect GROWSDOWN on plain mapping", sys_mprotect((void *)BASE, PAGE, PROT_READ | PROT_GROWSDOWN));
    R("mprotect GROWSUP", sys_mprotect((void *)BASE, PAGE, PROT_READ | PROT_GROWSUP));
    R("mprotect GROWSDOWN|GROWSUP", sys_mprotect((void *)BASE, PAGE, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
    R("mprotect length -4096", sys_mprotect((void *)BASE, (size_t)-4096, PROT_READ));

    /* mremap */
    errno = 0;
    void *r = sys_mremap((void *)(BASE + 1), PAGE, 2 * PAGE, 0, 0);
    printf("mremap unaligned: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, PAGE, 0, 0, 0);
    printf("mremap new length 0: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)(BASE + 64 * PAGE), PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0);
    printf("mremap unmapped: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, PAGE, PAGE, 0x40, 0);
    printf("mremap unknown flag: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, PAGE, PAGE, MREMAP_FIXED, BASE + 16 * PAGE);
    printf("mremap FIXED without MAYMOVE: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + PAGE);
    printf("mremap FIXED overlapping source: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 16 * PAGE + 1);
    printf("mremap FIXED unaligned target: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
    printf("mremap DONTUNMAP growing: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, PAGE, PAGE, MREMAP_DONTUNMAP, 0);
    printf("mremap DONTUNMAP without MAYMOVE: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, 0, PAGE, MREMAP_MAYMOVE, 0);
    printf("mremap old length 0 of a private mapping: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, 8 * PAGE, 9 * PAGE, MREMAP_MAYMOVE, 0);
    printf("mremap over mapped+hole: %s\n", r == MAP_FAILED ? ename(errno) : "ok");
    errno = 0;
    r = sys_mremap((void *)BASE, 2 * PAGE, 1UL << 47, MREMAP_MAYMOVE, 0);
    printf("mremap to 2^47 bytes: %s\n", r == MAP_FAILED ? ename(errno) : "ok");

    /* what is left at BASE: pages 0..2 (page 3 was unmapped by the rounded length) */
    maps_print_range("maps around BASE (relative to BASE - 0x2000)", BASE - 2 * PAGE, BASE + 32 * PAGE);
    return 0;
}
