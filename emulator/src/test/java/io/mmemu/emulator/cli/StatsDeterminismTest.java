package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.cpu.CpuStat;
import io.mmemu.emulator.unicorn.DeterministicClock;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.testprograms.GuestProgram;
import io.mmemu.testprograms.Toolchain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every figure of {@code --stats} but wall time is the same in every run of the same command:
 * instructions, faults, syscalls, and the TLB figures too, which used to follow host time
 * (Unicorn resized its own TLB over 100 ms windows of wall time, so a loaded host counted other
 * TLB fills). Each program runs several times in this JVM and once in a fresh one while another
 * thread keeps a host CPU busy, which changes the host's timing from run to run.
 */
class StatsDeterminismTest {
    /** In-process runs of each command; the fresh JVM's run comes on top. */
    private static final int RUNS = 4;

    private volatile boolean burning;
    private Thread burner;

    @BeforeEach
    void burnAHostCpu() {
        assertTrue(DeterministicClock.installed(), "libunicorn reads the host clock: the native library "
                + "(mmemu.native.lib) lacks the clock shim; run bin/setup");
        burning = true;
        burner = Thread.ofPlatform().daemon().name("cpu-burner").start(() -> {
            long x = 1;
            while (burning) x = x * 6364136223846793005L + 1442695040888963407L;
            if (x == 42) System.out.print("");
        });
    }

    @AfterEach
    void stopBurning() throws InterruptedException {
        burning = false;
        burner.join();
    }

    @ParameterizedTest(name = "{0} on {1} CPU(s)")
    @CsvSource({"malloc-churn, 1", "touch-pages, 1", "mt-munmap-shootdown, 2", "mt-mmap-touch, 4", "mm-exec, 2"})
    void everyFigureButWallTimeIsTheSameInEveryRun(String name, int cpus) throws Exception {
        GuestProgram program = GuestProgram.named(name);
        List<String> command = new ArrayList<>(List.of("--stats", "--cpus", Integer.toString(cpus),
                program.binary().toString()));
        command.addAll(program.args());
        String first = statsInProcess(command);
        assertTrue(first.contains("fills"), first);
        for (int i = 1; i < RUNS; i++) {
            assertEquals(first, statsInProcess(command), name + ": run " + (i + 1) + " in this JVM");
        }
        List<String> fresh = new ArrayList<>(List.of("run"));
        fresh.addAll(command);
        CliTest.Result r = CliTest.mmemu(fresh.toArray(String[]::new));
        assertEquals(first, figures(r.stderr()), name + ": a fresh JVM (stderr: " + r.stderr() + ")");
    }

    /**
     * A machine built on one thread and run on another, while a second machine runs at the same
     * time on a third, counts what a machine built and run on one thread alone does: the virtual
     * clock belongs to the thread that drives the machine, and starts afresh with it.
     */
    @Test
    void aMachineHandedToAnotherThreadBesideAnotherMachineCountsTheSame() throws Exception {
        String alone = fills("malloc-churn");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Machine built = newMachine("malloc-churn");
            try {
                CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> fills("malloc-churn"), pool);
                String handedOver = CompletableFuture.supplyAsync(() -> fillsOf(built), pool).get();
                assertEquals(alone, handedOver, "built on the test's thread, run on a pool thread");
                assertEquals(alone, other.get(), "run on a pool thread at the same time");
            } finally {
                built.close();
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * RDTSC reads a virtual time-stamp counter (Unicorn's reads the host's): the same values in
     * every run, and increasing.
     */
    @Test
    void rdtscGivesTheSameValuesInEveryRun(@TempDir Path dir) throws Exception {
        Path binary = Toolchain.muslStatic(dir, "rdtsc", """
                #include <stdio.h>
                #include <stdint.h>
                static uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t) hi << 32 | lo; }
                int main(void) {
                    uint64_t a = rdtsc();
                    volatile uint64_t sum = 0;
                    for (int i = 0; i < 100000; i++) sum += i;
                    uint64_t b = rdtsc(), c = rdtsc();
                    printf("%llu %llu %llu\\n", (unsigned long long) a, (unsigned long long) b, (unsigned long long) c);
                    return 0;
                }
                """);
        String first = guestStdout(binary);
        assertEquals(first, guestStdout(binary), "a second run");
        long[] t = java.util.Arrays.stream(first.trim().split(" ")).mapToLong(Long::parseUnsignedLong).toArray();
        assertTrue(t[0] < t[1] && t[1] < t[2], first);
    }

    /** The figures of one run of {@code mmemu run ARGS} in this JVM (its guest's output goes to this JVM's stdout). */
    private static String statsInProcess(List<String> args) {
        RunCommand opts = RunCommand.parse(args);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RunCommand.runProgram(opts.config(), opts,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        return figures(log.toString(StandardCharsets.UTF_8));
    }

    /** The statistics block of mmemu's messages, without the wall time (the one figure host time sets). */
    static String figures(String messages) {
        int start = messages.indexOf("mmemu: statistics");
        assertTrue(start >= 0, "no statistics in:\n" + messages);
        return messages.substring(start).lines().filter(l -> !l.trim().startsWith("wall time"))
                .collect(Collectors.joining("\n"));
    }

    private static Machine newMachine(String name) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Machine m = new Machine(new MachineOptions(256L << 20, true, 1, true, false, sink, sink, new PrintStream(sink)));
        try {
            GuestProgram p = GuestProgram.named(name);
            List<String> argv = new ArrayList<>(List.of(name));
            argv.addAll(p.args());
            m.exec(p.binary(), argv, List.of());
        } catch (Exception e) {
            m.close();
            throw new IllegalStateException(e);
        }
        return m;
    }

    private static String fills(String name) {
        try (Machine m = newMachine(name)) {
            return fillsOf(m);
        }
    }

    /** Runs the machine; its CPUs' TLB fills, flushes and instructions. */
    private static String fillsOf(Machine m) {
        m.run();
        StringBuilder sb = new StringBuilder();
        for (Cpu c : m.cpus()) {
            sb.append("cpu").append(c.id()).append(" instructions ").append(c.instructions()).append(" fills ")
                    .append(c.stats().get(CpuStat.TLB_FILLS)).append(" flushes ")
                    .append(c.stats().get(CpuStat.TLB_FLUSHES)).append('\n');
        }
        return sb.toString();
    }

    private static String guestStdout(Path binary) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Machine m = new Machine(new MachineOptions(64L << 20, true, 1, false, false, out, err, new PrintStream(err)))) {
            m.exec(binary, List.of("rdtsc"), List.of());
            m.run();
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
