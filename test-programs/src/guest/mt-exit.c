/*
 * mt-exit: how threads end. A thread that calls pthread_exit from a nested call hands its
 * value to pthread_join, and its cleanup handlers run in reverse order; a thread that
 * returns hands over its return value. pthread_tryjoin_np answers EBUSY while a thread is
 * still blocked (in a futex wait) and pthread_join returns once it has exited. musl's join
 * waits twice: for the thread's own FUTEX_WAKE on its detach state, then (a shared
 * FUTEX_WAIT) for musl's thread-list lock, which the exiting thread holds into its exit
 * system call and which only the kernel releases: it is every thread's clear_child_tid
 * (CLONE_CHILD_CLEARTID), zeroed and woken when the thread is gone. Then join unmaps the
 * thread's stack.
 * Detached threads (created detached, or detached while running) run to the end and free
 * their own stacks (musl unmaps the stack it is running on, then calls exit). 100 threads
 * created and joined one after another all return their values. Finally the main thread
 * prints, registers an atexit handler and calls pthread_exit while two threads live on: a
 * detached one blocked forever on a semaphore, and one that waits for the main thread to be
 * gone (pthread_create needs musl's thread-list lock, which the exiting main thread holds
 * until the kernel clears it through set_tid_address) and then calls exit(42) - exit_group
 * from a thread other than the first, which ends the blocked thread too. The atexit
 * handler runs in that thread. The process exit status is 42.
 */
#define _GNU_SOURCE
#include "mmtest.h"
#include "mttest.h"
#include <semaphore.h>

static int cleanup_order[4], cleanup_n;

static void cleanup(void *arg) { cleanup_order[cleanup_n++] = (int)(intptr_t)arg; }

static void deep_exit(int depth, int value);
static void (*volatile deeper)(int, int) = deep_exit; /* opaque to gcc's recursion checks */

__attribute__((noinline)) static void deep_exit(int depth, int value) {
    if (depth == 0) pthread_exit((void *)(intptr_t)value);
    deeper(depth - 1, value + 1);
    __asm__ volatile(""); /* not a tail call: the frames stay */
}

static void *exits_nested(void *arg) {
    (void)arg;
    pthread_cleanup_push(cleanup, (void *)1);
    pthread_cleanup_push(cleanup, (void *)2);
    pthread_cleanup_push(cleanup, (void *)3);
    deep_exit(5, 100);
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *returns(void *arg) { return (void *)((intptr_t)arg * 3); }

static sem_t go, done, forever, main_leaving;

static void *waits_for_go(void *arg) {
    sem_wait(&go);
    return arg;
}

static volatile int detached_ran;

static void *detached_worker(void *arg) {
    __atomic_fetch_add(&detached_ran, (int)(intptr_t)arg, __ATOMIC_SEQ_CST);
    sem_post(&done);
    return NULL;
}

static void *self_detaching(void *arg) {
    pthread_detach(pthread_self());
    return detached_worker(arg);
}

static void *blocked_forever(void *arg) {
    (void)arg;
    sem_wait(&forever);
    printf("not reached: the blocked thread woke up\n");
    return NULL;
}

static void *nothing(void *arg) { return arg; }

static pid_t pid;

static void at_exit(void) {
    printf("atexit handler: runs in a thread other than the first: %s\n",
           syscall(SYS_gettid) != pid ? "yes" : "no");
}

static void *finisher(void *arg) {
    (void)arg;
    sem_wait(&main_leaving);
    pthread_t t;
    MT_CHECK(pthread_create(&t, NULL, nothing, (void *)5)); /* waits until the main thread is gone */
    void *ret;
    MT_CHECK(pthread_join(t, &ret));
    printf("finisher: created and joined a thread after the main thread's pthread_exit: %ld\n",
           (long)(intptr_t)ret);
    printf("finisher: exit(42)\n");
    exit(42);
}

int main(void) {
    pid = getpid();
    sem_init(&go, 0, 0);
    sem_init(&done, 0, 0);
    sem_init(&forever, 0, 0);
    sem_init(&main_leaving, 0, 0);

    pthread_t t;
    void *ret;
    MT_CHECK(pthread_create(&t, NULL, exits_nested, NULL));
    MT_CHECK(pthread_join(t, &ret));
    printf("pthread_exit from 6 calls deep: join value %ld, cleanup handlers ran %d: %d %d %d\n",
           (long)(intptr_t)ret, cleanup_n, cleanup_order[0], cleanup_order[1], cleanup_order[2]);

    MT_CHECK(pthread_create(&t, NULL, returns, (void *)14));
    MT_CHECK(pthread_join(t, &ret));
    printf("return from the start routine: join value %ld\n", (long)(intptr_t)ret);

    MT_CHECK(pthread_create(&t, NULL, waits_for_go, (void *)77));
    int busy = pthread_tryjoin_np(t, &ret);
    printf("pthread_tryjoin_np on a blocked thread: %s\n", ename(busy));
    sem_post(&go);
    MT_CHECK(pthread_join(t, &ret));
    printf("pthread_join after waking it: value %ld\n", (long)(intptr_t)ret);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 10; i++) MT_CHECK(pthread_create(&t, &attr, detached_worker, (void *)1));
    for (int i = 0; i < 10; i++) MT_CHECK(pthread_create(&t, NULL, self_detaching, (void *)10));
    for (int i = 0; i < 20; i++) sem_wait(&done);
    printf("detached threads ran: %d (expected 110)\n", __atomic_load_n(&detached_ran, __ATOMIC_SEQ_CST));

    long sum = 0;
    for (int i = 0; i < 100; i++) {
        MT_CHECK(pthread_create(&t, NULL, returns, (void *)(intptr_t)i));
        MT_CHECK(pthread_join(t, &ret));
        sum += (intptr_t)ret;
    }
    printf("100 threads created and joined one at a time: sum of values %ld\n", sum);

    atexit(at_exit);
    MT_CHECK(pthread_create(&t, &attr, blocked_forever, NULL));
    MT_CHECK(pthread_create(&t, NULL, finisher, NULL));
    printf("main: pthread_exit\n");
    fflush(stdout);
    sem_post(&main_leaving);
    pthread_exit(NULL);
}
