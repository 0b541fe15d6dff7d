/*
 * Lab 2, part b: which munmap sends a TLB shootdown to a CPU in lazy TLB mode? The worker touches two pages, so its
 * CPU caches their translations, then blocks reading a pipe: its CPU goes idle, in lazy TLB
 * mode. The main thread then unmaps the first page, then the second, whose unmapping also frees
 * a page table, and only then wakes the worker.
 * Build: musl-gcc -static -O2 -o lazy-munmap lazy-munmap.c -lpthread
 * Run:   bin/mmemu run --cpus 2 --trace-summary lazy-munmap   (and --trace lazy.pftrace for Perfetto)
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL
#define TWO_MB (2UL << 20)

static volatile char *first, *second;
static int wake[2];

static void *worker(void *arg) {
    char c;
    (void) arg;
    first[0] = 1;  /* this CPU's TLB now holds both translations */
    second[0] = 1;
    if (read(wake[0], &c, 1) != 1) return (void *) 1; /* blocks: the CPU idles, lazily */
    return 0;
}

int main(void) {
    /* Two pages in two different 2 MiB regions, so each has a page table of its own. */
    char *area = mmap((void *) 0x500000000000UL, 2 * TWO_MB, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (area == MAP_FAILED || pipe(wake) != 0) return 1;
    first = area;
    second = area + TWO_MB;
    pthread_t t;
    if (pthread_create(&t, 0, worker, 0) != 0) return 1;
    while (second[0] == 0) sched_yield(); /* the worker has touched both pages */
    for (int i = 0; i < 100; i++) sched_yield(); /* and is asleep in read() */
    munmap(area, PAGE);                           /* 1: the page only; the rest of the VMA keeps its page table */
    munmap(area + TWO_MB, TWO_MB);                /* 2: the page, and its page table with it (free_pgtables()) */
    if (write(wake[1], "x", 1) != 1) return 1;
    pthread_join(t, 0);
    puts("done");
    return 0;
}
