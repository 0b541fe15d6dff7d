/*
 * sys-fuzz SEED COUNT [MAPS_EVERY]: the differential syscall fuzzer. A seeded generator
 * (splitmix64) issues COUNT random syscalls from a table of calls whose outcome depends on no
 * pid, descriptor number, time or ASLR placement, with arguments drawn from valid values,
 * boundary values and bad pointers (NULL, an unmapped page, a PROT_NONE page, a read-only page,
 * a buffer running into PROT_NONE, a kernel, a non-canonical and the first non-user address),
 * and prints one line per call: its index, the call with a compact form of its arguments, and
 * the result or the errno name, then what the call wrote where that is deterministic
 * (capability headers and data, old signal actions and masks, mincore vectors). "touch" steps
 * read or write one byte of the scratch region under a SIGSEGV/SIGBUS handler, so that what the
 * mapping calls did shows too. At the end (and every MAPS_EVERY calls, if given) it prints the
 * scratch region's lines of /proc/self/maps: the VMAs the calls left (splits, merges, flags).
 *
 * It never harms itself: mapping calls act only inside the scratch region (64 pages at
 * SCRATCH), or with arguments that fail whatever is mapped (a length past TASK_SIZE that every
 * path refuses); a mapping the kernel puts elsewhere is unmapped at once and printed as
 * "elsewhere"; SIGSEGV and SIGBUS are never blocked, nor their actions changed; pointers given
 * as input point at contents that cannot hurt (see RO_CONTENT); rlimits are only ever set to
 * their current values; nothing is created (no O_CREAT with a name that does not exist). Before
 * the first call it makes the state it depends on its own: capabilities dropped (capset to
 * empty sets, allowed to anyone, as mmtest.h's drop_caps), every signal's action SIG_DFL and the
 * signal mask empty.
 *
 * Every call goes through the syscall instruction (no libc wrapper's checks, no vDSO).
 * bin/test compares a few seeds natively and under mmemu line by line (SyscallFuzzTest);
 * bin/campaign many long ones (SyscallFuzzCampaign). Exits 0 after printing "done".
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include "mmtest.h"

/* Newer than musl 1.2.3's headers. */
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#define MADV_DONTNEED_LOCKED 24
#define O_TMPFILE_BIT 020000000 /* __O_TMPFILE: O_TMPFILE without O_DIRECTORY */
/*
 * mincore joins once it is rewritten (issue 10, item 3): today mmemu answers 0 or ENOMEM where
 * Linux checks the range with access_ok() (ENOMEM for a start past TASK_SIZE, even with length 0)
 * and the vector with access_ok() (EFAULT) first, and copies each VMA's part of the vector before
 * it looks at the next (EFAULT before ENOMEM for a hole further on).
 */
#ifndef FUZZ_MINCORE /* musl-gcc -static -DFUZZ_MINCORE=1 ... builds a sys-fuzz with it */
#define FUZZ_MINCORE 0
#endif

#define SCRATCH 0x200000000000UL
#define SPAGES 64
#define SEND (SCRATCH + SPAGES * PAGE)
/*
 * The fixture: a read-only page, a buffer page, a PROT_NONE page and a hole, in that order. The
 * read-only page starts with RO_CONTENT and zeros, harmless as every input it may be taken for:
 * a path in a directory that does not exist (nothing is created), an rlimit with soft > hard,
 * a capability header with an unknown version, capability sets that would raise (EPERM).
 */
#define RO_CONTENT "/\xff\xff\xff/\xff\xff\xff"
#define FIX 0x300000000000UL
#define RO (FIX)
#define BUF (FIX + PAGE)
#define NONE (FIX + 2 * PAGE)
#define HOLE (FIX + 3 * PAGE)
#define KERNEL_ADDR 0xffffffff81000000UL
#define NONCANON 0x8000000000000000UL
#define TASK_SIZE 0x7ffffffff000UL

