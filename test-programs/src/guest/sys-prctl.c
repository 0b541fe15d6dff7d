/*
 * sys-prctl: prctl() (kernel/sys.c) options real programs and the mm selftests use.
 *
 * Checked: unknown options are EINVAL; PR_SET_NAME truncates to 15 bytes, PR_GET_NAME returns
 * 16 bytes (NUL padded), both EFAULT on a bad pointer, the name shows in /proc/self/comm and
 * the Name: line of /proc/self/status (a backslash escaped there); PR_SET_VMA (EINVAL on a kernel
 * without CONFIG_ANON_VMA_NAME, as the reference host's); PR_SET_MDWE/PR_GET_MDWE's EINVAL cases, and in children:
 * mmap and mprotect refusing write+exec and exec gain with EACCES (mprotect changing the VMAs
 * before the refused one), EPERM when changing set bits, inheritance by fork and
 * PR_MDWE_NO_INHERIT. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/wait.h>
#include "mmtest.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif
#ifndef PR_MDWE_NO_INHERIT
#define PR_MDWE_NO_INHERIT (1UL << 1)
#endif

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static long pr(long opt, long a2, long a3, long a4, long a5) { return syscall(SYS_prctl, opt, a2, a3, a4, a5); }

static char *map(int pages, int prot, int flags) {
    return sys_mmap(NULL, (size_t)pages * PAGE, prot, flags | MAP_ANONYMOUS, -1, 0);
}

/* Prints a /proc/self file's content, with its newlines shown as '|'. */
static void show_file(const char *path, const char *prefix) {
    char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("%s: open %s\n", path, ename(errno)); return; }
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) { printf("%s: read %s\n", path, ename(errno)); return; }
    buf[n] = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (!prefix || !strncmp(line, prefix, strlen(prefix))) printf("%s: [%s]\n", path, line);
    }
}

static void show_name(const char *what) {
    char name[20];
    memset(name, 'x', sizeof name);
    errno = 0;
    long rc = pr(PR_GET_NAME, (long)name, 0, 0, 0);
    printf("%s: PR_GET_NAME %ld %s [%s] byte15=%d byte16=%c\n", what, rc, rc ? ename(errno) : "", name, name[15],
           name[16]);
}

static void names(void) {
    R("option 0", pr(0, 0, 0, 0, 0));
    R("option 1000", pr(1000, 0, 0, 0, 0));
    R("PR_SET_NAME", pr(PR_SET_NAME, (long)"renamed", 0, 0, 0));
    show_name("after rename");
    show_file("/proc/self/comm", NULL);
    show_file("/proc/self/status", "Name:");
    R("PR_SET_NAME long", pr(PR_SET_NAME, (long)"abcdefghijklmnopqrstuvwxyz", 0, 0, 0));
    show_name("after long");
    show_file("/proc/self/comm", NULL);
    R("PR_SET_NAME with backslash", pr(PR_SET_NAME, (long)"a\\b", 0, 0, 0));
    show_file("/proc/self/comm", NULL);
    show_file("/proc/self/status", "Name:");
    R("PR_SET_NAME empty", pr(PR_SET_NAME, (long)"", 0, 0, 0));
    show_name("after empty");
    R("PR_SET_NAME bad pointer", pr(PR_SET_NAME, 8, 0, 0, 0));
    R("PR_GET_NAME bad pointer", pr(PR_GET_NAME, 8, 0, 0, 0));
    R("PR_SET_NAME extra args ignored", pr(PR_SET_NAME, (long)"sys-prctl", 1, 2, 3));
    show_name("restored");
}

static long set_anon(void *a, size_t len, const char *name) {
    return pr(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (long)a, (long)len, (long)name);
}

