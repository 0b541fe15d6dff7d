/*
 * Precise mode's per-instruction fetch lookup, with its commonest case in native code. Built by
 * bin/setup into .mmemu/lib/libmmemu_native.so; bound through java.lang.foreign
 * (io.mmemu.emulator.cpu.PreciseFetch).
 *
 * Before each instruction precise mode looks the instruction's page up in the model TLB (Java)
 * and empties Unicorn's TLB of what fills put there since the last instruction, so that the
 * instruction's data accesses reach the fill hook too. Most instructions follow one on the same
 * page: when the last lookup was a hit on this page and the model TLB has not been touched since
 * (Java forgets the page at every fill that changes that, flush and stop), the repeat would find
 * the same entry, already the most recently used, and change nothing but two counters. Those
 * repeats are counted here, and Java adds them to the model's counters before anything reads them.
 *
 * Emptying: the pages filled since the last time, each flushed as INVLPG would but keeping their
 * translated code's jump-cache entries, since their mappings did not change (mmemu_tlb.c), when
 * there are at most MMEMU_PRECISE_PAGES of them and page flushes work with this libunicorn;
 * otherwise the whole TLB (a CR3 write, which also clears the 4096-entry jump cache).
 */
#include <stdint.h>

#define MMEMU_PRECISE_PAGES 8

void mmemu_flush_pages(void *uc, const uint64_t *pages, uint32_t n);

/* Layout shared with PreciseFetch.java: keep the offsets in step. */
struct mmemu_precise {
    uint64_t last_page;                                           /* 0: the page of the last lookup that hit, or 1 */
    uint64_t repeats;                                             /* 8: repeated hits not yet handed to Java */
    uint32_t nfilled;                                             /* 16: pages filled since the TLB was emptied (> 8: too many to list) */
    int32_t cr3_reg;                                              /* 20: UC_X86_REG_CR3 */
    uint64_t cr3;                                                 /* 24: the value that empties Unicorn's TLB */
    void (*lookup)(void *uc, uint64_t address, uint32_t size, void *user); /* 32: Java's lookup, a code hook's shape */
    int (*reg_write)(void *uc, int regid, const void *value);     /* 40: libunicorn's uc_reg_write */
    uint32_t page_flushes;                                        /* 48: whether mmemu_flush_pages works here */
    uint32_t unused;                                              /* 52 */
    uint64_t filled[MMEMU_PRECISE_PAGES];                         /* 56: the pages filled */
};

/* Empties Unicorn's TLB of what fills put there since the last time. */
void mmemu_precise_flush(void *uc, struct mmemu_precise *p) {
    if (p->nfilled == 0) return;
    if (p->page_flushes && p->nfilled <= MMEMU_PRECISE_PAGES) mmemu_flush_pages(uc, p->filled, p->nfilled);
    else p->reg_write(uc, p->cr3_reg, &p->cr3);
    p->nfilled = 0;
}

void mmemu_precise_insn(void *uc, uint64_t address, uint32_t size, void *user) {
    struct mmemu_precise *p = user;
    if ((address & ~0xfffull) != p->last_page) {
        p->lookup(uc, address, size, user);
        return;
    }
    p->repeats++;
    mmemu_precise_flush(uc, p);
}
