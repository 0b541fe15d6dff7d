/*
 * mm-fork-wait: fork and the wait family's status encoding. Children that exit 0, exit 42
 * and exit 255 (WIFEXITED, WEXITSTATUS), that are killed by a SIGSEGV of their own (a
 * store to an unmapped page: WIFSIGNALED, WTERMSIG 11), by abort() (SIGABRT 6) and by
 * the parent's kill(SIGKILL) (9); the raw status word's low 7 bits; getppid() in the child
 * equals the parent's getpid() and the child's pid equals fork's return; waitpid with
 * WNOHANG on a running child returns 0; wait4 fills rusage; waitpid on a non-child and
 * wait() with no children left fail with ECHILD; a child of a child is not ours. No pids
 * are printed. Exits 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "mmtest.h"

static void describe(const char *what, int status) {
    if (WIFEXITED(status)) printf("%s: exited, status %d (raw & 0x7f = %d)\n", what, WEXITSTATUS(status), status & 0x7f);
    else if (WIFSIGNALED(status)) printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    else printf("%s: other 0x%x\n", what, status);
}

static pid_t child(int how) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid != 0) return pid;
    switch (how) {
    case 0: _exit(0);
    case 1: _exit(42);
    case 2: _exit(255);
    case 3: { volatile uintptr_t a = 0x10; *(volatile int *)a = 1; _exit(99); }
    case 4: abort();
    case 5: for (;;) pause();
    }
    _exit(98);
}

int main(void) {
    int pfd[2];
    if (pipe(pfd)) return 1;
    pid_t me = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char msg[2] = {getppid() == me ? 'y' : 'n', 0};
        pid_t self = getpid();
        if (write(pfd[1], msg, 1) != 1 || write(pfd[1], &self, sizeof self) != sizeof self) _exit(1);
        _exit(7);
    }
    char c;
    pid_t reported = 0;
    if (read(pfd[0], &c, 1) != 1 || read(pfd[0], &reported, sizeof reported) != sizeof reported) return 1;
    printf("fork returned > 0 in the parent: %s\n", pid > 0 ? "yes" : "no");
    printf("child's getppid() == parent's getpid(): %s\n", c == 'y' ? "yes" : "no");
    printf("child's getpid() == fork's return: %s\n", reported == pid ? "yes" : "no");
    int status;
    printf("waitpid returns the pid: %s\n", waitpid(pid, &status, 0) == pid ? "yes" : "no");
    describe("exit(7)", status);

    const char *names[] = {"exit(0)", "exit(42)", "exit(255)", "store to 0x10", "abort()"};
    for (int i = 0; i < 5; i++) {
        pid_t p = child(i);
        waitpid(p, &status, 0);
        describe(names[i], status);
    }

    pid_t sleeper = child(5);
    errno = 0;
    printf("waitpid WNOHANG on a running child: %d\n", (int)waitpid(sleeper, &status, WNOHANG));
    kill(sleeper, SIGKILL);
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    pid_t w = wait4(sleeper, &status, 0, &ru);
    printf("wait4 returns the pid: %s, rusage filled: %s\n", w == sleeper ? "yes" : "no",
           ru.ru_maxrss >= 0 && ru.ru_utime.tv_usec >= 0 ? "yes" : "no");
    describe("kill(SIGKILL)", status);

    /* a grandchild is not ours */
    fflush(stdout);
    pid_t mid = fork();
    if (mid == 0) {
        pid_t g = fork();
        if (g == 0) _exit(3);
        char gb[sizeof g];
        memcpy(gb, &g, sizeof g);
        if (write(pfd[1], gb, sizeof g) != sizeof g) _exit(1);
        int st;
        waitpid(g, &st, 0);
        _exit(WEXITSTATUS(st) + 10);
    }
    pid_t grandchild = 0;
    if (read(pfd[0], &grandchild, sizeof grandchild) != sizeof grandchild) return 1;
    errno = 0;
    rc_line("waitpid(grandchild)", waitpid(grandchild, &status, 0));
    waitpid(mid, &status, 0);
    describe("child that reaped its own child (exit 3) and exits +10", status);
    errno = 0;
    rc_line("wait() with no children", wait(&status));
    errno = 0;
    rc_line("waitpid(1)", waitpid(1, &status, WNOHANG));
    errno = 0;
    rc_line("waitpid(-1, WNOHANG) with no children", waitpid(-1, &status, WNOHANG));
    return 0;
}
