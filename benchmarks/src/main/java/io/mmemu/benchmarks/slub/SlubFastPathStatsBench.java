package io.mmemu.benchmarks.slub;

import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** The fast-path alloc+free pair with the default build: SLUB_STATS and scheduling points on, no hook installed. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class SlubFastPathStatsBench {
    ArenaPhysMemory mem;
    KmemCache cache;
    CpuBinding binding;

    @Setup(Level.Trial)
    public void setup() {
        mem = new ArenaPhysMemory(1L << 20, 16L << 20, 1);
        Slub slub = new Slub(mem, mem, Slub.Config.defaults(4));
        cache = slub.kmemCacheCreate("bench-64", 64, 0, 0, null);
        binding = slub.bind(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mem.close();
    }

    @Benchmark
    @Threads(1)
    public long slubAllocFreeStatsOn1t() {
        long p = cache.alloc(binding);
        cache.free(p, binding);
        return p;
    }
}
