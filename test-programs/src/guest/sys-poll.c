/*
 * poll(2), ppoll(2), select(2), pselect6(2) and rt_sigsuspend(2) against the host kernel:
 * readiness of pipe ends, AF_UNIX socket pairs and pidfds, POLLNVAL, POLLHUP and POLLERR;
 * timeouts that expire (nothing else can happen) and ones that do not (a child writes);
 * ppoll's and pselect6's temporary signal mask (a pending signal it unblocks interrupts the
 * call, the handler runs with that mask and the old one comes back afterwards); sigsuspend();
 * an unhandled SIGCHLD that interrupts nothing; a blocking read a handled signal interrupts
 * (EINTR, or restarted with SA_RESTART), pause(); and the errno of each bad argument, in the
 * kernel's order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *sname(int e) {
    switch (e) {
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EBADF: return "EBADF";
    case EINTR: return "EINTR";
    case 0: return "0";
    default: return "other";
    }
}

#define R(what, call) do { errno = 0; long rc_ = (long)(call); \
        if (rc_ >= 0) printf("%s: %ld\n", what, rc_); else printf("%s: %ld %s\n", what, rc_, sname(errno)); } while (0)

static void pflags(const char *what, int re) {
    printf("%s:%s%s%s%s%s%s%s\n", what, re & POLLIN ? " IN" : "", re & POLLOUT ? " OUT" : "",
           re & POLLERR ? " ERR" : "", re & POLLHUP ? " HUP" : "", re & POLLNVAL ? " NVAL" : "",
           re & POLLRDHUP ? " RDHUP" : "", re == 0 ? " none" : "");
}

static int poll1(int fd, short events, int timeout) {
    struct pollfd p = {fd, events, 0x7777};
    int r = poll(&p, 1, timeout);
    if (r < 0) return -1000 - errno;
    return p.revents;
}

static volatile int usr1, usr1_blocked_in_handler;
static void on_usr1(int s) {
    (void)s;
    usr1++;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    usr1_blocked_in_handler = sigismember(&cur, SIGUSR2);
}

static void pipes(void) {
    int p[2];
    char c;
    printf("-- pipe\n");
    pipe(p);
    pflags("empty read end", poll1(p[0], POLLIN | POLLOUT, 0));
    pflags("write end", poll1(p[1], POLLIN | POLLOUT, 0));
    static char big[65536];
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    long w = write(p[1], big, sizeof big);
    printf("filled with %ld\n", w);
    pflags("read end of a full pipe", poll1(p[0], POLLIN, 0));
    pflags("read end, only POLLOUT asked", poll1(p[0], POLLOUT, 0));
    pflags("full write end", poll1(p[1], POLLOUT, 0));
    read(p[0], big, 4096);
    pflags("write end after a page read", poll1(p[1], POLLOUT, 0));
    close(p[1]);
    pflags("read end, writer gone", poll1(p[0], POLLIN, 0));
    while (read(p[0], big, sizeof big) > 0) {}
    pflags("drained read end, writer gone", poll1(p[0], POLLIN, 0));
    close(p[0]);
    pipe(p);
    close(p[0]);
    pflags("write end, reader gone", poll1(p[1], POLLOUT, 0));
    close(p[1]);
    pflags("closed descriptor", poll1(p[1], POLLIN, 0));
    struct pollfd neg = {-1, POLLIN, 0x7777};
    R("negative fd", poll(&neg, 1, 0));
    printf("negative fd revents %d\n", neg.revents);
    (void)c;
}

static void sockets(void) {
    int sv[2];
    char b[8];
    printf("-- socketpair\n");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pflags("fresh stream", poll1(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0));
    write(sv[1], "ab", 2);
    pflags("stream with data", poll1(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0));
    shutdown(sv[1], SHUT_WR);
    pflags("peer shut down writing", poll1(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0));
    read(sv[0], b, 2);
    close(sv[1]);
    pflags("peer closed", poll1(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0));
    close(sv[0]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    pflags("fresh dgram", poll1(sv[0], POLLIN | POLLOUT, 0));
    send(sv[1], "m", 1, 0);
    pflags("dgram with a message", poll1(sv[0], POLLIN | POLLOUT, 0));
    close(sv[1]);
    pflags("dgram, peer closed", poll1(sv[0], POLLIN | POLLOUT, 0));
    close(sv[0]);
}

static void errors(void) {
    struct pollfd p = {0, POLLIN, 0};
    struct rlimit rl;
    printf("-- errors\n");
    getrlimit(RLIMIT_NOFILE, &rl);
    R("poll nfds above RLIMIT_NOFILE", poll(&p, rl.rlim_cur + 1, 0));
    R("poll nfds 0 timeout 0", poll(NULL, 0, 0));
    R("poll bad array", poll((void *)8, 1, 0));
    struct timespec bad = {0, 1000000000};
    sigset_t none;
    sigemptyset(&none);
    R("ppoll bad timespec", syscall(SYS_ppoll, &p, 1, &bad, NULL, 8));
    R("ppoll unreadable timespec", syscall(SYS_ppoll, &p, 1, (void *)8, NULL, 8));
    R("ppoll sigsetsize 4", syscall(SYS_ppoll, &p, 1, NULL, &none, 4));
    R("ppoll unreadable mask", syscall(SYS_ppoll, &p, 1, NULL, (void *)8, 8));
    struct timespec zero = {0, 0};
    R("ppoll bad array", syscall(SYS_ppoll, (void *)8, 1, &zero, NULL, 8));
    fd_set in;
    FD_ZERO(&in);
    FD_SET(0, &in);
    struct timeval tz = {0, 0};
    R("select n -1", syscall(SYS_select, -1, &in, NULL, NULL, &tz));
    struct timeval tneg = {0, -1};
    R("select negative usec", syscall(SYS_select, 1, &in, NULL, NULL, &tneg));
    struct timeval tneg2 = {-1, 0};
    R("select negative sec", syscall(SYS_select, 1, &in, NULL, NULL, &tneg2));
    R("select unreadable timeval", syscall(SYS_select, 1, &in, NULL, NULL, (void *)8));
    R("select unreadable set", syscall(SYS_select, 1, (void *)8, NULL, NULL, &tz));
    FD_ZERO(&in);
    FD_SET(40, &in);
    R("select closed fd 40", syscall(SYS_select, 41, &in, NULL, NULL, &tz));
    FD_ZERO(&in);
    FD_SET(1000, &in);
    tz.tv_usec = 0;
    R("select fd 1000 beyond the table (ignored)", syscall(SYS_select, 1001, &in, NULL, NULL, &tz));
    printf("fd 1000 still set: %d\n", FD_ISSET(1000, &in));
    R("pselect6 unreadable sigset pack", syscall(SYS_pselect6, 1, NULL, NULL, NULL, &zero, (void *)8));
    struct { const sigset_t *ss; size_t len; } pack = {&none, 4};
    R("pselect6 sigsetsize 4", syscall(SYS_pselect6, 1, NULL, NULL, NULL, &zero, &pack));
    R("rt_sigsuspend sigsetsize 4", syscall(SYS_rt_sigsuspend, &none, 4));
    R("rt_sigsuspend unreadable", syscall(SYS_rt_sigsuspend, (void *)8, 8));
}

static void selects(void) {
    int p[2];
    fd_set in, out;
    printf("-- select\n");
    pipe(p);
    FD_ZERO(&in); FD_ZERO(&out);
    FD_SET(p[0], &in); FD_SET(p[1], &out); FD_SET(p[0], &out);
    struct timeval tv = {0, 0};
    R("select empty pipe", select(p[1] + 1, &in, &out, NULL, &tv));
    printf("in %d out(r) %d out(w) %d\n", FD_ISSET(p[0], &in), FD_ISSET(p[0], &out), FD_ISSET(p[1], &out));
    write(p[1], "y", 1);
    FD_ZERO(&in); FD_ZERO(&out);
    FD_SET(p[0], &in); FD_SET(p[1], &out);
    tv.tv_sec = 5; tv.tv_usec = 2500000; /* 7.5 s: the microseconds carry into seconds */
    R("select readable pipe", syscall(SYS_select, p[1] + 1, &in, &out, NULL, &tv));
    printf("in %d out %d; time left within 7.5 s and above 7 s: %d\n", FD_ISSET(p[0], &in),
           FD_ISSET(p[1], &out), tv.tv_sec == 7 && tv.tv_usec <= 500000 && tv.tv_usec > 400000);
    char c;
    read(p[0], &c, 1);
    FD_ZERO(&in);
    FD_SET(p[0], &in);
    tv.tv_sec = 0; tv.tv_usec = 30000;
    R("select times out", syscall(SYS_select, p[0] + 1, &in, NULL, NULL, &tv));
    printf("in %d, time left %ld.%06ld\n", FD_ISSET(p[0], &in), (long)tv.tv_sec, (long)tv.tv_usec);
    FD_ZERO(&in);
    FD_SET(p[0], &in);
    struct timespec ts = {0, 20000000};
    R("pselect times out", pselect(p[0] + 1, &in, NULL, NULL, &ts, NULL));
    close(p[0]); close(p[1]);
}