/* The reference host's kernel is built without CONFIG_ANON_VMA_NAME: every PR_SET_VMA is EINVAL. */
static void anon_names(void) {
    char *a = map(4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    R("PR_SET_VMA option 1", pr(PR_SET_VMA, 1, (long)a, PAGE, (long)"x"));
    R("anon name pages 1-2", set_anon(a + PAGE, 2 * PAGE, "buf"));
    R("anon name cleared", set_anon(a + PAGE, 2 * PAGE, NULL));
    maps_print_range("a", (uintptr_t)a, (uintptr_t)a + 4 * PAGE);
}

static void mdwe_child(int bits) {
    R("PR_GET_MDWE before", pr(PR_GET_MDWE, 0, 0, 0, 0));
    R("PR_SET_MDWE", pr(PR_SET_MDWE, bits, 0, 0, 0));
    R("PR_GET_MDWE", pr(PR_GET_MDWE, 0, 0, 0, 0));
    R("PR_SET_MDWE same again", pr(PR_SET_MDWE, bits, 0, 0, 0));
    R("PR_SET_MDWE 0", pr(PR_SET_MDWE, 0, 0, 0, 0));
    R("PR_SET_MDWE other bits", pr(PR_SET_MDWE, bits ^ PR_MDWE_NO_INHERIT, 0, 0, 0));
    R("mmap rwx", (long)map(1, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE));
    R("mmap wx shared", (long)map(1, PROT_WRITE | PROT_EXEC, MAP_SHARED));
    char *x = map(1, PROT_READ | PROT_EXEC, MAP_PRIVATE);
    printf("mmap rx: %s\n", x == MAP_FAILED ? ename(errno) : "ok");
    /* w between two PROT_NONE pages, so that it merges with nothing else. */
    char *guard = map(6, PROT_NONE, MAP_PRIVATE);
    char *w = sys_mmap(guard + PAGE, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("mmap rw: %s\n", w == MAP_FAILED ? ename(errno) : "ok");
    R("mprotect rx -> r", mprotect(x, PAGE, PROT_READ));
    R("mprotect r -> rx (gain)", mprotect(x, PAGE, PROT_READ | PROT_EXEC));
    char *y = map(1, PROT_READ | PROT_EXEC, MAP_PRIVATE);
    R("mprotect rx -> rwx", mprotect(y, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC));
    R("mprotect rx -> x", mprotect(y, PAGE, PROT_EXEC));
    R("mprotect rw -> rx", mprotect(w, PAGE, PROT_READ | PROT_EXEC));
    R("mprotect rw -> none", mprotect(w, PAGE, PROT_NONE));
    R("mprotect page 2 rx", mprotect(w + 2 * PAGE, PAGE, PROT_READ | PROT_EXEC));
    /* Pages 0-1 change before page 2 (exec gain) refuses. */
    R("mprotect pages 0-3 r", mprotect(w, 4 * PAGE, PROT_READ));
    maps_print_range("w", (uintptr_t)w, (uintptr_t)w + 4 * PAGE);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        R("grandchild PR_GET_MDWE", pr(PR_GET_MDWE, 0, 0, 0, 0));
        char *g = map(1, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE);
        printf("grandchild mmap rwx: %s\n", g == MAP_FAILED ? ename(errno) : "ok");
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
}

static void mdwe(void) {
    R("PR_SET_MDWE unknown bit", pr(PR_SET_MDWE, 4, 0, 0, 0));
    R("PR_SET_MDWE NO_INHERIT alone", pr(PR_SET_MDWE, PR_MDWE_NO_INHERIT, 0, 0, 0));
    R("PR_SET_MDWE arg3", pr(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 1, 0, 0));
    R("PR_SET_MDWE arg5", pr(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 1));
    R("PR_GET_MDWE arg2", pr(PR_GET_MDWE, 1, 0, 0, 0));
    R("PR_GET_MDWE", pr(PR_GET_MDWE, 0, 0, 0, 0));
    R("PR_SET_MDWE 0", pr(PR_SET_MDWE, 0, 0, 0, 0));
    R("PR_GET_MDWE after 0", pr(PR_GET_MDWE, 0, 0, 0, 0));
    static const int modes[] = {PR_MDWE_REFUSE_EXEC_GAIN, PR_MDWE_REFUSE_EXEC_GAIN | PR_MDWE_NO_INHERIT};
    for (int i = 0; i < 2; i++) {
        printf("child with MDWE bits %d:\n", modes[i]);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            mdwe_child(modes[i]);
            fflush(stdout);
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
    }
}

int main(void) {
    names();
    anon_names();
    mdwe();
    return 0;
}
