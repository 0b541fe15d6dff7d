/*
 * hello: the smallest libc program. Checks that the loader passes argc, that musl's
 * stdio reaches write(1, ...) and that main's return value becomes the exit status
 * (exit_group(7)). Run with no arguments it prints "hello from guest with 1 args".
 */
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    printf("hello from guest with %d args\n", argc);
    return 7;
}
