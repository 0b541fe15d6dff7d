/*
 * sys-userfaultfd: userfaultfd(2) with Linux's semantics for anonymous memory.
 *  - userfaultfd(): flags (EINVAL), O_NONBLOCK in F_GETFL, FD_CLOEXEC, UFFD_USER_MODE_ONLY, EPERM
 *    without CAP_SYS_PTRACE (vm.unprivileged_userfaultfd 0) unless user-mode only;
 *  - the file: read before UFFDIO_API and short reads EINVAL, EAGAIN with O_NONBLOCK, write EBADF,
 *    pread ESPIPE, lseek 0, fstat mode 0600;
 *  - UFFDIO_API: bad api, unknown features, EFAULT, a second call EINVAL with the struct zeroed;
 *  - UFFDIO_REGISTER/UNREGISTER: modes, alignment, ranges (EINVAL), holes allowed, EBUSY and
 *    EINVAL through another userfaultfd, file mappings EINVAL; VmFlags "um"; VMA split and merge;
 *  - UFFDIO_COPY/ZEROPAGE: EEXIST, ENOENT, EINVAL, EFAULT and the copy/zeropage fields, an
 *    unaligned source, a dirty read-only PTE in a read-only VMA;
 *  - missing faults: a faulting thread sleeps until a handler thread reads the message (address,
 *    WRITE flag, thread id, exact address) and resolves it with UFFDIO_COPY or UFFDIO_ZEROPAGE;
 *    UFFDIO_WAKE without a page makes it fault again; UNREGISTER and close() let it go on with a
 *    normal fault; MADV_DONTNEED makes a page missing again; UFFD_FEATURE_SIGBUS gives SIGBUS;
 *    UFFD_USER_MODE_ONLY makes a kernel access EFAULT; fork's child is not registered; a syscall's
 *    own copy to (read()) or from (write()) a missing page waits for the handler too;
 *  - write protection: UFFDIO_REGISTER_MODE_WP, UFFDIO_WRITEPROTECT's ENOENT and EINVAL, pagemap's
 *    PM_UFFD_WP, a write fault with UFFD_PAGEFAULT_FLAG_WP resolved by a handler, mprotect keeping
 *    and fork dropping the protection, DONTWAKE, UFFDIO_COPY_MODE_WP, UNREGISTER, WP-only missing
 *    faults, SIGBUS;
 *  - shmem (UFFD_FEATURE_MISSING_SHMEM): a memfd's and shared anonymous memory's missing pages,
 *    UFFDIO_COPY filling the page cache (EEXIST over a cached page, EFAULT past EOF), ZEROPAGE
 *    (WP on shmem is not tried: the host has PTE markers, mmemu refuses it as a kernel without);
 *  - /dev/userfaultfd: USERFAULTFD_IOC_NEW (EINVAL flags, other ioctls EINVAL), read/write EINVAL.
 * Only the features and range ioctls the model offers are printed (the host offers more).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

/* include/uapi/linux/userfaultfd.h and capability.h (musl has no kernel headers). */
#define __NR_userfaultfd 323
#define UFFD_API 0xAAULL
#define UFFD_USER_MODE_ONLY 1
#define UFFD_EVENT_PAGEFAULT 0x12
#define UFFD_FEATURE_PAGEFAULT_FLAG_WP (1 << 0)
#define UFFD_FEATURE_MISSING_SHMEM (1 << 5)
#define UFFD_FEATURE_SIGBUS (1 << 7)
#define UFFD_FEATURE_THREAD_ID (1 << 8)
#define UFFD_FEATURE_EXACT_ADDRESS (1 << 11)
#define UFFDIO_REGISTER_MODE_MISSING 1ULL
#define UFFDIO_REGISTER_MODE_WP 2ULL
#define UFFDIO_REGISTER_MODE_MINOR 4ULL
#define UFFDIO_WRITEPROTECT_MODE_WP 1ULL
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE 2ULL
#define UFFDIO_COPY_MODE_WP 2ULL
#define _UFFDIO_WAKE 2
#define _UFFDIO_COPY 3
#define _UFFDIO_ZEROPAGE 4
#define _UFFDIO_WRITEPROTECT 6
typedef unsigned long long u64;
struct uffd_msg {
    unsigned char event, reserved1;
    unsigned short reserved2;
    unsigned reserved3;
    union {
        struct {
            u64 flags, address;
            union { unsigned ptid; } feat;
        } pagefault;
        struct { u64 reserved1, reserved2, reserved3; } reserved;
    } arg;
} __attribute__((packed));
struct uffdio_api { u64 api, features, ioctls; };
struct uffdio_range { u64 start, len; };
struct uffdio_register { struct uffdio_range range; u64 mode, ioctls; };
struct uffdio_copy { u64 dst, src, len, mode; long long copy; };
struct uffdio_zeropage { struct uffdio_range range; u64 mode; long long zeropage; };
struct uffdio_writeprotect { struct uffdio_range range; u64 mode; };
#define UFFDIO_API _IOWR(0xAA, 0x3F, struct uffdio_api)
#define UFFDIO_REGISTER _IOWR(0xAA, 0x00, struct uffdio_register)
#define UFFDIO_UNREGISTER _IOR(0xAA, 0x01, struct uffdio_range)
#define UFFDIO_WAKE _IOR(0xAA, 0x02, struct uffdio_range)
#define UFFDIO_COPY _IOWR(0xAA, 0x03, struct uffdio_copy)
#define UFFDIO_ZEROPAGE _IOWR(0xAA, 0x04, struct uffdio_zeropage)
#define UFFDIO_WRITEPROTECT _IOWR(0xAA, 0x06, struct uffdio_writeprotect)
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_SYS_PTRACE 19
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };

