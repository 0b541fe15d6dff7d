/*
 * Page-granular flushes of Unicorn's TLB. Unicorn 2.1's API can only empty a CPU's whole TLB
 * (a CR3 write or UC_CTL_TLB_FLUSH), and every such flush also clears the CPU's 4096-entry TB
 * jump cache: after a munmap of one page, or before each instruction in precise mode, that is most
 * of the cost. QEMU's own INVLPG path, tlb_flush_page(), flushes one page of every MMU index and
 * the jump-cache entries of that page, and libunicorn exports it (tlb_flush_page_x86_64); it
 * takes the engine's CPUState, which the public API does not give. uc_emu_stop() loads it from
 * the uc_struct (`mov OFF(%rdi),%rdi; test %rdi,%rdi` before calling cpu_exit()): the offset is
 * read from that code once, and when the pattern is not there (another Unicorn build) nothing
 * here is used and mmemu empties the whole TLB as before. Built by bin/setup into
 * libmmemu_native.so; bound through java.lang.foreign (io.mmemu.emulator.unicorn.PageFlush).
 *
 * The jump cache maps a virtual PC to translated code, so a flush for a changed mapping must drop
 * the page's entries. Precise mode also flushes, before each instruction, the pages the last one
 * filled, only so that their next accesses reach the fill hook again: their mappings did not
 * change, and clearing 2 x 64 jump-cache entries each time (and looking the code up again after)
 * was a tenth of a precise run. tlb_flush_page() reaches tb_flush_jmp_cache() through
 * libunicorn's GOT, which mmemu_page_flush_init() points at a function that skips it while
 * mmemu_flush_pages() runs on the calling thread (mmemu_got.c), and otherwise empties what the
 * jump cache's hash needs emptied (mmemu_jump_cache.c).
 */
#include "mmemu_got.h"
#include "mmemu_jump_cache.h"

#include <stdint.h>
#include <string.h>

static long cpu_offset = -1;
static void (*flush_page)(void *cpu, uint64_t addr);
static void (*flush_jmp_cache)(void *cpu, uint64_t addr);
static __thread int keep_jmp_cache;

static void mmemu_tb_flush_jmp_cache(void *cpu, uint64_t addr) {
    if (!keep_jmp_cache) flush_jmp_cache(cpu, addr);
}

/*
 * Finds uc_struct's CPUState offset in uc_emu_stop's code and keeps tlb_flush_page_x86_64; points
 * libunicorn's GOT entry of tb_flush_jmp_cache_x86_64 (the function tb_flush_jmp_cache) here.
 * Returns the offset, or -1 when the code does not have the expected shape.
 */
long mmemu_page_flush_init(const uint8_t *emu_stop, void (*tlb_flush_page)(void *cpu, uint64_t addr),
                           void (*tb_flush_jmp_cache)(void *cpu, uint64_t addr)) {
    for (int i = 0; i < 64; i++) {
        /* 48 8b bf d32 = mov d32(%rdi),%rdi; then 48 85 ff = test %rdi,%rdi */
        if (emu_stop[i] == 0x48 && emu_stop[i + 1] == 0x8b && emu_stop[i + 2] == 0xbf
                && emu_stop[i + 7] == 0x48 && emu_stop[i + 8] == 0x85 && emu_stop[i + 9] == 0xff) {
            int32_t off;
            memcpy(&off, emu_stop + i + 3, sizeof off);
            if (off <= 0 || off > 65536 || (off & 7) != 0) return -1;
            cpu_offset = off;
            flush_page = tlb_flush_page;
            if (flush_jmp_cache == NULL && tb_flush_jmp_cache != NULL) {
                flush_jmp_cache = mmemu_jump_cache_page_flush(tb_flush_jmp_cache);
                const struct mmemu_got_target target = {"tb_flush_jmp_cache_x86_64", (void *) mmemu_tb_flush_jmp_cache};
                mmemu_got_patch((void *) emu_stop, &target, 1);
            }
            return off;
        }
    }
    return -1;
}

/* The CPUState's offset in uc_struct, or -1 before mmemu_page_flush_init() found it (mmemu_pkru.c). */
long mmemu_cpu_offset(void) {
    return cpu_offset;
}

/*
 * Flushes the n pages at pages[0..n) from the engine's TLB (all MMU indexes), keeping the jump
 * cache: for pages whose mappings did not change (precise mode's refills).
 */
void mmemu_flush_pages(void *uc, const uint64_t *pages, uint32_t n) {
    void *cpu = *(void **) ((char *) uc + cpu_offset);
    keep_jmp_cache = 1;
    for (uint32_t i = 0; i < n; i++) flush_page(cpu, pages[i]);
    keep_jmp_cache = 0;
}

/* Flushes every page of [start, end) from the engine's TLB and jump cache. */
void mmemu_flush_range(void *uc, uint64_t start, uint64_t end) {
    void *cpu = *(void **) ((char *) uc + cpu_offset);
    for (uint64_t p = start; p < end; p += 4096) flush_page(cpu, p);
}
