/*
 * sys-socketpair: socketpair(2) for AF_UNIX SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET, and the
 * calls that move data over the pair: read/write, readv/writev, send/recv, sendto/recvfrom,
 * sendmsg/recvmsg, shutdown and close.
 *
 * Checked: socketpair's errno order (EINVAL for unknown type flags, EFAULT, EAFNOSUPPORT,
 * EOPNOTSUPP for AF_INET, ESOCKTNOSUPPORT, EPROTONOSUPPORT), SOCK_CLOEXEC and SOCK_NONBLOCK in
 * F_GETFD/F_GETFL, S_ISSOCK; a stream joins writes, datagrams and seqpackets keep their
 * boundaries (a short buffer truncates: MSG_TRUNC in msg_flags, the real length with MSG_TRUNC
 * in the flags), MSG_PEEK, zero-length reads and datagrams, EAGAIN when non-blocking or with
 * MSG_DONTWAIT, EMSGSIZE, EISCONN for a stream given an address, ENOTSOCK, ESPIPE, EBADF;
 * shutdown(SHUT_WR/SHUT_RD) with EOF and EPIPE + SIGPIPE (none with MSG_NOSIGNAL); the peer's
 * close (EOF, EPIPE, ECONNREFUSED then ENOTCONN for a datagram); blocking reads and writes
 * between a parent and a forked child: a ping-pong as mm selftests' map_populate does, a stream
 * writer larger than the socket's buffer drained by its reader, MSG_WAITALL. Exits 0.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "mmtest.h"

/* The socket errno names mmtest.h's ename() lacks. */
static const char *sname(int e) {
    switch (e) {
    case EPIPE: return "EPIPE";
    case ENOTSOCK: return "ENOTSOCK";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case ECONNRESET: return "ECONNRESET";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    default: return ename(e);
    }
}

#define R(what, call) do { errno = 0; long rc_ = (long)(call); \
        if (rc_ >= 0) printf("%s: %ld\n", what, rc_); else printf("%s: %ld %s\n", what, rc_, sname(errno)); } while (0)

static volatile int sigpipes;
static void on_sigpipe(int s) { (void)s; sigpipes++; }

static const char *tname(int type) {
    return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" : "seqpacket";
}

static void errno_cases(void) {
    int sv[2];
    R("socketpair bad type flag", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | 0x1000, 0, sv));
    R("socketpair bad sv", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (void *)8));
    R("socketpair bad sv and family", syscall(SYS_socketpair, 200, SOCK_STREAM, 0, (void *)8));
    R("socketpair family 200", syscall(SYS_socketpair, 200, SOCK_STREAM, 0, sv));
    R("socketpair family -1", syscall(SYS_socketpair, -1, SOCK_STREAM, 0, sv));
    R("socketpair AF_INET", syscall(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv));
    R("socketpair type 7", syscall(SYS_socketpair, AF_UNIX, 7, 0, sv));
    R("socketpair type 11", syscall(SYS_socketpair, AF_UNIX, 11, 0, sv));
    R("socketpair SOCK_RDM", syscall(SYS_socketpair, AF_UNIX, SOCK_RDM, 0, sv));
    R("socketpair protocol 1", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 1, sv));
    R("socketpair protocol AF_UNIX", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, AF_UNIX, sv));
    if (syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, AF_UNIX, sv) == 0) { close(sv[0]); close(sv[1]); }
    R("socketpair SOCK_RAW", syscall(SYS_socketpair, AF_UNIX, SOCK_RAW, 0, sv));
    if (syscall(SYS_socketpair, AF_UNIX, SOCK_RAW, 0, sv) == 0) {
        R("raw pair send", send(sv[0], "ab", 2, 0));
        char b[8];
        R("raw pair recv (a datagram)", recv(sv[1], b, 1, 0));
        R("raw pair recv again: nothing", recv(sv[1], b, 8, MSG_DONTWAIT));
        close(sv[0]); close(sv[1]);
    }
    int p[2];
    if (pipe(p)) return;
    char b[4];
    R("send on a pipe", send(p[1], "x", 1, 0));
    R("recv on a pipe", recv(p[0], b, 1, MSG_DONTWAIT));
    R("shutdown a pipe", shutdown(p[0], SHUT_RD));
    R("send bad fd", send(99, "x", 1, 0));
    R("recv bad fd", recv(99, b, 1, 0));
    R("shutdown bad fd", shutdown(99, SHUT_RD));
    close(p[0]); close(p[1]);
}

