package io.mmemu.mm.page;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** LongMap agrees with java.util.HashMap over random puts and removes that collide, wrap and grow. */
class LongMapTest {

    /** One operation: put (key, value) when {@code put}, else remove key. */
    record Op(boolean put, long key, long value) {}

    @Property(tries = 300)
    void agreesWithHashMap(@ForAll("ops") List<Op> ops) {
        LongMap m = new LongMap();
        Map<Long, Long> ref = new HashMap<>();
        for (Op op : ops) {
            if (op.put()) {
                m.put(op.key(), op.value());
                ref.put(op.key(), op.value());
            } else {
                assertEquals(ref.remove(op.key()) != null, m.remove(op.key()), "remove " + op.key());
            }
            assertEquals(ref.size(), m.size());
        }
        for (long k = 0; k < 300; k++) assertEquals(ref.getOrDefault(k, -7L), m.get(k, -7), "key " + k);
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        // Keys from a small range (many collisions and removals of present keys), as 2 MiB-aligned frames are.
        Arbitrary<Long> keys = Arbitraries.longs().between(0, 299).map(k -> k % 3 == 0 ? k * 512 % 300 : k);
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 2), keys,
                Arbitraries.longs().between(0, 1000)).as((kind, k, v) -> new Op(kind != 0, k, v)).list().ofMaxSize(400);
    }

    @Test
    void removeOfAnAbsentKeyChangesNothing() {
        LongMap m = new LongMap();
        m.put(512, 1);
        assertFalse(m.remove(1024));
        assertEquals(1, m.size());
        assertTrue(m.remove(512));
        assertEquals(-1, m.get(512, -1));
    }

    @Test
    void negativeKeysAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LongMap().put(-1, 0));
        assertEquals("keys must not be negative (got -1)", e.getMessage());
    }
}
