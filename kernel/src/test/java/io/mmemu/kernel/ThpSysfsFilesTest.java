package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.huge.MthpPolicy;
import io.mmemu.mm.huge.SysfsChoices;
import io.mmemu.mm.huge.ThpTunables;
import io.mmemu.mm.huge.TransparentHugepage;
import io.mmemu.mm.vma.Errno;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The store handlers of /sys/kernel/mm/transparent_hugepage as Linux parses writes: sysfs_streq()
 * for the choice files (one trailing newline allowed), shmem_enabled's own parser and its force
 * rule, and the khugepaged tunables' ranges.
 */
class ThpSysfsFilesTest {
    static long store(String text, java.util.function.BiFunction<byte[], Long, Long> handler) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        return handler.apply(b, (long) b.length);
    }

    @ParameterizedTest(name = "hugepages-64kB/enabled <- \"{0}\"")
    @CsvSource(delimiter = '|', value = {
        "always|ALWAYS", "always\\n|ALWAYS", "inherit|INHERIT", "madvise\\n|MADVISE", "never|NEVER",
        "always\\n\\n|", "Always|", "' always'|", "sometimes|", "|"})
    void thpsizeEnabledStoreTakesExactNames(String text, String expected) {
        TransparentHugepage thp = new TransparentHugepage();
        String t = text == null ? "" : text.replace("\\n", "\n");
        long r = store(t, (b, n) -> ThpSysfsFiles.thpsizeEnabledStore(thp, 4, b, n));
        if (expected == null) {
            assertEquals(-Errno.EINVAL, r);
            assertEquals(MthpPolicy.NEVER, thp.anonOrderPolicy(4), "unchanged");
        } else {
            assertEquals(t.length(), r);
            assertEquals(MthpPolicy.valueOf(expected), thp.anonOrderPolicy(4));
        }
    }

    @Test
    void bootSettingsAreThoseOfTheHost() {
        TransparentHugepage thp = new TransparentHugepage();
        assertEquals("always [inherit] madvise never\n", thp.anonOrderPolicy(HugeMemory.HPAGE_PMD_ORDER).enabledShow());
        for (int order = 2; order < HugeMemory.HPAGE_PMD_ORDER; order++) {
            assertEquals("always inherit madvise [never]\n", thp.anonOrderPolicy(order).enabledShow());
        }
        assertEquals(1L << HugeMemory.HPAGE_PMD_ORDER, thp.anonOrdersEnabled(true), "madvise + VM_HUGEPAGE: what inherits");
        assertEquals(0, thp.anonOrdersEnabled(false));
    }

    @Test
    void shmemEnabledForceNeedsOnlyThePmdSizeInheriting() {
        ThpTunables t = new ThpTunables();
        assertEquals(5, store("force", (b, n) -> ThpSysfsFiles.shmemEnabledStore(t, b, n)));
        assertEquals(-Errno.EINVAL, store("inherit", (b, n) -> ThpSysfsFiles.thpsizeShmemEnabledStore(t, 4, b, n)),
                "no non-PMD size may inherit force");
        assertEquals(7, store("inherit", (b, n) -> ThpSysfsFiles.thpsizeShmemEnabledStore(t, HugeMemory.HPAGE_PMD_ORDER, b, n)));
        assertEquals(6, store("never\n", (b, n) -> ThpSysfsFiles.shmemEnabledStore(t, b, n)));
        assertEquals(7, store("inherit", (b, n) -> ThpSysfsFiles.thpsizeShmemEnabledStore(t, 4, b, n)));
        assertEquals(-Errno.EINVAL, store("force", (b, n) -> ThpSysfsFiles.shmemEnabledStore(t, b, n)), "64 KiB inherits now");
        assertEquals(-Errno.EINVAL, store("never\n\n", (b, n) -> ThpSysfsFiles.shmemEnabledStore(t, b, n)));
        assertEquals(-Errno.EINVAL, store("within_size_____", (b, n) -> ThpSysfsFiles.shmemEnabledStore(t, b, n)), "16 bytes: too long");
        assertEquals("always within_size advise [never] deny force\n", SysfsChoices.show(ThpTunables.SHMEM_ENABLED, t.shmemEnabled()));
    }

    @ParameterizedTest(name = "khugepaged/{0} <- {1}")
    @CsvSource({
        "MAX_PTES_NONE, 511, 511", "MAX_PTES_NONE, 512, EINVAL", "MAX_PTES_SHARED, 0, 0", "MAX_PTES_SWAP, -1, EINVAL",
        "PAGES_TO_SCAN, 0, EINVAL", "PAGES_TO_SCAN, 4294967295, 4294967295", "PAGES_TO_SCAN, 4294967296, EINVAL",
        "SCAN_SLEEP_MILLISECS, 0, 0", "DEFRAG, 2, EINVAL", "DEFRAG, 0, 0", "ALLOC_SLEEP_MILLISECS, 0x10, EINVAL",
        "ALLOC_SLEEP_MILLISECS, 12abc, EINVAL"})
    void khugepagedTunablesKeepTheirRanges(ThpTunables.Khugepaged k, String text, String expected) {
        ThpTunables t = new ThpTunables();
        long r = store(text + "\n", (b, n) -> ThpSysfsFiles.khugepagedStore(t, k, b, n));
        if (expected.equals("EINVAL")) {
            assertEquals(-Errno.EINVAL, r);
            assertEquals(k.initial, t.khugepaged(k));
        } else {
            assertEquals(text.length() + 1, r);
            assertEquals(Long.parseLong(expected), t.khugepaged(k));
        }
    }
}
