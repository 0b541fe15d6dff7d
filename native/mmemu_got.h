/*
 * Redirecting calls a shared object makes through its own GOT (mmemu_got.c): libunicorn calls its
 * exported functions and libc's through PLT entries, so pointing an entry elsewhere changes what
 * libunicorn calls, and nothing else in the process.
 */
#ifndef MMEMU_GOT_H
#define MMEMU_GOT_H

#include <stdint.h>

/* A GOT entry to point elsewhere: the symbol it is bound to, and the function it gets. */
struct mmemu_got_target {
    const char *name;
    void *replacement;
};

/*
 * Points the GOT entries of the n targets' symbols in the shared object that holds address
 * `inside` at their replacements, and the data words that hold their addresses (R_X86_64_64). Returns a bit per target whose entry was changed (bit i for
 * targets[i]), or -1 when the object cannot be read.
 */
int mmemu_got_patch(void *inside, const struct mmemu_got_target *targets, int n);

/*
 * The shared object that holds address `inside`, opened without loading anything, for dlsym() of
 * its symbols; NULL when it cannot be found. The caller dlclose()s it.
 */
void *mmemu_got_object(void *inside);

/*
 * For tests: how many slots mmemu_got_patch would write for the symbol `name` (found by the
 * symbol's indices, or with by_name by comparing every relocation's symbol name), with the sum of
 * their addresses in *address_sum; -1 when the object cannot be read.
 */
long mmemu_got_slots(void *inside, const char *name, int by_name, uintptr_t *address_sum);

#endif
