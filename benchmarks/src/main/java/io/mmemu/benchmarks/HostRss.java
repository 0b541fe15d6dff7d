package io.mmemu.benchmarks;

import io.mmemu.testprograms.GuestProgram;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Host memory per guest process and per guest thread, measured on whole emulator processes as
 * users start them ({@code bin/mmemu run}).
 *
 * <p>Each run starts {@code tasks-hold PROCS THREADS CHURN}, which forks CHURN children one after
 * another (each reaped at once), then holds PROCS live children and THREADS live threads and
 * waits on stdin; then it lets them all end, reaps and joins them, and waits on stdin again.
 * At the first wait the emulator's JVM is idle: its VmRSS (/proc/PID/status) is read, and the Rss
 * of the guest-RAM mapping (/proc/PID/smaps: the one mapping of exactly {@code --ram} bytes),
 * which is the guest RAM the run has touched. At the second wait, VmHWM gives the run's peak,
 * which also counts what the tasks cost when they ended (the 1 GB "first fork" was paid
 * when a child exited: Unicorn's code-cache flush). The program's output is checked.
 *
 * <p>The host cost of N tasks beyond guest RAM is (RSS - guest Rss) of the run with them minus
 * the same of a run with none, divided by N: the JVM (garbage included), Unicorn and the model's
 * bookkeeping for those tasks, but not the pages the guest itself touched (their stacks, page
 * tables and kernel objects, all in guest RAM). It is given while the tasks live (VmRSS) and
 * over their whole life (VmHWM at the end). Each configuration runs {@code rounds} times; the
 * medians are reported. Issue 10's targets: at most 1 MiB per process and 256 KiB per thread.
 *
 * <p>Usage: {@code HostRss [PROCS] [THREADS] [ROUNDS]} (default 1000 2000 3), through
 * {@code bin/bench rss}, which passes the launcher as {@code -Dmmemu.launcher}.
 */
public final class HostRss {
    private HostRss() {}

    static final long RAM = 512L << 20;
    static final double KIB = 1024;

    /** One measured run, in bytes: VmRSS and the guest RAM's Rss while the tasks live, VmHWM at the end. */
    record Sample(long rss, long guest, long peak) {
        long heldBeyondGuest() {
            return rss - guest;
        }

        long peakBeyondGuest() {
            return peak - guest;
        }
    }

    public static void main(String[] args) throws Exception {
        int procs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int churn = procs;
        String launcher = System.getProperty("mmemu.launcher");
        if (launcher == null) throw new IllegalStateException("-Dmmemu.launcher=<path of bin/mmemu> is required");
        Path guest = GuestProgram.named("tasks-hold").binary();

        List<Sample> base = new ArrayList<>(), withProcs = new ArrayList<>(), withThreads = new ArrayList<>(),
                churned = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            base.add(run(launcher, guest, 0, 0, 0));
            withProcs.add(run(launcher, guest, procs, 0, 0));
            withThreads.add(run(launcher, guest, 0, threads, 0));
            churned.add(run(launcher, guest, 0, 0, churn));
        }
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "host RSS of bin/mmemu run --ram %dM tasks-hold, %d rounds, medians (MiB)%n", RAM >> 20, rounds);
        out.printf(Locale.ROOT, "%-30s %10s %10s %10s %12s %12s%n", "run", "VmRSS", "guest", "VmHWM", "RSS-guest",
                "HWM-guest");
        row(out, "no tasks", base);
        row(out, procs + " processes held", withProcs);
        row(out, threads + " threads held", withThreads);
        row(out, churn + " processes one by one", churned);
        out.printf(Locale.ROOT, "%-30s %14s %14s%n", "beyond guest RAM, KiB each", "while held", "over the run");
        per(out, "per process (target <= 1024)", withProcs, base, procs);
        per(out, "per thread (target <= 256)", withThreads, base, threads);
        per(out, "per process one by one", churned, base, churn);
    }

    static void row(PrintStream out, String what, List<Sample> s) {
        out.printf(Locale.ROOT, "%-30s %10.1f %10.1f %10.1f %12.1f %12.1f%n", what, median(s, Sample::rss) / KIB / KIB,
                median(s, Sample::guest) / KIB / KIB, median(s, Sample::peak) / KIB / KIB,
                median(s, Sample::heldBeyondGuest) / KIB / KIB, median(s, Sample::peakBeyondGuest) / KIB / KIB);
    }

    static void per(PrintStream out, String what, List<Sample> s, List<Sample> base, int n) {
        double held = (median(s, Sample::heldBeyondGuest) - median(base, Sample::heldBeyondGuest)) / KIB / n;
        double life = (median(s, Sample::peakBeyondGuest) - median(base, Sample::peakBeyondGuest)) / KIB / n;
        out.printf(Locale.ROOT, "%-30s %14.1f %14.1f%n", what, held, life);
    }

    static long median(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        long[] v = s.stream().mapToLong(f).sorted().toArray();
        return v[v.length / 2];
    }

    /** Runs tasks-hold once and samples the emulator while it holds its tasks and once they are gone. */
    static Sample run(String launcher, Path guest, int procs, int threads, int churn) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(launcher, "run", "--ram", (RAM >> 20) + "M", guest.toString(),
                Integer.toString(procs), Integer.toString(threads), Integer.toString(churn));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start(); // bin/mmemu execs the JVM: the pid is the emulator's
        String holding = "holding " + procs + " processes and " + threads + " threads";
        String released = "released: " + procs + " children exited 0, " + threads + " threads joined";
        List<String> lines = new ArrayList<>();
        long[] held = null;
        long peak = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                OutputStream in = p.getOutputStream()) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
                if (line.equals(holding) || line.equals(released)) {
                    if (line.equals(holding)) held = new long[] {status(p.pid(), "VmRSS:"), guestRss(p.pid())};
                    else peak = status(p.pid(), "VmHWM:");
                    in.write("go\n".getBytes(StandardCharsets.UTF_8));
                    in.flush();
                }
            }
        }
        int status = p.waitFor();
        if (status != 0 || held == null || peak < 0) {
            throw new IllegalStateException("tasks-hold " + procs + " " + threads + " " + churn + " exited " + status
                    + " and printed " + lines);
        }
        return new Sample(held[0], held[1], peak);
    }

    /** A "Name:   1234 kB" line of /proc/PID/status, in bytes. */
    static long status(long pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(name)) return kib(line);
        }
        throw new IllegalStateException("no " + name + " in /proc/" + pid + "/status");
    }

    /** The Rss of the guest-RAM mapping of process {@code pid}: the only mapping of exactly {@link #RAM} bytes. */
    static long guestRss(long pid) throws IOException {
        long guest = -1;
        long size = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                size = Long.parseUnsignedLong(line.substring(dash + 1, space), 16) - Long.parseUnsignedLong(line.substring(0, dash), 16);
            } else if (line.startsWith("Rss:") && size == RAM) {
                if (guest >= 0) throw new IllegalStateException("two mappings of " + RAM + " bytes in process " + pid);
                guest = kib(line);
            }
        }
        if (guest < 0) throw new IllegalStateException("no guest-RAM mapping of " + RAM + " bytes in process " + pid);
        return guest;
    }

    /** "Name:   1234 kB" in bytes. */
    static long kib(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]) * 1024;
    }
}
