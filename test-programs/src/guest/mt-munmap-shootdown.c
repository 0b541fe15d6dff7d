/*
 * mt-munmap-shootdown: what TLB shootdown guarantees, as threads see it. In each round three
 * worker threads first touch a page (so their CPUs may cache its translation), then spin on
 * it - loads, or stores - while the main thread changes the mapping; once the main thread's
 * system call has returned it raises a flag, and each worker, on seeing the flag, accesses
 * the page once more. That last access must see the new state, never a stale translation:
 *   munmap            -> load faults SEGV_MAPERR
 *   mprotect PROT_READ -> store faults SEGV_ACCERR (a cached writable entry must not survive)
 *   mprotect PROT_NONE -> load faults SEGV_ACCERR
 *   mmap MAP_FIXED over it, new contents written -> load sees the new contents
 *   mremap MREMAP_FIXED elsewhere -> old address SEGV_MAPERR, new address has the contents
 *   madvise MADV_DONTNEED -> load sees zero
 *   munmap of 64 pages at once (Linux flushes the whole TLB above 33 pages) -> every page
 *     faults SEGV_MAPERR
 *   fork (the parent's pages become copy-on-write) -> stores made by the workers after fork
 *     returned are not seen by the child
 * A fault taken while still spinning (the change under way, the flag not yet raised) is
 * allowed; it must be the same kind of fault at the same place ("spin consistent"), and the
 * worker still waits for the flag before its last access. In rounds where no fault
 * may happen at all, spinning must not fault either. Workers record, the main thread prints
 * after each round; addresses are relative to a fixed base. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"
#include "mttest.h"
#include <sys/wait.h>

#define BASE 0x5e0000000000UL
#define NW 3
#define SLOT(me) ((uintptr_t)(me) * 64)
#define BIG (BASE + 128 * PAGE)
#define BIGPAGES 64
#define MOVED (BASE + 64 * PAGE)
#define FORK_MAGIC 0x77770000u

enum round { R_MUNMAP = 1, R_RDONLY, R_NONE, R_REPLACE, R_MREMAP, R_DONTNEED, R_BIG, R_FORK, R_END };
static const char *round_name[] = {"", "munmap", "mprotect PROT_READ", "mprotect PROT_NONE",
                                   "mmap MAP_FIXED over it", "mremap MREMAP_FIXED", "madvise MADV_DONTNEED",
                                   "munmap of 64 pages", "fork"};

static pthread_barrier_t bar;
static volatile int phase;

struct wres {
    struct mt_fault spin, last, extra;
    unsigned value, extra_value;
    long big_faults, big_maperr;
    int spin_consistent;
};
static struct wres res[NW];

static uintptr_t page_of(int r) { return r == R_BIG ? BIG : BASE + (uintptr_t)(r - 1) * PAGE; }

static int fault_is(const struct mt_fault *f, int code, uintptr_t lo, uintptr_t hi) {
    return f->signo == SIGSEGV && f->code == code && f->addr >= lo && f->addr < hi;
}

static void worker_round(int me, int r) {
    struct wres *w = &res[me];
    memset(w, 0, sizeof *w);
    uintptr_t pg = page_of(r);
    volatile unsigned *slot = (volatile unsigned *)(pg + SLOT(me));
    volatile unsigned sink = 0;
    static __thread volatile unsigned counter;

    /* prime the translation */
    if (r == R_BIG) {
        for (int p = 0; p < BIGPAGES; p++) sink += *(volatile unsigned *)(BIG + (uintptr_t)p * PAGE + SLOT(me));
    } else if (r == R_RDONLY || r == R_FORK) {
        *slot = ++counter;
    } else {
        sink += *slot;
    }
    pthread_barrier_wait(&bar); /* primed */

    /* spin until the main thread's change is complete */
    MT_TRY(w->spin, for (;;) {
        if (r == R_BIG) {
            for (int p = 0; p < BIGPAGES; p++) sink += *(volatile unsigned *)(BIG + (uintptr_t)p * PAGE + SLOT(me));
        } else if (r == R_RDONLY || r == R_FORK) {
            for (int k = 0; k < 16; k++) *slot = (++counter & 0xffffu) | 1;
        } else {
            for (int k = 0; k < 16; k++) sink += *slot;
        }
        if (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) >= r) break;
        mt_yield();
    });

    /* A fault while spinning does not mean the change is complete: munmap, for one, removes
       the VMA first (so others fault) and zaps page tables and flushes TLBs afterwards, with
       the lock downgraded. The access below waits for the main thread's syscall to return. */
    while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) < r) mt_yield();

    /* the access after the change */
    switch (r) {
    case R_MUNMAP:
    case R_NONE:
    case R_REPLACE:
    case R_DONTNEED:
        MT_TRY(w->last, w->value = *slot);
        break;
    case R_RDONLY:
        MT_TRY(w->last, *slot = 1);
        MT_TRY(w->extra, w->extra_value = *slot != 0);
        break;
    case R_MREMAP:
        MT_TRY(w->last, w->value = *slot);
        MT_TRY(w->extra, w->extra_value = *(volatile unsigned *)(MOVED + SLOT(me)));
        break;
    case R_BIG:
        for (int p = 0; p < BIGPAGES; p++) {
            struct mt_fault f;
            MT_TRY(f, sink += *(volatile unsigned *)(BIG + (uintptr_t)p * PAGE + SLOT(me)));
            w->big_faults += f.signo != 0;
            w->big_maperr += fault_is(&f, SEGV_MAPERR, BIG + (uintptr_t)p * PAGE + SLOT(me),
                                      BIG + (uintptr_t)p * PAGE + SLOT(me) + 1);
        }
        break;
    case R_FORK:
        MT_TRY(w->last, *slot = FORK_MAGIC + (unsigned)me);
        break;
    }

    /* a fault while spinning must be the fault the last access sees */
    const struct mt_fault *s = &w->spin;
    switch (r) {
    case R_MUNMAP:
    case R_NONE:
    case R_MREMAP:
        w->spin_consistent = !s->signo || (s->code == w->last.code && s->addr == w->last.addr);
        break;
    case R_RDONLY:
        w->spin_consistent = !s->signo || fault_is(s, SEGV_ACCERR, pg + SLOT(me), pg + SLOT(me) + 1);
        break;
    case R_BIG:
        w->spin_consistent = !s->signo || (fault_is(s, SEGV_MAPERR, BIG, BIG + BIGPAGES * PAGE)
                                           && (s->addr & (PAGE - 1)) == SLOT(me));
        break;
    default: /* no fault allowed at any time */
        w->spin_consistent = !s->signo;
        break;
    }
    (void)sink;
}

