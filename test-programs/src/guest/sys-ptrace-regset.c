/*
 * sys-ptrace-regset: PTRACE_GETREGSET and PTRACE_SETREGSET (kernel/ptrace.c ptrace_regset(),
 * arch/x86/kernel/ptrace.c's x86_64_regsets) on a TRACEME child stopped by raise(SIGSTOP):
 * NT_PRSTATUS (the same bytes as PTRACE_GETREGS, a short buffer getting what fits and iov_len cut
 * to 216, a partial SETREGSET up to RAX changing what raise() returns), NT_PRFPREG (FCW and MXCSR
 * of a fresh task, EINVAL for a short buffer and reserved MXCSR bits, a new MXCSR the child reads
 * with STMXCSR), NT_386_IOPERM (ENXIO without an I/O bitmap, EOPNOTSUPP to set), unknown note
 * types and NT_X86_SHSTK (EINVAL: the host kernel has no user shadow stacks), lengths that are no
 * multiple of 8 (EINVAL), EFAULT for the iovec, its base and the iov_len write-back.
 * NT_X86_XSTATE is left out: the host has XSAVE and mmemu's default CPU has not
 * (ENODEV); the PKU model's XSAVE image is checked by the protection_keys selftest. Exits 0.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calls.h"

#ifndef NT_386_IOPERM
#define NT_386_IOPERM 0x201
#endif
#define NT_X86_SHSTK_ 0x204
#define GETREGSET 0x4204
#define SETREGSET 0x4205
#define NEW_MXCSR 0x7f80 /* round toward zero, every exception masked */

static long pt(long req, long pid, long addr, long data) {
    return syscall(SYS_ptrace, req, pid, addr, data);
}

static unsigned char buf[4096], regs[sizeof(struct user_regs_struct)];

static long regset(long req, pid_t c, long type, void *base, size_t len, struct iovec *iov) {
    iov->iov_base = base;
    iov->iov_len = len;
    return pt(req, c, type, (long) iov);
}

static void show_len(const char *what, size_t len) {
    printf("%-40s %zu\n", what, len);
}

