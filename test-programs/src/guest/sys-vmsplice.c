/*
 * sys-vmsplice: vmsplice(2) (fs/splice.c) and the pipe's slots it shares with read/write
 * (fs/pipe.c): EINVAL for flags, too many iovecs or a negative length; EBADF for a bad
 * descriptor and, once there is something to move, for a file that is not a pipe; EFAULT for the
 * iovec array and kernel addresses. Into a pipe: each piece of user page takes one of the 16
 * slots (an unaligned 64 KiB buffer fits 65436 bytes), write() does not merge into those slots,
 * a full pipe is EAGAIN only with SPLICE_F_NONBLOCK (the file's O_NONBLOCK does not count: it
 * waits for a reader), pages GUP refuses (holes, PROT_NONE, write-only, memfd_secret) end it
 * with EFAULT or the bytes before, an untouched page gives zeros, COW after fork() keeps what the
 * pipe got, no reader is EPIPE with SIGPIPE. Out of a pipe (its read end): the bytes, EAGAIN
 * with SPLICE_F_NONBLOCK, a wait without it, EFAULT without consuming, 0 without writers.
 * Exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calls.h"

#define NR_MEMFD_SECRET 447

static long vs(int fd, const void *iov, unsigned long n, unsigned flags) {
    return syscall(SYS_vmsplice, fd, iov, n, flags);
}

static volatile int sig;
static void on_signal(int s) { sig = s; }

/* Reads what the pipe holds (its read end non-blocking) and returns the count. */
static long drain(int rfd, char *buf, size_t size) {
    long total = 0, k;
    while ((k = read(rfd, buf, size)) > 0) total += k;
    return total;
}

