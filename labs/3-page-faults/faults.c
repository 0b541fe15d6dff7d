/*
 * Lab 3: make this program cause exactly, beyond what this file as given causes:
 *   4 zero-page maps, 3 COW copies, 2 COW reuses, 1 stack expansion.
 * Read README.md, then check with:  bin/mmemu lab check 3
 * Keep the fork()/waitpid() below: the grader measures this file as given as the baseline.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    /* Part 1: before fork(). */

    pid_t pid = fork();
    if (pid == 0) _exit(0); /* the child exits at once */
    waitpid(pid, 0, 0);

    /* Part 2: after the child has exited. */

    return 0;
}
