/*
 * The TB jump cache under a hash that spreads each page's blocks over all of it. Built by bin/setup
 * into libmmemu_native.so; installed once by io.mmemu.emulator.unicorn.NativePatch.
 *
 * Every indirect jump and return of translated code calls helper_lookup_tb_ptr for the block at
 * the new PC, which looks first in the CPU's 4096-entry jump cache (cpu->tb_jmp_cache). Under
 * softmmu, which Unicorn is, QEMU 5 hashes a PC there so that each 4 KiB page of guest code gets one
 * group of 64 entries: a TLB flush of one page then empties just that page's groups
 * (tb_flush_jmp_cache). A program whose hot code sits in a few pages keeps evicting its own return
 * addresses from their 64-entry groups: binary-trees 16 missed 22 million times, each a
 * tb_htable_lookup (the code page looked up in the softmmu TLB and the RAM blocks, an xxhash, a
 * walk of the QHT). qemu-user's hash ("In user-mode we can get better hashing", tb-hash.h) does
 * not do much better on it (jump_cache_hash, below).
 *
 * mmemu_helper_lookup_tb_ptr is QEMU 5's helper with that hash, over the same array; the
 * translator reaches the helper through libunicorn's GOT and its helpers' table. What empties the
 * jump cache still empties it:
 *
 *  - a whole TLB flush or a flush of translated code (cpu_tb_jmp_cache_clear) empties the array;
 *  - a page's flush (tlb_flush_page, reaching tb_flush_jmp_cache through libunicorn's PLT) cannot
 *    find that page's entries by their hash, so mmemu_tb_flush_jmp_cache empties the whole array
 *    (binary-trees 12's 2,257 page flushes, all of data that musl's allocator gave back, cost it
 *    21,000 misses, less than looking at every entry's block at each flush; precise mode's
 *    refills keep the jump cache);
 *  - an invalidated block (do_tb_phys_invalidate, which clears the entry at QEMU's own hash) may
 *    stay in the array, but carries CF_INVALID, which the lookup's check rejects, as QEMU's does.
 *
 * The other readers of the array (cpu_exec's tb_find, uc_gen_tb) hash as QEMU does, and check an
 * entry's pc, cs_base, flags and cflags before using it, so an entry stored here can only serve them
 * for its own PC.
 *
 * What this relies on in Debian's Unicorn 2.1.1 (QEMU 5.0), checked in libunicorn's own code by
 * mmemu_jump_cache_install before anything is redirected: the CPUState at env - 0x8a50, its jump
 * cache at 0x138, trace state at 0x8188, cluster index at 0x8194 and uc at 0x81a8; CPUX86State's eip
 * (0x80), eflags (0x88), hflags (0xb0) and CS base (0xd8); TranslationBlock's pc (0), cs_base (0x8),
 * flags (0x10), cflags (0x18), trace state (0x1c) and code pointer (0x20); CF_HASH_MASK |
 * CF_INVALID (0xff0effff); uc_struct's tcg_ctx (0x2e8) and its code_gen_epilogue (0x98). When a
 * check fails nothing is redirected and the jump cache works as Unicorn's.
 */
#define _GNU_SOURCE
#include "mmemu_got.h"
#include "mmemu_jump_cache.h"

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#define SLOTS 4096 /* TB_JMP_CACHE_SIZE: jump_cache_hash gives 12 bits */

#define ENV_IN_CPU 0x8a50 /* env_cpu(env) == env - 0x8a50 */
#define CPU_JMP_CACHE 0x138
#define CPU_TRACE_DSTATE 0x8188
#define CPU_CLUSTER_INDEX 0x8194
#define CPU_UC 0x81a8
#define UC_TCG_CTX 0x2e8
#define TCG_CODE_GEN_EPILOGUE 0x98
#define ENV_EIP 0x80
#define ENV_EFLAGS 0x88
#define ENV_HFLAGS 0xb0
#define ENV_CS_BASE 0xd8
#define EFLAGS_IN_TB_FLAGS 0x73100u /* IOPL, TF, RF, VM, AC */
#define CF_CLUSTER_SHIFT 24
#define CF_HASH_MASK_AND_INVALID 0xff0effffu
#define TB_PC 0x0
#define TB_CS_BASE 0x8
#define TB_FLAGS 0x10
#define TB_CFLAGS 0x18
#define TB_TRACE_DSTATE 0x1c
#define TB_TC_PTR 0x20

typedef const char *(*htable_lookup_fn)(const char *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags, uint32_t cf_mask);
static htable_lookup_fn real_lookup;
static int installed;
static uint64_t misses; /* for the tests: lookups the array did not answer */

