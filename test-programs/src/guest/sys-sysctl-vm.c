/*
 * sys-sysctl-vm: writes to /proc/sys/vm as proc_dointvec_minmax() and proc_doulongvec_minmax()
 * parse them. Safe to run on the host: every write that succeeds writes back the value the file
 * already holds (read first), in other spellings (octal, hexadecimal, with blanks, with a
 * newline, followed by something that makes the write short); the rest must fail.
 *
 * Checked: the count returned (short after trailing text, printed as the bytes left of it), EINVAL for garbage, a bare '-', no
 * digits, trailing letters, overflow, values out of range (max_map_count below 0,
 * overcommit_memory above 2, an int past INT_MAX), a write at a position other than 0 ignored
 * whole, a write of 0 bytes; a read at a position other than 0 is the end of the file (a value read
 * two bytes at a time stops after two); EACCES opening for writing as another user; EPERM writing
 * mmap_min_addr without CAP_SYS_RAWIO. nr_hugepages (hugetlb_sysctl_handler()) gets the same
 * cases: writing back the pool size it shows asks for no change on the host either. The values are not printed (the host's differ from
 * mmemu's): only whether the file still reads the same. Exits 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/wait.h>
#include "mmtest.h"

static long readval(const char *name) {
    char path[64], buf[32] = {0};
    snprintf(path, sizeof path, "/proc/sys/vm/%s", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 ? strtol(buf, 0, 10) : -1;
}

/* One write of s (its length, or len if >= 0) at position 0 of a fresh descriptor. */
static void w(const char *name, const char *what, const char *s, long len) {
    char path[64];
    snprintf(path, sizeof path, "/proc/sys/vm/%s", name);
    long before = readval(name);
    int fd = open(path, O_WRONLY);
    if (fd < 0) { printf("%s %s: open %s\n", name, what, ename(errno)); return; }
    errno = 0;
    long n = len >= 0 ? len : (long)strlen(s);
    long r = write(fd, s, n);
    /* The count as what was left of the write: the lengths of the values differ between hosts. */
    if (r >= 0) printf("%s %s: %ld of %s", name, what, n - r, len == 0 ? "0" : "n");
    else printf("%s %s: -1 %s", name, what, ename(errno));
    printf(", unchanged %s\n", readval(name) == before ? "yes" : "no");
    close(fd);
}

/* signed: whether the file takes a negative int (overcommit_ratio); ulong: an unsigned long
   (mmap_min_addr), which takes values past INT_MAX. Writes that would change the host's value
   are left out for each. */
static void cases(const char *name, long v, int takes_negative, int ulong) {
    char b[64];
    snprintf(b, sizeof b, "%ld", v); w(name, "decimal", b, -1);
    snprintf(b, sizeof b, "%ld\n", v); w(name, "with newline", b, -1);
    snprintf(b, sizeof b, "  \t%ld \n\n", v); w(name, "blanks around", b, -1);
    snprintf(b, sizeof b, "0x%lx", v); w(name, "hexadecimal", b, -1);
    snprintf(b, sizeof b, "0%lo", v); w(name, "octal", b, -1);
    snprintf(b, sizeof b, "%ld abc", v); w(name, "then text", b, -1);
    snprintf(b, sizeof b, "%ld 7", v); w(name, "then a second number", b, -1);
    snprintf(b, sizeof b, "%ld", v); w(name, "with its NUL", b, strlen(b) + 1);
    w(name, "empty", "", 0);
    w(name, "blanks only", "   \n", -1);
    w(name, "letters", "abc", -1);
    w(name, "minus only", "-", -1);
    w(name, "minus blank", "- 5", -1);
    w(name, "plus sign", "+5", -1);
    snprintf(b, sizeof b, "%ldx", v); w(name, "trailing letter", b, -1);
    w(name, "overflow", "99999999999999999999999", -1);
    w(name, "21 digits", "000000000000000000005", -1);
    if (!ulong) w(name, "past INT_MAX", "2147483648", -1);
    if (!takes_negative) w(name, "negative", "-1", -1);
    w(name, "0x alone", "0x", -1);
    /* A second write on the same descriptor is at position > 0: ignored, its count returned. */
    char path[64];
    snprintf(path, sizeof path, "/proc/sys/vm/%s", name);
    int fd = open(path, O_WRONLY);
    snprintf(b, sizeof b, "%ld\n", v);
    long r1 = write(fd, b, strlen(b));
    errno = 0;
    long r2 = write(fd, "garbage", 7);
    printf("%s second write: %s then %ld %s\n", name, r1 == (long)strlen(b) ? "whole" : "short", r2, r2 < 0 ? ename(errno) : "");
    long r3 = pwrite(fd, "garbage", 7, 0);
    printf("%s pwrite at 0: %ld %s\n", name, r3, r3 < 0 ? ename(errno) : "");
    close(fd);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    cases("max_map_count", readval("max_map_count"), 0, 0);
    cases("overcommit_memory", readval("overcommit_memory"), 0, 0);
    cases("overcommit_ratio", readval("overcommit_ratio"), 1, 0);
    cases("mmap_min_addr", readval("mmap_min_addr"), 0, 1);
    cases("nr_hugepages", readval("nr_hugepages"), 0, 1);
    int rfd = open("/proc/sys/vm/max_map_count", O_RDONLY);
    char two[2];
    long got = 0, rr;
    while ((rr = read(rfd, two, 2)) > 0) got += rr;
    close(rfd);
    printf("max_map_count read two bytes at a time: %ld in all\n", got);
    w("overcommit_memory", "3", "3", -1);
    w("overcommit_memory", "-0", "-0", -1);
    w("mmap_min_addr", "18446744073709551616", "18446744073709551616", -1);
    char cur[32];
    snprintf(cur, sizeof cur, "%ld", readval("max_map_count"));
    pid_t pid = fork();
    if (pid == 0) {
        drop_caps();
        w("mmap_min_addr", "without CAP_SYS_RAWIO", "65536", -1);
        w("max_map_count", "as root without capabilities", cur, -1);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    pid = fork();
    if (pid == 0) {
        if (setuid(65534) != 0) _exit(1);
        w("max_map_count", "as another user", cur, -1);
        int fd = open("/proc/sys/vm/max_map_count", O_RDONLY);
        printf("read-only open as another user: %s\n", fd >= 0 ? "yes" : ename(errno));
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    return 0;
}