static void flags_cases(void) {
    int sv[2];
    R("socketpair CLOEXEC|NONBLOCK", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv));
    printf("F_GETFD %d %d\n", fcntl(sv[0], F_GETFD), fcntl(sv[1], F_GETFD));
    printf("F_GETFL 0x%x 0x%x\n", fcntl(sv[0], F_GETFL), fcntl(sv[1], F_GETFL));
    struct stat st;
    R("fstat", fstat(sv[0], &st));
    printf("S_ISSOCK %d mode 0%o size %ld\n", S_ISSOCK(st.st_mode), st.st_mode & 07777, (long)st.st_size);
    char b[8];
    R("read empty non-blocking", read(sv[0], b, 8));
    R("lseek", lseek(sv[0], 0, SEEK_SET));
    R("pread", pread(sv[0], b, 1, 0));
    R("shutdown how 3", shutdown(sv[0], 3));
    R("shutdown how -1", shutdown(sv[0], -1));
    R("fsync", fsync(sv[0]));
    R("ioctl TIOCGWINSZ", ioctl(sv[0], 0x5413, b));
    close(sv[0]); close(sv[1]);
    R("socketpair plain", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    printf("F_GETFD %d F_GETFL 0x%x\n", fcntl(sv[0], F_GETFD), fcntl(sv[0], F_GETFL));
    R("recv MSG_DONTWAIT empty", recv(sv[0], b, 8, MSG_DONTWAIT));
    R("F_SETFL O_NONBLOCK", fcntl(sv[0], F_SETFL, O_NONBLOCK));
    R("read after F_SETFL", read(sv[0], b, 8));
    close(sv[0]); close(sv[1]);
}

