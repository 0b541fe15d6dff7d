/*
 * proc-random-pipes SEED: a random pipeline of processes, drawn from SEED. The root starts
 * 3 to 6 stages joined by pipes; stage 0 produces up to 300 KB of a seeded byte stream, each
 * later stage reads what the stage before wrote (in chunks of random sizes), transforms every
 * byte and writes it on (in other random chunk sizes), and the root reads the last pipe and
 * checksums it. On the way some stages exec this program again in relay mode (the pipes
 * survive exec), some fork a helper that computes and exits with a code of its own, and some
 * compute between chunks, so time slices end everywhere. Whatever order the processes run in,
 * the output is the same: the byte count, the checksum and every process's exit status.
 * Exits 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rng;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void burn(uint32_t rounds) {
    volatile uint64_t x = rounds;
    for (uint32_t i = 0; i < rounds; i++) x = x * 6364136223846793005ULL + 1;
}

/* One stage: read in, add `key` to every byte, write out; chunk sizes and work from `seed`. */
static int relay(int in, int out, uint32_t key, uint64_t seed) {
    rng = seed;
    static uint8_t buf[9000];
    for (;;) {
        size_t want = 1 + next() % sizeof buf;
        ssize_t r = read(in, buf, want);
        if (r < 0) return 3;
        if (r == 0) return 0;
        for (ssize_t k = 0; k < r; k++) buf[k] = (uint8_t)(buf[k] + key);
        if (next() % 4 == 0) burn(next() % 20000);
        if (write_all(out, buf, (size_t)r) != 0) return 4;
    }
}

static int produce(int out, long bytes, uint64_t seed) {
    rng = seed;
    static uint8_t buf[7000];
    long sent = 0;
    while (sent < bytes) {
        size_t n = 1 + next() % sizeof buf;
        if ((long)n > bytes - sent) n = (size_t)(bytes - sent);
        for (size_t k = 0; k < n; k++) buf[k] = (uint8_t)(next() >> 3);
        if (write_all(out, buf, n) != 0) return 5;
        sent += (long)n;
        if (next() % 8 == 0) burn(next() % 30000);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "relay") == 0) {
        return relay(atoi(argv[2]), atoi(argv[3]), (uint32_t)strtoul(argv[4], NULL, 10), strtoull(argv[5], NULL, 10));
    }
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    int stages = 3 + (int)(next() % 4);
    long bytes = 1 + (long)(next() % 300000);
    printf("seed %llu: %d stages, %ld bytes\n", (unsigned long long)seed, stages, bytes);
    fflush(stdout);
    int in = -1;
    pid_t pids[8], helpers[8];
    uint32_t expected_key = 0;
    for (int s = 0; s < stages; s++) {
        int p[2];
        if (pipe(p) != 0) { perror("pipe"); return 1; }
        uint32_t key = next() % 256;
        uint64_t stage_seed = ((uint64_t)next() << 32) | next();
        int how = (int)(next() % 3); /* 0: in place, 1: exec relay, 2: with a helper */
        helpers[s] = -1;
        if (s > 0) expected_key += key;
        pids[s] = fork();
        if (pids[s] < 0) { perror("fork"); return 1; }
        if (pids[s] == 0) {
            close(p[0]);
            if (s == 0) _exit(produce(p[1], bytes, stage_seed));
            if (how == 1) {
                char a[4][24];
                snprintf(a[0], sizeof a[0], "%d", in);
                snprintf(a[1], sizeof a[1], "%d", p[1]);
                snprintf(a[2], sizeof a[2], "%u", key);
                snprintf(a[3], sizeof a[3], "%llu", (unsigned long long)stage_seed);
                char *args[] = {"proc-random-pipes", "relay", a[0], a[1], a[2], a[3], NULL};
                char *env[] = {NULL};
                execve("/proc/self/exe", args, env);
                _exit(127);
            }
            if (how == 2) {
                pid_t h = fork();
                if (h == 0) {
                    close(in);
                    close(p[1]);
                    burn(50000 + (uint32_t)(stage_seed % 100000));
                    _exit(40 + s);
                }
                int rc = relay(in, p[1], key, stage_seed);
                int st;
                waitpid(h, &st, 0);
                _exit(rc != 0 ? rc : WIFEXITED(st) ? WEXITSTATUS(st) : 100);
            }
            _exit(relay(in, p[1], key, stage_seed));
        }
        close(p[1]);
        if (in >= 0) close(in);
        in = p[0];
        helpers[s] = how;
    }
    /* The root reads the last pipe and checks every byte against the stream it can recompute. */
    static uint8_t buf[6000];
    uint64_t sum = 1469598103934665603ULL;
    long total = 0;
    ssize_t r;
    while ((r = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t k = 0; k < r; k++) sum = (sum ^ buf[k]) * 1099511628211ULL;
        total += r;
    }
    close(in);
    printf("received %ld bytes, checksum %016llx, key sum %u\n", total, (unsigned long long)sum, expected_key % 256);
    for (int s = 0; s < stages; s++) {
        int st;
        waitpid(pids[s], &st, 0);
        printf("stage %d (%s): ", s, s == 0 ? "producer" : helpers[s] == 1 ? "exec relay" : helpers[s] == 2 ? "relay with helper" : "relay");
        if (WIFSIGNALED(st)) printf("killed by signal %d\n", WTERMSIG(st));
        else printf("exited %d\n", WEXITSTATUS(st));
    }
    return 0;
}
