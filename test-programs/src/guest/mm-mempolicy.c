/*
 * mm-mempolicy: set_mempolicy(2), get_mempolicy(2) and mbind(2) (mm/mempolicy.c) on a machine
 * with one NUMA node (node 0), as the host and mmemu both are.
 *
 * Checked: the task policy's modes (DEFAULT, PREFERRED, BIND, INTERLEAVE, LOCAL, PREFERRED_MANY),
 * PREFERRED with no node becoming LOCAL, the mode flags (STATIC_NODES and RELATIVE_NODES
 * together EINVAL, NUMA_BALANCING only with BIND and PREFERRED_MANY; STATIC keeps the user's mask,
 * RELATIVE folds a mask of missing nodes onto node 0), EINVAL for an unknown mode, an empty mask,
 * a mask of missing nodes, maxnode 0 with a mask (it underflows), maxnode beyond a page of bits,
 * bits beyond MAX_NUMNODES; EFAULT; get_mempolicy's flags (MPOL_F_NODE, MPOL_F_ADDR,
 * MPOL_F_MEMS_ALLOWED and their combinations), a short maxnode, addr without MPOL_F_ADDR, an
 * unmapped addr; fork keeping the task policy; mbind's EINVAL (flags, unaligned start, wrapping
 * length), EPERM for MPOL_MF_MOVE_ALL without CAP_SYS_NICE, EFAULT for a hole unless the policy is
 * DEFAULT, a zero length, and the VMA splits and merges a policy makes, read back per address.
 * Exits 0.
 */
#define _GNU_SOURCE
#include <sys/wait.h>
#include "mmtest.h"

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_MF_STRICT 1
#define MPOL_MF_MOVE 2
#define MPOL_MF_MOVE_ALL 4

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static unsigned long mask[600];

