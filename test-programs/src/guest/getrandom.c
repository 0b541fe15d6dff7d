/*
 * getrandom: getrandom(2) as drivers/char/random.c answers it, printed as return values and errno
 * names only (the bytes differ from run to run on the host; under mmemu they come from the seed):
 * each valid flag combination fills the buffer; an unknown flag and GRND_RANDOM|GRND_INSECURE are
 * EINVAL; a buffer nothing maps is EFAULT; a buffer that runs into an unmapped page gets the bytes
 * before it (a partial read); a zero count returns 0; a 64 KiB read is whole; two draws differ.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "errname.h"

#define PAGE 4096
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

static void show(const char *what, void *buf, size_t len, unsigned flags) {
    long r = syscall(SYS_getrandom, buf, len, flags);
    if (r < 0) printf("%-40s -1 %s\n", what, errname(errno));
    else printf("%-40s %ld\n", what, r);
}

int main(void) {
    unsigned char *buf = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) return 2;
    show("getrandom(buf, 16, 0)", buf, 16, 0);
    show("getrandom(buf, 16, GRND_NONBLOCK)", buf, 16, GRND_NONBLOCK);
    show("getrandom(buf, 16, GRND_RANDOM)", buf, 16, GRND_RANDOM);
    show("getrandom(buf, 16, GRND_INSECURE)", buf, 16, GRND_INSECURE);
    show("getrandom(buf, 16, NONBLOCK|INSECURE)", buf, 16, GRND_NONBLOCK | GRND_INSECURE);
    show("getrandom(buf, 16, 8)", buf, 16, 8);
    show("getrandom(buf, 16, RANDOM|INSECURE)", buf, 16, GRND_RANDOM | GRND_INSECURE);
    show("getrandom(NULL, 16, 0)", NULL, 16, 0);
    show("getrandom(buf, 0, 0)", buf, 0, 0);
    show("getrandom(buf, 65536, 0)", buf, 16 * PAGE, 0);
    unsigned char a[32], b[32];
    syscall(SYS_getrandom, a, sizeof a, 0);
    syscall(SYS_getrandom, b, sizeof b, 0);
    printf("two 32-byte draws %s\n", memcmp(a, b, sizeof a) ? "differ" : "are equal");
    munmap(buf + PAGE, 15 * PAGE);
    show("getrandom(last 100 bytes of a page, 300)", buf + PAGE - 100, 300, 0);
    return 0;
}
