/*
 * sys-ptrace: ptrace(2) (kernel/ptrace.c), the subset mmemu models: PTRACE_TRACEME (EPERM when
 * traced already), PTRACE_ATTACH (EPERM for the caller itself and a traced task, ESRCH for a
 * reaped pid; the tracee stops with SIGSTOP, the tracer's waitpid() sees 0x137f once and its
 * SIGCHLD says CLD_TRAPPED), requests on an untraced or running tracee (ESRCH), PEEK/POKE
 * TEXT/DATA (EIO at holes, across a page end into one and on memfd_secret memory, EFAULT for the
 * result pointer, FOLL_FORCE into read-only text), PEEKUSER/GETREGS/SETREGS (EIO for offsets,
 * and bases; a changed RAX is what the tracee's syscall returns), unknown
 * requests and bad signals (EIO), PTRACE_CONT and PTRACE_DETACH with a signal, 0 cancelling it,
 * PTRACE_SEIZE (EIO for addr and options) and PTRACE_INTERRUPT (0x80057f; EIO unless seized),
 * PTRACE_KILL and SIGKILL to a stopped tracee, and a tracer child that exits after its wait:
 * its parent, the tracee, runs on (memfd_secret's case 5); a TRACEME child's execve() stops it
 * with SIGTRAP at the new program's entry. Exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calls.h"

#define NR_MEMFD_SECRET 447
#define USER_SIZE 928 /* sizeof(struct user) in the kernel: musl's is shorter */

static long pt(long req, long pid, long addr, long data) {
    return syscall(SYS_ptrace, req, pid, addr, data);
}

long word = 0x1122334455667788;
static int events[2];
static volatile sig_atomic_t chld_code, chld_status;

static void on_usr(int s) {
    char c = s == SIGUSR1 ? '1' : '2';
    write(events[1], &c, 1);
}

static void on_chld(int s, siginfo_t *si, void *uc) {
    (void) s;
    (void) uc;
    if (!chld_code) {
        chld_code = si->si_code;
        chld_status = si->si_status;
    }
}

static void show_status(int st) {
    printf("%-40s %#x\n", "status", st);
}

static char next_event(void) {
    char c = '?';
    read(events[0], &c, 1);
    return c;
}

/* A child that reports the signals it handles on the events pipe and spins. */
static pid_t spinner(char *secret) {
    pid_t c = fork();
    if (c == 0) {
        signal(SIGUSR1, on_usr);
        signal(SIGUSR2, on_usr);
        write(events[1], "r", 1);
        for (volatile unsigned long i = 0;; i++) {
            if (secret && i == 1) secret[0] = 1;
        }
    }
    next_event(); /* 'r': its handlers are in place */
    return c;
}

