/*
 * mm-uaccess-efault: the kernel's copy_from_user/copy_to_user through syscalls, with
 * buffers the process may not access. write(1, bad, n) and write to a pipe from an
 * unmapped, a PROT_NONE, a kernel and a non-canonical address fail with EFAULT and write
 * nothing; to a pipe, a buffer that runs from a readable page into a PROT_NONE one fails
 * with EFAULT and writes nothing (the partly filled pipe buffer is dropped); read() into
 * a read-only page, a PROT_NONE page, unmapped memory or the program's text fails with
 * EFAULT, and the read-only page is unchanged; read() into a buffer running from a
 * writable page into a read-only one fills the writable part (short count); pointer
 * arguments of other syscalls (open's path, also one running into a PROT_NONE page,
 * fstat's buffer, pipe's array, uname, getcwd, readlink's buffer, rt_sigaction, the raw
 * clock_gettime syscall) fail with EFAULT too; a buffer that is merely not yet faulted in
 * (fresh anonymous pages) is fine in both directions. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include "mmtest.h"

#define BASE 0x4c0000000000UL

static void drain(int fd) {
    char buf[256];
    long n = syscall(SYS_read, fd, buf, sizeof buf);
    printf("  pipe holds %ld byte(s)\n", n < 0 ? 0 : n);
}

#define SYS(what, ...) do { errno = 0; rc_line(what, syscall(__VA_ARGS__)); } while (0)

int main(void) {
    const int prw = PROT_READ | PROT_WRITE;
    unsigned char *p = mmap((void *)BASE, 4 * PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    memset(p, 'a', 2 * PAGE);
    /* page 0, 1 rw (written), page 2 read-only (written only at its end), page 3 PROT_NONE,
       page 4 unmapped */
    memset(p + 3 * PAGE - 16, 'b', 16); /* a string running into the PROT_NONE page */
    mprotect(p + 2 * PAGE, PAGE, PROT_READ);
    mprotect(p + 3 * PAGE, PAGE, PROT_NONE);
    munmap(p + 4 * PAGE, PAGE);
    int pfd[2];
    if (pipe(pfd) != 0 || fcntl(pfd[0], F_SETFL, O_NONBLOCK) != 0) return 1;
    fflush(stdout);

    SYS("write(1, unmapped, 10)", SYS_write, 1, p + 4 * PAGE, 10);
    SYS("write(1, PROT_NONE, 10)", SYS_write, 1, p + 3 * PAGE, 10);
    SYS("write(1, NULL, 10)", SYS_write, 1, NULL, 10);
    SYS("write(1, kernel address, 10)", SYS_write, 1, 0xffffffff81000000UL, 10);
    SYS("write(1, non-canonical, 10)", SYS_write, 1, 0x8000000000000000UL, 10);
    SYS("write(1, unmapped, 0)", SYS_write, 1, p + 4 * PAGE, 0);
    SYS("write(pipe, unmapped, 10)", SYS_write, pfd[1], p + 4 * PAGE, 10);
    drain(pfd[0]);
    SYS("write(pipe, 10 readable bytes then PROT_NONE, 20)", SYS_write, pfd[1], p + 3 * PAGE - 10, 20);
    drain(pfd[0]);
    SYS("write(pipe, read-only page, 10)", SYS_write, pfd[1], p + 2 * PAGE, 10);
    drain(pfd[0]);

    int zfd = open("/dev/zero", O_RDONLY);
    int sfd = open("/proc/self/exe", O_RDONLY);
    SYS("read(/dev/zero, read-only page, 10)", SYS_read, zfd, p + 2 * PAGE, 10);
    SYS("read(/dev/zero, PROT_NONE page, 10)", SYS_read, zfd, p + 3 * PAGE, 10);
    SYS("read(/dev/zero, unmapped, 10)", SYS_read, zfd, p + 4 * PAGE, 10);
    SYS("read(/dev/zero, the program's text, 10)", SYS_read, zfd, (void *)main, 10);
    SYS("read(self, read-only page, 10)", SYS_read, sfd, p + 2 * PAGE, 10);
    SYS("read(self, unmapped, 10)", SYS_read, sfd, p + 4 * PAGE, 10);
    lseek(sfd, 0, SEEK_SET);
    SYS("read(self, 10 writable bytes then read-only, 20)", SYS_read, sfd, p + 2 * PAGE - 10, 20);
    printf("  writable part got the ELF magic: %s\n", p[2 * PAGE - 10] == 0x7f && p[2 * PAGE - 9] == 'E' ? "yes" : "no");
    SYS("read(/dev/zero, 10 writable bytes then read-only, 20)", SYS_read, zfd, p + 2 * PAGE - 10, 20);
    SYS("write(pipe, 3 bytes)", SYS_write, pfd[1], "xyz", 3);
    SYS("read(pipe, read-only page, 3)", SYS_read, pfd[0], p + 2 * PAGE, 3);
    drain(pfd[0]);
    printf("read-only page still zero: %s\n", p[2 * PAGE] == 0 ? "yes" : "no");

    SYS("open(unmapped path)", SYS_open, p + 4 * PAGE, O_RDONLY);
    SYS("open(path running into PROT_NONE)", SYS_open, p + 3 * PAGE - 2, O_RDONLY);
    SYS("fstat(0, unmapped)", SYS_fstat, 0, p + 4 * PAGE);
    SYS("fstat(0, read-only page)", SYS_fstat, 0, p + 2 * PAGE);
    SYS("pipe(read-only page)", SYS_pipe, p + 2 * PAGE);
    SYS("uname(unmapped)", SYS_uname, p + 4 * PAGE);
    SYS("getcwd(read-only page, 100)", SYS_getcwd, p + 2 * PAGE, 100);
    SYS("readlink(/proc/self/exe, read-only page, 100)", SYS_readlink, "/proc/self/exe", p + 2 * PAGE, 100);
    SYS("rt_sigaction(SIGUSR1, unmapped, NULL)", SYS_rt_sigaction, SIGUSR1, p + 4 * PAGE, NULL, 8);
    SYS("rt_sigaction(SIGUSR1, NULL, read-only page)", SYS_rt_sigaction, SIGUSR1, NULL, p + 2 * PAGE, 8);
    SYS("clock_gettime(CLOCK_MONOTONIC, read-only page)", SYS_clock_gettime, CLOCK_MONOTONIC, p + 2 * PAGE);

    /* not yet faulted in is fine */
    unsigned char *fresh = mmap(NULL, 2 * PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    lseek(sfd, 0, SEEK_SET);
    SYS("read(self, fresh pages, 8192)", SYS_read, sfd, fresh, 2 * PAGE);
    unsigned char *fresh2 = mmap(NULL, PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SYS("write(pipe, fresh page, 100)", SYS_write, pfd[1], fresh2, 100);
    drain(pfd[0]);
    struct stat st;
    unsigned char *fresh3 = mmap(NULL, PAGE, prw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    SYS("fstat(self, fresh page)", SYS_fstat, sfd, fresh3);
    memcpy(&st, fresh3, sizeof st);
    printf("  S_ISREG: %s\n", S_ISREG(st.st_mode) ? "yes" : "no");
    return 0;
}
