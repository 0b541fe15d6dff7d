/*
 * A deterministic clock for libunicorn. QEMU's softmmu resizes each CPU's TLB on a flush from what
 * it saw over a 100 ms window of host time (tlb_mmu_resize_locked() in accel/tcg/cputlb.c, which
 * reads get_clock_realtime(), i.e. gettimeofday()). The TLB's size decides which translations
 * survive, so how many misses reach mmemu's TLB fill hook depended on how fast the host ran: the
 * same run counted different TLB fills from one time to the next. And RDTSC read the host's TSC
 * (helper_rdtsc() -> cpu_get_tsc() -> rdtsc).
 *
 * mmemu_clock_install() points libunicorn's own GOT entries of gettimeofday, clock_gettime and
 * cpu_get_tsc_x86_64 at the functions below, which return a virtual time that advances by a fixed
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
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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

struct target {
    const char *name;
    void *replacement;
    int bit;
};

static const struct target targets[] = {
    {"gettimeofday", (void *) mmemu_gettimeofday, PATCHED_GETTIMEOFDAY},
    {"clock_gettime", (void *) mmemu_clock_gettime, PATCHED_CLOCK_GETTIME},
    {"cpu_get_tsc_x86_64", (void *) mmemu_cpu_get_tsc, PATCHED_GET_TSC},
};

struct relro_search {
    ElfW(Addr) base;
    uintptr_t start, end;   /* the object's PT_GNU_RELRO range, made read-only again after a write */
};

static int find_relro(struct dl_phdr_info *info, size_t size, void *data) {
    (void) size;
    struct relro_search *s = data;
    if (info->dlpi_addr != s->base) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_GNU_RELRO) {
            s->start = info->dlpi_addr + ph->p_vaddr;
            s->end = s->start + ph->p_memsz;
        }
    }
    return 1;
}

/* A dynamic-section pointer: glibc relocates them in place on x86-64, other loaders may not. */
static uintptr_t dyn_ptr(ElfW(Addr) base, ElfW(Addr) value) {
    return value >= base ? (uintptr_t) value : (uintptr_t) (base + value);
}

static int patch_slot(uintptr_t slot, void *replacement, const struct relro_search *relro) {
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t first = slot & ~(uintptr_t) (page - 1);
    if (mprotect((void *) first, (size_t) page, PROT_READ | PROT_WRITE) != 0) return 0;
    memcpy((void *) slot, &replacement, sizeof replacement);
    if (slot >= relro->start && slot < relro->end) mprotect((void *) first, (size_t) page, PROT_READ);
    return 1;
}

static int patch_relocations(ElfW(Addr) base, const ElfW(Rela) *rel, size_t bytes, const ElfW(Sym) *symtab,
                             const char *strtab, const struct relro_search *relro) {
    int patched = 0;
    for (size_t i = 0; i < bytes / sizeof *rel; i++) {
        unsigned type = ELF64_R_TYPE(rel[i].r_info);
        if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
        const char *name = strtab + symtab[ELF64_R_SYM(rel[i].r_info)].st_name;
        for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
            if (strcmp(name, targets[t].name) == 0
                && patch_slot(base + rel[i].r_offset, targets[t].replacement, relro)) {
                patched |= targets[t].bit;
            }
        }
    }
    return patched;
}

/**
 * Points the GOT entries of gettimeofday, clock_gettime and cpu_get_tsc_x86_64 of the shared
 * object that holds address `inside` (libunicorn's uc_open) at this file's virtual clock.
 * Returns the PATCHED_* bits of the entries changed, or -1 when the object cannot be read.
 */
int mmemu_clock_install(void *inside) {
    Dl_info info;
    struct link_map *map = NULL;
    if (!dladdr1(inside, &info, (void **) &map, RTLD_DL_LINKMAP) || map == NULL) return -1;
    ElfW(Addr) base = map->l_addr;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const ElfW(Rela) *rela = NULL, *jmprel = NULL;
    size_t relasz = 0, pltrelsz = 0;
    for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
            case DT_SYMTAB: symtab = (const ElfW(Sym) *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_STRTAB: strtab = (const char *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_RELA: rela = (const ElfW(Rela) *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_RELASZ: relasz = d->d_un.d_val; break;
            case DT_JMPREL: jmprel = (const ElfW(Rela) *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
            default: break;
        }
    }
    if (symtab == NULL || strtab == NULL) return -1;
    struct relro_search relro = {base, 0, 0};
    dl_iterate_phdr(find_relro, &relro);
    int patched = 0;
    if (jmprel) patched |= patch_relocations(base, jmprel, pltrelsz, symtab, strtab, &relro);
    if (rela) patched |= patch_relocations(base, rela, relasz, symtab, strtab, &relro);
    return patched;
}