static long sc(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* splitmix64: the whole run follows from the seed. */
static uint64_t rng_state;
static uint64_t next64(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15UL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    return z ^ (z >> 31);
}
static uint64_t below(uint64_t n) { return next64() % n; }
static int chance(int percent) { return (int)below(100) < percent; }
#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

static void result(long r) {
    if (r < 0 && r >= -4095) {
        const char *n = ename((int)-r);
        if (!strcmp(n, "E?")) printf(" = -E%ld", -r);
        else printf(" = -%s", n);
    } else {
        printf(" = %ld", r);
    }
}

/* ---- pointer arguments ---- */

enum kind { K_NULL, K_BUF, K_RO, K_NONE, K_HOLE, K_STRADDLE, K_KERNEL, K_NONCANON, K_TOP, K_SCRATCH };
static const char *const kind_names[] = {"null", "buf", "ro", "none", "hole", "straddle", "kernel", "noncanon",
                                         "top", "S"};

struct uptr {
    uintptr_t a;
    enum kind kind;
};

static void put_ptr(struct uptr p) {
    if (p.kind == K_SCRATCH) printf("S+0x%lx", (unsigned long)(p.a - SCRATCH));
    else printf("%s", kind_names[p.kind]);
}

/*
 * A pointer to SIZE bytes (at most SLOT_SIZE). Input pointers (content != NULL) find the content
 * there when they are in the buffer page (and its first bytes when they straddle into PROT_NONE);
 * output pointers in the buffer page find 0xaa bytes; scratch pointers (only when allowed) point
 * at whatever earlier steps left there. Each argument of a call has its own SLOT of the buffer
 * page (slot 3 holds path strings), so that preparing one does not overwrite another.
 */
#define SLOT_SIZE 1000
#define SLOT(n) (BUF + 16 + 1016 * (n))

static struct uptr gen_ptr(int slot, size_t size, const void *content, int scratch_ok) {
    struct uptr p;
    int r = (int)below(100);
    if (r < 45) p.kind = K_BUF;
    else if (r < 52) p.kind = K_NULL;
    else if (r < 59) p.kind = K_RO;
    else if (r < 65) p.kind = K_NONE;
    else if (r < 71) p.kind = K_HOLE;
    else if (r < 77) p.kind = K_STRADDLE;
    else if (r < 81) p.kind = K_KERNEL;
    else if (r < 85) p.kind = K_NONCANON;
    else if (r < 88) p.kind = K_TOP;
    else p.kind = scratch_ok ? K_SCRATCH : K_BUF;
    switch (p.kind) {
    case K_NULL: p.a = 0; break;
    case K_BUF:
        p.a = SLOT(slot);
        memset((void *)p.a, 0xaa, SLOT_SIZE);
        if (content) memcpy((void *)p.a, content, size);
        break;
    case K_RO: p.a = RO; break;
    case K_NONE: p.a = NONE; break;
    case K_HOLE: p.a = HOLE + 8 * below(8); break;
    case K_STRADDLE: {
        /* Only the straddling argument of a call uses the end of the page: its slot is 2 or less. */
        size_t k = size > 1 ? 1 + below(size - 1) : 1;
        p.a = NONE - k;
        if (content) memcpy((void *)p.a, content, k);
        break;
    }
    case K_KERNEL: p.a = KERNEL_ADDR; break;
    case K_NONCANON: p.a = NONCANON; break;
    case K_TOP: p.a = TASK_SIZE; break; /* the first address past the user range */
    case K_SCRATCH: p.a = SCRATCH + below(SPAGES) * PAGE + 8 * below((PAGE - size) / 8); break;
    }
    return p;
}

static void put_hex_bytes(const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

/* ---- scratch-region arguments of the mapping calls ---- */

static int in_scratch(uintptr_t a) { return a >= SCRATCH && a < SEND; }

static void put_addr(uintptr_t a) {
    if (in_scratch(a)) printf("S+0x%lx", (unsigned long)(a - SCRATCH));
    else if (a == 0) printf("0");
    else printf("0x%lx", (unsigned long)a);
}

/* Scratch pages mostly; else an address every mapping call refuses to map at (or maps nothing at). */
static uintptr_t gen_addr(void) {
    static const uintptr_t bad[] = {0, PAGE, KERNEL_ADDR, NONCANON, TASK_SIZE, (uintptr_t)-PAGE};
    int r = (int)below(100);
    if (r < 80) return SCRATCH + below(SPAGES) * PAGE;
    if (r < 88) return SCRATCH + below(SPAGES) * PAGE + 1 + below(PAGE - 1);
    return PICK(bad);
}

/* Lengths that every call refuses (each past TASK_SIZE from any start, or wrapping). */
static const uint64_t huge_lens[] = {1UL << 47, 1UL << 63, (uint64_t)-1, (uint64_t)-PAGE};

/*
 * A length from A: 0, whole or partial pages that stay inside the scratch region when A is in
 * it (16 pages at most elsewhere), or, where HUGE_OK, one of huge_lens.
 */
static uint64_t gen_len(uintptr_t a, int huge_ok) {
    uint64_t room = in_scratch(a) ? SEND - (a & ~(PAGE - 1)) : 16 * PAGE;
    uint64_t pages = room / PAGE < 16 ? room / PAGE : 16;
    int r = (int)below(100);
    if (r < 5) return 0;
    if (r < 12 && huge_ok) return PICK(huge_lens);
    if (r < 22) return 1 + below(pages * PAGE);
    return (1 + below(pages)) * PAGE;
}

static const char *prot_name(long prot) {
    static char buf[64];
    static const char *const base[] = {"NONE", "R", "W", "RW", "X", "RX", "WX", "RWX"};
    long rest = prot & ~7L;
    if (!rest) return base[prot & 7];
    snprintf(buf, sizeof buf, "%s|0x%lx", base[prot & 7], rest);
    return buf;
}

static long gen_prot(void) {
    static const long junk[] = {0x8 /* PROT_SEM */, 0x10, PROT_GROWSDOWN, PROT_GROWSUP, 0x80000000L};
    long p = (long)below(8);
    if (chance(8)) p |= PICK(junk);
    return p;
}

/* A mapping made where the caller did not ask for it is unmapped at once: it is not ours to keep. */
static void put_mapping(long r, uint64_t len) {
    if (r < 0 && r >= -4095) {
        result(r);
        return;
    }
    uint64_t alen = (len + PAGE - 1) & ~(PAGE - 1);
    if (in_scratch((uintptr_t)r) && (uintptr_t)r + alen <= SEND) {
        printf(" = S+0x%lx", (unsigned long)(r - SCRATCH));
    } else {
        sc(SYS_munmap, r, (long)alen, 0, 0, 0, 0);
        printf(" = elsewhere");
    }
}

static void do_mmap(void) {
    static const long types[] = {MAP_PRIVATE, MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED,
                                 MAP_SHARED_VALIDATE, 0, 4, 0xf};
    static const long bad_fds[] = {-1, 1000, 0x7fffffff, -100};
    static const long offsets[] = {PAGE, 1, 4095, 1L << 62, -PAGE, (1L << 47)};
    uintptr_t a = gen_addr();
    long flags = PICK(types);
    if (chance(90)) flags |= MAP_ANONYMOUS;
    int r = (int)below(100);
    int fixed = 0;
    if (r < 40) flags |= MAP_FIXED, fixed = 1;
    else if (r < 50) flags |= MAP_FIXED_NOREPLACE, fixed = 1;
    if (chance(10)) flags |= MAP_NORESERVE;
    if (chance(10)) flags |= MAP_POPULATE;
    if (chance(5)) flags |= MAP_GROWSDOWN;
    if (chance(5)) flags |= MAP_STACK;
    if (!fixed && chance(3)) flags |= MAP_32BIT;
    if (chance(3)) flags |= MAP_SYNC;
    if (chance(3)) flags |= 0x800000; /* unknown */
    uint64_t len = gen_len(a, 1);
    /* TASK_SIZE itself: a whole address space, which only a non-fixed mapping may ask for. */
    if (!fixed && chance(3)) len = TASK_SIZE;
    /* Outside the region a fixed mapping is one the address refuses; PAGE is not (vm.mmap_min_addr may be 4096). */
    if (fixed && a == PAGE) a = 0;
    if (fixed && !in_scratch(a) && len && len < (1UL << 47)) len = (1 + below(16)) * PAGE;
    long fd = (flags & MAP_ANONYMOUS) ? (chance(50) ? -1 : 5) : PICK(bad_fds);
    long off = chance(80) ? 0 : PICK(offsets);
    long prot = gen_prot();
    printf("mmap(");
    put_addr(a);
    printf(",0x%lx,%s,0x%lx,%ld,0x%lx)", (unsigned long)len, prot_name(prot), flags, fd, off);
    put_mapping(sc(SYS_mmap, (long)a, (long)len, prot, flags, fd, off), len);
}

static void do_munmap(void) {
    uintptr_t a = gen_addr();
    uint64_t len = gen_len(a, 1);
    printf("munmap(");
    put_addr(a);
    printf(",0x%lx)", (unsigned long)len);
    result(sc(SYS_munmap, (long)a, (long)len, 0, 0, 0, 0));
}

static void do_mprotect(void) {
    uintptr_t a = gen_addr();
    uint64_t len = gen_len(a, 1);
    long prot = gen_prot();
    printf("mprotect(");
    put_addr(a);
    printf(",0x%lx,%s)", (unsigned long)len, prot_name(prot));
    result(sc(SYS_mprotect, (long)a, (long)len, prot, 0, 0, 0));
}

static void do_madvise(void) {
    /*
     * Not MERGEABLE/UNMERGEABLE (CONFIG_KSM), HWPOISON/SOFT_OFFLINE, the guard regions, nor
     * PAGEOUT (with swap it pages out, and mincore shows it).
     */
    static const long advice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
                                  MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK,
                                  MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
                                  MADV_KEEPONFORK, MADV_COLD, MADV_POPULATE_READ,
                                  MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED, 5, 6, 7, 26, 99, 104, -1};
    uintptr_t a = gen_addr();
    /* madvise walks every mapping in [a, a + len): of the huge lengths only those that wrap. */
    uint64_t len = gen_len(a, 0);
    if (chance(5)) len = chance(50) ? (uint64_t)-1 : (uint64_t)-PAGE;
    if (len == (uint64_t)-PAGE && a < PAGE) len = (uint64_t)-1;
    long adv = PICK(advice);
    printf("madvise(");
    put_addr(a);
    printf(",0x%lx,%ld)", (unsigned long)len, adv);
    result(sc(SYS_madvise, (long)a, (long)len, adv, 0, 0, 0));
}

static void do_mremap(void) {
    static const long flag_sets[] = {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_FIXED,
                                     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, MREMAP_DONTUNMAP,
                                     MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, 8, MREMAP_MAYMOVE | 8};
    uintptr_t a = gen_addr();
    uint64_t old_len = gen_len(a, 0);
    uint64_t new_len = gen_len(a, 1);
    long flags = PICK(flag_sets);
    uintptr_t to = chance(85) ? SCRATCH + below(SPAGES) * PAGE : (chance(50) ? 0 : SCRATCH + 1 + below(PAGE - 1));
    /* A fixed destination stays inside the scratch region. */
    if ((flags & MREMAP_FIXED) && in_scratch(to) && new_len < (1UL << 47) && to + ((new_len + PAGE - 1) & ~(PAGE - 1)) > SEND) {
        new_len = SEND - (to & ~(PAGE - 1));
    }
    if (chance(20) && (flags & MREMAP_DONTUNMAP)) new_len = old_len;
    printf("mremap(");
    put_addr(a);
    printf(",0x%lx,0x%lx,%ld,", (unsigned long)old_len, (unsigned long)new_len, flags);
    put_addr(to);
    printf(")");
    put_mapping(sc(SYS_mremap, (long)a, (long)old_len, (long)new_len, flags, (long)to, 0), new_len);
}

static uintptr_t brk0;

static void put_brk(long v) {
    long d = v - (long)brk0;
    printf("brk0%c0x%lx", d < 0 ? '-' : '+', (unsigned long)(d < 0 ? -d : d));
}

static void do_brk(void) {
    uintptr_t a;
    int r = (int)below(100);
    if (r < 10) a = 0;
    else if (r < 20) a = KERNEL_ADDR;
    else if (r < 25) a = brk0 - below(3) * PAGE;
    else a = brk0 + below(33) * PAGE + (chance(20) ? below(PAGE) : 0);
    printf("brk(");
    if (a == 0 || a == KERNEL_ADDR) put_addr(a);
    else put_brk((long)a);
    printf(") = ");
    put_brk(sc(SYS_brk, (long)a, 0, 0, 0, 0, 0));
}

/* A fault outside a touch is a bug of this program: the handler lets it kill (SIG_DFL, re-fault). */
static volatile sig_atomic_t touching;

static void on_fault(int sig, siginfo_t *si, void *uc) {
    if (!touching) {
        signal(sig, SIG_DFL);
        return;
    }
    on_segv(sig, si, uc);
}

static void do_touch(void) {
    uintptr_t a = SCRATCH + below(SPAGES) * PAGE + below(PAGE);
    int write = chance(50);
    unsigned char v = (unsigned char)(1 + below(255));
    printf("touch(S+0x%lx,%s)", (unsigned long)(a - SCRATCH), write ? "w" : "r");
    mm_sig_signo = 0;
    touching = 1;
    if (sigsetjmp(mm_jmp, 1) == 0) {
        if (write) {
            *(volatile unsigned char *)a = v;
            printf(" = ok");
        } else {
            printf(" = 0x%02x", *(volatile unsigned char *)a);
        }
    } else {
        printf(" = %s %s", mm_sig_signo == SIGSEGV ? "SIGSEGV" : mm_sig_signo == SIGBUS ? "SIGBUS" : "?",
               code_name(mm_sig_signo, mm_sig_code));
    }
    touching = 0;
}

static void do_mincore(void) {
    uintptr_t a = gen_addr();
    uint64_t len = gen_len(a, 1);
    struct uptr vec = gen_ptr(0, 16, NULL, 1);
    printf("mincore(");
    put_addr(a);
    printf(",0x%lx,", (unsigned long)len);
    put_ptr(vec);
    printf(")");
    long r = sc(SYS_mincore, (long)a, (long)len, (long)vec.a, 0, 0, 0);
    result(r);
    if (r == 0 && vec.kind == K_BUF) {
        printf(" vec=");
        for (uint64_t i = 0; i < (len + PAGE - 1) / PAGE && i < 16; i++) printf("%d", ((unsigned char *)vec.a)[i] & 1);
    }
}

/* ---- resource limits and usage ---- */

static long gen_resource(void) {
    static const long bad[] = {16, 17, -1, 1000, 0x80000000L, 0x100000000L};
    return chance(85) ? (long)below(16) : PICK(bad);
}

static void do_getrlimit(void) {
    long res = gen_resource();
    struct uptr p = gen_ptr(0, 16, NULL, 1);
    printf("getrlimit(%ld,", res);
    put_ptr(p);
    printf(")");
    result(sc(SYS_getrlimit, res, (long)p.a, 0, 0, 0, 0));
}

/* The new limit: the current one (always allowed) or soft > hard (always EINVAL). */
static void new_limit(long res, uint64_t lim[2]) {
    if (chance(50) && sc(SYS_prlimit64, 0, res, 0, (long)lim, 0, 0) == 0) return;
    lim[0] = 1;
    lim[1] = 0;
}

static void do_setrlimit(void) {
    long res = gen_resource();
    uint64_t lim[2];
    new_limit(res, lim);
    struct uptr p = gen_ptr(0, 16, lim, 0);
    printf("setrlimit(%ld,", res);
    put_ptr(p);
    if (p.kind == K_BUF) printf("{%s}", lim[0] > lim[1] ? "1,0" : "cur");
    printf(")");
    result(sc(SYS_setrlimit, res, (long)p.a, 0, 0, 0, 0));
}

static void do_prlimit(void) {
    static const long pids[] = {0, 0, 0, -1, 0x7fffffff, -2};
    long res = gen_resource();
    int self = chance(10);
    long pid = self ? sc(SYS_getpid, 0, 0, 0, 0, 0, 0) : PICK(pids);
    uint64_t lim[2];
    new_limit(res, lim);
    struct uptr np = chance(40) ? (struct uptr){0, K_NULL} : gen_ptr(0, 16, lim, 0);
    struct uptr op = chance(30) ? (struct uptr){0, K_NULL} : gen_ptr(1, 16, NULL, 1);
    printf("prlimit64(");
    if (self) printf("self");
    else printf("%ld", pid);
    printf(",%ld,", res);
    put_ptr(np);
    if (np.kind == K_BUF) printf("{%s}", lim[0] > lim[1] ? "1,0" : "cur");
    printf(",");
    put_ptr(op);
    printf(")");
    result(sc(SYS_prlimit64, pid, res, (long)np.a, (long)op.a, 0, 0));
}

static void do_getrusage(void) {
    static const long whos[] = {0, 0, -1, 1, 2, -2, 1000, 0x100000000L};
    long who = PICK(whos);
    struct uptr p = gen_ptr(0, 144, NULL, 1);
    printf("getrusage(%ld,", who);
    put_ptr(p);
    printf(")");
    result(sc(SYS_getrusage, who, (long)p.a, 0, 0, 0, 0));
}

/* ---- time ---- */

static void do_gettimeofday(void) {
    struct uptr tv = gen_ptr(0, 16, NULL, 1);
    struct uptr tz = chance(50) ? (struct uptr){0, K_NULL} : gen_ptr(1, 8, NULL, 1);
    printf("gettimeofday(");
    put_ptr(tv);
    printf(",");
    put_ptr(tz);
    printf(")");
    result(sc(SYS_gettimeofday, (long)tv.a, (long)tz.a, 0, 0, 0, 0));
}

/*
 * Clock ids: the static ones but the alarm clocks (they need an RTC) and the auxiliary clocks
 * (16-23, sysfs-enabled), unknown ones, and CPU clocks of pid 0 (the caller: -1..-8, where the
 * low bits say thread or process and which of PROF, VIRT, SCHED, or the invalid 3).
 */
static long gen_clock(void) {
    static const long ids[] = {0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 15, 24, 100, -1, -2, -3, -4, -5, -6, -7, -8,
                               0x7fffffff, (long)(int)0x80000000, 0x100000000L};
    return PICK(ids);
}

static void do_clock_gettime(int getres) {
    long clk = gen_clock();
    struct uptr tp = getres && chance(20) ? (struct uptr){0, K_NULL} : gen_ptr(0, 16, NULL, 1);
    printf("%s(%ld,", getres ? "clock_getres" : "clock_gettime", clk);
    put_ptr(tp);
    printf(")");
    result(sc(getres ? SYS_clock_getres : SYS_clock_gettime, clk, (long)tp.a, 0, 0, 0, 0));
}

/* ---- capabilities ---- */

#define CAP_V1 0x19980330U
#define CAP_V2 0x20071026U
#define CAP_V3 0x20080522U

static void do_capability(int set) {
    static const uint32_t versions[] = {CAP_V1, CAP_V2, CAP_V3, CAP_V3, CAP_V3, 0, 0xffffffffU, CAP_V3 + 1};
    /* pid 1 exists on any machine, but is no process under mmemu: only capset may name it (EPERM). */
    static const int32_t pids[] = {0, 0, 0, 0, -1, 0x7fffffff, 1};
    struct { uint32_t version; int32_t pid; } hdr;
    int self = chance(10);
    hdr.version = PICK(versions);
    hdr.pid = self ? (int32_t)sc(SYS_getpid, 0, 0, 0, 0, 0, 0) : PICK(pids);
    if (!set && hdr.pid == 1) hdr.pid = 0;
    uint32_t data[6] = {0};
    if (set && chance(30)) for (int i = 0; i < 6; i++) data[i] = chance(50) ? 0xffffffffU : 1U << below(32);
    struct uptr hp = gen_ptr(0, sizeof hdr, &hdr, 1);
    struct uptr dp = chance(15) ? (struct uptr){0, K_NULL} : gen_ptr(1, sizeof data, set ? data : NULL, 1);
    printf("%s(", set ? "capset" : "capget");
    put_ptr(hp);
    if (hp.kind == K_BUF) {
        if (self) printf("{0x%x,self}", hdr.version);
        else printf("{0x%x,%d}", hdr.version, hdr.pid);
    }
    printf(",");
    put_ptr(dp);
    if (dp.kind == K_BUF && set) printf("{%s}", data[0] || data[1] || data[2] ? "raise" : "0");
    printf(")");
    long r = sc(set ? SYS_capset : SYS_capget, (long)hp.a, (long)dp.a, 0, 0, 0, 0);
    result(r);
    if (hp.kind == K_BUF) printf(" version=0x%x", *(uint32_t *)hp.a);
    /* Another process's capabilities are its own business: only the caller's are printed. */
    if (!set && r == 0 && dp.kind == K_BUF && (hdr.pid == 0 || self)) {
        printf(" data=");
        put_hex_bytes((unsigned char *)dp.a, sizeof data);
    }
}

/* ---- paths ---- */

static char long_path[PATH_MAX + 64];

/*
 * A path: strings whose lookup gives the same answer on any Linux machine, a path longer than
 * PATH_MAX, or a bad pointer. CREATE_OK: the caller may create what the path names (so no
 * nonexistent name is offered: nothing is ever created).
 */
static struct uptr gen_path(const char **name, int create_ok) {
    static const char *const paths[] = {"/", "", "/proc/self/exe", "/proc/self/maps", "/dev/null",
                                        "/nonexistent-mmemu-fuzz", "nonexistent-mmemu-fuzz", "/dev/null/x",
                                        "/proc/self/exe/"};
    int r = (int)below(100);
    if (r < 65) {
        const char *s;
        do s = PICK(paths);
        while (create_ok && strstr(s, "nonexistent"));
        *name = s;
        struct uptr p = {SLOT(3), K_BUF};
        strcpy((char *)p.a, s);
        return p;
    }
    if (r < 70) {
        *name = "<long>";
        return (struct uptr){(uintptr_t)long_path, K_BUF};
    }
    struct uptr p = gen_ptr(3, 8, NULL, 0);
    if (p.kind == K_BUF || p.kind == K_STRADDLE) {
        /* A name without its NUL, running into PROT_NONE. */
        p = (struct uptr){NONE - 8, K_STRADDLE};
        memcpy((void *)p.a, "/dev/nul", 8);
    }
    *name = NULL;
    return p;
}

static void put_path(struct uptr p, const char *name) {
    if (name) printf("\"%s\"", name);
    else put_ptr(p);
}

static long gen_dirfd(void) {
    static const long fds[] = {-100 /* AT_FDCWD */, -100, -100, -1, 1000, 1 /* not a directory */, 0x7fffffff,
                               0x1ffffff9cL /* AT_FDCWD in the low 32 bits */};
    return PICK(fds);
}

static void do_readlink(int at) {
    static const long sizes[] = {1, 4, 64, 4096, 0, -1, 0x80000000L, 0x100000000L, 0x100000004L};
    const char *name;
    long dirfd = at ? gen_dirfd() : -100;
    struct uptr path = gen_path(&name, 0);
    struct uptr buf = gen_ptr(0, 64, NULL, 1);
    long size = PICK(sizes);
    if (at) printf("readlinkat(%ld,", dirfd);
    else printf("readlink(");
    put_path(path, name);
    printf(",");
    put_ptr(buf);
    printf(",0x%lx)", size);
    long r = at ? sc(SYS_readlinkat, dirfd, (long)path.a, (long)buf.a, size, 0, 0)
                : sc(SYS_readlink, (long)path.a, (long)buf.a, size, 0, 0, 0);
    /* The target of /proc/self/exe is where the binary is: only a truncated count is the same everywhere. */
    if (r > 4) printf(" = ok");
    else result(r);
}

static void do_open(int at) {
    static const long accmodes[] = {O_RDONLY, O_RDONLY, O_WRONLY, O_RDWR, 3};
    static const long extra[] = {O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_TMPFILE_BIT, O_CLOEXEC,
                                 O_NONBLOCK, O_APPEND, O_NOCTTY, O_LARGEFILE, 0x40000000L, 0x100000000L};
    const char *name;
    long flags = PICK(accmodes);
    int n = (int)below(4);
    for (int i = 0; i < n; i++) flags |= PICK(extra);
    long mode = chance(80) ? 0644 : (long)(0x10000 | below(0x10000));
    long dirfd = at ? gen_dirfd() : -100;
    /* Nothing is created: O_CREAT and O_TMPFILE only with names that exist or cannot be made. */
    struct uptr path = gen_path(&name, (flags & (O_CREAT | O_TMPFILE_BIT)) != 0);
    /* An O_TMPFILE in "/" would be made (or refused) as the host's root file system decides. */
    if ((flags & O_TMPFILE_BIT) && name && !strcmp(name, "/")) flags &= ~(long)O_TMPFILE_BIT;
    /* The running binary is opened for reading only, and never truncated. */
    if (name && !strcmp(name, "/proc/self/exe")) flags &= ~(long)(O_ACCMODE | O_TRUNC);
    if (at) printf("openat(%ld,", dirfd);
    else printf("open(");
    put_path(path, name);
    printf(",0x%lx,0%lo)", flags, mode);
    long r = at ? sc(SYS_openat, dirfd, (long)path.a, flags, mode, 0, 0) : sc(SYS_open, (long)path.a, flags, mode, 0, 0, 0);
    if (r >= 0) {
        sc(SYS_close, r, 0, 0, 0, 0, 0);
        printf(" = fd");
    } else {
        result(r);
    }
}

/* ---- the rest ---- */

static void do_uname(void) {
    struct uptr p = gen_ptr(0, 390, NULL, 1);
    printf("uname(");
    put_ptr(p);
    printf(")");
    result(sc(SYS_uname, (long)p.a, 0, 0, 0, 0, 0));
}

/* The handler set for signals that never come (a real function: a stray signal must not crash). */
static void noop_handler(int sig) { (void)sig; }

static const char *handler_name(uint64_t h) {
    static char buf[32];
    if (h == 0) return "DFL";
    if (h == 1) return "IGN";
    if (h == (uint64_t)noop_handler) return "fn";
    snprintf(buf, sizeof buf, "0x%lx", (unsigned long)h);
    return buf;
}

static int signal_ours(long sig) { return sig == SIGSEGV || sig == SIGBUS; }

static void do_sigaction(void) {
    static const long sizes[] = {8, 8, 8, 8, 0, 4, 16, -1};
    static const uint64_t handlers[] = {0 /* SIG_DFL */, 1 /* SIG_IGN */, 2 /* noop_handler */};
    static const uint64_t flagsets[] = {0, 0x04000000 /* SA_RESTORER */, 0x14000000 /* |SA_RESTART */, 4 /* SA_SIGINFO */,
                                        0x80000000UL /* SA_RESETHAND */, 0x400 /* SA_UNSUPPORTED */, 0x00ff0000UL,
                                        0xffffffffffffffffUL};
    long sig = chance(85) ? (long)(1 + below(64)) : (long)PICK(((const long[]){0, 65, -1, 0x100000001L}));
    struct { uint64_t handler, flags, restorer, mask; } act = {PICK(handlers), PICK(flagsets), 0, next64()};
    if (act.handler == 2) act.handler = (uint64_t)noop_handler;
    /* SIGSEGV and SIGBUS keep the handler the touches need. */
    struct uptr ap = signal_ours((int)sig) || chance(30) ? (struct uptr){0, K_NULL} : gen_ptr(0, sizeof act, &act, 0);
    struct uptr op = chance(30) ? (struct uptr){0, K_NULL} : gen_ptr(1, sizeof act, NULL, 1);
    long size = PICK(sizes);
    printf("rt_sigaction(%ld,", sig);
    put_ptr(ap);
    if (ap.kind == K_BUF) printf("{%s,0x%lx,m=0x%lx}", handler_name(act.handler), (unsigned long)act.flags,
                                 (unsigned long)act.mask);
    printf(",");
    put_ptr(op);
    printf(",%ld)", size);
    long r = sc(SYS_rt_sigaction, sig, (long)ap.a, (long)op.a, size, 0, 0);
    result(r);
    if (r == 0 && op.kind == K_BUF) {
        uint64_t *o = (uint64_t *)op.a;
        printf(" old={%s,0x%lx,m=0x%lx}", handler_name(o[0]), (unsigned long)o[1], (unsigned long)o[3]);
    }
}

static const uint64_t OUR_SIGNALS = (1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1));

