/*
 * malloc-churn: musl malloc/realloc/free driven by a fixed LCG. 32 slots; each step picks
 * a slot and, if it is empty, mallocs a block, else verifies the block's contents and
 * then frees it or reallocs it to a new size (checking the kept prefix). About one size
 * in eight is large (128 KiB + 1 .. 1 MiB), which musl serves with its own mmap, so the
 * run mixes brk/mmap-backed small groups, mmap/munmap of large blocks and mremap on
 * realloc. Each block carries a byte pattern derived from a per-block tag; large blocks
 * are written every 512 bytes (every page) plus their last byte to keep the run short.
 * Prints the operation counts and a checksum of everything verified; exits 0, or 1 on
 * corruption or allocation failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 32
#define STEPS 6000
#define DENSE_LIMIT 4096  /* blocks up to this size are written at every byte */
#define STRIDE 512        /* larger blocks: every STRIDE-th byte plus the last one */

struct block {
    unsigned char *p;
    size_t size;
    uint32_t tag;
};

static uint64_t lcg_state = 0x2545F4914F6CDD1DULL;
static uint64_t checksum = 0xCBF29CE484222325ULL;

static uint32_t next_random(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg_state >> 33);
}

static size_t next_size(void) {
    uint32_t r = next_random();
    if (r % 8 == 0) {
        return 128 * 1024 + 1 + next_random() % (896 * 1024);
    }
    return 1 + next_random() % 2048;
}

static unsigned char pattern(uint32_t tag, size_t i) {
    return (unsigned char)((tag * 131u) ^ (uint32_t)(i * 7u) ^ (uint32_t)(i >> 9));
}

/* Calls f(i) for every position of a block of the given size that carries the pattern. */
#define FOR_EACH_CHECKED(size, i, body)                                     \
    do {                                                                   \
        if ((size) <= DENSE_LIMIT) {                                       \
            for (size_t i = 0; i < (size); i++) { body; }                  \
        } else {                                                           \
            for (size_t i = 0; i < (size); i += STRIDE) { body; }          \
            { size_t i = (size) - 1; body; }                               \
        }                                                                  \
    } while (0)

static void fill(unsigned char *p, size_t from, size_t size, uint32_t tag) {
    FOR_EACH_CHECKED(size, i, if (i >= from) p[i] = pattern(tag, i));
}

static int verify(const unsigned char *p, size_t size, uint32_t tag, const char *what) {
    int ok = 1;
    FOR_EACH_CHECKED(size, i, {
        if (p[i] != pattern(tag, i)) {
            if (ok) fprintf(stderr, "malloc-churn: %s: byte %zu of %zu is %u, expected %u\n",
                            what, i, size, p[i], pattern(tag, i));
            ok = 0;
        }
        checksum = (checksum ^ p[i]) * 0x100000001B3ULL;
    });
    return ok;
}

int main(void) {
    struct block slots[SLOTS] = {0};
    unsigned long mallocs = 0, reallocs = 0, frees = 0, large = 0;
    uint32_t next_tag = 1;

    for (int step = 0; step < STEPS; step++) {
        struct block *b = &slots[next_random() % SLOTS];
        if (b->p == NULL) {
            b->size = next_size();
            b->tag = next_tag++;
            b->p = malloc(b->size);
            if (b->p == NULL) {
                fprintf(stderr, "malloc-churn: malloc(%zu) failed\n", b->size);
                return 1;
            }
            fill(b->p, 0, b->size, b->tag);
            mallocs++;
            large += b->size > 128 * 1024;
            continue;
        }
        if (!verify(b->p, b->size, b->tag, "before free/realloc")) return 1;
        if (next_random() % 3 == 0) {
            size_t new_size = next_size();
            unsigned char *q = realloc(b->p, new_size);
            if (q == NULL) {
                fprintf(stderr, "malloc-churn: realloc(%zu) failed\n", new_size);
                return 1;
            }
            size_t kept = b->size < new_size ? b->size : new_size;
            /* The kept prefix must survive the move; check the positions both layouts share. */
            int ok = 1;
            FOR_EACH_CHECKED(kept, i, {
                if ((b->size <= DENSE_LIMIT || i % STRIDE == 0 || i == b->size - 1)
                        && q[i] != pattern(b->tag, i)) ok = 0;
            });
            if (!ok) {
                fprintf(stderr, "malloc-churn: realloc %zu -> %zu lost contents\n", b->size, new_size);
                return 1;
            }
            b->p = q;
            b->size = new_size;
            b->tag = next_tag++;
            fill(b->p, 0, b->size, b->tag);
            reallocs++;
            large += new_size > 128 * 1024;
        } else {
            free(b->p);
            b->p = NULL;
            frees++;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p != NULL) {
            if (!verify(slots[i].p, slots[i].size, slots[i].tag, "final")) return 1;
            free(slots[i].p);
            frees++;
        }
    }
    printf("mallocs %lu reallocs %lu frees %lu large %lu\n", mallocs, reallocs, frees, large);
    printf("checksum %016llx\n", (unsigned long long)checksum);
    return 0;
}
