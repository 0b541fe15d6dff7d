/*
 * sig-altstack: sigaltstack() as kernel/signal.c and arch/x86/kernel/signal.c do it.
 *
 * Checked: no alternate stack at start (SS_DISABLE); ENOMEM below MINSIGSTKSZ (2048) and 2048
 * itself accepted; EINVAL for an unknown mode; EFAULT for an unreadable new stack and for an
 * unwritable old one (the new one is set all the same); SS_DISABLE forgets the stack; an
 * SA_ONSTACK handler runs on the alternate stack and sees SS_ONSTACK there, EPERM for any change
 * while on it, and its ucontext's uc_stack; a handler without SA_ONSTACK runs on the normal stack;
 * a nested SA_ONSTACK signal stays on the alternate stack below the first frame; SS_AUTODISARM
 * disarms the stack inside the handler (changes allowed there) and rt_sigreturn re-arms it; a
 * fork child inherits the stack; and the classic use: a recursion overflowing the stack (under
 * a 256 KiB RLIMIT_STACK) gets SIGSEGV, handled on the alternate stack. Addresses are printed as
 * yes/no answers: the frame's size depends on the CPU's XSAVE features. Exits 0.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ucontext.h>
#include "mmtest.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static char altstack[65536] __attribute__((aligned(16)));
static char altstack2[65536] __attribute__((aligned(16)));

static long sas(const stack_t *ss, stack_t *old) { return syscall(SYS_sigaltstack, ss, old); }

static int on(const char *stack, size_t size, const void *p) {
    return (const char *)p >= stack && (const char *)p < stack + size;
}

static void show(const char *what) {
    stack_t o;
    if (sas(NULL, &o) != 0) {
        printf("%s: %s\n", what, ename(errno));
        return;
    }
    printf("%s: flags 0x%x, sp %s, size %zu\n", what, (unsigned)o.ss_flags,
           o.ss_sp == NULL ? "NULL" : o.ss_sp == altstack ? "altstack" : o.ss_sp == altstack2 ? "altstack2" : "?",
           o.ss_size);
}

static volatile int depth;

static void on_usr1(int sig, siginfo_t *si, void *uc_) {
    ucontext_t *uc = uc_;
    char local;
    (void)sig;
    (void)si;
    stack_t o;
    sas(NULL, &o);
    stack_t again = {.ss_sp = altstack2, .ss_size = sizeof altstack2, .ss_flags = 0};
    errno = 0;
    long r = sas(&again, NULL);
    printf("  handler %d: on the alternate stack %s, sigaltstack says 0x%x, change: %ld %s, uc_stack flags 0x%x sp %s\n",
           depth, on(altstack, sizeof altstack, &local) ? "yes" : "no", (unsigned)o.ss_flags, r, r ? ename(errno) : "",
           (unsigned)uc->uc_stack.ss_flags, uc->uc_stack.ss_sp == altstack ? "altstack" : "other");
    if (depth++ == 0) raise(SIGUSR1); /* SA_NODEFER: nested */
}

static char *outer_local;

static void on_usr2(int sig) {
    char local;
    (void)sig;
    printf("  SIGUSR2 handler without SA_ONSTACK: on the alternate stack %s\n",
           on(altstack, sizeof altstack, &local) ? "yes" : "no");
}

static void on_nested(int sig, siginfo_t *si, void *uc) {
    char local;
    (void)sig;
    (void)si;
    (void)uc;
    if (!outer_local) {
        outer_local = &local;
        raise(SIGUSR1);
        return;
    }
    printf("  nested handler: on the alternate stack %s, below the first %s\n",
           on(altstack, sizeof altstack, &local) ? "yes" : "no", &local < outer_local ? "yes" : "no");
}

static void on_autodisarm(int sig, siginfo_t *si, void *uc) {
    char local;
    (void)sig;
    (void)si;
    (void)uc;
    stack_t o;
    sas(NULL, &o);
    stack_t none = {.ss_flags = SS_DISABLE};
    errno = 0;
    long r = sas(&none, NULL);
    printf("  autodisarm handler: on the alternate stack %s, sigaltstack says 0x%x size %zu, disabling: %ld\n",
           on(altstack, sizeof altstack, &local) ? "yes" : "no", (unsigned)o.ss_flags, o.ss_size, r);
}

