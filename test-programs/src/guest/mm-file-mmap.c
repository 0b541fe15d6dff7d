/*
 * mm-file-mmap: file-backed mappings of the program's own file (/proc/self/exe, opened
 * read-only). MAP_PRIVATE and MAP_SHARED read-only mappings of the whole file hold the
 * same bytes as read(); a mapping at a page offset holds the bytes at that offset; the
 * tail of the last page past EOF reads as zero, and a whole page past EOF raises SIGBUS
 * (BUS_ADRERR, si_addr relative to the mapping); a MAP_PRIVATE writable mapping can be
 * written (copy on write): the writer sees its bytes, while pread of the file, a second
 * private mapping and the shared mapping still see the file's; MADV_DONTNEED drops the
 * private copy; /proc/self/maps shows each mapping's perms, offset and file name.
 * Exits 0.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "mmtest.h"

#define BASE 0x580000000000UL

static unsigned char filebuf[1 << 20];

int main(void) {
    install_segv();
    int fd = open("/proc/self/exe", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    long size = st.st_size, got = 0, n;
    while (got < size && (n = read(fd, filebuf + got, sizeof filebuf - got)) > 0) got += n;
    printf("file read completely: %s\n", got == size ? "yes" : "no");
    if (size % PAGE == 0) printf("(the file is a whole number of pages: the tail checks are empty)\n");
    size_t pages = (size + PAGE - 1) / PAGE;
    size_t len = pages * PAGE;

    unsigned char *priv = mmap((void *)BASE, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    unsigned char *shr = mmap((void *)(BASE + 0x1000000), len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    printf("private and shared mappings: %s %s\n", priv != MAP_FAILED ? "ok" : ename(errno), shr != MAP_FAILED ? "ok" : ename(errno));
    printf("private == read(): %s\n", memcmp(priv, filebuf, size) == 0 ? "yes" : "no");
    printf("shared == read(): %s\n", memcmp(shr, filebuf, size) == 0 ? "yes" : "no");
    long tail_nz = 0;
    for (size_t i = size; i < len; i++) tail_nz += priv[i] != 0 || shr[i] != 0;
    printf("tail of the last page nonzero bytes: %ld\n", tail_nz);

    unsigned char *off = mmap((void *)(BASE + 0x2000000), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 2 * PAGE);
    printf("mapping at file offset 2 pages == read() there: %s\n", memcmp(off, filebuf + 2 * PAGE, PAGE) == 0 ? "yes" : "no");

    /* pages past EOF */
    unsigned char *over = mmap((void *)(BASE + 0x3000000), len + 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    printf("mapping 2 pages longer than the file: %s\n", over != MAP_FAILED ? "ok" : ename(errno));
    PROBE("load from the last file page", (uintptr_t)over, (void)*(volatile unsigned char *)(over + len - 1));
    PROBE("load from the first page past EOF + 0x10", (uintptr_t)over + len,
          (void)*(volatile unsigned char *)(over + len + 0x10));
    PROBE("load from the second page past EOF", (uintptr_t)over + len,
          (void)*(volatile unsigned char *)(over + len + PAGE));
    unsigned char *beyond = mmap((void *)(BASE + 0x4000000), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, len + 4 * PAGE);
    printf("mapping at an offset past EOF: %s\n", beyond != MAP_FAILED ? "ok" : ename(errno));
    PROBE("load from it", (uintptr_t)beyond, (void)*(volatile unsigned char *)beyond);

    /* private writes */
    unsigned char *w = mmap((void *)(BASE + 0x5000000), 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    unsigned char *w2 = mmap((void *)(BASE + 0x6000000), 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    memcpy(w + 1, "XYZ", 3);
    w[PAGE + 5] ^= 0xff;
    unsigned char head[4];
    pread(fd, head, 4, 0);
    printf("writer sees its bytes: %s\n", memcmp(w, "\177XYZ", 4) == 0 && w[PAGE + 5] == (filebuf[PAGE + 5] ^ 0xff) ? "yes" : "no");
    printf("file (pread) unchanged: %s\n", memcmp(head, "\177ELF", 4) == 0 ? "yes" : "no");
    printf("second private mapping unchanged: %s\n", memcmp(w2, filebuf, 2 * PAGE) == 0 ? "yes" : "no");
    printf("shared mapping unchanged: %s\n", memcmp(shr, filebuf, 2 * PAGE) == 0 ? "yes" : "no");
    unsigned char vec[2];
    mincore(w, 2 * PAGE, vec);
    printf("written pages resident: %d %d\n", vec[0] & 1, vec[1] & 1);
    madvise(w, PAGE, MADV_DONTNEED);
    printf("after MADV_DONTNEED page 0 is the file's again: %s, page 1 still written: %s\n",
           memcmp(w, "\177ELF", 4) == 0 ? "yes" : "no", w[PAGE + 5] == (filebuf[PAGE + 5] ^ 0xff) ? "yes" : "no");
    PROBE("store to the read-only private mapping", BASE, *(volatile unsigned char *)(priv + 8) = 1);
    PROBE("store to the read-only shared mapping", BASE + 0x1000000, *(volatile unsigned char *)(shr + 8) = 1);

    /* only the mappings whose size and offset do not depend on the file's size */
    maps_print_range("maps of the offset mapping", BASE + 0x2000000, BASE + 0x3000000);
    maps_print_range("maps of the written and the second private mapping", BASE + 0x5000000, BASE + 0x7000000);
    struct maps_range r = {BASE, BASE + 0x2000000, 0, 0};
    maps_each(maps_range_fn, &r);
    printf("whole-file mappings: %ld lines\n", r.count);
    return 0;
}
