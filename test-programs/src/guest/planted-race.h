/*
 * planted-race.h: NW worker threads take turns at incrementing one shared counter, UPDATES times
 * each; a turn passes round robin (turn = next worker) and a worker waits for its own with
 * sched_yield(). Every update reads the counter, writes it back plus one and then hands the turn
 * on, so nothing is ever lost however the threads are scheduled, except in one update: worker 0's
 * RACE_AT-th hands the turn on between its read and its write (the planted bug, in racy_update()).
 * Unless worker 0 loses its CPU in that window of a few instructions, the next worker waits for a
 * turn it gets only after the write, and the program prints "counted N of N updates" and exits 0.
 * A preemption (or migration) of worker 0 inside the window lets the other workers update from the
 * same old value, which worker 0 then overwrites: "counted N-k of N updates: k lost", exit 1.
 *
 * Finding the window (mmemu): the same program with any argument exits at once with status 3 from
 * inside the window, one compare, one branch and three instructions after it opens; everything
 * before is the same instructions as without the argument. So
 *     bin/mmemu run --stats [options] planted-race probe      -> instructions T, status 3
 *     bin/mmemu run --fail preempt:at=$((T-5)) [same options] planted-race  -> 1 lost, exit 1
 * (T - 5 stops worker 0 right after its hand-over; T-4 .. T-2 lose the update too).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define UPDATES 100
#define RACE_AT 50

static volatile int turn;
static volatile long counter;
/* Any argument: leave the run from inside the window (exit_group(3)), for finding its position. */
static volatile int probe;

static void wait_turn(int me) {
    while (turn != me) sched_yield();
}

static void correct_update(int me) {
    counter = counter + 1;
    __asm__ volatile("" ::: "memory"); /* the write before the hand-over (x86 keeps stores in order) */
    turn = (me + 1) % NW;
}

/* The planted bug: the turn goes to the next worker between the read and the write. */
__attribute__((noinline)) static void racy_update(int me) {
    int next = (me + 1) % NW;
    __asm__ volatile(
        "mov %[counter], %%rax\n\t"   /* read */
        "movl %[next], %[turn]\n\t"   /* hand over: the bug */
        ".globl race_window\n"
        "race_window:\n\t"            /* a preemption from here to the write loses updates */
        "cmpl $0, %[probe]\n\t"
        "jne 1f\n\t"
        "add $1, %%rax\n\t"
        "mov %%rax, %[counter]\n\t"   /* write */
        "jmp 2f\n"
        "1:\n\t"
        "mov $231, %%eax\n\t"         /* exit_group(3) */
        "mov $3, %%edi\n\t"
        "syscall\n"
        "2:\n"
        : [counter] "+m"(counter), [turn] "=m"(turn)
        : [next] "r"(next), [probe] "m"(probe)
        : "rax", "rdi", "rcx", "r11", "memory", "cc");
}

static void *worker(void *arg) {
    int me = (int)(long)arg;
    for (int i = 0; i < UPDATES; i++) {
        wait_turn(me);
        if (me == 0 && i == RACE_AT) racy_update(me);
        else correct_update(me);
    }
    return 0;
}

int main(int argc, char **argv) {
    (void)argv;
    probe = argc > 1;
    pthread_t t[NW];
    for (int i = 0; i < NW; i++) pthread_create(&t[i], 0, worker, (void *)(long)i);
    for (int i = 0; i < NW; i++) pthread_join(t[i], 0);
    long expected = (long)NW * UPDATES;
    if (counter == expected) {
        printf("counted %ld of %ld updates\n", counter, expected);
        return 0;
    }
    printf("counted %ld of %ld updates: %ld lost\n", counter, expected, expected - counter);
    return 1;
}