static uint64_t load64(const char *base, long off) {
    uint64_t v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

static uint32_t load32(const char *base, long off) {
    uint32_t v;
    memcpy(&v, base + off, sizeof v);
    return v;
}

/*
 * The PC's entry: Fibonacci hashing (the top 12 bits of pc times 2^64 / phi). Of binary-trees 12's
 * 7.6 million lookups, 3,000 miss under it for another block in the entry (and 21,000 after page
 * flushes emptied the array), 517,000 under QEMU's softmmu hash and 1.34 million under qemu-user's
 * (pc ^ pc >> 12), which puts blocks of neighbouring pages whose offsets differ by the pages' XOR
 * in one entry.
 */
static inline unsigned jump_cache_hash(uint64_t pc) {
    return (unsigned) ((pc * 0x9e3779b97f4a7c15ull) >> 52);
}

/* The lookup's miss: the QHT, then the entry, as QEMU's helper does. Apart, so that a hit needs no frame. */
static __attribute__((noinline)) const void *lookup_missed(const char *cpu, const char **slot, uint64_t pc,
                                                           uint64_t cs_base, uint32_t flags, uint32_t cf_mask) {
    __atomic_add_fetch(&misses, 1, __ATOMIC_RELAXED);
    const char *tb = real_lookup(cpu, pc, cs_base, flags, cf_mask);
    if (tb == NULL) { /* nothing translated there yet: back to cpu_exec, which translates it */
        const char *tcg_ctx = (const char *) load64((const char *) load64(cpu, CPU_UC), UC_TCG_CTX);
        return (const void *) load64(tcg_ctx, TCG_CODE_GEN_EPILOGUE);
    }
    __atomic_store_n(slot, tb, __ATOMIC_RELAXED);
    return (const void *) load64(tb, TB_TC_PTR);
}

/* helper_lookup_tb_ptr() (accel/tcg/tcg-runtime.c) with a hash that spreads a page's blocks. */
static const void *mmemu_helper_lookup_tb_ptr(char *env) {
    const char *cpu = env - ENV_IN_CPU;
    uint64_t cs_base = load64(env, ENV_CS_BASE);
    uint64_t pc = load64(env, ENV_EIP) + cs_base;
    uint32_t flags = (load32(env, ENV_EFLAGS) & EFLAGS_IN_TB_FLAGS) | load32(env, ENV_HFLAGS);
    uint32_t cf_mask = load32(cpu, CPU_CLUSTER_INDEX) << CF_CLUSTER_SHIFT;
    const char **slot = (const char **) (cpu + CPU_JMP_CACHE) + jump_cache_hash(pc); /* cpu->tb_jmp_cache */
    const char *tb = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (tb != NULL && load64(tb, TB_PC) == pc && load64(tb, TB_CS_BASE) == cs_base && load32(tb, TB_FLAGS) == flags
            && load32(tb, TB_TRACE_DSTATE) == load64(cpu, CPU_TRACE_DSTATE)
            && (load32(tb, TB_CFLAGS) & CF_HASH_MASK_AND_INVALID) == cf_mask)
        return (const void *) load64(tb, TB_TC_PTR);
    return lookup_missed(cpu, slot, pc, cs_base, flags, cf_mask);
}

/* tb_flush_jmp_cache() for this hash: any entry may hold a block of the page, so all go. */
static void mmemu_tb_flush_jmp_cache(void *cpu, uint64_t addr) {
    (void) addr;
    memset((char *) cpu + CPU_JMP_CACHE, 0, SLOTS * sizeof(void *));
}

page_flush_fn mmemu_jump_cache_page_flush(page_flush_fn unicorns) {
    return installed ? mmemu_tb_flush_jmp_cache : unicorns;
}

/* For the tests: lookups of indirect jumps the array did not answer, in every engine. */
uint64_t mmemu_jump_cache_misses(void) {
    return __atomic_load_n(&misses, __ATOMIC_RELAXED);
}

/* Whether `at + offset` holds the n bytes of `code`. */
static int code_is(const void *at, long offset, const char *code, size_t n) {
    return at != NULL && memcmp((const char *) at + offset, code, n) == 0;
}

/*
 * Checks libunicorn's code for the layout above, then points its GOT entries of
 * tb_flush_jmp_cache_x86_64 and helper_lookup_tb_ptr_x86_64 here, in that order (entries stored
 * under the new hash must go when a page is flushed). Before any engine is opened: an engine's
 * translator keeps the helpers' table it was opened with. Returns 3 when both were redirected, 1
 * when only the page flush was (which then empties more than it must, and nothing else changes), 0
 * when the code has another shape, -1 when libunicorn cannot be found from `inside`.
 */
int mmemu_jump_cache_install(void *inside) {
    void *lib = mmemu_got_object(inside);
    if (lib == NULL) return -1;
    const uint8_t *helper = dlsym(lib, "helper_lookup_tb_ptr_x86_64");
    const uint8_t *lookup = dlsym(lib, "tb_htable_lookup_x86_64");
    const uint8_t *flush = dlsym(lib, "tb_flush_jmp_cache_x86_64");
    dlclose(lib);
    if (!helper || !lookup || !flush) return 0;
    /* helper_lookup_tb_ptr (env in %rdi): env from cpu->env_ptr; the cluster index; cs_base, eip,
     * eflags & (IOPL|TF|RF|VM|AC), hflags; the softmmu hash; the jump cache at env - 0x8918; the
     * block's pc, cs_base, flags, trace state and cflags compared; its code pointer returned. */
    static const char helper_hit[] =
        "\x48\x8b\x87\xd8\x76\xff\xff\x44\x8b\x87\x44\xf7\xff\xff\x48\x8b\x90\xd8\x00\x00\x00"
        "\x48\x8b\xb0\x80\x00\x00\x00\x8b\x88\x88\x00\x00\x00\x41\xc1\xe0\x18\x48\x01\xd6"
        "\x81\xe1\x00\x31\x07\x00\x0b\x88\xb0\x00\x00\x00\x48\x89\xf0\x48\xc1\xe8\x06\x48\x31\xf0"
        "\x48\x89\xc3\x83\xe0\x3f\x48\xc1\xeb\x06\x81\xe3\xc0\x0f\x00\x00\x09\xc3"
        "\x48\x8b\x84\xdf\xe8\x76\xff\xff\x48\x85\xc0\x74\x37\x48\x3b\x30\x75\x32\x48\x3b\x50\x08"
        "\x75\x2c\x3b\x48\x10\x75\x27\x8b\x78\x1c\x48\x3b\xbd\x38\xf7\xff\xff\x75\x1b"
        "\x8b\x78\x18\x81\xe7\xff\xff\x0e\xff\x41\x39\xf8\x75\x0d\x5b\x48\x8b\x40\x20";
    /* Its miss: tb_htable_lookup(env - 0x8a50, ...), the uc at env - 0x8a8; a block is stored in
     * the jump cache; none: uc->tcg_ctx->code_gen_epilogue. */
    static const char helper_miss[] =
        "\x48\x8d\xbd\xb0\x75\xff\xff\x4c\x8b\xa5\x58\xf7\xff\xff\xe8";
    static const char helper_none[] =
        "\x48\x85\xc0\x74\x10\x48\x89\x84\xdd\xe8\x76\xff\xff\xeb\xd1\x66\x0f\x1f\x44\x00\x00"
        "\x49\x8b\x84\x24\xe8\x02\x00\x00\x5b\x5d\x41\x5c\x48\x8b\x80\x98\x00\x00\x00\xc3";
    /* tb_htable_lookup (cpu in %rdi): the trace state it hashes and compares, at 0x8188. */
    static const char lookup_code[] = "\x48\x8b\x85\x88\x81\x00\x00";
    /* tb_flush_jmp_cache(cpu, addr): the softmmu hash of the page before, its group in the jump
     * cache at cpu + 0x138 (then the page itself's). */
    static const char flush_code[] =
        "\x48\x8d\x96\x00\xf0\xff\xff\x49\x89\xf8\x48\x89\xd0\x48\xc1\xe8\x06\x48\x31\xd0"
        "\x48\xc1\xe8\x06\x25\xc0\x0f\x00\x00\x48\x8d\x94\xc7\x38\x01\x00\x00";
    if (!code_is(helper, 0x0b, helper_hit, sizeof helper_hit - 1)
            || !code_is(helper, 0xa0, helper_miss, sizeof helper_miss - 1)
            || !code_is(helper, 0xb3, helper_none, sizeof helper_none - 1)
            || !code_is(lookup, 0x20, lookup_code, sizeof lookup_code - 1)
            || !code_is(flush, 0x04, flush_code, sizeof flush_code - 1))
        return 0;
    real_lookup = (htable_lookup_fn) (const void *) lookup;
    const struct mmemu_got_target page = {"tb_flush_jmp_cache_x86_64", (void *) mmemu_tb_flush_jmp_cache};
    if (mmemu_got_patch(inside, &page, 1) != 1) return 0;
    installed = 1;
    /* The translator's address of the helper (GOT) and its entry in the helpers' table, which
     * tcg_context_init reads at uc_open: both, or the call would lack the helper's flags. */
    const struct mmemu_got_target call = {"helper_lookup_tb_ptr_x86_64", (void *) mmemu_helper_lookup_tb_ptr};
    return mmemu_got_patch(inside, &call, 1) == 1 ? 3 : 1;
}
