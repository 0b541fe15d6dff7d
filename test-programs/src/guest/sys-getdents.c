/*
 * sys-getdents: getdents64(2) and getdents(2) by raw syscall, and musl's opendir/readdir, over
 * /proc, /proc/self, /proc/sys/vm and /tmp. Only what any host shows is printed: whether names
 * the test expects are there and their d_type (the host has many more entries), never inode
 * numbers or d_off values.
 *
 * Checked: "." and ".." first, as directories; /proc/self's maps (DT_REG) and exe (DT_LNK), /proc's
 * self (DT_LNK), the process's own pid (DT_DIR) and meminfo; /proc/sys/vm's four sysctls; files
 * made in /tmp; each record's d_reclen is 8-aligned and just holds its name; a small buffer
 * continues across calls to the same entries as one large buffer; d_off given back to lseek
 * continues after that entry, the last one's ends the listing; rewinddir; the old getdents's
 * layout (d_type in the last byte); EINVAL for a buffer too small for one entry, ENOTDIR, EBADF,
 * EFAULT. Exits 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include "mmtest.h"

struct d64 { unsigned long ino; long off; unsigned short reclen; unsigned char type; char name[]; };
struct dold { unsigned long ino; long off; unsigned short reclen; char name[]; };

#define MAXN 4096
static char names[MAXN][64];
static int types[MAXN];
static long offs[MAXN];
static int n;

/* Reads the whole directory with getdents64 in buffers of bufsize; checks each record's length. */
static int list64(const char *path, int bufsize) {
    static char buf[65536];
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -errno;
    n = 0;
    int bad = 0;
    long r;
    while ((r = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
        for (long o = 0; o < r;) {
            struct d64 *d = (struct d64 *)(buf + o);
            size_t want = (19 + strlen(d->name) + 1 + 7) & ~7UL;
            if (d->reclen != want) bad++;
            if (n < MAXN) {
                strncpy(names[n], d->name, sizeof names[n] - 1);
                types[n] = d->type;
                offs[n] = d->off;
                n++;
            }
            o += d->reclen;
        }
    }
    close(fd);
    if (r < 0) return -errno;
    return bad;
}

static int find(const char *name) {
    for (int i = 0; i < n; i++) if (!strcmp(names[i], name)) return i;
    return -1;
}

static const char *tname(int t) {
    switch (t) {
    case DT_DIR: return "DT_DIR";
    case DT_REG: return "DT_REG";
    case DT_LNK: return "DT_LNK";
    case DT_CHR: return "DT_CHR";
    default: return "other";
    }
}

static void show_as(const char *label, const char *name) {
    int i = find(name);
    if (i < 0) printf("  %s: missing\n", label);
    else printf("  %s: %s\n", label, tname(types[i]));
}

static void show(const char *name) { show_as(name, name); }

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    char pid[16];
    snprintf(pid, sizeof pid, "%d", getpid());

    int bad = list64("/proc/self", 65536);
    printf("/proc/self: bad reclen %d, first %s %s, second %s %s\n", bad, names[0], tname(types[0]), names[1],
           tname(types[1]));
    show("maps"); show("status"); show("exe"); show("smaps"); show("nonexistent");
    int whole = n;
    char first[MAXN][64];
    for (int i = 0; i < n; i++) memcpy(first[i], names[i], 64);
    bad = list64("/proc/self", 64);
    printf("/proc/self with 64-byte buffers: bad reclen %d, same entries %s\n", bad,
           n == whole && !memcmp(first, names, sizeof(names[0]) * n) ? "yes" : "no");

    printf("/proc: %d\n", list64("/proc", 65536));
    show("self"); show_as("own pid", pid); show("meminfo");
    printf("/proc/sys/vm: %d\n", list64("/proc/sys/vm", 65536));
    show("max_map_count"); show("mmap_min_addr"); show("overcommit_memory"); show("overcommit_ratio");
    printf("/proc/sys: %d\n", list64("/proc/sys", 65536));
    show("vm");

    char a[64], b[64];
    snprintf(a, sizeof a, "/tmp/getdents-%s-a", pid);
    snprintf(b, sizeof b, "/tmp/getdents-%s-bb", pid);
    close(open(a, O_CREAT | O_WRONLY, 0600));
    close(open(b, O_CREAT | O_WRONLY, 0600));
    printf("/tmp: %d\n", list64("/tmp", 65536));
    show_as("getdents-PID-a", a + 5); show_as("getdents-PID-bb", b + 5);
    unlink(b);
    list64("/tmp", 65536);
    printf("after unlink:\n");
    show_as("getdents-PID-a", a + 5); show_as("getdents-PID-bb", b + 5);

    /* d_off: lseek to the first entry's offset continues at the second; the last's ends it. */
    static char buf[65536];
    list64("/proc/self", 65536);
    int fd = open("/proc/self", O_RDONLY | O_DIRECTORY);
    lseek(fd, offs[0], SEEK_SET);
    long r = syscall(SYS_getdents64, fd, buf, sizeof buf);
    printf("after lseek to d_off of '%s': %s\n", names[0], r > 0 && !strcmp(((struct d64 *)buf)->name, names[1]) ? "the second" : "other");
    lseek(fd, offs[n - 1], SEEK_SET);
    printf("after lseek to the last d_off: %ld\n", syscall(SYS_getdents64, fd, buf, sizeof buf));
    errno = 0;
    r = syscall(SYS_getdents64, fd, buf, 10);
    printf("at the end, a 10-byte buffer: %ld %s\n", r, r < 0 ? ename(errno) : "");
    lseek(fd, 0, SEEK_SET);
    errno = 0;
    r = syscall(SYS_getdents64, fd, buf, 10);
    printf("10-byte buffer: %ld %s\n", r, r < 0 ? ename(errno) : "");
    r = syscall(SYS_getdents64, fd, buf, 24);
    printf("24-byte buffer: %ld (\"%s\")\n", r, r > 0 ? ((struct d64 *)buf)->name : "");
    errno = 0;
    r = syscall(SYS_getdents64, fd, (void *)8, 4096);
    printf("bad buffer: %ld %s\n", r, r < 0 ? ename(errno) : "");
    /* The old getdents: d_type in the record's last byte. */
    lseek(fd, 0, SEEK_SET);
    r = syscall(SYS_getdents, fd, buf, sizeof buf);
    int old_ok = r > 0, old_n = 0, maps_type = -1;
    for (long o = 0; o < r;) {
        struct dold *d = (struct dold *)(buf + o);
        if (d->reclen != ((18 + strlen(d->name) + 2 + 7) & ~7UL)) old_ok = 0;
        if (!strcmp(d->name, "maps")) maps_type = buf[o + d->reclen - 1];
        old_n++;
        o += d->reclen;
    }
    printf("getdents: layout %s, same count %s, maps %s\n", old_ok ? "ok" : "bad", old_n == n ? "yes" : "no", tname(maps_type));
    close(fd);

    int file = open("/proc/self/status", O_RDONLY);
    errno = 0;
    r = syscall(SYS_getdents64, file, buf, sizeof buf);
    printf("a file: %ld %s\n", r, r < 0 ? ename(errno) : "");
    close(file);
    errno = 0;
    r = syscall(SYS_getdents64, 99, buf, sizeof buf);
    printf("bad fd: %ld %s\n", r, r < 0 ? ename(errno) : "");
    errno = 0;
    r = syscall(SYS_getdents, 99, buf, sizeof buf);
    printf("getdents bad fd: %ld %s\n", r, r < 0 ? ename(errno) : "");

    /* musl's opendir/readdir/rewinddir. */
    DIR *d = opendir("/proc/self");
    int count = 0, seen_maps = 0;
    struct dirent *e;
    while ((e = readdir(d))) { count++; if (!strcmp(e->d_name, "maps") && e->d_type == DT_REG) seen_maps = 1; }
    rewinddir(d);
    int again = 0;
    while (readdir(d)) again++;
    closedir(d);
    printf("readdir: maps %s, rewinddir same count %s, as getdents64 %s\n", seen_maps ? "yes" : "no",
           again == count ? "yes" : "no", count == n ? "yes" : "no");
    printf("opendir of a file: %s\n", opendir("/proc/self/status") ? "opened" : ename(errno));
    printf("opendir missing: %s\n", opendir("/proc/self/none") ? "opened" : ename(errno));
    unlink(a);
    return 0;
}
