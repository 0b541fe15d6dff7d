/*
 * The block counter (mmemu_count.c) inline in the translated code, instead of a call per block.
 * Built by bin/setup into libmmemu_native.so; installed once by io.mmemu.emulator.unicorn.NativePatch.
 *
 * With a single UC_HOOK_BLOCK hook, Unicorn 2.1.1 asks uc->add_inline_hook (uc_add_inline_hook,
 * reached through libunicorn's GOT when uc_open stores it) to emit a call to the callback at the
 * start of each block it translates, ahead of the block's exit check (translator_loop,
 * gen_uc_tracecode, then gen_tb_start). For mmemu_count_block that call was most of what --stats
 * cost: a call per block, with the block's instruction count looked up in a cache by address and
 * size. Here the same work becomes TCG ops in the block itself, right after its exit check:
 *
 *     count += icount
 *
 * four host instructions. Being after the exit check, they never count a block that does not run
 * because a stop was asked (from a hook or from another thread), and the block's instruction count
 * is known by then: a wrapper of tcg_gen_code (reached through the GOT from tb_gen_code) inserts
 * them once the block is translated (tcg_op_insert_after), after the first brcond following a
 * marker op the hook left, with tb->icount, QEMU's own count of the instructions it translated into
 * the block: no decoding. A counter that ends time slices (blocks->deadlines, set by BlockCounter,
 * which drops the code translated before) also gets, where the call was, ahead of the exit check:
 *
 *     if (count >= deadline) call mmemu_count_block(uc, 0, 0, blocks)   (which stops the engine)
 *
 * so that a slice ends before the first block that starts once its count is reached, as the
 * callback's did; a stop asked by a hook sets the deadline to 0 and takes the same call.
 *
 * The callback also keeps the last block it counted, for BlockCounter.afterFault, which takes
 * back the instructions a fault kept from running. The ops do not: a fault in translated code
 * makes QEMU look the block up by the host address it happened at (cpu_restore_state, through
 * libunicorn's PLT), and a wrapper keeps that block for the thread (mmemu_take_faulted_block).
 *
 * What this relies on in Debian's Unicorn 2.1.1 (QEMU 5.0's TCG), checked in libunicorn's code
 * by mmemu_inline_count_install before anything is redirected: the opcode numbers of tcg-opc.h,
 * TCGOp's link at 0x8 and arguments at 0x18, struct hook's callback at 0x28 (user data after it),
 * uc_struct's tcg_ctx (read from uc_add_inline_hook's code), CPUState's uc (read from
 * cpu_restore_state's), and TranslationBlock's pc at 0 and icount at 0x16. When a check fails
 * nothing is redirected and the callback counts, as before.
 */
#define _GNU_SOURCE
#include "mmemu_count.h"
#include "mmemu_got.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uintptr_t TCGArg;

/* tcg-opc.h's order (QEMU 5.0 as Unicorn 2.1.1 has it). */
enum { OP_DISCARD = 0, OP_SET_LABEL = 1, OP_BRCOND_I32 = 38, OP_MOVI_I64 = 64, OP_LD_I64 = 73, OP_ST_I64 = 77,
       OP_ADD_I64 = 78 };
enum { COND_LTU = 4 };
enum { TYPE_I64 = 1 };
enum { UC_HOOK_BLOCK = 8 };
#define OP_NEXT 0x08       /* TCGOp.link.tqe_next */
#define OP_ARGS 0x18       /* TCGOp.args */
#define TB_PC 0            /* TranslationBlock.pc */
#define TB_ICOUNT 0x16     /* TranslationBlock.icount */
#define HOOK_CALLBACK 0x28 /* struct hook.callback; user_data follows */

/* In the marker's unused second argument: this is mmemu's marker ("mmemucnt"). */
#define MARKER 0x6d6d656d75636e74ull
/* How far after the marker gen_tb_start's brcond may be (its ld_i32 and movi_i32 come first). */
#define MARKER_REACH 8

static void *(*temp_new)(void *s, int type, int local);
static void (*temp_free)(void *s, void *temp);
static uintptr_t (*const_i64)(void *s, int64_t value); /* a TCGv: the temp's offset from s */
static uintptr_t (*const_i32)(void *s, int32_t value);
static TCGArg *(*emit_op)(void *s, int opc);          /* the op; its arguments at OP_ARGS */
static TCGArg *(*insert_after)(void *s, TCGArg *op, int opc);
static void (*gen_op1)(void *s, int opc, TCGArg a);
static void (*gen_op3)(void *s, int opc, TCGArg a, TCGArg b, TCGArg c);
static uint8_t *(*new_label)(void *s);
static void (*brcond_i64)(void *s, int cond, uintptr_t a, uintptr_t b, void *label);
static void (*real_add_inline_hook)(void *uc, void *hook, void **args, int n);
static int (*real_gen_code)(void *s, void *tb);
static void *(*tb_lookup)(void *s, uintptr_t host_pc);
static int (*real_restore_state)(void *cpu, uintptr_t host_pc, int will_exit);
static long tcg_ctx_offset = -1, cpu_uc_offset = -1;

