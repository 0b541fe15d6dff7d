/*
 * sys-errno-order: syscall argument checks in the kernel's order, one line per case, for the
 * calls where mmemu once answered differently (found by sys-fuzz): capget/capset (header
 * version written back, pid, data), gettimeofday's timezone, getrlimit/setrlimit/prlimit64 (the
 * copy before or after the resource check; a new limit applied before the old one fails to
 * copy out), getrusage (who before the copy), clock_gettime/clock_getres (the clock before the
 * copy, CPU clocks of pid 0), mmap (EBADF before the length; the address before the type),
 * mremap (6.18: the new length first, moves of several VMAs), madvise (MADV_REMOVE,
 * MADV_POPULATE_*, MADV_DONTNEED_LOCKED, kernel addresses), mprotect (PROT_GROWSUP, unknown bits
 * after the length), open/openat (the flags, then the name, then dirfd; EEXIST, ELOOP, ENOTDIR
 * before the access mode), readlink/readlinkat (an int bufsiz first; empty names) and
 * rt_sigaction (the action copied before the signal is checked; unknown flags dropped).
 * Capabilities are dropped first, so that the run is the same for root and other users; at the
 * end the program execs itself, which has the capabilities it started with again (root gets the
 * bounding set back).
 * Prints return values and errno names, never addresses. Exits 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <limits.h>
#include <sys/resource.h>
#include "mmtest.h"

#define BASE 0x240000000000UL
#define KERNEL_ADDR 0xffffffff81000000UL
#define CAP_V1 0x19980330U
#define CAP_V3 0x20080522U

static long sc(long n, long a, long b, long c, long d, long e, long f) {
    long r = syscall(n, a, b, c, d, e, f);
    return r == -1 ? -errno : r;
}

static void line(const char *what, long r) {
    if (r < 0 && r > -4096) printf("%s: %s\n", what, ename((int)-r));
    else printf("%s: %ld\n", what, r);
}

static void map_line(const char *what, long r, uintptr_t want) {
    if (r < 0 && r > -4096) printf("%s: %s\n", what, ename((int)-r));
    else printf("%s: %s\n", what, (uintptr_t)r == want ? "at the requested address" : "elsewhere");
    if (r >= 0 && (uintptr_t)r != want) sys_munmap((void *)r, PAGE);
}

struct cap_header { uint32_t version; int32_t pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

static void capabilities(unsigned char *ro) {
    struct cap_header h;
    struct cap_data d[2];
    h = (struct cap_header){0x12345678, 0};
    line("capget(version 0x12345678, NULL data)", sc(SYS_capget, (long)&h, 0, 0, 0, 0, 0));
    printf("  version written back: 0x%x\n", h.version);
    h = (struct cap_header){0x12345678, 0};
    line("capget(version 0x12345678, data)", sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0));
    line("capget(header in a read-only page)", sc(SYS_capget, (long)ro, (long)d, 0, 0, 0, 0));
    line("capget(unmapped header)", sc(SYS_capget, (long)(BASE + 63 * PAGE), (long)d, 0, 0, 0, 0));
    h = (struct cap_header){CAP_V3, -1};
    line("capget(pid -1)", sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0));
    h = (struct cap_header){CAP_V3, 0x7fffffff};
    line("capget(pid 0x7fffffff)", sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0));
    h = (struct cap_header){CAP_V3, 0};
    line("capget(NULL data)", sc(SYS_capget, (long)&h, 0, 0, 0, 0, 0));
    memset(d, 0xaa, sizeof d);
    h = (struct cap_header){CAP_V1, 0};
    line("capget(version 1)", sc(SYS_capget, (long)&h, (long)d, 0, 0, 0, 0));
    printf("  effective %x permitted %x inheritable %x, second set untouched: %s\n", d[0].effective, d[0].permitted,
           d[0].inheritable, d[1].effective == 0xaaaaaaaaU ? "yes" : "no");

    h = (struct cap_header){CAP_V3, 0};
    line("capset(NULL data)", sc(SYS_capset, (long)&h, 0, 0, 0, 0, 0));
    line("capset(kernel address as data)", sc(SYS_capset, (long)&h, KERNEL_ADDR, 0, 0, 0, 0));
    line("capset(unmapped header)", sc(SYS_capset, (long)(BASE + 63 * PAGE), (long)d, 0, 0, 0, 0));
    h = (struct cap_header){0, 0};
    line("capset(version 0)", sc(SYS_capset, (long)&h, (long)d, 0, 0, 0, 0));
    printf("  version written back: 0x%x\n", h.version);
    line("capset(version 0 in a read-only page)", sc(SYS_capset, (long)ro, (long)d, 0, 0, 0, 0));
    h = (struct cap_header){CAP_V3, 1};
    line("capset(pid 1)", sc(SYS_capset, (long)&h, 0, 0, 0, 0, 0));
    memset(d, 0, sizeof d);
    h = (struct cap_header){CAP_V3, (int32_t)getpid()};
    line("capset(own pid, empty sets)", sc(SYS_capset, (long)&h, (long)d, 0, 0, 0, 0));
    d[0].permitted = 1; /* CAP_CHOWN, dropped: may not come back */
    h = (struct cap_header){CAP_V3, 0};
    line("capset(raise permitted)", sc(SYS_capset, (long)&h, (long)d, 0, 0, 0, 0));
    d[0] = (struct cap_data){1, 0, 0};
    line("capset(effective not permitted)", sc(SYS_capset, (long)&h, (long)d, 0, 0, 0, 0));
    d[0] = (struct cap_data){0, 0, 1};
    line("capset(raise inheritable)", sc(SYS_capset, (long)&h, (long)d, 0, 0, 0, 0));
}

