/* The legacy vsyscall page (vsyscall=xonly, Linux's default since 5.18): calls into its three
 * entry points work and return to the caller; reading it, jumping into the middle of an entry or
 * passing a kernel pointer gets SIGSEGV. Prints only what any host shows: relations, not times. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define VSYSCALL 0xffffffffff600000UL

typedef long (*gtod_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(long *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static sigjmp_buf env;
static volatile int last_code;
static volatile unsigned long last_addr;

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void) sig; (void) uc;
    last_code = si->si_code;
    last_addr = (unsigned long) si->si_addr;
    siglongjmp(env, 1);
}

static const char *code_name(int code) {
    switch (code) {
    case SEGV_MAPERR: return "SEGV_MAPERR";
    case SEGV_ACCERR: return "SEGV_ACCERR";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "other";
    }
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);

    struct timeval tv = {0, 0};
    struct timezone tz = {1, 1};
    long r = ((gtod_fn) VSYSCALL)(&tv, &tz);
    long now = syscall(SYS_time, NULL);
    printf("gettimeofday: %ld, seconds within 2 of time(2): %s, usec < 1e6: %s, tz zeroed: %s\n", r,
           tv.tv_sec >= now - 2 && tv.tv_sec <= now ? "yes" : "no", tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "yes" : "no",
           tz.tz_minuteswest == 0 && tz.tz_dsttime == 0 ? "yes" : "no");
    printf("gettimeofday(NULL, NULL): %ld\n", ((gtod_fn) VSYSCALL)(NULL, NULL));

    long t = 0;
    long rt = ((time_fn) (VSYSCALL + 0x400))(&t);
    printf("time: returned = stored: %s, within 2 of time(2): %s\n", rt == t ? "yes" : "no",
           rt >= now && rt <= now + 2 ? "yes" : "no");

    unsigned cpu = 12345, node = 12345;
    long rc = ((getcpu_fn) (VSYSCALL + 0x800))(&cpu, &node, NULL);
    printf("getcpu: %ld, cpu < 1024: %s, node 0: %s\n", rc, cpu < 1024 ? "yes" : "no", node == 0 ? "yes" : "no");

    if (sigsetjmp(env, 1) == 0) {
        volatile unsigned long v = *(volatile unsigned long *) VSYSCALL;
        (void) v;
        printf("read: no fault\n");
    } else {
        printf("read: SIGSEGV %s at the page: %s\n", code_name(last_code), last_addr == VSYSCALL ? "yes" : "no");
    }
    if (sigsetjmp(env, 1) == 0) {
        ((time_fn) (VSYSCALL + 0x10))(NULL);
        printf("misaligned call: returned\n");
    } else {
        printf("misaligned call: SIGSEGV %s\n", code_name(last_code));
    }
    if (sigsetjmp(env, 1) == 0) {
        ((time_fn) (VSYSCALL + 0x400))((long *) 0xffff800000000000UL);
        printf("kernel pointer: returned\n");
    } else {
        printf("kernel pointer: SIGSEGV %s at it: %s\n", code_name(last_code),
               last_addr == 0xffff800000000000UL ? "yes" : "no");
    }
    if (sigsetjmp(env, 1) == 0) {
        ((time_fn) (VSYSCALL + 0x400))((long *) 0x10);
        printf("unmapped pointer: returned\n");
    } else {
        printf("unmapped pointer: SIGSEGV %s\n", code_name(last_code));
    }
    return 0;
}
