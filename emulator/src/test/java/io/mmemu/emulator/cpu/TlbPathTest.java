package io.mmemu.emulator.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.kernel.TlbOptions;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.emulator.Machine;
import io.mmemu.testprograms.GuestProgram;
import io.mmemu.tlb.Tlb;
import io.mmemu.tlb.TlbStat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model TLB sits on the translation path: every Unicorn TLB miss asks it before walking. */
class TlbPathTest {
    record Counts(String stdout, long fills, long hits, long misses, long modelFills) {}

    static Counts touch(int pages, boolean exact) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Machine m = new Machine(new MachineOptions(64L << 20, false, 1, false, false, out, sink,
                new PrintStream(sink), exact))) {
            GuestProgram p = GuestProgram.named("touch-pages");
            m.exec(p.binary(), List.of("touch-pages", Integer.toString(pages)), List.of());
            m.run();
            io.mmemu.tlb.CpuTlb tlb = m.cpu().tlb();
            return new Counts(out.toString(), m.cpu().stats().get(CpuStat.TLB_FILLS), tlb.stat(TlbStat.HIT),
                    tlb.stat(TlbStat.MISS), tlb.stat(TlbStat.FILL));
        }
    }

    @Test
    void everyUnicornMissIsAnsweredByTheModelTlbOrAWalk() throws Exception {
        for (boolean exact : new boolean[] {false, true}) {
            Counts c = touch(3000, exact);
            assertTrue(c.stdout().contains("touched 3000 pages"), c.stdout());
            assertEquals(c.fills(), c.hits() + c.misses(), "fills = model hits + model misses " + c);
            assertEquals(c.misses(), c.modelFills(), "every model miss walks and fills " + c);
            // Each page is written then read back: at least one model miss per page.
            assertTrue(c.misses() >= 3000, c.toString());
        }
    }

    @Test
    void exactModeSeesEveryMissOfTheModelledTlbAndTheSameOutput() throws Exception {
        Counts relaxed = touch(3000, false);
        Counts exact = touch(3000, true);
        assertEquals(relaxed.stdout(), exact.stdout());
        assertTrue(exact.misses() >= relaxed.misses(), "exact " + exact + " relaxed " + relaxed);
    }

    /** Precise mode's model-TLB counts of {@code program}: hits, misses, fills, instructions, the output, every array's counters. */
    static List<Object> precise(String program, List<String> args, String preset) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        TlbOptions tlbOptions = new TlbOptions(preset, true, false, false, true);
        try (Machine m = new Machine(new MachineOptions(64L << 20, false, 1, true, false, out, sink,
                new PrintStream(sink)).withTlb(tlbOptions))) {
            GuestProgram p = GuestProgram.named(program);
            m.exec(p.binary(), args, List.of());
            m.run();
            io.mmemu.tlb.CpuTlb tlb = m.cpu().tlb();
            List<Object> counts = new java.util.ArrayList<>(List.of(tlb.stat(TlbStat.HIT), tlb.stat(TlbStat.MISS),
                    tlb.stat(TlbStat.FILL), m.cpu().instructions(), out.toString(),
                    "Unicorn fills " + m.cpu().stats().get(CpuStat.TLB_FILLS)));
            for (int i = 0; i < tlb.arrayCount(); i++) {
                for (TlbStat st : TlbStat.values()) counts.add(tlb.arrayName(i) + " " + st + " " + tlb.array(i).stat(st));
            }
            return counts;
        }
    }

    /**
     * Precise mode empties Unicorn's TLB before an instruction only when a fill put something in
     * it, and counts repeated hits of an instruction's page natively: every lookup, hit, miss and
     * fill, of the hierarchy and of each array, and every data fill of Unicorn's TLB, is the same as
     * when every lookup is Java's and Unicorn's TLB is emptied before every instruction. The
     * programs fault, break COW, change protections, rewrite their code, make pages fight over TLB
     * sets (whose LRU order the native side's repeats must leave as Java's lookups would), and
     * unmap what other threads use; on every preset: a unified L1 and split ones, with and without
     * a second level.
     */
    @ParameterizedTest
    @ValueSource(strings = {"typical", "teaching", "intel-golden-cove", "amd-zen4"})
    void preciseModeSkipsOnlyFlushesOfAnEmptyUnicornTlb(String preset) throws Exception {
        for (List<String> run : List.of(List.of("tlb-set-conflicts"), List.of("touch-pages", "300"),
                List.of("mm-cow-fork"), List.of("mm-mprotect"), List.of("mm-fault-signals"), List.of("smc-count"),
                List.of("mt-munmap-shootdown"), List.of("mt-xmodify"))) {
            List<Object> skipping = precise(run.get(0), run, preset);
            String key = "mmemu.precise.flushEachInstruction";
            System.setProperty(key, "true");
            try {
                assertEquals(precise(run.get(0), run, preset), skipping, run.toString());
            } finally {
                System.clearProperty(key);
            }
        }
    }

    /**
     * Precise mode looks every instruction (and the pages its data accesses touch) up in the
     * model TLB: at least one lookup per instruction, far more hits than the default mode sees,
     * no fewer misses, and the program's output unchanged.
     */
    @Test
    void preciseModeLooksEveryInstructionUp() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Machine m = new Machine(new MachineOptions(64L << 20, false, 1, true, false, out, sink,
                new PrintStream(sink)).withTlb(TlbOptions.DEFAULT.withPrecise(true)))) {
            GuestProgram p = GuestProgram.named("touch-pages");
            m.exec(p.binary(), List.of("touch-pages", "200"), List.of());
            m.run();
            io.mmemu.tlb.CpuTlb tlb = m.cpu().tlb();
            Counts relaxed = touch(200, false);
            assertEquals(relaxed.stdout(), out.toString());
            long lookups = tlb.stat(TlbStat.HIT) + tlb.stat(TlbStat.MISS);
            assertTrue(lookups >= m.cpu().instructions(), lookups + " lookups for " + m.cpu().instructions() + " instructions");
            assertTrue(tlb.stat(TlbStat.HIT) > 10 * relaxed.hits() + 1000, "precise hits " + tlb.stat(TlbStat.HIT)
                    + ", default " + relaxed);
            assertTrue(tlb.stat(TlbStat.MISS) >= relaxed.misses(), "precise misses " + tlb.stat(TlbStat.MISS) + ", default " + relaxed);
        }
    }
}
