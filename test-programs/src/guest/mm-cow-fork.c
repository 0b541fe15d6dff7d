/*
 * mm-cow-fork: copy-on-write across fork. Before fork the parent writes a value into
 * .data, .bss, the brk heap, a private anonymous mapping, a private file mapping and a
 * stack variable; it also has an untouched private page, a MAP_SHARED anonymous page, a
 * MADV_DONTFORK page and a MADV_WIPEONFORK page. After fork, the parent writes first
 * (its own copy), then the child checks it still sees the values from before fork,
 * writes its own values everywhere (also into the untouched page and the shared page),
 * finds the DONTFORK page unmapped (SIGSEGV SEGV_MAPERR) and the WIPEONFORK page zero;
 * then the parent checks that its values are unchanged except the shared page, which
 * holds the child's value. The child prints before the parent (they take turns through
 * pipes); only relative facts are printed. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/wait.h>
#include "mmtest.h"

#define BASE 0x500000000000UL

static int data_var = 11;
static int bss_var;

struct places {
    volatile int *data, *bss, *heap, *anon, *file, *stack, *untouched, *shared, *dontfork, *wipe;
};

static void show(const char *who, struct places *p, int stack_ok) {
    printf("%s: data %d bss %d heap %d anon %d file %d stack %d untouched %d shared %d wipe %d\n", who,
           *p->data, *p->bss, *p->heap, *p->anon, *p->file, stack_ok ? *p->stack : -1, *p->untouched,
           *p->shared, *p->wipe);
}

int main(void) {
    install_segv();
    struct places pl;
    volatile int stack_var = 16;
    uintptr_t brk0 = (uintptr_t)syscall(SYS_brk, 0);
    syscall(SYS_brk, brk0 + PAGE);
    int fd = open("/proc/self/exe", O_RDONLY);
    unsigned char *m = mmap((void *)BASE, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    unsigned char *f = mmap((void *)(BASE + 16 * PAGE), PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    unsigned char *s = mmap((void *)(BASE + 32 * PAGE), PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    pl.data = &data_var;
    pl.bss = &bss_var;
    pl.heap = (volatile int *)brk0;
    pl.anon = (volatile int *)m;
    pl.untouched = (volatile int *)(m + PAGE);
    pl.dontfork = (volatile int *)(m + 2 * PAGE);
    pl.wipe = (volatile int *)(m + 4 * PAGE);
    pl.file = (volatile int *)(f + 8);
    pl.stack = &stack_var;
    pl.shared = (volatile int *)s;
    *pl.bss = 12;
    *pl.heap = 13;
    *pl.anon = 14;
    *pl.file = 15;
    *pl.shared = 17;
    *pl.dontfork = 18;
    *pl.wipe = 19;
    printf("madvise DONTFORK: %d, WIPEONFORK: %d\n", madvise(m + 2 * PAGE, PAGE, MADV_DONTFORK),
           madvise(m + 4 * PAGE, PAGE, MADV_WIPEONFORK));
    show("parent before fork", &pl, 1);
    fflush(stdout);

    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent)) return 1;
    char c;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        if (read(to_child[0], &c, 1) != 1) _exit(1);
        show("child after parent's writes", &pl, 1);
        PROBE("child reads the DONTFORK page", BASE, (void)*pl.dontfork);
        *pl.data = 21; *pl.bss = 22; *pl.heap = 23; *pl.anon = 24; *pl.file = 25; *pl.stack = 26;
        *pl.untouched = 27; *pl.shared = 28; *pl.wipe = 29;
        show("child after its writes", &pl, 1);
        maps_print_range("child's maps at BASE", BASE, BASE + 64 * PAGE);
        fflush(stdout);
        if (write(to_parent[1], "x", 1) != 1) _exit(1);
        _exit(0);
    }
    /* parent writes first: the parent gets the copy, the child keeps the original */
    *pl.anon = 34;
    *pl.data = 31;
    if (write(to_child[1], "x", 1) != 1) return 1;
    if (read(to_parent[0], &c, 1) != 1) return 1;
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    show("parent after the child", &pl, 1);
    printf("parent's DONTFORK page kept: %s\n", *pl.dontfork == 18 ? "yes" : "no");
    maps_print_range("parent's maps at BASE", BASE, BASE + 64 * PAGE);
    return 0;
}
