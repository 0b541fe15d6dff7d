/*
 * mt-mmap-touch: the address space changing under threads that are touching it. Four
 * toucher threads demand-fault and write a pattern into their own quarter of a fresh
 * 64-page anonymous region A, pass after pass, while the main thread, at the same time,
 * mmaps a new region B, munmaps the top half of a region C, mprotects the bottom half of
 * a region D read-only, and munmaps the top half of a region E that a fifth thread (the
 * looper) is writing over and over, page by page: the looper ends with SIGSEGV SEGV_MAPERR
 * inside the unmapped half, with the bottom half intact. After a barrier every toucher
 * checks all of A (the other threads' quarters too), and probes C, D and B: a load from
 * the unmapped half of C is SEGV_MAPERR, a store to read-only D is SEGV_ACCERR and leaves
 * the contents alone, the rest of D is writable, and B reads as zero and takes stores.
 * Then the main thread munmaps A's second quarter, makes the third PROT_NONE and maps
 * fresh zero pages over the fourth (MAP_FIXED), and after another barrier each toucher
 * finds exactly that: MAPERR, ACCERR, zeroes, and the first quarter still intact. Each
 * thread has its own SIGSEGV landing point (a __thread sigjmp_buf). Threads only record;
 * the main thread prints after joining them, fault addresses relative to the region's
 * base. The maps of the whole area are printed at the end. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"
#include "mttest.h"
#include <stdarg.h>

#define BASE 0x5d0000000000UL
#define NT 4             /* toucher threads */
#define QPAGES 16        /* pages per quarter of A */
#define A (BASE)
#define B (BASE + 128 * PAGE)
#define C (BASE + 192 * PAGE)
#define D (BASE + 256 * PAGE)
#define E (BASE + 320 * PAGE)
#define END (BASE + 384 * PAGE)
#define PASSES 40

static pthread_barrier_t phase1_done, phase2_done, phase3_ready;

static inline unsigned pattern(int owner, int page, int word) {
    return 0x10000000u * (unsigned)(owner + 1) + (unsigned)page * 0x1000u + (unsigned)word;
}

#define NLINES 24
struct report {
    char line[NLINES][112];
    int n;
};
static struct report reports[NT + 1];

static void say(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct report *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (r->n < NLINES) vsnprintf(r->line[r->n++], sizeof r->line[0], fmt, ap);
    va_end(ap);
}

/* checks quarter q of A against owner q's pattern; returns the number of bad words */
static long check_quarter(int q) {
    long bad = 0;
    for (int p = 0; p < QPAGES; p++) {
        volatile unsigned *w = (volatile unsigned *)(A + (uintptr_t)(q * QPAGES + p) * PAGE);
        for (int k = 0; k < (int)(PAGE / 4); k += 16) bad += w[k] != pattern(q, p, k);
    }
    return bad;
}