static void sleeping(void) {
    int p[2];
    printf("-- sleeping\n");
    pipe(p);
    pid_t child = fork();
    if (child == 0) {
        struct timespec d = {0, 10000000};
        nanosleep(&d, NULL);
        write(p[1], "z", 1);
        _exit(0);
    }
    pflags("poll until the child writes", poll1(p[0], POLLIN, -1));
    waitpid(child, NULL, 0);
    char c;
    read(p[0], &c, 1);
    /* A child's exit sends SIGCHLD, which nobody handles: it interrupts nothing. */
    child = fork();
    if (child == 0) _exit(0);
    pflags("poll 100 ms while a child exits", poll1(p[0], POLLIN, 100));
    waitpid(child, NULL, 0);
    int pidfd;
    child = fork();
    if (child == 0) {
        char x;
        read(p[0], &x, 1);
        _exit(3);
    }
    pidfd = syscall(SYS_pidfd_open, child, 0);
    pflags("pidfd of a running child", poll1(pidfd, POLLIN, 0));
    write(p[1], "q", 1);
    pflags("pidfd until the child exits", poll1(pidfd, POLLIN, -1));
    waitpid(child, NULL, 0);
    pflags("pidfd of a reaped child", poll1(pidfd, POLLIN, 0));
    close(pidfd);
    close(p[0]); close(p[1]);
}

