/*
 * mt-basic: POSIX threads on musl (clone with CLONE_VM|CLONE_THREAD|CLONE_SETTLS|
 * CLONE_CHILD_CLEARTID..., futex waits and wakes). Eight threads are created and joined;
 * each returns a value computed from its argument through pthread_join. In every thread
 * gettid() differs from getpid() (equal only in the main thread), getpid() is the same
 * everywhere, the tids are distinct, and pthread_self() differs. A __thread variable
 * (initialized .tdata and zeroed .tbss) starts from its initial value in every thread and
 * holds each thread's own writes; thread-specific data (pthread_key_create) runs its
 * destructor once per thread that set a value. A mutex-protected counter and a LOCK-prefixed
 * atomic counter both reach threads * iterations; a condition variable handshake passes a
 * token back and forth between the main thread and a worker; a semaphore and a barrier are
 * passed by every thread; pthread_once runs its routine once. Only the main thread prints,
 * after the joins, so the output does not depend on scheduling. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"
#include "mttest.h"
#include <semaphore.h>

#define NTHREADS 8
#define ITERS 20000
#define PINGPONG 200

static __thread int tls_init = 1234;     /* .tdata */
static __thread long tls_zero;           /* .tbss */
static __thread char tls_buf[64];        /* .tbss, larger */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long mutex_counter;
static long atomic_counter;
static long racy_free_sum; /* written only under lock */

static pthread_key_t key;
static volatile int destructor_runs;
static int destructor_sum;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;

static sem_t sem;
static pthread_barrier_t barrier;
static int use_barrier = 1;

struct result {
    int index;
    pid_t tid, pid;
    pthread_t self;
    int tls_init_seen, tls_zero_seen, tls_buf_zero;
    int tls_init_after, tls_zero_after;
    int tls_buf_ok;
    int key_null_before;
    int barrier_serial;
};

static struct result results[NTHREADS];

static void key_destructor(void *v) {
    pthread_mutex_lock(&lock);
    destructor_runs++;
    destructor_sum += (int)(intptr_t)v;
    pthread_mutex_unlock(&lock);
}

static void once_routine(void) { once_runs++; }

static void *worker(void *arg) {
    int i = (int)(intptr_t)arg;
    struct result *r = &results[i];
    r->index = i;
    r->tid = (pid_t)syscall(SYS_gettid);
    r->pid = getpid();
    r->self = pthread_self();

    r->tls_init_seen = tls_init;
    r->tls_zero_seen = (int)tls_zero;
    int z = 1;
    for (size_t k = 0; k < sizeof tls_buf; k++) z &= tls_buf[k] == 0;
    r->tls_buf_zero = z;
    tls_init += i;
    tls_zero = 100 + i;
    memset(tls_buf, 'a' + i, sizeof tls_buf);

    r->key_null_before = pthread_getspecific(key) == NULL;
    if (i % 2 == 0) pthread_setspecific(key, (void *)(intptr_t)(i + 1)); /* odd threads set none */

    pthread_once(&once, once_routine);

    sem_post(&sem);

    for (int k = 0; k < ITERS; k++) {
        pthread_mutex_lock(&lock);
        mutex_counter++;
        racy_free_sum += i;
        pthread_mutex_unlock(&lock);
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
        if ((k & 1023) == 0) mt_yield();
    }

    if (use_barrier) {
        int s = pthread_barrier_wait(&barrier);
        r->barrier_serial = s == PTHREAD_BARRIER_SERIAL_THREAD;
    }

    /* after everybody else has scribbled on their own copies, ours is still ours */
    r->tls_init_after = tls_init;
    r->tls_zero_after = (int)tls_zero;
    int ok = 1;
    for (size_t k = 0; k < sizeof tls_buf; k++) ok &= tls_buf[k] == 'a' + i;
    r->tls_buf_ok = ok;
    return (void *)(intptr_t)(i * i + 7);
}

/* condition-variable ping-pong */
static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn;  /* 0: main's turn, 1: worker's turn */
static int pp_round;
static long pp_trace; /* sum of rounds seen by the worker */