static void *toucher(void *arg) {
    int me = (int)(intptr_t)arg;
    struct report *r = &reports[me];
    char fb[80];
    struct mt_fault f;

    /* phase 1: fault in and write our quarter, many passes, while the main thread changes
       the address space elsewhere */
    for (int pass = 0; pass < PASSES; pass++) {
        for (int p = 0; p < QPAGES; p++) {
            volatile unsigned *w = (volatile unsigned *)(A + (uintptr_t)(me * QPAGES + p) * PAGE);
            for (int k = 0; k < (int)(PAGE / 4); k += 16) w[k] = pattern(me, p, k);
        }
        if (pass % 8 == 0) mt_yield();
    }
    pthread_barrier_wait(&phase1_done);

    /* phase 2: everybody's quarters, and the regions the main thread changed */
    long bad = 0;
    for (int q = 0; q < NT; q++) bad += check_quarter(q);
    say(r, "all of A as written: %s", bad == 0 ? "yes" : "no");

    volatile unsigned char *c = (volatile unsigned char *)C, *d = (volatile unsigned char *)D,
                           *b = (volatile unsigned char *)B;
    volatile unsigned char v = 0;
    MT_TRY(f, v = c[(uintptr_t)(me) * PAGE + 3]);
    say(r, "load C page %d (kept): %s, value 0x%x", me, mt_fault_str(fb, sizeof fb, &f, C), v);
    MT_TRY(f, v = c[(uintptr_t)(8 + me) * PAGE + 5]);
    say(r, "load C page %d (unmapped): %s", 8 + me, mt_fault_str(fb, sizeof fb, &f, C));
    MT_TRY(f, d[(uintptr_t)(me) * PAGE + 9] = 0xee);
    say(r, "store D page %d (read-only): %s", me, mt_fault_str(fb, sizeof fb, &f, D));
    MT_TRY(f, v = d[(uintptr_t)(me) * PAGE + 9]);
    say(r, "load D page %d: %s, value 0x%x", me, mt_fault_str(fb, sizeof fb, &f, D), v);
    MT_TRY(f, d[(uintptr_t)(8 + me) * PAGE + 9] = (unsigned char)(0xa0 + me));
    say(r, "store D page %d (still rw): %s", 8 + me, mt_fault_str(fb, sizeof fb, &f, D));
    MT_TRY(f, v = b[(uintptr_t)(8 + me) * PAGE + 100]);
    say(r, "load B page %d (new mapping): %s, value 0x%x", 8 + me, mt_fault_str(fb, sizeof fb, &f, B), v);
    MT_TRY(f, b[(uintptr_t)(me) * PAGE + 100] = (unsigned char)(0xb0 + me));
    say(r, "store B page %d: %s", me, mt_fault_str(fb, sizeof fb, &f, B));
    pthread_barrier_wait(&phase2_done);
    pthread_barrier_wait(&phase3_ready);

    /* phase 3: A after munmap / PROT_NONE / MAP_FIXED replacement of three quarters */
    say(r, "quarter 0 intact: %s", check_quarter(0) == 0 ? "yes" : "no");
    volatile unsigned *a = (volatile unsigned *)A;
    volatile unsigned x = 0;
    uintptr_t off = (uintptr_t)(me * 4 + 1) * PAGE / 4 + 7; /* words: page me*4+1 of each quarter */
    MT_TRY(f, x = a[1 * QPAGES * PAGE / 4 + off]);
    say(r, "load A quarter 1 (unmapped): %s", mt_fault_str(fb, sizeof fb, &f, A));
    MT_TRY(f, x = a[2 * QPAGES * PAGE / 4 + off]);
    say(r, "load A quarter 2 (PROT_NONE): %s", mt_fault_str(fb, sizeof fb, &f, A));
    MT_TRY(f, x = a[3 * QPAGES * PAGE / 4 + off]);
    say(r, "load A quarter 3 (replaced): %s, value 0x%x", mt_fault_str(fb, sizeof fb, &f, A), x);
    return (void *)(intptr_t)(me + 1);
}

static volatile int looper_passes;

static void *looper(void *arg) {
    (void)arg;
    struct report *r = &reports[NT];
    struct mt_fault f;
    volatile unsigned char *e = (volatile unsigned char *)E;
    static volatile unsigned pass; /* static: survives the siglongjmp */
    pass = 0;
    MT_TRY(f, for (;;) {
        for (int p = 0; p < 16; p++) e[(uintptr_t)p * PAGE + 1] = (unsigned char)p;
        pass++;
        __atomic_store_n(&looper_passes, (int)pass, __ATOMIC_RELEASE);
        mt_yield();
    });
    int in_top_half = f.signo == SIGSEGV && f.addr >= E + 8 * PAGE && f.addr < E + 16 * PAGE
                      && (f.addr & (PAGE - 1)) == 1;
    say(r, "looper stopped by: %s %s", f.signo == SIGSEGV ? "SIGSEGV" : "?", code_name(f.signo, f.code));
    say(r, "looper fault address in the unmapped half, at byte 1 of a page: %s", in_top_half ? "yes" : "no");
    int ok = 1;
    for (int p = 0; p < 8; p++) ok &= e[(uintptr_t)p * PAGE + 1] == p;
    say(r, "looper: bottom half of E intact: %s", ok ? "yes" : "no");
    return NULL;
}