#define PG 4096L
#define MODEL_FEATURES (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_MISSING_SHMEM | UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID \
                        | UFFD_FEATURE_EXACT_ADDRESS)
#define MODEL_RANGE_IOCTLS ((1ULL << _UFFDIO_WAKE) | (1ULL << _UFFDIO_COPY) | (1ULL << _UFFDIO_ZEROPAGE) \
                            | (1ULL << _UFFDIO_WRITEPROTECT))

/* errname() and the one errno it lacks that this program meets. */
static const char *ename(int e) {
    return e == EBUSY ? "EBUSY" : errname(e);
}

static void show(const char *what, long r) {
    if (r < 0) printf("%s: -1 %s\n", what, ename(errno));
    else printf("%s: %ld\n", what, r);
}

#define T(what, call) do { errno = 0; show(what, (long)(call)); } while (0)

static int uffd_new(int flags, u64 features) {
    int u = syscall(__NR_userfaultfd, flags);
    if (u < 0) return u;
    struct uffdio_api api = { .api = UFFD_API, .features = features };
    if (ioctl(u, UFFDIO_API, &api)) return -1;
    return u;
}

static int reg(int u, void *p, long len) {
    struct uffdio_register r = { .range = { (unsigned long)p, len }, .mode = UFFDIO_REGISTER_MODE_MISSING };
    return ioctl(u, UFFDIO_REGISTER, &r);
}

static int unreg(int u, void *p, long len) {
    struct uffdio_range r = { (unsigned long)p, len };
    return ioctl(u, UFFDIO_UNREGISTER, &r);
}

static long copy(int u, void *dst, void *src, long len, u64 mode, int *err) {
    struct uffdio_copy c = { (unsigned long)dst, (unsigned long)src, len, mode, 12345 };
    errno = 0;
    *err = ioctl(u, UFFDIO_COPY, &c) ? errno : 0;
    return c.copy;
}

/* The VmFlags line of the smaps entry holding p, or "none". */
static const char *vmflags(void *p) {
    static char out[256];
    char line[256];
    FILE *f = fopen("/proc/self/smaps", "r");
    int in = 0;
    strcpy(out, "none");
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (!in && sscanf(line, "%lx-%lx ", &s, &e) == 2 && s <= (unsigned long)p && (unsigned long)p < e) in = 1;
        else if (in && strncmp(line, "VmFlags:", 8) == 0) {
            strcpy(out, line + 9);
            out[strcspn(out, "\n")] = 0;
            break;
        }
    }
    fclose(f);
    return out;
}

/* How many maps lines lie in [p, p + len). */
static int vmas_in(void *p, long len) {
    char line[256];
    int n = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s >= (unsigned long)p && e <= (unsigned long)p + len) n++;
    }
    fclose(f);
    return n;
}

static void file_and_api(void) {
    printf("-- the file and UFFDIO_API\n");
    T("flags 2", syscall(__NR_userfaultfd, 2));
    T("flags O_RDWR", syscall(__NR_userfaultfd, O_RDWR));
    int um = syscall(__NR_userfaultfd, UFFD_USER_MODE_ONLY);
    printf("user mode only: %s\n", um >= 0 ? "fd" : ename(errno));
    close(um);
    int u = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    printf("F_GETFL 0x%x F_GETFD %d\n", fcntl(u, F_GETFL), fcntl(u, F_GETFD));
    struct stat st;
    fstat(u, &st);
    printf("fstat mode 0%o size %ld\n", st.st_mode, (long)st.st_size);
    char b[64];
    struct uffd_msg m;
    T("read before api", read(u, &m, sizeof m));
    T("write", write(u, b, 32));
    T("pread", pread(u, b, 32, 0));
    T("lseek", lseek(u, 0, SEEK_SET));
    struct uffdio_register r0 = { .range = { 0x100000, PG }, .mode = UFFDIO_REGISTER_MODE_MISSING };
    T("register before api", ioctl(u, UFFDIO_REGISTER, &r0));
    struct uffdio_api api = { .api = 0xab };
    T("api bad version", ioctl(u, UFFDIO_API, &api));
    api = (struct uffdio_api){ .api = UFFD_API, .features = 1ULL << 40, .ioctls = 7 };
    T("api unknown feature", ioctl(u, UFFDIO_API, &api));
    printf(" zeroed: %d\n", api.api == 0 && api.features == 0 && api.ioctls == 0);
    T("api EFAULT", ioctl(u, UFFDIO_API, 16));
    api = (struct uffdio_api){ .api = UFFD_API, .features = 0 };
    T("api", ioctl(u, UFFDIO_API, &api));
    printf(" features 0x%llx ioctls 0x%llx\n", api.features & MODEL_FEATURES, api.ioctls);
    api = (struct uffdio_api){ .api = UFFD_API, .features = 0 };
    T("api again", ioctl(u, UFFDIO_API, &api));
    printf(" zeroed: %d\n", api.api == 0 && api.features == 0 && api.ioctls == 0);
    T("read empty", read(u, &m, sizeof m));
    T("read short", read(u, &m, 8));
    T("unknown ioctl", ioctl(u, _IOWR(0xAA, 0x30, struct uffdio_api), &api));
    T("tty ioctl", ioctl(u, 0x5401, b));
    close(u);
}

