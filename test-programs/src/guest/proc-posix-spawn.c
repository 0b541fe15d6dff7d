/*
 * proc-posix-spawn: the child-creating calls that share the parent's memory until the child
 * execs or exits (CLONE_VM | CLONE_VFORK). With stdout a pipe, "start" stays in stdio's buffer
 * throughout: a child that ran on in the parent's code and left through exit() would print it
 * twice. (1) posix_spawn() of a missing path: ENOENT comes back as its result (the child's
 * execve failed); (2) posix_spawn() of /proc/self/exe with argv {"x", "exit", "7"}: status 7;
 * (3) vfork(): the child stores into the parent's memory and _exit(3)s; the parent, suspended
 * until then, sees the store at once; (4) vfork() then execve() of /proc/self/exe: status 9;
 * (5) clone(CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD) on a
 * stack of its own: the child runs the function on that stack, its store is seen, the parent's
 * tid word holds the pid and the child's is cleared at its exit; status 5; (6) clone(SIGCHLD)
 * on a stack of its own, without CLONE_VM: a copy, whose store the parent does not see;
 * status 4; (7) clone3() without a stack as fork (status 6), and its argument checks: a struct
 * below CLONE_ARGS_SIZE_VER0 (EINVAL), above a page (E2BIG), with a non-zero byte past the
 * struct the kernel knows (E2BIG), an exit signal above _NSIG (EINVAL), a stack without a size
 * (EINVAL). No shell is needed (the run under mmemu has no /bin/sh). Exits 0.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "mmtest.h"

extern char **environ;

static volatile int shared;
static int ptid, ctid;

static void status_line(const char *what, pid_t pid) {
    int st = 0;
    pid_t w = waitpid(pid, &st, 0);
    if (w != pid) printf("%s: waitpid %s\n", what, ename(errno));
    else if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    else printf("%s: status %#x\n", what, st);
}

static int child_vm(void *arg) {
    shared = *(int *)arg;
    return 5;
}

static int child_copy(void *arg) {
    shared = *(int *)arg;
    return 4;
}

/* struct clone_args, include/uapi/linux/sched.h (musl 1.2.3 has no <linux/sched.h> clone_args). */
struct clone_args_v2 {
    unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

static unsigned char clone_args_page[4096 + 8] __attribute__((aligned(4096)));

static void clone3_line(const char *what, const struct clone_args_v2 *a, size_t size) {
    memcpy(clone_args_page, a, sizeof *a);
    errno = 0;
    long r = syscall(435, clone_args_page, size);
    if (r == 0) _exit(6);
    if (r < 0) printf("%s: %s\n", what, ename(errno));
    else status_line(what, r);
    memset(clone_args_page, 0, sizeof clone_args_page);
}

static char stack_vm[64 * 1024] __attribute__((aligned(16)));
static char stack_copy[64 * 1024] __attribute__((aligned(16)));

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "exit")) _exit(atoi(argv[2]));
    printf("start\n"); // stays buffered: stdout is a pipe

    pid_t pid = 0;
    char *missing[] = {"missing", NULL};
    int rc = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, missing, environ);
    printf("posix_spawn missing path: %s\n", rc == 0 ? "0" : ename(rc));
    if (rc == 0) status_line("posix_spawn missing path", pid);

    char *self[] = {"x", "exit", "7", NULL};
    rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, self, environ);
    printf("posix_spawn self: %s\n", rc == 0 ? "0" : ename(rc));
    if (rc == 0) status_line("posix_spawn self", pid);

    shared = 0;
    pid = vfork();
    if (pid == 0) {
        shared = 33;
        _exit(3);
    }
    printf("vfork: parent sees the child's store: %d\n", shared);
    status_line("vfork", pid);

    pid = vfork();
    if (pid == 0) {
        char *nine[] = {"x", "exit", "9", NULL};
        execve("/proc/self/exe", nine, environ);
        _exit(127);
    }
    status_line("vfork+execve", pid);

    shared = 0;
    int value = 55;
    ctid = -1;
    pid = clone(child_vm, stack_vm + sizeof stack_vm,
                CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, &value, &ptid,
                NULL, &ctid);
    printf("clone VM|VFORK: parent sees the child's store: %d, parent tid word is the pid: %s\n", shared,
           pid > 0 && ptid == pid ? "yes" : "no");
    status_line("clone VM|VFORK", pid);
    printf("clone VM|VFORK: child tid word cleared at exit: %s\n", ctid == 0 ? "yes" : "no");

    shared = 0;
    value = 44;
    pid = clone(child_copy, stack_copy + sizeof stack_copy, SIGCHLD, &value);
    status_line("clone copy", pid);
    printf("clone copy: parent sees the child's store: %d\n", shared);

    struct clone_args_v2 a = {.exit_signal = SIGCHLD};
    clone3_line("clone3 as fork", &a, sizeof a);
    clone3_line("clone3 size 63", &a, 63);
    clone3_line("clone3 size 4097", &a, 4097);
    clone_args_page[sizeof a + 2] = 1;
    memcpy(clone_args_page, &a, sizeof a);
    errno = 0;
    long r = syscall(435, clone_args_page, sizeof a + 8);
    if (r == 0) _exit(6);
    printf("clone3 non-zero byte past the struct: %s\n", r < 0 ? ename(errno) : "created");
    memset(clone_args_page, 0, sizeof clone_args_page);
    a.exit_signal = 65;
    clone3_line("clone3 exit_signal 65", &a, sizeof a);
    a.exit_signal = SIGCHLD;
    a.stack = (unsigned long long)(uintptr_t)stack_copy;
    clone3_line("clone3 stack without a size", &a, sizeof a);

    printf("end\n");
    return 0;
}
