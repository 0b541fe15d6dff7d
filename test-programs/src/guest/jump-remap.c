/*
 * jump-remap: code at one address, called through a pointer (an indirect call, which the engine
 * looks up in its jump cache), is moved away with mremap and a new page with other code is mapped
 * in its place: the next call at the address runs the new code, and the old code still runs where
 * it went. The old page keeps its frame, so nothing rewrites the translated block: only the flush
 * of the moved page's translation drops it from the jump cache (native/mmemu_jump_cache.c).
 * Exits 0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*routine)(void);

/* mov $N,%eax; ret */
static void write_routine(unsigned char *at, int n) {
    const unsigned char code[] = {0xb8, (unsigned char) n, 0, 0, 0, 0xc3};
    memcpy(at, code, sizeof code);
}

/* Calls the routine at `at` many times (so that it is translated and in the jump cache): its value. */
static int call_often(void *at) {
    routine r = (routine) at;
    int sum = 0;
    for (int i = 0; i < 1000; i++) sum += r();
    return sum / 1000;
}

int main(void) {
    const int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    unsigned char *code = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *away = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED || away == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    write_routine(code, 1);
    printf("before the move: %d\n", call_often(code));
    if (mremap(code, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, away) != away) {
        perror("mremap");
        return 1;
    }
    if (mmap(code, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != code) {
        perror("mmap at the old address");
        return 1;
    }
    write_routine(code, 2);
    printf("new code at the old address: %d\n", call_often(code));
    printf("old code where it went: %d\n", call_often(away));
    return 0;
}