static void do_sigprocmask(void) {
    static const long hows[] = {SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, 3, -1};
    static const long sizes[] = {8, 8, 8, 8, 0, 4, 16};
    uint64_t set = next64();
    long how = PICK(hows);
    struct uptr sp = chance(25) ? (struct uptr){0, K_NULL} : gen_ptr(0, 8, &set, 0);
    struct uptr op = chance(30) ? (struct uptr){0, K_NULL} : gen_ptr(1, 8, NULL, 1);
    long size = PICK(sizes);
    printf("rt_sigprocmask(%ld,", how);
    put_ptr(sp);
    if (sp.kind == K_BUF) printf("{0x%lx}", (unsigned long)set);
    printf(",");
    put_ptr(op);
    printf(",%ld)", size);
    long r = sc(SYS_rt_sigprocmask, how, (long)sp.a, (long)op.a, size, 0, 0);
    result(r);
    if (r == 0 && op.kind == K_BUF) printf(" old=0x%lx", (unsigned long)*(uint64_t *)op.a);
    /* A blocked SIGSEGV would kill at the next bad touch: unblock ours again (the same on every kernel). */
    uint64_t ours = OUR_SIGNALS;
    sc(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&ours, 0, 8, 0, 0);
}

struct call {
    const char *name;
    int weight;
    void (*fn)(void);
};

