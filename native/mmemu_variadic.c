/*
 * libunicorn's two variadic functions, called from Java through the one downcall shape every
 * other call uses (io.mmemu.emulator.unicorn.UnicornNative). The SysV x86-64 ABI wants AL to bound
 * the vector registers a variadic call passes, which a non-variadic downcall leaves undefined; a
 * variadic downcall shape of its own cost every cold start a second generated class (16-25 ms on
 * the library check's thread, which the run waits for). These make the variadic call in C.
 * Built by bin/setup into .mmemu/lib/libmmemu_native.so.
 */
#include <stdint.h>

typedef long (*uc_ctl_fn)(void *uc, long control, ...);
typedef long (*uc_hook_add_fn)(void *uc, void *hh, int type, void *callback, void *user_data, uint64_t begin,
                               uint64_t end, ...);

/* uc_ctl(uc, control, a, b) through libunicorn's `fn`. */
long mmemu_variadic_ctl(uc_ctl_fn fn, void *uc, long control, long a, long b) {
    return fn(uc, control, a, b);
}

/* uc_hook_add(uc, hh, type, callback, rest[0], rest[1], rest[2], (int) rest[3]) through libunicorn's
 * `fn`: user data, begin, end and UC_HOOK_INSN's instruction, in a native array (the shape has six
 * arguments). */
long mmemu_variadic_hook_add(uc_hook_add_fn fn, void *uc, void *hh, long type, void *callback, const uint64_t *rest) {
    return fn(uc, hh, (int) type, callback, (void *) (uintptr_t) rest[0], rest[1], rest[2], (int) rest[3]);
}
