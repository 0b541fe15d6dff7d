package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.mmemu.kernel.MachineOptions;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The same seed gives the same layout; another seed moves the stack (ASLR from the run's generator). */
class DeterminismTest {
    static long initialSp(boolean aslr, long seed) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Machine m = new Machine(new MachineOptions(32L << 20, aslr, seed, false, false, sink, sink,
                new PrintStream(sink)))) {
            GuestProgram p = GuestProgram.named("hello");
            m.exec(p.binary(), List.of("hello"), List.of());
            return m.cpu().engine().regRead(X86Reg.RSP);
        }
    }

    @Test
    void sameSeedSameLayoutOtherSeedOtherLayout() throws Exception {
        assertEquals(initialSp(true, 7), initialSp(true, 7));
        assertNotEquals(initialSp(true, 7), initialSp(true, 8));
        assertEquals(initialSp(false, 7), initialSp(false, 8), "no ASLR: the layout ignores the seed");
    }

    @Test
    void noAslrStackIsLinuxs() throws Exception {
        long sp = initialSp(false, 1);
        // Linux without randomisation: the stack ends at 0x7ffffffff000; a small argv keeps sp in its top page.
        assertEquals(0x7fffffffeL, sp >>> 12, "sp 0x" + Long.toHexString(sp));
        assertEquals(0, sp & 15);
    }

    /**
     * Per-CPU instruction, syscall and TLB fill counts and the machine's fault count of a run on
     * {@code cpus} CPUs. The fill counts too: Unicorn sizes its own TLB over windows of its clock,
     * which is virtual (DeterministicClock), not the host's.
     */
    static String smpFingerprint(String program, int cpus) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Machine m = new Machine(new MachineOptions(64L << 20, false, 1, true, false, sink, sink,
                new PrintStream(sink)).withCpus(cpus))) {
            GuestProgram p = GuestProgram.named(program);
            m.exec(p.binary(), List.of(program), List.of());
            m.run();
            StringBuilder sb = new StringBuilder();
            for (io.mmemu.emulator.cpu.Cpu c : m.cpus()) {
                sb.append("cpu").append(c.id()).append(' ').append(c.instructions()).append(' ')
                        .append(c.stats().get(io.mmemu.emulator.cpu.CpuStat.SYSCALLS)).append(' ')
                        .append(c.stats().get(io.mmemu.emulator.cpu.CpuStat.TLB_FILLS)).append('\n');
            }
            return sb.append("pgfault ").append(m.env().event(io.mmemu.mm.vma.VmEvent.PGFAULT)).append('\n')
                    .append(sink.toString(java.nio.charset.StandardCharsets.UTF_8)).toString();
        }
    }

    @Test
    void severalCpusRunTheSameWayEveryTime() throws Exception {
        String first = smpFingerprint("mt-mmap-touch", 4);
        assertEquals(first, smpFingerprint("mt-mmap-touch", 4), "two runs of the same program on 4 CPUs");
        // Every CPU took part: the threads were spread over the run queues.
        for (String line : first.split("\n")) {
            if (line.startsWith("cpu")) assertNotEquals("0", line.split(" ")[1], line);
        }
    }
}
