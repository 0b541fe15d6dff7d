package io.mmemu.benchmarks.slub;

import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.Slub;
import io.mmemu.slub.testing.ArenaPhysMemory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** kmalloc+kfree across the size classes, and one size above them (straight from the page allocator). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dmmemu.slub.stats=false", "-Dmmemu.slub.schedpoints=false",
        "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class KmallocBench {
    @Param({"8", "96", "192", "1024", "8192", "16384"})
    long size;

    ArenaPhysMemory mem;
    Slub slub;
    CpuBinding cpu;

    @Setup(Level.Trial)
    public void setup() {
        mem = new ArenaPhysMemory(1L << 20, 64L << 20, 1);
        slub = new Slub(mem, mem, Slub.Config.defaults(1));
        cpu = slub.bind(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mem.close();
    }

    @Benchmark
    public long kmallocKfree() {
        long p = slub.kmalloc(size, cpu);
        slub.kfree(p, cpu);
        return p;
    }
}
