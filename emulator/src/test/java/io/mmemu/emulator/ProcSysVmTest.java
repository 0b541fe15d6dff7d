package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.testprograms.Toolchain;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /proc/sys/vm shows the values the model obeys: a MAP_FIXED mmap below mmap_min_addr is EPERM
 * without CAP_SYS_RAWIO and at it succeeds, max_map_count is the VMA limit, overcommit is the
 * heuristic default.
 */
class ProcSysVmTest {
    static final String PROGRAM = """
            #include <errno.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <sys/mman.h>
            #include <unistd.h>

            static long value(const char *name) {
                char path[64], buf[32];
                snprintf(path, sizeof path, "/proc/sys/vm/%s", name);
                FILE *f = fopen(path, "r");
                if (!f || !fgets(buf, sizeof buf, f)) return -1;
                fclose(f);
                return strtol(buf, 0, 10);
            }

            int main(void) {
                long min = value("mmap_min_addr");
                printf("mmap_min_addr %ld max_map_count %ld overcommit_memory %ld overcommit_ratio %ld\\n", min,
                        value("max_map_count"), value("overcommit_memory"), value("overcommit_ratio"));
                if (setuid(65534) != 0) return 1; /* no CAP_SYS_RAWIO: mmap_min_addr binds */
                void *below = mmap((void *) (min - 4096), 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
                printf("below: %s\\n", below == MAP_FAILED && errno == EPERM ? "EPERM" : "mapped");
                void *at = mmap((void *) min, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
                printf("at: %s\\n", at == (void *) min ? "mapped" : "failed");
                return 0;
            }
            """;

    @Test
    void theVmSysctlsAreTheModelsLimits(@TempDir Path dir) throws Exception {
        Path binary = Toolchain.muslStatic(dir, "proc-sys-vm", PROGRAM);
        LimitsTest.Run r = LimitsTest.run(binary, 64L << 20, 1);
        assertEquals("mmap_min_addr 65536 max_map_count 65530 overcommit_memory 0 overcommit_ratio 50\nbelow: EPERM\nat: mapped\n",
                r.stdout(), r.log());
    }
}