static void boundaries(int type) {
    int sv[2];
    char b[64];
    printf("-- %s\n", tname(type));
    if (socketpair(AF_UNIX, type, 0, sv)) { printf("socketpair %s\n", ename(errno)); return; }
    R("write abc", write(sv[0], "abc", 3));
    R("write defgh", write(sv[0], "defgh", 5));
    R("send empty", send(sv[0], "", 0, 0));
    R("write ij", write(sv[0], "ij", 2));
    memset(b, 0, sizeof b);
    R("recv peek 100", recv(sv[1], b, 100 > sizeof b ? sizeof b : 100, MSG_PEEK));
    printf("peeked '%s'\n", b);
    memset(b, 0, sizeof b);
    R("read 0", read(sv[1], b, 0));
    R("read 64", read(sv[1], b, 64));
    printf("got '%s'\n", b);
    memset(b, 0, sizeof b);
    R("recv 2", recv(sv[1], b, 2, MSG_DONTWAIT));
    printf("got '%s'\n", b);
    R("recv empty message", recv(sv[1], b, 8, MSG_DONTWAIT));
    R("recv 1 MSG_TRUNC", recv(sv[1], b, 1, MSG_DONTWAIT | MSG_TRUNC));
    R("recv nothing left", recv(sv[1], b, 8, MSG_DONTWAIT));
    /* sendmsg with two iovecs, recvmsg scattered over two, truncated. */
    struct iovec out[2] = {{"hello ", 6}, {"world", 5}};
    struct msghdr m = {.msg_iov = out, .msg_iovlen = 2};
    R("sendmsg 2 iovecs", sendmsg(sv[1], &m, 0));
    R("sendto no address", sendto(sv[1], "xyz", 3, 0, NULL, 0));
    char x[4] = {0}, y[5] = {0};
    struct iovec in[2] = {{x, 3}, {y, 4}};
    struct msghdr r = {.msg_iov = in, .msg_iovlen = 2};
    R("recvmsg 3+4", recvmsg(sv[0], &r, 0));
    printf("x '%s' y '%s' msg_flags 0x%x\n", x, y, r.msg_flags);
    memset(b, 0, sizeof b);
    struct sockaddr_un { unsigned short f; char p[108]; } from;
    socklen_t fl = sizeof from;
    from.f = 0xffff;
    R("recvfrom", recvfrom(sv[0], b, sizeof b, 0, (struct sockaddr *)&from, &fl));
    printf("got '%s' fromlen %d\n", b, (int)fl);
    struct iovec wv[3] = {{"one", 3}, {"", 0}, {"two", 3}};
    R("writev", writev(sv[0], wv, 3));
    char c1[2] = {0}, c2[8] = {0};
    struct iovec rv[2] = {{c1, 1}, {c2, 7}};
    R("readv", readv(sv[1], rv, 2));
    printf("readv '%s' '%s'\n", c1, c2);
    /* import_iovec(): every length is checked for < 0 before any buffer, so a negative length
     * after a kernel-space buffer is EINVAL, not EFAULT; the kernel buffer alone is EFAULT. */
    struct iovec badv[2] = {{(void *)0xffff888000000000UL, 4}, {c2, (size_t)-1}};
    struct msghdr bm = {.msg_iov = badv, .msg_iovlen = 2};
    R("sendmsg kernel buffer then negative length", sendmsg(sv[0], &bm, MSG_DONTWAIT));
    bm.msg_iovlen = 1;
    R("sendmsg kernel buffer", sendmsg(sv[0], &bm, MSG_DONTWAIT));
    R("readv kernel buffer then negative length", readv(sv[1], badv, 2));
    R("send bad buffer", send(sv[0], (void *)8, 4, 0));
    R("recv nothing", recv(sv[1], b, 8, MSG_DONTWAIT));
    R("send to an address", sendto(sv[0], "a", 1, 0, (struct sockaddr *)&from, sizeof(short) + 2));
    static char big[1 << 20];
    errno = 0; long big_r = send(sv[0], big, sizeof big, MSG_DONTWAIT);
    printf("send 1 MiB non-blocking: %s\n", big_r > 0 ? "part" : sname(errno));
    close(sv[0]); close(sv[1]);
}

static void shutdowns(int type) {
    int sv[2];
    char b[8];
    printf("-- %s shutdown\n", tname(type));
    if (socketpair(AF_UNIX, type, 0, sv)) return;
    R("write before", write(sv[0], "ab", 2));
    R("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    sigpipes = 0;
    R("write after SHUT_WR", write(sv[0], "c", 1));
    printf("sigpipes %d\n", sigpipes);
    R("send MSG_NOSIGNAL after SHUT_WR", send(sv[0], "c", 1, MSG_NOSIGNAL));
    printf("sigpipes %d\n", sigpipes);
    R("peer reads", recv(sv[1], b, 8, MSG_DONTWAIT));
    R("peer reads EOF", recv(sv[1], b, 8, MSG_DONTWAIT));
    R("peer writes", write(sv[1], "zz", 2));
    R("reader reads", recv(sv[0], b, 8, MSG_DONTWAIT));
    R("shutdown SHUT_RD", shutdown(sv[0], SHUT_RD));
    R("read after SHUT_RD", recv(sv[0], b, 8, MSG_DONTWAIT));
    sigpipes = 0;
    R("peer writes to SHUT_RD", write(sv[1], "zz", 2));
    printf("sigpipes %d\n", sigpipes);
    R("shutdown again", shutdown(sv[0], SHUT_RDWR));
    close(sv[0]); close(sv[1]);

    if (socketpair(AF_UNIX, type, 0, sv)) return;
    R("write to be left", write(sv[1], "left", 4));
    R("close", close(sv[0]));
    sigpipes = 0;
    R("write to closed peer", write(sv[1], "q", 1));
    printf("sigpipes %d\n", sigpipes);
    R("write to closed peer again", write(sv[1], "q", 1));
    printf("sigpipes %d\n", sigpipes);
    R("read from closed peer", recv(sv[1], b, 8, MSG_DONTWAIT));
    R("read from closed peer again", recv(sv[1], b, 8, MSG_DONTWAIT));
    R("shutdown after peer close", shutdown(sv[1], SHUT_WR));
    close(sv[1]);

    if (socketpair(AF_UNIX, type, 0, sv)) return;
    R("write then close", write(sv[0], "last", 4));
    close(sv[0]);
    R("read what was left", recv(sv[1], b, 8, MSG_DONTWAIT));
    R("read after", recv(sv[1], b, 8, MSG_DONTWAIT));
    close(sv[1]);
}

/* map_populate's exchange: the child writes, the parent reads, changes memory, answers. */
static void ping_pong(int type) {
    int sv[2];
    printf("-- %s fork\n", tname(type));
    if (socketpair(AF_UNIX, type, 0, sv)) return;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[1]);
        int v = 41;
        for (int i = 0; i < 3; i++) {
            if (write(sv[0], &v, sizeof v) != sizeof v) _exit(10);
            if (read(sv[0], &v, sizeof v) != sizeof v) _exit(11);
            v++;
        }
        _exit(v);
    }
    close(sv[0]);
    int v, total = 0;
    for (int i = 0; i < 3; i++) {
        if (read(sv[1], &v, sizeof v) != sizeof v) { printf("parent read failed\n"); break; }
        total += v;
        v += 100;
        write(sv[1], &v, sizeof v);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("total %d child exit %d\n", total, WEXITSTATUS(st));
    char b[4];
    R("read after child exit", recv(sv[1], b, 4, MSG_DONTWAIT));
    close(sv[1]);
}