int main(void) {
    struct iovec iov;
    int st;
    pid_t c = fork();
    if (c == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        int r = raise(SIGSTOP); /* the tracer sets RAX: raise() returns it */
        raise(SIGSTOP);         /* the tracer sets MXCSR */
        unsigned mxcsr;
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        _exit(r == 7 && mxcsr == NEW_MXCSR ? 0 : 10 + (r != 7));
    }
    CALL("waitpid", waitpid(c, &st, 0) == c);
    printf("%-40s %#x\n", "status", st);

    /* NT_PRSTATUS: struct user_regs_struct, as PTRACE_GETREGS has it. */
    CALL("GETREGS", pt(PTRACE_GETREGS, c, 0, (long) regs));
    CALL("GETREGSET NT_PRSTATUS 4096", regset(GETREGSET, c, NT_PRSTATUS, buf, sizeof buf, &iov));
    show_len("  iov_len", iov.iov_len);
    CALL("  same bytes as GETREGS", memcmp(buf, regs, sizeof regs) == 0);
    memset(buf, 0xcc, sizeof buf);
    CALL("GETREGSET NT_PRSTATUS 8", regset(GETREGSET, c, NT_PRSTATUS, buf, 8, &iov));
    show_len("  iov_len", iov.iov_len);
    CALL("  r15 only", memcmp(buf, regs, 8) == 0 && buf[8] == 0xcc);
    CALL("GETREGSET NT_PRSTATUS 0", regset(GETREGSET, c, NT_PRSTATUS, buf, 0, &iov));
    show_len("  iov_len", iov.iov_len);
    CALL("GETREGSET NT_PRSTATUS -8 (size_t)", regset(GETREGSET, c, NT_PRSTATUS, buf, (size_t) -8, &iov));
    show_len("  iov_len", iov.iov_len);
    CALL("GETREGSET NT_PRSTATUS 12", regset(GETREGSET, c, NT_PRSTATUS, buf, 12, &iov));
    show_len("  iov_len untouched", iov.iov_len);
    CALL("GETREGSET unknown type 0x999", regset(GETREGSET, c, 0x999, buf, 8, &iov));
    CALL("GETREGSET NT_X86_SHSTK", regset(GETREGSET, c, NT_X86_SHSTK_, buf, 8, &iov));
    CALL("SETREGSET unknown type 0x999", regset(SETREGSET, c, 0x999, buf, 8, &iov));
    CALL("GETREGSET iovec at 16", pt(GETREGSET, c, NT_PRSTATUS, 16));
    CALL("GETREGSET base NULL", regset(GETREGSET, c, NT_PRSTATUS, NULL, 216, &iov));
    CALL("SETREGSET base NULL", regset(SETREGSET, c, NT_PRSTATUS, NULL, 216, &iov));
    CALL("SETREGSET base past TASK_SIZE", regset(SETREGSET, c, NT_PRSTATUS, (void *) 0x7ffffffff000, 216, &iov));
    struct iovec *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro->iov_base = buf;
    ro->iov_len = 16;
    mprotect(ro, 4096, PROT_READ);
    memset(buf, 0xcc, sizeof buf);
    CALL("GETREGSET iovec read-only", pt(GETREGSET, c, NT_PRSTATUS, (long) ro));
    CALL("  the registers were copied", memcmp(buf, regs, 16) == 0);
    /* A partial SETREGSET: r15 ... rax (11 words), rax 7. */
    memcpy(buf, regs, sizeof regs);
    ((struct user_regs_struct *) buf)->rax = 7;
    CALL("SETREGSET NT_PRSTATUS 88", regset(SETREGSET, c, NT_PRSTATUS, buf, 88, &iov));
    show_len("  iov_len", iov.iov_len);
    CALL("GETREGS", pt(PTRACE_GETREGS, c, 0, (long) regs));
    printf("%-40s %lu\n", "  rax", (unsigned long) ((struct user_regs_struct *) regs)->rax);

    /* NT_386_IOPERM: no I/O bitmap, no set method. */
    CALL("GETREGSET NT_386_IOPERM", regset(GETREGSET, c, NT_386_IOPERM, buf, 8, &iov));
    CALL("SETREGSET NT_386_IOPERM", regset(SETREGSET, c, NT_386_IOPERM, buf, 8, &iov));

    CALL("CONT", pt(PTRACE_CONT, c, 0, 0));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    printf("%-40s %#x\n", "status", st);

    /* NT_PRFPREG: struct user_fpregs_struct (the fxsave area). */
    struct user_fpregs_struct fp;
    CALL("GETREGSET NT_PRFPREG 4096", regset(GETREGSET, c, NT_PRFPREG, &fp, sizeof fp, &iov));
    show_len("  iov_len", iov.iov_len);
    printf("%-40s %#x %#x\n", "  cwd mxcsr", fp.cwd, fp.mxcsr);
    CALL("SETREGSET NT_PRFPREG 256", regset(SETREGSET, c, NT_PRFPREG, &fp, 256, &iov));
    fp.mxcsr = 0x10000 | NEW_MXCSR;
    CALL("SETREGSET NT_PRFPREG reserved MXCSR", regset(SETREGSET, c, NT_PRFPREG, &fp, sizeof fp, &iov));
    fp.mxcsr = NEW_MXCSR;
    CALL("SETREGSET NT_PRFPREG", regset(SETREGSET, c, NT_PRFPREG, &fp, sizeof fp, &iov));
    memset(&fp, 0, sizeof fp);
    CALL("GETREGSET NT_PRFPREG", regset(GETREGSET, c, NT_PRFPREG, &fp, sizeof fp, &iov));
    printf("%-40s %#x\n", "  mxcsr", fp.mxcsr);
    CALL("CONT", pt(PTRACE_CONT, c, 0, 0));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    printf("%-40s %#x\n", "status", st);
    return 0;
}
