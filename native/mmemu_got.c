/*
 * GOT patching for mmemu_got.h: finds the shared object holding an address, walks its PLT and
 * GLOB_DAT relocations and rewrites the entries of the symbols asked, making the RELRO page
 * read-only again after a write. Used by the deterministic clock (mmemu_clock.c) and by precise
 * mode's page flushes (mmemu_tlb.c). Built by bin/setup into libmmemu_native.so.
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
                             const char *strtab, const struct relro_search *relro,
                             const struct mmemu_got_target *targets, int n) {
    int patched = 0;
    for (size_t i = 0; i < bytes / sizeof *rel; i++) {
        unsigned type = ELF64_R_TYPE(rel[i].r_info);
        /* PLT and GOT entries, and data words holding the function's address (a table of helpers). */
        if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT
            && !(type == R_X86_64_64 && rel[i].r_addend == 0)) continue;
        const char *name = strtab + symtab[ELF64_R_SYM(rel[i].r_info)].st_name;
        for (int t = 0; t < n; t++) {
            if (strcmp(name, targets[t].name) == 0
                && patch_slot(base + rel[i].r_offset, targets[t].replacement, relro)) {
                patched |= 1 << t;
            }
        }
    }
    return patched;
}

int mmemu_got_patch(void *inside, const struct mmemu_got_target *targets, int n) {
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
    if (jmprel) patched |= patch_relocations(base, jmprel, pltrelsz, symtab, strtab, &relro, targets, n);
    if (rela) patched |= patch_relocations(base, rela, relasz, symtab, strtab, &relro, targets, n);
    return patched;
}