static void limits(void) {
    struct rlimit r;
    uint64_t lim[2];
    line("getrlimit(RLIMIT_NOFILE, NULL)", sc(SYS_getrlimit, RLIMIT_NOFILE, 0, 0, 0, 0, 0));
    line("getrlimit(99, NULL)", sc(SYS_getrlimit, 99, 0, 0, 0, 0, 0));
    line("getrlimit(-1, buf)", sc(SYS_getrlimit, -1, (long)&r, 0, 0, 0, 0));
    line("getrlimit(0x100000000 = RLIMIT_CPU, buf)", sc(SYS_getrlimit, 0x100000000L, (long)&r, 0, 0, 0, 0));
    line("setrlimit(99, NULL)", sc(SYS_setrlimit, 99, 0, 0, 0, 0, 0));
    line("setrlimit(RLIMIT_NOFILE, NULL)", sc(SYS_setrlimit, RLIMIT_NOFILE, 0, 0, 0, 0, 0));
    lim[0] = 1, lim[1] = 0;
    line("setrlimit(RLIMIT_CORE, soft > hard)", sc(SYS_setrlimit, RLIMIT_CORE, (long)lim, 0, 0, 0, 0));
    line("prlimit64(pid -1, 99, kernel address, NULL)", sc(SYS_prlimit64, -1, 99, KERNEL_ADDR, 0, 0, 0));
    line("prlimit64(pid 0x7fffffff, 99, NULL, NULL)", sc(SYS_prlimit64, 0x7fffffff, 99, 0, 0, 0, 0));
    line("prlimit64(0, 99, NULL, NULL)", sc(SYS_prlimit64, 0, 99, 0, 0, 0, 0));
    sc(SYS_prlimit64, 0, RLIMIT_CORE, 0, (long)lim, 0, 0);
    lim[0] = 0; /* lowering the soft limit is always allowed */
    line("prlimit64(RLIMIT_CORE, soft 0, old to a kernel address)",
         sc(SYS_prlimit64, 0, RLIMIT_CORE, (long)lim, KERNEL_ADDR, 0, 0));
    sc(SYS_prlimit64, 0, RLIMIT_CORE, 0, (long)lim, 0, 0);
    printf("  the new soft limit took effect: %s\n", lim[0] == 0 ? "yes" : "no");

    line("getrusage(-2, NULL)", sc(SYS_getrusage, -2, 0, 0, 0, 0, 0));
    line("getrusage(2, kernel address)", sc(SYS_getrusage, 2, KERNEL_ADDR, 0, 0, 0, 0));
    line("getrusage(RUSAGE_SELF, NULL)", sc(SYS_getrusage, 0, 0, 0, 0, 0, 0));
    line("getrusage(RUSAGE_THREAD, unmapped)", sc(SYS_getrusage, 1, (long)(BASE + 63 * PAGE), 0, 0, 0, 0));
    char ru[144];
    line("getrusage(0x100000000 = RUSAGE_SELF, buf)", sc(SYS_getrusage, 0x100000000L, (long)ru, 0, 0, 0, 0));
}

