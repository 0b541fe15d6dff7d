/*
 * mm-mseal: mseal() (mm/mseal.c) and what a sealed VMA refuses.
 *
 * Checked: mseal()'s EINVAL cases (flags, an unaligned start, a wrapping length), a zero length,
 * ENOMEM for a range that starts in a hole or has one (and then nothing is sealed), sealing part
 * of a VMA splits it and sealing twice is allowed; on a sealed VMA munmap(), mremap() (shrink,
 * grow, move, and a MREMAP_FIXED move onto it), mprotect(), mmap(MAP_FIXED) over it are EPERM and
 * change nothing, a range that also covers an unsealed VMA is refused whole by munmap(); madvise's
 * discarding advice (MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_WIPEONFORK) is EPERM on a
 * sealed read-only private anonymous VMA and allowed on a writable one, other advice allowed;
 * writes still work; a fork child inherits the seal. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/wait.h>
#include "mmtest.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static long sys_mseal(void *a, size_t len, unsigned long flags) { return syscall(462, a, len, flags); }

static char *map(int pages, int prot) {
    return sys_mmap(NULL, (size_t)pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void) {
    char *a = map(8, PROT_READ | PROT_WRITE);
    R("mseal flags 1", sys_mseal(a, PAGE, 1));
    R("mseal unaligned start", sys_mseal(a + 1, PAGE, 0));
    R("mseal length wrapping", sys_mseal(a, -PAGE, 0));
    R("mseal small negative length", sys_mseal(a, -1UL, 0));
    R("mseal length 0", sys_mseal(a, 0, 0));
    R("mseal length 0 in a hole", sys_mseal((void *)0x10000, 0, 0));
    R("mseal in a hole", sys_mseal((void *)0x10000, PAGE, 0));
    R("munmap page 6", munmap(a + 6 * PAGE, PAGE));
    R("mseal over the hole at page 6", sys_mseal(a + 4 * PAGE, 4 * PAGE, 0));
    R("munmap page 4 (nothing was sealed)", munmap(a + 4 * PAGE, PAGE));
    maps_print_range("a", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);

    R("mseal pages 1-2", sys_mseal(a + PAGE, 2 * PAGE, 0));
    R("mseal pages 1-2 again", sys_mseal(a + PAGE, 2 * PAGE, 0));
    maps_print_range("a after mseal", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);
    a[PAGE] = 1;
    printf("write to a sealed page: ok\n");
    R("munmap sealed page 1", munmap(a + PAGE, PAGE));
    R("munmap pages 0-3 (one unsealed around)", munmap(a, 4 * PAGE));
    R("mprotect sealed pages read-only", mprotect(a + PAGE, 2 * PAGE, PROT_READ));
    R("mprotect page 0 (not sealed)", mprotect(a, PAGE, PROT_READ));
    R("mprotect pages 0-1", mprotect(a, 2 * PAGE, PROT_READ | PROT_WRITE));
    R("mremap shrink sealed", (long)sys_mremap(a + PAGE, 2 * PAGE, PAGE, 0, 0));
    R("mremap grow sealed", (long)sys_mremap(a + PAGE, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE, 0));
    char *dst = map(4, PROT_READ);
    R("mremap move sealed", (long)sys_mremap(a + PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (uintptr_t)dst));
    R("mremap onto sealed", (long)sys_mremap(dst, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (uintptr_t)(a + PAGE)));
    R("mmap MAP_FIXED over sealed", (long)sys_mmap(a + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    R("madvise DONTNEED on sealed writable", madvise(a + PAGE, PAGE, MADV_DONTNEED));
    R("madvise WILLNEED on sealed", madvise(a + PAGE, PAGE, MADV_WILLNEED));
    maps_print_range("a after the refusals", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);

    /* Read-only anonymous: discarding advice is refused. */
    char *r = map(2, PROT_READ);
    R("mseal read-only", sys_mseal(r, 2 * PAGE, 0));
    R("madvise DONTNEED on sealed read-only", madvise(r, PAGE, MADV_DONTNEED));
    R("madvise FREE on sealed read-only", madvise(r, PAGE, MADV_FREE));
    R("madvise DONTFORK on sealed read-only", madvise(r, PAGE, MADV_DONTFORK));
    R("madvise WIPEONFORK on sealed read-only", madvise(r, PAGE, MADV_WIPEONFORK));
    R("madvise NORMAL on sealed read-only", madvise(r, PAGE, MADV_NORMAL));
    R("madvise RANDOM on sealed read-only", madvise(r, PAGE, MADV_RANDOM));

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        errno = 0;
        long rc = munmap(a + PAGE, PAGE);
        printf("child: munmap sealed page: %ld %s\n", rc, rc ? ename(errno) : "");
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    return 0;
}