static void do_readlink0(void) { do_readlink(0); }
static void do_readlink1(void) { do_readlink(1); }
static void do_open0(void) { do_open(0); }
static void do_open1(void) { do_open(1); }
static void do_capget(void) { do_capability(0); }
static void do_capset(void) { do_capability(1); }
static void do_clock_gettime0(void) { do_clock_gettime(0); }
static void do_clock_getres(void) { do_clock_gettime(1); }

static const struct call calls[] = {
    {"mmap", 12, do_mmap},
    {"munmap", 5, do_munmap},
    {"mprotect", 6, do_mprotect},
    {"madvise", 6, do_madvise},
    {"mremap", 6, do_mremap},
    {"brk", 3, do_brk},
    {"touch", 14, do_touch},
    {"mincore", FUZZ_MINCORE ? 3 : 0, do_mincore},
    {"getrlimit", 3, do_getrlimit},
    {"setrlimit", 3, do_setrlimit},
    {"prlimit64", 3, do_prlimit},
    {"getrusage", 3, do_getrusage},
    {"gettimeofday", 2, do_gettimeofday},
    {"clock_gettime", 3, do_clock_gettime0},
    {"clock_getres", 2, do_clock_getres},
    {"capget", 3, do_capget},
    {"capset", 3, do_capset},
    {"readlink", 3, do_readlink0},
    {"readlinkat", 3, do_readlink1},
    {"open", 3, do_open0},
    {"openat", 3, do_open1},
    {"uname", 2, do_uname},
    {"rt_sigaction", 4, do_sigaction},
    {"rt_sigprocmask", 4, do_sigprocmask},
};

