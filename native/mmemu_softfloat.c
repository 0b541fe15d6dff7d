/*
 * libunicorn's floating point, where QEMU 5 (Unicorn 2.1) is slow or wrong. Three parts, each
 * checked against libunicorn's own code before libunicorn's GOT is pointed here (mmemu_got.c),
 * and left alone if anything differs:
 *
 *  - integer-to-double conversions by the host's CVTSI2SD (mmemu_softfloat_install). QEMU 5's
 *    softfloat converts in software every time (int_to_float(), then
 *    float64_round_pack_canonical()), two PLT hops below helper_cvtsi2sd: about 15% of the
 *    benchmarks game's spectral-norm, whose inner loop converts an int for each division. Every
 *    int32 is a double exactly (no rounding, no flag), and an int64 rounded to nearest-even is
 *    IEEE 754's one correctly rounded result, inexact exactly when it needed more than 53
 *    significant bits; anything else (another rounding mode in the guest's MXCSR, a scale, a host
 *    MXCSR not rounding to nearest) goes to softfloat as before;
 *  - SSE's scalar double add, subtract, multiply and divide (mmemu_softfloat_install_sse), below;
 *  - MXCSR.FTZ, which QEMU 5 gives to the x87 instead of SSE (mmemu_softfloat_fix_ftz), at the end.
 *
 * Built by bin/setup into libmmemu_native.so; bound through java.lang.foreign
 * (io.mmemu.emulator.unicorn.SoftFloat).
 */
#include "mmemu_got.h"

#include <stdint.h>
#include <string.h>
#include <xmmintrin.h>

/* QEMU 5.0's float_status (include/fpu/softfloat-types.h), at env->sse_status. */
struct mmemu_float_status {
    signed char float_detect_tininess;
    signed char float_rounding_mode;
    uint8_t float_exception_flags;
    signed char floatx80_rounding_precision;
    uint8_t flush_to_zero, flush_inputs_to_zero, default_nan_mode, snan_bit_is_one;
};

#define FLOAT_ROUND_NEAREST_EVEN 0 /* float_round_nearest_even */
#define FLOAT_FLAG_INEXACT 32      /* float_flag_inexact */
#define MXCSR_RC 0x6000            /* the host's rounding control: 0 is to nearest */

typedef uint64_t (*scalbn_fn)(int64_t a, int scale, struct mmemu_float_status *s);

static scalbn_fn soft_int64_to_float64_scalbn;

static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* int32_to_float64(): exact for every int32, whatever the rounding mode; no flag. */
static uint64_t mmemu_int32_to_float64(int32_t a, struct mmemu_float_status *s) {
    (void) s;
    return bits((double) a);
}

/* int64_to_float64_scalbn(): the host's conversion for scale 0 and round-to-nearest-even, else softfloat's. */
static uint64_t mmemu_int64_to_float64_scalbn(int64_t a, int scale, struct mmemu_float_status *s) {
    if (scale != 0 || s->float_rounding_mode != FLOAT_ROUND_NEAREST_EVEN || (_mm_getcsr() & MXCSR_RC) != 0) {
        return soft_int64_to_float64_scalbn(a, scale, s);
    }
    double d = (double) a;
    /* Inexact when the double is not a again; 2^63 (INT64_MAX and its neighbours rounded up) is past int64. */
    if (d >= 9223372036854775808.0 || (int64_t) d != a) s->float_exception_flags |= FLOAT_FLAG_INEXACT;
    return bits(d);
}

static uint64_t mmemu_int64_to_float64(int64_t a, struct mmemu_float_status *s) {
    return mmemu_int64_to_float64_scalbn(a, 0, s);
}

/* Whether the conversions above give softfloat's result and flags for a and for -a. */
static int agrees(int64_t a) {
    for (int neg = 0; neg < 2; neg++) {
        int64_t v = neg ? (int64_t) (0 - (uint64_t) a) : a;
        struct mmemu_float_status soft = {0}, fast = {0};
        uint64_t want = soft_int64_to_float64_scalbn(v, 0, &soft);
        if (mmemu_int64_to_float64_scalbn(v, 0, &fast) != want || memcmp(&soft, &fast, sizeof soft) != 0) return 0;
        if (v == (int32_t) v && mmemu_int32_to_float64((int32_t) v, &fast) != want) return 0;
    }
    return 1;
}

