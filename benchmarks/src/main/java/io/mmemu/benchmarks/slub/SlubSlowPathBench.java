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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Slow-path costs, one thread on CPU 0:
 * <ul>
 *   <li>{@code flushThenRefill}: flush_slab() of the CPU slab (deactivate_slab() to the node
 *       partial list), then an allocation that goes through ___slab_alloc() →
 *       get_partial_node() → freeze_slab(), then a fast free;</li>
 *   <li>{@code refillFromRemoteFrees}: the CPU freelist is empty and another CPU freed an
 *       object into the frozen CPU slab, so the allocation takes the slab's freelist back
 *       (ALLOC_REFILL via get_freelist()).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dmmemu.slub.stats=false", "-Dmmemu.slub.schedpoints=false",
        "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class SlubSlowPathBench {
    @Param({"64", "512"})
    int size;

    ArenaPhysMemory mem;
    KmemCache cache;
    CpuBinding cpu0;
    CpuBinding cpu1;
    long[] held;

    @Setup(Level.Trial)
    public void setup() {
        mem = new ArenaPhysMemory(1L << 20, 64L << 20, 1);
        Slub slub = new Slub(mem, mem, Slub.Config.defaults(2));
        cache = slub.kmemCacheCreate("bench-slow", size, 0, 0, null);
        cpu0 = slub.bind(0);
        cpu1 = slub.bind(1);
        // Exhaust the CPU freelist of CPU 0: every object of its CPU slab is held.
        int n = cache.layout().objects();
        held = new long[n];
        for (int i = 0; i < n; i++) {
            held[i] = cache.alloc(cpu0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mem.close();
    }

    @Benchmark
    public long flushThenRefill() {
        cache.flushCpuSlab(0);
        long p = cache.alloc(cpu0);
        cache.free(p, cpu0);
        return p;
    }

    @Benchmark
    public long refillFromRemoteFrees() {
        // held[0] goes back through cpu1 (a remote free into cpu0's slab), then cpu0 refills.
        long p = held[0];
        cache.free(p, cpu1);
        long q = cache.alloc(cpu0);
        held[0] = q;
        return q;
    }
}
