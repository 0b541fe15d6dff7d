/*
 * GOT patching for mmemu_got.h: finds the shared object holding an address, walks its PLT,
 * GLOB_DAT and 64-bit data relocations and rewrites the words of the symbols asked, making the
 * RELRO pages read-only again after the writes. Used by the deterministic clock (mmemu_clock.c),
 * precise mode's page flushes (mmemu_tlb.c) and the floating point (mmemu_softfloat.c). Built by
 * bin/setup into libmmemu_native.so.
 */
#define _GNU_SOURCE
#include "mmemu_got.h"

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

static void find_slots(ElfW(Addr) base, const ElfW(Rela) *rel, size_t bytes, const ElfW(Sym) *symtab,
                       const char *strtab, const struct mmemu_got_target *targets, int n, struct slots *out) {
    for (size_t i = 0; i < bytes / sizeof *rel; i++) {
        unsigned type = ELF64_R_TYPE(rel[i].r_info);
        /* PLT and GOT entries, and data words holding the function's address (a table of helpers). */
        if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT
            && !(type == R_X86_64_64 && rel[i].r_addend == 0)) continue;
        const char *name = strtab + symtab[ELF64_R_SYM(rel[i].r_info)].st_name;
        for (int t = 0; t < n; t++) {
            if (strcmp(name, targets[t].name) == 0 && out->n < MAX_SLOTS) {
                out->at[out->n] = base + rel[i].r_offset;
                out->value[out->n++] = targets[t].replacement;
                out->patched |= 1 << t;
            }
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

int mmemu_got_patch(void *inside, const struct mmemu_got_target *targets, int n) {
    struct object_search obj = {(uintptr_t) inside, 0, NULL, 0, 0, 0};
    dl_iterate_phdr(find_object, &obj);
    if (!obj.found || obj.dynamic == NULL) return -1;
    ElfW(Addr) base = obj.base;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const ElfW(Rela) *rela = NULL, *jmprel = NULL;
    size_t relasz = 0, pltrelsz = 0;
    for (const ElfW(Dyn) *d = obj.dynamic; d->d_tag != DT_NULL; d++) {
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
    struct slots sl = {{0}, {0}, 0, 0};
    if (jmprel) find_slots(base, jmprel, pltrelsz, symtab, strtab, targets, n, &sl);
    if (rela) find_slots(base, rela, relasz, symtab, strtab, targets, n, &sl);
    return write_slots(&sl, &obj) ? sl.patched : 0;
}
