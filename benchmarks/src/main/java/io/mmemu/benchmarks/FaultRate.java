package io.mmemu.benchmarks;

import io.mmemu.kernel.MachineOptions;
import io.mmemu.emulator.Machine;
import io.mmemu.emulator.trace.TraceSession;
import io.mmemu.emulator.unicorn.Hooks;
import io.mmemu.emulator.unicorn.Uc;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.testprograms.GuestProgram;
import io.mmemu.trace.TraceFilter;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Minor page faults per second, end to end and bare, in one run:
 * <ul>
 *   <li><b>mmemu</b>: {@code touch-pages N} under the emulator: exec, N demand-zero faults through
 *       the TLB-fill hook, the page walker and handle_mm_fault, exit and teardown; the figure is
 *       the faults the model counted divided by the whole run's time.</li>
 *   <li><b>mmemu, tracing everything</b>: the same run with every event kind traced to a
 *       Perfetto trace (written to a null stream) and counted for the summary: what --trace costs.</li>
 *   <li><b>bare Unicorn</b>: the same N first touches by a 4-instruction loop on an engine whose
 *       fill hook returns a precomputed identity-like translation: the floor the front end sets.</li>
 * </ul>
 * Both touch fresh host memory reserved with MAP_NORESERVE, so both pay the host's own faults.
 * Usage: {@code FaultRate [pages] [rounds]}; prints a table.
 */
public final class FaultRate {
    private FaultRate() {}

    /** The CPU time of the thread that runs the machine (the benchmark's own). */
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int pages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long ram = (((long) pages * 4096 + (64L << 20)) + (2L << 20) - 1) & -(2L << 20);

        double[] model = new double[rounds];
        double[] modelCpu = new double[rounds];
        double[] traced = new double[rounds];
        double[] tracedCpu = new double[rounds];
        double[] bare = new double[rounds];
        long faults = 0;
        for (int r = -1; r < rounds; r++) { // round -1 warms the JIT up and is not reported
            long[] m = runModel(pages, ram, false);
            long[] t = runModel(pages, ram, true);
            double b = runBare(pages, ram);
            if (r >= 0) {
                model[r] = m[0] / (m[1] / 1e9);
                modelCpu[r] = m[0] / (m[2] / 1e9);
                traced[r] = t[0] / (t[1] / 1e9);
                tracedCpu[r] = t[0] / (t[2] / 1e9);
                bare[r] = b;
                faults = m[0];
            }
        }
        Arrays.sort(model);
        Arrays.sort(modelCpu);
        Arrays.sort(traced);
        Arrays.sort(tracedCpu);
        Arrays.sort(bare);
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "touch-pages %d, %d rounds after one warm-up, median (min .. max)%n", pages, rounds);
        out.printf(Locale.ROOT, "%-38s %14s %26s%n", "path", "faults/s", "range");
        out.printf(Locale.ROOT, "%-38s %,14.0f %,12.0f .. %,12.0f%n", "mmemu end to end (model, " + faults + " faults)",
                model[rounds / 2], model[0], model[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %,14.0f %,12.0f .. %,12.0f%n", "  per CPU second of its thread", modelCpu[rounds / 2],
                modelCpu[0], modelCpu[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %,14.0f %,12.0f .. %,12.0f%n", "mmemu tracing every event", traced[rounds / 2],
                traced[0], traced[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %,14.0f %,12.0f .. %,12.0f%n", "  per CPU second of its thread",
                tracedCpu[rounds / 2], tracedCpu[0], tracedCpu[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %,14.0f %,12.0f .. %,12.0f%n", "bare Unicorn fill hook", bare[rounds / 2],
                bare[0], bare[rounds - 1]);
        out.printf(Locale.ROOT, "%-38s %14.2f%n", "ratio mmemu / bare", model[rounds / 2] / bare[rounds / 2]);
        out.printf(Locale.ROOT, "%-38s %14.2f%n", "cost of tracing (untraced / traced)", model[rounds / 2] / traced[rounds / 2]);
        out.printf(Locale.ROOT, "%-38s %14.2f%n", "  in CPU time", modelCpu[rounds / 2] / tracedCpu[rounds / 2]);
    }

    /**
     * Returns {faults counted, nanoseconds for exec + run + exit, the CPU time this thread spent on
     * them} (the CPU time is what a loaded host does not inflate by descheduling); {@code trace}:
     * every event to a Perfetto trace and a summary.
     */
    static long[] runModel(int pages, long ram, boolean trace) throws Exception {
        OutputStream sink = OutputStream.nullOutputStream();
        MachineOptions o = new MachineOptions(ram, false, 1, false, false, sink, sink, new PrintStream(sink));
        GuestProgram p = GuestProgram.named("touch-pages");
        try (Machine m = new Machine(o)) {
            long t0 = System.nanoTime();
            long c0 = THREADS.getCurrentThreadCpuTime();
            TraceSession session = trace ? TraceSession.of(TraceFilter.ALL, true, sink, "touch-pages", List.of()) : null;
            if (session != null) session.attach(m);
            m.exec(p.binary(), List.of("touch-pages", Integer.toString(pages)), List.of());
            var outcome = m.run();
            if (session != null) session.tracer().finish();
            long t = System.nanoTime() - t0;
            long c = THREADS.getCurrentThreadCpuTime() - c0;
            if (outcome.killed() || outcome.exitCode() != 0) throw new IllegalStateException("touch-pages failed: " + outcome);
            return new long[] {m.env().event(VmEvent.PGFAULT), t, c};
        }
    }

    static final long CODE_VA = 0x400000, CODE_PA = 0x1000, DATA_VA = 0x10000000, DATA_PA = 0x100000;

    /** Faults per second of the bare path: one fill per fresh page, no model behind the hook. */
    static double runBare(int pages, long ram) {
        try (PhysicalMemory mem = PhysicalMemory.reserve(ram); Unicorn uc = BareUnicorn.open(mem)) {
            long[] fills = {0};
            uc.hookTlbFill((vaddr, type) -> {
                fills[0]++;
                if (vaddr == CODE_VA) return CODE_PA | Uc.PROT_READ | Uc.PROT_EXEC;
                long i = (vaddr - DATA_VA) >>> 12;
                if (i < 0 || i >= pages) return Hooks.TlbFill.NO_TRANSLATION;
                return (DATA_PA + (i << 12)) | Uc.PROT_READ | Uc.PROT_WRITE;
            });
            // mov rcx, pages ; mov rdi, DATA_VA ; loop: mov byte [rdi], 1 ; add rdi, 4096 ; dec rcx ; jnz loop
            byte[] code = {0x48, (byte) 0xc7, (byte) 0xc1, (byte) pages, (byte) (pages >> 8), (byte) (pages >> 16),
                    (byte) (pages >> 24), 0x48, (byte) 0xc7, (byte) 0xc7, 0, 0, 0, 0x10, (byte) 0xc6, 0x07, 0x01, 0x48,
                    (byte) 0x81, (byte) 0xc7, 0, 0x10, 0, 0, 0x48, (byte) 0xff, (byte) 0xc9, 0x75, (byte) 0xf1};
            long t = BareUnicorn.run(uc, mem, CODE_VA, CODE_PA, code);
            return (fills[0] - 1) / (t / 1e9);
        }
    }
}
