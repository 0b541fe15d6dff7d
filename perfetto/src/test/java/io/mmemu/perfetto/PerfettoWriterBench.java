package io.mmemu.perfetto;

import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The writer's cost per event, encoding into a stream that discards the bytes (so the figure is
 * the writer's, not a disk's). Run from the repository root after {@code mvn -pl perfetto
 * test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test}:
 * {@code java -cp perfetto/target/test-classes:perfetto/target/classes:$(cat perfetto/target/cp.txt)
 * org.openjdk.jmh.Main PerfettoWriterBench -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PerfettoWriterBench {
    private static final String[] OUTCOMES = {"zero_page", "anon", "cow_copy", "cow_reuse", "file"};

    private PerfettoWriter writer;
    private final Args args = new Args();
    private final long[] flow = new long[1];
    private long cpu;
    private long counter;
    private long ts;

    /** A writer with its tracks and names already declared and interned. */
    @Setup
    public void setUp() {
        writer = new PerfettoWriter(OutputStream.nullOutputStream(), "bench");
        cpu = writer.cpuTrack(0);
        counter = writer.counterTrack("rss", "pages", 0);
    }

    /** Flushes the last buffer. */
    @TearDown
    public void tearDown() {
        writer.close();
    }

    /** A page fault: an instant with an address, an error code and an interned outcome. */
    @Benchmark
    public void faultInstant() {
        long t = ++ts;
        writer.instant(cpu, t, "fault", "page_fault", args.clear().pointer("address", 0x7f00_0000_0000L + (t << 12))
                .integer("error_code", 6).label("outcome", OUTCOMES[(int) (t % OUTCOMES.length)]));
    }

    /** A shootdown: a slice that starts a flow, and its end. */
    @Benchmark
    public void sliceWithFlow() {
        long t = ++ts;
        flow[0] = t;
        writer.sliceBegin(cpu, t, "tlb", "flush_tlb_mm_range", args.clear().integer("pages", 8), flow, null);
        writer.sliceEnd(cpu, t);
    }

    /** A counter's new value. */
    @Benchmark
    public void counterValue() {
        long t = ++ts;
        writer.counter(counter, t, t & 0xffff);
    }
}
