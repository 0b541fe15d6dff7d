/*
 * SSE's scalar double arithmetic (ADDSD, SUBSD, MULSD, DIVSD) against the host CPU: special
 * values (signed zeros, denormals, DBL_MIN and DBL_MAX, infinities, NaNs) and pseudo-random
 * operands, in each of MXCSR's four rounding modes and with denormals-are-zero and flush-to-zero
 * set, printed as the results' bits (a digest per mode, a few results in full). mmemu computes the
 * common case (normal operands, rounding to nearest, a normal result) on the host's FPU directly
 * and everything else in QEMU's softfloat: both must give the CPU's answers.
 */
#include <fenv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile double va[24 + 2048], vb[24 + 2048];

static uint64_t bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double from(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static unsigned get_mxcsr(void) {
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m;
}

static void set_mxcsr(unsigned m) {
    __asm__ volatile("ldmxcsr %0" : : "m"(m));
}

/* FNV-1a over the four operations' results on every pair (a[i], b[i]). */
static uint64_t digest(int n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < n; i++) {
        double a = va[i], b = vb[i];
        h = (h ^ bits(a + b)) * 0x100000001b3ull;
        h = (h ^ bits(a - b)) * 0x100000001b3ull;
        h = (h ^ bits(a * b)) * 0x100000001b3ull;
        h = (h ^ bits(a / b)) * 0x100000001b3ull;
    }
    return h;
}

int main(void) {
    static const uint64_t specials[] = {
        0, 1ull << 63, 1, 0x800fffffffffffffull, 0x0010000000000000ull, 0x0010000000000001ull,
        0x3ff0000000000000ull, 0xbff0000000000000ull, 0x400921fb54442d18ull, 0x3fb999999999999aull,
        0x7fefffffffffffffull, 0xffefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0x0020000000000000ull, 0x3cb0000000000000ull, 0x4330000000000000ull,
        0x7fe0000000000000ull, 0x3fe0000000000001ull, 0x001fffffffffffffull, 0x43e0000000000000ull,
    };
    const int ns = sizeof specials / sizeof specials[0];
    int n = 0;
    for (int i = 0; i < ns; i++) {
        va[n] = from(specials[i]);
        vb[n++] = from(specials[(i * 7 + 3) % ns]);
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 2048; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* Mostly ordinary magnitudes, some anywhere in the exponent range. */
        uint64_t a = i % 4 ? (x & 0x800fffffffffffffull) | ((uint64_t) (1013 + x % 21) << 52) : x;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t b = i % 5 ? (x & 0x800fffffffffffffull) | ((uint64_t) (1013 + x % 21) << 52) : x;
        va[n] = from(a);
        vb[n++] = from(b);
    }
    for (int i = 0; i < ns; i++) {
        double a = va[i], b = vb[i];
        printf("%016llx %016llx: + %016llx - %016llx * %016llx / %016llx\n", (unsigned long long) bits(a),
               (unsigned long long) bits(b), (unsigned long long) bits(a + b), (unsigned long long) bits(a - b),
               (unsigned long long) bits(a * b), (unsigned long long) bits(a / b));
    }
    static const struct { int mode; const char *name; } modes[] = {
        {FE_TONEAREST, "to nearest"}, {FE_DOWNWARD, "downward"}, {FE_UPWARD, "upward"}, {FE_TOWARDZERO, "toward zero"},
    };
    for (unsigned m = 0; m < 4; m++) {
        fesetround(modes[m].mode);
        printf("%s: %016llx\n", modes[m].name, (unsigned long long) digest(n));
    }
    fesetround(FE_TONEAREST);
    unsigned mxcsr = get_mxcsr();
    set_mxcsr(mxcsr | 0x40);   /* DAZ */
    printf("denormals are zero: %016llx\n", (unsigned long long) digest(n));
    set_mxcsr(mxcsr | 0x8000); /* FTZ */
    printf("flush to zero: %016llx\n", (unsigned long long) digest(n));
    set_mxcsr(mxcsr);
    return 0;
}