/* The block the last fault in translated code on this thread happened in, as mmemu_last_block(). */
static __thread uint64_t faulted_block;

/* The hook the deadline's call to mmemu_count_block is emitted for, as if it were the counter's own
 * (only its type and callback are read): uc_add_inline_hook registers and calls that callback. */
static _Alignas(8) unsigned char deadline_hook[HOOK_CALLBACK + 24];

/* The block being translated on this thread: the marker its hook left, and its counter. */
static __thread TCGArg *pending_marker;
static __thread struct mmemu_blocks *pending_blocks;

static TCGArg *op_args(TCGArg *op) {
    return (TCGArg *) ((char *) op + OP_ARGS);
}

static TCGArg temp_arg(void *s, uintptr_t tcgv) {
    return (TCGArg) ((char *) s + tcgv);
}

static uintptr_t tcgv(void *s, void *temp) {
    return (uintptr_t) ((char *) temp - (char *) s);
}

/* Inserts op `opc` with arguments a0..a2 after `op`; returns it. */
static TCGArg *insert(void *s, TCGArg *op, int opc, TCGArg a0, TCGArg a1, TCGArg a2) {
    TCGArg *next = insert_after(s, op, opc);
    op_args(next)[0] = a0;
    op_args(next)[1] = a1;
    op_args(next)[2] = a2;
    return next;
}

/*
 * The deadline's ops, where the hook's call was (ahead of the block's exit check): once the count
 * has reached the deadline (the end of a time slice, or a stop was asked), a call that stops the
 * engine, so that the exit check ends the run before the block.
 */
static void emit_deadline(void *uc, void *s, struct mmemu_blocks *blocks) {
    void *base = (void *) temp_arg(s, const_i64(s, (int64_t) (uintptr_t) blocks));
    void *count = temp_new(s, TYPE_I64, 0), *deadline = temp_new(s, TYPE_I64, 0);
    gen_op3(s, OP_LD_I64, (TCGArg) count, (TCGArg) base, offsetof(struct mmemu_blocks, count));
    gen_op3(s, OP_LD_I64, (TCGArg) deadline, (TCGArg) base, offsetof(struct mmemu_blocks, deadline));
    uint8_t *go_on = new_label(s);
    brcond_i64(s, COND_LTU, tcgv(s, count), tcgv(s, deadline), go_on);
    /* A basic block of its own, so its temps are new (TCG forgets a temp's value at a branch). */
    void *call_args[4] = {
        (void *) temp_arg(s, const_i64(s, (int64_t) (uintptr_t) uc)), (void *) temp_arg(s, const_i64(s, 0)),
        (void *) temp_arg(s, const_i32(s, 0)), (void *) temp_arg(s, const_i64(s, (int64_t) (uintptr_t) blocks))};
    real_add_inline_hook(uc, deadline_hook, call_args, 4);
    for (int i = 0; i < 4; i++) temp_free(s, call_args[i]);
    gen_op1(s, OP_SET_LABEL, (TCGArg) go_on);
    go_on[0] |= 1; /* TCGLabel.present, as gen_set_label() sets it */
    temp_free(s, base);
    temp_free(s, count);
    temp_free(s, deadline);
}

/* The marker the count's ops go after (with the exit check between): a discard of a fresh temp. */
static void emit_marker(void *s, struct mmemu_blocks *blocks) {
    void *temp = temp_new(s, TYPE_I64, 0);
    TCGArg *op = emit_op(s, OP_DISCARD);
    op_args(op)[0] = (TCGArg) temp;
    op_args(op)[1] = MARKER;
    temp_free(s, temp);
    pending_marker = op;
    pending_blocks = blocks;
}

/*
 * The count's ops for block `tb`, after the first brcond that follows the marker (gen_tb_start's
 * exit check; the marker itself if there were none, which translator_loop never does).
 */