static void register_cases(void) {
    printf("-- UFFDIO_REGISTER and UNREGISTER\n");
    int u = uffd_new(O_NONBLOCK, 0), u2 = uffd_new(O_NONBLOCK, 0);
    char *p = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, 8 * PG);
    p = mmap(p + 2 * PG, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register r = { .range = { (unsigned long)p + PG, PG }, .mode = UFFDIO_REGISTER_MODE_MISSING };
    T("register", ioctl(u, UFFDIO_REGISTER, &r));
    printf(" ioctls 0x%llx\n", r.ioctls & MODEL_RANGE_IOCTLS);
    printf(" VmFlags %s; VMAs %d\n", vmflags(p + PG), vmas_in(p, 4 * PG));
    r.mode = 0; T("mode 0", ioctl(u, UFFDIO_REGISTER, &r));
    r.mode = 8; T("mode 8", ioctl(u, UFFDIO_REGISTER, &r));
    r.mode = UFFDIO_REGISTER_MODE_MISSING;
    r.range.start = (unsigned long)p + 1; T("unaligned start", ioctl(u, UFFDIO_REGISTER, &r));
    r.range.start = (unsigned long)p; r.range.len = 1; T("len 1", ioctl(u, UFFDIO_REGISTER, &r));
    r.range.len = 0; T("len 0", ioctl(u, UFFDIO_REGISTER, &r));
    r.range.start = 0; r.range.len = PG; T("at 0", ioctl(u, UFFDIO_REGISTER, &r));
    r.range.start = 0x7ffffffff000UL; r.range.len = 2 * PG; T("past TASK_SIZE", ioctl(u, UFFDIO_REGISTER, &r));
    r.range.start = (unsigned long)p - 2 * PG; r.range.len = PG; T("no VMA", ioctl(u, UFFDIO_REGISTER, &r));
    r.range.len = 4 * PG; T("hole before", ioctl(u, UFFDIO_REGISTER, &r));
    printf(" VMAs %d, VmFlags %s\n", vmas_in(p, 4 * PG), vmflags(p));
    r.range.start = (unsigned long)p + PG; r.range.len = PG;
    T("another uffd", ioctl(u2, UFFDIO_REGISTER, &r));
    T("unregister via another", unreg(u2, p + PG, PG));
    T("register EFAULT", ioctl(u, UFFDIO_REGISTER, 16));
    T("unregister all", unreg(u, p - 2 * PG, 8 * PG));
    printf(" VMAs %d, VmFlags %s\n", vmas_in(p, 4 * PG), vmflags(p));
    T("unregister again", unreg(u, p, 4 * PG));
    T("unregister unaligned", unreg(u, p + 1, PG));
    T("unregister no VMA", unreg(u, p - 2 * PG, PG));
    int fd = open("/proc/self/exe", O_RDONLY);
    char *file = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    T("register file", reg(u, file, PG));
    T("unregister file", unreg(u, file, PG));
    munmap(file, PG);
    close(fd);
    /* Registration replaces a neighbour-merge: two registered halves of one uffd merge again. */
    T("register half 1", reg(u, p, 2 * PG));
    T("register half 2", reg(u, p + 2 * PG, 2 * PG));
    printf(" VMAs %d\n", vmas_in(p, 4 * PG));
    T("mprotect middle", mprotect(p + PG, PG, PROT_READ | PROT_WRITE));
    printf(" VMAs %d, VmFlags %s\n", vmas_in(p, 4 * PG), vmflags(p + PG));
    munmap(p, 4 * PG);
    close(u);
    close(u2);
}

