/*
 * pkeys-pku: memory protection keys on a CPU with PKU (mmemu --cpu-model skylake-server; the
 * host has no PKU, so natively, without the 'pku' argument, it prints one line). CPUID shows PKU,
 * OSPKE and PKRU's XSAVE slot; a thread starts with init_pkru_value; pkey_alloc() sets the new
 * key's rights in PKRU; pkey_mprotect() tags pages; WRPKRU/RDPKRU run; a denied read or write is
 * SIGSEGV with SEGV_PKUERR and si_pkey, also for a page never faulted in; the signal frame is an
 * XSAVE image whose PKRU the handler reads and edits (rt_sigreturn restores it) while the handler
 * itself runs with init_pkru_value; the kernel's copy to a write-disabled buffer is EFAULT; an
 * execute-only mapping gets the execute-only key (runs, reads fault); fork inherits PKRU and the
 * allocated keys, exec resets both; two threads of one mm keep PKRUs of their own across time
 * slices (one reads a page its key denies the other); pkey_free() and exhaustion (ENOSPC);
 * /proc/self/smaps shows each VMA's ProtectionKey. Exits 0.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "calls.h"

static unsigned rdpkru(void) {
    unsigned eax, edx;
    __asm__ volatile(".byte 0x0f,0x01,0xee" : "=a"(eax), "=d"(edx) : "c"(0));
    return eax;
}

static void wrpkru(unsigned v) {
    __asm__ volatile(".byte 0x0f,0x01,0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

static sigjmp_buf env;
static volatile int faults, last_code, last_pkey, fix_frame;
static volatile unsigned frame_pkru, handler_pkru;

static volatile int *shared;
static long shared_key;

/* A thread allowed to read the key main denies itself: its PKRU is its own. */
static void *reader(void *arg) {
    long sum = 0;
    wrpkru(rdpkru() & ~(3u << 2 * shared_key));
    for (long i = 0; i < 1000000; i++) sum += shared[0];
    return (void *) sum;
}

static void on_segv(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    faults++;
    last_code = si->si_code;
    last_pkey = *(uint32_t *) ((char *) si + 0x20); /* si_pkey */
    handler_pkru = rdpkru();
    unsigned *pkru = (unsigned *) ((char *) uc->uc_mcontext.fpregs + 0xa80);
    frame_pkru = *pkru;
    if (fix_frame) {
        *pkru = 0; /* every key allowed once the handler returns */
        return;
    }
    siglongjmp(env, sig);
}

/* Reads *p, or reports the fault; returns the value or -1. */
static int try_read(const char *what, volatile int *p) {
    fix_frame = 0;
    if (sigsetjmp(env, 1)) {
        printf("%-40s SIGSEGV code %d pkey %d frame pkru %08x handler pkru %08x\n", what, last_code, last_pkey,
               frame_pkru, handler_pkru);
        return -1;
    }
    int v = *p;
    printf("%-40s read %d\n", what, v);
    return v;
}

static void try_write(const char *what, volatile int *p, int v) {
    fix_frame = 0;
    if (sigsetjmp(env, 1)) {
        printf("%-40s SIGSEGV code %d pkey %d frame pkru %08x\n", what, last_code, last_pkey, frame_pkru);
        return;
    }
    *p = v;
    printf("%-40s wrote %d\n", what, v);
}

