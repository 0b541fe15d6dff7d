/*
 * sys-rseq: membarrier(2) (kernel/sched/membarrier.c) and rseq(2) registration (kernel/rseq.c).
 *
 * membarrier: flags EINVAL, unknown commands EINVAL, PRIVATE_EXPEDITED (plain, SYNC_CORE, RSEQ)
 * EPERM before the matching registration and 0 after, GET_REGISTRATIONS reporting what was
 * registered (SYNC_CORE's registration also counts as PRIVATE_EXPEDITED's), MEMBARRIER_CMD_FLAG_CPU
 * only with PRIVATE_EXPEDITED_RSEQ, GLOBAL and GLOBAL_EXPEDITED 0; a fork child starts with no
 * registration. QUERY's mask is printed without the GLOBAL bit (nohz_full hosts clear it).
 * rseq: EINVAL for a short length, a misaligned area, flags; EFAULT for an unmapped area; a
 * registration fills cpu_id_start and cpu_id with the CPU getcpu() names, node_id 0, mm_cid 0
 * (one thread), and clears a stale rseq_cs; a thread registering another area works while the
 * main thread's is EINVAL for it; a second registration is EBUSY (same area, length
 * and signature), EPERM (other signature) or EINVAL (other area or length); unregistration is
 * EINVAL for another area or length, EPERM for another signature, and sets cpu_id back to
 * RSEQ_CPU_ID_UNINITIALIZED (-1); a fork child keeps the registration, a thread gets none.
 * a signal delivered inside a critical section moves the IP to its abort handler and clears
 * rseq_cs, and one whose handler lacks the signature kills with SIGSEGV;
 * musl registers no rseq area of its own, so the program starts unregistered. Exits 0.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include "mmtest.h"

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

struct rseq_area {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid;
    char end[];
} __attribute__((aligned(32)));

static struct rseq_area area, other;
static char big[128] __attribute__((aligned(32)));

#define SIG 0x53053053
static long rseq(void *a, uint32_t len, int flags, uint32_t sig) { return syscall(334, a, len, flags, sig); }
static long mb(int cmd, unsigned flags, int cpu) { return syscall(324, cmd, flags, cpu); }

static void show_area(const char *what, struct rseq_area *a) {
    unsigned cpu = 0, node = 0;
    syscall(SYS_getcpu, &cpu, &node, NULL);
    printf("%s: cpu_id_start %s, cpu_id %s, node_id %u, mm_cid %u, rseq_cs %llu\n", what,
           a->cpu_id_start == cpu ? "= cpu" : "other", a->cpu_id == cpu ? "= cpu" : (a->cpu_id == (uint32_t)-1 ? "-1" : "other"),
           a->node_id, a->mm_cid, (unsigned long long)a->rseq_cs);
}

static void membarrier_tests(void) {
    long q = mb(0, 0, 0);
    printf("QUERY without GLOBAL: %ld\n", q < 0 ? q : q & ~1L);
    R("QUERY flags 1", mb(0, 1, 0));
    R("unknown command 1024", mb(1024, 0, 0));
    R("unknown command 3", mb(3, 0, 0));
    R("GET_REGISTRATIONS", mb(512, 0, 0));
    R("PRIVATE_EXPEDITED unregistered", mb(8, 0, 0));
    R("PRIVATE_EXPEDITED_SYNC_CORE unregistered", mb(32, 0, 0));
    R("PRIVATE_EXPEDITED_RSEQ unregistered", mb(128, 0, 0));
    R("PRIVATE_EXPEDITED_RSEQ FLAG_CPU unregistered", mb(128, 1, 0));
    R("PRIVATE_EXPEDITED FLAG_CPU", mb(8, 1, 0));
    R("PRIVATE_EXPEDITED_RSEQ flags 2", mb(128, 2, 0));
    R("REGISTER_PRIVATE_EXPEDITED_SYNC_CORE", mb(64, 0, 0));
    R("GET_REGISTRATIONS", mb(512, 0, 0));
    R("PRIVATE_EXPEDITED after SYNC_CORE's registration", mb(8, 0, 0));
    R("PRIVATE_EXPEDITED_SYNC_CORE", mb(32, 0, 0));
    R("REGISTER_PRIVATE_EXPEDITED", mb(16, 0, 0));
    R("REGISTER_PRIVATE_EXPEDITED again", mb(16, 0, 0));
    R("PRIVATE_EXPEDITED", mb(8, 0, 0));
    R("REGISTER_PRIVATE_EXPEDITED_RSEQ", mb(256, 0, 0));
    R("PRIVATE_EXPEDITED_RSEQ", mb(128, 0, 0));
    R("PRIVATE_EXPEDITED_RSEQ FLAG_CPU 0", mb(128, 1, 0));
    R("PRIVATE_EXPEDITED_RSEQ FLAG_CPU 100000", mb(128, 1, 100000));
    R("PRIVATE_EXPEDITED_RSEQ FLAG_CPU -1", mb(128, 1, -1));
    R("REGISTER_GLOBAL_EXPEDITED", mb(4, 0, 0));
    R("GLOBAL_EXPEDITED", mb(2, 0, 0));
    R("GET_REGISTRATIONS", mb(512, 0, 0));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        R("child GET_REGISTRATIONS", mb(512, 0, 0));
        R("child PRIVATE_EXPEDITED", mb(8, 0, 0));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
}

static int thread_fn(void *arg) {
    (void)arg;
    long r = rseq(&other, 32, 0, SIG);
    printf("thread: rseq register other area: %ld\n", r);
    r = rseq(&area, 32, 0, SIG);
    printf("thread: rseq register the main thread's area: %ld %s\n", r, r ? ename(errno) : "");
    r = rseq(&other, 32, 1, SIG);
    printf("thread: rseq unregister: %ld\n", r);
    fflush(stdout);
    return 0;
}

static volatile sig_atomic_t usr1;
static void on_usr1(int s) { (void)s; usr1++; }

/* A critical section that sends itself SIGUSR1: the signal's delivery (rseq_signal_deliver())
   finds the IP inside the section and moves it to the abort handler. good picks the handler
   preceded by the registered signature, else one preceded by another value. */
