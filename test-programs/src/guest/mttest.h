/*
 * mttest.h: helpers shared by the mt-* guest programs (multithreaded differential tests).
 * Define _GNU_SOURCE and include mmtest.h before this header.
 *
 *  - mt_install_segv(): a process-wide SA_SIGINFO handler for SIGSEGV/SIGBUS that records
 *    si_signo/si_code/si_addr in the faulting thread's own (__thread) slots and
 *    siglongjmps to that thread's MT_TRY point. A fault taken outside MT_TRY restores the
 *    default action and returns, so the access faults again and kills the process.
 *  - MT_TRY(f, stmt): runs stmt in the calling thread; f (a struct mt_fault) says whether
 *    it faulted and how. Nothing is printed: workers record, the main thread prints after
 *    joining them, so the output does not depend on scheduling.
 *  - mt_fault_str(): "ok" or "SIGSEGV SEGV_MAPERR at base+0x2000".
 *  - mt_yield(): sched_yield(). Every spin loop calls it so that an emulator that switches
 *    threads only at system calls still makes progress.
 */
#ifndef MMEMU_GUEST_MTTEST_H
#define MMEMU_GUEST_MTTEST_H

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

struct mt_fault {
    int signo, code;
    uintptr_t addr;
};

static __thread sigjmp_buf mt_jmp;
static __thread volatile int mt_armed;
static __thread volatile int mt_signo, mt_code;
static __thread volatile uintptr_t mt_addr;

static __attribute__((unused)) void mt_on_segv(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    if (!mt_armed) {
        signal(sig, SIG_DFL);
        return;
    }
    mt_armed = 0;
    mt_signo = si->si_signo;
    mt_code = si->si_code;
    mt_addr = (uintptr_t)si->si_addr;
    siglongjmp(mt_jmp, 1);
}

static __attribute__((unused)) void mt_install_segv(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = mt_on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

#define MT_TRY(f, stmt)                                                                    \
    do {                                                                                   \
        (f).signo = 0;                                                                     \
        (f).code = 0;                                                                      \
        (f).addr = 0;                                                                      \
        if (sigsetjmp(mt_jmp, 1) == 0) {                                                   \
            mt_armed = 1;                                                                  \
            stmt;                                                                          \
            mt_armed = 0;                                                                  \
        } else {                                                                           \
            (f).signo = mt_signo;                                                          \
            (f).code = mt_code;                                                            \
            (f).addr = mt_addr;                                                            \
        }                                                                                  \
    } while (0)

/* "ok" or "SIGSEGV SEGV_ACCERR at base+0x1000" into buf. */
static __attribute__((unused)) const char *mt_fault_str(char *buf, size_t n, const struct mt_fault *f,
                                                        uintptr_t base) {
    if (!f->signo) {
        snprintf(buf, n, "ok");
    } else {
        long off = (long)(f->addr - base);
        snprintf(buf, n, "%s %s at base%c0x%lx",
                 f->signo == SIGSEGV ? "SIGSEGV" : f->signo == SIGBUS ? "SIGBUS" : "?",
                 code_name(f->signo, f->code), off < 0 ? '-' : '+',
                 (unsigned long)(off < 0 ? -off : off));
    }
    return buf;
}

static __attribute__((unused)) void mt_yield(void) { sched_yield(); }

/* Aborts with a message on stderr (never stdout) when a pthread call fails. */
#define MT_CHECK(call)                                                                     \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        if (rc_ != 0) {                                                                    \
            fprintf(stderr, "%s:%d: %s: %d\n", __FILE__, __LINE__, #call, rc_);           \
            _exit(99);                                                                     \
        }                                                                                  \
    } while (0)

#endif