static void stop_with(pid_t c, int sig) {
    int st;
    kill(c, sig);
    waitpid(c, &st, 0);
    show_status(st);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "exec") == 0) return 5; /* the TRACEME child's new program */
    setvbuf(stdout, NULL, _IONBF, 0);
    pipe(events);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    int st;
    long v = 0;

    pid_t gone = fork();
    if (gone == 0) _exit(0);
    waitpid(gone, NULL, 0);
    CALL("attach self", pt(PTRACE_ATTACH, getpid(), 0, 0));
    CALL("attach a reaped pid", pt(PTRACE_ATTACH, gone, 0, 0));
    CALL("attach pid 0", pt(PTRACE_ATTACH, 0, 0, 0));
    CALL("attach pid -1", pt(PTRACE_ATTACH, -1, 0, 0));
    CALL("peek a reaped pid", pt(PTRACE_PEEKDATA, gone, (long) &word, (long) &v));
    CALL("peek self, untraced", pt(PTRACE_PEEKDATA, getpid(), (long) &word, (long) &v));
    CALL("unknown request, untraced", pt(0x4242, getpid(), 0, 0));

    /* PTRACE_TRACEME: the child stops at its own signal; SETREGS changes what its syscall returned. */
    pid_t t = fork();
    if (t == 0) {
        long a = pt(PTRACE_TRACEME, 0, 0, 0);
        long b = pt(PTRACE_TRACEME, 0, 0, 0);
        if (a != 0 || b != -1) _exit(1);
        long r = syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
        _exit((int) r);
    }
    CALL("waitpid the TRACEME child", waitpid(t, &st, 0) == t);
    show_status(st);
    struct user_regs_struct regs, again;
    CALL("getregs", pt(PTRACE_GETREGS, t, 0, (long) &regs));
    printf("%-40s %ld %s\n", "orig_rax (tgkill), rax", (long) regs.orig_rax, regs.rax == 0 ? "0" : "?");
    errno = 0;
    long at = pt(PTRACE_PEEKTEXT, t, regs.rip - 2, (long) &v);
    printf("%-40s %ld %s\n", "rip is after a syscall instruction", at, (v & 0xffff) == 0x050f ? "yes" : "no");
    regs.rax = 77;
    CALL("setregs rax 77", pt(PTRACE_SETREGS, t, 0, (long) &regs));
    CALL("cont", pt(PTRACE_CONT, t, 0, 0));
    CALL("waitpid the TRACEME child", waitpid(t, &st, 0) == t);
    show_status(st);

    /* A TRACEME child that execs stops with SIGTRAP at the new program's entry (the legacy exec event). */
    t = fork();
    if (t == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        execl("/proc/self/exe", "sys-ptrace", "exec", (char *) NULL);
        _exit(1);
    }
    CALL("waitpid the exec'ing child", waitpid(t, &st, 0) == t);
    show_status(st);
    CALL("peekuser rip", pt(PTRACE_PEEKUSER, t, offsetof(struct user_regs_struct, rip), (long) &v));
    printf("%-40s %s\n", "at the program's entry", (unsigned long) v == getauxval(AT_ENTRY) ? "yes" : "no");
    CALL("cont", pt(PTRACE_CONT, t, 0, 0));
    CALL("waitpid the exec'ing child", waitpid(t, &st, 0) == t);
    show_status(st);

    /* PTRACE_ATTACH to a child. */
    int sfd = syscall(NR_MEMFD_SECRET, 0);
    ftruncate(sfd, 4096);
    char *secret = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    char *page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page + 4096, 4096);
    pid_t c = spinner(secret);
    chld_code = 0;
    CALL("attach", pt(PTRACE_ATTACH, c, 0, 0));
    CALL("attach again", pt(PTRACE_ATTACH, c, 0, 0));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    show_status(st);
    printf("%-40s %d %d\n", "SIGCHLD si_code, si_status", chld_code, chld_status);
    CALL("waitpid WNOHANG: reported once", waitpid(c, &st, WNOHANG));
    CALL("peekdata", pt(PTRACE_PEEKDATA, c, (long) &word, (long) &v));
    printf("%-40s %#lx\n", "word", v);
    CALL("peekdata, bad result pointer", pt(PTRACE_PEEKDATA, c, (long) &word, 8));
    CALL("pokedata", pt(PTRACE_POKEDATA, c, (long) &word, 0x42));
    CALL("peekdata", pt(PTRACE_PEEKDATA, c, (long) &word, (long) &v));
    printf("%-40s %#lx (mine %#lx)\n", "word", v, word);
    CALL("peek a hole", pt(PTRACE_PEEKDATA, c, 4096, (long) &v));
    CALL("peek across a page end into a hole", pt(PTRACE_PEEKDATA, c, (long) page + 4092, (long) &v));
    CALL("poke across a page end into a hole", pt(PTRACE_POKEDATA, c, (long) page + 4092, 0));
    CALL("peek memfd_secret memory", pt(PTRACE_PEEKDATA, c, (long) secret, (long) &v));
    CALL("peektext main", pt(PTRACE_PEEKTEXT, c, (long) main, (long) &v));
    CALL("poketext main, the same word", pt(PTRACE_POKETEXT, c, (long) main, v));
    CALL("unknown request", pt(0x4242, c, 0, 0));
    CALL("interrupt, not seized", pt(PTRACE_INTERRUPT, c, 0, 0));
    CALL("cont, signal 999", pt(PTRACE_CONT, c, 0, 999));
    CALL("detach, signal 65", pt(PTRACE_DETACH, c, 0, 65));
    CALL("peekuser, unaligned", pt(PTRACE_PEEKUSER, c, 3, (long) &v));
    CALL("peekuser, past struct user", pt(PTRACE_PEEKUSER, c, USER_SIZE, (long) &v));
    v = -1;
    CALL("peekuser, last word", pt(PTRACE_PEEKUSER, c, USER_SIZE - 8, (long) &v));
    printf("%-40s %ld\n", "value", v);
    v = -1;
    CALL("peekuser, dr7", pt(PTRACE_PEEKUSER, c, 848 + 7 * 8, (long) &v));
    printf("%-40s %ld\n", "value", v);
    CALL("getregs", pt(PTRACE_GETREGS, c, 0, (long) &regs));
    CALL("getregs, bad pointer", pt(PTRACE_GETREGS, c, 0, 8));
    printf("%-40s %#lx %#lx %ld %ld %ld %ld\n", "cs ss ds es fs gs", (long) regs.cs, (long) regs.ss, (long) regs.ds, (long) regs.es,
            (long) regs.fs, (long) regs.gs);
    unsigned long fs;
    syscall(SYS_arch_prctl, 0x1003, &fs);
    printf("%-40s %s\n", "fs_base is mine (same TLS after fork)", regs.fs_base == fs ? "yes" : "no");
    CALL("peekuser rip", pt(PTRACE_PEEKUSER, c, offsetof(struct user_regs_struct, rip), (long) &v));
    printf("%-40s %s\n", "same as getregs", (unsigned long long) v == regs.rip ? "yes" : "no");
    CALL("peekuser rsp", pt(PTRACE_PEEKUSER, c, offsetof(struct user_regs_struct, rsp), (long) &v));
    printf("%-40s %s\n", "same as getregs", (unsigned long long) v == regs.rsp ? "yes" : "no");
    CALL("setregs, unchanged", pt(PTRACE_SETREGS, c, 0, (long) &regs));
    again = regs;
    again.fs_base = 1UL << 47;
    CALL("setregs, fs_base 1<<47", pt(PTRACE_SETREGS, c, 0, (long) &again));
    CALL("setregs, bad pointer", pt(PTRACE_SETREGS, c, 0, 8));
    CALL("getregs", pt(PTRACE_GETREGS, c, 0, (long) &again));
    printf("%-40s %s\n", "unchanged", memcmp(&again, &regs, sizeof regs) == 0 ? "yes" : "no");
    CALL("cont", pt(PTRACE_CONT, c, 0, 0));
    CALL("peekdata, running", pt(PTRACE_PEEKDATA, c, (long) &word, (long) &v));
    stop_with(c, SIGUSR1);
    CALL("cont with SIGUSR1", pt(PTRACE_CONT, c, 0, SIGUSR1));
    printf("%-40s %c\n", "handled", next_event());
    stop_with(c, SIGUSR1);
    CALL("cont with 0: SIGUSR1 cancelled", pt(PTRACE_CONT, c, 0, 0));
    stop_with(c, SIGUSR2);
    CALL("cont with SIGUSR2", pt(PTRACE_CONT, c, 0, SIGUSR2));
    printf("%-40s %c\n", "handled", next_event());
    stop_with(c, SIGUSR1);
    CALL("detach with SIGUSR1", pt(PTRACE_DETACH, c, 0, SIGUSR1));
    printf("%-40s %c\n", "handled", next_event());
    CALL("peekdata, detached", pt(PTRACE_PEEKDATA, c, (long) &word, (long) &v));

    /* PTRACE_SEIZE and PTRACE_INTERRUPT. */
    CALL("seize, addr 1", pt(PTRACE_SEIZE, c, 1, 0));
    CALL("seize, options 1<<31", pt(PTRACE_SEIZE, c, 0, 0x80000000L));
    CALL("seize", pt(PTRACE_SEIZE, c, 0, 0));
    CALL("peekdata, seized and running", pt(PTRACE_PEEKDATA, c, (long) &word, (long) &v));
    CALL("interrupt", pt(PTRACE_INTERRUPT, c, 0, 0));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    show_status(st);
    CALL("cont with SIGUSR1 from a trap: ignored", pt(PTRACE_CONT, c, 0, SIGUSR1));
    stop_with(c, SIGUSR2);
    CALL("cont with SIGUSR2", pt(PTRACE_CONT, c, 0, SIGUSR2));
    printf("%-40s %c\n", "handled", next_event());
    stop_with(c, SIGUSR1);
    CALL("kill request", pt(PTRACE_KILL, c, 0, 0));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    show_status(st);

    /* SIGKILL to a stopped tracee. */
    c = spinner(NULL);
    CALL("attach", pt(PTRACE_ATTACH, c, 0, 0));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    show_status(st);
    CALL("kill -KILL", kill(c, SIGKILL));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    show_status(st);
    CALL("waitpid, none left", waitpid(-1, &st, WNOHANG));

    /* A child traces its parent, waits for the stop, reads memfd_secret memory, exits: the parent runs on. */
    pid_t tracer = fork();
    if (tracer == 0) {
        pid_t pp = getppid();
        if (pt(PTRACE_ATTACH, pp, 0, 0) != 0) _exit(1);
        if (waitpid(pp, &st, WUNTRACED) != pp || st != 0x137f) _exit(2);
        errno = 0;
        if (pt(PTRACE_PEEKDATA, pp, (long) &word, (long) &v) != 0 || v != 0x1122334455667788) _exit(3);
        if (pt(PTRACE_PEEKDATA, pp, (long) secret, (long) &v) != -1 || errno != EIO) _exit(4);
        _exit(0);
    }
    CALL("waitpid the tracer child", waitpid(tracer, &st, 0) == tracer);
    show_status(st);
    return 0;
}
