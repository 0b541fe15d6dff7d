/*
 * tlb-set-conflicts: data pages that fight over the same sets of a set-associative TLB. Maps
 * 1024 pages and, for 300 rounds, reads and writes a sequence of them whose strides (1, 16, 64,
 * 256 and 512 pages) put several pages in one set of any power-of-two-set TLB, interleaved with
 * repeats of the same page and with the stack, so that lookups hit the most recently used entry
 * of a set, a less recent one, and miss after an eviction; then cycles through 3 to 9 pages of
 * one set in turn, which a least-recently-used set of fewer ways misses on every time. Precise mode's tests compare its
 * counts with those of its reference mode on it. Prints "checksum <16 hex digits>"; exits 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define PAGE 4096UL
#define PAGES 1024
#define ROUNDS 300

int main(void) {
    static const unsigned strides[] = {1, 16, 64, 256, 512};
    volatile uint64_t *mem = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return 1;
    uint64_t sum = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        unsigned stride = strides[round % 5];
        for (unsigned k = 0; k < 12; k++) {
            unsigned page = (round * 7 + k * stride) % PAGES;
            volatile uint64_t *slot = mem + page * (PAGE / 8) + (k * 8) % (PAGE / 8);
            *slot += round + k;     /* a read and a write of the page */
            sum = sum * 31 + *slot; /* the same page again */
            sum ^= mem[((page + stride) % PAGES) * (PAGE / 8)]; /* another page of the set */
        }
    }
    for (unsigned round = 0; round < ROUNDS; round++) {
        unsigned stride = strides[1 + round % 4], ways = 3 + round % 7;
        for (unsigned rep = 0; rep < 4; rep++) {
            for (unsigned j = 0; j < ways; j++) {
                volatile uint64_t *slot = mem + ((round + j * stride) % PAGES) * (PAGE / 8) + rep;
                *slot += j;
                sum = sum * 31 + *slot;
            }
        }
    }
    printf("checksum %016llx\n", (unsigned long long) sum);
    return 0;
}
