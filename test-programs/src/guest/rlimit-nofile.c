/*
 * rlimit-nofile: what setrlimit() accepts takes effect, and what it must refuse it refuses.
 * From a known start whatever the host gave (descriptors above 2 closed, RLIMIT_NOFILE lowered to
 * 200/300, which anyone may do): open() fails with EMFILE exactly at the soft limit; a lowered soft limit refuses new
 * descriptors above it (open EMFILE, dup2 EBADF, F_DUPFD EINVAL) while those open stay open; a
 * raised soft limit lets more be opened. Then the checks of do_prlimit(): soft above hard is
 * EINVAL; with capabilities dropped (capset to empty sets) raising the hard limit is EPERM, even
 * back to where it was, and lowering it is allowed; getrlimit, prlimit64 and the raw
 * getrlimit/setrlimit syscalls agree; bad pointers and an unknown resource give EFAULT and
 * EINVAL. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include "mmtest.h"

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

/* Opens /dev/null until open() fails; returns how many it opened, errno names why it stopped. */
static int open_all(int *err) {
    int n = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            *err = errno;
            return n;
        }
        n++;
    }
}

static void close_from(int first) {
    for (int fd = first; fd < 400; fd++) close(fd);
}

static void set(const char *what, rlim_t soft, rlim_t hard) {
    struct rlimit rl = {soft, hard};
    errno = 0;
    rc_line(what, setrlimit(RLIMIT_NOFILE, &rl));
}

static void show(const char *what) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) printf("%s: getrlimit %s\n", what, ename(errno));
    else printf("%s: soft %lu, hard %lu\n", what, (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
}

int main(void) {
    int err = 0;
    for (int fd = 3; fd < 4096; fd++) close(fd); /* whatever the caller left open */
    set("setrlimit NOFILE 200/300 (lowering)", 200, 300);
    show("limits");
    int n = open_all(&err);
    printf("opened %d descriptors, then %s\n", n, ename(err));

    set("setrlimit NOFILE 100/300 with fds up to 199 open", 100, 300);
    errno = 0;
    rc_line("open with soft limit 100", open("/dev/null", O_RDONLY));
    printf("fd 150 still open: %s\n", fcntl(150, F_GETFD) >= 0 ? "yes" : "no");
    errno = 0;
    rc_line("dup2(0, 150)", dup2(0, 150));
    errno = 0;
    rc_line("F_DUPFD from 100", fcntl(0, F_DUPFD, 100));
    errno = 0;
    rc_line("F_DUPFD from 50 (50..99 in use)", fcntl(0, F_DUPFD, 50));
    close(150);
    errno = 0;
    rc_line("dup2(0, 99) after close", dup2(0, 99));
    close_from(3);

    set("setrlimit NOFILE 300/300 (soft raised to hard)", 300, 300);
    n = open_all(&err);
    printf("opened %d descriptors, then %s\n", n, ename(err));
    close_from(3);

    set("soft 301 above hard 300", 301, 300);
    R("drop capabilities (capset)", drop_caps());
    set("raise hard to 301 without CAP_SYS_RESOURCE", 300, 301);
    set("lower to 250/250", 250, 250);
    set("raise hard back to 300", 250, 300);
    show("limits");
    n = open_all(&err);
    printf("opened %d descriptors, then %s\n", n, ename(err));
    close_from(3);

    struct rlimit old = {0, 0}, rl = {240, 250};
    errno = 0;
    rc_line("prlimit64(0, NOFILE, 240/250, &old)", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, &old));
    printf("old: soft %lu, hard %lu\n", (unsigned long)old.rlim_cur, (unsigned long)old.rlim_max);
    errno = 0;
    rc_line("raw getrlimit", syscall(SYS_getrlimit, RLIMIT_NOFILE, &old));
    printf("now: soft %lu, hard %lu\n", (unsigned long)old.rlim_cur, (unsigned long)old.rlim_max);
    rl.rlim_cur = 230;
    errno = 0;
    rc_line("raw setrlimit 230/250", syscall(SYS_setrlimit, RLIMIT_NOFILE, &rl));
    show("limits");
    errno = 0;
    rc_line("setrlimit bad pointer", syscall(SYS_setrlimit, RLIMIT_NOFILE, (void *)16));
    errno = 0;
    rc_line("setrlimit resource 99", syscall(SYS_setrlimit, 99, &rl));
    errno = 0;
    rc_line("setrlimit resource 99, bad pointer", syscall(SYS_setrlimit, 99, (void *)16));
    errno = 0;
    rc_line("prlimit64 resource 99", syscall(SYS_prlimit64, 0, 99, NULL, &old));
    errno = 0;
    rc_line("prlimit64 bad new pointer", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (void *)16, NULL));
    return 0;
}
