/*
 * Translated code's buffer, left as the kernel gives it instead of zeroed at every flush. Built by
 * bin/setup into libmmemu_native.so; installed once by io.mmemu.emulator.unicorn.NativePatch.
 *
 * Unicorn 2.1.1's tcg_region_assign() zeroes the whole region of its code buffer (32 MiB, mapped
 * read-write-execute with MADV_HUGEPAGE) at every flush of translated code (tb_flush(),
 * tcg_region_reset_all()). Nothing reads the zeros: code and TB descriptors are written before use
 * (tcg_tb_alloc() clears each descriptor itself), and Unicorn 2.1.3 removed the zeroing as an
 * outdated hack. The first flush of an engine (mmemu flushes when a second thread's time slices
 * start, and when a frame that held code changes) faults in all 32 MiB, most of which no code
 * ever uses; later ones write it all again.
 *
 * libunicorn reaches mmap, munmap and memset through its GOT: the wrappers below remember the
 * executable anonymous mappings libunicorn makes (its code buffers, one per engine), forget them
 * when it unmaps them, and skip a memset of zeros of at least a MiB that lies inside one. Every
 * other call goes through unchanged.
 */
#define _GNU_SOURCE
#include "mmemu_got.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>

#define MAX_BUFFERS 256            /* engines open at once; more only lose the skipping */
#define SKIP_AT_LEAST (1ul << 20) /* a region is tens of MiB; smaller memsets are descriptors and tables */

static struct {
    uintptr_t start, end;
} buffers[MAX_BUFFERS];
static pthread_mutex_t buffers_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t skipped; /* memsets skipped, for the tests */

static void *mmemu_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
    void *p = mmap(addr, len, prot, flags, fd, offset);
    if (p != MAP_FAILED && (prot & PROT_EXEC) && (flags & MAP_ANONYMOUS)) {
        pthread_mutex_lock(&buffers_lock);
        for (int i = 0; i < MAX_BUFFERS; i++) {
            if (buffers[i].end == 0) {
                buffers[i].start = (uintptr_t) p;
                buffers[i].end = (uintptr_t) p + len;
                break;
            }
        }
        pthread_mutex_unlock(&buffers_lock);
    }
    return p;
}

static int mmemu_munmap(void *addr, size_t len) {
    uintptr_t start = (uintptr_t) addr, end = start + len;
    pthread_mutex_lock(&buffers_lock);
    for (int i = 0; i < MAX_BUFFERS; i++) {
        if (buffers[i].end != 0 && buffers[i].start < end && start < buffers[i].end) buffers[i].start = buffers[i].end = 0;
    }
    pthread_mutex_unlock(&buffers_lock);
    return munmap(addr, len);
}

static void *mmemu_memset(void *s, int c, size_t n) {
    if (c == 0 && n >= SKIP_AT_LEAST) {
        uintptr_t start = (uintptr_t) s, end = start + n;
        int inside = 0;
        pthread_mutex_lock(&buffers_lock);
        for (int i = 0; i < MAX_BUFFERS && !inside; i++) inside = buffers[i].start <= start && end <= buffers[i].end;
        pthread_mutex_unlock(&buffers_lock);
        if (inside) {
            __atomic_add_fetch(&skipped, 1, __ATOMIC_RELAXED);
            return s;
        }
    }
    return memset(s, c, n);
}

/*
 * Points libunicorn's GOT entries of mmap64, munmap and memset here; once, before any engine is
 * set up (a code buffer mapped before is never known, so its zeroing stays). munmap's goes first.
 * Returns 7 when all three were redirected, 2 when only munmap's was (the wrappers then skip
 * nothing), 0 with nothing changed when munmap's entry is not there.
 */
int mmemu_code_buffer_install(void *inside) {
    /* Forgetting an unmapping would leave a stale range whose memory may later be another's. */
    const struct mmemu_got_target unmap = {"munmap", (void *) mmemu_munmap};
    if (mmemu_got_patch(inside, &unmap, 1) != 1) return 0;
    const struct mmemu_got_target others[] = {{"mmap64", (void *) mmemu_mmap}, {"memset", (void *) mmemu_memset}};
    return mmemu_got_patch(inside, others, 2) == 3 ? 7 : 2;
}

/* The zeroings of a code buffer skipped so far. */
uint64_t mmemu_code_buffer_skipped(void) {
    return __atomic_load_n(&skipped, __ATOMIC_RELAXED);
}
