/*
 * uname-and-ids: identity syscalls whose answers are stable across hosts: uname's
 * sysname and machine (release, version and nodename vary, so they are not printed),
 * getpid() == gettid() for a single-threaded process, getpid() and getppid() positive,
 * getuid() == geteuid(), and ioctl(TIOCGWINSZ) on stdout, which fails with ENOTTY when
 * stdout is a pipe or file (as in the tests; on a terminal it would print "0 0"), and
 * with EBADF on a closed descriptor. Exits 0.
 */
#define _GNU_SOURCE /* mremap, gettid */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "errname.h"

int main(void) {
    struct utsname u;
    int rc = uname(&u);
    printf("uname: %d\n", rc);
    printf("sysname %s\n", u.sysname);
    printf("machine %s\n", u.machine);
    pid_t pid = getpid();
    printf("getpid() > 0: %s\n", pid > 0 ? "yes" : "no");
    printf("getpid() == gettid(): %s\n", pid == gettid() ? "yes" : "no");
    printf("getppid() > 0: %s\n", getppid() > 0 ? "yes" : "no");
    printf("getuid() == geteuid(): %s\n", getuid() == geteuid() ? "yes" : "no");

    struct winsize ws;
    errno = 0;
    rc = ioctl(1, TIOCGWINSZ, &ws);
    printf("ioctl(1, TIOCGWINSZ): %d %s\n", rc, errname(rc == 0 ? 0 : errno));
    errno = 0;
    rc = ioctl(987, TIOCGWINSZ, &ws);
    printf("ioctl(987, TIOCGWINSZ): %d %s\n", rc, errname(rc == 0 ? 0 : errno));
    return 0;
}
