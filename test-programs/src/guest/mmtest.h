/*
 * mmtest.h: helpers shared by the mm-* guest programs (the address-space differential
 * tests). Define _GNU_SOURCE before including anything.
 *
 *  - ename(e): errno names, a superset of errname.h's.
 *  - maps_each(): streams /proc/self/maps through raw open/read into a static buffer (no
 *    malloc, so reading it does not change the address space), one parsed line at a time.
 *  - maps_print_range()/maps_count_range(): the lines overlapping [lo, hi), with addresses
 *    relative to lo, so the output carries no absolute address.
 *  - maps_print_all(): every line as size, perms, offset, name; the [vdso], [vvar],
 *    [vvar_vclock] and [vsyscall] lines are skipped (mmemu has none of them), and the size
 *    of [stack] is not printed (it depends on the size of the environment).
 *  - on_segv(): a SA_SIGINFO handler that records si_signo/si_code/si_addr and
 *    siglongjmps back to the TRY() point.
 *  - drop_caps(): capset() to an empty set, so that root (CAP_SYS_RAWIO) is refused a
 *    mapping below vm.mmap_min_addr like everybody else.
 */
#ifndef MMEMU_GUEST_MMTEST_H
#define MMEMU_GUEST_MMTEST_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "errname.h"

#define PAGE 4096UL

/* Raw syscalls: musl's wrappers check and round some arguments themselves (mprotect rounds
   the start down, mmap refuses unaligned offsets and huge lengths), so errno tests go
   straight to the kernel. */
static __attribute__((unused)) void *sys_mmap(void *a, size_t len, int prot, int flags, int fd, long off) {
    return (void *)syscall(SYS_mmap, a, len, prot, flags, fd, off);
}
static __attribute__((unused)) long sys_munmap(void *a, size_t len) { return syscall(SYS_munmap, a, len); }
static __attribute__((unused)) long sys_mprotect(void *a, size_t len, int prot) {
    return syscall(SYS_mprotect, a, len, prot);
}
static __attribute__((unused)) void *sys_mremap(void *a, size_t old, size_t len, int flags, uintptr_t to) {
    return (void *)syscall(SYS_mremap, a, old, len, flags, to);
}

static __attribute__((unused)) const char *ename(int e) {
    switch (e) {
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case ECHILD: return "ECHILD";
    case EBUSY: return "EBUSY";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ETXTBSY: return "ETXTBSY";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ELOOP: return "ELOOP";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EOVERFLOW: return "EOVERFLOW";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EMFILE: return "EMFILE";
    default: return errname(e);
    }
}

/* "0" or "-1 ENAME" for a syscall-style int result. */
static __attribute__((unused)) void rc_line(const char *what, long rc) {
    if (rc >= 0) printf("%s: %ld\n", what, rc);
    else printf("%s: %ld %s\n", what, rc, ename(errno));
}

struct mapline {
    uintptr_t start, end;
    char perms[8];
    unsigned long offset;
    const char *path; /* "" for anonymous lines */
};

static char mm_maps_buf[1 << 16];

/* Calls fn for every line of /proc/self/maps; returns the number of lines or -1. */
static __attribute__((unused)) long maps_each(void (*fn)(const struct mapline *, void *), void *ctx) {
    int fd = (int)syscall(SYS_open, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t have = 0;
    long lines = 0;
    for (;;) {
        long n = syscall(SYS_read, fd, mm_maps_buf + have, sizeof mm_maps_buf - 1 - have);
        if (n < 0) { syscall(SYS_close, fd); return -1; }
        have += (size_t)n;
        mm_maps_buf[have] = 0;
        char *line = mm_maps_buf, *nl;
        while ((nl = memchr(line, '\n', have - (size_t)(line - mm_maps_buf))) != NULL) {
            *nl = 0;
            struct mapline m;
            unsigned long s, e;
            int pathpos = 0;
            if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &s, &e, m.perms, &m.offset, &pathpos) >= 4) {
                m.start = s;
                m.end = e;
                m.path = pathpos > 0 ? line + pathpos : "";
                lines++;
                if (fn) fn(&m, ctx);
            }
            line = nl + 1;
        }
        size_t rest = have - (size_t)(line - mm_maps_buf);
        memmove(mm_maps_buf, line, rest);
        have = rest;
        if (n == 0) break;
    }
    syscall(SYS_close, fd);
    return lines;
}

static __attribute__((unused)) int maps_is_special(const struct mapline *m) {
    return !strcmp(m->path, "[vdso]") || !strcmp(m->path, "[vvar]")
        || !strcmp(m->path, "[vvar_vclock]") || !strcmp(m->path, "[vsyscall]");
}

static __attribute__((unused)) const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

struct maps_range { uintptr_t lo, hi; long count; int print; };

