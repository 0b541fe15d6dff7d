/*
 * The x86 flags of the translator's most common lazy case, without libunicorn's switch. Built by
 * bin/setup into libmmemu_native.so; installed once by io.mmemu.emulator.unicorn.NativePatch.
 *
 * QEMU computes EFLAGS lazily: an instruction records its result (CC_DST), an operand (CC_SRC)
 * and its kind (CC_OP), and an instruction that reads the flags calls
 * helper_cc_compute_all(dst, src1, src2, op), a switch over some fifty kinds behind a jump table.
 * QEMU 5's translator reads all of them for a `test` followed by jle, jg, jl or jge (later QEMU
 * tests sign and zero inline, the "test+jump" case of gen_prepare_cc): every one of the 2.5
 * million calls of fannkuch-redux 9 is CC_OP_LOGICL, a 32-bit `test` or `and`, and the helper was
 * 5.8% of a fannkuch-redux 11 profile. mmemu_cc_compute_all answers that kind itself, in a leaf,
 * and hands every other to libunicorn's helper (a tail call).
 *
 * CC_OP_LOGICL is 24 in QEMU 5.0's enum (target/i386/cpu.h). mmemu_flags_install checks that
 * libunicorn's helper answers kind 24 as a 32-bit logic operation would, on 4,096 values, before
 * it points the translator at this one: with another numbering nothing is redirected.
 */
#define _GNU_SOURCE
#include "mmemu_got.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

#define CC_OP_LOGICL 24
#define CC_P 0x04
#define CC_Z 0x40
#define CC_S 0x80
#define CHECKED_VALUES 4096

typedef uint64_t (*compute_all_fn)(uint64_t dst, uint64_t src1, int64_t src2, int op);
static compute_all_fn unicorns;
static int checked;

/* helper_cc_compute_all() (target/i386/cc_helper.c); compute_all_logicl's flags for CC_OP_LOGICL:
 * CF, AF and OF clear, PF from the low byte's parity, ZF and SF from the 32-bit result. */
static uint64_t mmemu_cc_compute_all(uint64_t dst, uint64_t src1, int64_t src2, int op) {
    if (op != CC_OP_LOGICL) return unicorns(dst, src1, src2, op);
    uint32_t d = (uint32_t) dst;
    return (uint64_t) ((__builtin_parity(d & 0xff) ? 0 : CC_P) | (d == 0 ? CC_Z : 0) | (d >> 24 & CC_S));
}

/* For the tests: how many values the install compared with libunicorn's helper (0: not installed). */
long mmemu_flags_checked(void) {
    return checked;
}

/*
 * Compares mmemu_cc_compute_all with libunicorn's helper_cc_compute_all_x86_64 for CC_OP_LOGICL
 * on small, edge and pseudo-random values (src1 and src2, which the kind ignores, varied too),
 * then points the translator's references to the helper (its GOT entry and its row in the helpers'
 * table, read at uc_open) here. Returns 1 when redirected, 0 when libunicorn has no such helper,
 * -2 when a value disagreed, -1 when libunicorn cannot be found from `inside`.
 */
int mmemu_flags_install(void *inside) {
    void *lib = mmemu_got_object(inside);
    if (lib == NULL) return -1;
    unicorns = (compute_all_fn) dlsym(lib, "helper_cc_compute_all_x86_64");
    dlclose(lib);
    if (unicorns == NULL) return 0;
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int i = 0; i < CHECKED_VALUES; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* the first 128: single bits, and their neighbours below, at every position */
        uint64_t v = i < 64 ? 1ull << i : i < 128 ? (1ull << (i - 64)) - 1 : x;
        if (unicorns(v, x >> 3, (int64_t) x, CC_OP_LOGICL) != mmemu_cc_compute_all(v, x >> 3, (int64_t) x, CC_OP_LOGICL))
            return -2;
    }
    const struct mmemu_got_target target = {"helper_cc_compute_all_x86_64", (void *) mmemu_cc_compute_all};
    int done = mmemu_got_patch(inside, &target, 1);
    if (done == 1) checked = CHECKED_VALUES;
    return done;
}
