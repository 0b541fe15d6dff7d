/*
 * mm-clear-refs: /proc/self/clear_refs as fs/proc/task_mmu.c's clear_refs_write() takes it on a
 * kernel without CONFIG_MEM_SOFT_DIRTY (the host's): "1" clears the referenced state of every
 * mapped page (smaps' Referenced drops to 0 for an anonymous mapping and for a file mapping),
 * "2" only anonymous ones, "3" only file-backed ones; "4" (soft-dirty) changes nothing a
 * program sees and pagemap's soft-dirty bit 55 stays clear, before and after writes; "5"
 * (peak RSS) is accepted. The write returns its count, clipped to 12 bytes; a type outside 1..5,
 * a non-number and hexadecimal are EINVAL, a number beyond int ERANGE; reading the file is
 * EINVAL. Exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "errname.h"

/* smaps' Referenced in kB for the VMA starting at addr. */
static long referenced(void *addr) {
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0;
    long kb = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long a;
        if (sscanf(line, "%lx-", &a) == 1 && strchr(line, '-') && strchr(line, ' ') > strchr(line, '-')) {
            in = a == (uintptr_t) addr;
            continue;
        }
        if (in && sscanf(line, "Referenced: %ld kB", &kb) == 1) break;
    }
    fclose(f);
    return kb;
}

static int soft_dirty(void *addr) {
    uint64_t e = 0;
    int f = open("/proc/self/pagemap", O_RDONLY);
    if (pread(f, &e, 8, (uintptr_t) addr / 4096 * 8) != 8) e = 0;
    close(f);
    return (int) (e >> 55 & 1);
}

static void clear(const char *s) {
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    errno = 0;
    long r = write(fd, s, strlen(s));
    printf("write \"");
    for (const char *p = s; *p; p++) printf(*p == '\n' ? "\\n" : "%c", *p);
    printf("\" -> %ld %s\n", r, r < 0 ? errname(errno) : "");
    close(fd);
}

static volatile char sink;

static void touch(char *anon, char *file) {
    for (int i = 0; i < 4; i++) {
        anon[i * 4096] = 1;
        sink = file[i * 4096];
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    char *anon = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int self = open("/proc/self/exe", O_RDONLY);
    char *file = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE, self, 0);
    if (anon == MAP_FAILED || file == MAP_FAILED) return 1;
    touch(anon, file);
    printf("referenced anon %ld file %ld\n", referenced(anon), referenced(file));
    clear("1");
    printf("after 1: anon %ld file %ld\n", referenced(anon), referenced(file));
    /* A fresh mapping's pages are referenced when first faulted. */
    char *anon2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int self2 = open("/proc/self/exe", O_RDONLY);
    char *file2 = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self2, 4096);
    anon2[0] = 1;
    sink = file2[0];
    printf("fresh: anon %ld file %ld\n", referenced(anon2), referenced(file2));
    clear("2\n");
    printf("after 2: anon %ld file %ld\n", referenced(anon2), referenced(file2));
    clear("3");
    printf("after 3: anon %ld file %ld\n", referenced(anon2), referenced(file2));

    printf("soft-dirty written page: %d\n", soft_dirty(anon));
    clear("4");
    printf("after 4: soft-dirty %d, referenced anon %ld\n", soft_dirty(anon), referenced(anon));
    anon[0] = 2;
    printf("written again: soft-dirty %d, value %d\n", soft_dirty(anon), anon[0]);
    clear("5");

    clear("0");
    clear("6");
    clear("-1");
    clear("x");
    clear("0x1");
    clear("");
    clear("  1  ");
    clear("+3");
    clear("01");
    clear("99999999999");
    clear("1234567890123456");
    int fd = open("/proc/self/clear_refs", O_RDWR);
    char buf[8];
    errno = 0;
    long r = read(fd, buf, sizeof buf);
    printf("read -> %ld %s\n", r, r < 0 ? errname(errno) : "");
    return 0;
}