static long setp(long mode, unsigned long m0, unsigned long maxnode) {
    memset(mask, 0, sizeof mask);
    mask[0] = m0;
    return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static void getp(const char *what, void *addr, int flags) {
    int mode = -7;
    unsigned long m[2] = {0xdead, 0xbeef};
    errno = 0;
    long r = syscall(SYS_get_mempolicy, &mode, m, 128UL, addr, (unsigned long)flags);
    if (r) printf("%s: %ld %s\n", what, r, ename(errno));
    else printf("%s: mode %d mask %lx %lx\n", what, mode, m[0], m[1]);
}

static long mbind_(void *a, unsigned long len, long mode, unsigned long m0, unsigned long maxnode, unsigned flags) {
    memset(mask, 0, sizeof mask);
    mask[0] = m0;
    return syscall(SYS_mbind, a, len, mode, mask, maxnode, flags);
}

int main(void) {
    getp("initial", NULL, 0);
    R("set DEFAULT", setp(MPOL_DEFAULT, 0, 64));
    R("set DEFAULT with a node", setp(MPOL_DEFAULT, 1, 64));
    R("set DEFAULT NULL mask", syscall(SYS_set_mempolicy, 0L, NULL, 0L));
    R("set mode 7", setp(7, 1, 64));
    R("set mode -1", setp(-1, 1, 64));
    R("set BIND empty", setp(MPOL_BIND, 0, 64));
    R("set BIND node 1 (missing)", setp(MPOL_BIND, 2, 64));
    R("set BIND maxnode 0 (underflow)", setp(MPOL_BIND, 1, 0));
    R("set BIND maxnode 1 (no bits)", setp(MPOL_BIND, 1, 1));
    R("set BIND maxnode 32769", setp(MPOL_BIND, 1, 32769));
    mask[0] = 1;
    mask[500] = 1;
    R("set BIND a bit far beyond MAX_NUMNODES", syscall(SYS_set_mempolicy, (long)MPOL_BIND, mask, 32001UL));
    R("set BIND bad mask pointer", syscall(SYS_set_mempolicy, (long)MPOL_BIND, (void *)8, 64UL));
    R("set STATIC|RELATIVE", setp(MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, 1, 64));
    R("set INTERLEAVE|NUMA_BALANCING", setp(MPOL_INTERLEAVE | MPOL_F_NUMA_BALANCING, 1, 64));
    R("set LOCAL with a node", setp(MPOL_LOCAL, 1, 64));
    R("set LOCAL|STATIC", setp(MPOL_LOCAL | MPOL_F_STATIC_NODES, 0, 64));
    R("set PREFERRED empty|STATIC", setp(MPOL_PREFERRED | MPOL_F_STATIC_NODES, 0, 64));

    R("set BIND node 0", setp(MPOL_BIND, 1, 64));
    getp("BIND", NULL, 0);
    getp("BIND, MPOL_F_NODE", NULL, MPOL_F_NODE);
    R("set BIND maxnode 2", setp(MPOL_BIND, 1, 2));
    R("set BIND|NUMA_BALANCING", setp(MPOL_BIND | MPOL_F_NUMA_BALANCING, 1, 64));
    getp("BIND|NUMA_BALANCING", NULL, 0);
    R("set BIND|STATIC nodes 0,5", setp(MPOL_BIND | MPOL_F_STATIC_NODES, 0x21, 64));
    getp("BIND|STATIC", NULL, 0);
    R("set BIND|RELATIVE node 3", setp(MPOL_BIND | MPOL_F_RELATIVE_NODES, 8, 64));
    getp("BIND|RELATIVE", NULL, 0);
    R("set INTERLEAVE", setp(MPOL_INTERLEAVE, 1, 64));
    getp("INTERLEAVE", NULL, 0);
    getp("INTERLEAVE, MPOL_F_NODE", NULL, MPOL_F_NODE);
    R("set PREFERRED", setp(MPOL_PREFERRED, 1, 64));
    getp("PREFERRED", NULL, 0);
    R("set PREFERRED empty", setp(MPOL_PREFERRED, 0, 64));
    getp("PREFERRED empty", NULL, 0);
    R("set PREFERRED_MANY", setp(MPOL_PREFERRED_MANY, 1, 64));
    getp("PREFERRED_MANY", NULL, 0);
    R("set LOCAL", setp(MPOL_LOCAL, 0, 64));
    getp("LOCAL", NULL, 0);

    getp("get flags 8", NULL, 8);
    getp("get MEMS_ALLOWED", NULL, MPOL_F_MEMS_ALLOWED);
    getp("get MEMS_ALLOWED|NODE", NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE);
    getp("get addr without MPOL_F_ADDR", (void *)0x10000, 0);
    getp("get MPOL_F_ADDR unmapped", (void *)0x10000, MPOL_F_ADDR);
    unsigned long m1 = 0;
    errno = 0;
    long r = syscall(SYS_get_mempolicy, NULL, &m1, 0UL, NULL, 0UL);
    printf("get maxnode 0 with a mask: %ld %s\n", r, r ? ename(errno) : "");
    m1 = 0x55;
    r = syscall(SYS_get_mempolicy, NULL, &m1, 1UL, NULL, 0UL);
    printf("get maxnode 1: %ld, mask untouched %s\n", r, m1 == 0x55 ? "yes" : "no");
    R("get bad policy pointer", syscall(SYS_get_mempolicy, (void *)8, NULL, 0UL, NULL, 0UL));
    R("get bad mask pointer", syscall(SYS_get_mempolicy, NULL, (void *)8, 64UL, NULL, 0UL));
    R("get maxnode beyond a page", syscall(SYS_get_mempolicy, NULL, mask, 40000UL, NULL, 0UL));

    R("set INTERLEAVE for fork", setp(MPOL_INTERLEAVE, 1, 64));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        getp("child", NULL, 0);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    R("set DEFAULT", setp(MPOL_DEFAULT, 0, 64));

    /* mbind: between PROT_NONE guards so that merging involves only these VMAs. */
    char *g = sys_mmap(NULL, 10 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *a = sys_mmap(g + PAGE, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    R("mbind flags 8", mbind_(a, PAGE, MPOL_BIND, 1, 64, 8));
    R("mbind MOVE_ALL after dropping capabilities", drop_caps() ? -1 : mbind_(a, PAGE, MPOL_BIND, 1, 64, MPOL_MF_MOVE_ALL));
    R("mbind unaligned", mbind_(a + 1, PAGE, MPOL_BIND, 1, 64, 0));
    R("mbind wrapping length", mbind_(a, -PAGE, MPOL_BIND, 1, 64, 0));
    R("mbind length 0", mbind_(a, 0, MPOL_BIND, 0, 64, 0));
    R("mbind empty mask", mbind_(a, PAGE, MPOL_BIND, 0, 64, 0));
    R("mbind missing node", mbind_(a, PAGE, MPOL_BIND, 2, 64, 0));
    R("mbind in a hole", mbind_((void *)0x10000, PAGE, MPOL_BIND, 1, 64, 0));
    R("mbind DEFAULT in a hole", mbind_((void *)0x10000, PAGE, MPOL_DEFAULT, 0, 64, 0));
    R("mbind pages 2-3 BIND", mbind_(a + 2 * PAGE, 2 * PAGE, MPOL_BIND, 1, 64, MPOL_MF_STRICT | MPOL_MF_MOVE));
    maps_print_range("a after mbind 2-3", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);
    getp("page 2", a + 2 * PAGE, MPOL_F_ADDR);
    getp("page 4", a + 4 * PAGE, MPOL_F_ADDR);
    getp("page 2 MPOL_F_NODE", a + 2 * PAGE, MPOL_F_ADDR | MPOL_F_NODE);
    R("mbind page 4 BIND", mbind_(a + 4 * PAGE, PAGE, MPOL_BIND, 1, 64, 0));
    maps_print_range("a after mbind 4 (merged)", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);
    R("mbind page 3 INTERLEAVE", mbind_(a + 3 * PAGE, PAGE, MPOL_INTERLEAVE, 1, 64, 0));
    maps_print_range("a after mbind 3 INTERLEAVE", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);
    getp("page 3", a + 3 * PAGE, MPOL_F_ADDR);
    R("munmap page 6", munmap(a + 6 * PAGE, PAGE));
    R("mbind over the hole at 6", mbind_(a + 5 * PAGE, 3 * PAGE, MPOL_BIND, 1, 64, 0));
    maps_print_range("a after mbind over the hole", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);
    R("mbind DEFAULT over the hole", mbind_(a, 8 * PAGE, MPOL_DEFAULT, 0, 64, 0));
    maps_print_range("a after DEFAULT", (uintptr_t)a, (uintptr_t)a + 8 * PAGE);
    getp("page 2 after DEFAULT", a + 2 * PAGE, MPOL_F_ADDR);
    return 0;
}
