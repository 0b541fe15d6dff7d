package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.vma.Errno;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) on a kernel built with CONFIG_ANON_VMA_NAME (the machines
 * themselves are built without it, as the reference host's kernel, so the differential suite
 * cannot show it): prctl_set_vma()'s checks, and the name in /proc/PID/maps.
 */
class PrctlAnonNameTest {
    static final long P = 4096;

    @Test
    void namesAnonymousMemoryWithLinuxsChecks() throws Exception {
        try (KernelHarness h = new KernelHarness("hello")) {
            Prctl configured = new Prctl(h.uaccess, true);
            long a = h.mmap(4 * P);
            long s = h.mmap(P);
            h.writeString(s, "buf one");
            assertEquals(0, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a + P, P, s));
            assertTrue(h.mm().maps().contains("[anon:buf one]"), h.mm().maps());
            assertEquals(-Errno.EINVAL, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 1, a, P, s), "an unknown option");
            assertEquals(-Errno.EINVAL, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a + 1, P, s), "unaligned");
            h.writeString(s, "a[b");
            assertEquals(-Errno.EINVAL, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a, P, s), "an invalid character");
            byte[] name = new byte[81];
            Arrays.fill(name, 0, 80, (byte) 'n');
            h.write(s, name);
            assertEquals(-Errno.EINVAL, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a, P, s), "80 bytes and no NUL");
            name[79] = 0;
            h.write(s, name);
            assertEquals(0, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a, P, s), "79 bytes and the NUL");
            assertEquals(-Errno.EFAULT, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a, P, 0x10000), "the name faults");
            assertEquals(0, configured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a, 4 * P, 0), "NULL removes the names");
            assertTrue(!h.mm().maps().contains("[anon:"), h.mm().maps());
            Prctl unconfigured = new Prctl(h.uaccess, false);
            h.writeString(s, "x");
            assertEquals(-Errno.EINVAL, unconfigured.sysPrctl(h.task(), Prctl.PR_SET_VMA, 0, a, P, s));
        }
    }
}