static __attribute__((unused)) void maps_range_fn(const struct mapline *m, void *ctx) {
    struct maps_range *r = ctx;
    if (m->end <= r->lo || m->start >= r->hi) return;
    r->count++;
    if (r->print) {
        printf("  %c0x%lx 0x%lx %s", m->start >= r->lo ? '+' : '-',
               m->start >= r->lo ? (unsigned long)(m->start - r->lo) : (unsigned long)(r->lo - m->start),
               (unsigned long)(m->end - m->start), m->perms);
        if (*m->path) printf(" off=0x%lx %s", m->offset, base_name(m->path));
        printf("\n");
    }
}

/* Prints the lines overlapping [lo, hi) as "+start-lo size perms [off=offset name]" (offset and
   name only for lines with a path); returns their count. */
static __attribute__((unused)) long maps_print_range(const char *what, uintptr_t lo, uintptr_t hi) {
    struct maps_range r = {lo, hi, 0, 1};
    printf("%s:\n", what);
    maps_each(maps_range_fn, &r);
    return r.count;
}

static __attribute__((unused)) long maps_count_range(uintptr_t lo, uintptr_t hi) {
    struct maps_range r = {lo, hi, 0, 0};
    maps_each(maps_range_fn, &r);
    return r.count;
}

static __attribute__((unused)) void maps_all_fn(const struct mapline *m, void *ctx) {
    (void)ctx;
    if (maps_is_special(m)) return;
    if (!strcmp(m->path, "[stack]")) {
        printf("  size=? %s %lx %s\n", m->perms, m->offset, m->path);
        return;
    }
    printf("  size=0x%lx %s %lx%s%s\n", (unsigned long)(m->end - m->start), m->perms, m->offset,
           *m->path ? " " : "", base_name(m->path));
}

static __attribute__((unused)) void maps_print_all(const char *what) {
    printf("%s:\n", what);
    maps_each(maps_all_fn, NULL);
}

struct maps_find { const char *name; uintptr_t start, end; };

static __attribute__((unused)) void maps_find_fn(const struct mapline *m, void *ctx) {
    struct maps_find *f = ctx;
    if (!strcmp(m->path, f->name)) { f->start = m->start; f->end = m->end; }
}

/* Start and end of the line named name (e.g. "[stack]"); 0 if none. */
static __attribute__((unused)) uintptr_t maps_find(const char *name, uintptr_t *end) {
    struct maps_find f = {name, 0, 0};
    maps_each(maps_find_fn, &f);
    if (end) *end = f.end;
    return f.start;
}

/* SIGSEGV/SIGBUS capture. */
static sigjmp_buf mm_jmp;
static volatile sig_atomic_t mm_sig_signo, mm_sig_code;
static volatile uintptr_t mm_sig_addr;

static __attribute__((unused)) void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    mm_sig_signo = si->si_signo;
    mm_sig_code = si->si_code;
    mm_sig_addr = (uintptr_t)si->si_addr;
    siglongjmp(mm_jmp, 1);
}

static __attribute__((unused)) void install_segv(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

static __attribute__((unused)) const char *code_name(int signo, int code) {
    if (signo == SIGSEGV && code == SEGV_MAPERR) return "SEGV_MAPERR";
    if (signo == SIGSEGV && code == SEGV_ACCERR) return "SEGV_ACCERR";
    if (signo == SIGBUS && code == BUS_ADRERR) return "BUS_ADRERR";
    if (code == SI_KERNEL) return "SI_KERNEL";
    return "?";
}

/* Runs stmt; prints "what: ok" or "what: SIGSEGV SEGV_MAPERR at base+off". */
#define PROBE(what, base, stmt)                                                            \
    do {                                                                                   \
        mm_sig_signo = 0;                                                                  \
        if (sigsetjmp(mm_jmp, 1) == 0) {                                                   \
            stmt;                                                                          \
            printf("%s: ok\n", what);                                                      \
        } else {                                                                           \
            long off_ = (long)(mm_sig_addr - (uintptr_t)(base));                           \
            printf("%s: %s %s at base%c0x%lx\n", what,                                     \
                   mm_sig_signo == SIGSEGV ? "SIGSEGV" : mm_sig_signo == SIGBUS ? "SIGBUS" : "?", \
                   code_name(mm_sig_signo, mm_sig_code), off_ < 0 ? '-' : '+',             \
                   (unsigned long)(off_ < 0 ? -off_ : off_));                              \
        }                                                                                  \
    } while (0)

static __attribute__((unused)) long drop_caps(void) {
    struct { uint32_t version; int pid; } hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct { uint32_t effective, permitted, inheritable; } data[2];
    memset(data, 0, sizeof data);
    return syscall(SYS_capset, &hdr, data);
}

#endif