/*
 * Checks the conversions against libunicorn's own int64_to_float64_scalbn_x86_64 (`soft`) on
 * edge cases and 1,024 pseudo-random values (and their negations), then patches the GOT of the
 * object holding `inside`. Returns the bits of mmemu_got_patch (0: nothing patched), or -2 when a value disagreed.
 */
int mmemu_softfloat_install(void *inside, void *soft) {
    soft_int64_to_float64_scalbn = (scalbn_fn) soft;
    static const int64_t edges[] = {
        0, 1, 2, 3, 0x7fffffff, -0x7fffffffLL - 1, 1LL << 52, (1LL << 53) - 1, 1LL << 53, (1LL << 53) + 1,
        (1LL << 53) + 2, (1LL << 53) + 3, (1LL << 54) + 2, (1LL << 54) + 6, INT64_MAX, INT64_MAX - 511,
        INT64_MAX - 512, INT64_MAX - 1023, INT64_MAX - 1024, INT64_MIN, INT64_MIN + 1, 0x123456789abcdefLL,
    };
    for (unsigned i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        if (!agrees(edges[i])) return -2;
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 1024; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        if (!agrees((int64_t) (x >> (i % 64)))) return -2;
    }
    const struct mmemu_got_target targets[] = {
        {"int32_to_float64_x86_64", (void *) mmemu_int32_to_float64},
        {"int64_to_float64_x86_64", (void *) mmemu_int64_to_float64},
        {"int64_to_float64_scalbn_x86_64", (void *) mmemu_int64_to_float64_scalbn},
    };
    return mmemu_got_patch(inside, targets, 3);
}

/*
 * SSE's scalar double add, subtract, multiply and divide (ADDSD, SUBSD, MULSD, DIVSD). QEMU 5's
 * helper_mulsd(env, d, s) calls float64_mul(d, s, &env->sse_status) through the PLT, and
 * float64_mul takes the host's FPU ("hardfloat") once the inexact flag is set and the rounding is
 * to nearest-even, after classifying both inputs with a chain of floating-point compares. The
 * helpers below do that case in a few integer tests: with the inexact flag already set, rounding
 * to nearest-even, no denormals-are-zero, both inputs normal, and a result neither infinite nor
 * at most DBL_MIN, softfloat's answer is the host's and sets no flag. Every other case goes to
 * libunicorn's own float64_* function, which decides as before. mmemu_softfloat_install_sse
 * checks them against libunicorn's helpers on a grid of values and statuses before replacing them.
 */
typedef uint64_t (*op2_fn)(uint64_t a, uint64_t b, struct mmemu_float_status *s);
typedef void (*sse_helper_fn)(void *env, uint64_t *d, const uint64_t *s);

static op2_fn soft_add, soft_sub, soft_mul, soft_div;
static long sse_status_offset = -1;

#define EXP(x) (((x) >> 52) & 0x7ff)
#define NORMAL(x) (EXP(x) != 0 && EXP(x) != 0x7ff)
#define DBL_MIN_BITS 0x0010000000000000ull

static double as_double(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Whether a and b take the host's FPU with no flag to set: see above. */
static int fast_inputs(uint64_t a, uint64_t b, const struct mmemu_float_status *st) {
    return (st->float_exception_flags & FLOAT_FLAG_INEXACT) && st->float_rounding_mode == FLOAT_ROUND_NEAREST_EVEN
           && !st->flush_inputs_to_zero && NORMAL(a) && NORMAL(b);
}

/* Whether the host's result r is softfloat's as it is: neither infinite nor NaN, and above DBL_MIN. */
static int fast_result(uint64_t r) {
    return EXP(r) != 0x7ff && (r & ~(1ull << 63)) > DBL_MIN_BITS;
}

/* The softfloat case, apart so that the helpers' fast path needs no frame (a tail call here). */
static __attribute__((noinline)) void sse_soft(op2_fn soft, uint64_t *d, uint64_t b, struct mmemu_float_status *st) {
    d[0] = soft(d[0], b, st);
}

#define SSE_SD_HELPER(name, op, soft)                                                            \
    static void mmemu_helper_##name(void *env, uint64_t *d, const uint64_t *s) {                 \
        struct mmemu_float_status *st = (struct mmemu_float_status *) ((char *) env + sse_status_offset); \
        uint64_t a = d[0], b = s[0];                                                             \
        if (fast_inputs(a, b, st)) {                                                             \
            uint64_t r = bits(as_double(a) op as_double(b));                                     \
            if (fast_result(r)) {                                                                \
                d[0] = r;                                                                        \
                return;                                                                          \
            }                                                                                    \
        }                                                                                        \
        sse_soft(soft, d, b, st);                                                                \
    }