static void masks(void) {
    sigset_t block, none, cur;
    printf("-- signal masks\n");
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    printf("usr1 handled while blocked: %d\n", usr1);
    int p[2];
    pipe(p);
    struct pollfd pf = {p[0], POLLIN, 0};
    sigemptyset(&none);
    sigaddset(&none, SIGUSR2); /* the temporary mask blocks SIGUSR2 only */
    R("ppoll with SIGUSR1 unblocked", ppoll(&pf, 1, NULL, &none));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("handled %d, SIGUSR2 blocked in the handler %d; after: SIGUSR1 blocked %d, SIGUSR2 blocked %d\n",
           usr1, usr1_blocked_in_handler, sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2));
    raise(SIGUSR1);
    fd_set in;
    FD_ZERO(&in);
    FD_SET(p[0], &in);
    R("pselect with SIGUSR1 unblocked", pselect(p[0] + 1, &in, NULL, NULL, NULL, &none));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("handled %d; after: SIGUSR1 blocked %d, SIGUSR2 blocked %d\n", usr1, sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGUSR2));
    /* A mask that keeps SIGUSR1 blocked: the ready pipe answers, the mask is back at once. */
    raise(SIGUSR1);
    write(p[1], "r", 1);
    sigset_t keep;
    sigemptyset(&keep);
    sigaddset(&keep, SIGUSR1);
    sigaddset(&keep, SIGUSR2);
    struct timespec zero = {0, 0};
    R("ppoll ready, SIGUSR1 kept blocked", ppoll(&pf, 1, &zero, &keep));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("handled %d; after: SIGUSR2 blocked %d\n", usr1, sigismember(&cur, SIGUSR2));
    R("sigsuspend with SIGUSR1 pending", sigsuspend(&none));
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("handled %d; after: SIGUSR1 blocked %d, SIGUSR2 blocked %d\n", usr1, sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGUSR2));
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        struct timespec d = {0, 10000000};
        nanosleep(&d, NULL);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    R("sigsuspend until the child's SIGUSR1", sigsuspend(&none));
    printf("handled %d\n", usr1);
    waitpid(child, NULL, 0);
    close(p[0]); close(p[1]);
}

/* The parent sleeps in read(); a child signals it, then writes a byte 10 ms later. */
static void interrupted_read(int restart) {
    int p[2];
    char c;
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    pipe(p);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        struct timespec d = {0, 10000000};
        nanosleep(&d, NULL);
        kill(parent, SIGUSR1);
        nanosleep(&d, NULL);
        write(p[1], "w", 1);
        _exit(0);
    }
    int before = usr1;
    R(restart ? "read with SA_RESTART" : "read without SA_RESTART", read(p[0], &c, 1));
    printf("handled %d\n", usr1 - before);
    waitpid(child, NULL, 0);
    close(p[0]); close(p[1]);
}

static void restarts(void) {
    sigset_t none;
    printf("-- restarts\n");
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    interrupted_read(1);
    interrupted_read(0);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        struct timespec d = {0, 10000000};
        nanosleep(&d, NULL);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    int before = usr1;
    R("pause", pause());
    printf("handled %d\n", usr1 - before);
    waitpid(child, NULL, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pipes();
    sockets();
    errors();
    selects();
    sleeping();
    masks();
    restarts();
    return 0;
}
