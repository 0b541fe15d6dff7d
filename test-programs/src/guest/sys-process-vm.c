/*
 * sys-process-vm: process_vm_readv(2) and process_vm_writev(2) (mm/process_vm_access.c): EINVAL
 * for flags, too many iovecs or a negative length; EFAULT for unreadable iovec arrays or a local
 * buffer past the address space; nothing to copy is 0 before the pid is looked at; ESRCH for no
 * such process (also pid 0 and -1) and a reaped child; a copy stops at the first remote page
 * that cannot be pinned without FOLL_FORCE (a hole, PROT_NONE, a write to read-only memory:
 * EFAULT when nothing moved, else the bytes before) and at a local buffer that faults; iovecs
 * are gathered and scattered across segments; a write into a child after fork breaks COW there
 * only. Exits 0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calls.h"

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *g = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro = g + 4096;
    mprotect(ro, 4096, PROT_READ);
    munmap(a + 2 * 4096, 4096);
    char *hole = mmap(a + 2 * 4096, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    munmap(hole, 4096); /* nothing maps it now */
    memset(a, 'x', 8192);
    char buf[16384];
    pid_t me = getpid();
    struct iovec l = {buf, 100}, r = {a, 100};
    CALL("flags 1", process_vm_readv(me, &l, 1, &r, 1, 1));
    CALL("read 100", process_vm_readv(me, &l, 1, &r, 1, 0));
    CALL("no local iovec", process_vm_readv(me, &l, 0, &r, 1, 0));
    CALL("no remote iovec", process_vm_readv(me, &l, 1, &r, 0, 0));
    CALL("1025 local iovecs", process_vm_readv(me, &l, 1025, &r, 1, 0));
    CALL("1025 remote iovecs", process_vm_readv(me, &l, 1, &r, 1025, 0));
    CALL("local array unreadable", process_vm_readv(me, (void *) 8, 1, &r, 1, 0));
    CALL("remote array unreadable", process_vm_readv(me, &l, 1, (void *) 8, 1, 0));
    CALL("no such pid", process_vm_readv(4000000, &l, 1, &r, 1, 0));
    CALL("pid 0", process_vm_readv(0, &l, 1, &r, 1, 0));
    CALL("pid -1", process_vm_readv(-1, &l, 1, &r, 1, 0));
    struct iovec kernel = {(void *) 0xffff800000000000UL, 100};
    CALL("local buffer in the kernel half", process_vm_readv(me, &kernel, 1, &r, 1, 0));
    struct iovec bad = {(void *) 8, 100};
    CALL("local buffer unmapped", process_vm_readv(me, &bad, 1, &r, 1, 0));
    struct iovec neg = {buf, (size_t) -1};
    CALL("negative local length", process_vm_readv(me, &neg, 1, &r, 1, 0));
    CALL("negative remote length", process_vm_readv(me, &l, 1, &neg, 1, 0));
    struct iovec big = {buf, 16384}, span = {a + 4096, 8192};
    CALL("read into the hole", process_vm_readv(me, &big, 1, &span, 1, 0));
    struct iovec h = {a + 2 * 4096, 10};
    CALL("read in the hole", process_vm_readv(me, &l, 1, &h, 1, 0));
    struct iovec two[2] = {{a, 10}, {a + 2 * 4096, 10}};
    CALL("second remote iovec in the hole", process_vm_readv(me, &l, 1, two, 2, 0));
    struct iovec ror = {ro, 10}, pnr = {g, 10};
    CALL("read read-only", process_vm_readv(me, &l, 1, &ror, 1, 0));
    CALL("write read-only", process_vm_writev(me, &l, 1, &ror, 1, 0));
    CALL("read PROT_NONE", process_vm_readv(me, &l, 1, &pnr, 1, 0));
    struct iovec lbad[2] = {{buf, 10}, {(void *) 0x10000, 10}};
    CALL("second local buffer unmapped", process_vm_readv(me, lbad, 2, &r, 1, 0));
    struct iovec lro[2] = {{buf, 10}, {ro, 10}};
    CALL("second local buffer read-only", process_vm_readv(me, lro, 2, &r, 1, 0));
    struct iovec lsplit[3] = {{buf, 3}, {buf + 100, 0}, {buf + 200, 5}};
    struct iovec rsplit[2] = {{a, 4}, {a + 5000, 4}};
    memcpy(a + 5000, "WXYZ", 4);
    memcpy(a, "abcd", 4);
    CALL("scatter and gather", process_vm_readv(me, lsplit, 3, rsplit, 2, 0));
    printf("%.3s %.5s\n", buf, buf + 200);
    CALL("writev gathers", process_vm_writev(me, rsplit, 2, lsplit, 3, 0));

    char *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(c, "parent");
    int p[2];
    if (pipe(p)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char x;
        if (read(p[0], &x, 1) != 1) _exit(1);
        printf("child sees %s\n", c);
        _exit(0);
    }
    struct iovec w = {"CHILD", 6}, cr = {c, 6};
    CALL("writev into the child", process_vm_writev(pid, &w, 1, &cr, 1, 0));
    printf("parent sees %s\n", c);
    if (write(p[1], "x", 1) != 1) return 1;
    waitpid(pid, NULL, 0);
    CALL("reaped child", process_vm_readv(pid, &l, 1, &r, 1, 0));
    return 0;
}