static void insert_count(void *s, TCGArg *marker, struct mmemu_blocks *blocks, void *tb) {
    TCGArg *at = marker;
    for (int i = 0; i < MARKER_REACH && at != NULL && *(uint8_t *) at != OP_BRCOND_I32; i++)
        at = *(TCGArg **) ((char *) at + OP_NEXT);
    if (at == NULL || *(uint8_t *) at != OP_BRCOND_I32) at = marker;
    uint16_t icount = *(uint16_t *) ((char *) tb + TB_ICOUNT);
    void *base = temp_new(s, TYPE_I64, 0), *count = temp_new(s, TYPE_I64, 0), *n = temp_new(s, TYPE_I64, 0);
    at = insert(s, at, OP_MOVI_I64, (TCGArg) base, (TCGArg) blocks, 0);
    at = insert(s, at, OP_LD_I64, (TCGArg) count, (TCGArg) base, offsetof(struct mmemu_blocks, count));
    at = insert(s, at, OP_MOVI_I64, (TCGArg) n, icount, 0);
    at = insert(s, at, OP_ADD_I64, (TCGArg) count, (TCGArg) count, (TCGArg) n);
    insert(s, at, OP_ST_I64, (TCGArg) count, (TCGArg) base, offsetof(struct mmemu_blocks, count));
    temp_free(s, base);
    temp_free(s, count);
    temp_free(s, n);
}

/* uc->add_inline_hook: mmemu's block counter inline, any other hook as Unicorn emits it. */
static void mmemu_add_inline_hook(void *uc, void *hook, void **args, int n) {
    void *callback = *(void **) ((char *) hook + HOOK_CALLBACK);
    if (callback != (void *) mmemu_count_block || n != 4) {
        real_add_inline_hook(uc, hook, args, n);
        return;
    }
    struct mmemu_blocks *blocks = *(void **) ((char *) hook + HOOK_CALLBACK + 8);
    if (blocks->by_call) {
        real_add_inline_hook(uc, hook, args, n);
        return;
    }
    void *s = *(void **) ((char *) uc + tcg_ctx_offset);
    if (blocks->deadlines) emit_deadline(uc, s, blocks);
    emit_marker(s, blocks);
}

/* tcg_gen_code: the block's ops are complete, and tb->icount is set. */
static int mmemu_tcg_gen_code(void *s, void *tb) {
    TCGArg *marker = pending_marker;
    pending_marker = NULL;
    /* A translation abandoned half-way (a fault fetching its code) leaves its marker behind: only
     * an op that still is one counts. */
    if (marker != NULL && *(uint8_t *) marker == OP_DISCARD && op_args(marker)[1] == MARKER) {
        op_args(marker)[1] = 0;
        insert_count(s, marker, pending_blocks, tb);
    }
    return real_gen_code(s, tb);
}

/* cpu_restore_state: a fault (or a helper that needs the guest's state) at host address host_pc. */
static int mmemu_cpu_restore_state(void *cpu, uintptr_t host_pc, int will_exit) {
    void *uc = *(void **) ((char *) cpu + cpu_uc_offset);
    void *tb = tb_lookup(*(void **) ((char *) uc + tcg_ctx_offset), host_pc); /* NULL outside translated code */
    if (tb != NULL) faulted_block = mmemu_last_block(*(uint64_t *) ((char *) tb + TB_PC), *(uint16_t *) ((char *) tb + TB_ICOUNT));
    return real_restore_state(cpu, host_pc, will_exit);
}

/* The block the last fault in translated code on this thread happened in (mmemu_last_block()), or
 * 0 when none happened since the last call. */
uint64_t mmemu_take_faulted_block(void) {
    uint64_t block = faulted_block;
    faulted_block = 0;
    return block;
}

/* Whether the n bytes of `pattern` are in the first `within` bytes of code at `at`. */
static int has_code(const void *at, int within, const char *pattern, int n) {
    return at != NULL && memmem(at, (size_t) within, pattern, (size_t) n) != NULL;
}

/*
 * Checks libunicorn's code for what the ops above rely on, then points libunicorn's GOT entries of
 * tcg_gen_code_x86_64, cpu_restore_state_x86_64 and uc_add_inline_hook_x86_64 here. Before any
 * engine is opened: an engine keeps the add_inline_hook it was opened with. Returns 3 when all
 * were redirected, 0 when the code has another shape, 1 when uc_add_inline_hook's entry could not
 * be (the other wrappers then have nothing to do), -1 when libunicorn cannot be found from `inside`.
 */
