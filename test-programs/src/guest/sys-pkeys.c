/*
 * sys-pkeys: pkey_alloc(2), pkey_free(2) and pkey_mprotect(2) on a CPU without PKU (arch_max_pkey()
 * is 1, OSPKE off): flags and unknown rights EINVAL; the first pkey_alloc() takes key 0 and fails
 * to set its rights (EINVAL), and key 0 can never be freed (it counts as the execute-only key), so
 * later allocations are ENOSPC, also in a forked child (the mm's key state is copied); pkey_free()
 * and pkey_mprotect() with any key but -1 are EINVAL (the key check after the prot check); key -1
 * is plain mprotect() (a store to the page then faults). After exec the state is fresh again.
 * Exits 0.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calls.h"

static sigjmp_buf env;

static void on_segv(int sig) {
    siglongjmp(env, sig);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1) {
        CALL("after exec: pkey_alloc", syscall(SYS_pkey_alloc, 0, 0));
        CALL("after exec: pkey_alloc again", syscall(SYS_pkey_alloc, 0, 0));
        return 0;
    }
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CALL("pkey_mprotect key 0 before alloc", syscall(SYS_pkey_mprotect, m, 4096, PROT_READ, 0));
    CALL("pkey_alloc flags 1", syscall(SYS_pkey_alloc, 1, 0));
    CALL("pkey_alloc rights 4", syscall(SYS_pkey_alloc, 0, 4));
    CALL("pkey_alloc", syscall(SYS_pkey_alloc, 0, 0));
    CALL("pkey_alloc again", syscall(SYS_pkey_alloc, 0, 3));
    CALL("pkey_free 0", syscall(SYS_pkey_free, 0));
    CALL("pkey_free 1", syscall(SYS_pkey_free, 1));
    CALL("pkey_free -1", syscall(SYS_pkey_free, -1));
    CALL("pkey_free 16", syscall(SYS_pkey_free, 16));
    CALL("pkey_mprotect key 0", syscall(SYS_pkey_mprotect, m, 4096, PROT_READ, 0));
    CALL("pkey_mprotect key 1", syscall(SYS_pkey_mprotect, m, 4096, PROT_READ, 1));
    CALL("pkey_mprotect key -2", syscall(SYS_pkey_mprotect, m, 4096, PROT_READ, -2));
    CALL("pkey_mprotect bad prot, key 1", syscall(SYS_pkey_mprotect, m, 4096, 0x100, 1));
    CALL("pkey_mprotect unaligned, key 1", syscall(SYS_pkey_mprotect, m + 1, 4096, PROT_READ, 1));
    CALL("pkey_mprotect length 0, key 1", syscall(SYS_pkey_mprotect, m, 0, PROT_READ, 1));
    CALL("pkey_mprotect key -1", syscall(SYS_pkey_mprotect, m, 4096, PROT_READ, -1));
    signal(SIGSEGV, on_segv);
    int s = sigsetjmp(env, 1);
    if (!s) {
        m[0] = 1;
        printf("store: ok\n");
    } else {
        printf("store: signal %d\n", s);
    }
    signal(SIGSEGV, SIG_DFL);
    pid_t pid = fork();
    if (pid == 0) {
        CALL("child: pkey_alloc", syscall(SYS_pkey_alloc, 0, 0));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "exec", (char *) NULL);
        _exit(1);
    }
    waitpid(pid, NULL, 0);
    return 0;
}