/* cow.c's vmsplice cases: the pipe keeps the bytes it got when the page is then written in a child. */
static void cow_case(const char *what, int before_fork) {
    int p[2], ready[2];
    pipe(p);
    pipe(ready);
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'o', 4096);
    struct iovec iov = {m, 4096};
    long n = before_fork ? vs(p[1], &iov, 1, 0) : 0;
    pid_t c = fork();
    if (c == 0) {
        memset(m, 'n', 4096); /* breaks COW in the child */
        write(ready[1], "x", 1);
        _exit(0);
    }
    if (!before_fork) n = vs(p[1], &iov, 1, 0);
    char x;
    read(ready[0], &x, 1);
    waitpid(c, NULL, 0);
    if (before_fork) munmap(m, 4096);
    char buf[4096];
    long got = read(p[0], buf, sizeof buf);
    printf("%-40s %ld %ld %c%c\n", what, n, got, buf[0], buf[4095]);
    close(p[0]);
    close(p[1]);
    close(ready[0]);
    close(ready[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    static char buf[70000];
    int p[2];
    pipe(p);
    char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'a', 1 << 20);
    struct iovec iov = {m, 10};
    CALL("flags 0x10", vs(p[1], &iov, 1, 0x10));
    CALL("flags 0x10 and bad fd", vs(99, &iov, 1, 0x10));
    CALL("bad fd", vs(99, &iov, 1, 0));
    CALL("every SPLICE_F flag", vs(p[1], &iov, 1, 0xf));
    CALL("read it back", read(p[0], buf, sizeof buf));
    int dn = open("/dev/null", O_WRONLY);
    CALL("/dev/null", vs(dn, &iov, 1, 0));
    CALL("/dev/null, no iovec", vs(dn, &iov, 0, 0));
    struct iovec empty = {m, 0};
    CALL("/dev/null, empty iovec", vs(dn, &empty, 1, 0));
    CALL("/dev/null, bad iovec array", vs(dn, (void *) 8, 1, 0));
    CALL("1025 iovecs", vs(p[1], &iov, 1025, 0));
    CALL("bad iovec array", vs(p[1], (void *) 8, 1, 0));
    struct iovec neg = {m, (size_t) -1};
    CALL("negative length", vs(p[1], &neg, 1, 0));
    struct iovec kern = {(void *) 0xffff800000000000UL, 10};
    CALL("kernel address", vs(p[1], &kern, 1, 0));

    /* Slots: 16 pieces of page at most, whatever their size. */
    struct iovec big = {m + 100, 65536};
    CALL("64 KiB at offset 100", vs(p[1], &big, 1, 0));
    CALL("full, SPLICE_F_NONBLOCK", vs(p[1], &iov, 1, 2));
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    CALL("write to the full pipe, O_NONBLOCK", write(p[1], "x", 1));
    CALL("read 5000", read(p[0], buf, 5000));
    CALL("write 1 byte (a new slot)", write(p[1], "x", 1));
    CALL("write 1 byte (merged)", write(p[1], "y", 1));
    CALL("full again, SPLICE_F_NONBLOCK", vs(p[1], &iov, 1, 2));
    if (fork() == 0) {
        read(p[0], buf, 4096);
        _exit(0);
    }
    CALL("full, O_NONBLOCK file: waits", vs(p[1], &iov, 1, 0));
    wait(NULL);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    CALL("drained", drain(p[0], buf, sizeof buf));
    struct iovec small[3] = {{m, 1}, {m + 1, 2}, {m + 3, 3}};
    for (int i = 0; i < 6; i++) vs(p[1], small, 3, 0);
    CALL("18 slots of 1-3 bytes: 16 fit", drain(p[0], buf, sizeof buf));

    /* Out of the pipe through its read end. */
    struct iovec rd = {buf, 100};
    CALL("read end, empty, SPLICE_F_NONBLOCK", vs(p[0], &rd, 1, 2));
    if (fork() == 0) {
        write(p[1], "late", 4);
        _exit(0);
    }
    CALL("read end, empty, O_NONBLOCK file: waits", vs(p[0], &rd, 1, 0));
    wait(NULL);
    write(p[1], "hello", 5);
    struct iovec rd2[2] = {{buf, 2}, {buf + 10, 100}};
    CALL("read end, two iovecs", vs(p[0], rd2, 2, 0));
    printf("%-40s %.2s %.3s\n", "bytes", buf, buf + 10);
    write(p[1], "hello", 5);
    struct iovec rdbad = {(void *) 4096, 100};
    CALL("read end, bad buffer", vs(p[0], &rdbad, 1, 0));
    CALL("read end, after it", vs(p[0], &rd, 1, 0));

    /* Pages get_user_pages_fast() refuses. */
    char *q = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(q + 4096, 4096);
    struct iovec part = {q, 8192};
    CALL("a page then a hole", vs(p[1], &part, 1, 0));
    mprotect(q + 8192, 4096, PROT_NONE);
    struct iovec pn = {q + 8192, 100};
    CALL("PROT_NONE", vs(p[1], &pn, 1, 0));
    char *w = mmap(NULL, 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec wo = {w, 100};
    CALL("PROT_WRITE only", vs(p[1], &wo, 1, 0));
    struct iovec two[2] = {{m, 10}, {(void *) 4096, 10}};
    CALL("second iovec unmapped", vs(p[1], two, 2, 0));
    drain(p[0], buf, sizeof buf);
    int sfd = syscall(NR_MEMFD_SECRET, 0);
    ftruncate(sfd, 4096);
    char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    struct iovec si = {s, 100};
    CALL("memfd_secret, not faulted", vs(p[1], &si, 1, 0));
    memset(s, 0x55, 4096);
    CALL("memfd_secret, faulted", vs(p[1], &si, 1, 0));
    struct iovec mixed[2] = {{m, 10}, {s, 10}};
    CALL("anonymous then memfd_secret", vs(p[1], mixed, 2, 0));
    drain(p[0], buf, sizeof buf);

    /* An untouched page is the zero page: the pipe keeps zeros after a store. */
    char *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec fi = {f, 8};
    CALL("untouched page", vs(p[1], &fi, 1, 0));
    memset(f, 'C', 4096);
    CALL("read it", read(p[0], buf, 8));
    printf("%-40s %d %d\n", "bytes", buf[0], buf[7]);
    cow_case("vmsplice before fork, child writes", 1);
    cow_case("vmsplice after fork, child writes", 0);

    /* No reader left. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGPIPE, &sa, NULL);
    close(p[0]);
    CALL("no reader", vs(p[1], &iov, 1, 0));
    printf("%-40s %d\n", "signal", sig);
    sig = 0;
    CALL("write 0 bytes, no reader", write(p[1], buf, 0));
    printf("%-40s %d\n", "signal", sig);
    int p2[2];
    pipe(p2);
    close(p2[1]);
    CALL("read end, no writer", vs(p2[0], &rd, 1, 0));
    return 0;
}
