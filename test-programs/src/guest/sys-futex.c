/*
 * futex(2) FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE and FUTEX_CMP_REQUEUE against the host
 * kernel: the errno of each bad argument in the kernel's order (a misaligned word, a bad
 * timespec, a word that does not hold the value, an unreadable word or timeout, an empty
 * bitset); short timeouts that expire, relative and absolute; and timeouts so long that their
 * nanoseconds overflow 64 bits, which Linux saturates (a wait for ever) rather than wrapping:
 * a thread waits with one until another changes the word and wakes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* <linux/futex.h>, which musl does not ship. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static const char *sname(int e) {
    switch (e) {
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EAGAIN: return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOSYS: return "ENOSYS";
    case EINTR: return "EINTR";
    default: return "other";
    }
}

static long futex(void *uaddr, int op, int val, const void *timeout, void *uaddr2, int val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

#define R(what, call) do { errno = 0; long rc_ = (call); \
        if (rc_ >= 0) printf("%s: %ld\n", what, rc_); else printf("%s: -1 %s\n", what, sname(errno)); } while (0)

static int word;
static int ready;

/* Waits on word (0) with the timeout given; main sets word to 1 and wakes it. */
static void *waiter(void *arg) {
    const struct timespec *ts = arg;
    __atomic_store_n(&ready, 1, __ATOMIC_SEQ_CST);
    errno = 0;
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, ts, NULL, 0);
    /* Woken (0), or the word had changed before the wait began (EAGAIN): either way, not a timeout. */
    return (void *) (intptr_t) (r == 0 || errno == EAGAIN ? 1 : -errno);
}

static void wait_forever_then_wake(const char *what, struct timespec ts) {
    pthread_t t;
    word = 0;
    ready = 0;
    pthread_create(&t, NULL, waiter, &ts);
    while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST)) sched_yield();
    for (int i = 0; i < 100; i++) sched_yield(); /* let it reach the wait */
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    void *res;
    pthread_join(t, &res);
    intptr_t r = (intptr_t) res;
    printf("%s: %s\n", what, r == 1 ? "woken, no timeout" : sname((int) -r));
}

int main(void) {
    int w = 5;
    char *bytes = (char *) &w;
    struct timespec zero = {0, 0}, short_ts = {0, 1000}, bad_nsec = {0, 1000000000}, neg_sec = {-1, 0};
    void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    /* FUTEX_WAIT: alignment, then the timeout, then the word. */
    R("wait misaligned", futex(bytes + 1, FUTEX_WAIT_PRIVATE, 5, &bad_nsec, NULL, 0));
    R("wait bad nsec", futex(&w, FUTEX_WAIT_PRIVATE, 4, &bad_nsec, NULL, 0));
    R("wait negative sec", futex(&w, FUTEX_WAIT_PRIVATE, 5, &neg_sec, NULL, 0));
    R("wait unreadable timeout", futex(&w, FUTEX_WAIT_PRIVATE, 5, unmapped, NULL, 0));
    R("wait value differs", futex(&w, FUTEX_WAIT_PRIVATE, 4, &short_ts, NULL, 0));
    R("wait unreadable word", futex(unmapped, FUTEX_WAIT_PRIVATE, 0, &short_ts, NULL, 0));
    R("wait zero timeout", futex(&w, FUTEX_WAIT_PRIVATE, 5, &zero, NULL, 0));
    R("wait 1 us", futex(&w, FUTEX_WAIT_PRIVATE, 5, &short_ts, NULL, 0));

    /* FUTEX_WAIT_BITSET: an empty bitset, then an absolute CLOCK_MONOTONIC deadline already past. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    R("wait_bitset empty bitset", futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &now, NULL, 0));
    R("wait_bitset deadline past", futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &now, NULL, FUTEX_BITSET_MATCH_ANY));
    R("wait_bitset realtime past", futex(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &zero, NULL,
                                         FUTEX_BITSET_MATCH_ANY));
    R("wait realtime flag", futex(&w, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &short_ts, NULL, 0));

    /* FUTEX_WAKE and FUTEX_CMP_REQUEUE with no waiter. */
    R("wake none", futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    R("wake misaligned", futex(bytes + 2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    int w2 = 0;
    R("cmp_requeue value differs", futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *) 1, &w2, 4));
    R("cmp_requeue none", futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *) 1, &w2, 5));
    R("unknown op", futex(&w, 99, 0, NULL, NULL, 0));

    /* Timeouts past the end of 64-bit nanoseconds: for ever, not at once. */
    wait_forever_then_wake("wait relative LLONG_MAX s", (struct timespec){LLONG_MAX, 0});
    wait_forever_then_wake("wait relative 2^40 s", (struct timespec){1LL << 40, 999999999});
    return 0;
}
