/*
 * A UC_HOOK_CODE callback that counts executed instructions in native code, so --stats can
 * report exact instruction counts without a Java upcall per instruction. Built by bin/setup
 * into .mmemu/lib/libmmemu_native.so and bound through java.lang.foreign (InstructionCounter).
 */
#include <stdint.h>

void mmemu_count_insn(void *uc, uint64_t address, uint32_t size, void *counter) {
    (void) uc;
    (void) address;
    (void) size;
    ++*(uint64_t *) counter;
}
