package io.mmemu.benchmarks;

import io.mmemu.kernel.MachineOptions;
import io.mmemu.emulator.Machine;
import io.mmemu.emulator.unicorn.Hooks;
import io.mmemu.emulator.unicorn.Uc;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.testprograms.GuestProgram;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Emulated instructions per second on a TLB-friendly loop, under mmemu and on bare Unicorn, in
 * one run:
 * <ul>
 *   <li><b>mmemu</b>: the guest program {@code tlb-loop} (20 million rounds of six instructions over
 *       8 pages) end to end: exec, the run with the model TLB and Linux's TLB management behind
 *       every Unicorn TLB miss, exit. The instruction count is the program's, known by
 *       construction (3 + 20,000,000 × 6 + 3), so the run needs no counting hook.</li>
 *   <li><b>bare Unicorn</b>: the same loop bytes on an engine whose fill hook returns a fixed
 *       translation.</li>
 * </ul>
 * Usage: {@code InstructionRate [rounds] [cpus]}; prints a table (median of the rounds after one
 * warm-up round). With {@code cpus} above 1 the machine has that many CPUs, all but one idle.
 */
public final class InstructionRate {
    private InstructionRate() {}

    static final long ITERATIONS = 20_000_000L;
    /** The guest's instructions: three before the loop, six per round, three to exit. */
    static final long INSTRUCTIONS = 3 + ITERATIONS * 6 + 3;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int cpus = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        double[] model = new double[rounds];
        double[] modelCpu = new double[rounds];
        double[] bare = new double[rounds];
        for (int r = -1; r < rounds; r++) {
            long[] m = runModel(cpus);
            double b = (ITERATIONS * 6 + 3) / (runBare() / 1e9);
            if (r >= 0) {
                model[r] = INSTRUCTIONS / (m[0] / 1e9);
                modelCpu[r] = INSTRUCTIONS / (m[1] / 1e9);
                bare[r] = b;
            }
        }
        Arrays.sort(model);
        Arrays.sort(modelCpu);
        Arrays.sort(bare);
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "tlb-loop, %,d instructions, %d CPU(s), %d rounds after one warm-up, median (min .. max)%n",
                INSTRUCTIONS, cpus, rounds);
        out.printf(Locale.ROOT, "%-38s %16s %30s%n", "path", "instructions/s", "range");
        out.printf(Locale.ROOT, "%-38s %,16.0f %,14.0f .. %,14.0f%n", "mmemu end to end", model[rounds / 2], model[0],
                model[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %,16.0f %,14.0f .. %,14.0f%n", "  per CPU second of its thread",
                modelCpu[rounds / 2], modelCpu[0], modelCpu[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %,16.0f %,14.0f .. %,14.0f%n", "bare Unicorn", bare[rounds / 2], bare[0],
                bare[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %16.2f%n", "ratio mmemu / bare", model[rounds / 2] / bare[rounds / 2]);
    }

    /** Nanoseconds for exec + run + exit of tlb-loop, and the CPU time this thread spent on them. */
    static long[] runModel(int cpus) throws Exception {
        OutputStream sink = OutputStream.nullOutputStream();
        MachineOptions o = new MachineOptions(64L << 20, false, 1, false, false, sink, sink, new PrintStream(sink))
                .withCpus(cpus);
        GuestProgram p = GuestProgram.named("tlb-loop");
        try (Machine m = new Machine(o)) {
            long t0 = System.nanoTime();
            long c0 = FaultRate.THREADS.getCurrentThreadCpuTime();
            m.exec(p.binary(), List.of("tlb-loop"), List.of());
            var outcome = m.run();
            long t = System.nanoTime() - t0;
            long c = FaultRate.THREADS.getCurrentThreadCpuTime() - c0;
            if (outcome.killed() || outcome.exitCode() != 0) throw new IllegalStateException("tlb-loop failed: " + outcome);
            return new long[] {t, c};
        }
    }

    static final long CODE_VA = 0x401000, CODE_PA = 0x1000, DATA_VA = 0x10000000, DATA_PA = 0x100000;

    /** Nanoseconds for the same loop on bare Unicorn. */
    static long runBare() {
        try (PhysicalMemory mem = PhysicalMemory.reserve(16L << 20); Unicorn uc = BareUnicorn.open(mem)) {
            uc.hookTlbFill((vaddr, type) -> {
                if (vaddr == CODE_VA) return CODE_PA | Uc.PROT_READ | Uc.PROT_EXEC;
                long i = (vaddr - DATA_VA) >>> 12;
                if (i < 0 || i >= 8) return Hooks.TlbFill.NO_TRANSLATION;
                return (DATA_PA + (i << 12)) | Uc.PROT_READ | Uc.PROT_WRITE;
            });
            int n = (int) ITERATIONS;
            // mov rcx, n ; mov rdi, DATA_VA ; xor eax, eax ; then tlb-loop's loop bytes
            byte[] code = {0x48, (byte) 0xc7, (byte) 0xc1, (byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24),
                    0x48, (byte) 0xc7, (byte) 0xc7, 0, 0, 0, 0x10, 0x31, (byte) 0xc0,
                    0x48, (byte) 0x89, (byte) 0xca, 0x48, (byte) 0x81, (byte) 0xe2, (byte) 0xf8, 0x7f, 0, 0, 0x48, 0x03,
                    0x04, 0x17, (byte) 0x88, 0x04, 0x17, 0x48, (byte) 0xff, (byte) 0xc9, 0x75, (byte) 0xea};
            return BareUnicorn.run(uc, mem, CODE_VA, CODE_PA, code);
        }
    }
}
