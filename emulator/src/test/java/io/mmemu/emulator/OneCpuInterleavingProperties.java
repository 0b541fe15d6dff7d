package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.kernel.TlbOptions;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.testprograms.GuestProgram;
import io.mmemu.testprograms.HostOracle;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * Many processes and pipes interleaved on one CPU, in random orders: proc-random-pipes draws a
 * pipeline of 3 to 6 processes from its seed (relays in place, exec'd relays, relays with a
 * helper child), and the machine's time slice and ASLR seed vary the order in which they run.
 * Whatever the order, the program must print what the host kernel prints for the same seed:
 * every byte through every pipe, every process's exit status.
 */
class OneCpuInterleavingProperties {

    @Property(tries = 8)
    void aRandomPipelineOnOneCpuPrintsWhatTheHostPrints(@ForAll @LongRange(min = 1, max = 1_000_000) long programSeed,
            @ForAll @LongRange(min = 20_000, max = 300_000) long quantum,
            @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long machineSeed) throws Exception {
        GuestProgram p = GuestProgram.named("proc-random-pipes");
        String expected = nativeStdout(p, Long.toString(programSeed));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineOptions options = new MachineOptions(64L << 20, true, machineSeed, false, false, out,
                new ByteArrayOutputStream(), new PrintStream(log, true, StandardCharsets.UTF_8), false, null,
                InputStream.nullInputStream(), 1, quantum, TlbOptions.DEFAULT);
        RunOutcome o;
        try (Machine m = new Machine(options)) {
            m.exec(p.binary(), List.of(p.binary().toString(), Long.toString(programSeed)), List.of());
            o = m.run();
        }
        String context = "proc-random-pipes " + programSeed + " on one CPU, quantum " + quantum + ", machine seed "
                + machineSeed + "; outcome " + o + "; log " + log.toString(StandardCharsets.UTF_8);
        assertEquals(expected, out.toString(StandardCharsets.UTF_8), context);
        assertEquals(0, o.killed() ? 128 + o.signal() : o.exitCode(), context);
    }

    /** The program's stdout on the host kernel, the oracle. */
    private static String nativeStdout(GuestProgram p, String arg) throws Exception {
        HostOracle.Result r = HostOracle.run(p.binary(), List.of(arg), 60);
        assertEquals(0, r.status(), p.name() + " " + arg + " natively: " + r.stderr());
        return r.stdoutText();
    }
}
