/*
 * cat-file: for each argument, opens the file read-only and copies it to stdout with read(),
 * or prints "open PATH: ERRNO". With no argument file that exists on every host, the default
 * arguments check the error path only; mmemu's --root tests pass their own files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "errname.h"

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            printf("open %s: %s\n", argv[i], errname(errno));
            continue;
        }
        fflush(stdout);
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) write(1, buf, (size_t) n);
        close(fd);
    }
    return 0;
}
