/*
 * ptrace-xstate: PTRACE_GETREGSET/SETREGSET of NT_X86_XSTATE (arch/x86/kernel/fpu/regset.c
 * xstateregs_get()/xstateregs_set()) on a TRACEME child stopped by raise(SIGSTOP). With 'xsave'
 * (mmemu --cpu-model skylake-server only, ProtectionKeysTest: x87 | SSE | PKRU, 0xa88 bytes; the
 * host's XSAVE layout is another): the image's length, sw_reserved and xstate_bv, PKRU at 0xa80,
 * a short buffer, the set's EFAULT for anything but the whole image, EINVAL for a compacted
 * xcomp_bv, reserved header bytes, a feature the task may not use and reserved MXCSR bits, PKRU
 * set and cleared (xstate_bv without PKRU: 0), and a PKRU set by the tracer that the child reads
 * with RDPKRU when it runs again. With 'noxsave' (mmemu's default CPU, no XSAVE): ENODEV both
 * ways. The host's XSAVE layout differs from both models', so natively, without an argument, it
 * prints one line. Exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calls.h"

#define NT_X86_XSTATE_ 0x202
#define GETREGSET 0x4204
#define SETREGSET 0x4205
#define XSTATE_SIZE 0xa88
#define PKRU_AT 0xa80
#define CHILD_PKRU 0x5555555cu

static unsigned char img[4096], buf[4096];

static long pt(long req, long pid, long addr, long data) {
    return syscall(SYS_ptrace, req, pid, addr, data);
}

static long regset(long req, pid_t c, void *base, size_t len, struct iovec *iov) {
    iov->iov_base = base;
    iov->iov_len = len;
    return pt(req, c, NT_X86_XSTATE_, (long) iov);
}

static uint64_t u64(const unsigned char *p, int at) {
    uint64_t v;
    memcpy(&v, p + at, 8);
    return v;
}

static uint32_t u32(const unsigned char *p, int at) {
    uint32_t v;
    memcpy(&v, p + at, 4);
    return v;
}

static void set(unsigned char *p, int at, uint64_t v, int n) {
    memcpy(p + at, &v, n);
}

/* A SETREGSET of the image with one field changed. */
static void set_with(pid_t c, const char *what, int at, uint64_t v, int n) {
    struct iovec iov;
    memcpy(buf, img, sizeof img);
    set(buf, at, v, n);
    CALL(what, regset(SETREGSET, c, buf, XSTATE_SIZE, &iov));
}

static void show(pid_t c, const char *what) {
    struct iovec iov;
    memset(buf, 0xcc, sizeof buf);
    CALL(what, regset(GETREGSET, c, buf, sizeof buf, &iov));
    printf("  iov_len %#zx xstate_bv %#lx pkru %08x\n", iov.iov_len, (unsigned long) u64(buf, 512), u32(buf, PKRU_AT));
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("ptrace-xstate: run with 'xsave' (mmemu --cpu-model skylake-server) or 'noxsave' (mmemu's default CPU)\n");
        return 0;
    }
    int xsave = strcmp(argv[1], "xsave") == 0;
    struct iovec iov;
    int st;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t c = fork();
    if (c == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        unsigned eax = 0, edx;
        if (xsave) __asm__ volatile(".byte 0x0f,0x01,0xee" : "=a"(eax), "=d"(edx) : "c"(0)); /* RDPKRU */
        _exit(!xsave || eax == CHILD_PKRU ? 0 : 1);
    }
    CALL("waitpid", waitpid(c, &st, 0) == c);
    if (!xsave) {
        CALL("GETREGSET NT_X86_XSTATE", regset(GETREGSET, c, img, sizeof img, &iov));
        CALL("SETREGSET NT_X86_XSTATE", regset(SETREGSET, c, img, XSTATE_SIZE, &iov));
    } else {
        CALL("GETREGSET NT_X86_XSTATE 4096", regset(GETREGSET, c, img, sizeof img, &iov));
        printf("  iov_len %#zx xstate_bv %#lx xcomp_bv %#lx pkru %08x\n", iov.iov_len, (unsigned long) u64(img, 512),
               (unsigned long) u64(img, 520), u32(img, PKRU_AT));
        printf("  sw_reserved magic1 %#x extended %#x features %#lx size %#x\n", u32(img, 464), u32(img, 468),
               (unsigned long) u64(img, 472), u32(img, 480));
        printf("  fcw %#x mxcsr %#x\n", u32(img, 0) & 0xffff, u32(img, 24));
        memset(buf, 0xcc, sizeof buf);
        CALL("GETREGSET 520 bytes", regset(GETREGSET, c, buf, 520, &iov));
        printf("  iov_len %zu xstate_bv %#lx next byte %#x\n", iov.iov_len, (unsigned long) u64(buf, 512), buf[520]);
        CALL("SETREGSET 520 bytes", regset(SETREGSET, c, img, 520, &iov));
        CALL("SETREGSET 4096 bytes (cut to the image)", regset(SETREGSET, c, img, sizeof img, &iov));
        printf("  iov_len %#zx\n", iov.iov_len);
        set_with(c, "SETREGSET xcomp_bv compacted", 520, 1ul << 63 | 0x203, 8);
        set_with(c, "SETREGSET a reserved header byte", 530, 1, 1);
        set_with(c, "SETREGSET xstate_bv with YMM", 512, 0x207, 8);
        set_with(c, "SETREGSET reserved MXCSR bits", 24, 0x11f80, 4);
        set_with(c, "SETREGSET pkru 55555550", PKRU_AT, 0x55555550, 4);
        show(c, "GETREGSET");
        set_with(c, "SETREGSET xstate_bv without PKRU", 512, 0x3, 8);
        show(c, "GETREGSET");
        set_with(c, "SETREGSET pkru 5555555c", PKRU_AT, CHILD_PKRU, 4);
        show(c, "GETREGSET");
    }
    CALL("CONT", pt(PTRACE_CONT, c, 0, 0));
    CALL("waitpid", waitpid(c, &st, 0) == c);
    printf("%-40s %#x\n", "status", st);
    return 0;
}
