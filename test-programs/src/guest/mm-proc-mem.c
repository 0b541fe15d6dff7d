/*
 * mm-proc-mem: /proc/self/mem as fs/proc/base.c's mem_rw() gives it (FOLL_FORCE, as
 * CONFIG_PROC_MEM_ALWAYS_FORCE): a read of a never-touched page of a read-only private mapping
 * maps the zero page (present, not exclusive); a write there breaks COW into a page that is
 * exclusive but still read-only (a store by the program faults); lseek (SEEK_SET, SEEK_CUR;
 * SEEK_END EINVAL) and read/write advance the position; a transfer that runs into a hole stops
 * there (a short count, EIO when nothing moved); an unmapped address, [vvar] (VM_IO|VM_PFNMAP) and
 * a shared read-only mapping (no COW to break) are EIO; a bad buffer is EFAULT; a negative pread
 * offset EINVAL; a negative file position reaches kernel addresses (EIO) unless the count wraps
 * (EOVERFLOW); PROT_NONE memory is read and written; the program's own text is written through
 * a private copy; after fork a write in the parent breaks COW and the child keeps its copy;
 * readv/writev move segment by segment; a descriptor opened read-only cannot write (EBADF); mmap
 * of the file is refused. Exits 0.
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "calls.h"

static int fd;
static sigjmp_buf env;

static void on_segv(int sig) {
    (void) sig;
    siglongjmp(env, 1);
}

/* Whether a store to p succeeds (it stores the byte already there). */
static int can_store(volatile char *p) {
    char o = *p;
    signal(SIGSEGV, on_segv);
    if (sigsetjmp(env, 1)) {
        signal(SIGSEGV, SIG_DFL);
        return 0;
    }
    *p = o;
    signal(SIGSEGV, SIG_DFL);
    return 1;
}

