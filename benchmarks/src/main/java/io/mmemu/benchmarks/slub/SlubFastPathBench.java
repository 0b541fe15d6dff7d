package io.mmemu.benchmarks.slub;

import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.Slub;
import io.mmemu.slub.testing.ArenaPhysMemory;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

/**
 * One alloc+free pair of a 64-byte object on the SLUB fast path (per-CPU (freelist, tid)
 * exchange both ways), with one and two threads, each thread bound to its own emulated CPU;
 * and, in the same run, the baselines: a lock-based slab over the same emulated memory, a
 * ConcurrentLinkedQueue pool of preallocated buffers, and plain Java allocation.
 *
 * <p>SLUB_STATS and scheduling points are compiled out ({@code -Dmmemu.slub.stats=false
 * -Dmmemu.slub.schedpoints=false}); {@link SlubFastPathStatsBench} measures with them on.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dmmemu.slub.stats=false", "-Dmmemu.slub.schedpoints=false",
        "--enable-native-access=ALL-UNNAMED"})
public class SlubFastPathBench {

    /** One machine shared by all benchmark threads. */
    @State(Scope.Benchmark)
    public static class Machine {
        ArenaPhysMemory mem;
        Slub slub;
        KmemCache cache;
        LockedSlab locked;
        ConcurrentLinkedQueue<byte[]> pool;
        final AtomicInteger nextCpu = new AtomicInteger();

        @Setup(Level.Trial)
        public void setup() {
            mem = new ArenaPhysMemory(1L << 20, 64L << 20, 1);
            slub = new Slub(mem, mem, Slub.Config.defaults(4));
            cache = slub.kmemCacheCreate("bench-64", 64, 0, 0, null);
            locked = new LockedSlab(mem, mem, 64);
            pool = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < 1024; i++) {
                pool.add(new byte[64]);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            mem.close();
        }
    }

    /** Each benchmark thread runs on its own emulated CPU. */
    @State(Scope.Thread)
    public static class Cpu {
        CpuBinding binding;

        @Setup(Level.Trial)
        public void setup(Machine m) {
            binding = m.slub.bind(m.nextCpu.getAndIncrement() % m.slub.nrCpus());
        }
    }

    @Benchmark
    @Threads(1)
    public long slubAllocFree1t(Machine m, Cpu c) {
        long p = m.cache.alloc(c.binding);
        m.cache.free(p, c.binding);
        return p;
    }

    @Benchmark
    @Threads(2)
    public long slubAllocFree2t(Machine m, Cpu c) {
        long p = m.cache.alloc(c.binding);
        m.cache.free(p, c.binding);
        return p;
    }

    @Benchmark
    @Threads(1)
    public long lockedSlab1t(Machine m) {
        long p = m.locked.alloc();
        m.locked.free(p);
        return p;
    }

    @Benchmark
    @Threads(2)
    public long lockedSlab2t(Machine m) {
        long p = m.locked.alloc();
        m.locked.free(p);
        return p;
    }

    @Benchmark
    @Threads(1)
    public byte[] clqPool1t(Machine m) {
        byte[] b = m.pool.poll();
        m.pool.offer(b);
        return b;
    }

    @Benchmark
    @Threads(2)
    public byte[] clqPool2t(Machine m) {
        byte[] b = m.pool.poll();
        m.pool.offer(b);
        return b;
    }

    @Benchmark
    @Threads(1)
    public byte[] javaNew1t() {
        return new byte[64];
    }

    @Benchmark
    @Threads(2)
    public byte[] javaNew2t() {
        return new byte[64];
    }
}