int mmemu_inline_count_install(void *inside) {
    void *lib = mmemu_got_object(inside);
    if (lib == NULL) return -1;
    const uint8_t *add_hook = dlsym(lib, "uc_add_inline_hook_x86_64");
    temp_new = dlsym(lib, "tcg_temp_new_internal_x86_64");
    temp_free = dlsym(lib, "tcg_temp_free_internal_x86_64");
    const_i64 = dlsym(lib, "tcg_const_i64_x86_64");
    emit_op = dlsym(lib, "tcg_emit_op_x86_64");
    insert_after = dlsym(lib, "tcg_op_insert_after_x86_64");
    gen_op1 = dlsym(lib, "tcg_gen_op1_x86_64");
    gen_op3 = dlsym(lib, "tcg_gen_op3_x86_64");
    new_label = dlsym(lib, "gen_new_label_x86_64");
    brcond_i64 = dlsym(lib, "tcg_gen_brcond_i64_x86_64");
    real_gen_code = dlsym(lib, "tcg_gen_code_x86_64");
    tb_lookup = dlsym(lib, "tcg_tb_lookup_x86_64");
    real_restore_state = dlsym(lib, "cpu_restore_state_x86_64");
    const_i32 = dlsym(lib, "tcg_const_i32_x86_64");
    const void *call_n = dlsym(lib, "tcg_gen_callN_x86_64");
    const void *translator_loop = dlsym(lib, "translator_loop_x86_64");
    const void *movcond_i64 = dlsym(lib, "tcg_gen_movcond_i64_x86_64");
    const void *brcond_i32 = dlsym(lib, "tcg_gen_brcond_i32_x86_64");
    dlclose(lib);
    if (!add_hook || !temp_new || !temp_free || !const_i64 || !const_i32 || !emit_op || !insert_after || !gen_op1 || !gen_op3 || !new_label
            || !brcond_i64 || !movcond_i64 || !brcond_i32 || !real_gen_code || !tb_lookup || !real_restore_state)
        return 0;
    /* tcg-opc.h's order: movi_i64 in tcg_const_i64, movi_i32 in tcg_const_i32, movcond_i64 (66, just
     * before ld_i64 and the others used here), call (mov $opc,%esi before tcg_emit_op, _op2, _op6). */
    if (!has_code(const_i64, 48, "\xbe\x40\x00\x00\x00", 5) || !has_code(const_i32, 48, "\xbe\x06\x00\x00\x00", 5)
            || !has_code(movcond_i64, 96, "\xbe\x42\x00\x00\x00", 5) || !has_code(call_n, 64, "\xbe\x02\x00\x00\x00", 5)
            || !has_code(brcond_i32, 64, "\xbe\x26\x00\x00\x00", 5))
        return 0;
    /* TCGOp.args at 0x18: tcg_gen_op3 stores its first argument there (mov %r12,0x18(%rax)). */
    if (!has_code(gen_op3, 32, "\x4c\x89\x60\x18", 4)) return 0;
    /* translator_loop stores the block's size and icount (mov %ax,0x14(%rdx); mov %cx,0x16(%rdx)). */
    if (!has_code(translator_loop, 0x1000, "\x66\x89\x42\x14", 4) || !has_code(translator_loop, 0x1000, "\x66\x89\x4a\x16", 4))
        return 0;
    /* uc_add_inline_hook: movq 0x28(%r13),%xmm0 (hk->callback), then mov d32(%r12),%r14 (uc->tcg_ctx). */
    if (!has_code(add_hook, 64, "\xf3\x41\x0f\x7e\x45\x28", 6)) return 0;
    const uint8_t *at = memmem(add_hook, 96, "\x4d\x8b\xb4\x24", 4);
    if (at == NULL) return 0;
    int32_t off;
    memcpy(&off, at + 4, sizeof off);
    if (off <= 0 || off > 65536 || (off & 7) != 0) return 0;
    /* cpu_restore_state: mov d32(%rdi),%rax (cpu->uc), then mov 0x2e8(%rax),%r13 (uc->tcg_ctx). */
    const uint8_t *restore = (const uint8_t *) real_restore_state;
    const uint8_t *uc_load = memmem(restore, 32, "\x48\x8b\x87", 3);
    if (uc_load == NULL || memcmp(uc_load + 7, "\x4c\x8b\xa8", 3) != 0 || memcmp(uc_load + 10, &off, 4) != 0) return 0;
    int32_t uc_off;
    memcpy(&uc_off, uc_load + 3, sizeof uc_off);
    if (uc_off <= 0 || uc_off > 1 << 20 || (uc_off & 7) != 0) return 0;
    cpu_uc_offset = uc_off;
    tcg_ctx_offset = off;
    real_add_inline_hook = (void (*)(void *, void *, void **, int)) add_hook;
    *(int *) deadline_hook = UC_HOOK_BLOCK;
    void *callback = (void *) mmemu_count_block;
    memcpy(deadline_hook + HOOK_CALLBACK, &callback, sizeof callback);
    /* The wrappers that finish the ops' work first: alone they change nothing, while markers no
     * wrapper turned into ops, or a fault's block not kept, would count wrong. */
    const struct mmemu_got_target gen_code[] = {
        {"tcg_gen_code_x86_64", (void *) mmemu_tcg_gen_code}, {"cpu_restore_state_x86_64", (void *) mmemu_cpu_restore_state}};
    if (mmemu_got_patch(inside, gen_code, 2) != 3) return 0;
    const struct mmemu_got_target add_inline_hook = {"uc_add_inline_hook_x86_64", (void *) mmemu_add_inline_hook};
    return mmemu_got_patch(inside, &add_inline_hook, 1) == 1 ? 3 : 1;
}