static void *worker(void *arg) {
    int me = (int)(intptr_t)arg;
    for (int r = R_MUNMAP; r < R_END; r++) {
        pthread_barrier_wait(&bar); /* set up */
        worker_round(me, r);
        pthread_barrier_wait(&bar); /* done */
    }
    return NULL;
}

static void fill(uintptr_t pg, unsigned v) {
    for (int me = 0; me < NW; me++) *(volatile unsigned *)(pg + SLOT(me)) = v;
}

static void report(int r) {
    char b1[80];
    printf("round %d, %s:\n", r, round_name[r]);
    for (int me = 0; me < NW; me++) {
        struct wres *w = &res[me];
        uintptr_t base = page_of(r);
        printf("  worker %d:", me);
        switch (r) {
        case R_MUNMAP:
        case R_NONE:
            printf(" load %s", mt_fault_str(b1, sizeof b1, &w->last, base));
            break;
        case R_RDONLY:
            printf(" store %s;", mt_fault_str(b1, sizeof b1, &w->last, base));
            printf(" load %s, sees its stores %s", mt_fault_str(b1, sizeof b1, &w->extra, base),
                   w->extra_value ? "yes" : "no");
            break;
        case R_REPLACE:
        case R_DONTNEED:
            printf(" load %s, value 0x%x", mt_fault_str(b1, sizeof b1, &w->last, base), w->value);
            break;
        case R_MREMAP:
            printf(" load old %s;", mt_fault_str(b1, sizeof b1, &w->last, base));
            printf(" load new %s, value 0x%x", mt_fault_str(b1, sizeof b1, &w->extra, MOVED), w->extra_value);
            break;
        case R_BIG:
            printf(" %ld of %d pages fault, %ld of them SEGV_MAPERR at the loaded byte", w->big_faults, BIGPAGES,
                   w->big_maperr);
            break;
        case R_FORK:
            printf(" store after fork %s", mt_fault_str(b1, sizeof b1, &w->last, base));
            break;
        }
        printf("; spin consistent: %s\n", w->spin_consistent ? "yes" : "no");
    }
}

