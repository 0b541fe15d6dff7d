/*
 * wild-jump: calls address 0x10000, which is canonical and user-space but never mapped
 * in a static non-PIE program (the image starts at 0x400000). The instruction fetch
 * faults, no VMA covers the address, and the kernel kills the process with SIGSEGV:
 * status 139 (128 + SIGSEGV). Prints nothing.
 */
#include <stdint.h>

int main(void) {
    /* volatile: keep the compiler from reasoning about the call target. */
    volatile uintptr_t target = 0x10000;
    void (*fn)(void) = (void (*)(void))target;
    fn();
    return 0;
}
