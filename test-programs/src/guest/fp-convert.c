/*
 * Integer-to-double conversions (CVTSI2SD of 32- and 64-bit integers) against the host CPU:
 * edge values (powers of two around 2^53, where rounding starts; INT64_MIN/MAX and their
 * neighbours) and pseudo-random ones, in each of MXCSR's four rounding modes, printed as the
 * doubles' bits. mmemu converts with the host's instruction when the guest rounds to nearest and
 * with QEMU's softfloat otherwise: both must give the CPU's answers.
 */
#include <fenv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile int64_t v64[64 + 4096];
static volatile int32_t v32[16 + 4096];

static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* FNV-1a over the conversions' bits: one line per rounding mode. */
static uint64_t digest(int n64, int n32) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < n64; i++) h = (h ^ bits((double) v64[i])) * 0x100000001b3ull;
    for (int i = 0; i < n32; i++) h = (h ^ bits((double) v32[i])) * 0x100000001b3ull;
    return h;
}

int main(void) {
    static const int64_t edges[] = {
        0, 1, -1, 2, 3, 0x7fffffff, -0x7fffffffLL - 1, 1LL << 52, (1LL << 53) - 1, 1LL << 53, (1LL << 53) + 1,
        (1LL << 53) + 2, (1LL << 53) + 3, -((1LL << 53) + 1), -((1LL << 53) + 3), (1LL << 54) + 2, (1LL << 54) + 6,
        INT64_MAX, INT64_MAX - 511, INT64_MAX - 512, INT64_MAX - 1023, INT64_MAX - 1024, INT64_MIN, INT64_MIN + 1,
        0x123456789abcdefLL, -0x123456789abcdefLL,
    };
    int n64 = 0, n32 = 0;
    for (unsigned i = 0; i < sizeof edges / sizeof edges[0]; i++) v64[n64++] = edges[i];
    static const int32_t edges32[] = {0, 1, -1, 0x7fffffff, -0x7fffffff - 1, 0x40000000, -123456789};
    for (unsigned i = 0; i < sizeof edges32 / sizeof edges32[0]; i++) v32[n32++] = edges32[i];
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 4096; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v64[n64++] = (int64_t) (x >> (i % 64));
        v32[n32++] = (int32_t) (x >> (i % 33));
    }
    for (unsigned i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        printf("%lld -> %016llx\n", (long long) v64[i], (unsigned long long) bits((double) v64[i]));
    }
    static const struct { int mode; const char *name; } modes[] = {
        {FE_TONEAREST, "to nearest"}, {FE_DOWNWARD, "downward"}, {FE_UPWARD, "upward"}, {FE_TOWARDZERO, "toward zero"},
    };
    for (unsigned m = 0; m < 4; m++) {
        fesetround(modes[m].mode);
        printf("%s: %016llx (INT64_MAX -> %016llx, 2^53+1 -> %016llx)\n", modes[m].name,
               (unsigned long long) digest(n64, n32), (unsigned long long) bits((double) v64[17]),
               (unsigned long long) bits((double) v64[10]));
    }
    fesetround(FE_TONEAREST);
    return 0;
}
