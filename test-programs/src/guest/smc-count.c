/*
 * Rewrites its own code in place, alternating two routines of the same size (11 bytes) but not
 * the same number of instructions, and calls each after writing it: the engine retranslates the
 * block at the same address and size, with nothing outside the engine seeing the write (QEMU's
 * self-modifying-code detection). Instruction counts must still be exact (InstructionCountTest).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*routine)(void);

int main(void) {
    /* five one-byte nops; mov $1,%eax; ret: 7 instructions */
    static const unsigned char seven[] = {0x90, 0x90, 0x90, 0x90, 0x90, 0xb8, 1, 0, 0, 0, 0xc3};
    /* one five-byte nop; mov $2,%eax; ret: 3 instructions */
    static const unsigned char three[] = {0x0f, 0x1f, 0x44, 0x00, 0x00, 0xb8, 2, 0, 0, 0, 0xc3};
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    int sum = 0;
    for (int i = 0; i < 1000; i++) {
        memcpy(code, (i & 1) ? three : seven, sizeof seven);
        sum += ((routine) (void *) code)();
    }
    printf("sum %d\n", sum);
    return 0;
}
