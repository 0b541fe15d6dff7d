/*
 * planted-enomem: a program with a planted bug for fault-injection campaigns. It maps eight
 * shared anonymous buffers (each mapping a VMA of its own: shared anonymous mappings never
 * merge), checking every result: a mapping that fails is reported and skipped. Then it maps a
 * scratch page whose result it forgets to check, and stores into it. When that one mmap()
 * fails (ENOMEM: the vm_area_struct allocation failed, as failslab makes it) the store goes to
 * MAP_FAILED and the program dies of SIGSEGV; every other failure is handled. Without fault
 * injection every mapping succeeds and it prints the buffers' checksum and exits 0.
 * (Under `mmemu run --fail failslab:probability=5` about one seed in twenty crashes.)
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include "errname.h"

#define NBUF 8
#define PAGE 4096

int main(void) {
    uint64_t sum = 0;
    int mapped = 0;
    for (int i = 0; i < NBUF; i++) {
        uint64_t *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (buf == MAP_FAILED) {
            printf("buffer %d: mmap failed (%s), skipped\n", i, errname(errno));
            continue;
        }
        for (int j = 0; j < PAGE / 8; j++) buf[j] = (uint64_t)(i + 1) * (uint64_t)(j + 7);
        for (int j = 0; j < PAGE / 8; j++) sum += buf[j];
        munmap(buf, PAGE);
        mapped++;
    }
    /* The planted bug: the scratch page's mmap() result is not checked. */
    volatile uint64_t *scratch = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    scratch[0] = sum;
    sum ^= scratch[0] >> 1;
    printf("%d buffers, checksum %llu\n", mapped, (unsigned long long)sum);
    return 0;
}
