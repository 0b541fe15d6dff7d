/*
 * The block counter's state (mmemu_count.c), shared with the ops that do its work inline
 * (mmemu_inline_count.c) and laid out as BlockCounter.java reads it.
 */
#ifndef MMEMU_COUNT_H
#define MMEMU_COUNT_H

#include <stdint.h>

#define MMEMU_BLOCK_CACHE 16384 /* entries, a power of two */
#define MMEMU_BLOCK_CACHE_BITS 14
#define MMEMU_DO_NOT_CACHE 0x80000000u /* in a miss's answer: count this once, keep nothing */

/* 16 bytes: four entries a cache line. A translated block is at most a page and an instruction
 * long and at most 512 instructions, so 16 bits hold its size and its count. */
struct mmemu_block_entry {
    uint64_t addr;
    uint16_t size;
    uint16_t icount;
    uint32_t generation;
};

/* Layout shared with BlockCounter.java and mmemu_inline_count.c: keep the offsets in step. The
 * fields written on every block share the first cache line. */
struct mmemu_blocks {
    uint64_t count;                                   /* 0 */
    uint64_t deadline;                                /* 8: stop before a block once count reaches it (0: stopping) */
    uint32_t generation;                              /* 16: never 0 */
    uint32_t stopping;                                /* 20: a stop was asked; count no more blocks */
    uint64_t last_block;                              /* 24: the last block the callback counted, mmemu_last_block(); 0: none */
    uint32_t (*miss)(uint64_t addr, uint32_t size);   /* 32 */
    uint32_t unused;                                  /* 40 */
    uint16_t by_call;                                 /* 44: never inline (mmemu_inline_count.c); read at translation */
    uint16_t deadlines;                               /* 46: inline ops check the deadline too; read at translation */
    int (*emu_stop)(void *uc);                        /* 48: libunicorn's uc_emu_stop */
    uint64_t translated;                              /* 56: blocks translated (mmemu_count_translation) */
    struct mmemu_block_entry cache[MMEMU_BLOCK_CACHE]; /* 64 */
};

/* A block as last_block holds it: its address's low 48 bits (a canonical address's others repeat
 * bit 47) and its instruction count above them. */
static inline uint64_t mmemu_last_block(uint64_t address, uint32_t icount) {
    return (address & 0xffffffffffffull) | (uint64_t) icount << 48;
}

void mmemu_count_block(void *uc, uint64_t address, uint32_t size, void *user);

#endif