static int cs_with_signal(int good) {
    int aborted = -1;
    if (good) {
        __asm__ volatile(
            ".pushsection .data.rseq_cs, \"aw\"\n.balign 32\n"
            "10: .long 0, 0\n.quad 12f, (13f - 12f), 14f\n.popsection\n"
            "leaq 10b(%%rip), %%rax\nmovq %%rax, 8(%[area])\n"
            "12: movl $39, %%eax\nsyscall\n"
            "movl %%eax, %%edi\nmovl $10, %%esi\nmovl $62, %%eax\nsyscall\n"
            "movl $0, %[ab]\n"
            "13: jmp 15f\n.long 0x53053053\n"
            "14: movl $1, %[ab]\n"
            "15:\n"
            : [ab] "=m"(aborted) : [area] "r"(&area) : "rax", "rdi", "rsi", "rcx", "r11", "memory");
    } else {
        __asm__ volatile(
            ".pushsection .data.rseq_cs, \"aw\"\n.balign 32\n"
            "20: .long 0, 0\n.quad 22f, (23f - 22f), 24f\n.popsection\n"
            "leaq 20b(%%rip), %%rax\nmovq %%rax, 8(%[area])\n"
            "22: movl $39, %%eax\nsyscall\n"
            "movl %%eax, %%edi\nmovl $10, %%esi\nmovl $62, %%eax\nsyscall\n"
            "movl $0, %[ab]\n"
            "23: jmp 25f\n.long 0x12345678\n"
            "24: movl $1, %[ab]\n"
            "25:\n"
            : [ab] "=m"(aborted) : [area] "r"(&area) : "rax", "rdi", "rsi", "rcx", "r11", "memory");
    }
    return aborted;
}

static void rseq_tests(void) {
    R("rseq len 0", rseq(&area, 0, 0, SIG));
    R("rseq len 28 (below 32, the original size)", rseq(&area, 28, 0, SIG));
    R("rseq len 32 misaligned", rseq((char *)&area + 8, 32, 0, SIG));
    R("rseq len 33 misaligned", rseq((char *)&area + 8, 33, 0, SIG));
    R("rseq flags 2", rseq(&area, 32, 2, SIG));
    R("rseq unmapped", rseq((void *)0x10000, 32, 0, SIG));
    R("rseq unregister when none", rseq(&area, 32, 1, SIG));
    R("rseq unregister with flags 3", rseq(&area, 32, 3, SIG));
    area.cpu_id = 0xdead;
    area.rseq_cs = 0x1234;
    R("rseq register", rseq(&area, 32, 0, SIG));
    show_area("after register", &area);
    R("rseq register again", rseq(&area, 32, 0, SIG));
    R("rseq register again, other signature", rseq(&area, 32, 0, SIG + 1));
    R("rseq register again, other length", rseq(&area, 64, 0, SIG));
    R("rseq register again, other area", rseq(&other, 32, 0, SIG));
    sched_yield();
    show_area("after sched_yield", &area);
    signal(SIGUSR1, on_usr1);
    int ab = cs_with_signal(1);
    printf("critical section with a signal: aborted %d, handler ran %d, rseq_cs cleared %s\n", ab, (int)usr1,
           area.rseq_cs == 0 ? "yes" : "no");
    area.rseq_cs = 0;
    errno = 0;
    kill(getpid(), SIGUSR1);
    printf("signal outside a critical section: handler ran %d\n", (int)usr1);
    fflush(stdout);
    pid_t bad = fork();
    if (bad == 0) {
        cs_with_signal(0);
        printf("child: survived a bad abort signature\n");
        fflush(stdout);
        _exit(0);
    }
    int bst;
    waitpid(bad, &bst, 0);
    printf("child with a bad abort signature: %s %d\n", WIFSIGNALED(bst) ? "signal" : "exit",
           WIFSIGNALED(bst) ? WTERMSIG(bst) : WEXITSTATUS(bst));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show_area("child", &area);
        R("child rseq register again", rseq(&area, 32, 0, SIG));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);

    static char stack[65536] __attribute__((aligned(16)));
    fflush(stdout);
    pid_t tid = clone(thread_fn, stack + sizeof stack,
                      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, NULL);
    if (tid > 0) {
        /* Wait for the thread: it ends by unregistering, then exits; poll for its exit by tkill(0). */
        for (int i = 0; i < 100000 && syscall(SYS_tgkill, getpid(), tid, 0) == 0; i++) sched_yield();
    }
    R("rseq unregister other area", rseq(&other, 32, 1, SIG));
    R("rseq unregister other length", rseq(&area, 64, 1, SIG));
    R("rseq unregister other signature", rseq(&area, 32, 1, SIG + 1));
    R("rseq unregister", rseq(&area, 32, 1, SIG));
    printf("after unregister: cpu_id_start %u, cpu_id %d, node_id %u, mm_cid %u\n", area.cpu_id_start, (int)area.cpu_id,
           area.node_id, area.mm_cid);
    R("rseq unregister again", rseq(&area, 32, 1, SIG));
    R("rseq register 128 bytes", rseq(big, 128, 0, SIG));
    R("rseq unregister 128 bytes", rseq(big, 128, 1, SIG));
}

int main(void) {
    membarrier_tests();
    rseq_tests();
    return 0;
}
