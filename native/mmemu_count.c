/*
 * Instruction counting for --stats, in native code so that no Java upcall runs per instruction
 * or per block. Built by bin/setup into .mmemu/lib/libmmemu_native.so and bound through
 * java.lang.foreign (io.mmemu.emulator.cpu.BlockCounter).
 *
 * Two callbacks:
 *  - mmemu_count_insn, a UC_HOOK_CODE callback: one call per instruction (exact by construction;
 *    used while Unicorn's own instruction-count hook is installed anyway, and as the reference);
 *  - mmemu_count_block, a UC_HOOK_BLOCK callback: adds the instructions of the translated block
 *    about to run. A block's instruction count comes from a small cache keyed by the block's
 *    address and size, valid for one generation (the Java side starts a new one whenever the
 *    code at an address may have changed: a TB flush, a decoded page filled anew); a miss asks Java,
 *    which decodes the block's instruction lengths. The block's address and size are kept so
 *    that Java can take back the instructions a fault kept from running. It also ends time
 *    slices: once the count reaches the deadline Java set for the run, it stops the engine before
 *    the next block (uc_emu_stop, given by Java), so a slice ends at the first block boundary at
 *    or after its length, with no callback per instruction.
 */
#include <stdint.h>

void mmemu_count_insn(void *uc, uint64_t address, uint32_t size, void *counter) {
    (void) uc;
    (void) address;
    (void) size;
    ++*(uint64_t *) counter;
}

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

/* Layout shared with BlockCounter.java: keep the offsets in step. */
struct mmemu_blocks {
    uint64_t count;                                   /* 0 */
    uint64_t deadline;                                /* 8: stop before a block once count reaches it (0: stopping) */
    uint64_t last_addr;                               /* 16 */
    uint32_t last_size;                               /* 24 */
    uint32_t last_icount;                             /* 28 */
    uint32_t generation;                              /* 32: never 0 */
    uint32_t stopping;                                /* 36: a stop was asked; count no more blocks */
    uint32_t (*miss)(uint64_t addr, uint32_t size);   /* 40 */
    uint64_t misses;                                  /* 48 */
    int (*emu_stop)(void *uc);                        /* 56: libunicorn's uc_emu_stop */
    struct mmemu_block_entry cache[MMEMU_BLOCK_CACHE]; /* 64 */
};

/* The block is not in the cache: ask Java (which decodes it) and keep the answer. */
static __attribute__((noinline)) uint32_t mmemu_block_miss(struct mmemu_blocks *b, struct mmemu_block_entry *e,
                                                           uint64_t address, uint32_t size) {
    uint32_t n = b->miss(address, size);
    ++b->misses;
    if (n & MMEMU_DO_NOT_CACHE) {
        /* Code on a writable page: the engine may rewrite it, and retranslate at the same
         * address and size without anything Java sees. */
        return n & ~MMEMU_DO_NOT_CACHE;
    }
    e->addr = address;
    e->size = (uint16_t) size;
    e->icount = (uint16_t) n;
    /* A size beyond 16 bits never matches again: such a block is counted by a miss each time. */
    e->generation = size <= 0xffff ? b->generation : 0;
    return n;
}

void mmemu_count_block(void *uc, uint64_t address, uint32_t size, void *user) {
    struct mmemu_blocks *b = user;
    uint64_t count = b->count;
    /* Unicorn calls a lone block hook directly, ahead of the block's exit check: a block entered
     * after uc_emu_stop does not run. (Its helper, used with several hooks, skips them then.) */
    if (__builtin_expect(count >= b->deadline, 0)) {
        if (!b->stopping) {
            /* The time slice is over: this block does not run (the exit check after this hook
             * sees the stop request), and nothing of it is counted. */
            b->stopping = 1;
            b->deadline = 0;
            b->emu_stop(uc);
        }
        return;
    }
    struct mmemu_block_entry *e = &b->cache[((address ^ (uint64_t) size << 48) * 0x9e3779b97f4a7c15ull) >> (64 - MMEMU_BLOCK_CACHE_BITS)];
    uint32_t n;
    if (__builtin_expect(e->addr == address && e->size == size && e->generation == b->generation, 1)) {
        n = e->icount;
    } else {
        n = mmemu_block_miss(b, e, address, size);
    }
    b->count = count + n;
    b->last_addr = address;
    b->last_size = size;
    b->last_icount = n;
}
