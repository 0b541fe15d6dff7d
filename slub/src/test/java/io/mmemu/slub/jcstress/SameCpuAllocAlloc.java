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
 * Two tasks on the same emulated CPU allocate at the same time: the (freelist, tid) pair
 * exchange must give them different objects. r1 = 1 if both got an object, r2 = 1 if they
 * got the same one.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "two distinct objects")
@Outcome(id = "1, 1", expect = Expect.FORBIDDEN, desc = "one object handed out twice")
@Outcome(expect = Expect.FORBIDDEN, desc = "allocation failed")
@State
public class SameCpuAllocAlloc {
    static final ArenaPhysMemory MEM = new ArenaPhysMemory(64L << 20);
    static final Slub SLUB = new Slub(MEM, MEM, Slub.Config.defaults(2));
    static final KmemCache S = SLUB.kmemCacheCreate("jcstress-aa", 64, 0, 0, null);
    static final CpuBinding A = SLUB.bind(0);
    static final CpuBinding B = SLUB.bind(0);

    long p;
    long q;

    @Actor
    public void actor1() {
        p = S.alloc(A);
    }

    @Actor
    public void actor2() {
        q = S.alloc(B);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = p != 0 && q != 0 ? 1 : 0;
        r.r2 = p == q ? 1 : 0;
        if (p != 0) {
            S.free(p, A);
        }
        if (q != 0 && q != p) {
            S.free(q, A);
        }
    }
}