static void *ponger(void *arg) {
    (void)arg;
    for (int k = 0; k < PINGPONG; k++) {
        pthread_mutex_lock(&pp_lock);
        while (pp_turn != 1) pthread_cond_wait(&pp_cond, &pp_lock);
        pp_trace += pp_round;
        pp_round++;
        pp_turn = 0;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    return (void *)(intptr_t)pp_round;
}

int main(void) {
    pid_t pid = getpid();
    pid_t main_tid = (pid_t)syscall(SYS_gettid);
    pthread_t main_self = pthread_self();
    printf("main thread: gettid == getpid: %s\n", main_tid == pid ? "yes" : "no");

    MT_CHECK(pthread_key_create(&key, key_destructor));
    sem_init(&sem, 0, 0);
    MT_CHECK(pthread_barrier_init(&barrier, NULL, NTHREADS));
    tls_init = 999; /* the main thread's copy only */
    tls_zero = -1;

    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) MT_CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i));
    for (int i = 0; i < NTHREADS; i++) sem_wait(&sem);
    printf("semaphore posted by all %d threads\n", NTHREADS);

    int values_ok = 1;
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        MT_CHECK(pthread_join(th[i], &ret));
        values_ok &= (intptr_t)ret == i * i + 7;
    }
    printf("join values i*i+7: %s\n", values_ok ? "yes" : "no");

    int tid_ne_pid = 1, pid_same = 1, tids_distinct = 1, self_distinct = 1, self_matches = 1;
    int init_seen = 1, zero_seen = 1, buf_zero = 1, init_after = 1, zero_after = 1, buf_ok = 1;
    int key_null = 1, serials = 0;
    for (int i = 0; i < NTHREADS; i++) {
        struct result *r = &results[i];
        tid_ne_pid &= r->tid != pid && r->tid > 0;
        pid_same &= r->pid == pid;
        tids_distinct &= r->tid != main_tid;
        self_distinct &= !pthread_equal(r->self, main_self);
        self_matches &= pthread_equal(r->self, th[i]);
        for (int j = 0; j < i; j++) {
            tids_distinct &= r->tid != results[j].tid;
            self_distinct &= !pthread_equal(r->self, results[j].self);
        }
        init_seen &= r->tls_init_seen == 1234;
        zero_seen &= r->tls_zero_seen == 0;
        buf_zero &= r->tls_buf_zero;
        init_after &= r->tls_init_after == 1234 + i;
        zero_after &= r->tls_zero_after == 100 + i;
        buf_ok &= r->tls_buf_ok;
        key_null &= r->key_null_before;
        serials += r->barrier_serial;
    }
    printf("threads: gettid != getpid: %s\n", tid_ne_pid ? "yes" : "no");
    printf("threads: getpid == main's getpid: %s\n", pid_same ? "yes" : "no");
    printf("tids distinct (and from main's): %s\n", tids_distinct ? "yes" : "no");
    printf("pthread_self distinct: %s, equal to pthread_create's id: %s\n", self_distinct ? "yes" : "no",
           self_matches ? "yes" : "no");
    printf("__thread initial values in new threads (.tdata, .tbss, buffer): %s %s %s\n", init_seen ? "yes" : "no",
           zero_seen ? "yes" : "no", buf_zero ? "yes" : "no");
    printf("__thread values private after the barrier: %s %s %s\n", init_after ? "yes" : "no",
           zero_after ? "yes" : "no", buf_ok ? "yes" : "no");
    printf("main thread's __thread values: %d %ld\n", tls_init, tls_zero);
    printf("barrier: serial thread count %d\n", serials);
    printf("pthread_getspecific NULL at first: %s\n", key_null ? "yes" : "no");
    printf("key destructor runs %d, sum of values %d\n", destructor_runs, destructor_sum);
    printf("pthread_once runs: %d\n", once_runs);
    printf("mutex counter: %ld (expected %ld)\n", mutex_counter, (long)NTHREADS * ITERS);
    printf("atomic counter: %ld (expected %ld)\n", atomic_counter, (long)NTHREADS * ITERS);
    printf("sum of indices under the mutex: %ld\n", racy_free_sum);

    pthread_t pong;
    MT_CHECK(pthread_create(&pong, NULL, ponger, NULL));
    long main_trace = 0;
    for (int k = 0; k < PINGPONG; k++) {
        pthread_mutex_lock(&pp_lock);
        pp_turn = 1;
        pthread_cond_signal(&pp_cond);
        while (pp_turn != 0) pthread_cond_wait(&pp_cond, &pp_lock);
        main_trace += pp_round;
        pthread_mutex_unlock(&pp_lock);
    }
    void *pong_ret;
    MT_CHECK(pthread_join(pong, &pong_ret));
    printf("condvar ping-pong: %d rounds, worker sum %ld, main sum %ld, worker returned %ld\n", PINGPONG,
           pp_trace, main_trace, (long)(intptr_t)pong_ret);

    /* a thread created after all others were joined may reuse a stack: its TLS is fresh */
    pthread_t again;
    use_barrier = 0;
    MT_CHECK(pthread_create(&again, NULL, worker, (void *)(intptr_t)3));
    void *ret;
    MT_CHECK(pthread_join(again, &ret));
    (void)ret;
    printf("thread created after the joins: returned %ld; fresh TLS %s %s %s\n", (long)(intptr_t)ret,
           results[3].tls_init_seen == 1234 ? "yes" : "no", results[3].tls_zero_seen == 0 ? "yes" : "no",
           results[3].tls_buf_zero ? "yes" : "no");
    return 0;
}
