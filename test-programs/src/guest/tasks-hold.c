/*
 * tasks-hold: creates tasks and holds them, for the host-RSS benchmark (bin/bench rss) and as
 * a test of many tasks. Arguments: PROCS THREADS CHURN (default 3 3 20).
 *
 *  1. CHURN children are forked and reaped one after another (each exits 7 at once): tasks
 *     that have come and gone must leave nothing behind.
 *  2. PROCS children are forked and THREADS threads created (musl's pthreads, default
 *     attributes); all of them block reading one pipe.
 *  3. "holding P processes and T threads" is printed, and one read of stdin waits (the
 *     benchmark measures the emulator's host RSS here, then writes a line; EOF does as well).
 *  4. The pipe's write end is closed: every child and thread reads EOF and ends; the children
 *     are reaped (each exits 0) and the threads joined, and the totals are printed.
 *  5. One more read of stdin waits (the benchmark reads the emulator's peak RSS here). Exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int gate[2];

static void *blocked_thread(void *arg) {
    char c;
    (void)arg;
    return read(gate[0], &c, 1) == 0 ? (void *)1 : NULL;
}

int main(int argc, char **argv) {
    int procs = argc > 1 ? atoi(argv[1]) : 3;
    int threads = argc > 2 ? atoi(argv[2]) : 3;
    int churn = argc > 3 ? atoi(argv[3]) : 20;
    int churned = 0;
    for (int i = 0; i < churn; i++) {
        pid_t pid = fork();
        if (pid < 0) { printf("fork %d of the churn failed\n", i); return 1; }
        if (pid == 0) _exit(7);
        int st;
        if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7) churned++;
    }
    printf("churned %d of %d children\n", churned, churn);

    if (pipe(gate) != 0) { printf("pipe failed\n"); return 1; }
    for (int i = 0; i < procs; i++) {
        pid_t pid = fork();
        if (pid < 0) { printf("fork %d failed\n", i); return 1; }
        if (pid == 0) {
            char c;
            close(gate[1]);
            _exit(read(gate[0], &c, 1) == 0 ? 0 : 1);
        }
    }
    pthread_t *tids = calloc(threads > 0 ? threads : 1, sizeof *tids);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, blocked_thread, NULL) != 0) { printf("thread %d failed\n", i); return 1; }
    }
    printf("holding %d processes and %d threads\n", procs, threads);
    fflush(stdout);
    char line[16];
    (void)!read(0, line, sizeof line);

    close(gate[1]);
    int reaped = 0, joined = 0;
    for (int i = 0; i < procs; i++) {
        int st;
        if (wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) reaped++;
    }
    for (int i = 0; i < threads; i++) {
        void *r;
        if (pthread_join(tids[i], &r) == 0 && r == (void *)1) joined++;
    }
    printf("released: %d children exited 0, %d threads joined\n", reaped, joined);
    fflush(stdout);
    (void)!read(0, line, sizeof line);
    return 0;
}