/* The fixture pages, the state every run starts from, and the SIGSEGV/SIGBUS handler. */
static int setup(void) {
    if (sc(SYS_mmap, FIX, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
        != (long)FIX) return -1;
    memcpy((void *)RO, RO_CONTENT, 8);
    if (sc(SYS_mprotect, RO, PAGE, PROT_READ, 0, 0, 0) != 0) return -1;
    if (sc(SYS_mprotect, NONE, PAGE, PROT_NONE, 0, 0, 0) != 0) return -1;
    if (sc(SYS_munmap, HOLE, PAGE, 0, 0, 0, 0) != 0) return -1;
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    if (drop_caps() != 0) return -1;
    for (long sig = 1; sig <= 64; sig++) {
        uint64_t dfl[4] = {0, 0, 0, 0};
        if (sig != SIGKILL && sig != SIGSTOP) sc(SYS_rt_sigaction, sig, (long)dfl, 0, 8, 0, 0);
    }
    uint64_t empty = 0;
    if (sc(SYS_rt_sigprocmask, SIG_SETMASK, (long)&empty, 0, 8, 0, 0) != 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGBUS, &sa, NULL) != 0) return -1;
    brk0 = (uintptr_t)sc(SYS_brk, 0, 0, 0, 0, 0, 0);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: sys-fuzz SEED COUNT [MAPS_EVERY]\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 0);
    long count = strtol(argv[2], NULL, 0);
    long maps_every = argc == 4 ? strtol(argv[3], NULL, 0) : 0;
    if (setup() != 0) {
        printf("setup failed\n");
        return 1;
    }
    rng_state = seed;
    int total = 0;
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) total += calls[i].weight;
    for (long i = 0; i < count; i++) {
        int w = (int)below((uint64_t)total);
        size_t c = 0;
        while (w >= calls[c].weight) w -= calls[c++].weight;
        printf("%ld ", i);
        calls[c].fn();
        printf("\n");
        if (maps_every > 0 && (i + 1) % maps_every == 0) maps_print_range("scratch", SCRATCH, SEND);
    }
    maps_print_range("scratch at the end", SCRATCH, SEND);
    printf("done %ld calls, seed %lu\n", count, (unsigned long)seed);
    return 0;
}