SSE_SD_HELPER(addsd, +, soft_add)
SSE_SD_HELPER(subsd, -, soft_sub)
SSE_SD_HELPER(mulsd, *, soft_mul)
SSE_SD_HELPER(divsd, /, soft_div)

/* The sse_status offset in CPUX86State, from helper_mulsd's `lea OFF(%rdi),%rdx` (48 8d 97 d32); -1 if absent. */
static long find_sse_status(const uint8_t *code) {
    for (int i = 0; i < 24; i++) {
        if (code[i] == 0x48 && code[i + 1] == 0x8d && code[i + 2] == 0x97) {
            int32_t off;
            memcpy(&off, code + i + 3, sizeof off);
            return off > 0 && off < 65536 ? off : -1;
        }
    }
    return -1;
}

/* Whether helper `mine` gives the result and status of libunicorn's helper `theirs` for d, s under status st. */
static int helper_agrees(sse_helper_fn mine, sse_helper_fn theirs, uint8_t *env, uint64_t d, uint64_t s,
                         const struct mmemu_float_status *st) {
    struct mmemu_float_status *status = (struct mmemu_float_status *) (env + sse_status_offset);
    uint64_t d1 = d, d2 = d, s1 = s;
    *status = *st;
    theirs(env, &d1, &s1);
    struct mmemu_float_status after = *status;
    *status = *st;
    mine(env, &d2, &s1);
    return d1 == d2 && memcmp(&after, status, sizeof after) == 0;
}

/*
 * Checks the four helpers against libunicorn's (`theirs`: helper_addsd, subsd, mulsd, divsd) on
 * a grid of special and ordinary values and pseudo-random pairs, under the fast path's status and
 * the three that each leave it, then patches every reference to libunicorn's helpers (the helper
 * table and the GOT: the translator calls what these hold).
 * `soft` are libunicorn's float64_add, sub, mul and div. Returns mmemu_got_patch's bits, 0 when
 * the code has another shape, or -2 when a case disagreed.
 */
int mmemu_softfloat_install_sse(void *inside, void *const *theirs, void *const *soft) {
    sse_status_offset = find_sse_status((const uint8_t *) theirs[2]);
    if (sse_status_offset < 0) return 0;
    soft_add = (op2_fn) soft[0], soft_sub = (op2_fn) soft[1], soft_mul = (op2_fn) soft[2], soft_div = (op2_fn) soft[3];
    const sse_helper_fn mine[] = {mmemu_helper_addsd, mmemu_helper_subsd, mmemu_helper_mulsd, mmemu_helper_divsd};
    static const uint64_t values[] = {
        0, 1ull << 63, 1, 0x000fffffffffffffull, 0x8000000000000001ull, DBL_MIN_BITS, DBL_MIN_BITS + 1,
        0x3ff0000000000000ull, 0xbff0000000000000ull, 0x400921fb54442d18ull, 0x3fb999999999999aull,
        0x7fefffffffffffffull, 0xffefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0x7ff4000000000000ull, 0xfff8000000000001ull, 0x0020000000000000ull,
        0x3cb0000000000000ull, 0x4330000000000000ull, 0x7fe0000000000000ull, 0x0010000000000003ull,
    };
    static uint8_t env[65536 + 64];
    const int n = sizeof values / sizeof values[0];
    /* The statuses that matter: the fast path's (inexact set, to nearest), and the three that
     * each leave it (no inexact flag yet, another rounding mode, denormals-are-zero). It runs at
     * every start, so it stays a few milliseconds. */
    static const struct { uint8_t flags; signed char round; uint8_t daz; } statuses[] = {
        {FLOAT_FLAG_INEXACT, FLOAT_ROUND_NEAREST_EVEN, 0}, {0, FLOAT_ROUND_NEAREST_EVEN, 0},
        {FLOAT_FLAG_INEXACT | 1, 1, 0}, {FLOAT_FLAG_INEXACT, FLOAT_ROUND_NEAREST_EVEN, 1},
    };
    for (int f = 0; f < 4; f++) {
        for (unsigned t = 0; t < sizeof statuses / sizeof statuses[0]; t++) {
            struct mmemu_float_status st = {0};
            st.float_exception_flags = statuses[t].flags;
            st.float_rounding_mode = statuses[t].round;
            st.flush_inputs_to_zero = statuses[t].daz;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (!helper_agrees(mine[f], (sse_helper_fn) theirs[f], env, values[i], values[j], &st)) return -2;
                }
            }
            uint64_t x = 0x2545f4914f6cdd1dull;
            for (int k = 0; k < 256; k++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                uint64_t a = x;
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                if (!helper_agrees(mine[f], (sse_helper_fn) theirs[f], env, a, x, &st)) return -2;
            }
        }
    }
    const struct mmemu_got_target targets[] = {
        {"helper_addsd_x86_64", (void *) mmemu_helper_addsd},
        {"helper_subsd_x86_64", (void *) mmemu_helper_subsd},
        {"helper_mulsd_x86_64", (void *) mmemu_helper_mulsd},
        {"helper_divsd_x86_64", (void *) mmemu_helper_divsd},
    };
    return mmemu_got_patch(inside, targets, 4);
}

