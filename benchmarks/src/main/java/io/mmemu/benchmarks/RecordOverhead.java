package io.mmemu.benchmarks;

import io.mmemu.emulator.record.RecordedRun;
import io.mmemu.emulator.record.Replay;
import io.mmemu.emulator.record.ReplayResult;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.testprograms.GuestProgram;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What recording and replaying cost ({@code bin/bench record}): the whole run of a guest (a fresh
 * machine, exec, the run, teardown, as {@code mmemu run} does it) three ways, alternated within
 * each round so that all three see the same machine load: plain, recorded to a log
 * ({@code --record}), and the replay of that log. Guests: touch-pages 200000 (page-fault bound:
 * the end's checkpoint hashes the 200,000 frames it wrote) and malloc-churn (syscall bound: mmap,
 * munmap, mremap, brk). Targets (issue 12): recording at most 10% over plain, replay at most 1.2x
 * the recorded run. Usage: {@code RecordOverhead [ROUNDS]}; prints medians and minima in ms, of
 * wall time and of the driving thread's CPU time (all of a run but the JIT and the GC happens on
 * that one thread; on a shared, loaded machine its CPU time is the steadier figure).
 */
public final class RecordOverhead {
    private RecordOverhead() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Path dir = Files.createTempDirectory("mmemu-bench-record");
        GuestIo quiet = new GuestIo(InputStream.nullInputStream(), OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(), new PrintStream(OutputStream.nullOutputStream()));
        PrintStream out = System.out;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        out.printf(Locale.ROOT, "whole run, wall time and the running thread's CPU time, %d rounds after one warm-up, median (min) in ms%n", rounds);
        out.printf(Locale.ROOT, "%-34s %16s %16s %16s %10s %10s %10s%n", "guest", "plain", "--record", "replay",
                "record", "replay/rec", "log");
        // The third case checkpoints at every second kernel entry, so one checkpoint falls while
        // touch-pages' 200,000 pages are mapped and hashes them all (800 MiB): the cost of frame hashing.
        for (List<String> guest : List.of(List.of("touch-pages", "200000"), List.of("malloc-churn"),
                List.of("touch-pages", "200000", "every=2"))) {
            long every = guest.getLast().startsWith("every=") ? Long.parseLong(guest.getLast().substring(6)) : 1000;
            if (every != 1000) guest = guest.subList(0, guest.size() - 1);
            String name = String.join(" ", guest) + (every != 1000 ? " ckpt/2" : "");
            RunConfig c = RunConfig.defaults(GuestProgram.named(guest.get(0)).binary(), guest.subList(1, guest.size()));
            c = c.withMachine(1L << 30, c.cpus(), c.quantum());
            Path log = dir.resolve(guest.get(0) + ".mmlog");
            double[] plain = new double[rounds];
            double[] rec = new double[rounds];
            double[] rep = new double[rounds];
            double[] plainCpu = new double[rounds];
            double[] recCpu = new double[rounds];
            double[] repCpu = new double[rounds];
            for (int r = -1; r < rounds; r++) { // round -1 warms the JIT up and is not reported
                long c0 = cpu.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                GuestRun.run(c, quiet, 0, GuestRun.NONE);
                long t1 = System.nanoTime();
                long c1 = cpu.getCurrentThreadCpuTime();
                RecordedRun.run(c, quiet, log, 0, GuestRun.NONE, every);
                long t2 = System.nanoTime();
                long c2 = cpu.getCurrentThreadCpuTime();
                ReplayResult p = Replay.replay(log, quiet);
                long t3 = System.nanoTime();
                long c3 = cpu.getCurrentThreadCpuTime();
                if (!p.identical()) throw new IllegalStateException(name + ": the replay diverged:\n" + p.summary());
                if (r >= 0) {
                    plain[r] = (t1 - t0) / 1e6;
                    rec[r] = (t2 - t1) / 1e6;
                    rep[r] = (t3 - t2) / 1e6;
                    plainCpu[r] = (c1 - c0) / 1e6;
                    recCpu[r] = (c2 - c1) / 1e6;
                    repCpu[r] = (c3 - c2) / 1e6;
                }
            }
            double mp = median(plain);
            double mr = median(rec);
            double mq = median(rep);
            out.printf(Locale.ROOT, "%-34s %8.0f (%5.0f) %8.0f (%5.0f) %8.0f (%5.0f) %+9.1f%% %9.2fx %7d kB%n",
                    name + " wall", mp, min(plain), mr, min(rec), mq, min(rep), (mr / mp - 1) * 100,
                    mq / mr, Files.size(log) / 1024);
            double cp = median(plainCpu);
            double cr = median(recCpu);
            double cq = median(repCpu);
            out.printf(Locale.ROOT, "%-34s %8.0f (%5.0f) %8.0f (%5.0f) %8.0f (%5.0f) %+9.1f%% %9.2fx%n",
                    name + " cpu", cp, min(plainCpu), cr, min(recCpu), cq, min(repCpu),
                    (cr / cp - 1) * 100, cq / cr);
            Files.delete(log);
        }
        Files.delete(dir);
        out.println("targets: record at most +10%, replay/rec at most 1.20x");
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }
}
