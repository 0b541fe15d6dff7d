/*
 * failslab-debugfs [inject]: fault injection configured from inside through the files Linux
 * offers. Without an argument it only says how to run it (a kernel without
 * CONFIG_FAULT_INJECTION_DEBUG_FS has none of these files). With "inject" (under mmemu):
 *   - reads failslab's debugfs files (Linux's defaults), writes bad values (EINVAL) and
 *     numbers in other bases;
 *   - arms failslab (probability 100, times 1, ignore-gfp-wait N) with cache-filter Y and
 *     vm_area_struct marked in /sys/kernel/slab/vm_area_struct/failslab: one mmap() fails with
 *     ENOMEM, times reads 0, the next succeeds;
 *   - task-filter: with make-it-fail 0 nothing fails; once /proc/self/make-it-fail is 1, mmap()
 *     fails;
 *   - fail_page_alloc (min-order 0, both ignore flags N, times 1): fork() gets ENOMEM;
 *   - fail_futex (times 1): FUTEX_WAKE on a private word gets EFAULT, the next 0; with
 *     ignore-private Y a private futex no longer fails.
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

#define FUTEX_WAKE_PRIVATE (1 | 128) /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */

static const char *ename(int e) {
    return e == ERANGE ? "ERANGE" : errname(e);
}

/* Writes s to the file; returns 0 or -errno. */
static int put(const char *path, const char *s) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -errno;
    long r = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    return r < 0 ? -e : 0;
}

/* The file's contents without the newline, into a static buffer. */
static const char *get(const char *path) {
    static char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return ename(errno);
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return ename(errno);
    buf[n] = 0;
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
    return buf;
}

#define FS "/sys/kernel/debug/failslab/"
#define PA "/sys/kernel/debug/fail_page_alloc/"
#define FF "/sys/kernel/debug/fail_futex/"

static void show(const char *dir, const char *name) {
    char path[128];
    snprintf(path, sizeof path, "%s%s", dir, name);
    printf("%s%s = %s\n", strstr(dir, "debug/") + 6, name, get(path));
}

static void try_write(const char *path, const char *value) {
    int r = put(path, value);
    printf("write %s to %s: %s\n", value, strstr(path, "debug/") ? strstr(path, "debug/") + 6 : path,
           r ? ename(-r) : "ok");
}

static const char *try_mmap(void) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return ename(errno);
    munmap(p, 4096);
    return "ok";
}

static const char *try_fork(void) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid < 0) return ename(errno);
    waitpid(pid, NULL, 0);
    return "ok";
}

static const char *try_wake(int *word) {
    long r = syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return r < 0 ? ename(errno) : "ok";
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "inject") != 0) {
        printf("failslab-debugfs: run with 'inject' under mmemu\n");
        return 0;
    }
    static int word;
    /* Everything the armed steps run is faulted in first: a fault must not take the injection. */
    printf("warm-up: mmap %s, fork %s, wake %s\n", try_mmap(), try_fork(), try_wake(&word));

    const char *names[] = {"probability", "interval", "times", "space", "verbose", "task-filter",
                           "cache-filter", "ignore-gfp-wait", "verbose_ratelimit_burst"};
    for (int i = 0; i < 9; i++) show(FS, names[i]);
    show(PA, "min-order");
    show(PA, "ignore-gfp-highmem");
    show(FF, "ignore-private");
    try_write(FS "probability", "abc");
    try_write(FS "ignore-gfp-wait", "x");
    try_write(FS "interval", "0x10");
    show(FS, "interval");
    try_write(FS "interval", "1");
    try_write(FS "times", "-1");
    show(FS, "times");
    try_write(FS "space", "99999999999999999999");

    /* failslab with cache-filter: only vm_area_struct may fail. */
    try_write("/sys/kernel/slab/vm_area_struct/failslab", "1");
    printf("slab/vm_area_struct/failslab = %s\n", get("/sys/kernel/slab/vm_area_struct/failslab"));
    try_write(FS "verbose", "1");
    try_write(FS "ignore-gfp-wait", "N");
    try_write(FS "cache-filter", "Y");
    try_write(FS "times", "1");
    try_write(FS "probability", "100");
    printf("mmap: %s\n", try_mmap());
    show(FS, "times");
    printf("mmap again: %s\n", try_mmap());

    /* task-filter: only tasks with make-it-fail set. */
    try_write(FS "task-filter", "Y");
    try_write(FS "times", "1");
    printf("mmap, make-it-fail %s: %s\n", get("/proc/self/make-it-fail"), try_mmap());
    try_write("/proc/self/make-it-fail", "2");
    try_write("/proc/self/make-it-fail", "1");
    printf("mmap, make-it-fail %s: %s\n", get("/proc/self/make-it-fail"), try_mmap());
    try_write("/proc/self/make-it-fail", "0");
    try_write(FS "probability", "0");

    /* fail_page_alloc: the next page allocation fails, fork() gets ENOMEM. */
    try_write(PA "min-order", "0");
    try_write(PA "ignore-gfp-wait", "N");
    try_write(PA "ignore-gfp-highmem", "N");
    try_write(PA "verbose", "1");
    try_write(PA "times", "1");
    try_write(PA "probability", "100");
    printf("fork: %s\n", try_fork());
    show(PA, "times");
    try_write(PA "probability", "0");

    /* fail_futex */
    try_write(FF "verbose", "1");
    try_write(FF "times", "1");
    try_write(FF "probability", "100");
    printf("futex wake: %s\n", try_wake(&word));
    printf("futex wake again: %s\n", try_wake(&word));
    try_write(FF "ignore-private", "Y");
    try_write(FF "times", "1");
    printf("futex wake, ignore-private: %s\n", try_wake(&word));
    show(FF, "times");
    try_write(FF "probability", "0");
    return 0;
}
