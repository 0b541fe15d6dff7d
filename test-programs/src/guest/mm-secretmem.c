/*
 * mm-secretmem: memfd_secret(2) as mm/secretmem.c on a host with secretmem enabled. Flags other
 * than O_CLOEXEC are EINVAL; the descriptor is O_RDWR, a regular file of mode 0600 with one link
 * and no blocks; read/write are EINVAL, pread/pwrite/lseek ESPIPE, fallocate EOPNOTSUPP,
 * F_ADD_SEALS EINVAL, fchmod works; the size is set once by ftruncate (then EINVAL, even to the
 * same size); a private mapping is EINVAL; a shared one is locked (VmLck grows, mlock/munlock
 * change nothing: mlock ENOMEM since the pages cannot be pinned) and a store past the size is
 * SIGBUS; madvise(MADV_DONTNEED) is EINVAL (locked); the memory cannot be reached through
 * /proc/self/mem (EIO) or process_vm_readv (EFAULT), but the kernel's own copies from it
 * (write to a pipe) work. Exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "calls.h"

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

static sigjmp_buf env;

static void on_signal(int sig) {
    siglongjmp(env, sig);
}

static void vmlck(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char l[256];
    while (fgets(l, sizeof l, f)) if (!strncmp(l, "VmLck", 5)) fputs(l, stdout);
    fclose(f);
}

/* Stores a byte at p: "ok", or the signal that stopped it. */
static void store(const char *what, volatile char *p, char v) {
    int s = sigsetjmp(env, 1);
    if (!s) {
        *p = v;
        printf("%s: ok\n", what);
    } else {
        printf("%s: signal %d\n", what, s);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGBUS, on_signal);
    signal(SIGSEGV, on_signal);
    CALL("memfd_secret(1)", syscall(SYS_memfd_secret, 1));
    CALL("memfd_secret(O_NONBLOCK)", syscall(SYS_memfd_secret, O_NONBLOCK));
    int fd = syscall(SYS_memfd_secret, O_CLOEXEC);
    if (fd < 0) {
        printf("memfd_secret: %s\n", errname(errno));
        return 1;
    }
    printf("cloexec %d accmode %d\n", fcntl(fd, F_GETFD), fcntl(fd, F_GETFL) & O_ACCMODE);
    struct stat st;
    fstat(fd, &st);
    printf("mode %o size %ld nlink %ld blocks %ld\n", (unsigned) st.st_mode, (long) st.st_size, (long) st.st_nlink,
            (long) st.st_blocks);
    char buf[64];
    CALL("read", read(fd, buf, 64));
    CALL("write", write(fd, buf, 64));
    CALL("pread", pread(fd, buf, 64, 0));
    CALL("pwrite", pwrite(fd, buf, 64, 0));
    CALL("lseek", lseek(fd, 0, SEEK_SET));
    CALL("fallocate", fallocate(fd, 0, 0, 4096));
    CALL("F_ADD_SEALS", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    CALL("fchmod", fchmod(fd, 0644));
    CALL("mmap private failed", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    char *m0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CALL("mmap shared before ftruncate failed", m0 == MAP_FAILED);
    vmlck();
    store("store before ftruncate", m0, 1);
    CALL("ftruncate 8192", ftruncate(fd, 8192));
    CALL("ftruncate 8192 again", ftruncate(fd, 8192));
    CALL("ftruncate 4096", ftruncate(fd, 4096));
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CALL("mmap shared failed", m == MAP_FAILED);
    vmlck();
    store("store page 0", m, 5);
    store("store page 1", m + 4096, 6);
    store("store through the first mapping", m0, 7);
    printf("shared: %d\n", m[0]);
    fstat(fd, &st);
    printf("size %ld blocks %ld\n", (long) st.st_size, (long) st.st_blocks);
    CALL("madvise MADV_DONTNEED", madvise(m, 4096, MADV_DONTNEED));
    CALL("mlock", mlock(m, 4096));
    CALL("munlock", munlock(m, 4096));
    vmlck();
    char *m3 = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    CALL("mmap past the size failed", m3 == MAP_FAILED);
    store("store past the size (read-only map)", m3 + 2 * 4096, 1);
    int mem = open("/proc/self/mem", O_RDWR);
    CALL("/proc/self/mem pread", pread(mem, buf, 4, (uintptr_t) m));
    CALL("/proc/self/mem pwrite", pwrite(mem, buf, 4, (uintptr_t) m));
    struct iovec lv = {buf, 4}, rv = {m, 4};
    CALL("process_vm_readv", process_vm_readv(getpid(), &lv, 1, &rv, 1, 0));
    CALL("process_vm_writev", process_vm_writev(getpid(), &lv, 1, &rv, 1, 0));
    int p[2];
    if (pipe(p)) return 1;
    CALL("write to a pipe from it", write(p[1], m, 4));
    CALL("read from the pipe into it", read(p[0], m + 8, 4));
    printf("copied %d\n", m[8]);
    return 0;
}