/*
 * MXCSR.FTZ. QEMU 5's update_mxcsr_status() (target/i386/fpu_helper.c) sets flush-to-zero in
 * env->fp_status, the x87's, instead of env->sse_status: SSE results that should flush to zero
 * (a program built with -ffast-math sets FTZ and DAZ at start-up) came out denormal, and x87
 * results that should not, flushed. Every caller reaches it through libunicorn's PLT;
 * mmemu_update_mxcsr_status runs it, then puts the bit where it belongs.
 */
static void (*qemu_update_mxcsr_status)(void *env);
static long mxcsr_offset = -1, x87_ftz_offset = -1;

#define MXCSR_FZ 0x8000

static void mmemu_update_mxcsr_status(void *env) {
    qemu_update_mxcsr_status(env);
    uint32_t mxcsr;
    memcpy(&mxcsr, (char *) env + mxcsr_offset, sizeof mxcsr);
    struct mmemu_float_status *sse = (struct mmemu_float_status *) ((char *) env + sse_status_offset);
    sse->flush_to_zero = (mxcsr & MXCSR_FZ) != 0;
    ((uint8_t *) env)[x87_ftz_offset] = 0;
}

/*
 * Reads env->mxcsr's offset (`mov OFF(%rdi),%eax`: 8b 87 d32) and the x87 flush-to-zero byte's
 * (`mov %al,OFF(%rdi)`: 88 87 d32, the one byte update_mxcsr_status stores from %al) from
 * `update`'s code, checks them against the sse_status offset (mxcsr follows it, 8 bytes on; the
 * x87's float_status comes before), tries the result on a scratch CPU state, then patches
 * libunicorn's GOT. Needs mmemu_softfloat_install_sse to have found sse_status. Returns
 * mmemu_got_patch's bits, 0 when the code has another shape, -2 when the scratch check failed.
 */
int mmemu_softfloat_fix_ftz(void *inside, void *update) {
    const uint8_t *code = update;
    if (sse_status_offset < 0) return 0;
    for (int i = 0; i < 96 && (mxcsr_offset < 0 || x87_ftz_offset < 0); i++) {
        int32_t off;
        if (code[i] == 0xc3) break; /* ret */
        if (code[i] == 0x8b && code[i + 1] == 0x87 && mxcsr_offset < 0) memcpy(&off, code + i + 2, 4), mxcsr_offset = off;
        if (code[i] == 0x88 && code[i + 1] == 0x87 && x87_ftz_offset < 0) memcpy(&off, code + i + 2, 4), x87_ftz_offset = off;
    }
    if (mxcsr_offset != sse_status_offset + 8 || x87_ftz_offset <= 0 || x87_ftz_offset >= sse_status_offset) return 0;
    qemu_update_mxcsr_status = (void (*)(void *)) update;
    static uint8_t env[65536];
    for (uint32_t fz = 0; fz <= MXCSR_FZ; fz += MXCSR_FZ) {
        uint32_t mxcsr = 0x1f80 | 0x40 | fz; /* masked exceptions, DAZ, FTZ or not */
        memcpy(env + mxcsr_offset, &mxcsr, sizeof mxcsr);
        mmemu_update_mxcsr_status(env);
        const struct mmemu_float_status *sse = (const struct mmemu_float_status *) (env + sse_status_offset);
        if (sse->flush_to_zero != (fz != 0) || !sse->flush_inputs_to_zero || env[x87_ftz_offset] != 0) return -2;
    }
    const struct mmemu_got_target target = {"update_mxcsr_status_x86_64", (void *) mmemu_update_mxcsr_status};
    return mmemu_got_patch(inside, &target, 1);
}
