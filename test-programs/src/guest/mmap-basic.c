/*
 * mmap-basic: the anonymous-mapping cases musl's malloc relies on, with the kernel's
 * errno for each misuse. Fresh pages read as zero; a hole punched with munmap can be
 * refilled with MAP_FIXED and reads as zero again; munmap of an unaligned address and
 * mmap of length 0 fail with EINVAL; munmap of an already unmapped range succeeds;
 * mremap grows a mapping keeping its contents; MADV_DONTNEED zeroes private anonymous
 * pages; mprotect to read-only still allows reads. Prints return codes and errno names,
 * addresses only relative to the mapping. Exits 0.
 */
#define _GNU_SOURCE /* mremap, gettid */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "errname.h"

#define PAGE 4096UL

static void *anon(void *hint, size_t len, int extra_flags) {
    return mmap(hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
}

static void report_map(const char *what, void *p) {
    if (p == MAP_FAILED) {
        printf("%s: MAP_FAILED %s\n", what, errname(errno));
    } else {
        printf("%s: ok, page-aligned %s\n", what, (uintptr_t)p % PAGE == 0 ? "yes" : "no");
    }
}

static void report_rc(const char *what, int rc) {
    if (rc == 0) printf("%s: 0\n", what);
    else printf("%s: %d %s\n", what, rc, errname(errno));
}

static size_t count_nonzero(const unsigned char *p, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += p[i] != 0;
    return n;
}

int main(void) {
    errno = 0;
    report_map("mmap length 0", anon(NULL, 0, 0));
    errno = 0;
    report_map("mmap without MAP_PRIVATE/MAP_SHARED",
               mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0));
    errno = 0;
    report_map("mmap MAP_FIXED unaligned", anon((void *)(0x200000000UL + 1), PAGE, MAP_FIXED));
    errno = 0;
    report_map("mmap 2^47 bytes", anon(NULL, 1UL << 47, 0));

    unsigned char *p = anon(NULL, 3 * PAGE, 0);
    report_map("mmap 3 pages", p);
    if (p == MAP_FAILED) return 1;
    printf("fresh pages nonzero bytes: %zu\n", count_nonzero(p, 3 * PAGE));
    for (size_t i = 0; i < 3 * PAGE; i++) p[i] = (unsigned char)(i * 13 + 1);
    int same = 1;
    for (size_t i = 0; i < 3 * PAGE; i++) same &= p[i] == (unsigned char)(i * 13 + 1);
    printf("written pattern reads back: %s\n", same ? "yes" : "no");

    errno = 0;
    report_rc("munmap unaligned address", munmap(p + 1, PAGE));
    errno = 0;
    report_rc("munmap length 0", munmap(p, 0));
    errno = 0;
    report_rc("munmap middle page", munmap(p + PAGE, PAGE));
    errno = 0;
    report_rc("munmap middle page again", munmap(p + PAGE, PAGE));
    unsigned char *hole = anon(p + PAGE, PAGE, MAP_FIXED);
    report_map("mmap MAP_FIXED into hole", hole);
    printf("refilled at offset: %ld\n", (long)(hole - p));
    printf("refilled page nonzero bytes: %zu\n", count_nonzero(hole, PAGE));
    printf("neighbours kept: %s\n",
           p[0] == 1 && p[2 * PAGE] == (unsigned char)(2 * PAGE * 13 + 1) ? "yes" : "no");

    errno = 0;
    report_rc("madvise MADV_DONTNEED first page", madvise(p, PAGE, MADV_DONTNEED));
    printf("first page nonzero bytes after DONTNEED: %zu\n", count_nonzero(p, PAGE));

    p[0] = 0x5A;
    unsigned char *q = mremap(p, PAGE, 8 * PAGE, MREMAP_MAYMOVE);
    report_map("mremap 1 -> 8 pages", q);
    if (q == MAP_FAILED) return 1;
    printf("mremap kept first byte: %s\n", q[0] == 0x5A ? "yes" : "no");
    printf("mremap new pages nonzero bytes: %zu\n", count_nonzero(q + PAGE, 7 * PAGE));
    q[8 * PAGE - 1] = 1;

    errno = 0;
    report_rc("mprotect read-only", mprotect(q, 8 * PAGE, PROT_READ));
    printf("read after mprotect: %u\n", q[0]);
    errno = 0;
    report_rc("munmap grown mapping", munmap(q, 8 * PAGE));
    errno = 0;
    if (q != p) report_rc("munmap rest of first mapping", munmap(p, 3 * PAGE));
    else report_rc("munmap rest of first mapping", munmap(p + PAGE, 2 * PAGE));
    unsigned char *again = anon(NULL, PAGE, 0);
    report_map("mmap after unmapping everything", again);
    again[0] = 1;
    printf("remapped page usable: %s\n", again[0] == 1 ? "yes" : "no");
    return 0;
}
