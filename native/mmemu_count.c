/*
 * Instruction counting for --stats, in native code so that no Java upcall runs per instruction
 * or per block. Built by bin/setup into .mmemu/lib/libmmemu_native.so and bound through
 * java.lang.foreign (io.mmemu.emulator.cpu.BlockCounter).
 *
 * Three callbacks:
 *  - mmemu_count_insn, a UC_HOOK_CODE callback: one call per instruction (exact by construction;
 *    used while Unicorn's own instruction-count hook is installed anyway, and as the reference);
 *  - mmemu_count_block, a UC_HOOK_BLOCK callback: adds the instructions of the translated block
 *    about to run. A block's instruction count comes from a small cache keyed by the block's
 *    address and size, valid for one generation (the Java side starts a new one whenever the
 *    code at an address may have changed: a TB flush, a decoded page filled anew); a miss asks Java,
 *    which decodes the block's instruction lengths. The block's address and count are kept so
 *    that Java can take back the instructions a fault kept from running. It also ends time
 *    slices: once the count reaches the deadline Java set for the run, it stops the engine before
 *    the next block (uc_emu_stop, given by Java), so a slice ends at the first block boundary at
 *    or after its length, with no callback per instruction. Where mmemu_inline_count.c is
 *    installed, libunicorn emits this callback's work as ops in each block instead of a call,
 *    and calls it only once the count has reached the deadline, to stop;
 *  - mmemu_count_translation, a UC_HOOK_EDGE_GENERATED callback: Unicorn calls it once for each
 *    block it translates as it is about to run it (tb_find()), so it counts translations, and
 *    retranslations after code was dropped, not executions.
 */
#include "mmemu_count.h"

#include <stdint.h>

void mmemu_count_insn(void *uc, uint64_t address, uint32_t size, void *counter) {
    (void) uc;
    (void) address;
    (void) size;
    ++*(uint64_t *) counter;
}

/* The block is not in the cache: ask Java (which decodes it), keep the answer in entry i, count it. */
static __attribute__((noinline)) void mmemu_block_miss(struct mmemu_blocks *b, uint32_t i, uint64_t address,
                                                       uint32_t size) {
    uint32_t n = b->miss(address, size);
    /* Code on a writable page: the engine may rewrite it, and retranslate at the same address and
     * size without anything Java sees. A size beyond 16 bits would never match again. */
    if (!(n & MMEMU_DO_NOT_CACHE) && size <= 0xffff) {
        struct mmemu_block_entry *e = &b->cache[i];
        e->addr = address;
        e->size = (uint16_t) size;
        e->icount = (uint16_t) n;
        e->generation = b->generation;
    }
    n &= ~MMEMU_DO_NOT_CACHE;
    b->last_block = mmemu_last_block(address, n);
    b->count += n;
}

/* The count reached the deadline, or a stop was asked: this block does not run (the exit check
 * after this hook sees the stop request), and nothing of it is counted. */
static __attribute__((noinline)) void mmemu_block_stop(void *uc, struct mmemu_blocks *b) {
    if (b->stopping) return;
    b->stopping = 1;
    b->deadline = 0;
    b->emu_stop(uc);
}

/* The fast path is a leaf: its two rare cases are tail calls, so it needs no stack frame. */
void mmemu_count_block(void *uc, uint64_t address, uint32_t size, void *user) {
    struct mmemu_blocks *b = user;
    uint64_t count = b->count;
    /* Unicorn calls a lone block hook directly, ahead of the block's exit check: a block entered
     * after uc_emu_stop does not run. (Its helper, used with several hooks, skips them then.) */
    if (__builtin_expect(count >= b->deadline, 0)) {
        mmemu_block_stop(uc, b);
        return;
    }
    uint32_t i = (uint32_t) (((address ^ (uint64_t) size << 48) * 0x9e3779b97f4a7c15ull) >> (64 - MMEMU_BLOCK_CACHE_BITS));
    struct mmemu_block_entry *e = &b->cache[i];
    if (__builtin_expect(e->addr == address && e->size == size && e->generation == b->generation, 1)) {
        b->count = count + e->icount;
        b->last_block = mmemu_last_block(address, e->icount);
        return;
    }
    mmemu_block_miss(b, i, address, size);
}

/* uc_hook_edge_gen_t: a block was translated (its edge from the block before is new). */
void mmemu_count_translation(void *uc, void *cur_tb, void *prev_tb, struct mmemu_blocks *b) {
    (void) uc;
    (void) cur_tb;
    (void) prev_tb;
    ++b->translated;
}
