/*
 * GOT patching for mmemu_got.h: finds the shared object holding an address, looks the symbols
 * asked up in its dynamic symbol table, walks its PLT, GLOB_DAT and 64-bit data relocations for
 * those symbols and rewrites their words, making the RELRO pages read-only again after the writes.
 * Used by the deterministic clock (mmemu_clock.c), precise mode's page flushes (mmemu_tlb.c), the
 * code buffer (mmemu_code_buffer.c), the block counter (mmemu_inline_count.c) and the floating
 * point (mmemu_softfloat.c), at every start. Built by bin/setup into libmmemu_native.so.
 */
#define _GNU_SOURCE
#include "mmemu_got.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The shared object holding an address, found by its loaded segments (dladdr would also look the
 * nearest symbol up, a scan of every symbol). */
struct object_search {
    uintptr_t inside;
    ElfW(Addr) base;
    const ElfW(Dyn) *dynamic;
    uintptr_t relro_start, relro_end; /* PT_GNU_RELRO, made read-only again after the writes */
    int found;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void) size;
    struct object_search *s = data;
    int holds = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && s->inside >= start && s->inside < start + ph->p_memsz) holds = 1;
    }
    if (!holds) return 0;
    s->base = info->dlpi_addr;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC) s->dynamic = (const ElfW(Dyn) *) (info->dlpi_addr + ph->p_vaddr);
        if (ph->p_type == PT_GNU_RELRO) {
            s->relro_start = info->dlpi_addr + ph->p_vaddr;
            s->relro_end = s->relro_start + ph->p_memsz;
        }
    }
    s->found = 1;
    return 1;
}

/* A dynamic-section pointer: glibc relocates them in place on x86-64, other loaders may not. */
static uintptr_t dyn_ptr(ElfW(Addr) base, ElfW(Addr) value) {
    return value >= base ? (uintptr_t) value : (uintptr_t) (base + value);
}

/* The slots to write, found by a pass over the relocations before anything is made writable. */
#define MAX_SLOTS 64
struct slots {
    uintptr_t at[MAX_SLOTS];
    void *value[MAX_SLOTS];
    int n;
    int patched;
};

/* The symbol indices one target's relocations name (a name may have more than one entry). */
#define MAX_INDICES 4
#define MAX_TARGETS 8
struct target_indices {
    uint32_t at[MAX_INDICES];
    int n;
};

/* dl_new_hash(): the GNU hash of a symbol name. */
static uint32_t gnu_hash(const char *name) {
    uint32_t h = 5381;
    for (const unsigned char *c = (const unsigned char *) name; *c; c++) h = h * 33 + *c;
    return h;
}

/* Adds index i; 0 when there is no room left (the caller then compares names). */
static int add_index(struct target_indices *ix, uint32_t i) {
    if (ix->n == MAX_INDICES) return 0;
    ix->at[ix->n++] = i;
    return 1;
}

/*
 * The entries of the dynamic symbol table named `name`: the defined ones through the GNU hash
 * table (every symbol from its symoffset on is in it, same names in one chain), the undefined
 * ones (imports, 83 in libunicorn), which come before symoffset and are not hashed, by a scan
 * of those. Returns 0, or -1 without a GNU hash table or with more entries than ix holds: the
 * caller then compares every relocation's name.
 */
static int symbol_indices(const uint32_t *gnu, const ElfW(Sym) *symtab, const char *strtab, const char *name,
                          struct target_indices *ix) {
    if (gnu == NULL) return -1;
    uint32_t nbuckets = gnu[0], symoffset = gnu[1], bloom_words = gnu[2];
    const uint32_t *buckets = (const uint32_t *) ((const ElfW(Addr) *) &gnu[4] + bloom_words);
    const uint32_t *chain = buckets + nbuckets;
    for (uint32_t i = 1; i < symoffset; i++) {
        if (strcmp(name, strtab + symtab[i].st_name) == 0 && !add_index(ix, i)) return -1;
    }
    uint32_t h = gnu_hash(name);
    uint32_t i = nbuckets ? buckets[h % nbuckets] : 0;
    if (i < symoffset) return 0;
    for (;; i++) {
        uint32_t hi = chain[i - symoffset];
        if ((hi | 1) == (h | 1) && strcmp(name, strtab + symtab[i].st_name) == 0 && !add_index(ix, i)) return -1;
        if (hi & 1) return 0;
    }
}

/* Whether relocation r is one mmemu_got_patch writes: a PLT or GOT entry, or a data word holding
 * the function's address (a table of helpers). */
static int patchable(const ElfW(Rela) *r) {
    unsigned type = ELF64_R_TYPE(r->r_info);
    return type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT || (type == R_X86_64_64 && r->r_addend == 0);
}

static void add_slot(struct slots *out, ElfW(Addr) base, const ElfW(Rela) *r, const struct mmemu_got_target *target,
                     int t) {
    if (out->n >= MAX_SLOTS) return;
    out->at[out->n] = base + r->r_offset;
    out->value[out->n++] = target->replacement;
    out->patched |= 1 << t;
}

/* The slots of relocations [rel, rel + bytes) whose symbol is one of the targets': by index
 * (ix non-null, one per target), else by name. */
