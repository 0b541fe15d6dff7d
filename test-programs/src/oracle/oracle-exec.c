/*
 * oracle-exec PROGRAM [ARGS...]: runs a guest program on the host kernel, the oracle, from the
 * same starting state every time, whatever process started it (a shell, Maven's surefire JVM, a
 * CI runner). A process inherits more than its arguments across fork and exec, and the host
 * kernel's answers depend on some of it, so this resets everything inherited that a static
 * program can observe to what a fresh login on Linux has, the state mmemu gives its guests:
 *   - personality: ADDR_NO_RANDOMIZE only (setarch -R), no READ_IMPLIES_EXEC or other flags;
 *   - every signal's disposition back to SIG_DFL (ignored signals survive exec), no signal blocked;
 *   - resource limits as init's defaults (include/asm-generic/resource.h): 8 MiB stack, 1024/4096
 *     open files, 8 MiB locked memory, no core files, everything else the kernel's default;
 *   - prctl state that survives exec: THP not disabled (PR_SET_THP_DISABLE), KSM merging off
 *     (PR_SET_MEMORY_MERGE), no timer slack override;
 *   - umask 022, no open descriptor beyond 0, 1 and 2, an empty environment.
 * Exits 126 with one line on stderr when a step that matters fails, 127 when the exec does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif

static int fail(const char *what) {
    fprintf(stderr, "oracle-exec: %s: %s\n", what, strerror(errno));
    return 126;
}

/* Sets a limit to init's default. Raising a hard limit needs CAP_SYS_RESOURCE: without it, a hard
   limit below the default cannot be restored, and the host would answer as no fresh login does. */
static int limit(int resource, const char *name, rlim_t soft, rlim_t hard) {
    struct rlimit r = {soft, hard};
    if (setrlimit(resource, &r) == 0) return 0;
    struct rlimit cur;
    if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && (hard == RLIM_INFINITY || cur.rlim_max < hard)) {
        char want[32] = "unlimited";
        if (hard != RLIM_INFINITY) snprintf(want, sizeof want, "%llu", (unsigned long long)hard);
        fprintf(stderr, "oracle-exec: the %s hard limit here is %llu, below Linux's default %s, and this process "
                "may not raise it (no CAP_SYS_RESOURCE): the host kernel's answers would not be a fresh login's; "
                "run the tests from a shell with the default limits\n", name, (unsigned long long)cur.rlim_max, want);
        return -1;
    }
    fprintf(stderr, "oracle-exec: setrlimit %s: %s\n", name, strerror(errno));
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: oracle-exec PROGRAM [ARGS...]\n");
        return 2;
    }
    if (personality(PER_LINUX | ADDR_NO_RANDOMIZE) == -1) return fail("personality");
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        signal(sig, SIG_DFL); /* glibc's reserved real-time signals refuse: they are not inherited */
    }
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) return fail("sigprocmask");
#define L(r, soft, hard) {r, #r, soft, hard}
    const struct { int resource; const char *name; rlim_t soft, hard; } limits[] = {
        L(RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY),    L(RLIMIT_FSIZE, RLIM_INFINITY, RLIM_INFINITY),
        L(RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY),   L(RLIMIT_STACK, 8UL << 20, RLIM_INFINITY),
        L(RLIMIT_CORE, 0, RLIM_INFINITY),               L(RLIMIT_RSS, RLIM_INFINITY, RLIM_INFINITY),
        L(RLIMIT_NOFILE, 1024, 4096),                   L(RLIMIT_MEMLOCK, 8UL << 20, 8UL << 20),
        L(RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY),     L(RLIMIT_LOCKS, RLIM_INFINITY, RLIM_INFINITY),
        L(RLIMIT_MSGQUEUE, 819200, 819200),             L(RLIMIT_NICE, 0, 0),
        L(RLIMIT_RTPRIO, 0, 0),                         L(RLIMIT_RTTIME, RLIM_INFINITY, RLIM_INFINITY),
    };
#undef L
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        if (limit(limits[i].resource, limits[i].name, limits[i].soft, limits[i].hard) != 0) return 126;
    }
    if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0) != 0) return fail("prctl(PR_SET_THP_DISABLE, 0)");
    prctl(PR_SET_MEMORY_MERGE, 0, 0, 0, 0); /* EINVAL on kernels without KSM: nothing to reset */
    prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0);
    umask(022);
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) return fail("close_range");
    char *env[] = {NULL};
    execve(argv[1], argv + 1, env);
    fprintf(stderr, "oracle-exec: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
