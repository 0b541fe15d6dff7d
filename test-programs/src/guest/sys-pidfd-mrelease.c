/*
 * sys-pidfd-mrelease: pidfd_open(2) and process_mrelease(2) (mm/oom_kill.c). pidfd_open: EINVAL
 * for unknown flags and pid <= 0, ESRCH for no such pid, EINVAL for a thread that leads no
 * group (accepted with PIDFD_THREAD); the descriptor is close-on-exec, read/write EINVAL,
 * lseek/pread ESPIPE. process_mrelease: EINVAL for flags, EBADF for no descriptor or one that is
 * no pidfd, EINVAL for a live process (itself, a sleeping child, a child with a pending signal it
 * handles or ignores); 0 for a child killed by SIGKILL or by a pending SIGTERM it does not handle
 * (natively the child may win the race and be gone: printed as "reaped or gone"), after which it
 * dies by that signal; ESRCH for an exited child (it has no mm) and for a pidfd whose process was
 * reaped. Exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errname.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif

static long pidfd_open(int pid, unsigned flags) {
    return syscall(SYS_pidfd_open, pid, flags);
}

static long mrelease(int fd, unsigned flags) {
    return syscall(SYS_process_mrelease, fd, flags);
}

static void show(const char *what, long r) {
    printf("%-44s %s\n", what, r < 0 ? errname(errno) : r == 0 ? "0" : "ok");
}

#define CALL(what, expr) do { errno = 0; show(what, (long) (expr)); } while (0)

static void on_term(int sig) {
    (void) sig;
}

/* A child that touches 4 MiB, says so through the pipe, then sleeps until killed. */
static pid_t sleeper(int how) {
    int p[2];
    if (pipe(p)) exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        if (how == 1) signal(SIGTERM, on_term);
        if (how == 2) signal(SIGTERM, SIG_IGN);
        char *m = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(m, 1, 4 << 20);
        if (write(p[1], "r", 1) != 1) _exit(1);
        for (;;) pause();
    }
    char c;
    if (read(p[0], &c, 1) != 1) exit(1);
    close(p[0]);
    close(p[1]);
    return pid;
}

static void report_status(pid_t pid) {
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) printf("child killed by signal %d\n", WTERMSIG(st));
    else printf("child exited %d\n", WEXITSTATUS(st));
}

static void *thread_main(void *arg) {
    int *tid = arg;
    *tid = gettid();
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    CALL("pidfd_open unknown flag", pidfd_open(getpid(), 1));
    CALL("pidfd_open pid 0", pidfd_open(0, 0));
    CALL("pidfd_open pid -1", pidfd_open(-1, 0));
    CALL("pidfd_open no such pid", pidfd_open(4000000, 0));
    int self = pidfd_open(getpid(), 0);
    show("pidfd_open self", self);
    printf("close-on-exec %d\n", (fcntl(self, F_GETFD) & FD_CLOEXEC) != 0);
    char buf[8];
    CALL("read pidfd", read(self, buf, 8));
    CALL("write pidfd", write(self, buf, 8));
    CALL("lseek pidfd", lseek(self, 0, SEEK_SET));
    CALL("pread pidfd", pread(self, buf, 8, 0));

    /* A thread that has exited: its tid is free again (ESRCH), or was never a group leader.
     * pthread_join returns once the kernel cleared the thread's tid word (exit_mm()), before
     * release_task() frees its pid; in between, Linux 6.18 answers ENOENT. So wait, boundedly,
     * until tgkill no longer finds the thread. */
    pthread_t th;
    int tid = 0;
    pthread_create(&th, NULL, thread_main, &tid);
    pthread_join(th, NULL);
    for (int i = 0; i < 1000000 && syscall(SYS_tgkill, getpid(), tid, 0) == 0; i++) sched_yield();
    CALL("pidfd_open exited thread", pidfd_open(tid, 0));

    CALL("process_mrelease flags", mrelease(self, 1));
    CALL("process_mrelease flags -1", mrelease(self, -1));
    CALL("process_mrelease fd -1", mrelease(-1, 0));
    CALL("process_mrelease closed fd", mrelease(99, 0));
    int p[2];
    if (pipe(p)) return 1;
    CALL("process_mrelease pipe", mrelease(p[0], 0));
    CALL("process_mrelease self", mrelease(self, 0));

    pid_t c = sleeper(0);
    int fd = pidfd_open(c, 0);
    CALL("process_mrelease sleeping child", mrelease(fd, 0));
    kill(c, SIGKILL);
    errno = 0;
    long r = mrelease(fd, 0);
    printf("%-44s %s\n", "process_mrelease killed child", r == 0 || errno == ESRCH ? "reaped or gone" : errname(errno));
    report_status(c);
    CALL("process_mrelease reaped child", mrelease(fd, 0));
    close(fd);

    c = sleeper(0);
    fd = pidfd_open(c, 0);
    kill(c, SIGTERM);
    errno = 0;
    r = mrelease(fd, 0);
    printf("%-44s %s\n", "process_mrelease SIGTERM child", r == 0 || errno == ESRCH ? "reaped or gone" : errname(errno));
    report_status(c);
    close(fd);

    c = sleeper(1);
    fd = pidfd_open(c, 0);
    kill(c, SIGSTOP);
    kill(c, SIGTERM);
    CALL("process_mrelease handled SIGTERM", mrelease(fd, 0));
    kill(c, SIGKILL);
    report_status(c);
    close(fd);

    c = sleeper(2);
    fd = pidfd_open(c, 0);
    kill(c, SIGTERM);
    CALL("process_mrelease ignored SIGTERM", mrelease(fd, 0));
    kill(c, SIGKILL);
    report_status(c);
    close(fd);

    /* The child's end of the pipe closes at its exit (exit_files(), after exit_mm()): EOF means it has no mm. */
    int zp[2];
    if (pipe(zp)) return 1;
    pid_t z = fork();
    if (z == 0) {
        close(zp[0]);
        _exit(3);
    }
    close(zp[1]);
    fd = pidfd_open(z, 0);
    char zc;
    CALL("read until the child's exit", read(zp[0], &zc, 1));
    CALL("process_mrelease exited child", mrelease(fd, 0));
    report_status(z);
    CALL("process_mrelease reaped zombie", mrelease(fd, 0));
    CALL("pidfd_open reaped pid", pidfd_open(z, 0));
    return 0;
}
