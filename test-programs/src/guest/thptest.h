/*
 * thptest.h: what the transparent-huge-page guests share: /proc and sysfs files read whole into
 * one static buffer with raw syscalls (no malloc), smaps' AnonHugePages of a range, and the
 * files of /sys/kernel/mm/transparent_hugepage read and written with errno names.
 */
#ifndef MMEMU_GUEST_THPTEST_H
#define MMEMU_GUEST_THPTEST_H

#include "mmtest.h"
#include <stdlib.h>

static char buf[1 << 20];

/* Reads a whole /proc file into buf with raw syscalls (no malloc): its length, or -1. */
static long slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    long n = 0, r;
    while (n < (long)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* The value after "name" at the start of a line of buf ("name value" or "name:   value kB"), or -1. */
static __attribute__((unused)) long field(const char *name) {
    size_t len = strlen(name);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, name, len) == 0 && (line[len] == ' ' || line[len] == ':')) {
            return strtol(line + len + 1, NULL, 10);
        }
    }
    return -1;
}

/* AnonHugePages in kB of the VMAs inside [lo, hi): the sum of smaps' per-VMA lines. */
static __attribute__((unused)) long anon_huge_kb(uintptr_t lo, uintptr_t hi) {
    if (slurp("/proc/self/smaps") < 0) return -1;
    long kb = 0;
    int inside = 0;
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = s >= lo && e <= hi;
        } else if (inside && strncmp(line, "AnonHugePages:", 14) == 0) {
            kb += strtol(line + 14, NULL, 10);
        }
    }
    return kb;
}

#define SYSFS "/sys/kernel/mm/transparent_hugepage/"

/* The first line of a sysfs file, or the errno name. */
static __attribute__((unused)) const char *sysfs_read(const char *name) {
    char path[128];
    snprintf(path, sizeof path, SYSFS "%s", name);
    if (slurp(path) < 0) return ename(errno);
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    return buf;
}

/* Writes text to a sysfs file: "ok" or the errno name. */
static __attribute__((unused)) const char *sysfs_write(const char *name, const char *text) {
    char path[128];
    snprintf(path, sizeof path, SYSFS "%s", name);
    int fd = open(path, O_WRONLY);
    if (fd < 0) return ename(errno);
    long n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    return n == (long)strlen(text) ? "ok" : ename(e);
}

#endif