static void copy_cases(void) {
    printf("-- UFFDIO_COPY and UFFDIO_ZEROPAGE\n");
    int u = uffd_new(O_NONBLOCK, 0), err;
    char *p = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *src = aligned_alloc(PG, 2 * PG);
    memset(src, 7, 2 * PG);
    src[PG] = 9;
    reg(u, p, 2 * PG);
    long c = copy(u, p, src + 1, PG, 0, &err);
    printf("copy unaligned src: %s copy %ld p[0]=%d p[4095]=%d\n", ename(err), c, p[0], p[PG - 1]);
    c = copy(u, p, src, PG, 0, &err);
    printf("copy again: %s copy %ld\n", ename(err), c);
    c = copy(u, p + 2 * PG, src, PG, 0, &err);
    printf("copy unregistered: %s copy %ld\n", ename(err), c);
    c = copy(u, p + PG, src, PG, 4, &err);
    printf("copy bad mode: %s copy %ld\n", ename(err), c);
    c = copy(u, p + PG, src, PG, UFFDIO_COPY_MODE_WP, &err);
    printf("copy WP mode: %s copy %ld\n", ename(err), c);
    c = copy(u, p + PG, (void *)8, PG, 0, &err);
    printf("copy bad src: %s copy %ld\n", ename(err), c);
    c = copy(u, p + PG, (void *)-PG, 2 * PG, 0, &err);
    printf("copy wrapping src: %s copy %ld\n", ename(err), c);
    c = copy(u, p + PG, src, 3 * PG, 0, &err);
    printf("copy past the VMA: %s copy %ld\n", ename(err), c);
    c = copy(u, p + 1, src, PG, 0, &err);
    printf("copy unaligned dst: %s copy %ld\n", ename(err), c);
    c = copy(u, p, src, 2 * PG, 0, &err);
    printf("copy over a page: %s copy %ld\n", ename(err), c);
    struct uffdio_zeropage z = { .range = { (unsigned long)p, 2 * PG }, .mode = 0, .zeropage = 12345 };
    T("zeropage over a page", ioctl(u, UFFDIO_ZEROPAGE, &z));
    printf(" zeropage %lld\n", z.zeropage);
    z.range.start = (unsigned long)p + PG; z.range.len = PG; z.zeropage = 12345;
    T("zeropage", ioctl(u, UFFDIO_ZEROPAGE, &z));
    printf(" zeropage %lld, p[PG]=%d\n", z.zeropage, p[PG]);
    z.mode = 2; z.zeropage = 12345;
    T("zeropage bad mode", ioctl(u, UFFDIO_ZEROPAGE, &z));
    printf(" zeropage %lld\n", z.zeropage);
    z.mode = 0; z.range.start = (unsigned long)p + 2 * PG;
    T("zeropage unregistered", ioctl(u, UFFDIO_ZEROPAGE, &z));
    printf(" zeropage %lld\n", z.zeropage);
    struct uffdio_range w = { (unsigned long)p, PG };
    T("wake", ioctl(u, UFFDIO_WAKE, &w));
    w.len = 0; T("wake len 0", ioctl(u, UFFDIO_WAKE, &w));
    w.start = 1; w.len = PG; T("wake unaligned", ioctl(u, UFFDIO_WAKE, &w));
    /* The copied page: present and exclusive in pagemap. */
    int pm = open("/proc/self/pagemap", O_RDONLY);
    uint64_t ent = 0;
    pread(pm, &ent, 8, (unsigned long)p / PG * 8);
    printf("pagemap present %d exclusive %d\n", (int)(ent >> 63 & 1), (int)(ent >> 56 & 1));
    close(pm);
    /* MADV_DONTNEED drops the page: a copy fills it again. */
    T("MADV_DONTNEED", madvise(p, PG, MADV_DONTNEED));
    c = copy(u, p, src + PG, PG, 0, &err);
    printf("copy after DONTNEED: %s copy %ld p[0]=%d\n", ename(err), c, p[0]);
    munmap(p, 4 * PG);
    close(u);
    free(src);
}

/* ---------------------------------------------------------------- faults and handlers */

struct fault_args {
    char *addr;
    int write;
    int value;
    int tid;
};

static void *faulter(void *arg) {
    struct fault_args *a = arg;
    a->tid = syscall(SYS_gettid);
    if (a->write) {
        *(volatile char *)a->addr = 42;
        a->value = *(volatile char *)a->addr;
    } else {
        a->value = *(volatile char *)a->addr;
    }
    return NULL;
}

static int read_msg(int u, struct uffd_msg *m) {
    for (;;) {
        long r = read(u, m, sizeof *m);
        if (r == sizeof *m) return 0;
        if (r < 0 && errno == EAGAIN) {
            sched_yield();
            continue;
        }
        return -1;
    }
}

