/*
 * rlimit-cpu: RLIMIT_CPU as check_process_timers() enforces it. With a soft limit of 1 s and a
 * hard limit of 2 s, a process that handles SIGXCPU and spins gets SIGXCPU (si_code SI_KERNEL)
 * once it has used a second of CPU time; the kernel has then moved the soft limit a second on
 * (to 2 s, which getrlimit shows); at 2 s SIGKILL ends it. Exits killed by SIGKILL (137).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static volatile sig_atomic_t got, code;

static void on_xcpu(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    code = si->si_code;
    got = sig;
}

int main(void) {
    struct rlimit rl = {1, 2};
    printf("setrlimit(RLIMIT_CPU, 1/2): %d\n", setrlimit(RLIMIT_CPU, &rl));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_xcpu;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGXCPU, &sa, NULL);
    fflush(stdout);
    for (int n = 1;; ) {
        if (got) {
            got = 0;
            getrlimit(RLIMIT_CPU, &rl);
            printf("SIGXCPU %d (si_code %s): soft limit now %lu s, hard %lu s\n", n++,
                   code == SI_KERNEL ? "SI_KERNEL" : "other", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
            fflush(stdout);
        }
    }
}
