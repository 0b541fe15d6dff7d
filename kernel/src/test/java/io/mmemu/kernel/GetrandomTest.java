package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.vma.Errno;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** getrandom(2): bytes from the run's seed, Linux's flag checks, partial reads at a fault, and what a recorder is told. */
class GetrandomTest {
    static final long PAGE = 4096;

    @Test
    void fillsTheBufferWithTheSeedsBytesWhateverTheValidFlags() throws Exception {
        byte[] first;
        byte[] again;
        try (KernelHarness h = new KernelHarness("hello")) {
            long buf = h.mmap(PAGE);
            for (int flags : new int[] {0, RandomSyscalls.GRND_NONBLOCK, RandomSyscalls.GRND_RANDOM,
                RandomSyscalls.GRND_INSECURE, RandomSyscalls.GRND_NONBLOCK | RandomSyscalls.GRND_INSECURE}) {
                assertEquals(64, h.syscall(Syscall.GETRANDOM, buf, 64, flags), "flags " + flags + h.failure());
            }
            first = h.read(buf, 64);
            assertEquals(64, h.syscall(Syscall.GETRANDOM, buf, 64, 0));
            assertFalse(Arrays.equals(first, h.read(buf, 64)), "two calls gave the same 64 bytes");
        }
        try (KernelHarness h = new KernelHarness("hello")) {
            long buf = h.mmap(PAGE);
            for (int i = 0; i < 5; i++) h.syscall(Syscall.GETRANDOM, buf, 64, 0);
            again = h.read(buf, 64);
        }
        assertArrayEquals(first, again, "the same seed gives the same bytes");
    }

    @Test
    void aFaultEndsTheCopyWithTheBytesCopiedBeforeIt() throws Exception {
        try (KernelHarness h = new KernelHarness("hello")) {
            long buf = h.mmap(2 * PAGE);
            assertEquals(0, h.syscall(Syscall.MUNMAP, buf + PAGE, PAGE));
            assertEquals(100, h.syscall(Syscall.GETRANDOM, buf + PAGE - 100, 300, 0), h.failure());
            assertEquals(-Errno.EFAULT, h.syscall(Syscall.GETRANDOM, buf + PAGE, 8, 0));
            assertEquals(0, h.syscall(Syscall.GETRANDOM, buf + PAGE, 0, 0), "nothing asked, nothing copied");
        }
    }

    @Test
    void aRecorderIsToldEveryByteHandedOver() throws Exception {
        try (KernelHarness h = new KernelHarness("hello")) {
            long buf = h.mmap(2 * PAGE);
            List<byte[]> told = new ArrayList<>();
            h.kernel.setRunEvents(new RunEvents() {
                public void aslr(long value) {}

                public void random(int source, byte[] bytes, int len) {
                    assertEquals(RunEvents.RANDOM_GETRANDOM, source);
                    told.add(Arrays.copyOf(bytes, len));
                }

                public void clock(int clock, long nanos) {}

                public void schedule(int cpu, int pid, int what) {}

                public void wake(int pid) {}

                public void kernelEntry(ArchCpu cpu, PtRegs regs) {}
            });
            assertEquals(PAGE + 10, h.syscall(Syscall.GETRANDOM, buf + 5, PAGE + 10, 0));
            byte[] all = new byte[0];
            for (byte[] b : told) {
                int n = all.length;
                all = Arrays.copyOf(all, n + b.length);
                System.arraycopy(b, 0, all, n, b.length);
            }
            assertArrayEquals(h.read(buf + 5, (int) PAGE + 10), all);
        }
    }
}
