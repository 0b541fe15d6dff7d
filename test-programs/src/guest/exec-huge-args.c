/*
 * exec-huge-args: execve() with argument lists far beyond what bprm_stack_limits() allows
 * (at most 3/4 of _STK_LIM, 6 MiB, for all strings and pointers whatever RLIMIT_STACK is):
 * 65,535 argv pointers to one 128 KiB string (8 GiB of arguments from 128 KiB of memory), then
 * the same as envp. Both fail with E2BIG and the program goes on; what the guest asks for must
 * not be what the host pays. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"
#include <stdlib.h>

#define N 65535
#define LEN (128 * 1024)

int main(void) {
    char *s = malloc(LEN);
    char **v = malloc((N + 1) * sizeof *v);
    if (!s || !v) { printf("malloc failed\n"); return 1; }
    memset(s, 'a', LEN - 1);
    s[LEN - 1] = 0;
    for (int i = 0; i < N; i++) v[i] = s;
    v[N] = NULL;
    char *small[] = {"exec-huge-args", NULL};

    errno = 0;
    rc_line("execve with 65535 argv strings of 128 KiB", syscall(SYS_execve, "/proc/self/exe", v, small + 1));
    errno = 0;
    rc_line("execve with 65535 envp strings of 128 KiB", syscall(SYS_execve, "/proc/self/exe", small, v));
    return 0;
}
