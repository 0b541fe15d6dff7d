/*
 * hello-pie: hello built as a static PIE (hello-pie.cflags: -static-pie). The ELF is
 * ET_DYN with no PT_INTERP and no DT_NEEDED: the kernel picks the load address, and
 * musl's rcrt1.o start code relocates the image itself (_dlstart_c applies the
 * R_X86_64_RELATIVE entries) before main runs. Checks that a loader handles ET_DYN
 * placement and that relocation writes to the freshly loaded image work.
 * Run with no arguments it prints "hello from guest with 1 args" and exits with 7.
 */
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    printf("hello from guest with %d args\n", argc);
    return 7;
}
