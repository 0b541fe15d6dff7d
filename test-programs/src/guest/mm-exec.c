/*
 * mm-exec: execve of a static program, the program itself through /proc/self/exe. The
 * parent maps a page at a fixed address, grows its break, opens one descriptor without and
 * one with FD_CLOEXEC, ignores SIGUSR1 and handles SIGUSR2, then (1) forks a child that
 * execs "/proc/self/exe" with argv {"renamed", "child", pid-check} and an environment of
 * its own, and waits for it (exit status 5); (2) checks execve's errors: a missing file
 * (ENOENT), a directory and a non-executable file (EACCES), a bad path or argv pointer
 * (EFAULT), an executable file that is not ELF (ENOEXEC); (3) execs itself directly
 * ("final"), keeping its pid. The new image sees: its argv and envp, /proc/self/exe's
 * basename, a fresh address space (the old page unmapped, the break back at its start,
 * no [heap] line), the plain descriptor open and the FD_CLOEXEC one closed, SIGUSR1 still
 * ignored and SIGUSR2 back to default. Output is flushed before every exec. Exits 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "mmtest.h"

#define BASE 0x540000000000UL

static void on_usr2(int sig) { (void)sig; }

static void new_image(int argc, char **argv, char **envp) {
    printf("[%s] argc %d, argv[0] basename %s\n", argv[1], argc, base_name(argv[0]));
    long pid = strtol(argv[2], NULL, 10);
    if (!strcmp(argv[1], "final")) printf("[%s] pid unchanged by exec: %s\n", argv[1], pid == getpid() ? "yes" : "no");
    else printf("[%s] parent is the pid passed: %s\n", argv[1], pid == getppid() ? "yes" : "no");
    for (char **e = envp; *e; e++) printf("[%s] env %s\n", argv[1], *e);
    char buf[256];
    long n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("[%s] /proc/self/exe basename: %s\n", argv[1], base_name(buf));
    unsigned char vec;
    errno = 0;
    printf("[%s] old page: %s\n", argv[1],
           mincore((void *)BASE, PAGE, &vec) == 0 ? "still mapped" : errno == ENOMEM ? "unmapped" : ename(errno));
    printf("[%s] [heap] line: %s\n", argv[1], maps_find("[heap]", NULL) ? "yes" : "no");
    printf("[%s] fd 3 (plain): %s, fd 4 (FD_CLOEXEC): %s\n", argv[1], fcntl(3, F_GETFD) >= 0 ? "open" : "closed",
           fcntl(4, F_GETFD) >= 0 ? "open" : "closed");
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("[%s] SIGUSR1: %s\n", argv[1], sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handled");
    sigaction(SIGUSR2, NULL, &sa);
    printf("[%s] SIGUSR2: %s\n", argv[1], sa.sa_handler == SIG_IGN ? "ignored" : sa.sa_handler == SIG_DFL ? "default" : "handled");
    fflush(stdout);
}

#define EXECERR(what, ...) do { errno = 0; rc_line(what, syscall(SYS_execve, __VA_ARGS__)); } while (0)

int main(int argc, char **argv, char **envp) {
    if (argc >= 3 && (!strcmp(argv[1], "child") || !strcmp(argv[1], "final"))) {
        new_image(argc, argv, envp);
        return !strcmp(argv[1], "child") ? 5 : 0;
    }
    printf("start: argc %d\n", argc);
    void *m = mmap((void *)BASE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    *(volatile int *)m = 1;
    uintptr_t b = (uintptr_t)syscall(SYS_brk, 0);
    syscall(SYS_brk, b + 4 * PAGE);
    int plain = open("/proc/self/exe", O_RDONLY);
    int cloexec = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    printf("descriptors 3 and 4: %s\n", plain == 3 && cloexec == 4 ? "yes" : "no");
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, on_usr2);

    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
    char *cargv[] = {"renamed", "child", pidbuf, NULL};
    char *cenv[] = {"MMEMU_EXEC=1", "SECOND=two words", NULL};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execve("/proc/self/exe", cargv, cenv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child: %s %d\n", WIFEXITED(status) ? "exited" : "killed", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

    EXECERR("execve missing file", "/nonexistent/mm-exec", cargv, cenv);
    EXECERR("execve a directory", "/", cargv, cenv);
    EXECERR("execve /proc/self/maps (not executable)", "/proc/self/maps", cargv, cenv);
    EXECERR("execve bad path pointer", (void *)0x10, cargv, cenv);
    EXECERR("execve bad argv pointer", "/proc/self/exe", (void *)0x10, cenv);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "/tmp/mm-exec-%d", (int)getpid());
    int t = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (t >= 0 && write(t, "\1\2\3\4not an executable\n", 24) == 24) {
        close(t);
        EXECERR("execve a non-ELF file", tmp, cargv, cenv);
    }
    unlink(tmp);

    char *fargv[] = {argv[0], "final", pidbuf, NULL};
    char *fenv[] = {"ONLY=this", NULL};
    printf("exec final\n");
    fflush(stdout);
    execve("/proc/self/exe", fargv, fenv);
    printf("exec failed: %s\n", ename(errno));
    return 1;
}