/* The ProtectionKey line of the VMA at addr in /proc/self/smaps, or -1. */
static int smaps_pkey(const void *addr) {
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[256];
    int in = 0, key = -1;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2) in = start == (unsigned long) addr;
        else if (in && sscanf(line, "ProtectionKey: %d", &key) == 1) break;
    }
    if (f) fclose(f);
    return key;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        printf("pkeys-pku: run with 'pku' under mmemu --cpu-model skylake-server\n");
        return 0;
    }
    if (strcmp(argv[1], "exec") == 0) {
        printf("after exec: pkru %08x\n", rdpkru());
        CALL("after exec: pkey_alloc", syscall(SYS_pkey_alloc, 0, 0));
        return 0;
    }
    unsigned a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    printf("cpuid 7: pku %u ospke %u\n", (c >> 3) & 1, (c >> 4) & 1);
    __cpuid_count(0xd, 9, a, b, c, d);
    printf("cpuid d.9: size %u offset %#x\n", a, b);
    printf("start: pkru %08x\n", rdpkru());

    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);

    CALL("pkey_alloc flags 1", syscall(SYS_pkey_alloc, 1, 0));
    CALL("pkey_alloc rights 4", syscall(SYS_pkey_alloc, 0, 4));
    long k1 = syscall(SYS_pkey_alloc, 0, 0);
    CALL("pkey_alloc", k1);
    printf("pkru %08x\n", rdpkru());
    long k2 = syscall(SYS_pkey_alloc, 0, 2 /* PKEY_DISABLE_WRITE */);
    CALL("pkey_alloc write-disabled", k2);
    printf("pkru %08x\n", rdpkru());

    volatile int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *p = 42;
    CALL("pkey_mprotect key 1", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, k1));
    CALL("pkey_mprotect key 15 (not allocated)", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 15));
    printf("smaps ProtectionKey: %d\n", smaps_pkey((const void *) p));
    try_read("read, key 1 allowed", p);
    unsigned base = rdpkru();
    wrpkru(base | 1u << (2 * k1)); /* AD */
    printf("wrpkru: pkru %08x\n", rdpkru());
    try_read("read, key 1 access-disabled", p);
    printf("after longjmp: pkru %08x\n", rdpkru());
    wrpkru(base | 2u << (2 * k1)); /* WD */
    try_read("read, key 1 write-disabled", p);
    try_write("write, key 1 write-disabled", p, 43);
    int fd[2];
    pipe(fd);
    write(fd[1], "x", 1);
    CALL("read() into a write-disabled page", read(fd[0], (void *) p, 1));

    /* The handler makes PKRU 0 in the frame: the faulting write then completes. */
    wrpkru(base | 3u << (2 * k1));
    fix_frame = 1;
    faults = 0;
    *p = 44;
    printf("write fixed by the handler: faults %d, value %d, pkru %08x, frame pkru %08x\n", faults, *p, rdpkru(),
           frame_pkru);

    /* A page never touched: the fault is SEGV_PKUERR, not a fault-in. */
    volatile int *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CALL("pkey_mprotect fresh page key 2", syscall(SYS_pkey_mprotect, q, 4096, PROT_READ | PROT_WRITE, k2));
    wrpkru(base);
    try_read("read of a fresh page, key 2 allowed", q);
    try_write("write of a fresh page, key 2 write-disabled", q, 1);
    CALL("mprotect keeps the key", mprotect((void *) q, 4096, PROT_READ | PROT_WRITE));
    try_write("write after mprotect, still key 2", q, 1);

    /* Execute-only memory: its own key, access-disabled; running it works. */
    unsigned char *x = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    x[0] = 0xb8; x[1] = 7; x[2] = 0; x[3] = 0; x[4] = 0; x[5] = 0xc3; /* mov $7,%eax; ret */
    CALL("mprotect PROT_EXEC", mprotect(x, 4096, PROT_EXEC));
    printf("pkru %08x\n", rdpkru());
    printf("call execute-only code: %d\n", ((int (*)(void)) x)());
    try_read("read of execute-only memory", (volatile int *) x);
    CALL("mprotect PROT_READ|PROT_EXEC", mprotect(x, 4096, PROT_READ | PROT_EXEC));
    try_read("read after PROT_READ|PROT_EXEC", (volatile int *) x);
    volatile int *xm = mmap(NULL, 4096, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    try_read("read of an mmap(PROT_EXEC) page", xm);

    wrpkru(base | 1u << (2 * k1));
    unsigned parent = rdpkru();
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: pkru %s parent's\n", rdpkru() == parent ? "is" : "is not");
        try_read("child: read, key 1 access-disabled", p);
        CALL("child: pkey_alloc", syscall(SYS_pkey_alloc, 0, 0));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    wrpkru(base);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "exec", (char *) NULL);
        _exit(1);
    }
    waitpid(pid, NULL, 0);

    /* Threads: main denies key 1 to itself and faults each round; the reader never does. */
    shared = p;
    shared_key = k1;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    int denied = 0;
    fix_frame = 1;
    faults = 0;
    for (int round = 0; round < 100; round++) {
        wrpkru(rdpkru() | 1u << (2 * k1));
        int before = faults;
        (void) p[0];
        denied += faults == before + 1;
        for (volatile int j = 0; j < 5000; j++) {}
    }
    void *sum;
    pthread_join(t, &sum);
    printf("threads: reader sum %ld, main denied %d of 100\n", (long) sum, denied);

    CALL("pkey_free key 1", syscall(SYS_pkey_free, k1));
    CALL("pkey_free key 1 again", syscall(SYS_pkey_free, k1));
    CALL("pkey_free key 0", syscall(SYS_pkey_free, 0));
    int n = 0;
    while (syscall(SYS_pkey_alloc, 0, 0) >= 0) n++;
    printf("allocated %d more keys, then: %s\n", n, errname(errno));
    return 0;
}
