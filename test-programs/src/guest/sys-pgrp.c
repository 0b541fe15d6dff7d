/*
 * sys-pgrp: process groups and sessions (kernel/sys.c): setpgid, getpgid, getpgrp, setsid,
 * getsid, and kill()/waitpid() aimed at a process group.
 *
 * Everything runs in a forked child C, which leads neither a group nor a session whatever
 * started the program (a shell makes its jobs group leaders, a test runner does not). Checked:
 * a fork child inherits the group and session; setpgid's EINVAL (negative pgid), ESRCH (no such
 * pid, a pid that is neither the caller nor its child), EPERM (a group missing, a child in
 * another session, a session leader), EACCES (a child after execve()); setsid making a new
 * session and group and EPERM for a session leader and for a group leader; getpgid/getsid
 * ESRCH; kill(0), kill(-pgid) reaching the group's members only and ESRCH for an empty group;
 * waitpid(-pgid) and waitpid(0) choosing children by group. Ids are printed relative to the
 * processes they name. Exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "mmtest.h"

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static const char *who(long id, pid_t c, pid_t d, pid_t ppid) {
    static char buf[32];
    if (id < 0) { snprintf(buf, sizeof buf, "%s", ename(errno)); return buf; }
    if (id == c) return "C";
    if (id == d) return "D";
    if (id == ppid) return "C's parent's";
    snprintf(buf, sizeof buf, "other");
    return buf;
}

#define SHOW(what, call) do { errno = 0; long id_ = (long)(call); printf("%s: %s\n", what, who(id_, c, d, pp)); } while (0)

static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got++; }

/* D: waits for a byte on fd in, then exits with status 3. */
static void wait_and_exit(int in) {
    char b;
    while (read(in, &b, 1) < 0 && errno == EINTR) {}
    _exit(3);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "exec-child")) {
        /* After execve: tell C we are here, then wait for C's byte. */
        int fd = atoi(argv[2]);
        if (write(fd + 1, "x", 1) != 1) return 9;
        wait_and_exit(fd);
    }
    fflush(stdout);
    pid_t top = fork();
    if (top) {
        int st;
        waitpid(top, &st, 0);
        printf("C exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return 0;
    }
    pid_t c = getpid(), pp = getppid(), d = -1;
    printf("C's group is its parent's: %s\n", getpgid(0) == getpgid(pp) ? "yes" : "no");
    printf("C's session is its parent's: %s\n", getsid(0) == getsid(pp) ? "yes" : "no");
    R("getpgid(no such pid)", getpgid(999999));
    R("getsid(no such pid)", getsid(999999));
    R("setpgid(0, -1)", setpgid(0, -1));
    R("setpgid(no such pid, 0)", setpgid(999999, 0));
    R("setpgid(parent, 0)", setpgid(pp, 0));
    R("setpgid(0, no such group)", setpgid(0, 999999));
    R("setpgid(0, getpgrp())", setpgid(0, getpgrp()));

    /* D stays in the old session while C makes a new one. */
    int p1[2];
    if (pipe(p1)) return 1;
    fflush(stdout);
    d = fork();
    if (d == 0) { close(p1[1]); wait_and_exit(p1[0]); }
    close(p1[0]);
    SHOW("C setsid", setsid());
    SHOW("C getsid", getsid(0));
    SHOW("C getpgrp after setsid", getpgrp());
    SHOW("D getsid (old session)", getsid(d));
    R("C setsid again", setsid());
    R("C setpgid(0, 0) as session leader", setpgid(0, 0));
    R("setpgid(D, D) in another session", setpgid(d, d));
    if (write(p1[1], "x", 1) != 1) return 1;
    int st;
    waitpid(d, &st, 0);

    /* E in C's session: groups. */
    int p2[2];
    if (pipe(p2)) return 1;
    fflush(stdout);
    d = fork();
    if (d == 0) {
        close(p2[1]);
        signal(SIGUSR1, on_usr1);
        wait_and_exit(p2[0]);
    }
    close(p2[0]);
    SHOW("D getsid", getsid(d));
    SHOW("D getpgid", getpgid(d));
    R("setpgid(D, D)", setpgid(d, d));
    SHOW("D getpgid after", getpgid(d));
    R("setpgid(D, D) again", setpgid(d, d));
    R("setpgid(D, C)", setpgid(d, c));
    SHOW("D getpgid moved back", getpgid(d));
    R("setpgid(D, 0)", setpgid(d, 0));
    R("kill(-D, 0)", kill(-d, 0));
    R("kill(-999999, 0)", kill(-999999, 0));
    signal(SIGUSR1, on_usr1);
    R("kill(0, SIGUSR1) (C's group: C only)", kill(0, SIGUSR1));
    printf("C got SIGUSR1: %d\n", (int)got);
    R("waitpid(0, WNOHANG) (no child in C's group)", waitpid(0, &st, WNOHANG));
    R("waitpid(-D, WNOHANG)", waitpid(-d, &st, WNOHANG));
    if (write(p2[1], "x", 1) != 1) return 1;
    errno = 0;
    long w = waitpid(-d, &st, 0);
    printf("waitpid(-D): %s, status %d\n", who(w, c, d, pp), WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* A child that has run execve(). */
    int to[2], from[2];
    if (pipe(to) || pipe(from)) return 1;
    /* Make the child's two ends adjacent: fd and fd + 1. */
    int a = dup2(to[0], 20), b = dup2(from[1], 21);
    (void)a; (void)b;
    close(to[0]);
    close(from[1]);
    fflush(stdout);
    d = fork();
    if (d == 0) {
        close(to[1]);
        close(from[0]);
        char *args[] = {argv[0], "exec-child", "20", NULL};
        execve("/proc/self/exe", args, (char *[]){NULL});
        _exit(8);
    }
    close(20);
    close(21);
    char x;
    if (read(from[0], &x, 1) != 1) printf("no byte from the exec child\n");
    R("setpgid(exec'd child, 0)", setpgid(d, 0));
    SHOW("exec'd child getpgid", getpgid(d));
    if (write(to[1], "x", 1) != 1) return 1;
    waitpid(d, &st, 0);
    printf("exec'd child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* A group leader cannot make a session; a child that does not lead one can. */
    int p3[2];
    if (pipe(p3)) return 1;
    fflush(stdout);
    d = fork();
    if (d == 0) {
        pid_t me = getpid();
        errno = 0;
        long r = setpgid(0, 0);
        printf("D setpgid(0, 0): %ld\n", r);
        errno = 0;
        r = setsid();
        printf("D setsid as group leader: %ld %s\n", r, r < 0 ? ename(errno) : "");
        fflush(stdout);
        pid_t e = fork();
        if (e == 0) {
            long s = setsid();
            printf("E setsid: %s\n", s == getpid() ? "its pid" : ename(errno));
            printf("E getpgrp is its pid: %s\n", getpgrp() == getpid() ? "yes" : "no");
            fflush(stdout);
            _exit(0);
        }
        int st2;
        waitpid(e, &st2, 0);
        printf("D still leads its group: %s\n", getpgrp() == me ? "yes" : "no");
        fflush(stdout);
        _exit(0);
    }
    waitpid(d, &st, 0);
    fflush(stdout);
    return 7;
}