static sigjmp_buf overflow_jmp;

static void on_segv_alt(int sig, siginfo_t *si, void *uc) {
    char local;
    (void)uc;
    printf("  SIGSEGV handler: signal %d, code %s, on the alternate stack %s\n", sig,
           si->si_code == SEGV_MAPERR ? "SEGV_MAPERR" : si->si_code == SEGV_ACCERR ? "SEGV_ACCERR" : "?",
           on(altstack, sizeof altstack, &local) ? "yes" : "no");
    fflush(stdout);
    siglongjmp(overflow_jmp, 1);
}

/* Recurses until the stack overflows (the bound is never reached: 2^30 KiB of frames). */
static int recurse(int n) {
    volatile char pad[1024];
    pad[0] = (char)n;
    depth = n;
    if (n == 1 << 30) return pad[0];
    return recurse(n + 1) + pad[0];
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(void) {
    show("at start");
    stack_t ss = {.ss_sp = altstack, .ss_size = 2047, .ss_flags = 0};
    R("size 2047", sas(&ss, NULL));
    ss.ss_size = 2048;
    R("size 2048 (MINSIGSTKSZ)", sas(&ss, NULL));
    show("after");
    ss.ss_flags = 4;
    R("flags 4", sas(&ss, NULL));
    ss.ss_flags = SS_ONSTACK | 4;
    R("flags SS_ONSTACK|4", sas(&ss, NULL));
    R("unreadable new stack", sas((stack_t *)0x10000, NULL));
    ss = (stack_t){.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    R("unwritable old stack", sas(&ss, (stack_t *)0x10000));
    show("after it");
    stack_t off = {.ss_sp = altstack2, .ss_size = 1, .ss_flags = SS_DISABLE};
    R("SS_DISABLE (size ignored)", sas(&off, NULL));
    show("disabled");
    R("SS_ONSTACK as a mode", sas(&(stack_t){.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = SS_ONSTACK}, NULL));
    show("set with SS_ONSTACK");
    R("set with 0", sas(&ss, NULL));

    /* Delivery. */
    handle(SIGUSR1, on_usr1, SA_ONSTACK | SA_NODEFER);
    printf("raise SIGUSR1 (SA_ONSTACK | SA_NODEFER, raised again inside):\n");
    raise(SIGUSR1);
    show("after the handlers");
    signal(SIGUSR2, on_usr2);
    printf("raise SIGUSR2:\n");
    raise(SIGUSR2);
    handle(SIGUSR1, on_nested, SA_ONSTACK | SA_NODEFER);
    printf("raise SIGUSR1 (nested):\n");
    raise(SIGUSR1);

    /* SS_AUTODISARM. */
    ss.ss_flags = SS_AUTODISARM;
    R("set with SS_AUTODISARM", sas(&ss, NULL));
    show("armed");
    handle(SIGUSR2, on_autodisarm, SA_ONSTACK);
    printf("raise SIGUSR2 (SA_ONSTACK):\n");
    raise(SIGUSR2);
    show("after the handler (rt_sigreturn restored it)");
    ss.ss_flags = 0;
    R("set with 0", sas(&ss, NULL));

    /* fork. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show("child");
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);

    /* Stack overflow, handled on the alternate stack. */
    struct rlimit rl = {256 * 1024, 256 * 1024};
    R("setrlimit STACK 256 KiB", setrlimit(RLIMIT_STACK, &rl));
    handle(SIGSEGV, on_segv_alt, SA_ONSTACK);
    printf("recursing:\n");
    fflush(stdout);
    if (sigsetjmp(overflow_jmp, 1) == 0) {
        recurse(0);
        printf("  no overflow?\n");
    }
    printf("overflowed past %s 200 frames of 1 KiB\n", depth > 200 ? "more than" : "fewer than");
    show("after the overflow");
    return 0;
}