int main(void) {
    mt_install_segv();
    if (mmap((void *)BASE, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
            != (void *)BASE
        || mmap((void *)BIG, BIGPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
               != (void *)BIG)
        return 1;
    MT_CHECK(pthread_barrier_init(&bar, NULL, NW + 1));
    pthread_t th[NW];
    for (int i = 0; i < NW; i++) MT_CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i));

    for (int r = R_MUNMAP; r < R_END; r++) {
        uintptr_t pg = page_of(r);
        if (r == R_BIG) {
            for (int p = 0; p < BIGPAGES; p++) fill(BIG + (uintptr_t)p * PAGE, 0x1000u + (unsigned)p);
        } else {
            fill(pg, 0xc0de0000u + (unsigned)r);
        }
        pthread_barrier_wait(&bar); /* set up */
        pthread_barrier_wait(&bar); /* primed: the workers are spinning now */

        long rc = 0;
        pid_t child = -1;
        int to_child[2] = {-1, -1};
        switch (r) {
        case R_MUNMAP: rc = sys_munmap((void *)pg, PAGE); break;
        case R_RDONLY: rc = sys_mprotect((void *)pg, PAGE, PROT_READ); break;
        case R_NONE: rc = sys_mprotect((void *)pg, PAGE, PROT_NONE); break;
        case R_REPLACE:
            rc = sys_mmap((void *)pg, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                         == (void *)pg ? 0 : -1;
            fill(pg, 0x55555555u);
            break;
        case R_MREMAP:
            rc = sys_mremap((void *)pg, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, MOVED) == (void *)MOVED ? 0 : -1;
            break;
        case R_DONTNEED: rc = madvise((void *)pg, PAGE, MADV_DONTNEED); break;
        case R_BIG: rc = sys_munmap((void *)BIG, BIGPAGES * PAGE); break;
        case R_FORK:
            if (pipe(to_child)) return 1;
            fflush(stdout);
            child = fork();
            if (child == 0) {
                char c;
                if (read(to_child[0], &c, 1) != 1) _exit(100);
                int seen = 0;
                for (int me = 0; me < NW; me++) seen += *(volatile unsigned *)(pg + SLOT(me)) >= FORK_MAGIC;
                _exit(seen);
            }
            rc = child > 0 ? 0 : -1;
            break;
        }
        __atomic_store_n(&phase, r, __ATOMIC_RELEASE);
        pthread_barrier_wait(&bar); /* done */
        printf("%s: %ld\n", round_name[r], rc);
        report(r);
        if (r == R_FORK) {
            int st = 0, mine = 0;
            if (write(to_child[1], "x", 1) != 1) return 1;
            waitpid(child, &st, 0);
            for (int me = 0; me < NW; me++) mine += *(volatile unsigned *)(pg + SLOT(me)) == FORK_MAGIC + (unsigned)me;
            printf("  the child saw %d of the workers' post-fork stores, the parent sees %d\n",
                   WIFEXITED(st) ? WEXITSTATUS(st) : -1, mine);
        }
    }
    for (int i = 0; i < NW; i++) MT_CHECK(pthread_join(th[i], NULL));
    maps_print_range("maps of the area", BASE, BIG + BIGPAGES * PAGE);
    return 0;
}
