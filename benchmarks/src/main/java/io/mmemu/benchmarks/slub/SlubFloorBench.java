package io.mmemu.benchmarks.slub;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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

/**
 * The floor under {@link SlubFastPathBench#slubAllocFree1t}: what an alloc+free pair costs
 * with nothing of the allocator left but the per-CPU (freelist, tid) exchanges themselves.
 * Run in the same minutes as the real benchmark ({@code bin/bench jmh 'Slub(FastPath|Floor)Bench.*1t'}),
 * since the machine is shared and absolute figures drift.
 *
 * <ul>
 *   <li>{@link #casPair}: read the pair, compareAndSet it (pop), read it, compareAndSet it
 *       (push), over a two-object freelist whose next pointer is a constant: the two
 *       {@code lock cmpxchg} and nothing else.</li>
 *   <li>{@link #casPairMem}: the same with the free pointer read from (alloc) and written
 *       to (free) emulated memory in a shared-arena {@link MemorySegment}, as
 *       get_freepointer()/set_freepointer() over the test memory do.</li>
 *   <li>{@link #plainPair}: {@link #casPairMem} with plain stores instead of the two
 *       exchanges: what the fast path would cost if the exchange were free (it is not:
 *       this one is not safe against a second task on the CPU).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
public class SlubFloorBench {
    private static final VarHandle PAIR = MethodHandles.arrayElementVarHandle(long[].class);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Object A at 64, object B at 128 (address / 8 in the pair's high half, as KmemCache keeps it). */
    private static final long A = 64;
    private static final long B = 128;

    /** One CPU's pair and a little emulated memory holding A's free pointer. */
    @State(Scope.Thread)
    public static class Cpu {
        final long[] pairs = new long[16];
        Arena arena;
        MemorySegment seg;

        @Setup(Level.Trial)
        public void setup() {
            arena = Arena.ofShared();
            seg = arena.allocate(4096, 4096);
            pairs[0] = pairOf(A, 0);
            seg.set(LONG, A, B);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    static long pairOf(long freelist, long tid) {
        return ((freelist >>> 3) << 32) | tid;
    }

    @Benchmark
    public long casPair(Cpu c) {
        return popPush(c.pairs, null);
    }

    @Benchmark
    public long casPairMem(Cpu c) {
        return popPush(c.pairs, c.seg);
    }

    /**
     * Pops the head off the pair and pushes it back, each with one acquire read and one
     * compareAndSet of the pair, as slab_alloc_node() and do_slab_free() do; with {@code seg}
     * the free pointer is read from and written to it, else the next object is a constant.
     */
    private static long popPush(long[] pairs, MemorySegment seg) {
        long pair = (long) PAIR.getAcquire(pairs, 0);
        long object = (pair >>> 32) << 3;
        long next = seg == null ? B : seg.get(LONG, object);
        if (!PAIR.compareAndSet(pairs, 0, pair, pairOf(next, (pair + 2) & 0xffffffffL))) {
            throw new IllegalStateException();
        }
        long pair2 = (long) PAIR.getAcquire(pairs, 0);
        if (seg != null) {
            seg.set(LONG, object, (pair2 >>> 32) << 3);
        }
        if (!PAIR.compareAndSet(pairs, 0, pair2, pairOf(object, (pair2 + 2) & 0xffffffffL))) {
            throw new IllegalStateException();
        }
        return object;
    }

    @Benchmark
    public long plainPair(Cpu c) {
        long[] pairs = c.pairs;
        MemorySegment seg = c.seg;
        long pair = pairs[0];
        long tid = pair & 0xffffffffL;
        long object = (pair >>> 32) << 3;
        long next = seg.get(LONG, object);
        pairs[0] = pairOf(next, tid + 2);
        long pair2 = pairs[0];
        seg.set(LONG, object, (pair2 >>> 32) << 3);
        pairs[0] = pairOf(object, (pair2 + 2) & 0xffffffffL);
        return object;
    }
}
