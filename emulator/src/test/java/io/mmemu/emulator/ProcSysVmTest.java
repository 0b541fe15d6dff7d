package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.testprograms.Toolchain;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /proc/sys/vm shows the values the model obeys, and a write inside the run changes them for
 * what follows, machine-wide: a MAP_FIXED mmap below mmap_min_addr is EPERM without
 * CAP_SYS_RAWIO and at it succeeds (before and after the guest lowers it); max_map_count bounds
 * the VMAs an mmap or an mprotect split may make (ENOMEM at the limit: the mapping that splits
 * the area a third time, and a split by mprotect); overcommit_memory picks
 * __vm_enough_memory()'s policy (the heuristic refuses one request above RAM, "always" grants it,
 * "never" refuses past overcommit_ratio percent of RAM). The parsing of the writes is the
 * differential guest sys-sysctl-vm's; these effects cannot be tried on the host, whose sysctls
 * the test must not change.
 */
class ProcSysVmTest {
    static final String PROGRAM = """
            #include <errno.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/mman.h>
            #include <sys/wait.h>
            #include <fcntl.h>
            #include <unistd.h>

            static long value(const char *name) {
                char path[64], buf[32];
                snprintf(path, sizeof path, "/proc/sys/vm/%s", name);
                FILE *f = fopen(path, "r");
                if (!f || !fgets(buf, sizeof buf, f)) return -1;
                fclose(f);
                return strtol(buf, 0, 10);
            }

            static long set(const char *name, const char *v) {
                char path[64];
                snprintf(path, sizeof path, "/proc/sys/vm/%s", name);
                int fd = open(path, O_WRONLY);
                if (fd < 0) return -errno;
                long r = write(fd, v, strlen(v));
                close(fd);
                return r < 0 ? -errno : r;
            }

            /* Lines of /proc/self/maps, by raw reads (stdio's buffer would be one more mapping). */
            static int maps(void) {
                static char buf[65536];
                int fd = open("/proc/self/maps", O_RDONLY), n = 0;
                long r;
                while ((r = read(fd, buf, sizeof buf)) > 0) {
                    for (long i = 0; i < r; i++) n += buf[i] == '\\n';
                }
                close(fd);
                return n;
            }

            static const char *fixed(long addr) {
                void *p = mmap((void *) addr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
                if (p == MAP_FAILED) return errno == EPERM ? "EPERM" : "failed";
                munmap(p, 4096);
                return "mapped";
            }

            static const char *big(long mib) {
                void *p = mmap(0, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) return errno == ENOMEM ? "ENOMEM" : "failed";
                munmap(p, mib << 20);
                return "mapped";
            }

            int main(void) {
                setvbuf(stdout, NULL, _IONBF, 0);
                long min = value("mmap_min_addr");
                printf("mmap_min_addr %ld max_map_count %ld overcommit_memory %ld overcommit_ratio %ld\\n", min,
                        value("max_map_count"), value("overcommit_memory"), value("overcommit_ratio"));
                pid_t pid = fork();
                if (pid == 0) {
                    if (setuid(65534) != 0) return 1; /* no CAP_SYS_RAWIO: mmap_min_addr binds */
                    printf("below: %s at: %s\\n", fixed(min - 4096), fixed(min));
                    printf("write as nobody: %ld\\n", set("mmap_min_addr", "4096"));
                    return 0;
                }
                waitpid(pid, 0, 0);
                long w = set("mmap_min_addr", "4096");
                printf("write 4096: %ld, now %ld\\n", w, value("mmap_min_addr"));
                pid = fork();
                if (pid == 0) {
                    if (setuid(65534) != 0) return 1;
                    printf("nobody at 4096: %s, at 0: %s\\n", fixed(4096), fixed(0));
                    return 0;
                }
                waitpid(pid, 0, 0);

                /* max_map_count: the VMAs now (the maps lines less [vsyscall], which is no VMA) and 5 more. */
                char limit[16];
                int before = maps();
                snprintf(limit, sizeof limit, "%d\\n", before + 4);
                printf("write max_map_count: %ld\\n", set("max_map_count", limit));
                char *area = mmap(0, 64 << 12, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* +1 */
                int made = 0;
                for (int i = 0; i < 8; i++) {
                    /* every other page, apart from the area: each a VMA of its own */
                    if (mmap(area + (2 * i + 1) * 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                            -1, 0) == MAP_FAILED) {
                        printf("mmap %d: %s\\n", i, errno == ENOMEM ? "ENOMEM" : "failed");
                        break;
                    }
                    made++;
                }
                printf("fixed pages mapped %d, VMAs +%d\\n", made, maps() - before);
                errno = 0;
                int r = mprotect(area + 40 * 4096, 4096, PROT_READ | PROT_WRITE); /* a split into 3 */
                printf("mprotect split at the limit: %d %s\\n", r, r ? (errno == ENOMEM ? "ENOMEM" : "failed") : "");
                printf("write max_map_count 65530: %ld\\n", set("max_map_count", "65530"));
                r = mprotect(area + 40 * 4096, 4096, PROT_READ | PROT_WRITE);
                printf("mprotect split after: %d\\n", r);

                /* overcommit: 64 MiB of RAM. */
                printf("guess: 40 MiB %s, 128 MiB %s\\n", big(40), big(128));
                printf("write overcommit_memory 1: %ld\\n", set("overcommit_memory", "1"));
                printf("always: 128 MiB %s\\n", big(128));
                printf("write overcommit_memory 2: %ld\\n", set("overcommit_memory", "2"));
                printf("never (ratio 50): 8 MiB %s, 40 MiB %s\\n", big(8), big(40));
                printf("write overcommit_ratio 200: %ld\\n", set("overcommit_ratio", "200"));
                printf("never (ratio 200): 40 MiB %s, 128 MiB %s\\n", big(40), big(128));
                printf("write overcommit_memory 3: %ld\\n", set("overcommit_memory", "3"));
                printf("overcommit_memory %ld overcommit_ratio %ld\\n", value("overcommit_memory"), value("overcommit_ratio"));
                return 0;
            }
            """;

    @Test
    void theVmSysctlsAreTheModelsLimitsAndWritesChangeThem(@TempDir Path dir) throws Exception {
        Path binary = Toolchain.muslStatic(dir, "proc-sys-vm", PROGRAM);
        LimitsTest.Run r = LimitsTest.run(binary, 64L << 20, 1);
        assertEquals("""
                mmap_min_addr 65536 max_map_count 65530 overcommit_memory 0 overcommit_ratio 50
                below: EPERM at: mapped
                write as nobody: -13
                write 4096: 4, now 4096
                nobody at 4096: mapped, at 0: EPERM
                write max_map_count: 3
                mmap 2: ENOMEM
                fixed pages mapped 2, VMAs +5
                mprotect split at the limit: -1 ENOMEM
                write max_map_count 65530: 5
                mprotect split after: 0
                guess: 40 MiB mapped, 128 MiB ENOMEM
                write overcommit_memory 1: 1
                always: 128 MiB mapped
                write overcommit_memory 2: 1
                never (ratio 50): 8 MiB mapped, 40 MiB ENOMEM
                write overcommit_ratio 200: 3
                never (ratio 200): 40 MiB mapped, 128 MiB ENOMEM
                write overcommit_memory 3: -22
                overcommit_memory 2 overcommit_ratio 200
                """, r.stdout(), r.log());
    }
}
