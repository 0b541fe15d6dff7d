package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What one syscall costs the host follows what the guest maps and touches, not the length it
 * asks for: the Java heap a whole run allocates (the machine runs on the calling thread), for
 * programs whose calls ask for gigabytes. write-huge wrote 1 GiB to /dev/null and to a pipe
 * that takes 64 KiB, and allocated a host array of the whole count for each (4.3 GB of host
 * RSS, 24 s); mm-mincore-huge's mincore(0, 0x7f17d2de6000, ...) allocated 2 GiB for its vector;
 * exec-huge-args's execve() of 65,535 pointers to one 128 KiB string read 8 GiB of arguments
 * before the E2BIG check and ended the emulator with an OutOfMemoryError.
 */
class HostCostTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"write-huge, 16", "mm-mincore-huge, 16", "exec-huge-args, 64"})
    void aRunAllocatesWhatTheGuestMovesNotWhatItAsks(String name, long maxMib) throws Exception {
        GuestProgram p = GuestProgram.named(name);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream sink = OutputStream.nullOutputStream();
        MachineOptions o = new MachineOptions(64L << 20, false, 1, false, false, out, sink, new PrintStream(sink));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Machine m = new Machine(o)) {
            m.exec(p.binary(), List.of(name), List.of());
            long before = threads.getCurrentThreadAllocatedBytes();
            RunOutcome outcome = m.run();
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(p.expectedStdoutText(), out.toString(StandardCharsets.UTF_8), name + ": " + outcome);
            assertTrue(allocated < maxMib << 20, name + " allocated " + (allocated >> 20) + " MiB of host heap (at most "
                    + maxMib + " expected)");
        }
    }
}