static void fault_cases(void) {
    printf("-- missing faults\n");
    int u = uffd_new(O_CLOEXEC, UFFD_FEATURE_THREAD_ID);
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *src = aligned_alloc(PG, PG);
    memset(src, 5, PG);
    reg(u, p, 4 * PG);

    /* A read fault resolved by UFFDIO_COPY. */
    struct fault_args a = { p + 100, 0 };
    pthread_t t;
    pthread_create(&t, NULL, faulter, &a);
    struct uffd_msg m;
    int r = read_msg(u, &m);
    int err;
    copy(u, p, src, PG, 0, &err);
    pthread_join(t, NULL);
    printf("read fault: msg %d event 0x%x address +%ld flags 0x%llx tid matches %d; copy %s; value %d\n", r,
           m.event, (long)(m.arg.pagefault.address - (unsigned long)p), m.arg.pagefault.flags,
           m.arg.pagefault.feat.ptid == (unsigned)a.tid, ename(err), a.value);

    /* A write fault resolved by UFFDIO_ZEROPAGE: the write then breaks the zero page. */
    a = (struct fault_args){ p + PG + 8, 1 };
    pthread_create(&t, NULL, faulter, &a);
    r = read_msg(u, &m);
    struct uffdio_zeropage z = { .range = { (unsigned long)p + PG, PG } };
    int zr = ioctl(u, UFFDIO_ZEROPAGE, &z);
    pthread_join(t, NULL);
    printf("write fault: msg %d address +%ld flags 0x%llx; zeropage %d; value %d\n", r,
           (long)(m.arg.pagefault.address - (unsigned long)p), m.arg.pagefault.flags, zr, a.value);

    /* UFFDIO_WAKE without a page: the thread faults again and a second message comes. */
    a = (struct fault_args){ p + 2 * PG, 0 };
    pthread_create(&t, NULL, faulter, &a);
    r = read_msg(u, &m);
    struct uffdio_range w = { (unsigned long)p + 2 * PG, PG };
    int wr = ioctl(u, UFFDIO_WAKE, &w);
    struct uffd_msg m2;
    int r2 = read_msg(u, &m2);
    copy(u, p + 2 * PG, src, PG, 0, &err);
    pthread_join(t, NULL);
    printf("wake without a page: msg %d wake %d second msg %d same address %d; value %d\n", r, wr, r2,
           m2.arg.pagefault.address == m.arg.pagefault.address, a.value);

    /* UFFDIO_UNREGISTER wakes the waiter, which then faults normally (a zero page). */
    a = (struct fault_args){ p + 3 * PG, 0 };
    pthread_create(&t, NULL, faulter, &a);
    r = read_msg(u, &m);
    int ur = unreg(u, p + 3 * PG, PG);
    pthread_join(t, NULL);
    printf("unregister while waiting: msg %d unregister %d value %d VmFlags %s\n", r, ur, a.value, vmflags(p + 3 * PG));

    /* MADV_DONTNEED makes a copied page missing again. */
    madvise(p, PG, MADV_DONTNEED);
    a = (struct fault_args){ p, 0 };
    pthread_create(&t, NULL, faulter, &a);
    r = read_msg(u, &m);
    src[0] = 6;
    copy(u, p, src, PG, 0, &err);
    pthread_join(t, NULL);
    printf("after MADV_DONTNEED: msg %d address +%ld value %d\n", r, (long)(m.arg.pagefault.address - (unsigned long)p),
           a.value);

    /* Closing the userfaultfd lets a waiting fault go on normally. */
    munmap(p, 4 * PG);
    p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    reg(u, p, PG);
    a = (struct fault_args){ p, 1 };
    pthread_create(&t, NULL, faulter, &a);
    r = read_msg(u, &m);
    close(u);
    pthread_join(t, NULL);
    printf("close while waiting: msg %d value %d VmFlags %s\n", r, a.value, vmflags(p));
    munmap(p, PG);

    /* UFFD_FEATURE_EXACT_ADDRESS and two faults queued at once, read in one read(). */
    u = uffd_new(O_NONBLOCK, UFFD_FEATURE_EXACT_ADDRESS);
    p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    reg(u, p, 2 * PG);
    struct fault_args a1 = { p + 123, 0 }, a2 = { p + PG + 7, 1 };
    pthread_t t1, t2;
    pthread_create(&t1, NULL, faulter, &a1);
    read_msg(u, &m);
    pthread_create(&t2, NULL, faulter, &a2);
    read_msg(u, &m2);
    copy(u, p, src, 2 * PG, 0, &err);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("exact addresses +%ld +%ld flags 0x%llx 0x%llx; copy %s; values %d %d\n",
           (long)(m.arg.pagefault.address - (unsigned long)p), (long)(m2.arg.pagefault.address - (unsigned long)p),
           m.arg.pagefault.flags, m2.arg.pagefault.flags, ename(err), a1.value, a2.value);
    munmap(p, 2 * PG);
    close(u);
    free(src);
}

struct io_args {
    int fd;
    char *buf;
    long n, r;
};

static void *reader(void *arg) {
    struct io_args *a = arg;
    a->r = read(a->fd, a->buf, a->n);
    return NULL;
}

static void *writer(void *arg) {
    struct io_args *a = arg;
    a->r = write(a->fd, a->buf, a->n);
    return NULL;
}

/* A syscall's own copy to or from a missing page waits for the handler like the CPU's access. */
static void kernel_fault_cases(void) {
    printf("-- faults the kernel takes in a syscall\n");
    int u = uffd_new(O_NONBLOCK, 0), err;
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    reg(u, p, 2 * PG);
    char *src = aligned_alloc(PG, PG);
    memset(src, '.', PG);
    int pfd[2];
    pipe(pfd);
    write(pfd[1], "hello, userfault", 16);
    struct io_args a = { pfd[0], p + 8, 16 };
    pthread_t t;
    pthread_create(&t, NULL, reader, &a);
    struct uffd_msg m;
    int rm = read_msg(u, &m);
    copy(u, p, src, PG, 0, &err);
    pthread_join(t, NULL);
    printf("read() into a missing page: msg %d address +%ld flags 0x%llx; read %ld: %.22s\n", rm,
           (long)(m.arg.pagefault.address - (unsigned long)p), m.arg.pagefault.flags, a.r, p + 4);
    a = (struct io_args){ pfd[1], p + PG + 100, 16 };
    pthread_create(&t, NULL, writer, &a);
    rm = read_msg(u, &m);
    src[100] = 'W';
    copy(u, p + PG, src, PG, 0, &err);
    pthread_join(t, NULL);
    char b[17] = {0};
    read(pfd[0], b, 16);
    printf("write() from a missing page: msg %d address +%ld flags 0x%llx; wrote %ld: %s\n", rm,
           (long)(m.arg.pagefault.address - (unsigned long)p), m.arg.pagefault.flags, a.r, b);
    close(pfd[0]);
    close(pfd[1]);
    munmap(p, 2 * PG);
    close(u);
    free(src);
}

