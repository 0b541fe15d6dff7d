/*
 * sys-chdir: chdir(2), fchdir(2) and getcwd(2) by raw syscall, and relative names after them.
 *
 * Checked: getcwd's ERANGE (a buffer one byte short) and EFAULT and its length with the NUL;
 * chdir's ENOENT (missing, empty name), ENOTDIR (a file, a path through a file), EFAULT,
 * ENAMETOOLONG; chdir("/tmp") then a file created, stat'ed, opened and unlinked by a relative
 * name; "..", "." and "//" in names; fchdir's EBADF and ENOTDIR and a change back by descriptor;
 * a fork child starting in its parent's directory and changing only its own. Exits 0.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "mmtest.h"

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)

static void cwd(const char *what) {
    char buf[256];
    errno = 0;
    long r = syscall(SYS_getcwd, buf, sizeof buf);
    if (r < 0) printf("%s: getcwd %s\n", what, ename(errno));
    else printf("%s: getcwd %ld [%s]\n", what, r, buf);
}

int main(void) {
    if (syscall(SYS_chdir, "/")) return 1;
    cwd("start");
    char small[2];
    R("getcwd size 1", syscall(SYS_getcwd, small, 1UL));
    R("getcwd size 2", syscall(SYS_getcwd, small, 2UL));
    R("getcwd bad buffer", syscall(SYS_getcwd, (void *)8, 100UL));
    R("chdir missing", syscall(SYS_chdir, "/no/such/dir"));
    R("chdir empty", syscall(SYS_chdir, ""));
    R("chdir bad pointer", syscall(SYS_chdir, (void *)8));
    char *longname = malloc(5000);
    memset(longname, 'a', 4999);
    longname[4999] = 0;
    R("chdir name beyond PATH_MAX", syscall(SYS_chdir, longname));
    R("chdir /tmp", syscall(SYS_chdir, "/tmp"));
    cwd("in /tmp");
    int fd = open("sys-chdir-file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("create relative: %s\n", fd >= 0 ? "ok" : ename(errno));
    if (write(fd, "hello", 5) != 5) printf("write failed\n");
    close(fd);
    struct stat st;
    R("stat /tmp/sys-chdir-file", stat("/tmp/sys-chdir-file", &st));
    printf("size %ld\n", (long)st.st_size);
    R("chdir a file", syscall(SYS_chdir, "sys-chdir-file"));
    R("chdir through a file", syscall(SYS_chdir, "sys-chdir-file/x"));
    R("access relative", syscall(SYS_access, "sys-chdir-file", R_OK));
    R("chdir ..", syscall(SYS_chdir, ".."));
    cwd("after ..");
    R("chdir tmp (relative)", syscall(SYS_chdir, "tmp"));
    cwd("after tmp");
    R("chdir ./../tmp/.", syscall(SYS_chdir, "./../tmp/."));
    cwd("after ./../tmp/.");
    R("chdir //tmp//", syscall(SYS_chdir, "//tmp//"));
    cwd("after //tmp//");
    int root = open("/", O_RDONLY | O_DIRECTORY);
    int file = open("sys-chdir-file", O_RDONLY);
    R("fchdir bad fd", syscall(SYS_fchdir, 99));
    R("fchdir a file", syscall(SYS_fchdir, file));
    R("fchdir /", syscall(SYS_fchdir, root));
    cwd("after fchdir /");
    R("open tmp/sys-chdir-file relative", (fd = open("tmp/sys-chdir-file", O_RDONLY)) >= 0 ? 0 : -1);
    close(fd);
    R("chdir /tmp again", syscall(SYS_chdir, "/tmp"));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        cwd("child");
        R("child chdir /", syscall(SYS_chdir, "/"));
        cwd("child after chdir /");
        fflush(stdout);
        _exit(0);
    }
    int wst;
    waitpid(pid, &wst, 0);
    cwd("parent after the child");
    R("unlink relative", unlink("sys-chdir-file"));
    R("stat after unlink", stat("/tmp/sys-chdir-file", &st));
    return 0;
}
