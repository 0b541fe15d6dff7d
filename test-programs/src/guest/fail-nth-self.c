/*
 * fail-nth-self [inject]: systematic fault injection driven from inside, as Linux's
 * Documentation/fault-injection/fault-injection.rst shows it. Without an argument it only says
 * how to run it (a kernel without CONFIG_FAULT_INJECTION has no fail-nth file). With "inject"
 * (under mmemu): it turns failslab's ignore-gfp-wait off through debugfs, then
 *   - writes 1 to /proc/thread-self/fail-nth, calls mmap(), prints the result, errno and what
 *     fail-nth reads back (0: the fault was injected), then the same with 2 (the one mmap makes
 *     one slab allocation, so nothing fails and 1 is left), then writes 0 (disarmed);
 *   - writes what proc_fail_nth_write() refuses: "abc" (EINVAL), "-1" (EINVAL), 2^32 (ERANGE);
 *   - fails the i-th slab allocation of fork() for i = 1, 2, ... until fork() succeeds, one line
 *     per i, through /proc/self/task/TID/fail-nth; the last line tells how many allocations
 *     fork() makes;
 *   - arms another process: the parent writes 1 to /proc/CHILD/fail-nth while the child waits
 *     on a pipe; the child's next mmap() fails (it exits with the errno), its own fail-nth having
 *     started at 0 (fork() does not pass it on).
 * Exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "errname.h"

static const char *ename(int e) {
    return e == ERANGE ? "ERANGE" : errname(e);
}

static long put(int fd, const char *s) {
    long r = pwrite(fd, s, strlen(s), 0);
    return r < 0 ? -errno : r;
}

static long readback(int fd) {
    char buf[32] = {0};
    if (pread(fd, buf, sizeof buf - 1, 0) < 0) return -1;
    return strtol(buf, NULL, 10);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "inject") != 0) {
        printf("fail-nth-self: run with 'inject' under mmemu\n");
        return 0;
    }
    int gfp = open("/sys/kernel/debug/failslab/ignore-gfp-wait", O_WRONLY);
    if (gfp < 0 || put(gfp, "N") < 0) {
        printf("ignore-gfp-wait: %s\n", ename(errno));
        return 1;
    }
    close(gfp);
    int fd = open("/proc/thread-self/fail-nth", O_RDWR);
    if (fd < 0) {
        printf("open fail-nth: %s\n", ename(errno));
        return 1;
    }
    printf("fail-nth reads %ld\n", readback(fd));
    for (int n = 1; n <= 2; n++) {
        char num[16];
        snprintf(num, sizeof num, "%d", n);
        put(fd, num);
        errno = 0;
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        int e = p == MAP_FAILED ? errno : 0;
        printf("fail-nth %d: mmap %s errno %s, fail-nth reads %ld\n", n, p == MAP_FAILED ? "failed" : "succeeded",
               ename(e), readback(fd));
        if (p != MAP_FAILED) munmap(p, 4096);
    }
    put(fd, "0");
    printf("after writing 0: fail-nth reads %ld\n", readback(fd));
    const char *bad[] = {"abc", "-1", "4294967296", "7\n"};
    for (int i = 0; i < 4; i++) {
        long r = put(fd, bad[i]);
        printf("write \"%s\": %s\n", i == 3 ? "7\\n" : bad[i], r < 0 ? ename((int)-r) : "ok");
    }
    put(fd, "0");
    close(fd);

    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
    fd = open(path, O_RDWR);
    if (fd < 0) {
        printf("open task fail-nth: %s\n", ename(errno));
        return 1;
    }
    for (int i = 1; i < 100; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", i);
        put(fd, num);
        fflush(stdout);
        pid_t pid = fork();
        int e = errno;
        if (pid == 0) _exit(0);
        long left = readback(fd);
        if (pid > 0) waitpid(pid, NULL, 0);
        printf("%d-th fault %c: fork %s\n", i, left ? 'N' : 'Y', pid < 0 ? ename(e) : "succeeded");
        if (left) {
            put(fd, "0");
            printf("fork made %d failable allocations\n", i - 1);
            break;
        }
    }
    close(fd);

    int go[2], ready[2];
    if (pipe(go) != 0 || pipe(ready) != 0) return 1;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char c;
        int own = open("/proc/self/fail-nth", O_RDONLY);
        long inherited = readback(own);
        if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1) _exit(99);
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        _exit(inherited != 0 ? 98 : p == MAP_FAILED ? errno : 0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1) return 1;
    snprintf(path, sizeof path, "/proc/%d/fail-nth", (int)child);
    fd = open(path, O_RDWR);
    printf("parent arms the child: %s\n", fd >= 0 && put(fd, "1") > 0 ? "ok" : ename(errno));
    if (write(go[1], "x", 1) != 1) return 1;
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) > 90) printf("child: fail-nth inherited or no pipe (%d)\n", WEXITSTATUS(status));
    else printf("child's mmap: %s\n", WIFEXITED(status) ? (WEXITSTATUS(status) ? ename(WEXITSTATUS(status)) : "ok") : "killed");
    return 0;
}
