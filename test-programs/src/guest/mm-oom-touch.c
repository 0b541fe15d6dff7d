/*
 * mm-oom-touch [N [self|self-yield]]: a child (with "self": the process itself) touches N pages (default 200,000, about 800 MB) of one
 * MAP_NORESERVE anonymous mapping, one store per page, and reads them back; the parent
 * waits for it and reports how it ended. On the host (and under mmemu with enough --ram)
 * the child exits 0; in a smaller guest the OOM killer picks the child, the largest process,
 * and the parent reports SIGKILL and still exits 0; with "self" the process is killed
 * (status 137). "self-yield" makes a raw sched_yield right before each store past the
 * first 50,000 pages, so the store that finds no memory is the first instruction the CPU runs
 * after the syscall. Prints the child's result line (the
 * child's own count when it lives) and the parent's. Exits 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (n <= 0) {
        fprintf(stderr, "mm-oom-touch: N must be positive\n");
        return 1;
    }
    int self = argc > 2 && argv[2][0] == 's';
    fflush(stdout);
    pid_t pid = self ? 0 : fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        volatile uint64_t *base = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED) {
            perror("mmap");
            _exit(2);
        }
        int yield = self && argv[2][4] == '-';
        for (long i = 0; i < n; i++) {
            uint64_t v = (uint64_t)i * 2654435761u;
            volatile uint64_t *p = &base[i * (PAGE / 8)];
            if (yield && i >= 50000) {
                long nr = SYS_sched_yield;
                __asm__ volatile("syscall\n\tmovq %2, (%3)" : "+a"(nr) : "0"(nr), "r"(v), "r"(p) : "rcx", "r11", "memory");
            } else {
                *p = v;
            }
        }
        long wrong = 0;
        for (long i = 0; i < n; i++) wrong += base[i * (PAGE / 8)] != (uint64_t)i * 2654435761u;
        printf("%s touched %ld pages, %ld wrong\n", self ? "process" : "child", n, wrong);
        return 0;
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        perror("waitpid");
        return 1;
    }
    if (WIFSIGNALED(st)) printf("parent: child killed by signal %d\n", WTERMSIG(st));
    else printf("parent: child exited %d\n", WEXITSTATUS(st));
    return 0;
}