static void time_calls(unsigned char *ro) {
    long ts[2];
    line("gettimeofday(NULL, NULL)", sc(SYS_gettimeofday, 0, 0, 0, 0, 0, 0));
    line("gettimeofday(buf, timezone in a read-only page)", sc(SYS_gettimeofday, (long)ts, (long)ro, 0, 0, 0, 0));
    line("gettimeofday(NULL, kernel address)", sc(SYS_gettimeofday, 0, KERNEL_ADDR, 0, 0, 0, 0));
    line("gettimeofday(kernel address, NULL)", sc(SYS_gettimeofday, KERNEL_ADDR, 0, 0, 0, 0, 0));
    line("clock_gettime(12, kernel address)", sc(SYS_clock_gettime, 12, KERNEL_ADDR, 0, 0, 0, 0));
    line("clock_gettime(CLOCK_MONOTONIC, kernel address)", sc(SYS_clock_gettime, 1, KERNEL_ADDR, 0, 0, 0, 0));
    line("clock_gettime(CLOCK_REALTIME, read-only page)", sc(SYS_clock_gettime, 0, (long)ro, 0, 0, 0, 0));
    line("clock_gettime(0x100000000 = CLOCK_REALTIME, buf)", sc(SYS_clock_gettime, 0x100000000L, (long)ts, 0, 0, 0, 0));
    line("clock_gettime(-2: pid 0's thread SCHED clock, buf)", sc(SYS_clock_gettime, -2, (long)ts, 0, 0, 0, 0));
    line("clock_gettime(-6: pid 0's process SCHED clock, buf)", sc(SYS_clock_gettime, -6, (long)ts, 0, 0, 0, 0));
    line("clock_gettime(-1: CPU clock 3, buf)", sc(SYS_clock_gettime, -1, (long)ts, 0, 0, 0, 0));
    line("clock_gettime(own pid's process clock, buf)", sc(SYS_clock_gettime, (~(long)getpid() << 3) | 2, (long)ts, 0, 0, 0, 0));
    line("clock_gettime(pid 0x7fffff's clock, buf)", sc(SYS_clock_gettime, (~0x7fffffL << 3) | 2, (long)ts, 0, 0, 0, 0));
    line("clock_getres(CLOCK_MONOTONIC, NULL)", sc(SYS_clock_getres, 1, 0, 0, 0, 0, 0));
    line("clock_getres(16 + 8, NULL)", sc(SYS_clock_getres, 24, 0, 0, 0, 0, 0));
    line("clock_getres(CLOCK_REALTIME, kernel address)", sc(SYS_clock_getres, 0, KERNEL_ADDR, 0, 0, 0, 0));
    line("clock_getres(-6, buf)", sc(SYS_clock_getres, -6, (long)ts, 0, 0, 0, 0));
}