int main(void) {
    mt_install_segv();
    unsigned char *a = mmap((void *)A, 4 * QPAGES * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    unsigned char *c = mmap((void *)C, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    unsigned char *d = mmap((void *)D, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    unsigned char *e = mmap((void *)E, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (a != (void *)A || c != (void *)C || d != (void *)D || e != (void *)E) return 1;
    for (int p = 0; p < 16; p++) {
        c[p * PAGE + 3] = (unsigned char)(0xc0 + p);
        d[p * PAGE + 9] = (unsigned char)(0xd0 + p);
    }
    MT_CHECK(pthread_barrier_init(&phase1_done, NULL, NT + 1));
    MT_CHECK(pthread_barrier_init(&phase2_done, NULL, NT + 1));
    MT_CHECK(pthread_barrier_init(&phase3_ready, NULL, NT + 1));

    pthread_t th[NT], lt;
    MT_CHECK(pthread_create(&lt, NULL, looper, NULL));
    for (int i = 0; i < NT; i++) MT_CHECK(pthread_create(&th[i], NULL, toucher, (void *)(intptr_t)i));

    /* phase 1, concurrently with the touchers */
    void *bm = mmap((void *)B, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    long rc_c = sys_munmap((void *)(C + 8 * PAGE), 8 * PAGE);
    long rc_d = sys_mprotect((void *)D, 8 * PAGE, PROT_READ);
    while (__atomic_load_n(&looper_passes, __ATOMIC_ACQUIRE) < 2) mt_yield();
    long rc_e = sys_munmap((void *)(E + 8 * PAGE), 8 * PAGE);
    pthread_barrier_wait(&phase1_done);
    printf("phase 1 (while the touchers write A): mmap B %s, munmap top of C %ld, mprotect bottom of D %ld, "
           "munmap top of E %ld\n", bm == (void *)B ? "ok" : "failed", rc_c, rc_d, rc_e);

    pthread_barrier_wait(&phase2_done);
    long r1 = sys_munmap((void *)(A + 1 * QPAGES * PAGE), QPAGES * PAGE);
    long r2 = sys_mprotect((void *)(A + 2 * QPAGES * PAGE), QPAGES * PAGE, PROT_NONE);
    void *r3 = mmap((void *)(A + 3 * QPAGES * PAGE), QPAGES * PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("phase 3: munmap A quarter 1 %ld, PROT_NONE quarter 2 %ld, MAP_FIXED over quarter 3 %s\n", r1, r2,
           r3 == (void *)(A + 3 * QPAGES * PAGE) ? "ok" : "failed");
    pthread_barrier_wait(&phase3_ready);

    for (int i = 0; i < NT; i++) {
        void *ret;
        MT_CHECK(pthread_join(th[i], &ret));
        printf("toucher %d (returned %ld):\n", i, (long)(intptr_t)ret);
        for (int k = 0; k < reports[i].n; k++) printf("  %s\n", reports[i].line[k]);
    }
    MT_CHECK(pthread_join(lt, NULL));
    printf("looper:\n");
    for (int k = 0; k < reports[NT].n; k++) printf("  %s\n", reports[NT].line[k]);

    int d_ok = 1, b_ok = 1;
    for (int p = 0; p < 8; p++) d_ok &= d[p * PAGE + 9] == 0xd0 + p;
    for (int i = 0; i < NT; i++) d_ok &= d[(8 + i) * PAGE + 9] == 0xa0 + i;
    for (int i = 0; i < NT; i++) b_ok &= ((unsigned char *)B)[i * PAGE + 100] == 0xb0 + i;
    printf("main sees D: read-only half unchanged, the touchers' stores in the rest: %s\n", d_ok ? "yes" : "no");
    printf("main sees the touchers' stores in B: %s\n", b_ok ? "yes" : "no");
    maps_print_range("maps of the area", BASE, END);
    return 0;
}
