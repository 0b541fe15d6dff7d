/*
 * mm-mlock: mlock(), mlock2(), munlock(), mlockall(), munlockall() and MAP_LOCKED as Linux does
 * them (mm/mlock.c). The program controls what the answers depend on: it lowers RLIMIT_MEMLOCK to
 * 64 KiB (16 pages; anyone may lower it) and drops every capability (capset to empty sets), so
 * that CAP_IPC_LOCK does not exempt it whether it runs as root or not.
 *
 * Checked: a locked range is populated at once (mincore) unless MLOCK_ONFAULT/MCL_ONFAULT; the
 * VMAs split at the range's ends and merge back when unlocked (/proc/self/maps); VmLck in
 * /proc/self/status counts locked pages once (relocking a locked range costs nothing against the
 * limit); the limit's ENOMEM for mlock() and mlockall(MCL_CURRENT), EAGAIN for a locked mmap()
 * past it; a range starting in a hole or with a hole is ENOMEM (what lies before the hole stays
 * locked); a wrapping munlock() is EINVAL; PROT_NONE is locked but not populated (ENOMEM); bad
 * mlock2()/mlockall() flags are EINVAL; mlockall(MCL_FUTURE) locks and populates later mmaps and
 * brk growth; munmap() and munlockall() give the pages back; a forked child inherits no lock;
 * with RLIMIT_MEMLOCK 0 mlock(), mlockall() and MAP_LOCKED are EPERM while munlock() still works;
 * MADV_DONTNEED on a locked range is EINVAL. Exits 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "mmtest.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static long sys_mlock2(void *a, size_t len, int flags) { return syscall(SYS_mlock2, a, len, flags); }

/* VmLck from /proc/self/status, in kB (raw syscalls: no stdio buffer allocated in the middle). */
static long vmlck(void) {
    static char buf[4096];
    int fd = (int)syscall(SYS_open, "/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
    syscall(SYS_close, fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = strstr(buf, "VmLck:");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

static void show(const char *what, char *base, int pages) {
    unsigned char v[64];
    char s[65];
    if (syscall(SYS_mincore, base, (size_t)pages * PAGE, v) != 0) {
        printf("%s: mincore %s\n", what, ename(errno));
        return;
    }
    for (int i = 0; i < pages; i++) s[i] = (char)('0' + (v[i] & 1));
    s[pages] = 0;
    printf("%s: resident %s, VmLck %ld kB, VMAs %ld\n", what, s, vmlck(),
           maps_count_range((uintptr_t)base, (uintptr_t)(base + (size_t)pages * PAGE)));
}

static char *map(int pages, int prot, int flags) {
    return sys_mmap(NULL, (size_t)pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

static void set_memlock(rlim_t bytes) {
    struct rlimit rl = {bytes, bytes};
    R("setrlimit MEMLOCK", setrlimit(RLIMIT_MEMLOCK, &rl));
}

int main(void) {
    set_memlock(16 * PAGE);
    R("drop capabilities", drop_caps());
    printf("VmLck at start: %ld kB\n", vmlck());

    /* Argument checks. */
    R("mlock2 flags 2", sys_mlock2(NULL, PAGE, 2));
    R("mlockall 0", mlockall(0));
    R("mlockall MCL_ONFAULT alone", mlockall(MCL_ONFAULT));
    R("mlockall 8", mlockall(8));
    R("mlock len 0 in a hole", syscall(SYS_mlock, 0x10000UL, 0UL));
    R("munlock len 0 in a hole", syscall(SYS_munlock, 0x10000UL, 0UL));
    R("mlock in a hole", syscall(SYS_mlock, 0x10000UL, PAGE));
    R("munlock in a hole", syscall(SYS_munlock, 0x10000UL, PAGE));
    R("mlock a kernel address", syscall(SYS_mlock, 0xffff800000000000UL, PAGE));

    /* Splits, population and merges. */
    char *a = map(8, PROT_READ | PROT_WRITE, 0);
    show("fresh 8 pages", a, 8);
    R("mlock pages 0-2", mlock(a, 3 * PAGE));
    show("after mlock 0-2", a, 8);
    R("mlock unaligned inside page 0", syscall(SYS_mlock, a + 100, 10UL));
    show("after relock", a, 8);
    R("mlock2 ONFAULT pages 4-5", sys_mlock2(a + 4 * PAGE, 2 * PAGE, MLOCK_ONFAULT));
    show("after mlock2 ONFAULT 4-5", a, 8);
    /* No page of 4-5 is touched before they merge: a VMA that faulted a page has its own
       anon_vma, and Linux merges no two VMAs with different ones. */
    R("mlock pages 3-5 (4-5 from ONFAULT to populated)", mlock(a + 3 * PAGE, 3 * PAGE));
    show("after mlock 3-5", a, 8);
    R("madvise DONTNEED on locked pages", madvise(a, PAGE, MADV_DONTNEED));
    R("munlock wrapping", syscall(SYS_munlock, a, -PAGE));
    R("munlock pages 1-6 with an unaligned start", syscall(SYS_munlock, a + PAGE + 5, 6 * PAGE - 5));
    show("after munlock 1-6", a, 8);
    R("munlock all 8", munlock(a, 8 * PAGE));
    show("after munlock all", a, 8);

    /* MLOCK_ONFAULT: a page is locked as it is faulted in. */
    char *o = map(3, PROT_READ | PROT_WRITE, 0);
    R("mlock2 ONFAULT 3 pages", sys_mlock2(o, 3 * PAGE, MLOCK_ONFAULT));
    show("after mlock2 ONFAULT", o, 3);
    o[PAGE] = 1;
    show("after touching page 1", o, 3);
    R("munmap ONFAULT pages", munmap(o, 3 * PAGE));

    /* The limit: 16 pages, counted once. */
    R("mlock 17 pages", mlock(a, 17 * PAGE));
    R("mlock 8 pages", mlock(a, 8 * PAGE));
    char *b = map(12, PROT_READ | PROT_WRITE, 0);
    R("mlock 10 more (18 > 16)", mlock(b, 10 * PAGE));
    R("mlock 8 already locked pages again", mlock(a, 8 * PAGE));
    R("mlock 8 more (16)", mlock(b, 8 * PAGE));
    show("a at the limit", a, 8);
    show("b at the limit", b, 12);
    R("mlock wrapping (the limit comes first)", syscall(SYS_mlock, b, -PAGE));
    R("munmap half of a", munmap(a + 4 * PAGE, 4 * PAGE));
    printf("VmLck after munmap: %ld kB\n", vmlck());
    R("munlock b", munlock(b, 12 * PAGE));
    R("munmap rest of a", munmap(a, 4 * PAGE));

    /* A hole inside the range: what lies before it is locked. */
    char *c = map(6, PROT_READ | PROT_WRITE, 0);
    R("munmap page 3 of c", munmap(c + 3 * PAGE, PAGE));
    R("mlock over the hole", mlock(c, 6 * PAGE));
    show("c after", c, 3);
    R("munlock over the hole", munlock(c, 6 * PAGE));
    printf("VmLck: %ld kB\n", vmlck());

    /* PROT_NONE: locked, not populated, ENOMEM. Write-only and exec-only are populated. */
    char *d = map(2, PROT_NONE, 0);
    R("mlock PROT_NONE", mlock(d, 2 * PAGE));
    show("PROT_NONE", d, 2);
    R("munlock PROT_NONE", munlock(d, 2 * PAGE));
    char *w = map(2, PROT_WRITE, 0);
    R("mlock PROT_WRITE", mlock(w, 2 * PAGE));
    show("PROT_WRITE", w, 2);
    char *x = map(2, PROT_EXEC, 0);
    R("mlock PROT_EXEC", mlock(x, 2 * PAGE));
    show("PROT_EXEC", x, 2);
    R("munlock PROT_WRITE", munlock(w, 2 * PAGE));
    R("munlock PROT_EXEC", munlock(x, 2 * PAGE));

    /* MAP_LOCKED. */
    char *e = map(3, PROT_READ, MAP_LOCKED);
    show("MAP_LOCKED 3 pages", e, 3);
    R("MAP_LOCKED 14 more pages (17 > 16)", (long)map(14, PROT_READ, MAP_LOCKED) == -1 ? -1 : 0);
    R("munmap MAP_LOCKED", munmap(e, 3 * PAGE));

    /* mlockall. */
    R("mlockall MCL_CURRENT (the address space is above 16 pages)", mlockall(MCL_CURRENT));
    R("mlockall MCL_FUTURE", mlockall(MCL_FUTURE));
    char *f = map(4, PROT_READ | PROT_WRITE, 0);
    show("mmap after MCL_FUTURE", f, 4);
    R("mmap 13 more pages after MCL_FUTURE (17 > 16)", (long)map(13, PROT_READ, 0) == -1 ? -1 : 0);
    long before = vmlck();
    /* Raw brk: musl's sbrk() refuses any increment. */
    unsigned long brk0 = (unsigned long)syscall(SYS_brk, 0UL);
    unsigned long top = (brk0 + PAGE - 1) & ~(PAGE - 1);
    unsigned long brk1 = (unsigned long)syscall(SYS_brk, top + 2 * PAGE);
    unsigned char v[2];
    syscall(SYS_mincore, (void *)top, 2 * PAGE, v);
    printf("brk grows by 2 pages after MCL_FUTURE: %s, resident %d%d, VmLck +%ld kB\n",
           brk1 == top + 2 * PAGE ? "ok" : "refused", v[0] & 1, v[1] & 1, vmlck() - before);
    R("munlockall", munlockall());
    show("after munlockall", f, 4);
    char *g = map(2, PROT_READ | PROT_WRITE, 0);
    show("mmap after munlockall", g, 2);
    R("mlockall MCL_FUTURE|MCL_ONFAULT", mlockall(MCL_FUTURE | MCL_ONFAULT));
    char *h = map(3, PROT_READ | PROT_WRITE, 0);
    show("mmap after MCL_FUTURE|MCL_ONFAULT", h, 3);
    h[PAGE] = 1;
    show("after touching page 1", h, 3);
    R("munlockall", munlockall());
    printf("VmLck: %ld kB\n", vmlck());

    /* fork: the child inherits no lock. */
    R("mlock f", mlock(f, 4 * PAGE));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: VmLck %ld kB\n", vmlck());
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("parent: VmLck %ld kB\n", vmlck());
    R("munlock f", munlock(f, 4 * PAGE));

    /* RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK: can_do_mlock() fails. */
    set_memlock(0);
    R("mlock with limit 0", mlock(f, PAGE));
    R("mlock2 with limit 0", sys_mlock2(f, PAGE, MLOCK_ONFAULT));
    R("mlockall with limit 0", mlockall(MCL_FUTURE));
    R("munlock with limit 0", munlock(f, PAGE));
    R("munlockall with limit 0", munlockall());
    R("MAP_LOCKED with limit 0", (long)map(1, PROT_READ, MAP_LOCKED) == -1 ? -1 : 0);
    printf("VmLck at end: %ld kB\n", vmlck());
    return 0;
}
