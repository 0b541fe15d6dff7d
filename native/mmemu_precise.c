/*
 * Precise mode's per-instruction fetch lookup and its data fills, with their commonest cases in
 * native code. Built by bin/setup into .mmemu/lib/libmmemu_native.so; bound through
 * java.lang.foreign (io.mmemu.emulator.cpu.PreciseRepeats).
 *
 * Before each instruction precise mode looks the instruction's page up in the model TLB (Java)
 * and empties Unicorn's TLB of what fills put there since the last instruction, so that the
 * instruction's data accesses reach the fill hook too. Most instructions follow one on the same
 * page: when the last lookup was a hit on this page and its entry is still there (Java forgets the
 * page at every fill that may change that, flush and stop), the repeat would find the same entry
 * and change nothing but two counters and the entry's recency. Those repeats are counted here;
 * before its next lookup Java adds them to the model's counters and replays the recency.
 *
 * Data: each page an instruction reads or writes is looked up once, because Unicorn's TLB is
 * emptied of it after the instruction and its first access reaches the fill hook. Most such
 * lookups hit an entry of the model's L1 dTLB that allows the access (a loop's stack slot, the two
 * windows a compressor compares), so a repeat changes nothing but counters and the entry's
 * recency there too. Java lists up to MMEMU_PRECISE_DATA such pages, each with the fill's answer
 * and its frame mapped nowhere else; it checks one again after each of its own lookups that lands
 * in the page's set and after each fault it handles, and drops them all whenever anything else
 * reaches the model TLB. A listed page stays in Unicorn's TLB: the memory hook, which sees every
 * access with its physical address, counts one hit per instruction that touches the page's frame,
 * and the fill hook answers it should Unicorn's TLB have lost it. Unicorn calls no memory hook for
 * the second page of a store that spans two: the hook finds that page from the first (a listed
 * page, or one filled during the instruction).
 *
 * Recency: every repeat counted here, fetch or data, takes the next value of `touches`, and the
 * entry keeps the last one it took. Under LRU the sets after a run of hits depend only on each
 * entry's last hit and their order, so Java replays just those (in the order of their values)
 * before anything else reaches the model TLB.
 *
 * A dropped page leaves Unicorn's TLB as soon as Java returns, unless the instruction has looked
 * it up already: then it stays until the instruction ends, as a page filled in the instruction
 * would (DYING: its accesses count nothing more, and the fill hook leaves it to Java).
 *
 * Emptying: the pages filled since the last time, each flushed as INVLPG would but keeping their
 * translated code's jump-cache entries, since their mappings did not change (mmemu_tlb.c), when
 * there are at most MMEMU_PRECISE_PAGES of them and page flushes work with this libunicorn;
 * otherwise the whole TLB (a CR3 write, which also clears the 4096-entry jump cache).
 */
#include <stdbool.h>
#include <stdint.h>

#define MMEMU_PRECISE_PAGES 8
#define MMEMU_PRECISE_DATA 4
/* Data fills answered by Java that one instruction remembers (for the stores that span two pages). */
#define MMEMU_PRECISE_FILLS 8
/* uc_mem_type */
#define UC_MEM_READ 16
#define UC_MEM_WRITE 17
/* The low bits of a data page's entry: which repeated lookups only count a hit. */
#define REPEAT_READ 1
#define REPEAT_WRITE 2
#define DYING 4

/* Unicorn 2.1's uc_tlb_entry, a TLB fill hook's answer. */
struct uc_tlb_entry {
    uint64_t paddr;
    uint32_t perms;
};

typedef bool (*tlb_fill_hook)(void *uc, uint64_t vaddr, int type, struct uc_tlb_entry *result, void *user);

void mmemu_flush_pages(void *uc, const uint64_t *pages, uint32_t n);

/* Layout shared with PreciseRepeats.java: keep the offsets in step. */
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
    tlb_fill_hook fill;                                           /* 120: Java's fill hook */
    uint64_t data_repeats;                                        /* 128: data hits counted here, not yet handed to Java */
    uint64_t insn;                                                /* 136: instructions begun (the code hook counts them) */
    uint32_t nunlisted;                                           /* 144: pages Java dropped from the list, to flush */
    uint32_t ndying;                                              /* 148: entries DYING */
    uint64_t unlisted[2 * MMEMU_PRECISE_DATA];                    /* 152 */
    uint64_t touches;                                             /* 152 + 16 * MMEMU_PRECISE_DATA: repeats counted here, in all */
    uint64_t fetch_touched;                                       /* the value of touches at the last page's last repeat */
    struct {
        uint64_t page;                                            /* the page, REPEAT_* and DYING in its low bits (0: none) */
        uint64_t answer;                                          /* the fill's answer: the frame, Unicorn's perms in the low bits */
        uint64_t looked_up;                                       /* the instruction that last looked it up */
        uint64_t touched;                                         /* the value of touches at its last repeat */
    } data[MMEMU_PRECISE_DATA];                                   /* 168 + 16 * MMEMU_PRECISE_DATA: in no order */
    /* Not read by Java: the data fills Java answered during this instruction. */
    uint32_t nfills;
    struct {
        uint64_t page;
        uint64_t frame;
    } fills[MMEMU_PRECISE_FILLS];
};
/* PreciseRepeats.SIZE, which Java allocates. */
_Static_assert(sizeof(struct mmemu_precise) == 168 + 16 * MMEMU_PRECISE_DATA + 32 * MMEMU_PRECISE_DATA + 8 + 16 * MMEMU_PRECISE_FILLS,
               "keep PreciseRepeats.java in step");

