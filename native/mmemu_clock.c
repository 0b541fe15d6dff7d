/*
 * A deterministic clock for libunicorn. QEMU's softmmu resizes each CPU's TLB on a flush from what
 * it saw over a 100 ms window of host time (tlb_mmu_resize_locked() in accel/tcg/cputlb.c, which
 * reads get_clock_realtime(), i.e. gettimeofday()). The TLB's size decides which translations
 * survive, so how many misses reach mmemu's TLB fill hook depended on how fast the host ran: the
 * same run counted different TLB fills from one time to the next. And RDTSC read the host's TSC
 * (helper_rdtsc() -> cpu_get_tsc() -> rdtsc).
 *
 * mmemu_clock_install() points libunicorn's own GOT entries of gettimeofday, clock_gettime and
 * cpu_get_tsc_x86_64 at the functions below (mmemu_got.c), which return a virtual time that advances by a fixed
 * step on every reading: the decisions QEMU takes from time depend only on how many readings came
 * before, which is the same in every run. Nothing else in the process is affected (the JVM and
 * libc keep the real clock). Readings in libunicorn happen at TLB flushes (a few thousand a
 * second), so this costs nothing measurable.
 *
 * The clock is per host thread: every engine of a machine runs on the thread that drives the
 * machine, so a run sees the same sequence of readings however many machines other threads run
 * at the same time. mmemu_clock_reset() starts the calling thread's clock afresh (a new machine,
 * or a machine handed to another thread). Built by bin/setup into libmmemu_native.so, with the
 * instruction counter (mmemu_count.c); bound through java.lang.foreign (DeterministicClock).
 */
#include "mmemu_got.h"

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/*
 * Virtual nanoseconds per reading: 16 readings make one of QEMU's 100 ms TLB windows, so a TLB
 * that stays underused for about 16 flushes shrinks. (With the host clock, malloc-churn read it
 * 150 to 200 times per 100 ms; shorter windows changed its TLB fills by 0.04%, and no speed.)
 */
#define MMEMU_CLOCK_STEP_NS (100000000LL / 16)
/* Where a fresh clock starts: one virtual second, so that no reading is zero or negative. */
#define MMEMU_CLOCK_START_NS 1000000000LL
/* TSC ticks per RDTSC: a virtual 1 GHz TSC that advances 1 us per read. */
#define MMEMU_TSC_STEP 1000ULL

static __thread int64_t clock_ns = MMEMU_CLOCK_START_NS;
static __thread uint64_t clock_readings;
static __thread uint64_t tsc;

static int64_t advance(void) {
    clock_readings++;
    clock_ns += MMEMU_CLOCK_STEP_NS;
    return clock_ns;
}

static int mmemu_gettimeofday(struct timeval *tv, void *tz) {
    (void) tz;
    int64_t ns = advance();
    if (tv) {
        tv->tv_sec = ns / 1000000000LL;
        tv->tv_usec = (ns % 1000000000LL) / 1000;
    }
    return 0;
}

static int mmemu_clock_gettime(clockid_t id, struct timespec *ts) {
    (void) id;
    int64_t ns = advance();
    if (ts) {
        ts->tv_sec = ns / 1000000000LL;
        ts->tv_nsec = ns % 1000000000LL;
    }
    return 0;
}

/* uint64_t cpu_get_tsc(CPUX86State *env) in hw/i386/x86.c: RDTSC, RDTSCP and RDMSR of the TSC. */
static uint64_t mmemu_cpu_get_tsc(void *env) {
    (void) env;
    tsc += MMEMU_TSC_STEP;
    return tsc;
}

/** Starts the calling thread's clock afresh: the readings that follow are those of a new process. */
void mmemu_clock_reset(void) {
    clock_ns = MMEMU_CLOCK_START_NS;
    clock_readings = 0;
    tsc = 0;
}

/** How many times libunicorn read the clock on the calling thread since its last reset. */
uint64_t mmemu_clock_readings(void) {
    return clock_readings;
}

/* Bits of mmemu_clock_install's result: which entries now point here. */
#define PATCHED_GETTIMEOFDAY 1
#define PATCHED_CLOCK_GETTIME 2
#define PATCHED_GET_TSC 4

/**
 * Points the GOT entries of gettimeofday, clock_gettime and cpu_get_tsc_x86_64 of the shared
 * object that holds address `inside` (libunicorn's uc_open) at this file's virtual clock.
 * Returns the PATCHED_* bits of the entries changed, or -1 when the object cannot be read.
 */
int mmemu_clock_install(void *inside) {
    static const struct mmemu_got_target targets[] = {
        {"gettimeofday", (void *) mmemu_gettimeofday},   /* PATCHED_GETTIMEOFDAY */
        {"clock_gettime", (void *) mmemu_clock_gettime}, /* PATCHED_CLOCK_GETTIME */
        {"cpu_get_tsc_x86_64", (void *) mmemu_cpu_get_tsc}, /* PATCHED_GET_TSC */
    };
    return mmemu_got_patch(inside, targets, 3);
}
