/*
 * auxv-dump [ARGS...]: checks the initial process stack the loader builds: argc, the
 * argv strings, and the auxiliary vector. Prints only facts that are the same on every
 * x86-64 Linux kernel and under every load address: argv[0] and AT_EXECFN as basenames,
 * presence of the AT_ entries musl and the kernel always provide, AT_PAGESZ, AT_PHNUM,
 * AT_PHENT, AT_SECURE and AT_CLKTCK values, that AT_ENTRY is _start, that AT_PHDR is the
 * program header table of this image (found through the linker's __ehdr_start), the
 * type of each program header, that the 16 AT_RANDOM bytes are readable, and that the
 * entry stack pointer was 16-byte aligned (the x86-64 ABI puts argc at rsp, so argv
 * sits at rsp + 8: argv % 16 == 8). No addresses are printed. Exits 0.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

extern void _start(void);
extern const Elf64_Ehdr __ehdr_start;

struct aux_name {
    unsigned long type;
    const char *name;
};

static const struct aux_name required[] = {
    {AT_PHDR, "AT_PHDR"},     {AT_PHENT, "AT_PHENT"},   {AT_PHNUM, "AT_PHNUM"},
    {AT_PAGESZ, "AT_PAGESZ"}, {AT_ENTRY, "AT_ENTRY"},   {AT_RANDOM, "AT_RANDOM"},
    {AT_EXECFN, "AT_EXECFN"}, {AT_HWCAP, "AT_HWCAP"},   {AT_SECURE, "AT_SECURE"},
    {AT_CLKTCK, "AT_CLKTCK"}, {AT_UID, "AT_UID"},       {AT_EUID, "AT_EUID"},
    {AT_GID, "AT_GID"},       {AT_EGID, "AT_EGID"},     {AT_PLATFORM, "AT_PLATFORM"},
};

/* musl's getauxval returns 0 with errno ENOENT for a missing entry, so 0 stays usable. */
static int present(unsigned long type) {
    errno = 0;
    unsigned long v = getauxval(type);
    return !(v == 0 && errno == ENOENT);
}

static const char *basename_of(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static const char *ptype_name(uint32_t type) {
    switch (type) {
    case PT_NULL: return "PT_NULL";
    case PT_LOAD: return "PT_LOAD";
    case PT_DYNAMIC: return "PT_DYNAMIC";
    case PT_INTERP: return "PT_INTERP";
    case PT_NOTE: return "PT_NOTE";
    case PT_PHDR: return "PT_PHDR";
    case PT_TLS: return "PT_TLS";
    case PT_GNU_EH_FRAME: return "PT_GNU_EH_FRAME";
    case PT_GNU_STACK: return "PT_GNU_STACK";
    case PT_GNU_RELRO: return "PT_GNU_RELRO";
    case 0x6474e553: return "PT_GNU_PROPERTY";
    default: return "PT_OTHER";
    }
}

int main(int argc, char **argv) {
    printf("argc %d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("argv[%d] \"%s\"\n", i, i == 0 ? basename_of(argv[0]) : argv[i]);
    }
    printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
    printf("entry rsp 16-byte aligned: %s\n", ((uintptr_t)argv & 15) == 8 ? "yes" : "no");

    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        printf("%s present: %s\n", required[i].name, present(required[i].type) ? "yes" : "no");
    }
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("AT_PHENT %lu\n", getauxval(AT_PHENT));
    printf("AT_PHNUM %lu\n", getauxval(AT_PHNUM));
    printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
    printf("AT_CLKTCK %lu\n", getauxval(AT_CLKTCK));
    printf("AT_UID == AT_EUID: %s\n", getauxval(AT_UID) == getauxval(AT_EUID) ? "yes" : "no");
    printf("AT_PLATFORM \"%s\"\n", present(AT_PLATFORM) ? (const char *)getauxval(AT_PLATFORM) : "");
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN basename \"%s\"\n", execfn ? basename_of(execfn) : "");
    printf("AT_ENTRY == _start: %s\n", getauxval(AT_ENTRY) == (uintptr_t)&_start ? "yes" : "no");

    const unsigned char *ehdr = (const unsigned char *)&__ehdr_start;
    printf("ELF header magic: %s\n", memcmp(ehdr, ELFMAG, SELFMAG) == 0 ? "yes" : "no");
    uintptr_t phdr_addr = getauxval(AT_PHDR);
    printf("AT_PHDR == image + e_phoff: %s\n",
           phdr_addr == (uintptr_t)ehdr + __ehdr_start.e_phoff ? "yes" : "no");
    printf("AT_PHNUM == e_phnum: %s\n", getauxval(AT_PHNUM) == __ehdr_start.e_phnum ? "yes" : "no");
    const Elf64_Phdr *phdr = (const Elf64_Phdr *)phdr_addr;
    int loads = 0;
    for (unsigned long i = 0; i < getauxval(AT_PHNUM); i++) {
        printf("phdr[%lu] %s flags %c%c%c\n", i, ptype_name(phdr[i].p_type),
               phdr[i].p_flags & PF_R ? 'r' : '-', phdr[i].p_flags & PF_W ? 'w' : '-',
               phdr[i].p_flags & PF_X ? 'x' : '-');
        loads += phdr[i].p_type == PT_LOAD;
    }
    printf("PT_LOAD count %d\n", loads);

    const volatile unsigned char *random = (const unsigned char *)getauxval(AT_RANDOM);
    int readable = 0;
    unsigned fold = 0;
    for (int i = 0; random != NULL && i < 16; i++) {
        fold ^= random[i];
        readable++;
    }
    (void)fold;
    printf("AT_RANDOM bytes readable: %d\n", readable);
    return 0;
}