/* Empties Unicorn's TLB of what fills put there since the last time. */
void mmemu_precise_flush(void *uc, struct mmemu_precise *p) {
    if (p->nfilled == 0) return;
    if (p->page_flushes && p->nfilled <= MMEMU_PRECISE_PAGES) mmemu_flush_pages(uc, p->filled, p->nfilled);
    else p->reg_write(uc, p->cr3_reg, &p->cr3);
    p->nfilled = 0;
}

/* Flushes the pages Java dropped from the list from Unicorn's TLB, keeping their jump-cache
 * entries: their next access reaches the fill hook again. Called after each call into Java. */
void mmemu_precise_unlisted(void *uc, struct mmemu_precise *p) {
    if (p->nunlisted == 0) return;
    mmemu_flush_pages(uc, p->unlisted, p->nunlisted);
    p->nunlisted = 0;
}

/* The instruction ended: its DYING pages leave the list and Unicorn's TLB. */
static void precise_bury(void *uc, struct mmemu_precise *p) {
    for (int i = 0; i < MMEMU_PRECISE_DATA; i++) {
        if (!(p->data[i].page & DYING)) continue;
        p->unlisted[p->nunlisted++] = p->data[i].page & ~0xfffull;
        p->data[i].page = 0;
    }
    p->ndying = 0;
    mmemu_precise_unlisted(uc, p);
}

void mmemu_precise_insn(void *uc, uint64_t address, uint32_t size, void *user) {
    struct mmemu_precise *p = user;
    p->insn++;
    p->nfills = 0;
    if (p->ndying) precise_bury(uc, p);
    if ((address & ~0xfffull) != p->last_page) {
        p->lookup(uc, address, size, user);
        mmemu_precise_unlisted(uc, p);
        return;
    }
    p->repeats++;
    p->fetch_touched = ++p->touches;
    mmemu_precise_flush(uc, p);
}

/* Counts listed page i's lookup, once per instruction. */
static void precise_data_hit(struct mmemu_precise *p, int i) {
    if (p->data[i].looked_up == p->insn) return;
    p->data[i].looked_up = p->insn;
    p->data[i].touched = ++p->touches;
    p->data_repeats++;
}

/* UC_HOOK_TLB_FILL in precise mode: a data page Java listed is answered here (and stays in
 * Unicorn's TLB); everything else is Java's. */
bool mmemu_precise_fill(void *uc, uint64_t vaddr, int type, struct uc_tlb_entry *result, void *user) {
    struct mmemu_precise *p = user;
    if (type != UC_MEM_READ && type != UC_MEM_WRITE) return p->fill(uc, vaddr, type, result, user);
    uint64_t page = vaddr & ~0xfffull;
    uint64_t need = type == UC_MEM_WRITE ? REPEAT_WRITE : REPEAT_READ;
    for (int i = 0; i < MMEMU_PRECISE_DATA; i++) {
        if ((p->data[i].page & ~0xfffull) != page) continue;
        if ((p->data[i].page & (need | DYING)) != need) break;
        result->paddr = p->data[i].answer & ~0xfffull;
        result->perms = (uint32_t) (p->data[i].answer & 7);
        precise_data_hit(p, i);
        return true;
    }
    bool answered = p->fill(uc, vaddr, type, result, user);
    mmemu_precise_unlisted(uc, p);
    if (answered && p->nfills < MMEMU_PRECISE_FILLS) {
        p->fills[p->nfills].page = page;
        p->fills[p->nfills].frame = result->paddr & ~0xfffull;
        p->nfills++;
    }
    return answered;
}

/* The virtual page of `frame`, which this instruction reached: a listed page's, or one Java filled; 1 if neither. */
static uint64_t precise_page_of(const struct mmemu_precise *p, uint64_t frame) {
    for (int i = 0; i < MMEMU_PRECISE_DATA; i++) {
        if (p->data[i].page != 0 && (p->data[i].answer & ~0xfffull) == frame) return p->data[i].page & ~0xfffull;
    }
    for (uint32_t i = 0; i < p->nfills; i++) {
        if (p->fills[i].frame == frame) return p->fills[i].page;
    }
    return 1;
}

/* UC_HOOK_MEM_READ and UC_HOOK_MEM_WRITE in precise mode: an access to a listed page's frame
 * (the address is physical in UC_TLB_VIRTUAL mode) is a repeated lookup of that page; so is a
 * store that spans from the page before into a listed one. */
void mmemu_precise_access(void *uc, int type, uint64_t address, int size, int64_t value, void *user) {
    struct mmemu_precise *p = user;
    uint64_t frame = address & ~0xfffull;
    for (int i = 0; i < MMEMU_PRECISE_DATA; i++) {
        if (p->data[i].page != 0 && (p->data[i].answer & ~0xfffull) == frame) {
            precise_data_hit(p, i);
            break;
        }
    }
    if (type != UC_MEM_WRITE || (address & 0xfff) + (uint64_t) size <= 0x1000) return;
    uint64_t next = precise_page_of(p, frame) + 0x1000;
    for (int i = 0; i < MMEMU_PRECISE_DATA; i++) {
        if (p->data[i].page != 0 && (p->data[i].page & ~0xfffull) == next) {
            precise_data_hit(p, i);
            return;
        }
    }
}