static sigjmp_buf jb;
static volatile int sig_code;
static volatile long sig_off;
static char *sig_base;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    sig_code = si->si_code;
    sig_off = (char *)si->si_addr - sig_base;
    siglongjmp(jb, sig);
}

static void sigbus_and_kernel_cases(void) {
    printf("-- UFFD_FEATURE_SIGBUS, UFFD_USER_MODE_ONLY, fork\n");
    int u = uffd_new(O_NONBLOCK, UFFD_FEATURE_SIGBUS);
    char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    reg(u, p, PG);
    struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
    sigaction(SIGBUS, &sa, NULL);
    sig_base = p;
    int s = sigsetjmp(jb, 1);
    if (s == 0) *(volatile char *)(p + 17) = 1;
    printf("SIGBUS feature: signal %d code %d offset %ld\n", s, sig_code, sig_off);
    close(u);
    munmap(p, PG);

    /* A kernel access (a pipe write from a missing page) with UFFD_USER_MODE_ONLY: EFAULT. */
    u = uffd_new(O_NONBLOCK | UFFD_USER_MODE_ONLY, 0);
    p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    reg(u, p, PG);
    int pfd[2];
    pipe(pfd);
    T("user-mode-only kernel read", write(pfd[1], p, 16));
    struct uffd_msg m;
    T("no message", read(u, &m, sizeof m));
    close(pfd[0]);
    close(pfd[1]);

    /* fork: the child's copy of the VMA is not registered, and faults normally. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: VmFlags %s value %d\n", vmflags(p), *(volatile char *)p);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("parent: VmFlags %s\n", vmflags(p));
    close(u);
    munmap(p, PG);

    /* Without CAP_SYS_PTRACE, only a user-mode-only userfaultfd (vm.unprivileged_userfaultfd is 0). */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct cap_header h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct cap_data d[2];
        syscall(SYS_capget, &h, d);
        d[0].effective &= ~(1U << CAP_SYS_PTRACE);
        syscall(SYS_capset, &h, d);
        T("no CAP_SYS_PTRACE", syscall(__NR_userfaultfd, O_CLOEXEC));
        T("no CAP_SYS_PTRACE, bad flags", syscall(__NR_userfaultfd, 2));
        int um = syscall(__NR_userfaultfd, UFFD_USER_MODE_ONLY);
        printf("no CAP_SYS_PTRACE, user mode only: %s\n", um >= 0 ? "fd" : ename(errno));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, &st, 0);
}

static int wp(int u, void *p, long len, u64 mode) {
    struct uffdio_writeprotect w = { { (unsigned long)p, len }, mode };
    return ioctl(u, UFFDIO_WRITEPROTECT, &w);
}

/* pagemap's PM_UFFD_WP (bit 57) and present (63) bits of the page at p. */
static const char *pm(void *p) {
    static char out[16];
    uint64_t ent = 0;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    pread(fd, &ent, 8, (unsigned long)p / PG * 8);
    close(fd);
    snprintf(out, sizeof out, "p%d wp%d", (int)(ent >> 63 & 1), (int)(ent >> 57 & 1));
    return out;
}

