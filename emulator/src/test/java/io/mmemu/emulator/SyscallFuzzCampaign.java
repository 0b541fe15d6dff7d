package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long run of the differential syscall fuzzer ({@link SyscallFuzz}): by default 100 seeds of
 * 20,000 calls each, from seed 1000 (-Dmmemu.fuzz.seeds, -Dmmemu.fuzz.calls, -Dmmemu.fuzz.firstSeed
 * change that). Every seed runs; the failure lists the first difference of each seed that had one.
 * The class name matches none of surefire's includes, so that the default build does not run it;
 * bin/campaign names it with -Dtest=SyscallFuzzCampaign.
 */
class SyscallFuzzCampaign {
    @Test
    void manySeedsMatchTheHostKernel(@TempDir Path cwd) throws Exception {
        int seeds = Integer.getInteger("mmemu.fuzz.seeds", 100);
        int calls = Integer.getInteger("mmemu.fuzz.calls", 20_000);
        long first = Long.getLong("mmemu.fuzz.firstSeed", 1000);
        List<String> differences = new ArrayList<>();
        for (long seed = first; seed < first + seeds; seed++) {
            String d = SyscallFuzz.compare(seed, calls, cwd);
            if (d != null) differences.add(d);
        }
        assertEquals(List.of(), differences, differences.size() + " of " + seeds + " seeds differ from the host kernel");
    }
}
