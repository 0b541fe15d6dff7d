/*
 * segv-top-of-space: loads and stores at the top of the address space, caught by a SIGSEGV
 * handler that prints si_code and si_addr. A store through MAP_FAILED ((void *) -1) is what a
 * program that ignores a failed mmap() does; the fault address is then the last byte of the
 * address space, 0xffffffffffffffff, which the kernel reports as it is (SEGV_MAPERR).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

static sigjmp_buf back;

static void on_segv(int sig, siginfo_t *si, void *ctx) {
    (void) ctx;
    printf("  signal %d, si_code %d, si_addr %#llx\n", sig, si->si_code,
           (unsigned long long) (uintptr_t) si->si_addr);
    siglongjmp(back, 1);
}

static void store8(uintptr_t a) { *(volatile uint64_t *) a = 1; }
static void store1(uintptr_t a) { *(volatile uint8_t *) a = 1; }
static void load8(uintptr_t a) { (void) *(volatile uint64_t *) a; }

static void try(const char *what, void (*f)(uintptr_t), uintptr_t a) {
    printf("%s at %#llx:\n", what, (unsigned long long) a);
    fflush(stdout);
    if (sigsetjmp(back, 1) == 0) {
        f(a);
        printf("  no fault\n");
    }
    fflush(stdout);
}

int main(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, 0);
    try("8-byte store through MAP_FAILED", store8, (uintptr_t) MAP_FAILED);
    try("1-byte store", store1, UINTPTR_MAX);
    try("8-byte load", load8, UINTPTR_MAX);
    try("8-byte store", store8, UINTPTR_MAX - 3);
    try("8-byte store", store8, UINTPTR_MAX - 7);
    try("1-byte store", store1, 0xffff800000000000ULL);
    return 0;
}
