/*
 * proc-pipe-checksum: processes taking turns on one CPU through pipes. (1) A child writes
 * 1.2 MB of a deterministic byte stream into a pipe in chunks of varying size while the
 * parent reads it in chunks of other sizes and checksums it; (2) a two-stage pipeline as a
 * shell builds it (`seq 1 20000 | wc -c`): two children joined by a pipe, the parent waiting
 * for both; (3) three rounds of a parent and child passing a token back and forth through
 * two pipes 2,000 times. Each side computes in between, so time slices end inside user code.
 * Prints byte counts and checksums, and each child's exit status. Exits 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STREAM_BYTES 1200000L

static uint8_t stream_byte(long i) { return (uint8_t)((i * 2654435761u) >> 13); }

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int wait_status(pid_t pid) {
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void stream_through_pipe(void) {
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); exit(1); }
    pid_t child = fork();
    if (child == 0) {
        close(p[0]);
        static uint8_t buf[7919];
        long i = 0;
        for (int round = 0; i < STREAM_BYTES; round++) {
            size_t n = 1 + (size_t)(round * 4093) % sizeof buf;
            if (n > (size_t)(STREAM_BYTES - i)) n = (size_t)(STREAM_BYTES - i);
            for (size_t k = 0; k < n; k++) buf[k] = stream_byte(i + (long)k);
            if (write_all(p[1], buf, n) != 0) _exit(2);
            i += (long)n;
        }
        _exit(0);
    }
    close(p[1]);
    static uint8_t buf[5003];
    long total = 0, bad = 0;
    uint64_t sum = 1469598103934665603ULL;
    for (int round = 0;; round++) {
        size_t want = 1 + (size_t)(round * 3571) % sizeof buf;
        ssize_t r = read(p[0], buf, want);
        if (r <= 0) break;
        for (ssize_t k = 0; k < r; k++) {
            if (buf[k] != stream_byte(total + k)) bad++;
            sum = (sum ^ buf[k]) * 1099511628211ULL;
        }
        total += r;
    }
    close(p[0]);
    printf("stream: %ld bytes, %ld wrong, checksum %016llx, writer exited %d\n", total, bad,
           (unsigned long long)sum, wait_status(child));
}

static void seq_wc_pipeline(void) {
    int p[2];
    int out[2];
    if (pipe(p) != 0 || pipe(out) != 0) { perror("pipe"); exit(1); }
    pid_t seq = fork();
    if (seq == 0) {
        close(p[0]);
        close(out[0]);
        close(out[1]);
        char line[16];
        for (int i = 1; i <= 20000; i++) {
            int n = snprintf(line, sizeof line, "%d\n", i);
            if (write_all(p[1], line, (size_t)n) != 0) _exit(3);
        }
        _exit(0);
    }
    pid_t wc = fork();
    if (wc == 0) {
        close(p[1]);
        close(out[0]);
        char buf[1000];
        long bytes = 0, lines = 0;
        ssize_t r;
        while ((r = read(p[0], buf, sizeof buf)) > 0) {
            bytes += r;
            for (ssize_t k = 0; k < r; k++) lines += buf[k] == '\n';
        }
        char msg[64];
        int n = snprintf(msg, sizeof msg, "%ld %ld", lines, bytes);
        _exit(write_all(out[1], msg, (size_t)n) == 0 ? 0 : 4);
    }
    close(p[0]);
    close(p[1]);
    close(out[1]);
    char msg[64] = {0};
    ssize_t r = read(out[0], msg, sizeof msg - 1);
    close(out[0]);
    int s1 = wait_status(seq), s2 = wait_status(wc);
    printf("seq 1 20000 | wc: %s (%zd bytes of report), seq exited %d, wc exited %d\n", msg, r, s1, s2);
}

static void ping_pong(int round) {
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0) { perror("pipe"); exit(1); }
    pid_t child = fork();
    if (child == 0) {
        close(down[1]);
        close(up[0]);
        uint32_t token;
        volatile uint64_t work = 0;
        while (read(down[0], &token, sizeof token) == sizeof token) {
            for (uint32_t k = 0; k < (token % 97) * 50; k++) work += k;
            token = token * 1664525u + 1013904223u;
            if (write_all(up[1], &token, sizeof token) != 0) _exit(5);
        }
        _exit(round);
    }
    close(down[0]);
    close(up[1]);
    uint32_t token = (uint32_t)round + 1, mine = token;
    int wrong = 0;
    volatile uint64_t work = 0;
    for (int i = 0; i < 2000; i++) {
        if (write_all(down[1], &token, sizeof token) != 0) break;
        if (read(up[0], &token, sizeof token) != sizeof token) break;
        mine = mine * 1664525u + 1013904223u;
        if (token != mine) wrong++;
        for (uint32_t k = 0; k < (token % 89) * 50; k++) work += k;
    }
    close(down[1]);
    close(up[0]);
    printf("ping-pong %d: token %08x, %d wrong, child exited %d\n", round, token, wrong, wait_status(child));
}

int main(void) {
    stream_through_pipe();
    seq_wc_pipeline();
    for (int round = 1; round <= 3; round++) ping_pong(round);
    return 0;
}