/* A stream writer far larger than the socket's buffer, drained by a child. */
static void big_stream(void) {
    int sv[2];
    printf("-- stream big\n");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return;
    enum { N = 3 << 20 };
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        static char buf[65536];
        unsigned long sum = 0, got = 0;
        long r;
        while ((r = read(sv[1], buf, sizeof buf)) > 0) {
            for (long i = 0; i < r; i++) sum = sum * 31 + (unsigned char)buf[i];
            got += r;
        }
        printf("child got %lu sum %lu\n", got, sum);
        fflush(stdout);
        _exit(0);
    }
    close(sv[1]);
    static char data[N];
    for (long i = 0; i < N; i++) data[i] = (char)(i * 7 + i / 4096);
    long w = write(sv[0], data, N);
    printf("parent wrote %ld\n", w);
    fflush(stdout);
    close(sv[0]);
    int st;
    waitpid(pid, &st, 0);
    /* Fill a non-blocking stream: some bytes go, then EAGAIN. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) return;
    long total = 0, r;
    while ((r = write(sv[0], data, 65536)) > 0) total += r;
    printf("non-blocking fill ends %s, some written %s\n", sname(errno), total > 0 ? "yes" : "no");
    R("dgram-style send on full stream", send(sv[0], "x", 1, MSG_DONTWAIT));
    close(sv[0]); close(sv[1]);
}

static void waitall(void) {
    int sv[2];
    printf("-- MSG_WAITALL\n");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return;
    R("write 3", write(sv[0], "abc", 3));
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 20; i++) sched_yield();
        write(sv[0], "defgh", 5);
        _exit(0);
    }
    char b[16] = {0};
    R("recv MSG_WAITALL 8", recv(sv[1], b, 8, MSG_WAITALL));
    printf("got '%s'\n", b);
    int st;
    waitpid(pid, &st, 0);
    close(sv[0]); close(sv[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, on_sigpipe);
    errno_cases();
    flags_cases();
    boundaries(SOCK_STREAM);
    boundaries(SOCK_DGRAM);
    boundaries(SOCK_SEQPACKET);
    shutdowns(SOCK_STREAM);
    shutdowns(SOCK_DGRAM);
    shutdowns(SOCK_SEQPACKET);
    ping_pong(SOCK_STREAM);
    ping_pong(SOCK_DGRAM);
    ping_pong(SOCK_SEQPACKET);
    big_stream();
    waitall();
    return 0;
}
