/* Lab 3 reference solution: 4 zero-page maps, 3 COW copies, 2 COW reuses, 1 stack expansion. */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

/* One write 1 MiB below the caller's frame: far under the stack VMA's bottom (exec leaves it about
 * 128 KiB deep), so one fault grows the VMA once (expand_stack()); a write, so it maps a new page
 * and not the zero page. noinline keeps the frame here; the array is never touched page by page. */
__attribute__((noinline)) static void grow_stack(void) {
    volatile char deep[1 << 20];
    deep[0] = 1;
    (void) deep[0];
}

int main(void) {
    /* Part 1: before fork(). */
    volatile char *p = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    int sum = 0;
    for (int i = 0; i < 4; i++) sum += p[i * PAGE];  /* 4 reads of untouched pages: 4 zero-page maps */
    for (int i = 0; i < 3; i++) p[i * PAGE] = 1;     /* 3 writes to zero-page mappings: 3 COW copies */
    grow_stack();                                    /* 1 stack expansion */

    pid_t pid = fork();
    if (pid == 0) _exit(0); /* the child exits at once */
    waitpid(pid, 0, 0);

    /* Part 2: after the child has exited. */
    /* Pages 0 and 1 were write-protected by fork() and nobody else maps them now: 2 COW reuses. */
    for (int i = 0; i < 2; i++) p[i * PAGE] = 2;
    return sum; /* 0: every page read as zero */
}