static void wp_cases(void) {
    printf("-- write protection (UFFDIO_REGISTER_MODE_WP, UFFDIO_WRITEPROTECT)\n");
    int u = uffd_new(O_NONBLOCK, UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_THREAD_ID), err;
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 3, 3 * PG);
    struct uffdio_register r = { .range = { (unsigned long)p, 2 * PG },
                                 .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP };
    T("register MISSING|WP", ioctl(u, UFFDIO_REGISTER, &r));
    printf(" ioctls 0x%llx VmFlags %s\n", r.ioctls & MODEL_RANGE_IOCTLS, vmflags(p));
    r.mode = UFFDIO_REGISTER_MODE_MINOR;
    T("register MINOR", ioctl(u, UFFDIO_REGISTER, &r));
    T("writeprotect unregistered", wp(u, p + 2 * PG, PG, UFFDIO_WRITEPROTECT_MODE_WP));
    T("writeprotect across", wp(u, p, 3 * PG, UFFDIO_WRITEPROTECT_MODE_WP));
    T("writeprotect mode 4", wp(u, p, PG, 4));
    T("writeprotect WP|DONTWAKE", wp(u, p, PG, UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE));
    T("writeprotect len 0", wp(u, p, 0, UFFDIO_WRITEPROTECT_MODE_WP));
    T("writeprotect no VMA", wp(u, p + 8 * PG, PG, UFFDIO_WRITEPROTECT_MODE_WP));
    T("writeprotect EFAULT", ioctl(u, UFFDIO_WRITEPROTECT, 16));
    T("writeprotect", wp(u, p, 2 * PG, UFFDIO_WRITEPROTECT_MODE_WP));
    printf(" pagemap %s, %s; read %d\n", pm(p), pm(p + PG), *(volatile char *)p);

    /* A write to a protected page: a WP message (WRITE|WP); resolving wakes the writer. */
    struct fault_args a = { p + 8, 1 };
    pthread_t t;
    pthread_create(&t, NULL, faulter, &a);
    struct uffd_msg m;
    int rm = read_msg(u, &m);
    int rr = wp(u, p, PG, 0);
    pthread_join(t, NULL);
    printf("write to a protected page: msg %d address +%ld flags 0x%llx tid %d; resolve %d; value %d pagemap %s\n", rm,
           (long)(m.arg.pagefault.address - (unsigned long)p), m.arg.pagefault.flags,
           m.arg.pagefault.feat.ptid == (unsigned)a.tid, rr, a.value, pm(p));

    /* mprotect keeps the protection; fork's child has none. */
    mprotect(p + PG, PG, PROT_READ);
    mprotect(p + PG, PG, PROT_READ | PROT_WRITE);
    printf("after mprotect: pagemap %s\n", pm(p + PG));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: pagemap %s, ", pm(p + PG));
        p[PG] = 7;
        printf("wrote %d\n", p[PG]);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);

    /* Resolving with DONTWAKE; a protected page placed by UFFDIO_COPY_MODE_WP. */
    T("resolve DONTWAKE", wp(u, p + PG, PG, UFFDIO_WRITEPROTECT_MODE_DONTWAKE));
    p[PG] = 8;
    printf(" pagemap %s value %d\n", pm(p + PG), p[PG]);
    madvise(p + PG, PG, MADV_DONTNEED);
    char *src = aligned_alloc(PG, PG);
    memset(src, 4, PG);
    long c = copy(u, p + PG, src, PG, UFFDIO_COPY_MODE_WP, &err);
    printf("copy WP: %s copy %ld pagemap %s\n", ename(err), c, pm(p + PG));
    a = (struct fault_args){ p + PG, 1 };
    pthread_create(&t, NULL, faulter, &a);
    rm = read_msg(u, &m);
    rr = wp(u, p + PG, PG, 0);
    pthread_join(t, NULL);
    printf("write after copy WP: msg %d flags 0x%llx resolve %d value %d\n", rm, m.arg.pagefault.flags, rr, a.value);

    /* UNREGISTER drops the protection. */
    T("protect again", wp(u, p, 2 * PG, UFFDIO_WRITEPROTECT_MODE_WP));
    T("unregister", unreg(u, p, 2 * PG));
    p[0] = 9;
    printf(" pagemap %s value %d VmFlags %s\n", pm(p), p[0], vmflags(p));
    munmap(p, 4 * PG);
    close(u);

    /* WP only: a missing page faults as usual; UFFD_FEATURE_SIGBUS makes a protected write SIGBUS. */
    u = uffd_new(O_NONBLOCK, UFFD_FEATURE_SIGBUS);
    p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = (struct uffdio_register){ .range = { (unsigned long)p, 2 * PG }, .mode = UFFDIO_REGISTER_MODE_WP };
    T("register WP only", ioctl(u, UFFDIO_REGISTER, &r));
    printf(" ioctls 0x%llx; a missing page reads %d\n", r.ioctls & MODEL_RANGE_IOCTLS, *(volatile char *)p);
    p[PG] = 1;
    wp(u, p + PG, PG, UFFDIO_WRITEPROTECT_MODE_WP);
    struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
    sigaction(SIGBUS, &sa, NULL);
    sig_base = p;
    int s2 = sigsetjmp(jb, 1);
    if (s2 == 0) *(volatile char *)(p + PG + 5) = 2;
    printf("SIGBUS on a protected write: signal %d code %d offset %ld value %d\n", s2, sig_code, sig_off, p[PG]);
    munmap(p, 2 * PG);
    close(u);
    free(src);
}

/* shmem: a memfd's pages and shared anonymous memory are missing until the page cache has them. */
static void shmem_cases(void) {
    printf("-- shmem\n");
    int u = uffd_new(O_NONBLOCK, UFFD_FEATURE_MISSING_SHMEM), err;
    int fd = syscall(SYS_memfd_create, "uffd", 0);
    ftruncate(fd, 3 * PG);
    char *s = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    struct uffdio_register r = { .range = { (unsigned long)s, 4 * PG }, .mode = UFFDIO_REGISTER_MODE_MISSING };
    T("register memfd", ioctl(u, UFFDIO_REGISTER, &r));
    printf(" ioctls 0x%llx VmFlags %s\n", r.ioctls & MODEL_RANGE_IOCTLS, vmflags(s));
    char *src = aligned_alloc(PG, PG);
    memset(src, 6, PG);
    /* A read of a page the memfd lacks waits; a copy fills the page cache too. */
    struct fault_args a = { s + 5, 0 };
    pthread_t t;
    pthread_create(&t, NULL, faulter, &a);
    struct uffd_msg m;
    int rm = read_msg(u, &m);
    long c = copy(u, s, src, PG, 0, &err);
    pthread_join(t, NULL);
    char b = 0;
    pread(fd, &b, 1, 7);
    printf("memfd read fault: msg %d address +%ld flags 0x%llx copy %ld value %d; the file reads %d\n", rm,
           (long)(m.arg.pagefault.address - (unsigned long)s), m.arg.pagefault.flags, c, a.value, b);
    c = copy(u, s, src, PG, 0, &err);
    printf("copy again: %s copy %ld\n", ename(err), c);
    /* A page written through the file is no longer missing: EEXIST, and no fault. */
    pwrite(fd, "x", 1, PG);
    c = copy(u, s + PG, src, PG, 0, &err);
    printf("copy over a cached page: %s copy %ld; it reads %c\n", ename(err), c, s[PG]);
    struct uffdio_zeropage z = { .range = { (unsigned long)s + 2 * PG, PG } };
    T("zeropage", ioctl(u, UFFDIO_ZEROPAGE, &z));
    printf(" zeropage %lld value %d\n", z.zeropage, s[2 * PG]);
    c = copy(u, s + 3 * PG, src, PG, 0, &err);
    printf("copy past EOF: %s copy %ld\n", ename(err), c);
    s[2 * PG + 1] = 5;
    pread(fd, &b, 1, 2 * PG + 1);
    printf("a write through the zeropage'd mapping reaches the file: %d\n", b);
    munmap(s, 4 * PG);
    close(fd);

    /* Shared anonymous memory, write fault. */
    s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    T("register shared anonymous", reg(u, s, PG));
    a = (struct fault_args){ s + 9, 1 };
    pthread_create(&t, NULL, faulter, &a);
    rm = read_msg(u, &m);
    c = copy(u, s, src, PG, 0, &err);
    pthread_join(t, NULL);
    printf("shared anonymous write fault: msg %d flags 0x%llx copy %ld value %d\n", rm, m.arg.pagefault.flags, c, a.value);
    munmap(s, PG);
    close(u);
    free(src);
}

