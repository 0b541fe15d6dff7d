/*
 * pte-walk: the debugger's and the labs' small program about one page's life. It maps two
 * anonymous pages, writes the first in touch() (a demand-zero fault: a new anonymous page),
 * reads it back, then unmaps both (munmap: the page's PTE is cleared and its TLB entry flushed).
 * The functions are not inlined, so that `break touch` and `break munmap` have somewhere to stop.
 * Prints the value read back; exits 0.
 */
#include <stdio.h>
#include <sys/mman.h>

#define PAGE 4096UL

__attribute__((noinline)) void touch(volatile unsigned long *p) {
    p[0] = 0x1234;
}

__attribute__((noinline)) unsigned long read_back(volatile unsigned long *p) {
    return p[0];
}

int main(void) {
    unsigned char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("pte-walk: mmap");
        return 1;
    }
    touch((volatile unsigned long *)m);
    unsigned long v = read_back((volatile unsigned long *)m);
    if (munmap(m, 2 * PAGE) != 0) {
        perror("pte-walk: munmap");
        return 1;
    }
    printf("wrote and read back 0x%lx\n", v);
    return 0;
}
