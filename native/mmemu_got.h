/*
 * Redirecting calls a shared object makes through its own GOT (mmemu_got.c): libunicorn calls its
 * exported functions and libc's through PLT entries, so pointing an entry elsewhere changes what
 * libunicorn calls, and nothing else in the process.
 */
#ifndef MMEMU_GOT_H
#define MMEMU_GOT_H

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

#endif
