/*
 * Integer-to-double conversions for libunicorn's SSE and x87 helpers, done by the host's own
 * CVTSI2SD. QEMU 5's softfloat (Unicorn 2.1) converts an integer to a double in software every
 * time (int_to_float(), then float64_round_pack_canonical()), reached through two PLT hops from
 * helper_cvtsi2sd: about 15% of a run of the benchmarks game's spectral-norm, whose inner loop
 * converts an int for each division.
 *
 * The result is the same by construction: every int32 is a double exactly (no rounding, no
 * flag), and an int64 rounded to nearest-even is IEEE 754's one correctly rounded result, inexact
 * exactly when it needed more than 53 significant bits. Anything else (another rounding mode in
 * the guest's MXCSR, a scale, a host MXCSR not rounding to nearest) goes to softfloat as before.
 * mmemu_softfloat_install() compares both on a table of values first (result and flags) and
 * changes nothing if one differs, then points libunicorn's GOT entries of int32_to_float64,
 * int64_to_float64 and int64_to_float64_scalbn here (mmemu_got.c). Built by bin/setup into
 * libmmemu_native.so; bound through java.lang.foreign (io.mmemu.emulator.unicorn.FastConversions).
 */
#include "mmemu_got.h"

#include <stdint.h>
#include <string.h>
#include <xmmintrin.h>

/* QEMU 5.0's float_status (include/fpu/softfloat-types.h): only the first three fields are used. */
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
 * edge cases and pseudo-random values, then patches the GOT of the object holding `inside`.
 * Returns the bits of mmemu_got_patch (0: nothing patched), or -2 when a value disagreed.
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
    for (int i = 0; i < 4096; i++) {
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
