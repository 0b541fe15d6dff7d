/*
 * touch-pages [N]: one anonymous mmap of N pages (default 1000), one 8-byte store per
 * page, then a read-back pass that checks every value and folds it into a checksum.
 * Checks demand-zero faults on first write, that each page keeps its own contents, and
 * gives the benchmarks a page-fault-bound workload (they run it with N = 200000).
 * The stored value and its offset within the page depend only on the page index, so
 * the output does not depend on where the kernel placed the mapping. Prints
 * "checksum <16 hex digits>" and "touched N pages"; exits 0, or 1 on a bad argument
 * or a mismatch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096UL

static uint64_t value_for(uint64_t index) {
    return (index + 1) * 0x9E3779B97F4A7C15ULL;
}

/* A different offset per page, so neither pass touches the same cache line every time. */
static uint64_t slot_for(uint64_t index) {
    return (index * 8) % (PAGE / sizeof(uint64_t));
}

int main(int argc, char **argv) {
    long n = 1000;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 10);
        if (*end != '\0' || n <= 0) {
            fprintf(stderr, "touch-pages: N must be a positive integer, got '%s'\n", argv[1]);
            return 1;
        }
    }
    unsigned char *base = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("touch-pages: mmap");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        uint64_t *page = (uint64_t *)(base + (size_t)i * PAGE);
        page[slot_for(i)] = value_for(i);
    }
    uint64_t checksum = 0;
    for (long i = 0; i < n; i++) {
        uint64_t *page = (uint64_t *)(base + (size_t)i * PAGE);
        uint64_t v = page[slot_for(i)];
        if (v != value_for(i)) {
            fprintf(stderr, "touch-pages: page %ld holds %016llx, expected %016llx\n",
                    i, (unsigned long long)v, (unsigned long long)value_for(i));
            return 1;
        }
        /* An untouched word of the page must still read as zero (demand-zero page). */
        if (page[(slot_for(i) + 1) % (PAGE / sizeof(uint64_t))] != 0) {
            fprintf(stderr, "touch-pages: page %ld is not zero-filled\n", i);
            return 1;
        }
        checksum = (checksum ^ v) * 0x100000001B3ULL + (uint64_t)i;
    }
    printf("checksum %016llx\n", (unsigned long long)checksum);
    printf("touched %ld pages\n", n);
    return 0;
}
