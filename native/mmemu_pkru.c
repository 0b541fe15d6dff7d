/*
 * The engine's PKRU (QEMU's env->pkru). Unicorn 2.1 has no register id for it, but WRPKRU and
 * RDPKRU run in the engine (QEMU's helper_wrpkru() stores env->pkru and flushes the TLB), and the
 * TLB-fill hook must know it: the page walker checks the key of each user page against it. The
 * place is read once from libunicorn's own helper_wrpkru_x86_64(CPUX86State *env, ecx, val):
 * `mov %edx,PKRU(%rdi)` gives env->pkru's offset in CPUX86State, and the `lea D(%rdi),%rax` that
 * makes env_cpu(env) for tlb_flush() gives the CPUState's distance from env. With the CPUState
 * offset in uc_struct (mmemu_tlb.c, from uc_emu_stop()'s code), an engine's PKRU is at
 * uc->cpu - D + PKRU. When the code does not have that shape (another Unicorn build) nothing here
 * is used and the PKU CPU model is refused. Bound through java.lang.foreign
 * (io.mmemu.emulator.unicorn.EnginePkru).
 */
#include <stdint.h>
#include <string.h>

extern long mmemu_cpu_offset(void);

static int32_t pkru_offset = -1;
static int32_t cpu_from_env = 0;

/*
 * Reads env->pkru's offset and env_cpu()'s displacement from helper_wrpkru's code. Returns the
 * PKRU offset in CPUX86State, or -1 when the code does not have the expected shape.
 */
long mmemu_pkru_init(const uint8_t *wrpkru) {
    int32_t pkru = -1, lea = 0;
    for (int i = 0; i < 96; i++) {
        /* 89 97 d32 = mov %edx,d32(%rdi) */
        if (pkru < 0 && wrpkru[i] == 0x89 && wrpkru[i + 1] == 0x97) memcpy(&pkru, wrpkru + i + 2, 4);
        /* 48 8d 87 d32 = lea d32(%rdi),%rax: env_cpu(env), after the store */
        if (pkru >= 0 && wrpkru[i] == 0x48 && wrpkru[i + 1] == 0x8d && wrpkru[i + 2] == 0x87) {
            memcpy(&lea, wrpkru + i + 3, 4);
            break;
        }
    }
    if (pkru <= 0 || pkru > 65536 || (pkru & 3) != 0 || lea >= 0 || lea < -1048576) return -1;
    if (mmemu_cpu_offset() < 0) return -1;
    pkru_offset = pkru;
    cpu_from_env = lea;
    return pkru;
}

/* The address of engine uc's env->pkru (after mmemu_pkru_init() succeeded and the engine is set up). */
uint32_t *mmemu_pkru_address(void *uc) {
    char *cpu = *(char **) ((char *) uc + mmemu_cpu_offset());
    return (uint32_t *) (cpu - cpu_from_env + pkru_offset);
}