/* pagemap's present and exclusive bits for p, as "PE" letters. */
static const char *pm(void *p) {
    static char s[3];
    uint64_t e = 0;
    int f = open("/proc/self/pagemap", O_RDONLY);
    if (pread(f, &e, 8, (uintptr_t) p / 4096 * 8) != 8) e = 0;
    close(f);
    s[0] = (e >> 63 & 1) ? 'P' : '-';
    s[1] = (e >> 56 & 1) ? 'E' : '-';
    s[2] = 0;
    return s;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    fd = open("/proc/self/mem", O_RDWR);
    if (fd < 0) {
        printf("no /proc/self/mem\n");
        return 1;
    }
    struct stat st;
    fstat(fd, &st);
    printf("mode %o size %ld\n", (unsigned) st.st_mode, (long) st.st_size);
    char buf[8192];
    char v = 7;
    char *ro = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(ro + 3 * 4096, 4096); /* a hole after it, whatever lies above */
    uintptr_t r0 = (uintptr_t) ro;

    printf("untouched: %s\n", pm(ro));
    CALL("pread never-touched", pread(fd, buf, 16, r0));
    printf("after read: %s zero %d\n", pm(ro), buf[0] == 0 && buf[15] == 0);
    CALL("pwrite zero page", pwrite(fd, &v, 1, r0));
    printf("after write: %s value %d can_store %d\n", pm(ro), ro[0], can_store(ro));
    CALL("pwrite never-touched", pwrite(fd, &v, 1, r0 + 4096 + 5));
    printf("value %d can_store %d\n", ro[4096 + 5], can_store(ro + 4096));

    CALL("lseek SEEK_SET == addr", lseek(fd, r0 + 4095, SEEK_SET) == (off_t) (r0 + 4095));
    CALL("write across pages", write(fd, "ab", 2));
    printf("bytes %d %d\n", ro[4095], ro[4096]);
    CALL("position after write", lseek(fd, 0, SEEK_CUR) - (off_t) r0);
    CALL("lseek SEEK_END", lseek(fd, 0, SEEK_END));
    CALL("lseek SEEK_CUR -8", lseek(fd, -8, SEEK_CUR) - (off_t) r0);
    CALL("read", read(fd, buf, 16));
    CALL("position after read", lseek(fd, 0, SEEK_CUR) - (off_t) r0);

    CALL("pread into the hole", pread(fd, buf, 8192, r0 + 2 * 4096));
    CALL("pwrite into the hole", pwrite(fd, buf, 8192, r0 + 2 * 4096));
    CALL("pread in the hole", pread(fd, buf, 16, r0 + 3 * 4096));
    CALL("pwrite in the hole", pwrite(fd, buf, 16, r0 + 3 * 4096));
    CALL("failed read leaves the position", lseek(fd, r0 + 3 * 4096, SEEK_SET) == (off_t) (r0 + 3 * 4096));
    CALL("read in the hole", read(fd, buf, 16));
    CALL("position unchanged", lseek(fd, 0, SEEK_CUR) - (off_t) r0);
    CALL("pread page 0", pread(fd, buf, 16, 0));
    CALL("pread offset -1", pread(fd, buf, 16, -1));
    CALL("lseek -4096", lseek(fd, -4096, SEEK_SET));
    CALL("read at -4096", read(fd, buf, 16));
    CALL("read at -4096, wrapping", read(fd, buf, 4096));
    CALL("pread bad buffer", pread(fd, (void *) 8, 16, r0));
    CALL("pwrite bad buffer", pwrite(fd, (void *) 8, 16, r0));

    char *pn = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pn[0] = 42;
    mprotect(pn, 4096, PROT_NONE);
    buf[0] = 0;
    CALL("pread PROT_NONE", pread(fd, buf, 1, (uintptr_t) pn));
    CALL("pwrite PROT_NONE", pwrite(fd, &v, 1, (uintptr_t) pn + 1));
    mprotect(pn, 4096, PROT_READ);
    printf("PROT_NONE: read %d, now %d %d\n", buf[0], pn[0], pn[1]);
    char *pn2 = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CALL("pread PROT_NONE never-touched", pread(fd, buf, 1, (uintptr_t) pn2));
    CALL("pwrite PROT_NONE never-touched", pwrite(fd, &v, 1, (uintptr_t) pn2 + 1));
    mprotect(pn2, 4096, PROT_READ);
    printf("PROT_NONE never-touched: %d %d\n", pn2[0], pn2[1]);

    char *sh = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CALL("pwrite shared read-only", pwrite(fd, &v, 1, (uintptr_t) sh));
    CALL("pread shared read-only", pread(fd, buf, 4, (uintptr_t) sh));
    char *shw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CALL("pwrite shared writable", pwrite(fd, &v, 1, (uintptr_t) shw));
    printf("shared writable: %d\n", shw[0]);

    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long a;
        if (strstr(line, "[vvar]") && sscanf(line, "%lx", &a) == 1) {
            CALL("pread [vvar]", pread(fd, buf, 16, a));
            CALL("pwrite [vvar]", pwrite(fd, buf, 16, a));
        }
    }
    fclose(maps);

    char *text = (char *) &main;
    char t0 = text[0] ^ 0; /* the same byte: the program keeps running */
    CALL("pwrite own text", pwrite(fd, &t0, 1, (uintptr_t) text));
    printf("text byte unchanged %d\n", text[0] == t0);

    char *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    rw[0] = 1;
    mprotect(rw, 4096, PROT_READ);
    int pipefd[2];
    if (pipe(pipefd)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        if (read(pipefd[0], &c, 1) != 1) _exit(1);
        printf("child sees %d\n", rw[0]);
        _exit(0);
    }
    printf("shared after fork: %s\n", pm(rw));
    v = 9;
    CALL("pwrite after fork", pwrite(fd, &v, 1, (uintptr_t) rw));
    printf("parent sees %d, %s, can_store %d\n", rw[0], pm(rw), can_store(rw));
    if (write(pipefd[1], "x", 1) != 1) return 1;
    int status;
    waitpid(pid, &status, 0);

    struct iovec iov[2] = {{buf, 3}, {buf + 3, 3}};
    lseek(fd, r0, SEEK_SET);
    CALL("readv", readv(fd, iov, 2));
    printf("readv bytes %d %d\n", buf[0], buf[5]);
    lseek(fd, r0 + 100, SEEK_SET);
    CALL("writev", writev(fd, iov, 2));
    CALL("position after writev", lseek(fd, 0, SEEK_CUR) - (off_t) r0);
    printf("written %d\n", ro[100]);

    CALL("mmap of the file failed", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    int rfd = open("/proc/self/mem", O_RDONLY);
    CALL("pwrite read-only descriptor", pwrite(rfd, &v, 1, (uintptr_t) rw));
    return 0;
}