/* /dev/userfaultfd: USERFAULTFD_IOC_NEW makes a userfaultfd; nothing else works on it. */
static void dev_userfaultfd(void) {
    printf("-- /dev/userfaultfd\n");
    int d = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    struct stat st;
    fstat(d, &st);
    printf("char device %d mode 0%o rdev %u:%u\n", S_ISCHR(st.st_mode), st.st_mode & 07777, major(st.st_rdev),
           minor(st.st_rdev));
    char b[32] = {0};
    T("read", read(d, b, sizeof b));
    T("write", write(d, b, sizeof b));
    T("USERFAULTFD_IOC_NEW bad flags", ioctl(d, USERFAULTFD_IOC_NEW, 2));
    T("another ioctl", ioctl(d, _IO(0xAA, 1), 0));
    int u = ioctl(d, USERFAULTFD_IOC_NEW, O_NONBLOCK | O_CLOEXEC);
    printf("USERFAULTFD_IOC_NEW: %s F_GETFL 0x%x F_GETFD %d\n", u >= 0 ? "fd" : ename(errno), fcntl(u, F_GETFL),
           fcntl(u, F_GETFD));
    struct uffdio_api api = { .api = UFFD_API };
    T("its UFFDIO_API", ioctl(u, UFFDIO_API, &api));
    struct uffd_msg m;
    T("its read", read(u, &m, sizeof m));
    close(u);
    close(d);
}

/* userfaultfd_poll(): POLLERR before UFFDIO_API and on a blocking descriptor; on a non-blocking one
 * readable once a fault waits, which a handler sleeping in poll() learns without spinning. */
static void poll_cases(void) {
    printf("-- poll\n");
    int u = syscall(__NR_userfaultfd, O_CLOEXEC);
    struct pollfd pf = { u, POLLIN, 0 };
    T("poll before UFFDIO_API", poll(&pf, 1, 0));
    printf("revents %#x\n", pf.revents);
    struct uffdio_api api = { .api = UFFD_API };
    ioctl(u, UFFDIO_API, &api);
    T("poll of a blocking descriptor", poll(&pf, 1, 0));
    printf("revents %#x\n", pf.revents);
    fcntl(u, F_SETFL, O_NONBLOCK);
    T("poll with nothing pending", poll(&pf, 1, 0));
    printf("revents %#x\n", pf.revents);
    char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    reg(u, p, PG);
    struct fault_args a = { .addr = p };
    pthread_t t;
    pthread_create(&t, NULL, faulter, &a);
    T("poll until the thread faults", poll(&pf, 1, -1));
    printf("revents %#x\n", pf.revents);
    struct uffd_msg m;
    T("read", read(u, &m, sizeof m));
    printf("event %#x at offset %ld\n", m.event, (long)(m.arg.pagefault.address - (unsigned long)p));
    char *src = aligned_alloc(PG, PG);
    memset(src, 9, PG);
    struct uffdio_copy c = { .dst = (unsigned long)p, .src = (unsigned long)src, .len = PG };
    T("UFFDIO_COPY", ioctl(u, UFFDIO_COPY, &c));
    pthread_join(t, NULL);
    printf("the thread read %d\n", a.value);
    close(u);
    munmap(p, PG);
    free(src);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = open("/proc/sys/vm/unprivileged_userfaultfd", O_RDONLY);
    char b[8] = {0};
    read(fd, b, sizeof b - 1);
    printf("vm.unprivileged_userfaultfd %s", b);
    close(fd);
    file_and_api();
    register_cases();
    copy_cases();
    fault_cases();
    kernel_fault_cases();
    sigbus_and_kernel_cases();
    wp_cases();
    shmem_cases();
    dev_userfaultfd();
    poll_cases();
    return 0;
}
