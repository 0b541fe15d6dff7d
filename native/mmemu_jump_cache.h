/*
 * The TB jump cache under a hash that spreads a page's blocks (mmemu_jump_cache.c), and what a
 * page's flush must do to it: mmemu_tlb.c's wrapper of tb_flush_jmp_cache calls what this answers.
 */
#ifndef MMEMU_JUMP_CACHE_H
#define MMEMU_JUMP_CACHE_H

#include <stdint.h>

typedef void (*page_flush_fn)(void *cpu, uint64_t addr);

/* The jump cache's flush for one page: mmemu's when its hash is installed, else `unicorns`. */
page_flush_fn mmemu_jump_cache_page_flush(page_flush_fn unicorns);

#endif