static void mappings(void) {
    const long prw = PROT_READ | PROT_WRITE;
    const long pa = MAP_PRIVATE | MAP_ANONYMOUS;
    map_line("mmap(length 0, file fd -1)", sc(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE, -1, 0), 0);
    map_line("mmap(length 2^47, fd 1234)", sc(SYS_mmap, 0, 1L << 47, PROT_READ, MAP_PRIVATE, 1234, 0), 0);
    map_line("mmap(offset -4096, fd 1234)", sc(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, 1234, -4096L), 0);
    map_line("mmap(offset 1, fd 1234)", sc(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, 1234, 1), 0);
    map_line("mmap(anon, no type, length 2^47)", sc(SYS_mmap, 0, 1L << 47, prw, MAP_ANONYMOUS, -1, 0), 0);
    map_line("mmap(anon FIXED at a kernel address)", sc(SYS_mmap, KERNEL_ADDR, PAGE, prw, pa | MAP_FIXED, -1, 0), 0);
    map_line("mmap(anon FIXED unaligned, past TASK_SIZE)",
             sc(SYS_mmap, (1L << 47) - PAGE + 1, 2 * PAGE, prw, pa | MAP_FIXED, -1, 0), 0);
    map_line("mmap(anon, offset -4096)", sc(SYS_mmap, 0, PAGE, prw, pa, -1, -4096L), 0);
    map_line("mmap(anon FIXED at BASE)", sc(SYS_mmap, BASE, 8 * PAGE, prw, pa | MAP_FIXED, -1, 0), BASE);
    map_line("mmap(anon FIXED_NOREPLACE over BASE, no type)",
             sc(SYS_mmap, BASE, PAGE, prw, MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), BASE);
    long r = sc(SYS_mmap, BASE + 32 * PAGE, PAGE, prw, pa | MAP_32BIT, -1, 0);
    printf("mmap(anon MAP_32BIT, hint above 4 GiB): %s\n", r > 0 && r < 0x80000000L ? "below 2 GiB" : "elsewhere");
    if (r > 0) sys_munmap((void *)r, PAGE);

    /* BASE: [0, 8) rw private; mremap */
    line("mremap(new length 2^47, no VMA there)", sc(SYS_mremap, BASE + 40 * PAGE, PAGE, 1L << 47, MREMAP_MAYMOVE, 0, 0));
    line("mremap(same length, no VMA there)", sc(SYS_mremap, BASE + 40 * PAGE, PAGE, PAGE, 0, 0, 0));
    line("mremap(shrink, no VMA there)", sc(SYS_mremap, BASE + 40 * PAGE, 2 * PAGE, PAGE, 0, 0, 0));
    line("mremap(a kernel address)", sc(SYS_mremap, KERNEL_ADDR, PAGE, PAGE, 0, 0, 0));
    line("mremap(grow across the VMA's end)", sc(SYS_mremap, BASE + 6 * PAGE, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE, 0, 0));
    sys_mprotect((void *)(BASE + 2 * PAGE), 2 * PAGE, PROT_READ); /* [0,2) rw [2,4) r [4,8) rw */
    sys_munmap((void *)(BASE + 4 * PAGE), PAGE);                  /* [0,2) rw [2,4) r hole [5,8) rw */
    ((char *)BASE)[0] = 'a';
    ((char *)BASE)[5 * PAGE] = 'b';
    map_line("mremap(FIXED move of three VMAs and a hole)",
             sc(SYS_mremap, BASE, 8 * PAGE, 8 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 16 * PAGE, 0), BASE + 16 * PAGE);
    maps_print_range("  after the move", BASE, BASE + 32 * PAGE);
    printf("  moved contents: %c %c\n", ((char *)BASE)[16 * PAGE], ((char *)BASE)[21 * PAGE]);
    map_line("mremap(FIXED move with resize across VMAs)",
             sc(SYS_mremap, BASE + 16 * PAGE, 4 * PAGE, 5 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 40 * PAGE, 0),
             BASE + 40 * PAGE);
    map_line("mremap(DONTUNMAP, lengths equal once page aligned)",
             sc(SYS_mremap, BASE + 16 * PAGE, 2 * PAGE, 2 * PAGE - 100, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
                BASE + 48 * PAGE, 0), BASE + 48 * PAGE);
    sys_munmap((void *)BASE, 64 * PAGE);

    /* MAP_STACK means VM_NOHUGEPAGE (6.7+): such a mapping does not merge with a plain neighbour. */
    sys_mmap((void *)BASE, 2 * PAGE, prw, pa | MAP_FIXED, -1, 0);
    sys_mmap((void *)(BASE + 2 * PAGE), 2 * PAGE, prw, pa | MAP_FIXED | MAP_STACK, -1, 0);
    sys_mmap((void *)(BASE + 4 * PAGE), 2 * PAGE, prw, pa | MAP_FIXED, -1, 0);
    printf("mmap(plain, MAP_STACK, plain side by side): %ld VMAs\n", maps_count_range(BASE, BASE + 6 * PAGE));
    sys_munmap((void *)BASE, 64 * PAGE);

    void *sh = sys_mmap((void *)BASE, 4 * PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    line("madvise(MADV_REMOVE, read-only shared memory)", sc(SYS_madvise, (long)sh, PAGE, MADV_REMOVE, 0, 0, 0));
    map_line("mremap(DONTUNMAP of shared memory)",
             sc(SYS_mremap, (long)sh, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, BASE + 8 * PAGE, 0),
             BASE + 8 * PAGE);
    sys_mmap((void *)(BASE + 16 * PAGE), 4 * PAGE, prw, pa | MAP_FIXED, -1, 0);
    line("madvise(MADV_REMOVE, private anonymous)", sc(SYS_madvise, (long)(BASE + 16 * PAGE), PAGE, MADV_REMOVE, 0, 0, 0));
    int fd = open("/proc/self/exe", O_RDONLY);
    sys_mmap((void *)(BASE + 24 * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    close(fd);
    line("madvise(MADV_REMOVE, private file)", sc(SYS_madvise, (long)(BASE + 24 * PAGE), PAGE, MADV_REMOVE, 0, 0, 0));
    line("madvise(MADV_POPULATE_WRITE, private anonymous)", sc(SYS_madvise, (long)(BASE + 16 * PAGE), 4 * PAGE, 23, 0, 0, 0));
    line("madvise(MADV_POPULATE_WRITE, read-only)", sc(SYS_madvise, (long)sh, PAGE, 23, 0, 0, 0));
    line("madvise(MADV_POPULATE_READ, into a hole)", sc(SYS_madvise, (long)(BASE + 16 * PAGE), 6 * PAGE, 22, 0, 0, 0));
    sys_mprotect((void *)(BASE + 17 * PAGE), PAGE, PROT_NONE);
    line("madvise(MADV_POPULATE_READ, PROT_NONE)", sc(SYS_madvise, (long)(BASE + 16 * PAGE), 4 * PAGE, 22, 0, 0, 0));
    line("madvise(MADV_DONTNEED_LOCKED)", sc(SYS_madvise, (long)(BASE + 16 * PAGE), 4 * PAGE, 24, 0, 0, 0));
    line("madvise(a kernel address, MADV_REMOVE)", sc(SYS_madvise, KERNEL_ADDR, PAGE, MADV_REMOVE, 0, 0, 0));

    line("mprotect(PROT_GROWSUP, nothing mapped)", sc(SYS_mprotect, (long)(BASE + 60 * PAGE), PAGE, PROT_READ | PROT_GROWSUP, 0, 0, 0));
    line("mprotect(PROT_GROWSUP, mapped)", sc(SYS_mprotect, (long)(BASE + 16 * PAGE), PAGE, PROT_READ | PROT_GROWSUP, 0, 0, 0));
    line("mprotect(unknown bit 0x10, length 0)", sc(SYS_mprotect, (long)(BASE + 16 * PAGE), 0, 0x10, 0, 0, 0));
    line("mprotect(unknown bit 0x10, nothing mapped)", sc(SYS_mprotect, (long)(BASE + 60 * PAGE), PAGE, 0x10, 0, 0, 0));
    line("mprotect(unaligned, GROWSDOWN|GROWSUP)", sc(SYS_mprotect, (long)(BASE + 1), PAGE, PROT_GROWSDOWN | PROT_GROWSUP, 0, 0, 0));
    line("mprotect(a kernel address)", sc(SYS_mprotect, KERNEL_ADDR, PAGE, PROT_READ, 0, 0, 0));
    sys_munmap((void *)BASE, 64 * PAGE);
}

static char long_path[PATH_MAX + 16];

static void paths(void) {
    char buf[64];
    long fd;
#define OPENED(what, call) do { fd = (call); if (fd >= 0) { close((int)fd); fd = 0; } line(what, fd); } while (0)
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    OPENED("open(kernel address, __O_TMPFILE without O_DIRECTORY)", sc(SYS_open, KERNEL_ADDR, 020000000 | O_RDWR, 0, 0, 0, 0));
    OPENED("open(kernel address, O_TMPFILE read-only)", sc(SYS_open, KERNEL_ADDR, O_TMPFILE, 0, 0, 0, 0));
    OPENED("open(kernel address, O_TMPFILE|O_TRUNC read-only)", sc(SYS_open, KERNEL_ADDR, O_TMPFILE | O_TRUNC, 0, 0, 0, 0));
    OPENED("open(kernel address, O_CREAT|O_DIRECTORY)", sc(SYS_open, KERNEL_ADDR, O_CREAT | O_DIRECTORY, 0, 0, 0, 0));
    OPENED("open(kernel address, 0)", sc(SYS_open, KERNEL_ADDR, 0, 0, 0, 0, 0));
    OPENED("open(a name of PATH_MAX bytes)", sc(SYS_open, (long)long_path, 0, 0, 0, 0, 0));
    OPENED("open(\"\")", sc(SYS_open, (long)"", 0, 0, 0, 0, 0));
    OPENED("openat(1000, \"\")", sc(SYS_openat, 1000, (long)"", 0, 0, 0, 0));
    OPENED("openat(1, \"\")", sc(SYS_openat, 1, (long)"", 0, 0, 0, 0));
    OPENED("openat(1000, \"relative\")", sc(SYS_openat, 1000, (long)"relative", 0, 0, 0, 0));
    OPENED("openat(0x1ffffff9c = AT_FDCWD, \"/dev/null\")", sc(SYS_openat, 0x1ffffff9cL, (long)"/dev/null", 0, 0, 0, 0));
    OPENED("open(\"/dev/null\", O_RDONLY | 0x100000000)", sc(SYS_open, (long)"/dev/null", 0x100000000L, 0, 0, 0, 0));
    OPENED("open(\"/proc/self/maps\", O_CREAT|O_EXCL|O_WRONLY)",
           sc(SYS_open, (long)"/proc/self/maps", O_CREAT | O_EXCL | O_WRONLY, 0644, 0, 0, 0));
    OPENED("open(\"/proc/self/exe\", O_CREAT) (it exists)", sc(SYS_open, (long)"/proc/self/exe", O_CREAT, 0644, 0, 0, 0));
    OPENED("open(\"/proc/self/exe/\", O_WRONLY)", sc(SYS_open, (long)"/proc/self/exe/", O_WRONLY, 0, 0, 0, 0));
    OPENED("open(\"/proc/self/exe\", O_NOFOLLOW)", sc(SYS_open, (long)"/proc/self/exe", O_NOFOLLOW, 0, 0, 0, 0));
    OPENED("open(\"/proc/self/exe\", O_NOFOLLOW|O_DIRECTORY)",
           sc(SYS_open, (long)"/proc/self/exe", O_NOFOLLOW | O_DIRECTORY, 0, 0, 0, 0));
    OPENED("open(\"/proc/self/exe\", O_PATH|O_NOFOLLOW)", sc(SYS_open, (long)"/proc/self/exe", O_PATH | O_NOFOLLOW, 0, 0, 0, 0));
    OPENED("open(\"/\", O_CREAT)", sc(SYS_open, (long)"/", O_CREAT, 0644, 0, 0, 0));
    OPENED("open(\"/nonexistent-dir/\", O_CREAT)", sc(SYS_open, (long)"/nonexistent-dir/", O_CREAT, 0644, 0, 0, 0));
    OPENED("open(\"/dev/null\", O_DIRECTORY|O_WRONLY)", sc(SYS_open, (long)"/dev/null", O_DIRECTORY | O_WRONLY, 0, 0, 0, 0));

    line("readlink(\"/proc/self/exe\", buf, 0x100000000)", sc(SYS_readlink, (long)"/proc/self/exe", (long)buf, 0x100000000L, 0, 0, 0));
    line("readlink(\"/proc/self/exe\", buf, 0x80000000)", sc(SYS_readlink, (long)"/proc/self/exe", (long)buf, 0x80000000L, 0, 0, 0));
    line("readlink(\"/proc/self/exe\", buf, 0x100000004)", sc(SYS_readlink, (long)"/proc/self/exe", (long)buf, 0x100000004L, 0, 0, 0));
    line("readlink(kernel address, kernel address, 0)", sc(SYS_readlink, KERNEL_ADDR, KERNEL_ADDR, 0, 0, 0, 0));
    line("readlink(a name of PATH_MAX bytes)", sc(SYS_readlink, (long)long_path, (long)buf, sizeof buf, 0, 0, 0));
    line("readlink(\"\")", sc(SYS_readlink, (long)"", (long)buf, sizeof buf, 0, 0, 0));
    line("readlinkat(1000, \"\")", sc(SYS_readlinkat, 1000, (long)"", (long)buf, sizeof buf, 0, 0));
    line("readlinkat(1, \"\")", sc(SYS_readlinkat, 1, (long)"", (long)buf, sizeof buf, 0, 0));
    line("readlink(\"/proc/self/exe/\")", sc(SYS_readlink, (long)"/proc/self/exe/", (long)buf, sizeof buf, 0, 0, 0));
    line("readlink(\"/proc/self/exe\", kernel address)", sc(SYS_readlink, (long)"/proc/self/exe", KERNEL_ADDR, sizeof buf, 0, 0, 0));
}

static void sigactions(void) {
    uint64_t act[4] = {0, 0xffffffffffffffffUL, 0, 0}, old[4];
    line("rt_sigaction(-1, kernel address)", sc(SYS_rt_sigaction, -1, KERNEL_ADDR, 0, 8, 0, 0));
    line("rt_sigaction(SIGKILL, kernel address)", sc(SYS_rt_sigaction, SIGKILL, KERNEL_ADDR, 0, 8, 0, 0));
    line("rt_sigaction(65, NULL, buf)", sc(SYS_rt_sigaction, 65, 0, (long)old, 8, 0, 0));
    line("rt_sigaction(SIGUSR1, every flag bit)", sc(SYS_rt_sigaction, SIGUSR1, (long)act, 0, 8, 0, 0));
    line("rt_sigaction(SIGUSR1, NULL, buf)", sc(SYS_rt_sigaction, SIGUSR1, 0, (long)old, 8, 0, 0));
    printf("  flags kept: 0x%lx\n", (unsigned long)old[1]);
    act[1] = 0;
    sc(SYS_rt_sigaction, SIGUSR1, (long)act, 0, 8, 0, 0);
}

/* Whether /proc/self/status says NoNewPrivs: 1. */
static int no_new_privs(void) {
    static char status[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0) return 0;
    long n = read(fd, status, sizeof status - 1);
    close(fd);
    status[n > 0 ? n : 0] = 0;
    return strstr(status, "NoNewPrivs:\t1") != NULL;
}

/* The caller's capability sets (version 3), as hex. */
static void caps_hex(char *out, size_t n) {
    struct cap_header h = {CAP_V3, 0};
    struct cap_data d[2];
    memset(d, 0, sizeof d);
    syscall(SYS_capget, &h, d);
    snprintf(out, n, "%x.%x.%x.%x.%x.%x", d[0].effective, d[0].permitted, d[0].inheritable, d[1].effective,
             d[1].permitted, d[1].inheritable);
}

int main(int argc, char **argv) {
    char caps[128];
    if (argc == 3 && !strcmp(argv[1], "after-execve")) {
        /*
         * execve() gives root the bounding set back, others keep none: either way what the first
         * program started with; under no_new_privs nothing comes back (mmemu has no such flag).
         */
        caps_hex(caps, sizeof caps);
        const char *want = no_new_privs() ? "0.0.0.0.0.0" : argv[2];
        printf("execve after dropping capabilities: the capabilities it started with: %s\n",
               !strcmp(caps, want) ? "yes" : "no");
        return 0;
    }
    caps_hex(caps, sizeof caps);
    if (drop_caps() != 0) return 1;
    unsigned char *ro = sys_mmap((void *)(BASE + 62 * PAGE), PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    capabilities(ro);
    limits();
    time_calls(ro);
    mappings();
    paths();
    sigactions();
    fflush(stdout);
    char *args[] = {argv[0], "after-execve", caps, NULL};
    execve("/proc/self/exe", args, environ);
    printf("execve: %s\n", ename(errno));
    return 1;
}