static void find_slots(ElfW(Addr) base, const ElfW(Rela) *rel, size_t bytes, const ElfW(Sym) *symtab,
                       const char *strtab, const struct mmemu_got_target *targets, int n,
                       const struct target_indices *ix, struct slots *out) {
    for (size_t i = 0; i < bytes / sizeof *rel; i++) {
        if (!patchable(&rel[i])) continue;
        uint32_t sym = ELF64_R_SYM(rel[i].r_info);
        for (int t = 0; t < n; t++) {
            int match = 0;
            if (ix != NULL) {
                for (int k = 0; k < ix[t].n; k++) match |= ix[t].at[k] == sym;
            } else {
                match = strcmp(strtab + symtab[sym].st_name, targets[t].name) == 0;
            }
            if (match) add_slot(out, base, &rel[i], &targets[t], t);
        }
    }
}

/*
 * Writes every slot with one mprotect() to make their pages writable and one to make the RELRO
 * part read-only again: each mprotect() of a multi-threaded process (the JVM's) interrupts the
 * other CPUs to flush their TLBs, which a write per slot paid a dozen times at every start.
 */
static int write_slots(const struct slots *sl, const struct object_search *obj) {
    if (sl->n == 0) return 1;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t lo = sl->at[0], hi = sl->at[0];
    for (int i = 1; i < sl->n; i++) {
        if (sl->at[i] < lo) lo = sl->at[i];
        if (sl->at[i] > hi) hi = sl->at[i];
    }
    lo &= ~(uintptr_t) (page - 1);
    hi = (hi + sizeof(void *) + (uintptr_t) page - 1) & ~(uintptr_t) (page - 1);
    if (mprotect((void *) lo, hi - lo, PROT_READ | PROT_WRITE) != 0) return 0;
    for (int i = 0; i < sl->n; i++) memcpy((void *) sl->at[i], &sl->value[i], sizeof sl->value[i]);
    uintptr_t rlo = lo > obj->relro_start ? lo : obj->relro_start;
    uintptr_t rhi = (hi < obj->relro_end ? hi : obj->relro_end) & ~(uintptr_t) (page - 1);
    if (obj->relro_end != 0 && rlo < rhi) mprotect((void *) rlo, rhi - rlo, PROT_READ);
    return 1;
}

/*
 * Finds the slots of the n targets in the shared object holding `inside` (into *obj and *sl): by
 * the targets' symbol indices, or, with by_name or without a GNU hash table, by comparing every
 * relocation's symbol name. Returns 0 when the object cannot be read.
 */
static int collect_slots(void *inside, const struct mmemu_got_target *targets, int n, int by_name,
                         struct object_search *obj, struct slots *sl) {
    *obj = (struct object_search) {(uintptr_t) inside, 0, NULL, 0, 0, 0};
    dl_iterate_phdr(find_object, obj);
    if (!obj->found || obj->dynamic == NULL) return 0;
    ElfW(Addr) base = obj->base;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const ElfW(Rela) *rela = NULL, *jmprel = NULL;
    const uint32_t *gnu = NULL;
    size_t relasz = 0, pltrelsz = 0, relacount = 0;
    for (const ElfW(Dyn) *d = obj->dynamic; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
            case DT_SYMTAB: symtab = (const ElfW(Sym) *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_STRTAB: strtab = (const char *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_RELA: rela = (const ElfW(Rela) *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_RELASZ: relasz = d->d_un.d_val; break;
            case DT_JMPREL: jmprel = (const ElfW(Rela) *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
            case DT_GNU_HASH: gnu = (const uint32_t *) dyn_ptr(base, d->d_un.d_ptr); break;
            case DT_RELACOUNT: relacount = d->d_un.d_val; break;
            default: break;
        }
    }
    if (symtab == NULL || strtab == NULL) return 0;
    /* Each target's symbol indices first, so that the pass over the relocations compares integers:
     * comparing every relocation's name with each target's cost 3-4 ms of every start, over the
     * eight calls and libunicorn's 37,000 such relocations. */
    struct target_indices ix[MAX_TARGETS];
    int by_index = !by_name && n <= MAX_TARGETS;
    for (int t = 0; t < n && by_index; t++) {
        ix[t].n = 0;
        by_index = symbol_indices(gnu, symtab, strtab, targets[t].name, &ix[t]) == 0;
    }
    /* The leading R_X86_64_RELATIVE relocations (DT_RELACOUNT of them) name no symbol. */
    if (relacount * sizeof *rela > relasz) relacount = 0;
    *sl = (struct slots) {{0}, {0}, 0, 0};
    if (jmprel) find_slots(base, jmprel, pltrelsz, symtab, strtab, targets, n, by_index ? ix : NULL, sl);
    if (rela) find_slots(base, rela + relacount, relasz - relacount * sizeof *rela, symtab, strtab, targets, n,
                         by_index ? ix : NULL, sl);
    return 1;
}

int mmemu_got_patch(void *inside, const struct mmemu_got_target *targets, int n) {
    struct object_search obj;
    struct slots sl;
    if (!collect_slots(inside, targets, n, 0, &obj, &sl)) return -1;
    return write_slots(&sl, &obj) ? sl.patched : 0;
}

long mmemu_got_slots(void *inside, const char *name, int by_name, uintptr_t *address_sum) {
    const struct mmemu_got_target target = {name, NULL};
    struct object_search obj;
    struct slots sl;
    if (!collect_slots(inside, &target, 1, by_name, &obj, &sl)) return -1;
    *address_sum = 0;
    for (int i = 0; i < sl.n; i++) *address_sum += sl.at[i];
    return sl.n;
}

void *mmemu_got_object(void *inside) {
    Dl_info info;
    if (!dladdr(inside, &info) || info.dli_fname == NULL) return NULL;
    return dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
}
