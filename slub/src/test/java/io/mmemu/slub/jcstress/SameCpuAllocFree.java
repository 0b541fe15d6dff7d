package io.mmemu.slub.jcstress;

import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.Slub;
import io.mmemu.slub.testing.ArenaPhysMemory;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A free races an allocation on the same CPU (one task migrating to the other's CPU
 * between the two). Afterwards two more allocations are made; none of the three allocated
 * objects may coincide, and the freed object must still be tagged as written before the
 * free. r1 = number of coinciding pairs among the three allocations, r2 = 1 if an object
 * still allocated lost its tag.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "consistent")
@Outcome(expect = Expect.FORBIDDEN, desc = "an object handed out twice or overwritten")
@State
public class SameCpuAllocFree {
    static final ArenaPhysMemory MEM = new ArenaPhysMemory(64L << 20);
    static final Slub SLUB = new Slub(MEM, MEM, Slub.Config.defaults(2).withHardened(true));
    static final KmemCache S = SLUB.kmemCacheCreate("jcstress-af", 64, 0, 0, null);
    static final CpuBinding A = SLUB.bind(0);

    final CpuBinding b = SLUB.bind(1);
    final long x = S.alloc(A);
    long p;

    @Actor
    public void actor1() {
        p = S.alloc(A);
        MEM.writeLong(p, 0x1111L);
    }

    @Actor
    public void actor2() {
        b.migrate(0);
        S.free(x, b);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        long q1 = S.alloc(A);
        long q2 = S.alloc(A);
        r.r1 = (p == q1 ? 1 : 0) + (p == q2 ? 1 : 0) + (q1 == q2 ? 1 : 0);
        r.r2 = MEM.readLong(p) == 0x1111L ? 0 : 1;
        S.free(p, A);
        if (q1 != p) {
            S.free(q1, A);
        }
        if (q2 != p && q2 != q1) {
            S.free(q2, A);
        }
    }
}
